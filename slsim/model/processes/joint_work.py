"""Joint work across boundaries: cross-boundary hours become joint pieces of work.

Rules (all staff at once):

* A staff member with ``h`` cross-boundary hours this week takes part in a Poisson(``h / 4``)
  number of joint pieces of work, each four hours long.
* Each piece is with a partner organisation drawn from :data:`PARTNERS` (the care pathway:
  the hospital works mostly with social care and community health, primary care with community
  health and the voluntary sector, ...) and a random post of the person's counterpart team there:
  staff work in teams of 12, and each team works with one team in each partner organisation
  (teams matched in proportion to the organisations' sizes), so people meet the same few people
  again whatever the size of the place. A vacant post offers no one that week.
* A piece succeeds (a "small win", Vangen & Huxham 2003) with probability
  ``0.2 + 0.5 * trust(o, p) + 0.3 * tie(i, j)``: trust between the two organisations and an existing
  tie between the two people both help.
* **Discharge assessments** come from two channels. The formal one does most of the work: 1.1% of
  social care's and community health's direct hours go to hospital discharge teams working by
  referral and hand-off. Each assessment takes ``assessment_hours * (1 + 1.5 * (1 - trust))`` there,
  where trust is between the hospital and that partner: where the two sides trust each other,
  fewer forms are redone, fewer cases bounce back and assessments are accepted across the
  boundary (trusted assessors). When delays run above the national target (3.5% of beds),
  managers escalate and divert more direct time there: the formal share is multiplied by the
  recent level of delays (smoothed, see hospital flow) over the target number, at least 1 and at
  most 3 times; those hours are taken from direct care (in social care, from home care). The joint
  channel adds a fifth of the successful joint hours between the hospital and social care or
  community health, ``assessment_hours`` each (the rest join up care for people at home).
  Scaled pilots (trusted assessors, discharge to assess) cut the hours of both.
* The other successful joint hours become joined-up support for citizens with complex needs
  (``joint_case_hours`` per citizen-week).
* The formal share (1.1%) and the weight of distrust (1.5) are modelling assumptions, set so that
  the default place's delays are near England's (docs/model.md, calibration).
* Small wins build trust: each win per 10 posts of the pair closes ``trust_build`` of the gap to 1
  (``trust = 1 - (1 - trust) * (1 - trust_build) ** n``, so trust never passes 1), and each win
  strengthens the tie between the two people by 0.25 (a new tie if none; at most 1).
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import COMMUNITY_FACING, DISCHARGE_PAIRS, DTOC_TARGET, LINKED, ORG_KINDS, PARTNERS, Org
from slsim.model.population import CROSS, DIRECT, TEAM_SIZE
from slsim.model.processes.shared import add_ties, build_trust, tie_strength

OWNS = ("trust", "tie_keys", "tie_w", "discharge_capacity", "joint_case_capacity", "formal_discharge_hours")
READS = ("org_hours", "delayed_trend")
WRITES = ()
TALLIES = ("joint_work_wins",)

EPISODE_HOURS = 4.0
FORMAL_DISCHARGE_SHARE = 0.011  # modelling assumption, set so the default place's delays are near England's
DISCHARGE_TEAMS = [Org.COMMUNITY, Org.SOCIAL_CARE]
# Share of the hospital's successful joint hours with social care and community health that go to
# discharges; the rest join up care for people at home (modelling assumption).
JOINT_DISCHARGE_SHARE = 0.2
HANDOFF = 1.5  # extra share of an assessment's hours per unit of distrust (modelling assumption)
_CUM = PARTNERS.cumsum(axis=1)


def init(model) -> None:
    """Trust between linked organisations starts at 0.5; a few ties already exist (one per ten
    posts); no joint work has yet made assessments or joined-up care."""
    model.trust = np.where(LINKED, 0.5, 0.0)
    np.fill_diagonal(model.trust, 0.0)
    model.tie_keys = np.zeros(0, np.int64)
    model.tie_w = np.zeros(0)
    model.discharge_capacity = 0.0
    model.joint_case_capacity = 0.0
    model.formal_discharge_hours = np.zeros(len(ORG_KINDS))  # direct hours on formal discharge work
    s = model.staff
    rng = model.streams["joint_work"]
    n0 = max(1, s.n // 10)
    i = rng.integers(0, s.n, n0)
    partner = _partner_of(s.org[i].astype(np.intp), rng)
    j, has = _counterparts(model, i, partner, rng.random(n0), filled_only=False)
    add_ties(model, i[has], j[has], 0.3)


def _partner_of(o: np.ndarray, rng) -> np.ndarray:
    """A partner organisation for each of ``o``, drawn by the care pathway's weights."""
    return np.minimum((rng.random(len(o))[:, None] > _CUM[o]).sum(axis=1), len(ORG_KINDS) - 1)


