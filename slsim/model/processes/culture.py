"""Culture, the network of ties across boundaries, and the workforce (stress, turnover, vacancies).

Leadership reaches people here, and only here, through what leaders themselves do: senior leaders
hold the attitudes their style sets, and everyone else is pulled towards their organisation's
norm, in which the leaders weigh half. Attitudes move a few per cent a week, so a new style takes
months to reach the frontline, and only attitudes (never a leadership setting) reach time use.

Rules (all staff at once, from this week's pressure and blame):

* **Stress** moves 10% a week towards ``0.25 + 0.5 * excess pressure + 0.4 * blame exposure
  + 0.3 * share of time on defensive work`` (clipped to [0, 1]).
* **Defensiveness** (threat rigidity, Staw, Sandelands & Dutton 1981) moves 10% a week towards
  ``0.25 + threat_rigidity * (excess pressure + 0.3 * stress) + 0.6 * blame exposure
  - 0.25 * psychological safety``.
* **Systems mindset** moves 5% a week towards ``0.2 + 0.4 * ties - 0.15 * defensiveness``, where
  ties is the person's summed tie strength across boundaries / 2 (at most 1): working with people
  in other organisations changes how you see the system. A senior leader's target is instead
  ``0.15 + 0.6 * shared_ambition + 0.25 * ties - 0.15 * defensiveness``: leaders who hold a shared
  ambition for the place see it whole first.
* **Agency** (acting rather than waiting for instruction) moves 5% a week towards
  ``0.2 + 0.5 * ceding * (1 - defensiveness) + 0.3 * psychological safety + initiative``, where
  ceding is how much leaders actually delegate and initiative a fixed personal trait drawn from
  Normal(0, 0.15): people take up decisions handed to them only as fast as they trust it.
* **Openness to citizens** (involving people in designing their support rather than consulting
  them late) moves 5% a week towards 0.1 (habit); a senior leader's towards
  ``citizen_involvement`` (what leaders ask for and do themselves).
* **Peers and leaders.** Each attitude is then pulled by ``peer_influence`` towards the
  organisation's norm: half the mean of its staff, half the mean of its senior leaders (leaders
  set the norm).
* **Ties decay** by ``2% + 10% x blame exposure`` (mean of the two organisations) a week and are
  dropped below 0.05; a leaver's ties go with them.
* **Turnover.** A person leaves with weekly probability
  ``(base_turnover_per_year * sector factor + burnout_turnover_per_year * stress**2) / 52``; the sector
  factors are 1 (acute, community), 1.6 (social care), 0.8 (primary care) and 1.4 (voluntary
  sector), so that the default place's social care turnover is near the 30.8% a year Skills for
  Care (2019) reports. The post stays vacant for an exponential time
  with mean ``vacancy_weeks``, twice that while the organisation is in a recruitment freeze
  (running deficit over four weeks of budget).
* **Newcomers** take the organisation's current norms (defensiveness, mindset, agency, openness), so culture
  persists through high turnover (Harrison & Carroll 1991); they bring fresh, random beliefs.
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import TURNOVER_FACTOR, Org
from slsim.model.population import DEFENSIVE, SENIOR, random_beliefs
from slsim.model.processes.shared import tie_sum

OWNS = ("leavers",)
READS = ("tie_keys", "tie_w")
WRITES = ("tie_keys", "tie_w")  # ties decay under blame, and a leaver's ties go with them
TALLIES = ("staff_turnover_rate", "social_care_turnover_rate", "social_care_vacancy_rate",
           "staff_highly_stressed_share", "vacancy_rate", "ties_across_boundaries")

TURNOVER_WINDOW = 13


def _attitudes(s):  # noqa: N802 - reads as the constant list it is
    """The attitudes that peers and leaders pull towards the organisation's norm."""
    return (s.defensiveness, s.mindset, s.agency, s.openness)


def init(model) -> None:
    """The same starting attitudes in every scenario: the place as it is today; the last 13
    weeks' leavers start at the rate those attitudes imply."""
    s = model.staff
    rng = model.streams["staff"]
    n = s.n
    s.defensiveness[:] = rng.beta(3.5, 6.5, n)
    s.mindset[:] = rng.beta(3.5, 6.5, n)
    s.agency[:] = rng.beta(4.5, 5.5, n)
    s.stress[:] = rng.beta(3, 7, n)
    s.openness[:] = rng.beta(2, 8, n)
    p = model.params
    expected = (p.base_turnover_per_year * TURNOVER_FACTOR[s.org] + p.burnout_turnover_per_year * s.stress ** 2) / 52
    k = len(model.organisations)
    model.leavers = np.tile(np.bincount(s.org, weights=expected, minlength=k), (TURNOVER_WINDOW, 1))


