"""Joint work across boundaries: cross-boundary hours become joint pieces of work.

Rules (all staff at once):

* A staff member with ``h`` cross-boundary hours this week takes part in a Poisson(``h / 4``)
  number of joint pieces of work, each four hours long.
* Each piece is with a partner organisation drawn from :data:`PARTNERS` (the care pathway:
  the hospital works mostly with social care and community health, primary care with community
  health and the voluntary sector, ...) and a random filled post there.
* A piece succeeds (a "small win", Vangen & Huxham 2003) with probability
  ``0.2 + 0.5 * trust(o, p) + 0.3 * tie(i, j)``: trust between the two organisations and an existing
  tie between the two people both help.
* Successful hours between the hospital and social care or community health become discharge
  assessments (``assessment_hours`` each, fewer once pilots such as trusted assessors are scaled).
  Besides this joint channel there is always the formal one: 1.5% of social care's and community
  health's direct hours go to hospital discharge teams working by referral and hand-off, which
  takes twice the hours per assessment. When delays run above the national target (3.5% of
  beds), managers escalate and divert more direct time there: the formal share is multiplied by
  last week's delayed transfers over the target number, at least 1 and at most 3 times;
  the other successful hours become joined-up support for citizens with complex needs
  (``joint_case_hours`` per citizen-week).
* Small wins build trust: each win per 10 posts of the pair closes ``trust_build`` of the gap to 1
  (``trust = 1 - (1 - trust) * (1 - trust_build) ** n``, so trust never passes 1), and each win
  strengthens the tie between the two people by 0.25 (a new tie if none; at most 1).
"""

from __future__ import annotations

import numpy as np

from ..place import COMMUNITY_FACING, DISCHARGE_PAIRS, DTOC_TARGET, LINKED, PARTNERS, Org
from ..population import CROSS, DIRECT
from .shared import add_ties, build_trust, tie_strength

OWNS = ("trust", "tie_keys", "tie_w", "discharge_capacity", "joint_case_capacity")
READS = ("org_hours", "delayed_now")
WRITES = ()
TALLIES = ("joint_work_wins",)

EPISODE_HOURS = 4.0
FORMAL_DISCHARGE_SHARE = 0.015
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
    s = model.staff
    rng = model.streams["joint_work"]
    n0 = max(1, s.n // 10)
    i = rng.integers(0, s.n, n0)
    j = rng.integers(0, s.n, n0)
    keep = s.org[i] != s.org[j]
    add_ties(model, i[keep], j[keep], 0.3)


def step(model) -> None:
    s = model.staff
    p = model.params
    rng = model.streams["joint_work"]
    k = len(model.organisations)
    cross_hours = s.hours * s.time[:, CROSS]
    n_ep = rng.poisson(cross_hours / EPISODE_HOURS)
    who = np.repeat(np.arange(s.n), n_ep)
    o = s.org[who].astype(np.intp)
    partner = (rng.random(len(who))[:, None] > _CUM[o]).sum(axis=1)
    partner = np.minimum(partner, k - 1)
    # A random filled post in the partner organisation (rows grouped by organisation).
    filled_rows = np.flatnonzero(s.filled)
    by_org = filled_rows[np.argsort(s.org[filled_rows], kind="stable")]
    counts = np.bincount(s.org[filled_rows], minlength=k)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    u = rng.random(len(who))
    has = counts[partner] > 0  # a partner organisation with every post vacant offers no one
    mate = np.full(len(who), -1, np.intp)
    pick = starts[partner[has]] + np.floor(u[has] * counts[partner[has]]).astype(np.intp)
    mate[has] = by_org[pick]
    tie = np.zeros(len(who))
    tie[has] = tie_strength(model, who[has], mate[has])
    p_win = 0.2 + 0.5 * model.trust[o, partner] + 0.3 * tie
    win = has & (rng.random(len(who)) < p_win)
    wins = np.zeros((k, k))
    np.add.at(wins, (o[win], partner[win]), 1.0)
    wins = wins + wins.T
    imp = model.orgs.improvement
    discharge_hours = (wins * DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
    case_hours = (wins * ~DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
    # Scaled pilots (e.g. trusted assessors) cut the hours an assessment takes.
    target = DTOC_TARGET * model.beds
    # delayed_now still holds last week's count: the hospital runs later in the week.
    escalation = min(3.0, max(1.0, model.delayed_now / target))
    formal_hours = FORMAL_DISCHARGE_SHARE * escalation * model.org_hours[[Org.COMMUNITY, Org.SOCIAL_CARE], DIRECT].sum()
    improvement = (imp[Org.ACUTE] + imp[Org.SOCIAL_CARE]) / 2
    model.discharge_capacity = (discharge_hours + formal_hours / 2) * (1 + improvement) / p.assessment_hours
    model.joint_case_capacity = case_hours * (1 + imp[COMMUNITY_FACING].mean()) / p.joint_case_hours
    posts = model.orgs.posts
    pair_posts = posts[:, None] + posts[None, :]
    model.trust[:] = build_trust(model.trust, p.trust_build, wins * 10 / np.maximum(pair_posts, 1) * LINKED)
    add_ties(model, who[win], mate[win], 0.25)
    model.w["joint_work_wins"] = wins.sum() / 2
