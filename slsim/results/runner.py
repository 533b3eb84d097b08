"""The run layer: one run, replicates, scenario comparisons, as tidy pandas frames.

Everything users do (the command line, the browser, sweeps) goes through :func:`run_one`, so a
number on screen is the number a researcher gets.

Every run is a :class:`~slsim.execution.RunRequest` executed by the execution layer
(:mod:`slsim.execution`), as sweeps and the browser's comparison are. Seeds follow its one scheme
(:class:`~slsim.execution.Seeds`): replicate ``r`` of a run with seed ``s`` uses the ``r``-th child
of ``numpy.random.SeedSequence(s)``, whatever the scenario and whichever process runs it. Two
scenarios compared with the same seed therefore share common random numbers, so their
difference reflects leadership, not luck.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from slsim.execution import (
    DEFAULT_WEEKS,
    ID_COLUMNS,
    SUMMARY_WEEKS,
    Executor,
    RunRequest,
    Seeds,
    executor_for,
    replicate_seeds,
    run_one,
    summary,
)
from slsim.model.metrics import OUTCOMES, describe
from slsim.model.params import ParameterError
from slsim.model.scenario import Scenario, resolve_scenario

__all__ = ["DEFAULT_WEEKS", "ID_COLUMNS", "SUMMARY_WEEKS", "Comparison", "Results", "TimelineWarning", "compare",
           "replicate_seeds", "run", "run_one", "run_requests", "timeline_notes"]


def run_requests(requests: list[RunRequest], processes: int | None = None,
                 progress: Callable[[int, int], None] | None = None, executor: Executor | None = None,
                 ) -> list[pd.DataFrame]:
    """The weekly frames of ``requests``, in request order, on ``executor`` (default: chosen by
    :func:`~slsim.execution.executor_for` from ``processes`` and the size of the work, and closed
    afterwards; one given by the caller stays open). A failed run raises its own exception."""
    if not requests:
        return []
    if executor is not None:
        return [res.weekly for res in executor.map(requests, progress)]
    with executor_for(requests, processes) as ex:
        return [res.weekly for res in ex.map(requests, progress)]


@dataclass
class Results:
    """Tidy weekly results of one or more scenarios: one row per scenario x replicate x week."""

    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(self.frame["scenario"]))

    def summary(self, weeks: int = SUMMARY_WEEKS) -> pd.DataFrame:
        """Each outcome's mean over the last ``weeks`` weeks, per scenario and replicate
        (:func:`slsim.execution.summary`, the rule sweeps summarise by too)."""
        return summary(self.frame, weeks, by=("scenario", "replicate"))

    def band(self, outcome: str, lo: float = 0.05, hi: float = 0.95, smooth: int = 1) -> pd.DataFrame:
        """Median and a (lo, hi) quantile band across replicates for each scenario and week.

        ``smooth`` > 1 first takes each replicate's rolling mean over that many weeks (weekly
        counts in a small place are noisy; the trend is what a reader needs to see).
        """
        frame = self.frame
        if smooth > 1:
            frame = frame[["scenario", "replicate", "week", outcome]].copy()
            frame[outcome] = (frame.groupby(["scenario", "replicate"], sort=False)[outcome]
                              .transform(lambda s: s.rolling(smooth, min_periods=1).mean()))
        g = frame.groupby(["scenario", "week"], sort=False)[outcome]
        return pd.DataFrame({"median": g.median(), "lo": g.quantile(lo), "hi": g.quantile(hi)}).reset_index()

    def plot(self, outcomes: Sequence[str] | None = None, **kwargs):
        """Weekly outcomes with bands across replicates, grouped as thinking, behaving, on the ground."""
        from slsim.results.plots import plot_results
        return plot_results(self, outcomes, **kwargs)

    def to_files(self, folder: str | Path, stem: str = "results") -> list[Path]:
        """Write CSV and Parquet data and, last, a JSON record of what made them with the files'
        checksums (each file atomically; the record's absence marks an interrupted set)."""
        from slsim.results.output import begin_set, finish_set, write_results
        begin_set(Path(folder), stem)
        paths = write_results(self, Path(folder), stem)
        return paths + [finish_set(Path(folder), stem, self.meta, paths)]


def run(scenario: str | Path | Scenario | None = None, weeks: int = DEFAULT_WEEKS, replicates: int = 1,
        seed: int = 0, params: dict[str, Any] | None = None, timeline: list[dict] | None = None,
        processes: int | None = None, progress: Callable[[int, int], None] | None = None,
        executor: Executor | None = None) -> Results:
    """Run one scenario with replicates; return tidy :class:`Results` (``.frame``, ``.plot()``).

    ``processes``: worker processes (default: a pool of every core when the work is worth it; 1:
    this process); or an ``executor`` of :mod:`slsim.execution` (e.g. a Dask cluster), left open.
    Example: ``slsim.run("systems_leadership", weeks=104, replicates=5).plot()``.
    """
    return _run_many([scenario], weeks, replicates, seed, params, timeline, processes, progress, executor)


class TimelineWarning(UserWarning):
    """A scenario's timeline will not do what the run's settings suggest (see :func:`timeline_notes`)."""


def timeline_notes(scenario: Scenario, weeks: int, params: dict[str, Any] | None = None,
                   timeline: list[dict] | None = None) -> list[str]:
    """What a run's settings and a scenario's timeline mean together, in words: events after the
    last week, which will not happen, and parameters given by the caller that an event changes
    later (the caller's value holds only until that week)."""
    events = scenario.timeline_with(timeline)
    notes = []
    late = sorted({ev.week for ev in events if ev.week > weeks})
    if late:
        notes.append(f"{scenario.name}: timeline events at week(s) {late} come after the run's {weeks} weeks "
                     f"and will not happen")
    for name in params or {}:
        weeks_set = sorted({ev.week for ev in events if name in ev.set and ev.week <= weeks})
        if weeks_set:
            notes.append(f"{scenario.name}: its timeline sets {name} at week(s) {weeks_set}; the value you gave "
                         f"holds until then")
    return notes


def _run_many(scenarios: Iterable, weeks, replicates, seed, params, timeline, processes, progress,
              executor=None, posterior=None) -> Results:
    resolved = [resolve_scenario(s) for s in scenarios]
    drawn: list[dict[str, float]] = [{}] * replicates
    if posterior is not None:
        from slsim.results.posterior import load_posterior
        posterior = load_posterior(posterior)
        both = sorted(set(posterior.parameters) & set(params or {}))
        if both:
            raise ParameterError(f"params: {', '.join(both)} also drawn from the posterior '{posterior.name}'; "
                                 "set it or draw it, not both")
        drawn = posterior.draws(replicates, seed)
    for sc in resolved:
        sc.params_with(params)  # fail early, in the caller's process, with a clear message
        for note in timeline_notes(sc, weeks, params, timeline):
            warnings.warn(note, TimelineWarning, stacklevel=3)
    seeds = Seeds(seed).replicates(replicates)
    overrides, events = dict(params or {}), tuple(timeline or ())
    runs = [(sc, r, s) for sc in resolved for r, s in enumerate(seeds)]
    # With a posterior, replicate r of every scenario runs on the same drawn parameter set (and
    # seed), so the differences between scenarios stay paired.
    requests = [RunRequest(sc, weeks, s, r, {**overrides, **drawn[r]}, events, run_id=i)
                for i, (sc, r, s) in enumerate(runs)]
    frames = run_requests(requests, processes, progress, executor)
    frame = pd.concat(frames, ignore_index=True)
    import mesa

    from slsim.provenance import stamp
    from slsim.results.output import sha256
    meta = {"scenarios": [sc.name for sc in resolved], "weeks": weeks, "replicates": replicates, "seed": seed,
            "replicate_seeds": seeds, "params": params or {}, "timeline": timeline or [],
            "scenario_params": {sc.name: sc.params_with(params).model_dump() for sc in resolved},
            "scenario_timelines": {sc.name: [ev.model_dump() for ev in sc.timeline_with(timeline)]
                                   for sc in resolved},
            "scenario_files": {sc.name: {"path": str(sc.path), "sha256": sha256(sc.path)}
                               for sc in resolved if sc.path is not None},
            **stamp(), "mesa_version": mesa.__version__}
    if posterior is not None:
        meta["posterior"] = posterior.describe() | {"replicate_params": drawn}
    return Results(frame, meta)


def _mean_difference(b, o, axis=-1):
    return o.mean(axis=axis) - b.mean(axis=axis)


def _percent_change(b, o, axis=-1):
    return 100 * (o.mean(axis=axis) / b.mean(axis=axis) - 1)


def _bca(statistic, b: np.ndarray, o: np.ndarray, level: float) -> tuple[float, float]:
    """The BCa interval of ``statistic(b, o)`` by ``scipy.stats.bootstrap`` over whole pairs
    (4,000 resamples, fixed seed). A statistic that is the same in every resample (e.g. identical
    differences) gets that value as both ends; where BCa's corrections cannot be computed (too few
    distinct pairs) the percentile interval of the same resamples is used."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Degenerate data (BCa's jackknife on identical pairs) are handled below, not warned about.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap((b, o), statistic, paired=True, vectorized=True, n_resamples=4000,
                              confidence_level=level, method="BCa", rng=np.random.default_rng(0))
    dist = res.bootstrap_distribution
    if not np.all(np.isfinite(dist)):
        return (np.nan, np.nan)  # undefined in some resamples (a percentage of a resampled zero baseline)
    if np.ptp(dist) <= 1e-12 * max(1.0, float(np.abs(dist).max())):  # the same in every resample
        return float(dist[0]), float(dist[0])
    lo, hi = res.confidence_interval
    if not (np.isfinite(lo) and np.isfinite(hi)):
        tail = (1 - level) / 2
        lo, hi = np.quantile(dist, [tail, 1 - tail])
    return float(lo), float(hi)


def percent_defined(baseline: np.ndarray, level: float) -> bool:
    """Whether a change in per cent of the baseline mean is defined: the baseline mean must be clearly
    above zero, i.e. the ``level`` t-interval of the baseline mean lies above zero (Fieller's condition
    for a bounded interval of a ratio of means). A baseline at or near zero has no percentage, only a
    difference in its units."""
    n = len(baseline)
    mean = float(np.mean(baseline))
    if n < 2 or mean <= 0:
        return mean > 0  # one replicate: a percentage without an interval
    se = float(np.std(baseline, ddof=1)) / np.sqrt(n)
    return bool(mean > stats.t.ppf((1 + level) / 2, n - 1) * se)


def _paired_interval(pair: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Bootstrap intervals over paired replicates (rows: baseline, scenario value): of the mean
    difference, and of the change in per cent of the baseline mean (a ratio of means, so it cannot
    fall below -100%). NaN for fewer than two replicates; the percentage's interval is NaN when the
    percentage is not defined (:func:`percent_defined`).

    ``scipy.stats.bootstrap`` with ``paired=True`` resamples whole pairs, so the common random
    numbers are kept. BCa rather than percentile: it corrects the percentile interval for bias and
    skew, which a ratio of means over a handful of replicates has.
    """
    if len(pair) < 2:
        return (np.nan,) * 4
    b, o = pair[:, 0], pair[:, 1]
    lo, hi = _bca(_mean_difference, b, o, level)
    plo = phi = np.nan
    if percent_defined(b, level):
        plo, phi = _bca(_percent_change, b, o, level)
        if not (np.isfinite(plo) and np.isfinite(phi)):
            # Some resamples drew only zero baselines (their percentage is undefined, and dropping them
            # would bias the interval): the delta-method interval of the ratio of means instead.
            plo, phi = _delta_percent(b, o, level)
    return lo, hi, plo, phi


def _delta_percent(b: np.ndarray, o: np.ndarray, level: float) -> tuple[float, float]:
    """The delta-method ``level`` interval of 100 x (mean(o) / mean(b) - 1) over paired replicates:
    R = mean(o) / mean(b), var(R) ~ (s_o^2 - 2 R s_ob + R^2 s_b^2) / (n mean(b)^2), with t(n - 1)
    quantiles. Valid for a baseline mean clearly above zero (:func:`percent_defined`)."""
    n = len(b)
    mb, mo = float(np.mean(b)), float(np.mean(o))
    r = mo / mb
    cov = np.cov(np.vstack([b, o]), ddof=1)
    var = max(0.0, (cov[1, 1] - 2 * r * cov[0, 1] + r * r * cov[0, 0]) / (n * mb * mb))
    half = float(stats.t.ppf((1 + level) / 2, n - 1)) * np.sqrt(var)
    return float(100 * (r - half - 1)), float(100 * (r + half - 1))


@dataclass
class Comparison(Results):
    """Results of several scenarios run with the same seeds, and their differences."""

    baseline: str = ""

    def differences(self, outcomes: Sequence[str] | None = None, weeks: int = SUMMARY_WEEKS,
                    level: float = 0.90) -> pd.DataFrame:
        """Each scenario against the baseline, per outcome: the paired mean difference over
        replicates (common random numbers), its ``level`` interval and the change in per cent of the
        baseline mean with its interval (BCa bootstrap over paired replicates by ``scipy.stats``,
        4,000 resamples, fixed seed; none with one replicate). The percentage is "not defined" (NaN,
        and the table shows the difference in units instead) unless both means are at or above zero
        and the baseline mean is clearly above zero (:func:`percent_defined`)."""
        outcomes = list(outcomes or OUTCOMES)
        summ = self.summary(weeks)
        base = summ[summ["scenario"] == self.baseline].set_index("replicate")
        rows = []
        for sc in self.scenarios:
            if sc == self.baseline:
                continue
            other = summ[summ["scenario"] == sc].set_index("replicate")
            for name in outcomes:
                d = (other[name] - base[name]).dropna()
                n = len(d)
                mean_b, mean_o = base[name].mean(), other[name].mean()
                diff = d.mean()
                pair = pd.concat([base[name], other[name]], axis=1, join="inner").dropna().to_numpy()
                lo, hi, plo, phi = _paired_interval(pair, level)
                lvl, unit, _ = describe(name)
                # A percentage is meaningful only between two positive levels (a deficit turning
                # into a surplus, say, is reported as a difference in its units), and only when the
                # baseline is clearly above zero (a near-zero baseline gives no bounded interval).
                relative = mean_b > 0 and mean_o >= 0 and percent_defined(pair[:, 0], level)
                rows.append({"outcome": name, "level": lvl, "unit": unit, "baseline": self.baseline,
                             "scenario": sc, "baseline_mean": mean_b, "scenario_mean": mean_o,
                             "difference": diff, "lo": lo, "hi": hi,
                             "percent": 100 * diff / mean_b if relative else np.nan,
                             "percent_lo": plo if relative else np.nan, "percent_hi": phi if relative else np.nan,
                             "replicates": n})
        return pd.DataFrame(rows)

    def plot(self, outcomes: Sequence[str] | None = None, **kwargs):
        from slsim.results.plots import plot_results
        return plot_results(self, outcomes, **kwargs)


def compare(scenarios: Sequence[str | Path | Scenario], weeks: int = DEFAULT_WEEKS, replicates: int = 5,
            seed: int = 0, params: dict[str, Any] | None = None, timeline: list[dict] | None = None,
            processes: int | None = None, progress: Callable[[int, int], None] | None = None,
            executor: Executor | None = None, posterior=None) -> Comparison:
    """Run several scenarios with the same replicate seeds; the first is the baseline.

    ``processes`` and ``executor`` as for :func:`run`. ``posterior``: a calibration's results
    folder (or a :class:`~slsim.results.posterior.Posterior`); each replicate then also draws its fitted
    parameters from it, the same draw for every scenario, so intervals carry parameter uncertainty
    as well as seed noise.

    Example: ``slsim.compare(["blame_culture", "systems_leadership"]).differences()``.
    """
    if isinstance(scenarios, (str, Path, Scenario)) or len(scenarios) < 2:
        raise ParameterError("compare needs at least two scenarios, e.g. ['blame_culture', 'systems_leadership']")
    names = [resolve_scenario(s).name for s in scenarios]
    if len(set(names)) < len(names):
        raise ParameterError(f"compare needs different scenarios; got {names}")
    res = _run_many(scenarios, weeks, replicates, seed, params, timeline, processes, progress, executor, posterior)
    return Comparison(res.frame, res.meta, baseline=names[0])