def _counterparts(model, who: np.ndarray, partner: np.ndarray, u: np.ndarray,
                  filled_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A post of each person's counterpart team in the partner organisation (rows are grouped by
    organisation, teams of TEAM_SIZE consecutive rows); and whether it offers anyone (filled)."""
    s = model.staff
    k = len(ORG_KINDS)
    size = np.bincount(s.org, minlength=k)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    teams = -(-size // TEAM_SIZE)
    o = s.org[who].astype(np.intp)
    team = (s.team[who].astype(np.int64) * teams[partner]) // np.maximum(teams[o], 1)
    start = first[partner] + team * TEAM_SIZE
    width = np.minimum(TEAM_SIZE, size[partner] - team * TEAM_SIZE)
    mate = start + np.floor(u * width).astype(np.intp)
    has = width > 0
    if filled_only:
        has &= s.filled[np.where(has, mate, 0)]
    return mate, has


def step(model) -> None:
    s = model.staff
    p = model.params
    rng = model.streams["joint_work"]
    k = len(model.organisations)
    cross_hours = s.hours * s.time[:, CROSS]
    n_ep = rng.poisson(cross_hours / EPISODE_HOURS)
    who = np.repeat(np.arange(s.n), n_ep)
    o = s.org[who].astype(np.intp)
    partner = _partner_of(o, rng)
    mate, has = _counterparts(model, who, partner, rng.random(len(who)))
    tie = np.zeros(len(who))
    tie[has] = tie_strength(model, who[has], mate[has])
    p_win = 0.2 + 0.5 * model.trust[o, partner] + 0.3 * tie
    win = has & (rng.random(len(who)) < p_win)
    wins = np.zeros((k, k))
    np.add.at(wins, (o[win], partner[win]), 1.0)
    wins = wins + wins.T
    imp = model.orgs.improvement
    discharge_hours = JOINT_DISCHARGE_SHARE * (wins * DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
    case_hours = ((wins * ~DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
                  + (1 - JOINT_DISCHARGE_SHARE) * (wins * DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS)
    target = DTOC_TARGET * model.beds
    # The recent level of delays (the hospital updates it later in the week).
    escalation = min(3.0, max(1.0, model.delayed_trend / target))
    formal = np.zeros(k)
    formal[DISCHARGE_TEAMS] = FORMAL_DISCHARGE_SHARE * escalation * model.org_hours[DISCHARGE_TEAMS, DIRECT]
    model.formal_discharge_hours = formal
    friction = 1 + HANDOFF * (1 - model.trust[Org.ACUTE, DISCHARGE_TEAMS])
    # Scaled pilots (e.g. trusted assessors) cut the hours an assessment takes.
    improvement = (imp[Org.ACUTE] + imp[Org.SOCIAL_CARE]) / 2
    model.discharge_capacity = ((discharge_hours + (formal[DISCHARGE_TEAMS] / friction).sum())
                                * (1 + improvement) / p.assessment_hours)
    model.joint_case_capacity = case_hours * (1 + imp[COMMUNITY_FACING].mean()) / p.joint_case_hours
    posts = model.orgs.posts
    pair_posts = posts[:, None] + posts[None, :]
    model.trust[:] = build_trust(model.trust, p.trust_build, wins * 10 / np.maximum(pair_posts, 1) * LINKED)
    add_ties(model, who[win], mate[win], 0.25)
    model.w["joint_work_wins"] = wins.sum() / 2
