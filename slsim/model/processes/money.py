"""Money: budgets, spending and the running surplus or deficit of each organisation.

Rules (per organisation, each week):

* **Budgets** follow their trajectory: each week the budget's trend grows by
  ``(1 + nhs_budget_change_per_year) ** (1 / weeks in a year)`` for the NHS (acute, community,
  primary care) and by ``social_care_budget_change_per_year`` likewise for adult social care and the
  voluntary sector (compounded weekly, so a change of rate acts from that week on), times the
  one-off levels ``nhs_budget_level`` and ``social_care_budget_level`` (cuts). The
  opening budget is the planned spend of the place as it starts (staff, acute beds at the
  occupancy they were planned for, ``hospital.occupancy_planned``; {planned_step_down_occupancy:.0%}
  of step-down places; the care home residents it has; and its home-care clients at
  ``home_care_max_hours`` times their care need), for NHS organisations times ``1 + budget_gap``
  (councils must set balanced budgets).
* **Pooled budget** (``pooled_budget``): ``pooled_share`` of the acute budget moves to social care,
  which spends it on home care; the place's total money is unchanged.
* **Spending**: filled posts at their sector's weekly cost; the hospital and community health
  cover {agency_cover:.0%} of their vacant posts with agency staff at {agency_premium:g} times the cost;
  occupied acute beds (delayed ones and this week's electives too) at ``bed_week_cost``, and
  emergencies without a bed at {no_bed_cost_share:.0%} of that (escalation); occupied step-down places at
  GBP {step_down_week_cost:,.0f} a week; care home residents at ``care_home_weekly_fee``; home-care hours
  delivered at ``home_care_price``.
* **Balance** accumulates budget minus spending. Social care splits its money after staff between
  care homes and home care in the shares it spent at the start (residents already placed stay and
  are paid for, so a cut reaches care homes as residents leave and are not replaced), so a cut
  reaches home care and care home places in proportion; its squeeze shows as shorter visits and
  tighter eligibility rather than a deficit. Next week's home-care hours and affordable care home
  places come from this week's figures.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import NHS_FUNDED, STAFF_WEEK_COST, Org
from slsim.model.population import ACUTE, CARE_HOME, DELAYED, STEP_DOWN, Column

OWNS = ("care_home_share", "care_home_affordable", "home_care_budget_hours")
COLUMNS = (Column("orgs", "budget0"),  # opening weekly budget, GBP
           Column("orgs", "budget"),  # this week's budget, GBP
           Column("orgs", "spend"),  # this week's spending, GBP
           Column("orgs", "balance"),  # running surplus (+) or deficit (-), GBP
           Column("orgs", "trend"))  # the budget's trajectory, a multiple of the opening budget
READS = ("electives_done_now", "no_bed_now", "home_care_delivered", "citizens.place", "staff.org", "staff.filled",
         "orgs.posts")
WRITES = ()
TALLIES = ("cumulative_deficit",)

COEFFICIENTS = Block(
    "money",
    Coefficient("step_down_week_cost", 1200.0, "GBP per occupied place and week", (0.0, 10000.0),
                f"{ASSUMPTION} about a quarter of an acute bed-week",
                "Cost of an occupied step-down place for a week."),
    Coefficient("agency_cover", 0.5, "share of vacant posts", (0.0, 1.0),
                f"{ASSUMPTION} NHS providers fill about half their gaps with agency staff; councils and the "
                "voluntary sector leave them open",
                "Share of the hospital's and community health's vacant posts covered by agency staff."),
    Coefficient("agency_premium", 1.5, "multiple of a post's weekly cost", (1.0, 5.0),
                f"{ASSUMPTION} agency staff cost about half as much again as employed staff",
                "Cost of an agency-covered post as a multiple of the post's weekly cost."),
    Coefficient("no_bed_cost_share", 0.5, "share of bed_week_cost", (0.0, 2.0),
                f"{ASSUMPTION} corridor care and turning people away cost, but less than a bed",
                "Cost of an emergency without a bed as a share of an acute bed-week."),
    Coefficient("planned_step_down_occupancy", 0.6, "share of step-down places", (0.0, 1.0),
                f"{ASSUMPTION} step-down places were budgeted for part use",
                "Share of step-down places the opening budget pays for.", setup=True),
)
__doc__ = COEFFICIENTS.document(__doc__)


def _staff_cost(model) -> np.ndarray:
    s = model.staff
    k = model.coef.money
    n_orgs = len(model.organisations)
    filled = np.bincount(s.org, weights=s.filled, minlength=n_orgs)
    vacant = model.orgs.posts - filled
    # Only the NHS providers cover vacancies with agency staff.
    cover = np.zeros(n_orgs)
    cover[[Org.ACUTE, Org.COMMUNITY]] = k.agency_cover
    agency = cover * k.agency_premium * vacant
    return (filled + agency) * STAFF_WEEK_COST


def init(model) -> None:
    """Opening budgets: planned spend of the place as it starts, for the NHS organisations times
    1 + budget_gap."""
    p = model.params
    c = model.citizens
    k = model.coef.money
    planned = _staff_cost(model)
    planned[Org.ACUTE] += model.coef.hospital.occupancy_planned * model.beds * p.bed_week_cost
    planned[Org.COMMUNITY] += k.planned_step_down_occupancy * model.step_down_places * k.step_down_week_cost
    residents = int((c.place == CARE_HOME).sum())
    hc_hours = p.home_care_max_hours * c.care_need[c.home_care].sum()
    planned[Org.SOCIAL_CARE] += residents * p.care_home_weekly_fee + hc_hours * p.home_care_price
    # The gap applies to the NHS: councils must set balanced budgets.
    model.orgs.budget0[:] = planned * np.where(NHS_FUNDED, 1 + p.budget_gap, 1.0)
    model.orgs.budget[:] = model.orgs.budget0
    model.orgs.trend[:] = model.orgs.budget0
    after_staff = model.orgs.budget0[Org.SOCIAL_CARE] - _staff_cost(model)[Org.SOCIAL_CARE]
    # The council's plan: the share of its purchasing money that goes on care homes.
    model.care_home_share = min(1.0, residents * p.care_home_weekly_fee / after_staff) if after_staff > 0 else 0.0
    _plan_social_care(model, model.orgs.budget, _staff_cost(model), residents)


def _plan_social_care(model, budget: np.ndarray, staff_cost: np.ndarray, residents: int) -> None:
    p = model.params
    pool = p.pooled_share * budget[Org.ACUTE] if p.pooled_budget else 0.0
    # The council spreads its money after staff over care homes and home care in its planned
    # shares: a cut reaches both in proportion (fewer care home places bought as residents leave,
    # fewer home-care hours), rather than falling wholly on home care behind the residents already
    # placed, which would turn a 10% cut into the end of home care. Home care also gets the pool.
    after_staff = max(0.0, budget[Org.SOCIAL_CARE] - staff_cost[Org.SOCIAL_CARE])
    model.care_home_affordable = max(0, int(after_staff * model.care_home_share // p.care_home_weekly_fee))
    home_care_money = after_staff * (1 - model.care_home_share) + pool
    model.home_care_budget_hours = max(0.0, home_care_money) / p.home_care_price


def step(model) -> None:
    p = model.params
    c = model.citizens
    k = model.coef.money
    orgs = model.orgs
    growth = np.where(NHS_FUNDED, 1 + p.nhs_budget_change_per_year, 1 + p.social_care_budget_change_per_year)
    level = np.where(NHS_FUNDED, p.nhs_budget_level, p.social_care_budget_level)
    # Compounded week by week, so a change of the yearly rate acts from that week on only.
    orgs.trend *= growth ** (1 / 52)
    orgs.budget[:] = orgs.trend * level
    budget = orgs.budget.copy()
    if p.pooled_budget:
        pool = p.pooled_share * budget[Org.ACUTE]
        budget[Org.ACUTE] -= pool
        budget[Org.SOCIAL_CARE] += pool
    staff_cost = _staff_cost(model)
    spend = staff_cost.copy()
    occupied = int(np.isin(c.place, (ACUTE, DELAYED)).sum()) + model.electives_done_now
    spend[Org.ACUTE] += occupied * p.bed_week_cost + k.no_bed_cost_share * model.no_bed_now * p.bed_week_cost
    spend[Org.COMMUNITY] += int((c.place == STEP_DOWN).sum()) * k.step_down_week_cost
    residents = int((c.place == CARE_HOME).sum())
    spend[Org.SOCIAL_CARE] += (residents * p.care_home_weekly_fee
                               + model.home_care_delivered * p.home_care_price)
    orgs.spend[:] = spend
    orgs.balance += budget - spend
    # Pooling already moved money to social care's line above; plan with the original budgets.
    _plan_social_care(model, orgs.budget, staff_cost, residents)
    model.w["cumulative_deficit"] = -orgs.balance.sum()
