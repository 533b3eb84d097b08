"""Voice, satisfaction and wellbeing.

Rules (all citizens at once):

* **Raising a voice.** A citizen with need (above 0.3) or in a delayed bed raises a concern or an
  idea this week with probability ``0.02 + 0.08 * (1 - satisfaction)``.
* **Being heard.** Half of all involving hours go to listening, ``involvement_hours`` per citizen,
  and formal channels (complaints, patient advice services) hear 3 citizens per 1,000 a week.
  Who is heard goes by weighted random priority with the same access weights as support:
  outsiders are heard only in proportion to outreach (Arnstein 1969: those with least power are
  consulted last, if at all).
* **Satisfaction** moves up by 0.1 x (1 - s) when heard, down by 0.05 x s when ignored, and down
  by 0.03 when need went unmet or 0.05 when delayed in a bed; up by 0.02 when involved.
* **Wellbeing** moves 10% a week towards ``1 - 0.6 * mean need - 0.15 * unmet - 0.15 * delayed
  + 0.05 * involved + 0.05 * heard``, clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np

from slsim.model.population import DELAYED, INVOLVE
from slsim.model.processes.shared import access_weight, weighted_pick

OWNS = ("last_voice",)
READS = ("org_hours",)
WRITES = ()
TALLIES = ("voice_heard_outsiders", "voice_heard_insiders")


def init(model) -> None:
    """No voice has been raised before the first week."""
    model.last_voice = {}  # last week's share heard per group, carried forward when nobody raises one


def step(model) -> None:
    c = model.citizens
    p = model.params
    rng = model.streams["voice"]
    n = c.n
    delayed = c.place == DELAYED
    eligible = delayed | (np.maximum(c.health_need, c.care_need) > model.coef.pathway.need_threshold)
    raised = eligible & (rng.random(n) < 0.02 + 0.08 * (1 - c.satisfaction))
    raisers = np.flatnonzero(raised)
    listen = int(0.5 * model.org_hours[:, INVOLVE].sum() / p.involvement_hours + 0.003 * n)
    heard_rows = weighted_pick(rng, raisers, access_weight(model, c.outsider[raisers]), listen)
    c.voice_raised[:] = raised
    c.voice_heard[:] = False
    c.voice_heard[heard_rows] = True
    heard = c.voice_heard
    ignored = raised & ~heard
    s = c.satisfaction
    s += 0.1 * (1 - s) * heard - 0.05 * s * ignored - 0.03 * c.unmet - 0.05 * delayed + 0.02 * c.involved
    np.clip(s, 0, 1, out=s)
    target = (1 - 0.6 * (c.health_need + c.care_need) / 2 - 0.15 * c.unmet - 0.15 * delayed
              + 0.05 * c.involved + 0.05 * heard)
    c.wellbeing += 0.1 * (np.clip(target, 0, 1) - c.wellbeing)
    for group, mask in (("outsiders", c.outsider), ("insiders", ~c.outsider)):
        n_raised = int((raised & mask).sum())
        key = f"voice_heard_{group}"
        if n_raised:
            model.w[key] = (heard & mask).sum() / n_raised
        else:  # nobody raised a voice: carry last week's share forward
            model.w[key] = model.last_voice.get(key, 0.0)
        model.last_voice[key] = model.w[key]
