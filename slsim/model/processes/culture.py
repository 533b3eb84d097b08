"""Culture, the network of ties across boundaries, and the workforce (stress, turnover, vacancies).

Leadership reaches people here, and only here, through what leaders themselves do: senior leaders
hold the attitudes their style sets, and everyone else is pulled towards their organisation's
norm, in which the leaders weigh {leader_weight:.0%}. Attitudes move a few per cent a week, so a new
style takes months to reach the frontline, and only attitudes (never a leadership setting) reach
time use.

Staff start from the same attitudes in every scenario (the place as it is today), each drawn from
a Beta distribution:
defensiveness Beta({defensiveness_start_a}, {defensiveness_start_b}),
systems mindset Beta({mindset_start_a}, {mindset_start_b}),
agency Beta({agency_start_a}, {agency_start_b}),
stress Beta({stress_start_a}, {stress_start_b}) and
openness to citizens Beta({openness_start_a}, {openness_start_b}).

Rules (all staff at once, from this week's pressure and blame):

* **Stress** moves {stress_rate:.0%} a week towards ``{stress_base} + {stress_pressure} * excess
  pressure + {stress_blame} * blame exposure + {stress_defensive_work} * share of time on defensive
  work`` (clipped to [0, 1]).
* **Defensiveness** (threat rigidity, Staw, Sandelands & Dutton 1981) moves {defensiveness_rate:.0%} a
  week towards ``{defensiveness_base} + threat_rigidity * (excess pressure + {defensiveness_stress} *
  stress) + {defensiveness_blame} * blame exposure - {defensiveness_safety} * psychological safety``.
* **Systems mindset** moves {mindset_rate:.0%} a week towards ``{mindset_base} + {mindset_ties} *
  ties - {mindset_defensiveness} * defensiveness``, where ties is the person's summed tie strength
  across boundaries / {ties_full} (at most 1): working with people in other organisations changes
  how you see the system. A senior leader's target is instead ``{leader_mindset_base} +
  {leader_mindset_ambition} * shared_ambition + {leader_mindset_ties} * ties -
  {mindset_defensiveness} * defensiveness``: leaders who hold a shared ambition for the place see it
  whole first.
* **Agency** (acting rather than waiting for instruction) moves {agency_rate:.0%} a week towards
  ``{agency_base} + {agency_ceding} * ceding * (1 - defensiveness) + {agency_safety} * psychological
  safety + initiative``, where ceding is how much leaders actually delegate and initiative a fixed
  personal trait: people take up decisions handed to them only as fast as they trust it.
* **Openness to citizens** (involving people in designing their support rather than consulting
  them late) moves {openness_rate:.0%} a week towards {openness_habit} (habit); a senior leader's
  towards ``citizen_involvement`` (what leaders ask for and do themselves).
* **Peers and leaders.** Each attitude is then pulled by ``peer_influence`` towards the
  organisation's norm: the mean of its staff and the mean of its senior leaders, the leaders'
  weighing {leader_weight:.0%} (leaders set the norm).
* **Ties decay** by ``{tie_decay:.0%} + {tie_decay_blame:.0%} x blame exposure`` (mean of the two
  organisations) a week and are dropped below {tie_floor}; a leaver's ties go with them.
* **Turnover.** A person leaves with the yearly probability ``base_turnover_per_year * sector
  factor + burnout_turnover_per_year * stress squared``, spread evenly over the weeks of the year;
  the sector factors are {turnover_factor_acute} (acute), {turnover_factor_community} (community),
  {turnover_factor_social_care} (social care), {turnover_factor_primary_care} (primary care) and
  {turnover_factor_voluntary} (voluntary sector), so that the default place's social care turnover is
  near the 30.8% a year Skills for Care (2019) reports. The post stays vacant for an exponential
  time with mean ``vacancy_weeks``, {freeze_vacancy_factor:g} times that while the organisation is in a
  recruitment freeze (running deficit over {freeze_weeks} weeks of budget).
* **Newcomers** take the organisation's current norms (defensiveness, mindset, agency, openness), so
  culture persists through high turnover (Harrison & Carroll 1991); they start with stress
  {newcomer_stress}, draw their initiative as the opening staff did (``workforce.initiative_sd``)
  and bring fresh, random beliefs.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import ORG_KINDS, Org
from slsim.model.population import DEFENSIVE, SENIOR, Column, random_beliefs
from slsim.model.processes.shared import tie_sum

OWNS = ("leavers",)
COLUMNS = (Column("staff", "filled", bool, fill=True),  # the post is filled
           Column("staff", "vacant_until", np.int32),  # week a vacant post is filled again
           Column("staff", "stress"),  # 0-1
           Column("staff", "defensiveness"),  # retreat behind the boundary, 0-1
           Column("staff", "mindset"),  # sees the whole system, 0-1
           Column("staff", "agency"),  # acts rather than waits for instruction, 0-1
           Column("staff", "openness"))  # involves citizens early rather than consulting late, 0-1
READS = ("tie_keys", "tie_w", "staff.org", "staff.role", "staff.time", "orgs.pressure", "orgs.exposure",
         "orgs.psych_safety", "orgs.posts", "orgs.balance", "orgs.budget")
WRITES = (
    "tie_keys", "tie_w",  # ties decay under blame, and a leaver's ties go with them
    "staff.tenure", "staff.initiative", "staff.beliefs",  # a newcomer in a post brings their own
)
TALLIES = ("staff_turnover_rate", "social_care_turnover_rate", "social_care_vacancy_rate",
           "staff_highly_stressed_share", "vacancy_rate", "ties_across_boundaries")

TURNOVER_WINDOW = 13  # weeks of leavers the turnover rates are measured over
HIGHLY_STRESSED = 0.5  # stress above which a staff member counts as highly stressed (an outcome's definition)

_START = f"{ASSUMPTION} the place as it is today"


def _start(name: str, default: float, what: str, reason: str) -> Coefficient:
    return Coefficient(name, default, "Beta shape parameter", (0.5, 20.0), f"{_START}: {reason}",
                       f"Shape parameter {name[-1]} of the Beta distribution staff's {what} starts from.", setup=True)


def _rate(name: str, default: float, what: str) -> Coefficient:
    return Coefficient(name, default, "share of the gap per week", (0.0, 1.0),
                       f"{ASSUMPTION} attitudes change over months, not weeks",
                       f"Share of the gap to its target that {what} closes each week.")


def _weight(name: str, default: float, unit: str, reason: str, help_: str, lo: float = 0.0,
            hi: float = 1.0) -> Coefficient:
    return Coefficient(name, default, unit, (lo, hi), f"{ASSUMPTION} {reason}", help_)


COEFFICIENTS = Block(
    "culture",
    _start("defensiveness_start_a", 3.5, "defensiveness", "mean 0.35, a workforce on guard but not closed"),
    _start("defensiveness_start_b", 6.5, "defensiveness", "mean 0.35, a workforce on guard but not closed"),
    _start("mindset_start_a", 3.5, "systems mindset", "mean 0.35, most staff see their own organisation first"),
    _start("mindset_start_b", 6.5, "systems mindset", "mean 0.35, most staff see their own organisation first"),
    _start("agency_start_a", 4.5, "agency", "mean 0.45, about half act without waiting for instruction"),
    _start("agency_start_b", 5.5, "agency", "mean 0.45, about half act without waiting for instruction"),
    _start("stress_start_a", 3, "stress", "mean 0.3, stressed but mostly below the highly stressed line"),
    _start("stress_start_b", 7, "stress", "mean 0.3, stressed but mostly below the highly stressed line"),
    _start("openness_start_a", 2, "openness to citizens", "mean 0.2, citizens are mostly consulted late"),
    _start("openness_start_b", 8, "openness to citizens", "mean 0.2, citizens are mostly consulted late"),
    _rate("stress_rate", 0.1, "stress"),
    _weight("stress_base", 0.25, "stress 0-1", "some stress comes with the work even at no pressure",
            "Stress target with no excess pressure, blame or defensive work."),
    _weight("stress_pressure", 0.5, "stress per unit of excess pressure", "pressure is the main cause of stress",
            "Rise of the stress target per unit of pressure above 1.", hi=2.0),
    _weight("stress_blame", 0.4, "stress per unit of blame exposure", "seeing colleagues blamed is stressful",
            "Rise of the stress target with blame exposure."),
    _weight("stress_defensive_work", 0.3, "stress per share of time", "defensive paperwork is draining",
            "Rise of the stress target with the share of time on defensive work."),
    _rate("defensiveness_rate", 0.1, "defensiveness"),
    _weight("defensiveness_base", 0.25, "defensiveness 0-1", "some caution is part of clinical work",
            "Defensiveness target with no excess pressure, stress, blame or safety."),
    _weight("defensiveness_stress", 0.3, "excess pressure per unit of stress",
            "stress adds to the threat that makes people rigid (Staw, Sandelands & Dutton 1981)",
            "Weight of stress beside excess pressure in the threat that threat_rigidity turns into defensiveness."),
    _weight("defensiveness_blame", 0.6, "defensiveness per unit of blame exposure",
            "blame is the strongest cause of defensive practice",
            "Rise of the defensiveness target with blame exposure."),
    _weight("defensiveness_safety", 0.25, "defensiveness per unit of psychological safety",
            "safety to speak up lowers the need to protect oneself",
            "Fall of the defensiveness target with psychological safety."),
    _rate("mindset_rate", 0.05, "systems mindset"),
    _weight("mindset_base", 0.2, "mindset 0-1", "staff see their own organisation first",
            "Systems mindset target of a staff member with no ties across boundaries."),
    _weight("mindset_ties", 0.4, "mindset per unit of ties", "working with other organisations widens the view",
            "Rise of a staff member's mindset target with ties across boundaries."),
    _weight("leader_mindset_base", 0.15, "mindset 0-1", "below staff's base, so ambition carries the leaders' view",
            "Systems mindset target of a senior leader with no shared ambition and no ties."),
    _weight("leader_mindset_ambition", 0.6, "mindset per unit of shared ambition",
            "leaders who hold a shared ambition for the place see it whole",
            "Rise of a senior leader's mindset target with the shared ambition of their style."),
    _weight("leader_mindset_ties", 0.25, "mindset per unit of ties", "ties matter less to leaders than ambition",
            "Rise of a senior leader's mindset target with ties across boundaries."),
    _weight("mindset_defensiveness", 0.15, "mindset per unit of defensiveness",
            "a defensive person looks inward", "Fall of everyone's mindset target with defensiveness."),
    _weight("ties_full", 2, "summed tie strength", "two strong ties across boundaries are a full network",
            "Summed tie strength at which a person's ties count fully in the mindset target.", lo=0.1, hi=20.0),
    _rate("agency_rate", 0.05, "agency"),
    _weight("agency_base", 0.2, "agency 0-1", "people act on their own a little even when nothing is ceded",
            "Agency target with no ceding, no psychological safety and no initiative."),
    _weight("agency_ceding", 0.5, "agency per unit of ceding", "decisions handed down are taken up as far as trusted",
            "Rise of the agency target with ceding, times one less defensiveness."),
    _weight("agency_safety", 0.3, "agency per unit of psychological safety", "people act when it is safe to",
            "Rise of the agency target with psychological safety."),
    _rate("openness_rate", 0.05, "openness to citizens"),
    _weight("openness_habit", 0.1, "openness 0-1", "by habit services consult citizens late",
            "Openness target of staff (senior leaders follow citizen_involvement instead)."),
    _weight("leader_weight", 0.5, "share of the norm", "leaders set the norm as much as all other staff together",
            "Weight of the senior leaders' mean in the organisation's norm (the staff's mean weighs the rest)."),
    _weight("tie_decay", 0.02, "share per week", "ties not renewed by joint work fade over a few years",
            "Share of a tie's strength lost each week with no blame."),
    _weight("tie_decay_blame", 0.1, "share per week per unit of blame exposure",
            "blame between organisations breaks working relationships fast",
            "Extra weekly loss of tie strength per unit of the two organisations' mean blame exposure."),
    _weight("tie_floor", 0.05, "tie strength", "a tie this weak is no longer a working relationship",
            "Strength below which a tie is dropped."),
    _weight("turnover_factor_acute", 1.0, "multiple of base_turnover_per_year",
            "the hospital is the reference: base_turnover_per_year is set from NHS trusts' leaver rates",
            "Baseline turnover of the acute hospital's staff relative to base_turnover_per_year.", hi=5.0),
    _weight("turnover_factor_community", 1.0, "multiple of base_turnover_per_year",
            "community health is an NHS trust like the hospital",
            "Baseline turnover of community health's staff relative to base_turnover_per_year.", hi=5.0),
    Coefficient("turnover_factor_social_care", 2.3, "multiple of base_turnover_per_year", (0.0, 5.0),
                "set so that the default place's social care turnover, with burnout on top, is near the 30.8% "
                "a year Skills for Care (2019) reports",
                "Baseline turnover of social care's staff relative to base_turnover_per_year."),
    _weight("turnover_factor_primary_care", 0.8, "multiple of base_turnover_per_year",
            "general practice keeps its staff a little longer than trusts",
            "Baseline turnover of primary care's staff relative to base_turnover_per_year.", hi=5.0),
    _weight("turnover_factor_voluntary", 1.4, "multiple of base_turnover_per_year",
            "short-term funding and low pay in the voluntary sector",
            "Baseline turnover of the voluntary sector's staff relative to base_turnover_per_year.", hi=5.0),
    _weight("freeze_weeks", 4, "weeks of budget", "a month's deficit makes finance directors freeze posts",
            "Running deficit, in weeks of the organisation's budget, beyond which it freezes recruitment.", hi=52.0),
    _weight("freeze_vacancy_factor", 2.0, "multiple of vacancy_weeks", "a freeze holds posts open about as long again",
            "Mean vacancy during a recruitment freeze, as a multiple of vacancy_weeks.", lo=1.0, hi=10.0),
    _weight("newcomer_stress", 0.2, "stress 0-1", "newcomers start fresh, a little below the workforce's mean",
            "Stress of a newcomer in their first week."),
)
__doc__ = COEFFICIENTS.document(__doc__)


def _attitudes(s):  # noqa: N802 - reads as the constant list it is
    """The attitudes that peers and leaders pull towards the organisation's norm."""
    return (s.defensiveness, s.mindset, s.agency, s.openness)


