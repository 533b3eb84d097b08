"""Rules and draws that several processes use: none of them is a process of its own.

Keeping them here lets every process import this module and the place, never another process.
"""

from __future__ import annotations

import numpy as np

# Need (the larger of health and care need, 0-1) above which a citizen at home seeks support and
# may raise their voice.
NEED_THRESHOLD = 0.4
# Care need at or above which a medically fit patient needs a package or place to leave hospital:
# home care from 0.5, step-down care from 0.57, a care home from 0.63; citizens at home at the care
# home level move into one when a place is free.
HOME_CARE_NEED, STEP_DOWN_NEED, CARE_HOME_NEED = 0.47, 0.55, 0.62
# Chance a week that an assessed patient with a place waiting still does not leave, for patient or
# family reasons: "patient or family choice" was about a tenth of delayed days in NHS England's
# DToC statistics (2016/17).
PATIENT_CHOICE_DELAY = 0.1
# Share of staff hours on direct care that services were staffed for when the place opened.
DIRECT_PLANNED = 0.88
# Care need above which the council funds home care when the place opens (the line then moves
# with rationing and slack, see home care).
ELIGIBILITY_START = 0.5


def stochastic_round(x: float, rng) -> int:
    """Round x up with probability equal to its fractional part (unbiased over weeks)."""
    base = int(np.floor(x))
    return base + int(rng.random() < x - base)


def weighted_pick(rng, candidates: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """k candidates without replacement with probability in proportion to weight, in the order
    drawn (Efraimidis & Spirakis 2006: the k largest of log(u) / w)."""
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    keys = np.log(rng.random(len(candidates))) / np.maximum(weights, 1e-12)
    if k >= len(candidates):
        return candidates[np.argsort(-keys, kind="stable")]
    top = np.argpartition(-keys, k - 1)[:k]
    return candidates[top[np.argsort(-keys[top], kind="stable")]]


def access_weight(model, outsider: np.ndarray) -> np.ndarray:
    """How easily a citizen reaches services: 1 for insiders; for outsiders 0.4 + 0.6 x outreach
    (the community-facing organisations' time spent involving citizens, see time use)."""
    return np.where(outsider, 0.4 + 0.6 * model.outreach, 1.0)


def build_trust(trust: np.ndarray, rate: float, n: np.ndarray) -> np.ndarray:
    """Trust after ``n`` small wins (per pair), each closing ``rate`` of the gap to 1."""
    return 1 - (1 - trust) * (1 - rate) ** n


# ---------------------------------------------------------------- ties between staff
# Ties are a sorted array of keys (lo * n_staff + hi for the pair of staff rows lo < hi) with a
# strength each: joint work makes and strengthens them, culture decays and drops them.
def tie_key(model, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The key of the tie between staff rows i and j (the same either way round)."""
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


def tie_sum(model) -> np.ndarray:
    """Summed strength of each staff member's ties across boundaries."""
    n = model.staff.n
    if model.tie_keys.size == 0:
        return np.zeros(n)
    a, b = model.tie_keys // n, model.tie_keys % n
    return np.bincount(a, weights=model.tie_w, minlength=n) + np.bincount(b, weights=model.tie_w, minlength=n)
