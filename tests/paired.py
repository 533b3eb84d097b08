"""Paired statistics for the science tests: the same seeds in both arms (common random numbers),
so each seed gives one difference, and the test is over those differences.

Rule: a direction holds when a one-sided paired t-test over the seeds' differences rejects "no
effect or the other way" at 5% (``scipy.stats.ttest_rel``). The model is deterministic for a
given seed, so a test that passes passes every time; the statistic decides whether the effect is
large against seed-to-seed noise, which a per-seed threshold or a bare mean cannot say.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05
MIN_SEEDS = 8
SEEDS = tuple(range(1, 9))
"""Eight seeds: the fewest the science tests use (a paired t-test over 8 differences)."""


def paired_direction(base: Sequence[float], varied: Sequence[float], sign: int, what: str,
                     alpha: float = ALPHA) -> None:
    """Assert that ``varied`` is higher (``sign`` +1) or lower (-1) than ``base``, paired by seed.

    Fails with a line giving the mean difference, its 95% interval and the p-value. Identical
    differences in every seed (no noise) pass when they all point the right way."""
    base, varied = np.asarray(base, float), np.asarray(varied, float)
    assert len(base) == len(varied) >= MIN_SEEDS, f"{what}: a paired test needs at least {MIN_SEEDS} seeds"
    diff = varied - base
    if np.ptp(diff) == 0:
        assert sign * diff[0] > 0, f"{what}: the same difference {diff[0]:.4g} in every seed, the wrong way"
        return
    res = stats.ttest_rel(varied, base, alternative="greater" if sign > 0 else "less")
    ci = stats.ttest_1samp(diff, 0.0).confidence_interval(0.95)
    assert res.pvalue < alpha, (
        f"{what}: {base.mean():.4g} -> {varied.mean():.4g}, paired difference {diff.mean():+.4g} "
        f"(95% interval {ci.low:+.4g} to {ci.high:+.4g}, one-sided p = {res.pvalue:.3f} over {len(diff)} seeds)")
