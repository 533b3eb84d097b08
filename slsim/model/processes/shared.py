"""Rules, draws and coefficients that several processes use: none of them is a process of its own.

Keeping them here lets every process import this module and the place, never another process.

**The care pathway** (block ``pathway``). A citizen's care need (0-1) decides what they need to
leave hospital and to live at home:

* need (the larger of health and care need) above {need_threshold} makes a citizen at home seek
  support and possibly raise their voice;
* a medically fit patient with care need from {home_care_need} needs a home-care package to leave,
  from {step_down_need} step-down care, from {care_home_need} a care home (citizens at home at the
  care-home level move into one when a place is free);
* the council funds home care above care need {eligibility_start} when the place opens (the line
  then moves with rationing and slack, see home care);
* each week {patient_choice_delay:.0%} of assessed patients with a place waiting still do not
  leave, for patient or family reasons;
* services were staffed for {direct_planned:.0%} of staff hours on direct care when the place
  opened.

**Access** (block ``access``): insiders reach services with weight 1; outsiders with
``{outsider_floor} + {outsider_outreach} x outreach``, where outreach is the community-facing
organisations' time spent involving citizens (see time use): only outreach reaches them.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient, document

PATHWAY = Block(
    "pathway",
    Coefficient("need_threshold", 0.4, "need score 0-1", (0.1, 0.9),
                f"{ASSUMPTION} a citizen seeks support once need is well above the starting mean (0.30)",
                "Need (the larger of health and care need) above which a citizen at home seeks support."),
    Coefficient("home_care_need", 0.47, "care need 0-1", (0.2, 0.9),
                f"{ASSUMPTION} set in the rework of the default place so that delays reach England's magnitude "
                "(docs/model.md, section 7); not fitted",
                "Care need from which a medically fit patient needs a home-care package to leave hospital."),
    Coefficient("step_down_need", 0.55, "care need 0-1", (0.2, 0.95),
                f"{ASSUMPTION} between the home-care and care-home lines",
                "Care need from which a medically fit patient needs step-down (intermediate) care."),
    Coefficient("care_home_need", 0.62, "care need 0-1", (0.3, 1.0),
                f"{ASSUMPTION} set with the care-home places so that the default place's homes start near full",
                "Care need from which a patient needs a care home, and a citizen at home moves into one."),
    Coefficient("eligibility_start", 0.5, "care need 0-1", (0.1, 0.95),
                f"{ASSUMPTION} councils fund the upper half of care need (most funded only 'substantial' and "
                "'critical' need under the FACS bands before the Care Act 2014)",
                "Care need above which the council funds home care when the place opens.", setup=True),
    Coefficient("patient_choice_delay", 0.1, "probability per week", (0.0, 0.5),
                "'patient or family choice' was about a tenth of delayed days in NHS England's DToC "
                "statistics (2016/17)",
                "Weekly chance that an assessed patient with a place waiting does not leave, for patient or "
                "family reasons."),
    Coefficient("direct_planned", 0.88, "share of staff hours", (0.5, 1.0),
                f"{ASSUMPTION} most hours on direct care, the rest on meetings, training and paperwork",
                "Share of staff hours on direct care that services were staffed for when the place opened.",
                setup=True),
)

ACCESS = Block(
    "access",
    Coefficient("outsider_floor", 0.4, "access weight", (0.0, 1.0),
                f"{ASSUMPTION} outsiders reach services less than half as easily without outreach (Arnstein 1969)",
                "Weight with which an outsider reaches services when nobody reaches out."),
    Coefficient("outsider_outreach", 0.6, "access weight at full outreach", (0.0, 1.0),
                f"{ASSUMPTION} full outreach brings outsiders to insiders' access (floor + this = 1)",
                "Rise of an outsider's access weight from no outreach to full outreach."),
)

COEFFICIENTS = (PATHWAY, ACCESS)
__doc__ = document(__doc__, PATHWAY, ACCESS)


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
    """How easily a citizen reaches services (block ``access`` above): 1 for insiders, rising with
    outreach for outsiders."""
    k = model.coef.access
    return np.where(outsider, k.outsider_floor + k.outsider_outreach * model.outreach, 1.0)


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
