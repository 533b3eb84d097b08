"""Needs, prevention and community support, crises and elective referrals.

Rules, in order, each over all citizens at once:

1. **Drift.** Each citizen has a frailty level for health and for care that rises by
   ``(0.004 + need_growth_per_year) / 52`` a week: 0.004 a year is each person's ageing, which
   renewal (below) balances, so a place with no demand growth keeps its level of need;
   ``need_growth_per_year`` is the place's demand growth on top (an ageing population). Needs
   fluctuate around it: each week they move 5% of the way back to frailty, plus noise (sd 0.015:
   episodes of illness and recovery). A
   citizen whose need went unmet last week deteriorates: ``+ unmet_deterioration`` on health need
   and ``0.7 *`` that on care need, a fifth of which stays in their frailty.
2. **Renewal.** Citizens at home move away or die with weekly probability
   ``population_renewal_per_year / 52 * (0.5 + health_need)``; care home residents with
   probability 1/104 (a mean stay of two years). Each is replaced by a newcomer at home with low
   need, so the population is conserved.
3. **Prevention.** A citizen at home with need (max of health and care need) above 0.4 seeks
   support. Primary care, community health (half of its direct time; the rest staffs step-down
   beds) and the voluntary sector offer ``direct hours * (1 + improvement) / contact_hours``
   contacts (scaled pilots such as social prescribing raise the improvement). A citizen whose
   support was designed with them needs only 0.6 of a contact (their plan draws on their own and
   their community's energies). Contacts go by weighted random priority (weight = need x access;
   access is 1 for insiders and ``0.4 + 0.6 * citizen_involvement`` of the community-facing
   organisations for outsiders: only outreach reaches them). Their pressure is the ratio of
   citizens seeking support to contacts, relative to that ratio in the place's first week (the
   place was planned for what it had; at least 0.5).
   Support lowers health need by ``support_effect * fit * (0.5 + 0.5 * practice)`` and care need
   by half that, but not below 0.05 under their frailty (support stabilises need; it does not cure
   the frailty of age), where ``fit`` is 1 if the citizen was involved in designing it and 0.6 if
   consulted late. A citizen with complex needs (both above 0.5) benefits fully only if joined-up
   work across boundaries is available for them (``model.joint_case_capacity``); otherwise the
   benefit is 0.3 of it and the need counts as unmet.
4. **Early involvement.** Half of all involving hours are spent designing support with citizens
   (``involvement_hours`` each): that many supported citizens, by the same access weights, become
   involved. Involvement lapses with probability 1/13 a week (plans go stale).
5. **Crises.** A citizen at home has a crisis needing an acute bed with probability
   ``crisis_rate * crisis_surge * health_need**2``, 1.25 times that if their need went unmet this week, and 30%
   less while they have a plan made with them (involved early): a plan made with the person
   anticipates what to do when things go wrong. (Care home
   residents' crises are treated in the home, where nursing is at hand.)
6. **Elective referrals.** A citizen at home not yet waiting joins the elective waiting list with
   probability ``elective_rate * (0.5 + health_need)``.
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import COMMUNITY_FACING, Org
from slsim.model.population import ACUTE, CARE_HOME, DIRECT, HOME, INVOLVE
from slsim.model.processes.shared import access_weight, weighted_pick

OWNS = ("prevention_ratio0", "seeking_support", "supported", "newly_involved", "crises")
READS = ("org_hours", "joint_case_capacity")
WRITES = ()
TALLIES = ("early_involvement_share", "crises")

AGEING = 0.004  # need score per year each person's frailty rises, balanced by renewal (modelling assumption)
NOISE = 0.015
CO_PRODUCED_COST = 0.6  # share of a contact's hours needed when the plan was made with the citizen
PLAN_CRISIS_REDUCTION = 0.3
REVERSION = 0.05
COMPLEX = 0.5


def init(model) -> None:
    """The place's opening state, then nobody has yet sought support this week."""
    model.prevention_ratio0 = None  # seekers per contact in the first week (the place was planned for it)
    model.seeking_support = np.zeros(0, np.intp)  # rows of citizens at home in need this week
    model.supported = np.zeros(0, np.intp)  # rows of those who got a contact this week
    model.newly_involved = np.zeros(0, np.intp)  # rows involved early this week (learning listens to them)
    model.crises = np.zeros(0, np.intp)  # rows of this week's crises (the hospital admits them)
    initial_placement(model)