def _turnover_factor(k) -> np.ndarray:
    """Each organisation kind's baseline turnover relative to base_turnover_per_year, in the order of ORG_KINDS."""
    return np.array([getattr(k, f"turnover_factor_{kind}") for kind in ORG_KINDS])


def init(model) -> None:
    """The same starting attitudes in every scenario: the place as it is today; the leavers of the
    turnover window (``TURNOVER_WINDOW`` weeks) start at the rate those attitudes imply."""
    s = model.staff
    k = model.coef.culture
    rng = model.streams["staff"]
    n = s.n
    s.defensiveness[:] = rng.beta(k.defensiveness_start_a, k.defensiveness_start_b, n)
    s.mindset[:] = rng.beta(k.mindset_start_a, k.mindset_start_b, n)
    s.agency[:] = rng.beta(k.agency_start_a, k.agency_start_b, n)
    s.stress[:] = rng.beta(k.stress_start_a, k.stress_start_b, n)
    s.openness[:] = rng.beta(k.openness_start_a, k.openness_start_b, n)
    p = model.params
    expected = (p.base_turnover_per_year * _turnover_factor(k)[s.org]
                + p.burnout_turnover_per_year * s.stress ** 2) / 52
    n_orgs = len(model.organisations)
    model.leavers = np.tile(np.bincount(s.org, weights=expected, minlength=n_orgs), (TURNOVER_WINDOW, 1))


