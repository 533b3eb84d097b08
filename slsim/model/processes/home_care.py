"""Care at home: the council's purchased home-care hours spread over its clients.

Rules (all clients at once):

* **Supply.** The smaller of two: the hours the council can buy this week (social care budget
  left after its staff and care home fees, divided by ``home_care_price``; plus the pool when
  ``pooled_budget`` is on), and the hours the care workforce can give. The social care staff are
  that workforce: their direct care hours this week, less those on formal discharge work, times
  the home-care hours one direct hour stands for (set when the place opens so that the workforce
  could give {workforce_slack} times what the council then bought). So vacancies, and every hour
  care staff spend across boundaries or with citizens instead, cut the care delivered that week.
* **Demand.** A client with care need ``x`` is assessed to need ``home_care_max_hours * x`` hours a
  week. Each package has its own planned visit length, set when it starts:
  ``visit_minutes_planned * commissioned * ({plan_base} + {plan_need} * x)`` times a lognormal
  spread (sd {plan_spread} on the log scale), between ``visit_minutes_floor`` and
  {longest_visit:.0f} minutes: some tasks (a medication prompt) are commissioned short, personal
  care longer.
* **Visits shorten first.** Each client's minutes per visit = their planned minutes x min(1,
  supply / demand), never below the floor. A visit shorter than {unmet_visit_share:.0%} of its plan
  leaves the client's need partly unmet. The share of visits at the floor is reported (UNISON 2014:
  74% of councils commissioned 15-minute visits, which were 14% of visits where used).
* **Then eligibility tightens.** When visits would fall below ``visit_minutes_floor``, visits stay
  at the floor and the council raises its eligibility line by {rationing_step} a week (to at most
  {eligibility_max}); clients below the new line lose their package, lowest need first, up to as
  many as it would take for demand at the floor to fit the supply (clients above the line keep
  theirs, so it may still not fit: visits then stay at the floor and the line keeps rising week by
  week). With slack (demand under {slack_share:.0%} of supply) the line falls by {slack_step} a week,
  to no lower than {eligibility_min}.
* **New clients.** Citizens at home above the line with no package get one, highest need first,
  while demand at the *commissioned* visit length still fits in the supply less the
  {discharge_reserve:.0%} the council keeps back for hospital discharges (discharge first). The
  council commissions the planned length times its social care budget over its opening budget
  (between the floor and the planned length): when money is cut, it buys shorter visits. Hospital
  discharges, by contrast, may squeeze everyone's visits to {discharge_squeeze:.0%} of their plan
  (``model.home_care_headroom``, the spare hours next week's discharges can use).
* **Care homes from the community.** Citizens at home with care need from
  ``pathway.care_home_need`` move into a free care home place the council can afford, highest need
  first.
* **Pressure.** Social care's pressure is demand over supply ({idle_pressure} with no clients);
  community health's is {community_step_down_weight} x step-down pressure + {community_primary_weight}
  x primary care's pressure.
* **Reporting.** With no clients at all there are no visits to measure, and the visit length
  and share of short visits reported repeat last week's.
* **Recovery and fit.** Packages end when care need falls below {package_end_need}. Support
  designed with the client (involved early) fits better: their care need falls by
  {involved_recovery} a week.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import Org
from slsim.model.population import CARE_HOME, DIRECT, HOME, Column

OWNS = ("elig_threshold", "home_care_headroom", "home_care_delivered", "visit_minutes", "short_visits",
        "care_hours_per_direct_hour", "social_care_pressure", "community_pressure")
COLUMNS = (Column("citizens", "home_care", bool),  # has a home-care package funded by the council
           Column("citizens", "visit_plan"),  # planned minutes per visit of the client's package (0: none yet)
           Column("citizens", "visit_minutes"))  # minutes per visit delivered this week (0: no package)
READS = ("home_care_budget_hours", "care_home_affordable", "step_down_pressure", "org_hours", "formal_discharge_hours",
         "support_pressure", "citizens.involved", "citizens.unmet", "orgs.budget",
         "orgs.budget0")
WRITES = (
    "care_home_affordable",  # moves into care homes use up the places the council can afford
    "citizens.place",  # citizens at the care-home level move into a care home when a place is free
    "citizens.waiting",  # and leave the elective list: electives are not done from care homes
    "citizens.care_need",  # care at home: a visit too short or none leaves care need to rise
)
TALLIES = ("home_care_minutes_per_visit", "home_care_clients", "eligibility_threshold", "short_visit_share")

COEFFICIENTS = Block(
    "home_care",
    Coefficient("workforce_slack", 1.2, "multiple of the hours bought at opening", (1.0, 3.0),
                f"{ASSUMPTION} when the place opens money, not staff, limits home care: the workforce could "
                "give a fifth more than the council bought",
                "Home-care hours the care workforce could give when the place opens, over those the council "
                "bought.", setup=True),
    Coefficient("plan_base", 0.6, "multiple of the commissioned visit length", (0.0, 2.0),
                f"{ASSUMPTION} the lightest packages (a medication prompt) get short visits",
                "Planned visit length of a client with care need 0, as a multiple of the commissioned length."),
    Coefficient("plan_need", 0.8, "multiple of the commissioned visit length per unit of care need", (0.0, 2.0),
                f"{ASSUMPTION} personal care for higher need takes longer; at the mean client's need the plan "
                "is near the commissioned length",
                "Rise of the planned visit length per unit of care need."),
    Coefficient("plan_spread", 0.5, "standard deviation of the log", (0.0, 2.0),
                f"{ASSUMPTION} packages differ widely in what a visit is for",
                "Spread of a package's planned visit length around the rule (lognormal)."),
    Coefficient("longest_visit", 60.0, "minutes", (15.0, 240.0),
                f"{ASSUMPTION} home-care visits are rarely commissioned longer than an hour",
                "Longest planned visit."),
    Coefficient("unmet_visit_share", 0.6, "share of the planned visit", (0.0, 1.0),
                f"{ASSUMPTION} a visit cut well short leaves tasks undone",
                "Visit length, as a share of its plan, below which the client's need counts as unmet."),
    Coefficient("rationing_step", 0.01, "care need 0-1 per week", (0.0, 0.1),
                f"{ASSUMPTION} councils tighten eligibility gradually, panel by panel",
                "Weekly rise of the eligibility line while supply cannot cover demand at the visit floor."),
    Coefficient("eligibility_max", 0.95, "care need 0-1", (0.5, 1.0),
                f"{ASSUMPTION} a council always funds those in the highest need",
                "Highest the eligibility line can rise."),
    Coefficient("slack_share", 0.9, "share of supply", (0.0, 1.0),
                f"{ASSUMPTION} a council loosens eligibility only with clear spare capacity",
                "Demand, as a share of supply, below which the council lowers its eligibility line."),
    Coefficient("slack_step", 0.005, "care need 0-1 per week", (0.0, 0.1),
                f"{ASSUMPTION} councils loosen eligibility more slowly than they tighten it",
                "Weekly fall of the eligibility line while there is slack."),
    Coefficient("eligibility_min", 0.3, "care need 0-1", (0.0, 0.9),
                f"{ASSUMPTION} councils never fund the lowest needs, whatever the slack",
                "Lowest the eligibility line can fall."),
    Coefficient("discharge_reserve", 0.05, "share of supply", (0.0, 0.5),
                f"{ASSUMPTION} councils held hours back for discharges under the Better Care Fund's delay "
                "targets; its size is a guess",
                "Share of the hours it can deliver that the council keeps back from new community clients."),
    Coefficient("discharge_squeeze", 0.8, "share of the planned visit", (0.0, 1.0),
                f"{ASSUMPTION} discharges may shorten everyone's visits somewhat, no further",
                "Share of their plan to which discharges home may squeeze everyone's visits."),
    Coefficient("package_end_need", 0.25, "care need 0-1", (0.0, 0.9),
                f"{ASSUMPTION} a client who has largely recovered no longer needs a package",
                "Care need below which a home-care package ends."),
    Coefficient("involved_recovery", 0.003, "care need 0-1 per week", (0.0, 0.05),
                f"{ASSUMPTION} support designed with the client fits better and restores some independence",
                "Weekly fall of care need of a client involved in designing their support."),
    Coefficient("idle_pressure", 0.5, "pressure", (0.0, 2.0),
                f"{ASSUMPTION} with no clients social care is neither stretched nor idle by its own measure",
                "Social care's pressure in a week with no home-care clients."),
    Coefficient("community_step_down_weight", 0.5, "weight", (0.0, 1.0),
                f"{ASSUMPTION} community health's work is split between step-down beds and the community",
                "Weight of step-down pressure in community health's pressure."),
    Coefficient("community_primary_weight", 0.5, "weight", (0.0, 1.0),
                f"{ASSUMPTION} community health's community work is pressed as primary care is",
                "Weight of primary care's pressure in community health's pressure."),
)
__doc__ = COEFFICIENTS.document(__doc__)

def init(model) -> None:
    """The council opens at its starting eligibility line with no spare hours yet."""
    model.social_care_pressure = model.community_pressure = 1.0  # until the first week measures them
    model.elig_threshold = model.coef.pathway.eligibility_start  # care need above which the council funds home care
    model.home_care_headroom = 0.0  # spare hours at the visit floor for next week's discharges
    model.home_care_delivered = 0.0  # hours delivered this week (paid for by money)
    model.visit_minutes = None  # last week's minutes per visit (None before the first week)
    model.short_visits = 0.0  # last week's share of visits at the floor
    p = model.params
    c = model.citizens
    opening_hours = p.home_care_max_hours * c.care_need[c.home_care].sum()
    direct = model.orgs.posts[Org.SOCIAL_CARE] * p.hours_per_week * model.coef.pathway.direct_planned
    model.care_hours_per_direct_hour = model.coef.home_care.workforce_slack * opening_hours / max(direct, 1e-9)


def supply_hours(model) -> float:
    """Home-care hours deliverable this week: what the council can buy, within what the care
    workforce can give (see module rules)."""
    direct = model.org_hours[Org.SOCIAL_CARE, DIRECT] - model.formal_discharge_hours[Org.SOCIAL_CARE]
    workforce = max(0.0, direct) * model.care_hours_per_direct_hour
    return min(max(0.0, model.home_care_budget_hours), workforce)


def commissioned_ratio(model) -> float:
    """The visit length the council commissions, as a share of the planned length: its social care
    budget now over its opening budget (a cut of a given share commissions visits shorter by that
    share), between the floor and 1."""
    p = model.params
    floor = p.visit_minutes_floor / p.visit_minutes_planned
    budget0 = model.orgs.budget0[Org.SOCIAL_CARE]
    share = model.orgs.budget[Org.SOCIAL_CARE] / budget0 if budget0 > 0 else 1.0
    return float(min(1.0, max(floor, share)))


def step(model) -> None:
    c = model.citizens
    p = model.params
    k = model.coef.home_care
    supply = supply_hours(model)
    home = c.place == HOME
    c.home_care &= home
    c.home_care &= c.care_need >= k.package_end_need
    involved = c.home_care & c.involved
    c.care_need[involved] = np.maximum(0, c.care_need[involved] - k.involved_recovery)
    free_ch = max(0, min(model.care_home_places, model.care_home_affordable) - int((c.place == CARE_HOME).sum()))
    if free_ch:
        cand = np.flatnonzero(home & (c.care_need >= model.coef.pathway.care_home_need))
        move = cand[np.argsort(-c.care_need[cand], kind="stable")][:free_ch]
        c.place[move] = CARE_HOME
        c.home_care[move] = False
        c.waiting[move] = False  # electives are not done from care homes
        home[move] = False
        model.care_home_affordable -= len(move)
    floor_ratio = p.visit_minutes_floor / p.visit_minutes_planned
    clients = np.flatnonzero(c.home_care)
    demand = p.home_care_max_hours * c.care_need[clients]
    total = demand.sum()
    if total * floor_ratio > supply:
        # Rationing: tighten the line and drop the lowest-need clients until demand fits.
        model.elig_threshold = min(k.eligibility_max, model.elig_threshold + k.rationing_step)
        order = clients[np.argsort(c.care_need[clients], kind="stable")]
        d_sorted = p.home_care_max_hours * c.care_need[order]
        excess = total * floor_ratio - supply
        n_drop = int(np.searchsorted(np.cumsum(d_sorted * floor_ratio), excess, side="left")) + 1
        drop = order[:n_drop]
        drop = drop[c.care_need[drop] < model.elig_threshold] if n_drop < len(order) else drop
        c.home_care[drop] = False
    elif total < k.slack_share * supply:
        model.elig_threshold = max(k.eligibility_min, model.elig_threshold - k.slack_step)
    # New community clients while demand at the commissioned visit length fits.
    commissioned = commissioned_ratio(model)
    total = p.home_care_max_hours * c.care_need[c.home_care].sum() * commissioned
    cand = np.flatnonzero(home & ~c.home_care & (c.care_need > model.elig_threshold))
    open_to_new = supply * (1 - k.discharge_reserve)
    if len(cand) and total < open_to_new:
        cand = cand[np.argsort(-c.care_need[cand], kind="stable")]
        room = (open_to_new - total) / commissioned
        n_new = int(np.searchsorted(np.cumsum(p.home_care_max_hours * c.care_need[cand]), room, side="right"))
        c.home_care[cand[:n_new]] = True
    clients = np.flatnonzero(c.home_care)
    new = clients[c.visit_plan[clients] == 0]
    if len(new):
        spread = np.exp(model.streams["home_care"].normal(0, k.plan_spread, len(new)))
        plan = p.visit_minutes_planned * commissioned * (k.plan_base + k.plan_need * c.care_need[new]) * spread
        c.visit_plan[new] = np.clip(plan, p.visit_minutes_floor, k.longest_visit)
    c.visit_plan[~c.home_care] = 0.0
    demand = p.home_care_max_hours * c.care_need[clients]
    total = demand.sum()
    ratio = min(1.0, supply / total) if total > 0 else 1.0
    c.visit_minutes[:] = 0.0
    if total > 0:
        minutes_each = np.maximum(p.visit_minutes_floor, c.visit_plan[clients] * ratio)
        c.visit_minutes[clients] = minutes_each
        c.unmet[clients[minutes_each < k.unmet_visit_share * c.visit_plan[clients]]] = True
        minutes = float(minutes_each.mean())
        model.short_visits = float((minutes_each <= p.visit_minutes_floor + 1e-9).mean())
    else:  # no clients, no visits to measure: repeat last week's figures
        minutes = p.visit_minutes_planned if model.visit_minutes is None else model.visit_minutes
    model.home_care_headroom = max(0.0, supply - total * k.discharge_squeeze)
    model.social_care_pressure = total / max(supply, 1e-9) if total > 0 else k.idle_pressure
    model.community_pressure = (k.community_step_down_weight * model.step_down_pressure
                                + k.community_primary_weight * model.support_pressure)
    model.visit_minutes = minutes
    model.home_care_delivered = min(supply, total)
    model.w["home_care_minutes_per_visit"] = minutes
    model.w["short_visit_share"] = model.short_visits
    model.w["home_care_clients"] = len(clients)
    model.w["eligibility_threshold"] = model.elig_threshold
