"""Needs, prevention and community support, crises and elective referrals.

Rules, in order, each over all citizens at once:

1. **Drift.** Each citizen has a frailty level for health and for care that rises by
   ``{ageing} + need_growth_per_year`` a year, in equal weekly steps: {ageing} a year is each person's ageing, which
   renewal (below) balances, so a place with no demand growth keeps its level of need;
   ``need_growth_per_year`` is the place's demand growth on top (an ageing population). Needs
   fluctuate around it: each week they move {reversion:.0%} of the way back to frailty, plus noise
   (sd {noise_sd}: episodes of illness and recovery). A citizen whose need went unmet last week
   deteriorates: ``+ unmet_deterioration`` on health need and ``{unmet_care_share} *`` that on care
   need, {unmet_frailty_share:.0%} of which stays in their frailty.
2. **Renewal.** Citizens at home move away or die with probability
   ``population_renewal_per_year * ({renewal_base} + health_need)`` a year, taken a week at a time;
   care home residents with weekly probability 1/{care_home_stay_weeks} (a mean stay of
   {care_home_stay_weeks} weeks). Each is replaced by a newcomer at home with low need, so the
   population is conserved: health need is drawn from a Beta distribution with first shape {newcomer_beta_a} and mean
   ``{newcomer_need_share} * initial_need``, care need is ``{newcomer_care_from_health} *`` that
   health need ``+ {newcomer_care_own} *`` a second such draw, frailty starts at need, wellbeing at
   {newcomer_wellbeing} and satisfaction as the opening population's (``population.satisfaction_start``).
3. **Prevention.** A citizen at home with need (max of health and care need) above
   ``pathway.need_threshold`` seeks support. Primary care, community health ({community_prevention_share:.0%}
   of its direct time; the rest staffs step-down beds) and the voluntary sector offer
   ``direct hours * (1 + improvement) / contact_hours`` contacts (scaled pilots such as social
   prescribing raise the improvement). A citizen whose support was designed with them needs only
   {co_produced_cost} of a contact (their plan draws on their own and their community's energies).
   Contacts go by weighted random priority (weight = need x access; access is 1 for insiders and,
   for outsiders, ``access.outsider_floor + access.outsider_outreach * outreach``, where outreach is
   the community-facing organisations' time spent involving citizens: only outreach reaches them).
   Their pressure is the ratio of citizens seeking support to contacts, relative to that ratio in
   the place's first week (the place was planned for what it had; at least {first_ratio_floor}).
   Support lowers health need by ``support_effect * fit * ({practice_base} + {practice_gain} * practice)``
   and care need by {care_support_share} of that, but not below {support_floor} under their frailty
   (support stabilises need; it does not cure the frailty of age), where ``fit`` is 1 if the
   citizen was involved in designing it and {late_fit} if consulted late, and ``practice`` is the
   community-facing organisations' mean practice. A citizen with complex needs (both above
   {complex_need}) benefits fully only if joined-up work across boundaries is available for them
   (``model.joint_case_capacity``); otherwise the benefit is {unjoined_benefit} of it and the need
   counts as unmet.
4. **Early involvement.** {design_share:.0%} of all involving hours are spent designing support with
   citizens (``involvement_hours`` each): that many supported citizens, by the same access weights,
   become involved. Involvement lapses with probability 1/{plan_weeks} a week (plans go stale).
5. **Crises.** A citizen at home has a crisis needing an acute bed with probability
   ``crisis_rate * crisis_surge * health_need**{crisis_need_power}``, {unmet_crisis_factor} times that
   if their need went unmet this week, and {plan_crisis_reduction:.0%} less while they have a plan
   made with them (involved early): a plan made with the person anticipates what to do when things
   go wrong. (Care home residents' crises are treated in the home, where nursing is at hand.)
6. **Elective referrals.** A citizen at home not yet waiting joins the elective waiting list with
   probability ``elective_rate * ({referral_base} + health_need)``.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import COMMUNITY_FACING, Org
from slsim.model.population import ACUTE, CARE_HOME, DIRECT, HOME, INVOLVE, Column
from slsim.model.processes.shared import access_weight

OWNS = ("prevention_ratio0", "seeking_support", "supported", "newly_involved", "crises", "support_pressure",
        "newcomers")
COLUMNS = (Column("citizens", "waiting", bool),  # on the elective waiting list
           Column("citizens", "wait_start", np.int32),  # week of referral
           Column("citizens", "involved", bool),  # involved early in designing their support
           Column("citizens", "unmet", bool))  # need unmet this week
READS = ("org_hours", "joint_case_capacity", "outreach", "orgs.improvement", "orgs.practice", "citizens.outsider",
         "citizens.assessed")
WRITES = (
    # Needs drift and are met or not: the population's own columns.
    "citizens.health_need", "citizens.care_need", "citizens.frailty_h", "citizens.frailty_c", "citizens.wellbeing",
    # A newcomer replaces a citizen who died or moved away: at home, without a package, content as the opening
    # population (population.satisfaction_start).
    "citizens.place", "citizens.home_care", "citizens.satisfaction",
)
TALLIES = ("early_involvement_share", "crises")

COEFFICIENTS = Block(
    "needs",
    # 1. drift
    Coefficient("ageing", 0.004, "need score per year", (0.0, 0.05),
                f"{ASSUMPTION} each person's frailty rises slowly with age, balanced by renewal so that a place "
                "without demand growth keeps its level of need",
                "Yearly rise of each citizen's frailty from ageing, before the place's demand growth."),
    Coefficient("reversion", 0.05, "share of the gap per week", (0.0, 1.0),
                f"{ASSUMPTION} illness and recovery are episodes of weeks: need returns to frailty over months",
                "Share of the gap between need and frailty that closes each week."),
    Coefficient("noise_sd", 0.015, "need score per week (standard deviation)", (0.0, 0.1),
                f"{ASSUMPTION} small weekly episodes of illness and recovery around frailty",
                "Standard deviation of the weekly random change in each need."),
    Coefficient("unmet_care_share", 0.7, "share of the health need deterioration", (0.0, 2.0),
                f"{ASSUMPTION} unmet need wears down independence somewhat less than health",
                "Deterioration of care need when need went unmet, as a share of that of health need."),
    Coefficient("unmet_frailty_share", 0.2, "share of the deterioration", (0.0, 1.0),
                f"{ASSUMPTION} most harm from a week of unmet need is recovered, some is lasting",
                "Share of the deterioration from unmet need that stays in the citizen's frailty."),
    # 2. renewal
    Coefficient("renewal_base", 0.5, "multiple of the renewal rate", (0.0, 2.0),
                f"{ASSUMPTION} people move away or die whatever their health, sicker people more often",
                "Weekly renewal risk of a citizen with health need 0, as a multiple of the place's renewal rate."),
    Coefficient("care_home_stay_weeks", 104, "weeks", (13, 520),
                f"{ASSUMPTION} care home residents stay about two years on average",
                "Mean stay of a care home resident before moving on or dying."),
    Coefficient("newcomer_beta_a", 2.0, "Beta shape parameter", (0.5, 20.0),
                f"{ASSUMPTION} a broad, right-skewed spread of need among newcomers",
                "First shape parameter of the Beta distribution newcomers' health need is drawn from."),
    Coefficient("newcomer_need_share", 0.7, "multiple of initial_need", (0.1, 1.0),
                f"{ASSUMPTION} those who move in are on average healthier than the place's starting population",
                "Newcomers' mean health need, as a multiple of the place's initial need."),
    Coefficient("newcomer_care_from_health", 0.7, "weight", (0.0, 1.0),
                f"{ASSUMPTION} care need follows health need closely, with some need of its own",
                "Weight of a newcomer's health need in their care need."),
    Coefficient("newcomer_care_own", 0.3, "weight", (0.0, 1.0),
                f"{ASSUMPTION} the rest of a newcomer's care need is a draw of its own (weights sum to 1)",
                "Weight of a second, independent draw in a newcomer's care need."),
    Coefficient("newcomer_wellbeing", 0.7, "wellbeing 0-1", (0.0, 1.0),
                f"{ASSUMPTION} newcomers arrive well, with low need",
                "A newcomer's starting wellbeing."),
    Coefficient("community_prevention_share", 0.5, "share of direct hours", (0.0, 1.0),
                f"{ASSUMPTION} community health splits its direct time between the community and step-down beds",
                "Share of community health's direct hours that offers contacts to citizens at home."),
    Coefficient("co_produced_cost", 0.6, "share of a contact", (0.1, 1.0),
                f"{ASSUMPTION} a plan made with the citizen draws on their own and their community's energies",
                "Share of a contact's staff hours needed by a citizen whose support was designed with them."),
    Coefficient("first_ratio_floor", 0.5, "seekers per contact", (0.01, 5.0),
                f"{ASSUMPTION} a place that starts with almost no need must not turn its first few seekers into "
                "infinite pressure",
                "Least seekers-per-contact ratio the place is taken to have been planned for.", setup=True),
    Coefficient("practice_base", 0.5, "share of support_effect", (0.0, 1.0),
                f"{ASSUMPTION} support helps even where practice is weak; good practice doubles it",
                "Benefit of support where the community-facing organisations' practice is 0."),
    Coefficient("practice_gain", 0.5, "share of support_effect per unit of practice", (0.0, 1.0),
                f"{ASSUMPTION} better practice makes the same contact do more good",
                "Rise of the benefit of support per unit of the community-facing organisations' practice."),
    Coefficient("care_support_share", 0.5, "share of the fall of health need", (0.0, 1.0),
                f"{ASSUMPTION} prevention does more for health than for independence",
                "Fall of care need from support, as a share of the fall of health need."),
    Coefficient("support_floor", 0.05, "need score 0-1", (0.0, 0.5),
                f"{ASSUMPTION} support stabilises need; it does not cure the frailty of age",
                "How far below a citizen's frailty support can bring their need, at most."),
    Coefficient("late_fit", 0.6, "share of the benefit", (0.0, 1.0),
                f"{ASSUMPTION} support designed without the citizen fits their life less well (co-production)",
                "Benefit of support for a citizen consulted late, as a share of that for one involved early."),
    Coefficient("complex_need", 0.5, "need score 0-1", (0.1, 0.95),
                f"{ASSUMPTION} both health and care need in their upper half call for joined-up work",
                "Health and care need both above which a citizen's needs are complex."),
    Coefficient("unjoined_benefit", 0.3, "share of the benefit", (0.0, 1.0),
                f"{ASSUMPTION} one service alone helps a citizen with complex needs only a little",
                "Benefit of support for a citizen with complex needs without joined-up work, as a share."),
    # 4. early involvement
    Coefficient("design_share", 0.5, "share of involving hours", (0.0, 1.0),
                f"{ASSUMPTION} involving time is split between designing support and listening (voice)",
                "Share of all involving hours spent designing support with citizens."),
    Coefficient("plan_weeks", 13, "weeks", (1, 104),
                f"{ASSUMPTION} a plan made with a citizen goes stale in about a quarter of a year",
                "Mean weeks before a citizen's involvement lapses."),
    # 5. crises
    Coefficient("crisis_need_power", 2, "exponent", (1, 4),
                f"{ASSUMPTION} crises concentrate among the sickest: risk grows faster than need",
                "Power of health need in a citizen's weekly crisis risk."),
    Coefficient("unmet_crisis_factor", 1.25, "multiple of the risk", (1.0, 3.0),
                f"{ASSUMPTION} need left unmet this week makes a crisis more likely",
                "Multiple of the crisis risk of a citizen whose need went unmet this week."),
    Coefficient("plan_crisis_reduction", 0.3, "share of the risk", (0.0, 1.0),
                f"{ASSUMPTION} a plan made with the person anticipates what to do when things go wrong",
                "Fall of the crisis risk while a citizen has a plan made with them."),
    # 6. elective referrals
    Coefficient("referral_base", 0.5, "multiple of elective_rate", (0.0, 2.0),
                f"{ASSUMPTION} healthy people are referred too, sicker people more often",
                "Weekly referral chance of a citizen with health need 0, as a multiple of elective_rate."),
    # the place when it opens
    Coefficient("initial_care_home_fill", 0.9, "share of care home places", (0.0, 1.0),
                f"{ASSUMPTION} care homes run nearly full",
                "Share of care home places taken, by the highest care needs, when the place opens.", setup=True),
    Coefficient("initial_care_home_one_in", 10, "citizens per resident", (2, 1000),
                f"{ASSUMPTION} a cap so that a small place is not mostly care home residents",
                "Care home residents when the place opens are at most one in this many citizens.",
                integer=True, setup=True),
    Coefficient("initial_bed_occupancy", 0.75, "share of beds", (0.0, 1.0),
                f"{ASSUMPTION} the hospital opens busy but below its running occupancy, which it then finds",
                "Share of acute beds occupied when the place opens.", setup=True),
    Coefficient("initial_bed_need_power", 2, "exponent", (0, 4),
                f"{ASSUMPTION} as with crises, the sickest are far likelier to be in hospital",
                "Power of health need in the weight with which citizens fill the beds when the place opens.",
                setup=True),
    Coefficient("initial_fit_weeks", 4, "weeks", (1, 26),
                f"{ASSUMPTION} spread, so the first week is not a wave of discharges",
                "Patients in bed when the place opens become fit within this many weeks, evenly spread.",
                integer=True, setup=True),
    Coefficient("initial_waiting_share", 0.006, "share of citizens at home", (0.0, 0.1),
                f"{ASSUMPTION} an elective list already exists: about five weeks of referrals",
                "Share of citizens at home on the elective waiting list when the place opens.", setup=True),
    Coefficient("initial_wait_weeks", 10, "weeks", (1, 104),
                f"{ASSUMPTION} those on the opening list were referred recently, within a few months",
                "Those on the opening waiting list have waited fewer than this many weeks, evenly spread.",
                integer=True, setup=True),
)
__doc__ = COEFFICIENTS.document(__doc__)


def init(model) -> None:
    """The place's opening state, then nobody has yet sought support this week."""
    model.prevention_ratio0 = None  # seekers per contact in the first week (the place was planned for it)
    model.seeking_support = np.zeros(0, np.intp)  # rows of citizens at home in need this week
    model.supported = np.zeros(0, np.intp)  # rows of those who got a contact this week
    model.newly_involved = np.zeros(0, np.intp)  # rows involved early this week (learning listens to them)
    model.crises = np.zeros(0, np.intp)  # rows of this week's crises (the hospital admits them)
    model.newcomers = np.zeros(0, np.intp)  # rows whose citizen died or moved away this week, taken by a newcomer
    model.support_pressure = 1.0  # demand for support against contacts, relative to the first week
    initial_placement(model)


