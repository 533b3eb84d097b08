"""Staff time: how each staff member splits this week's hours.

Rules (all staff at once, from last week's state):

* Only filled posts have hours (``hours_per_week``); a vacant post has none.
* Defensive work (covering yourself, escalating, waiting for instruction) takes
  ``{defensive_base} + {defensive_weight} * defensiveness * (1 - {defensive_agency} * agency)`` of the week.
* Work across boundaries takes
  ``{cross_weight} * mindset * (1 - defensiveness) * ({cross_agency_base} + {cross_agency} * agency)``:
  people who see the whole system spend time on other organisations' problems, and only people
  who act rather than wait for instruction take it up (leading across boundaries when you are not
  in charge).
* Involving citizens takes ``{involve_weight} * openness * (1 - defensiveness)``.
* Improvement and experiments take ``{improve_weight} * agency * (1 - defensiveness)``.
* Under pressure people firefight: the three investment uses (across boundaries, involving,
  improving) are divided by ``1 + {firefight:g} * excess``, where excess is the organisation's pressure
  above 1 last week. This is why retreat is tempting: those hours pay back only later.
* Direct care takes the rest. The rules are the same for every role: a senior leader's or a
  manager's remaining hours count as direct care hours of their organisation like anyone else's
  (the hours the hospital's wards, home care and support are staffed from); the model sets no
  management time apart.

No leadership setting enters these rules: leaders change them only through people's attitudes
(see culture), which move a few per cent a week.

Results: ``staff.time`` (shares), ``staff.hours`` (hours this week), per-organisation hours by
use in ``model.org_hours`` (organisations x uses, hours per week), and ``model.outreach``, the
community-facing organisations' involving hours as a share of their hours over {outreach_full}
(at most 1): how far services reach out to those on the outside. **Waiting for instruction** is
reported as the share of decisions staff defer upward,
``(1 - agency) * ({defer_base} + {defer_defensive} * defensiveness)`` averaged over staff in post.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import COMMUNITY_FACING, ORG_KINDS
from slsim.model.population import CROSS, DEFENSIVE, DIRECT, IMPROVE, INVOLVE, TIME_USES, Column

OWNS = ("org_hours", "outreach")
COLUMNS = (Column("staff", "time", width=len(TIME_USES)),  # shares of this week's hours by use
           Column("staff", "hours"))  # hours worked this week (0 for a vacant post)
READS = ("staff.org", "staff.filled", "staff.defensiveness", "staff.mindset", "staff.agency", "staff.openness",
         "orgs.pressure")
WRITES = ()
TALLIES = ("cross_boundary_time_share", "defensive_time_share", "waiting_for_instruction_share")

COEFFICIENTS = Block(
    "time_use",
    Coefficient("defensive_base", 0.05, "share of the week", (0.0, 0.3),
                f"{ASSUMPTION} even a secure person spends some time covering themselves and escalating",
                "Share of the week on defensive work with no defensiveness."),
    Coefficient("defensive_weight", 0.35, "share of the week per unit of defensiveness", (0.0, 0.6),
                f"{ASSUMPTION} a fully defensive person loses about a third of the week to it",
                "Rise of the defensive share with defensiveness (at no agency)."),
    Coefficient("defensive_agency", 0.5, "share of defensive work per unit of agency", (0.0, 1.0),
                f"{ASSUMPTION} people who act without waiting for instruction wait and escalate less",
                "Part of the defensiveness-driven share that full agency takes away."),
    Coefficient("cross_weight", 0.15, "share of the week", (0.0, 0.4),
                f"{ASSUMPTION} work across boundaries is a minority of anyone's week, even with a whole-system mindset",
                "Share of the week across boundaries at full mindset and agency, no defensiveness or pressure."),
    Coefficient("cross_agency_base", 0.5, "multiplier", (0.0, 1.0),
                f"{ASSUMPTION} people with no agency still take up half the cross-boundary work their mindset "
                "suggests (when asked)",
                "Cross-boundary multiplier at no agency."),
    Coefficient("cross_agency", 0.5, "multiplier per unit of agency", (0.0, 1.0),
                f"{ASSUMPTION} with cross_agency_base, full agency takes up all of it",
                "Rise of the cross-boundary multiplier with agency."),
    Coefficient("involve_weight", 0.12, "share of the week", (0.0, 0.4),
                f"{ASSUMPTION} involving citizens in designing their support takes about half a day a week at most",
                "Share of the week on involving citizens at full openness, no defensiveness or pressure."),
    Coefficient("improve_weight", 0.08, "share of the week", (0.0, 0.3),
                f"{ASSUMPTION} improvement and experiments take a few hours a week at most",
                "Share of the week on improvement at full agency, no defensiveness or pressure."),
    Coefficient("firefight", 2.0, "divisor per unit of excess pressure", (0.0, 10.0),
                f"{ASSUMPTION} at half again the planned pressure, investment time halves",
                "Rise of the divisor of the investment uses per unit of pressure above 1."),
    Coefficient("outreach_full", 0.08, "share of community-facing hours", (0.01, 0.5),
                f"{ASSUMPTION} at this share of their hours on involving, services reach those on the outside "
                "as well as insiders",
                "Share of community-facing hours spent involving citizens at which outreach is full."),
    Coefficient("defer_base", 0.5, "share of decisions per unit of no agency", (0.0, 1.0),
                f"{ASSUMPTION} a person with no agency and no defensiveness still decides half of their own matters",
                "Share of decisions deferred upward by a person with no agency and no defensiveness (measure)."),
    Coefficient("defer_defensive", 0.5, "share of decisions per unit of defensiveness", (0.0, 1.0),
                f"{ASSUMPTION} with defer_base, a fully defensive person with no agency defers every decision",
                "Rise of the deferred share with defensiveness (measure of waiting for instruction)."),
)
__doc__ = COEFFICIENTS.document(__doc__)


def init(model) -> None:
    """No hours are worked before the first week."""
    model.org_hours = np.zeros((len(ORG_KINDS), len(TIME_USES)))
    model.outreach = 0.0


def step(model) -> None:
    s = model.staff
    p = model.params
    k = model.coef.time_use
    org = s.org
    d, a, mind = s.defensiveness, s.agency, s.mindset
    excess = np.maximum(model.orgs.pressure - 1.0, 0.0)[org]
    firefight = 1.0 / (1.0 + k.firefight * excess)
    t = s.time
    t[:, DEFENSIVE] = k.defensive_base + k.defensive_weight * d * (1 - k.defensive_agency * a)
    t[:, CROSS] = k.cross_weight * mind * (1 - d) * (k.cross_agency_base + k.cross_agency * a) * firefight
    t[:, INVOLVE] = k.involve_weight * (1 - d) * s.openness * firefight
    t[:, IMPROVE] = k.improve_weight * a * (1 - d) * firefight
    t[:, DIRECT] = 1.0 - t[:, 1:].sum(axis=1)
    s.hours[:] = np.where(s.filled, p.hours_per_week, 0.0)
    n_orgs = len(model.organisations)
    hours = s.hours[:, None] * t
    # Per-organisation hours by use: one bincount per use over all staff.
    model.org_hours = np.stack([np.bincount(org, weights=hours[:, u], minlength=n_orgs) for u in range(len(TIME_USES))],
                               axis=1)
    total = s.hours.sum()
    model.w["cross_boundary_time_share"] = hours[:, CROSS].sum() / total if total else 0.0
    model.w["defensive_time_share"] = hours[:, DEFENSIVE].sum() / total if total else 0.0
    filled = s.filled
    defer = (1 - a[filled]) * (k.defer_base + k.defer_defensive * d[filled])
    model.w["waiting_for_instruction_share"] = defer.mean() if filled.any() else 0.0
    cf = model.org_hours[COMMUNITY_FACING]
    cf_total = cf.sum()
    model.outreach = min(1.0, cf[:, INVOLVE].sum() / cf_total / k.outreach_full) if cf_total > 0 else 0.0
