"""One candidate parameter set -> the model's values for every target (the summary statistics).

Rules:

* A candidate runs the base scenario with the file's fixed ``params``, the candidate's fitted
  values, and the file's ``inputs`` as timeline events: an input given for a period takes effect in
  that period's first week (the first period's inputs are set from the start). The model runs
  ``period_weeks`` weeks per period, after its usual burn-in (``burn_in_weeks``).
* A period's model value: for a stock, the mean of its weekly values; for a flow, their sum (a
  flow per year from a weekly count). A ``share`` is used as it is; a ``count`` is scaled from the
  place to England, ``value x england / denominator x factor``, where the denominator is the
  place's acute beds or citizens (per-capita scaling); an ``index`` is the period's value over the
  base period's value (a growth, free of the place's size).
* With ``seeds`` > 1 the candidate is run once per seed and the values averaged.
* A model run that raises does not stop a calibration: the candidate's values are all NaN and
  ``failed`` is 1, so it is rejected and counted.
"""

from __future__ import annotations

import math
import traceback
from typing import Any

import numpy as np

KEY_SEP = "@"
FAILED = "failed"


def stat_key(target: str, period: str) -> str:
    """The summary statistic's name for one target in one period."""
    return f"{target}{KEY_SEP}{period}"


def observed_stats(payload: dict[str, Any], holdout: bool = False) -> dict[str, float]:
    """The observations, keyed as the model's statistics are."""
    return {stat_key(t["name"], ob["period"]): float(ob["value"])
            for t in _targets(payload, holdout) for ob in t["observed"]}


def observed_sd(payload: dict[str, Any], holdout: bool = False) -> dict[str, float]:
    return {stat_key(t["name"], ob["period"]): float(ob["sd"])
            for t in _targets(payload, holdout) for ob in t["observed"]}


def _targets(payload: dict[str, Any], holdout: bool) -> list[dict[str, Any]]:
    h = payload.get("holdout") or {}
    return list(payload["targets"]) + (list(h.get("targets", [])) if holdout else [])


def _periods(payload: dict[str, Any], holdout: bool) -> list[str]:
    h = payload.get("holdout") or {}
    return list(payload["periods"]) + (list(h.get("periods", [])) if holdout else [])


def run_arguments(payload: dict[str, Any], theta: dict[str, float], holdout: bool = False
                  ) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The model's parameter overrides, timeline events and weeks for one candidate."""
    periods = _periods(payload, holdout)
    inputs: dict[str, dict[str, float]] = {k: dict(v) for k, v in payload.get("inputs", {}).items()}
    if holdout and payload.get("holdout"):
        for name, path in payload["holdout"].get("inputs", {}).items():
            inputs.setdefault(name, {}).update(path)
    params = dict(payload.get("params", {}))
    params.update({k: float(v) for k, v in theta.items()})
    weeks_per = int(payload["period_weeks"])
    events: dict[int, dict[str, float]] = {}
    for name, path in inputs.items():
        for period, value in path.items():
            i = periods.index(period)
            if i == 0:
                params[name] = value
            else:
                events.setdefault(i * weeks_per + 1, {})[name] = value
    timeline = [{"week": w, "set": s, "note": f"calibration input for {periods[(w - 1) // weeks_per]}"}
                for w, s in sorted(events.items())]
    return params, timeline, weeks_per * len(periods)


def model_stats(payload: dict[str, Any], frame, holdout: bool = False) -> dict[str, float]:
    """The targets' values from one run's weekly frame (columns: week and the outputs)."""
    from slsim.model.params import Params

    periods = _periods(payload, holdout)
    weeks_per = int(payload["period_weeks"])
    resolved = Params(**{k: v for k, v in payload.get("params", {}).items()})
    per = resolved.n_citizens / 1000
    denominators = {"acute_beds": max(1, round(resolved.acute_beds_per_1000 * per)), "citizens": resolved.n_citizens}
    period_of = (frame["week"].to_numpy() - 1) // weeks_per
    out: dict[str, float] = {}
    for t in _targets(payload, holdout):
        values = frame[t["output"]].to_numpy(dtype=float)
        agg = np.mean if t["kind"] == "stock" else np.sum

        def value(period: str) -> float:
            sel = period_of == periods.index(period)
            return float(agg(values[sel])) if sel.any() else math.nan

        base = value(t["base"]) if t.get("base") else None
        for ob in t["observed"]:
            v = value(ob["period"])
            if t["measure"] == "index":
                v = v / base if base else math.nan
            elif t["measure"] == "count" and t.get("scale"):
                s = t["scale"]
                v = v * s["england"] / denominators[s["by"]] * s.get("factor", 1.0)
            out[stat_key(t["name"], ob["period"])] = v
    return out


def simulate(payload: dict[str, Any], theta: dict[str, float], seed: int, holdout: bool = False,
             scenario=None) -> dict[str, float]:
    """Run the candidate ``theta`` on ``payload['seeds']`` seeds derived from ``seed``; the mean of
    each statistic, plus ``failed`` (0 or 1). Never raises for a model error."""
    from slsim.execution.request import run_one, worker_burn_in_cache
    from slsim.model.scenario import resolve_scenario_cached

    keys = list(observed_stats(payload, holdout))
    try:
        params, timeline, weeks = run_arguments(payload, theta, holdout)
        sc = scenario if scenario is not None else resolve_scenario_cached(payload["scenario"])
        children = np.random.SeedSequence(int(seed)).generate_state(int(payload.get("seeds", 1)), dtype=np.uint32)
        runs = []
        for s in children:
            frame = run_one(sc, weeks=weeks, seed=int(s), params=params, timeline=timeline,
                            burn_in_cache=worker_burn_in_cache())
            runs.append(model_stats(payload, frame, holdout))
        stats = {k: float(np.mean([r[k] for r in runs])) for k in keys}
        stats[FAILED] = 0.0
        return stats
    except KeyboardInterrupt:
        raise
    except Exception:  # noqa: BLE001 - one bad candidate must not stop a calibration
        stats = {k: math.nan for k in keys}
        stats[FAILED] = 1.0
        stats["error"] = traceback.format_exc(limit=3)[-500:]
        return stats


def distance(x: dict[str, float], x0: dict[str, float], sd: dict[str, float]) -> float:
    """The root of the summed squared standardised errors, ``sqrt(sum(((model - observed) / sd)^2))``,
    over every observation; infinite for a failed candidate (so it is never accepted)."""
    if x.get(FAILED):
        return math.inf
    total = 0.0
    for k, obs in x0.items():
        if k == FAILED:
            continue
        v = x.get(k, math.nan)
        if not math.isfinite(v):
            return math.inf
        total += ((v - obs) / sd[k]) ** 2
    return math.sqrt(total)
