"""Staff time: how each staff member splits this week's hours.

Rules (all staff at once, from last week's state):

* Only filled posts have hours (``hours_per_week``); a vacant post has none.
* Defensive work (covering yourself, escalating, waiting for instruction) takes
  ``0.05 + 0.35 * defensiveness * (1 - 0.5 * agency)`` of the week.
* Work across boundaries takes ``0.15 * mindset * (1 - defensiveness) * (0.5 + 0.5 * agency)``:
  people who see the whole system spend time on other organisations' problems, and only people
  who act rather than wait for instruction take it up (leading across boundaries when you are not
  in charge).
* Involving citizens takes ``0.12 * openness * (1 - defensiveness)``.
* Improvement and experiments take ``0.08 * agency * (1 - defensiveness)``.
* Under pressure people firefight: the three investment uses (across boundaries, involving,
  improving) are divided by ``1 + 2 * excess``, where excess is the organisation's pressure above 1
  last week. This is why retreat is tempting: those hours pay back only later.
* Direct care takes the rest. Senior leaders spend their "direct" share on management.

No leadership setting enters these rules: leaders change them only through people's attitudes
(see culture), which move a few per cent a week.

Results: ``staff.time`` (shares), ``staff.hours`` (hours this week), per-organisation hours by
use in ``model.org_hours`` (organisations x uses, hours per week), and ``model.outreach``, the
community-facing organisations' involving hours as a share of their hours over 0.08 (at most 1):
how far services reach out to those on the outside. **Waiting for instruction** is reported as
the share of decisions staff defer upward, ``(1 - agency) * (0.5 + 0.5 * defensiveness)`` averaged
over staff in post.
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import COMMUNITY_FACING, ORG_KINDS
from slsim.model.population import CROSS, DEFENSIVE, DIRECT, IMPROVE, INVOLVE, TIME_USES

OWNS = ("org_hours", "outreach")
READS = ()
WRITES = ()
TALLIES = ("cross_boundary_time_share", "defensive_time_share", "waiting_for_instruction_share")

# Share of community-facing hours spent involving citizens at which outreach reaches everyone on
# the outside as well as insiders are reached (modelling assumption).
OUTREACH_FULL = 0.08


def init(model) -> None:
    """No hours are worked before the first week."""
    model.org_hours = np.zeros((len(ORG_KINDS), len(TIME_USES)))
    model.outreach = 0.0


def step(model) -> None:
    s = model.staff
    p = model.params
    org = s.org
    d, a, mind = s.defensiveness, s.agency, s.mindset
    excess = np.maximum(model.orgs.pressure - 1.0, 0.0)[org]
    firefight = 1.0 / (1.0 + 2.0 * excess)
    t = s.time
    t[:, DEFENSIVE] = 0.05 + 0.35 * d * (1 - 0.5 * a)
    t[:, CROSS] = 0.15 * mind * (1 - d) * (0.5 + 0.5 * a) * firefight
    t[:, INVOLVE] = 0.12 * (1 - d) * s.openness * firefight
    t[:, IMPROVE] = 0.08 * a * (1 - d) * firefight
    t[:, DIRECT] = 1.0 - t[:, 1:].sum(axis=1)
    s.hours[:] = np.where(s.filled, p.hours_per_week, 0.0)
    k = len(model.organisations)
    hours = s.hours[:, None] * t
    # Per-organisation hours by use: one bincount per use over all staff.
    model.org_hours = np.stack([np.bincount(org, weights=hours[:, u], minlength=k) for u in range(len(TIME_USES))],
                               axis=1)
    total = s.hours.sum()
    model.w["cross_boundary_time_share"] = hours[:, CROSS].sum() / total if total else 0.0
    model.w["defensive_time_share"] = hours[:, DEFENSIVE].sum() / total if total else 0.0
    filled = s.filled
    defer = (1 - a[filled]) * (0.5 + 0.5 * d[filled])
    model.w["waiting_for_instruction_share"] = defer.mean() if filled.any() else 0.0
    cf = model.org_hours[COMMUNITY_FACING]
    cf_total = cf.sum()
    model.outreach = min(1.0, cf[:, INVOLVE].sum() / cf_total / OUTREACH_FULL) if cf_total > 0 else 0.0