def initial_placement(model) -> None:
    """Start the place lived-in: care homes {initial_care_home_fill:.0%} full with the highest care
    needs (no more than one citizen in {initial_care_home_one_in} in a care home), {initial_bed_occupancy:.0%} of beds
    occupied by citizens drawn with weight health need to the power {initial_bed_need_power} (each
    medically fit within 1 to {initial_fit_weeks} weeks), home care for those above
    ``pathway.eligibility_start``, and an elective waiting list of {initial_waiting_share:.1%} of
    those at home, who have waited fewer than {initial_wait_weeks} weeks so far."""
    c = model.citizens
    k = model.coef.needs
    rng = model.streams["population"]
    n_ch = min(int(k.initial_care_home_fill * model.care_home_places), c.n // int(k.initial_care_home_one_in))
    ch = np.argsort(-c.care_need, kind="stable")[:n_ch]
    c.place[ch] = CARE_HOME
    at_home = np.flatnonzero(c.place == HOME)
    w = c.health_need[at_home] ** k.initial_bed_need_power
    n_bed = min(int(k.initial_bed_occupancy * model.beds), len(at_home))
    if n_bed:
        in_bed = rng.choice(at_home, n_bed, replace=False, p=w / w.sum())
        c.place[in_bed] = ACUTE
        # Spread, so the first week is not a wave of discharges.
        c.fit_week[in_bed] = model.week + rng.integers(1, k.initial_fit_weeks + 1, n_bed)
    c.home_care[:] = (c.place == HOME) & (c.care_need > model.coef.pathway.eligibility_start)
    # An elective waiting list already exists (about five weeks of referrals at the default rate).
    at_home = np.flatnonzero(c.place == HOME)
    wait = rng.choice(at_home, int(k.initial_waiting_share * len(at_home)), replace=False)
    c.waiting[wait] = True
    c.wait_start[wait] = model.week - rng.integers(0, k.initial_wait_weeks, len(wait))


initial_placement.__doc__ = COEFFICIENTS.document(initial_placement.__doc__)


def step(model) -> None:
    c = model.citizens
    p = model.params
    k = model.coef.needs
    draws = model.draws  # each citizen's own random numbers (common random numbers per person)
    n = c.n
    everyone = np.arange(n)
    week = model.week
    # 1. drift
    unmet = c.unmet
    growth = (k.ageing + p.need_growth_per_year) / 52
    for need, frailty, hit, kind in ((c.health_need, c.frailty_h, p.unmet_deterioration, "health"),
                                     (c.care_need, c.frailty_c, k.unmet_care_share * p.unmet_deterioration, "care")):
        frailty += growth + k.unmet_frailty_share * hit * unmet
        need += k.reversion * (frailty - need) + hit * unmet + draws.normal(f"needs.drift.{kind}", everyone, k.noise_sd)
        np.clip(need, 0, 1, out=need)
        np.clip(frailty, 0, 1, out=frailty)
    # 2. renewal
    home = c.place == HOME
    u = draws.uniform("needs.renewal", everyone)
    leave = (home & (u < p.population_renewal_per_year / 52 * (k.renewal_base + c.health_need))) | \
            ((c.place == CARE_HOME) & (u < 1 / k.care_home_stay_weeks))
    n_new = int(leave.sum())
    model.newcomers = np.flatnonzero(leave)
    if n_new:
        a = k.newcomer_beta_a
        mean = k.newcomer_need_share * p.initial_need
        b = a * (1 - mean) / mean
        rows = np.flatnonzero(leave)
        c.health_need[rows] = c.frailty_h[rows] = draws.beta("needs.newcomer.health", rows, a, b)
        c.care_need[rows] = c.frailty_c[rows] = np.clip(
            k.newcomer_care_from_health * c.health_need[rows]
            + k.newcomer_care_own * draws.beta("needs.newcomer.care", rows, a, b), 0, 1)
        c.place[rows] = HOME
        for col in (c.home_care, c.waiting, c.involved, c.unmet, c.assessed):
            col[rows] = False
        c.wellbeing[rows] = k.newcomer_wellbeing
        c.satisfaction[rows] = model.coef.population.satisfaction_start
    home = c.place == HOME
    # 3. prevention
    need = np.maximum(c.health_need, c.care_need)
    needy = np.flatnonzero(home & (need > model.coef.pathway.need_threshold))
    dh = model.org_hours[:, DIRECT]
    imp = model.orgs.improvement
    contacts = (dh[Org.PRIMARY_CARE] * (1 + imp[Org.PRIMARY_CARE])
                + k.community_prevention_share * dh[Org.COMMUNITY] * (1 + imp[Org.COMMUNITY])
                + dh[Org.VOLUNTARY] * (1 + imp[Org.VOLUNTARY])) / p.contact_hours
    access = access_weight(model, c.outsider[needy])
    # Weighted random priority; a citizen with a plan made with them needs fewer staff hours
    # (the plan draws on their own and their community's energies).
    order = draws.pick("needs.support_order", needy, need[needy] * access, len(needy))
    cost = np.where(c.involved[order], k.co_produced_cost, 1.0)
    served = order[:int(np.searchsorted(np.cumsum(cost), contacts, side="right"))]
    is_complex = (c.health_need[served] > k.complex_need) & (c.care_need[served] > k.complex_need)
    complex_rows = served[is_complex]
    n_joined = min(len(complex_rows), int(model.joint_case_capacity))
    joined = np.ones(len(served), bool)
    joined_complex = np.zeros(len(complex_rows), bool)
    joined_complex[np.argsort(draws.uniform("needs.joined_up", complex_rows), kind="stable")[:n_joined]] = True
    joined[is_complex] = joined_complex
    # 4. early involvement: choose among those supported who are not yet involved
    inv_capacity = int(k.design_share * model.org_hours[:, INVOLVE].sum() / p.involvement_hours)
    fresh = served[~c.involved[served]]
    newly = draws.pick("needs.involve", fresh, access_weight(model, c.outsider[fresh]), inv_capacity)
    c.involved[newly] = True
    model.newly_involved = newly
    lapse = c.involved & (draws.uniform("needs.plan_lapse", everyone) < 1 / k.plan_weeks)
    c.involved[lapse] = False
    fit = np.where(c.involved[served], 1.0, k.late_fit)
    practice = model.orgs.practice[COMMUNITY_FACING].mean()
    gain = (p.support_effect * fit * (k.practice_base + k.practice_gain * practice)
            * np.where(joined, 1.0, k.unjoined_benefit))
    # Support stabilises need; it does not cure the frailty of age. Need never falls below 0, though a
    # citizen with almost no frailty has a floor (frailty - support_floor) below it.
    floor_h = np.maximum(0, c.frailty_h[served] - k.support_floor)
    floor_c = np.maximum(0, c.frailty_c[served] - k.support_floor)
    c.health_need[served] = np.maximum(np.minimum(c.health_need[served], floor_h), c.health_need[served] - gain)
    c.care_need[served] = np.maximum(np.minimum(c.care_need[served], floor_c),
                                     c.care_need[served] - k.care_support_share * gain)
    c.unmet[:] = False
    c.unmet[needy] = True
    c.unmet[served[joined]] = False
    # Pressure relative to the place's own starting ratio of need to contacts (it was planned for that).
    ratio = len(needy) / max(contacts, 1.0)
    if model.prevention_ratio0 is None:
        # At least half a seeker per contact: a place that starts with almost no need must not
        # turn its first few seekers into infinite pressure.
        model.prevention_ratio0 = max(ratio, k.first_ratio_floor)
    model.support_pressure = ratio / model.prevention_ratio0  # primary care's and the voluntary sector's
    model.seeking_support = needy
    model.supported = served
    model.w["early_involvement_share"] = c.involved[served].mean() if len(served) else 0.0
    # 5. crises
    risk = (p.crisis_rate * p.crisis_surge * c.health_need ** k.crisis_need_power
            * np.where(c.unmet, k.unmet_crisis_factor, 1.0)
            * np.where(c.involved, 1 - k.plan_crisis_reduction, 1.0))
    risk = np.where(home, risk, 0.0)
    model.crises = np.flatnonzero(draws.uniform("needs.crisis", everyone) < risk)
    model.w["crises"] = len(model.crises)
    # 6. elective referrals
    referral = p.elective_rate * (k.referral_base + c.health_need)
    join = home & ~c.waiting & (draws.uniform("needs.referral", everyone) < referral)
    c.waiting[join] = True
    c.wait_start[join] = week