def _org_norm(values: np.ndarray, org: np.ndarray, filled: np.ndarray, senior: np.ndarray, k: int,
              leader_weight: float) -> np.ndarray:
    """Each organisation's norm: its filled staff's mean and its senior leaders' mean (the staff's
    where it has none), the leaders' weighing ``leader_weight``."""
    w_all = np.bincount(org, weights=filled, minlength=k)
    m_all = np.bincount(org, weights=values * filled, minlength=k) / np.maximum(w_all, 1)
    sen = filled & senior
    w_sen = np.bincount(org, weights=sen, minlength=k)
    m_sen = np.where(w_sen > 0, np.bincount(org, weights=values * sen, minlength=k) / np.maximum(w_sen, 1), m_all)
    return (1 - leader_weight) * m_all + leader_weight * m_sen


def step(model) -> None:
    s = model.staff
    p = model.params
    c = model.coef.culture
    orgs = model.orgs
    rng = model.streams["culture"]
    k = len(model.organisations)
    org = s.org
    excess = np.maximum(orgs.pressure - 1, 0)[org]
    expo = np.minimum(1, orgs.exposure)[org]
    safety = orgs.psych_safety[org]
    st = model.style
    s.stress += c.stress_rate * (np.clip(c.stress_base + c.stress_pressure * excess + c.stress_blame * expo
                                         + c.stress_defensive_work * s.time[:, DEFENSIVE], 0, 1) - s.stress)
    d_target = (c.defensiveness_base + p.threat_rigidity * (excess + c.defensiveness_stress * s.stress)
                + c.defensiveness_blame * expo - c.defensiveness_safety * safety)
    s.defensiveness += c.defensiveness_rate * (np.clip(d_target, 0, 1) - s.defensiveness)
    ties = np.minimum(1, tie_sum(model) / c.ties_full)
    senior = s.role == SENIOR
    m_target = np.where(senior, c.leader_mindset_base + c.leader_mindset_ambition * st["shared_ambition"][org]
                        + c.leader_mindset_ties * ties,
                        c.mindset_base + c.mindset_ties * ties) - c.mindset_defensiveness * s.defensiveness
    s.mindset += c.mindset_rate * (np.clip(m_target, 0, 1) - s.mindset)
    a_target = (c.agency_base + c.agency_ceding * st["ceding"][org] * (1 - s.defensiveness)
                + c.agency_safety * safety + s.initiative)
    s.agency += c.agency_rate * (np.clip(a_target, 0, 1) - s.agency)
    o_target = np.where(senior, st["citizen_involvement"][org], c.openness_habit)
    s.openness += c.openness_rate * (o_target - s.openness)
    for col in _attitudes(s):
        norm = _org_norm(col, org, s.filled, senior, k, c.leader_weight)
        col += p.peer_influence * (norm[org] - col)
        np.clip(col, 0, 1, out=col)
    np.clip(s.stress, 0, 1, out=s.stress)
    # Ties decay, faster under blame.
    if model.tie_keys.size:
        n = s.n
        a, b = model.tie_keys // n, model.tie_keys % n
        decay = c.tie_decay + c.tie_decay_blame * (np.minimum(1, orgs.exposure)[org[a]]
                                                   + np.minimum(1, orgs.exposure)[org[b]]) / 2
        model.tie_w *= 1 - decay
        keep = (model.tie_w >= c.tie_floor) & s.filled[a] & s.filled[b]
        model.tie_keys, model.tie_w = model.tie_keys[keep], model.tie_w[keep]
    # Turnover and vacancies.
    week = model.week
    frozen = orgs.balance < -c.freeze_weeks * orgs.budget
    rate = (p.base_turnover_per_year * _turnover_factor(c)[org] + p.burnout_turnover_per_year * s.stress ** 2) / 52
    staff_rows = np.arange(s.n)
    leave = s.filled & (model.draws.uniform("culture.leave_post", staff_rows) < rate)
    n_leave = int(leave.sum())
    if n_leave:
        mean_wait = p.vacancy_weeks * np.where(frozen[org[leave]], c.freeze_vacancy_factor, 1.0)
        s.filled[leave] = False
        wait = model.draws.exponential("culture.vacancy", staff_rows[leave], mean_wait)
        s.vacant_until[leave] = week + np.ceil(wait).astype(np.int32)
    refill = ~s.filled & ~leave & (s.vacant_until <= week)
    n_refill = int(refill.sum())
    if n_refill:
        for col in _attitudes(s):
            norm = _org_norm(col, org, s.filled, senior, k, c.leader_weight)
            col[refill] = norm[org[refill]]
        s.stress[refill] = c.newcomer_stress
        s.initiative[refill] = model.draws.normal("culture.newcomer_initiative", staff_rows[refill],
                                                  model.coef.workforce.initiative_sd)
        s.tenure[refill] = 0
        s.beliefs[refill] = random_beliefs(n_refill, p.knowledge_dims, rng)
        s.filled[refill] = True
    s.tenure += s.filled
    model.leavers = np.roll(model.leavers, 1, axis=0)
    model.leavers[0] = np.bincount(org[leave], minlength=k)
    w = model.w
    w["staff_turnover_rate"] = model.leavers.sum(axis=1).mean() * 52 / max(s.n, 1)
    by_org = model.leavers.mean(axis=0) * 52 / np.maximum(orgs.posts, 1)
    w["social_care_turnover_rate"] = by_org[Org.SOCIAL_CARE]
    w["social_care_vacancy_rate"] = 1 - s.filled[org == Org.SOCIAL_CARE].mean()
    filled = s.filled
    w["staff_highly_stressed_share"] = (s.stress[filled] > HIGHLY_STRESSED).mean() if filled.any() else 0.0
    w["vacancy_rate"] = 1 - s.filled.mean()
    w["ties_across_boundaries"] = model.tie_keys.size
