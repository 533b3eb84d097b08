"""Care at home: the council's purchased home-care hours spread over its clients.

Rules (all clients at once):

* **Supply.** The smaller of two: the hours the council can buy this week (social care budget
  left after its staff and care home fees, divided by ``home_care_price``; plus the pool when
  ``pooled_budget`` is on), and the hours the care workforce can give. The social care staff are
  that workforce: their direct care hours this week, less those on formal discharge work, times
  the home-care hours one direct hour stands for (set when the place opens so that the workforce
  could give 20% more than the council then bought). So vacancies, and every hour care staff
  spend across boundaries or with citizens instead, cut the care delivered that week.
* **Demand.** A client with care need ``x`` is assessed to need ``home_care_max_hours * x`` hours a
  week. Each package has its own planned visit length, set when it starts:
  ``visit_minutes_planned * commissioned * (0.6 + 0.8 * x)`` times a lognormal spread (sd 0.5 on
  the log scale), between ``visit_minutes_floor`` and 60 minutes: some tasks (a medication prompt)
  are commissioned short, personal care longer.
* **Visits shorten first.** Each client's minutes per visit = their planned minutes x min(1,
  supply / demand), never below the floor. A visit shorter than 60% of its plan leaves the
  client's need partly unmet. The share of visits at the floor is reported (UNISON 2014: 74% of
  councils commissioned 15-minute visits, which were 14% of visits where used).
* **Then eligibility tightens.** When visits would fall below ``visit_minutes_floor``, visits stay
  at the floor and the council raises its eligibility line by 0.01 a week; clients below the new
  line lose their package, lowest need first, up to as many as it would take for demand at the
  floor to fit the supply (clients above the line keep theirs, so it may still not fit: visits
  then stay at the floor and the line keeps rising week by week). With slack
  (demand under 90% of supply) the line falls by 0.005 a week, to no lower than 0.3.
* **New clients.** Citizens at home above the line with no package get one, highest need first,
  while demand at the *commissioned* visit length still fits in 95% of supply: the council keeps
  5% back for hospital discharges (discharge first). The council commissions the planned
  length times its social care budget over its opening budget (between the floor and the planned
  length): when money is cut, it buys shorter visits. Hospital discharges, by contrast, may
  squeeze everyone's visits to 80% of their plan (``model.home_care_headroom``, the spare hours
  next week's discharges can use).
* **Care homes from the community.** Citizens at home with care need of 0.63 or more move into a free
  care home place the council can afford, highest need first.
* **Reporting.** With no clients at all there are no visits to measure, and the visit length
  and share of short visits reported repeat last week's.
* **Recovery and fit.** Packages end when care need falls below 0.25. Support designed with the
  client (involved early) fits better: their care need falls by 0.003 a week.
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import Org
from slsim.model.population import CARE_HOME, DIRECT, HOME

OWNS = ("elig_threshold", "home_care_headroom", "home_care_delivered", "visit_minutes", "short_visits",
        "care_hours_per_direct_hour")
READS = ("home_care_budget_hours", "care_home_affordable", "step_down_pressure", "org_hours",
         "formal_discharge_hours")
WRITES = ("care_home_affordable",)  # moves into care homes use up the places the council can afford
TALLIES = ("home_care_minutes_per_visit", "home_care_clients", "eligibility_threshold", "short_visit_share")

WORKFORCE_SLACK = 1.2  # the care workforce could give 20% more than the council bought at opening
PLAN_SPREAD = 0.5  # sd of the log of a package's planned visit length (modelling assumption)
LONGEST_VISIT = 60.0  # minutes
# Discharges home may squeeze everyone's visits to this share of their plan, no further: the spare
# hours next week's discharges can use (modelling assumption).
DISCHARGE_SQUEEZE = 0.8
# Share of the hours it can deliver that the council keeps back from new community clients for
# hospital discharges (discharge first, as councils did under the Better Care Fund's delay
# targets; modelling assumption for its size).
DISCHARGE_RESERVE = 0.05


def init(model) -> None:
    """The council opens at its starting eligibility line with no spare hours yet."""
    model.elig_threshold = model.coef.pathway.eligibility_start  # care need above which the council funds home care
    model.home_care_headroom = 0.0  # spare hours at the visit floor for next week's discharges
    model.home_care_delivered = 0.0  # hours delivered this week (paid for by money)
    model.visit_minutes = None  # last week's minutes per visit (None before the first week)
    model.short_visits = 0.0  # last week's share of visits at the floor
    p = model.params
    c = model.citizens
    opening_hours = p.home_care_max_hours * c.care_need[c.home_care].sum()
    direct = model.orgs.posts[Org.SOCIAL_CARE] * p.hours_per_week * model.coef.pathway.direct_planned
    model.care_hours_per_direct_hour = WORKFORCE_SLACK * opening_hours / max(direct, 1e-9)


def supply_hours(model) -> float:
    """Home-care hours deliverable this week: what the council can buy, within what the care
    workforce can give (see module rules)."""
    direct = model.org_hours[Org.SOCIAL_CARE, DIRECT] - model.formal_discharge_hours[Org.SOCIAL_CARE]
    workforce = max(0.0, direct) * model.care_hours_per_direct_hour
    return min(max(0.0, model.home_care_budget_hours), workforce)


def commissioned_ratio(model) -> float:
    """The visit length the council commissions, as a share of the planned length: its social care
    budget now over its opening budget (a 15% cut commissions 15% shorter visits), between the
    floor and 1."""
    p = model.params
    floor = p.visit_minutes_floor / p.visit_minutes_planned
    budget0 = model.orgs.budget0[Org.SOCIAL_CARE]
    share = model.orgs.budget[Org.SOCIAL_CARE] / budget0 if budget0 > 0 else 1.0
    return float(min(1.0, max(floor, share)))


def step(model) -> None:
    c = model.citizens
    p = model.params
    supply = supply_hours(model)
    home = c.place == HOME
    c.home_care &= home
    c.home_care &= c.care_need >= 0.25
    involved = c.home_care & c.involved
    c.care_need[involved] = np.maximum(0, c.care_need[involved] - 0.003)
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
        model.elig_threshold = min(0.95, model.elig_threshold + 0.01)
        order = clients[np.argsort(c.care_need[clients], kind="stable")]
        d_sorted = p.home_care_max_hours * c.care_need[order]
        excess = total * floor_ratio - supply
        n_drop = int(np.searchsorted(np.cumsum(d_sorted * floor_ratio), excess, side="left")) + 1
        drop = order[:n_drop]
        drop = drop[c.care_need[drop] < model.elig_threshold] if n_drop < len(order) else drop
        c.home_care[drop] = False
    elif total < 0.9 * supply:
        model.elig_threshold = max(0.3, model.elig_threshold - 0.005)
    # New community clients while demand at the commissioned visit length fits.
    commissioned = commissioned_ratio(model)
    total = p.home_care_max_hours * c.care_need[c.home_care].sum() * commissioned
    cand = np.flatnonzero(home & ~c.home_care & (c.care_need > model.elig_threshold))
    open_to_new = supply * (1 - DISCHARGE_RESERVE)
    if len(cand) and total < open_to_new:
        cand = cand[np.argsort(-c.care_need[cand], kind="stable")]
        room = (open_to_new - total) / commissioned
        n_new = int(np.searchsorted(np.cumsum(p.home_care_max_hours * c.care_need[cand]), room, side="right"))
        c.home_care[cand[:n_new]] = True
    clients = np.flatnonzero(c.home_care)
    new = clients[c.visit_plan[clients] == 0]
    if len(new):
        spread = np.exp(model.streams["home_care"].normal(0, PLAN_SPREAD, len(new)))
        plan = p.visit_minutes_planned * commissioned * (0.6 + 0.8 * c.care_need[new]) * spread
        c.visit_plan[new] = np.clip(plan, p.visit_minutes_floor, LONGEST_VISIT)
    c.visit_plan[~c.home_care] = 0.0
    demand = p.home_care_max_hours * c.care_need[clients]
    total = demand.sum()
    ratio = min(1.0, supply / total) if total > 0 else 1.0
    c.visit_minutes[:] = 0.0
    if total > 0:
        minutes_each = np.maximum(p.visit_minutes_floor, c.visit_plan[clients] * ratio)
        c.visit_minutes[clients] = minutes_each
        c.unmet[clients[minutes_each < 0.6 * c.visit_plan[clients]]] = True
        minutes = float(minutes_each.mean())
        model.short_visits = float((minutes_each <= p.visit_minutes_floor + 1e-9).mean())
    else:  # no clients, no visits to measure: repeat last week's figures
        minutes = p.visit_minutes_planned if model.visit_minutes is None else model.visit_minutes
    model.home_care_headroom = max(0.0, supply - total * DISCHARGE_SQUEEZE)
    model.orgs.pressure[Org.SOCIAL_CARE] = total / max(supply, 1e-9) if total > 0 else 0.5
    model.orgs.pressure[Org.COMMUNITY] = 0.5 * model.step_down_pressure + 0.5 * model.orgs.pressure[Org.PRIMARY_CARE]
    model.visit_minutes = minutes
    model.home_care_delivered = min(supply, total)
    model.w["home_care_minutes_per_visit"] = minutes
    model.w["short_visit_share"] = model.short_visits
    model.w["home_care_clients"] = len(clients)
    model.w["eligibility_threshold"] = model.elig_threshold