def _org_norm(values: np.ndarray, org: np.ndarray, filled: np.ndarray, senior: np.ndarray, k: int) -> np.ndarray:
    w_all = np.bincount(org, weights=filled, minlength=k)
    m_all = np.bincount(org, weights=values * filled, minlength=k) / np.maximum(w_all, 1)
    sen = filled & senior
    w_sen = np.bincount(org, weights=sen, minlength=k)
    m_sen = np.where(w_sen > 0, np.bincount(org, weights=values * sen, minlength=k) / np.maximum(w_sen, 1), m_all)
    return 0.5 * m_all + 0.5 * m_sen


def step(model) -> None:
    s = model.staff
    p = model.params
    orgs = model.orgs
    rng = model.streams["culture"]
    k = len(model.organisations)
    org = s.org
    excess = np.maximum(orgs.pressure - 1, 0)[org]
    expo = np.minimum(1, orgs.exposure)[org]
    safety = orgs.psych_safety[org]
    st = model.style
    s.stress += 0.1 * (np.clip(0.25 + 0.5 * excess + 0.4 * expo + 0.3 * s.time[:, DEFENSIVE], 0, 1) - s.stress)
    d_target = 0.25 + p.threat_rigidity * (excess + 0.3 * s.stress) + 0.6 * expo - 0.25 * safety
    s.defensiveness += 0.1 * (np.clip(d_target, 0, 1) - s.defensiveness)
    ties = np.minimum(1, tie_sum(model) / 2)
    senior = s.role == SENIOR
    m_target = np.where(senior, 0.15 + 0.6 * st["shared_ambition"][org] + 0.25 * ties,
                        0.2 + 0.4 * ties) - 0.15 * s.defensiveness
    s.mindset += 0.05 * (np.clip(m_target, 0, 1) - s.mindset)
    a_target = 0.2 + 0.5 * st["ceding"][org] * (1 - s.defensiveness) + 0.3 * safety + s.initiative
    s.agency += 0.05 * (np.clip(a_target, 0, 1) - s.agency)
    o_target = np.where(senior, st["citizen_involvement"][org], 0.1)
    s.openness += 0.05 * (o_target - s.openness)
    for col in _attitudes(s):
        norm = _org_norm(col, org, s.filled, senior, k)
        col += p.peer_influence * (norm[org] - col)
        np.clip(col, 0, 1, out=col)
    np.clip(s.stress, 0, 1, out=s.stress)
    # Ties decay, faster under blame.
    if model.tie_keys.size:
        n = s.n
        a, b = model.tie_keys // n, model.tie_keys % n
        decay = 0.02 + 0.1 * (np.minimum(1, orgs.exposure)[org[a]] + np.minimum(1, orgs.exposure)[org[b]]) / 2
        model.tie_w *= 1 - decay
        keep = (model.tie_w >= 0.05) & s.filled[a] & s.filled[b]
        model.tie_keys, model.tie_w = model.tie_keys[keep], model.tie_w[keep]
    # Turnover and vacancies.
    week = model.week
    frozen = orgs.balance < -4 * orgs.budget
    rate = (p.base_turnover_per_year * TURNOVER_FACTOR[org] + p.burnout_turnover_per_year * s.stress ** 2) / 52
    leave = s.filled & (rng.random(s.n) < rate)
    n_leave = int(leave.sum())
    if n_leave:
        mean_wait = p.vacancy_weeks * np.where(frozen[org[leave]], 2.0, 1.0)
        s.filled[leave] = False
        s.vacant_until[leave] = week + np.ceil(rng.exponential(mean_wait)).astype(np.int32)
    refill = ~s.filled & ~leave & (s.vacant_until <= week)
    n_refill = int(refill.sum())
    if n_refill:
        for col in _attitudes(s):
            norm = _org_norm(col, org, s.filled, senior, k)
            col[refill] = norm[org[refill]]
        s.stress[refill] = 0.2
        s.initiative[refill] = rng.normal(0, 0.15, n_refill)
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
    w["staff_highly_stressed_share"] = (s.stress[filled] > 0.5).mean() if filled.any() else 0.0
    w["vacancy_rate"] = 1 - s.filled.mean()
    w["ties_across_boundaries"] = model.tie_keys.size

