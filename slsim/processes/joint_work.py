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

from ..params import COMMUNITY_FACING, Org
from ..population import CROSS, DIRECT

EPISODE_HOURS = 4.0
FORMAL_DISCHARGE_SHARE = 0.015
DTOC_TARGET = 0.035  # uk_calibration.csv: delayed_transfer_target_share_of_beds (NHS mandate 2017/18)
# Where each organisation's cross-boundary time goes (rows: from; columns: to), in the order
# acute, community, social care, primary care, voluntary. Rows sum to 1.
PARTNERS = np.array([
    [0.00, 0.40, 0.50, 0.10, 0.00],
    [0.30, 0.00, 0.30, 0.25, 0.15],
    [0.40, 0.25, 0.00, 0.10, 0.25],
    [0.10, 0.40, 0.20, 0.00, 0.30],
    [0.05, 0.25, 0.35, 0.35, 0.00],
])
LINKED = (PARTNERS + PARTNERS.T) > 0
DISCHARGE_PAIRS = np.zeros((5, 5), bool)
DISCHARGE_PAIRS[0, 1] = DISCHARGE_PAIRS[1, 0] = DISCHARGE_PAIRS[0, 2] = DISCHARGE_PAIRS[2, 0] = True
_CUM = PARTNERS.cumsum(axis=1)


def build_trust(trust: np.ndarray, rate: float, n: np.ndarray) -> np.ndarray:
    """Trust after ``n`` small wins (per pair), each closing ``rate`` of the gap to 1."""
    return 1 - (1 - trust) * (1 - rate) ** n


def initial_trust(model) -> None:
    """Trust between linked organisations starts at 0.5; a few ties already exist (one per ten posts)."""
    model.trust = np.where(LINKED, 0.5, 0.0)
    np.fill_diagonal(model.trust, 0.0)
    model.tie_keys = np.zeros(0, np.int64)
    model.tie_w = np.zeros(0)
    s = model.staff
    rng = model.streams["joint_work"]
    n0 = max(1, s.n // 10)
    i = rng.integers(0, s.n, n0)
    j = rng.integers(0, s.n, n0)
    keep = s.org[i] != s.org[j]
    add_ties(model, i[keep], j[keep], 0.3)


def tie_key(model, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    return lo * model.staff.n + hi


def tie_strength(model, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Strength of the tie between staff rows i and j (0 where there is none)."""
    keys = tie_key(model, i, j)
    if model.tie_keys.size == 0:
        return np.zeros(len(keys))
    pos = np.searchsorted(model.tie_keys, keys)
    pos = np.minimum(pos, model.tie_keys.size - 1)
    found = model.tie_keys[pos] == keys
    return np.where(found, model.tie_w[pos], 0.0)


def add_ties(model, i: np.ndarray, j: np.ndarray, amount: float) -> None:
    """Strengthen the ties between pairs (i, j) by ``amount`` each time a pair appears (cap 1)."""
    if len(i) == 0:
        return
    keys, counts = np.unique(tie_key(model, i, j), return_counts=True)
    pos = np.searchsorted(model.tie_keys, keys)
    found = np.zeros(len(keys), bool)
    ok = pos < model.tie_keys.size
    found[ok] = model.tie_keys[pos[ok]] == keys[ok]
    model.tie_w[pos[found]] = np.minimum(1.0, model.tie_w[pos[found]] + amount * counts[found])
    new = ~found
    if new.any():
        all_keys = np.concatenate([model.tie_keys, keys[new]])
        all_w = np.concatenate([model.tie_w, np.minimum(1.0, amount * counts[new])])
        order = np.argsort(all_keys, kind="stable")
        model.tie_keys, model.tie_w = all_keys[order], all_w[order]


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
    episodes = np.zeros((k, k))
    np.add.at(episodes, (o, partner), 1.0)
    episodes = episodes + episodes.T
    imp = model.orgs.improvement
    discharge_hours = (wins * DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
    case_hours = (wins * ~DISCHARGE_PAIRS).sum() / 2 * EPISODE_HOURS
    # Scaled pilots (e.g. trusted assessors) cut the hours an assessment takes.
    target = DTOC_TARGET * model.beds
    escalation = min(3.0, max(1.0, model.w_last.get("delayed_transfers", 0.0) / target))
    formal_hours = FORMAL_DISCHARGE_SHARE * escalation * model.org_hours[[Org.COMMUNITY, Org.SOCIAL_CARE], DIRECT].sum()
    improvement = (imp[Org.ACUTE] + imp[Org.SOCIAL_CARE]) / 2
    model.discharge_capacity = (discharge_hours + formal_hours / 2) * (1 + improvement) / p.assessment_hours
    model.joint_case_capacity = case_hours * (1 + imp[COMMUNITY_FACING].mean()) / p.joint_case_hours
    posts = model.orgs.posts
    pair_posts = posts[:, None] + posts[None, :]
    model.trust[:] = build_trust(model.trust, p.trust_build, wins * 10 / np.maximum(pair_posts, 1) * LINKED)
    add_ties(model, who[win], mate[win], 0.25)
    model.w["joint_work_wins"] = wins.sum() / 2
    model.w["joint_work_episodes"] = episodes.sum() / 2
    model.pair_wins = wins
