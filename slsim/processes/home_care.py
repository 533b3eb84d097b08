"""Care at home: the council's purchased home-care hours spread over its clients.

Rules (all clients at once):

* **Supply.** Hours the council can buy this week (social care budget left after its staff and
  care home fees, divided by ``home_care_price``; plus the pool when ``pooled_budget`` is on),
  times the share of social care posts filled: care workers come from the same labour market, so
  vacancies cut delivered hours.
* **Demand.** A client with care need ``x`` is assessed to need ``home_care_max_hours * x`` hours a
  week, delivered in visits of ``visit_minutes_planned``.
* **Visits shorten first.** Minutes per visit = planned minutes x min(1, supply / demand). A visit
  shorter than 60% of planned leaves the client's need partly unmet.
* **Then eligibility tightens.** When visits would fall below ``visit_minutes_floor``, visits stay
  at the floor and the council raises its eligibility line by 0.01 a week; clients below the new
  line lose their package, lowest need first, up to as many as it would take for demand at the
  floor to fit the supply (clients above the line keep theirs, so it may still not fit: visits
  then stay at the floor and the line keeps rising week by week). With slack
  (demand under 90% of supply) the line falls by 0.005 a week, to no lower than 0.3.
* **New clients.** Citizens at home above the line with no package get one, highest need first,
  while demand at the *commissioned* visit length still fits. The council commissions the planned
  length times its social care budget over its opening budget (between the floor and the planned
  length): when money is cut, it buys shorter visits (15-minute visits were commissioned by 74% of
  councils, UNISON FOI 2014). Hospital discharges, by contrast, may squeeze visits down to the
  floor (``model.home_care_headroom``, used by next week's discharges).
* **Care homes from the community.** Citizens at home with care need of 0.63 or more move into a free
  care home place the council can afford, highest need first.
* **Reporting.** With no clients at all there are no visits to measure, and the visit length
  reported repeats last week's.
* **Recovery and fit.** Packages end when care need falls below 0.25. Support designed with the
  client (involved early) fits better: their care need falls by 0.003 a week.
"""

from __future__ import annotations

import numpy as np

from ..place import Org
from ..population import CARE_HOME, HOME
from .shared import CARE_HOME_NEED, ELIGIBILITY_START

OWNS = ("elig_threshold", "home_care_headroom", "home_care_delivered", "visit_minutes")
READS = ("home_care_budget_hours", "care_home_affordable", "step_down_pressure")
WRITES = ("care_home_affordable",)  # moves into care homes use up the places the council can afford
TALLIES = ("home_care_minutes_per_visit", "home_care_clients", "eligibility_threshold")


def init(model) -> None:
    """The council opens at its starting eligibility line with no spare hours yet."""
    model.elig_threshold = ELIGIBILITY_START  # care need above which the council funds home care
    model.home_care_headroom = 0.0  # spare hours at the visit floor for next week's discharges
    model.home_care_delivered = 0.0  # hours delivered this week (paid for by money)
    model.visit_minutes = None  # last week's minutes per visit (None before the first week)


def supply_hours(model) -> float:
    """Home-care hours deliverable this week (see module rules)."""
    s = model.staff
    sc = s.org == Org.SOCIAL_CARE
    filled_share = s.filled[sc].mean() if sc.any() else 1.0
    return max(0.0, model.home_care_budget_hours) * filled_share


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
        cand = np.flatnonzero(home & (c.care_need >= CARE_HOME_NEED))
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
    if len(cand) and total < supply:
        cand = cand[np.argsort(-c.care_need[cand], kind="stable")]
        room = (supply - total) / commissioned
        n_new = int(np.searchsorted(np.cumsum(p.home_care_max_hours * c.care_need[cand]), room, side="right"))
        c.home_care[cand[:n_new]] = True
    clients = np.flatnonzero(c.home_care)
    demand = p.home_care_max_hours * c.care_need[clients]
    total = demand.sum()
    ratio = min(1.0, supply / total) if total > 0 else 1.0
    if total > 0:
        minutes = max(p.visit_minutes_floor, p.visit_minutes_planned * ratio)
    else:  # no clients, no visits to measure: repeat last week's figure
        minutes = p.visit_minutes_planned if model.visit_minutes is None else model.visit_minutes
    if minutes < 0.6 * p.visit_minutes_planned:
        c.unmet[clients] = True
    model.home_care_headroom = max(0.0, supply - total * floor_ratio)
    model.orgs.pressure[Org.SOCIAL_CARE] = total / max(supply, 1e-9) if total > 0 else 0.5
    model.orgs.pressure[Org.COMMUNITY] = 0.5 * model.step_down_pressure + 0.5 * model.orgs.pressure[Org.PRIMARY_CARE]
    model.visit_minutes = minutes
    model.home_care_delivered = min(supply, total)
    model.w["home_care_minutes_per_visit"] = minutes
    model.w["home_care_clients"] = len(clients)
    model.w["eligibility_threshold"] = model.elig_threshold
