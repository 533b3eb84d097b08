"""Common random numbers per person: each person's own random events, keyed by who and when.

A person's crisis, fall in need, referral, length of stay, place in a queue or decision to leave a
post is drawn from a number keyed by the run's seed, the decision, the person's permanent row and
the week (Starsim's slot-indexed common random numbers; Klein et al. 2024). It does not depend on how
many other people drew that week or in what order they were processed, so two runs of the same
place with the same seed give the same person the same draws until what happens to them differs:
a comparison of two cultures shows what the culture changed, not whose turn it was to be unlucky.

The numbers come from SplitMix64 (Steele, Lea and Flood 2014), a counter-based generator whose
output at any position can be computed directly: the uniform at position ``i`` of a stream is the
SplitMix64 finaliser applied to ``base + (i + 1) * golden``, where ``base`` hashes (seed, decision,
week) and the position is the person's row. Other distributions are the inverse of their
cumulative distribution at that uniform, so one person's draw stays one number.

Events of organisations and teams (incidents, blame, pilots, joint-work episodes, socialisation)
stay on each process's own stream (:data:`slsim.model.processes.STREAMS`).
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import special, stats

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: the top 53 bits as a double in [0, 1)


def _mix(z: np.ndarray) -> np.ndarray:
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def _mix_int(z: int) -> int:
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def decision_id(name: str) -> int:
    """A decision's fixed number, from its name (the same in every run and every version)."""
    return zlib.crc32(name.encode())


def stream_base(seed: int, decision: int, week: int) -> int:
    """The base of one decision's draws in one week of one run (a 64-bit hash)."""
    z = _mix_int(seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019)
    z = _mix_int(z ^ (decision * 0xD6E8FEB86659FD93 + 0x7F4A7C15))
    return _mix_int(z ^ ((week & _MASK) * 0xA0761D6478BD642F + 0x3C6EF372FE94F82B))


def uniforms(base: int, positions: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1), one per position, each a function of (base, position) alone."""
    with np.errstate(over="ignore"):
        z = np.uint64(base) + (np.asarray(positions).astype(np.uint64) + np.uint64(1)) * _GOLDEN
        return (_mix(z) >> np.uint64(11)).astype(np.float64) * _TO_UNIT


class PersonDraws:
    """The keyed draws of one run: ``draws.uniform("needs.crisis", rows)`` is the same for a row in
    any run of the same seed and week, whoever else drew.

    ``week`` is the run's current week (read from the model at each call).
    """

    def __init__(self, model) -> None:
        self._model = model
        self._seed = int(model.seed)

    def uniform(self, decision: str, rows: np.ndarray, width: int = 0, week: int | None = None) -> np.ndarray:
        """One uniform in [0, 1) per row (``width`` > 0: per row and column, shape (len(rows), width))."""
        week = self._model.week if week is None else week
        base = stream_base(self._seed, decision_id(decision), week)
        rows = np.asarray(rows, dtype=np.int64)
        if width:
            positions = rows[:, None] * width + np.arange(width)
            return uniforms(base, positions.ravel()).reshape(len(rows), width)
        return uniforms(base, rows)

    def _open(self, decision: str, rows: np.ndarray) -> np.ndarray:
        """Uniforms in (0, 1): safe for logarithms and inverse distribution functions."""
        return 1.0 - self.uniform(decision, rows)

    def normal(self, decision: str, rows: np.ndarray, sd: float | np.ndarray, mean: float = 0.0) -> np.ndarray:
        return mean + sd * special.ndtri(self._open(decision, rows))

    def geometric(self, decision: str, rows: np.ndarray, p: float | np.ndarray) -> np.ndarray:
        """Trials to the first success (1, 2, ...), chance ``p`` each."""
        u = self._open(decision, rows)
        p = np.asarray(p, dtype=float)
        trials = np.ceil(np.log(u) / np.log1p(-np.minimum(p, 1 - 1e-12)))
        return np.maximum(1, np.where(p >= 1, 1, trials)).astype(np.int64)

    def exponential(self, decision: str, rows: np.ndarray, mean: float | np.ndarray) -> np.ndarray:
        return -np.log(self._open(decision, rows)) * mean

    def beta(self, decision: str, rows: np.ndarray, a: float, b: float) -> np.ndarray:
        return stats.beta.ppf(self.uniform(decision, rows), a, b)

    def integers(self, decision: str, rows: np.ndarray, low: int, high: int) -> np.ndarray:
        """Whole numbers from ``low`` up to but not including ``high``."""
        return low + np.floor(self.uniform(decision, rows) * (high - low)).astype(np.int64)

    def order(self, decision: str, rows: np.ndarray) -> np.ndarray:
        """``rows`` in a random order keyed by row (a person keeps their place in the draw)."""
        rows = np.asarray(rows)
        return rows[np.argsort(self.uniform(decision, rows), kind="stable")]

    def pick(self, decision: str, candidates: np.ndarray, weights: np.ndarray | None, k: int) -> np.ndarray:
        """``k`` candidates without replacement, each with chance in proportion to its weight, in the
        order drawn (Efraimidis and Spirakis 2006: the ``k`` largest of log(u) / w), keyed by row."""
        candidates = np.asarray(candidates)
        if k <= 0 or len(candidates) == 0:
            return candidates[:0]
        keys = np.log(self._open(decision, candidates))
        if weights is not None:
            keys = keys / np.maximum(weights, 1e-12)
        if k >= len(candidates):
            return candidates[np.argsort(-keys, kind="stable")]
        top = np.argpartition(-keys, k - 1)[:k]
        return candidates[top[np.argsort(-keys[top], kind="stable")]]