def initial_placement(model) -> None:
    """Start the place lived-in: care homes 90% full with the highest care needs, 75% of beds
    occupied by citizens weighted by health need, home care for those above the eligibility line,
    and an elective waiting list."""
    c = model.citizens
    rng = model.streams["population"]
    n_ch = min(int(0.9 * model.care_home_places), c.n // 10)
    ch = np.argsort(-c.care_need, kind="stable")[:n_ch]
    c.place[ch] = CARE_HOME
    at_home = np.flatnonzero(c.place == HOME)
    w = c.health_need[at_home] ** 2
    n_bed = min(int(0.75 * model.beds), len(at_home))
    if n_bed:
        in_bed = rng.choice(at_home, n_bed, replace=False, p=w / w.sum())
        c.place[in_bed] = ACUTE
        # Spread, so the first week is not a wave of discharges.
        c.fit_week[in_bed] = model.week + rng.integers(1, 5, n_bed)
    c.home_care[:] = (c.place == HOME) & (c.care_need > model.coef.pathway.eligibility_start)
    # An elective waiting list already exists: 0.6% of those at home (about five weeks of
    # referrals), waiting up to 10 weeks so far.
    at_home = np.flatnonzero(c.place == HOME)
    wait = rng.choice(at_home, int(0.006 * len(at_home)), replace=False)
    c.waiting[wait] = True
    c.wait_start[wait] = model.week - rng.integers(0, 10, len(wait))


def step(model) -> None:
    c = model.citizens
    p = model.params
    rng = model.streams["needs"]
    n = c.n
    week = model.week
    # 1. drift
    unmet = c.unmet
    growth = (AGEING + p.need_growth_per_year) / 52
    for need, frailty, hit in ((c.health_need, c.frailty_h, p.unmet_deterioration),
                               (c.care_need, c.frailty_c, 0.7 * p.unmet_deterioration)):
        frailty += growth + 0.2 * hit * unmet
        need += REVERSION * (frailty - need) + hit * unmet + rng.normal(0, NOISE, n)
        np.clip(need, 0, 1, out=need)
        np.clip(frailty, 0, 1, out=frailty)
    # 2. renewal
    home = c.place == HOME
    u = rng.random(n)
    leave = (home & (u < p.population_renewal_per_year / 52 * (0.5 + c.health_need))) | \
            ((c.place == CARE_HOME) & (u < 1 / 104))
    n_new = int(leave.sum())
    if n_new:
        a = 2.0
        mean = 0.7 * p.initial_need
        b = a * (1 - mean) / mean
        rows = np.flatnonzero(leave)
        c.health_need[rows] = c.frailty_h[rows] = rng.beta(a, b, n_new)
        c.care_need[rows] = c.frailty_c[rows] = np.clip(0.7 * c.health_need[rows] + 0.3 * rng.beta(a, b, n_new), 0, 1)
        c.place[rows] = HOME
        for col in (c.home_care, c.waiting, c.involved, c.unmet, c.assessed):
            col[rows] = False
        c.wellbeing[rows] = 0.7
        c.satisfaction[rows] = 0.5
    home = c.place == HOME
    # 3. prevention
    need = np.maximum(c.health_need, c.care_need)
    needy = np.flatnonzero(home & (need > model.coef.pathway.need_threshold))
    dh = model.org_hours[:, DIRECT]
    imp = model.orgs.improvement
    contacts = (dh[Org.PRIMARY_CARE] * (1 + imp[Org.PRIMARY_CARE]) + 0.5 * dh[Org.COMMUNITY] * (1 + imp[Org.COMMUNITY])
                + dh[Org.VOLUNTARY] * (1 + imp[Org.VOLUNTARY])) / p.contact_hours
    access = access_weight(model, c.outsider[needy])
    # Weighted random priority; a citizen with a plan made with them needs fewer staff hours
    # (the plan draws on their own and their community's energies).
    order = weighted_pick(rng, needy, need[needy] * access, len(needy))
    cost = np.where(c.involved[order], CO_PRODUCED_COST, 1.0)
    served = order[:int(np.searchsorted(np.cumsum(cost), contacts, side="right"))]
    is_complex = (c.health_need[served] > COMPLEX) & (c.care_need[served] > COMPLEX)
    complex_rows = served[is_complex]
    n_joined = min(len(complex_rows), int(model.joint_case_capacity))
    joined = np.ones(len(served), bool)
    joined_complex = np.zeros(len(complex_rows), bool)
    joined_complex[rng.permutation(len(complex_rows))[:n_joined]] = True
    joined[is_complex] = joined_complex
    # 4. early involvement: choose among those supported who are not yet involved
    inv_capacity = int(0.5 * model.org_hours[:, INVOLVE].sum() / p.involvement_hours)
    fresh = served[~c.involved[served]]
    newly = weighted_pick(rng, fresh, access_weight(model, c.outsider[fresh]), inv_capacity)
    c.involved[newly] = True
    model.newly_involved = newly
    lapse = c.involved & (rng.random(n) < 1 / 13)
    c.involved[lapse] = False
    fit = np.where(c.involved[served], 1.0, 0.6)
    practice = model.orgs.practice[COMMUNITY_FACING].mean()
    gain = p.support_effect * fit * (0.5 + 0.5 * practice) * np.where(joined, 1.0, 0.3)
    # Support stabilises need; it does not cure the frailty of age.
    c.health_need[served] = np.maximum(np.minimum(c.health_need[served], c.frailty_h[served] - 0.05),
                                       c.health_need[served] - gain)
    c.care_need[served] = np.maximum(np.minimum(c.care_need[served], c.frailty_c[served] - 0.05),
                                     c.care_need[served] - 0.5 * gain)
    c.unmet[:] = False
    c.unmet[needy] = True
    c.unmet[served[joined]] = False
    # Pressure relative to the place's own starting ratio of need to contacts (it was planned for that).
    ratio = len(needy) / max(contacts, 1.0)
    if model.prevention_ratio0 is None:
        # At least half a seeker per contact: a place that starts with almost no need must not
        # turn its first few seekers into infinite pressure.
        model.prevention_ratio0 = max(ratio, 0.5)
    model.orgs.pressure[[Org.PRIMARY_CARE, Org.VOLUNTARY]] = ratio / model.prevention_ratio0
    model.seeking_support = needy
    model.supported = served
    model.w["early_involvement_share"] = c.involved[served].mean() if len(served) else 0.0
    # 5. crises
    risk = (p.crisis_rate * p.crisis_surge * c.health_need ** 2 * np.where(c.unmet, 1.25, 1.0)
            * np.where(c.involved, 1 - PLAN_CRISIS_REDUCTION, 1.0))
    risk = np.where(home, risk, 0.0)
    model.crises = np.flatnonzero(rng.random(n) < risk)
    model.w["crises"] = len(model.crises)
    # 6. elective referrals
    join = home & ~c.waiting & (rng.random(n) < p.elective_rate * (0.5 + c.health_need))
    c.waiting[join] = True
    c.wait_start[join] = week
