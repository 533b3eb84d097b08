"""Voice, satisfaction and wellbeing.

Rules (all citizens at once):

* **Raising a voice.** A citizen with need (the larger of health and care need) above
  ``pathway.need_threshold``, or in a delayed bed, raises a concern or an idea this week with
  probability ``{raise_base} + {raise_dissatisfied} * (1 - satisfaction)``.
* **Being heard.** {listening_share:.0%} of all involving hours go to listening, ``involvement_hours``
  per citizen, and formal channels (complaints, patient advice services) hear {formal_channels:.1%} of
  citizens a week. Who is heard goes by weighted random priority with the same access weights as
  support: outsiders with weight ``access.outsider_floor + access.outsider_outreach * outreach``,
  below insiders' 1 unless organisations reach out (Arnstein 1969: those with least power are
  consulted last, if at all).
* **Satisfaction** moves up by {satisfaction_heard} x (1 - s) when heard, down by
  {satisfaction_ignored} x s when ignored, and down by {satisfaction_unmet} when need went unmet or
  {satisfaction_delayed} when delayed in a bed; up by {satisfaction_involved} when involved.
* **Wellbeing** moves {wellbeing_rate:.0%} a week towards
  ``1 - {wellbeing_need} * mean need - {wellbeing_unmet} * unmet - {wellbeing_delayed} * delayed +
  {wellbeing_involved} * involved + {wellbeing_heard} * heard``, clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.population import DELAYED, INVOLVE, Column
from slsim.model.processes.shared import access_weight

OWNS = ("last_voice",)
COLUMNS = (Column("citizens", "voice_raised", bool),  # raised their voice this week
           Column("citizens", "voice_heard", bool),  # and were heard
           Column("citizens", "satisfaction"))  # with services, 0-1 (starts at population.satisfaction_start)
READS = ("org_hours", "outreach", "citizens.health_need", "citizens.care_need", "citizens.place", "citizens.involved",
         "citizens.unmet", "citizens.outsider")
WRITES = ("citizens.wellbeing",)  # being heard, and waiting unheard, move wellbeing
TALLIES = ("voice_heard_outsiders", "voice_heard_insiders")

COEFFICIENTS = Block(
    "voice",
    Coefficient("raise_base", 0.02, "probability per week", (0.0, 0.5),
                f"{ASSUMPTION} even satisfied citizens in need now and then raise a concern or an idea",
                "Weekly chance that a fully satisfied citizen in need raises their voice."),
    Coefficient("raise_dissatisfied", 0.08, "probability per week", (0.0, 0.5),
                f"{ASSUMPTION} dissatisfaction makes people speak up, about five times as often at its worst",
                "Rise of the weekly chance of raising a voice from full satisfaction to none."),
    Coefficient("listening_share", 0.5, "share of involving hours", (0.0, 1.0),
                f"{ASSUMPTION} involving time is split between listening and designing support (needs)",
                "Share of all involving hours spent listening to citizens who raised a voice."),
    Coefficient("formal_channels", 0.003, "share of citizens per week", (0.0, 0.05),
                f"{ASSUMPTION} complaints and patient advice services hear a few citizens per thousand a week",
                "Citizens heard each week through formal channels, as a share of all citizens."),
    Coefficient("satisfaction_heard", 0.1, "share of the gap to 1 per week", (0.0, 1.0),
                f"{ASSUMPTION} being heard raises satisfaction, less so the more satisfied one already is",
                "Share of the gap to full satisfaction closed when a citizen is heard."),
    Coefficient("satisfaction_ignored", 0.05, "share of satisfaction per week", (0.0, 1.0),
                f"{ASSUMPTION} being ignored hurts, somewhat less than being heard helps",
                "Share of satisfaction lost when a citizen raised a voice and was not heard."),
    Coefficient("satisfaction_unmet", 0.03, "satisfaction 0-1 per week", (0.0, 0.5),
                f"{ASSUMPTION} need left unmet wears satisfaction down week by week",
                "Satisfaction lost in a week in which a citizen's need went unmet."),
    Coefficient("satisfaction_delayed", 0.05, "satisfaction 0-1 per week", (0.0, 0.5),
                f"{ASSUMPTION} waiting in a bed while fit to leave is worse than unmet need at home",
                "Satisfaction lost in a week spent delayed in a hospital bed."),
    Coefficient("satisfaction_involved", 0.02, "satisfaction 0-1 per week", (0.0, 0.5),
                f"{ASSUMPTION} a plan made with the citizen slowly builds satisfaction",
                "Satisfaction gained in a week while a citizen is involved."),
    Coefficient("wellbeing_rate", 0.1, "share of the gap per week", (0.01, 1.0),
                f"{ASSUMPTION} wellbeing follows circumstances over a couple of months",
                "Share of the gap between wellbeing and its target closed each week."),
    Coefficient("wellbeing_need", 0.6, "wellbeing per unit of mean need", (0.0, 1.0),
                f"{ASSUMPTION} need is the largest influence on wellbeing",
                "Fall of target wellbeing per unit of mean health and care need."),
    Coefficient("wellbeing_unmet", 0.15, "wellbeing 0-1", (0.0, 0.5),
                f"{ASSUMPTION} unmet need lowers wellbeing beyond the need itself",
                "Fall of target wellbeing while a citizen's need goes unmet."),
    Coefficient("wellbeing_delayed", 0.15, "wellbeing 0-1", (0.0, 0.5),
                f"{ASSUMPTION} a delayed stay in hospital lowers wellbeing as much as unmet need",
                "Fall of target wellbeing while a citizen is delayed in a bed."),
    Coefficient("wellbeing_involved", 0.05, "wellbeing 0-1", (0.0, 0.5),
                f"{ASSUMPTION} having a say in one's own support helps a little",
                "Rise of target wellbeing while a citizen is involved."),
    Coefficient("wellbeing_heard", 0.05, "wellbeing 0-1", (0.0, 0.5),
                f"{ASSUMPTION} being heard helps a little",
                "Rise of target wellbeing in a week a citizen is heard."),
)
__doc__ = COEFFICIENTS.document(__doc__)


def init(model) -> None:
    """No voice has been raised before the first week."""
    model.last_voice = {}  # last week's share heard per group, carried forward when nobody raises one
    model.citizens.satisfaction[:] = model.coef.population.satisfaction_start


def step(model) -> None:
    c = model.citizens
    p = model.params
    k = model.coef.voice
    n = c.n
    delayed = c.place == DELAYED
    eligible = delayed | (np.maximum(c.health_need, c.care_need) > model.coef.pathway.need_threshold)
    chance = k.raise_base + k.raise_dissatisfied * (1 - c.satisfaction)
    raised = eligible & (model.draws.uniform("voice.raise", np.arange(n)) < chance)
    raisers = np.flatnonzero(raised)
    listen = int(k.listening_share * model.org_hours[:, INVOLVE].sum() / p.involvement_hours + k.formal_channels * n)
    heard_rows = model.draws.pick("voice.heard", raisers, access_weight(model, c.outsider[raisers]), listen)
    c.voice_raised[:] = raised
    c.voice_heard[:] = False
    c.voice_heard[heard_rows] = True
    heard = c.voice_heard
    ignored = raised & ~heard
    s = c.satisfaction
    s += (k.satisfaction_heard * (1 - s) * heard - k.satisfaction_ignored * s * ignored - k.satisfaction_unmet * c.unmet
          - k.satisfaction_delayed * delayed + k.satisfaction_involved * c.involved)
    np.clip(s, 0, 1, out=s)
    target = (1 - k.wellbeing_need * (c.health_need + c.care_need) / 2 - k.wellbeing_unmet * c.unmet
              - k.wellbeing_delayed * delayed + k.wellbeing_involved * c.involved + k.wellbeing_heard * heard)
    c.wellbeing += k.wellbeing_rate * (np.clip(target, 0, 1) - c.wellbeing)
    for group, mask in (("outsiders", c.outsider), ("insiders", ~c.outsider)):
        n_raised = int((raised & mask).sum())
        key = f"voice_heard_{group}"
        if n_raised:
            model.w[key] = (heard & mask).sum() / n_raised
        else:  # nobody raised a voice: carry last week's share forward
            model.w[key] = model.last_voice.get(key, 0.0)
        model.last_voice[key] = model.w[key]
