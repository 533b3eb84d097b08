"""Runs of an experiment: their ids, seeds and parameters, and the task a worker executes.

Run ``i`` is design point ``i // replicates``, replicate ``i % replicates``. Its seed is made here,
in the client, from the experiment seed and ``i`` (or the replicate, with common random numbers),
so a run gives the same numbers whichever process or machine executes it.

:func:`execute_run` is the task sent to workers. It never raises for a model error: it returns a
record with ``status="failed"`` and the error, so one bad run cannot stop a sweep.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import OUTCOMES
from ..params import ParameterError
from ..scenario import Scenario, resolve_scenario
from .design import Design
from .experiment import Experiment, ExperimentError, switch_params

START_WEEKS = 4  # a run's "start" value is the mean of its first four weeks


@dataclass(frozen=True)
class RunSpec:
    """Everything one worker needs for one run (picklable; no file paths needed on the worker)."""

    run_id: int
    point: int
    replicate: int
    seed: int
    scenario: Scenario
    weeks: int
    params: dict[str, Any]
    factors: dict[str, Any]
    timeline: tuple[dict[str, Any], ...] = ()
    weekly: tuple[str, ...] = ()
    summary_weeks: int = 26


@dataclass
class RunRecord:
    """What a worker sends back: one per-run summary row and the weekly rows asked for."""

    run_id: int
    status: str
    summary: dict[str, Any]
    weekly: pd.DataFrame | None = None
    error: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def run_seed(experiment_seed: int, run_id: int, replicate: int, common: bool) -> int:
    """The seed of one run: from the experiment seed and the run index (or replicate), never the worker."""
    key = [int(experiment_seed), int(replicate if common else run_id)]
    if common:
        key.append(0xC0)  # keeps the common-numbers stream apart from run 0's
    return int(np.random.SeedSequence(key).generate_state(1)[0])


def build_runs(exp: Experiment, design: Design) -> list[RunSpec]:
    """One :class:`RunSpec` per point x replicate, validated. Raises :class:`ExperimentError`."""
    s = exp.spec
    switch_set = switch_params(s.switch) if s.switch else None
    scenarios: dict[str, Scenario] = {}
    runs: list[RunSpec] = []
    for p, point in enumerate(design.points):
        scenario = exp.scenario
        params = dict(s.params)
        timeline: list[dict[str, Any]] = []
        week = s.switch.week if s.switch else None
        for name, value in point.items():
            if name == "scenario":
                scenario = scenarios.setdefault(value, resolve_scenario(value))
            elif name == "switch_week":
                week = value
            else:
                params[name] = value
        if switch_set is not None and week is not None:
            timeline.append({"week": int(week), "set": dict(switch_set), "note": "switch (experiment)"})
        try:
            scenario.params_with(params)
        except ParameterError as err:
            raise ExperimentError(f"design point {p} ({point}): {err}") from None
        for r in range(s.replicates):
            i = p * s.replicates + r
            runs.append(RunSpec(i, p, r, run_seed(s.seed, i, r, s.common_random_numbers), scenario, s.weeks,
                                params, dict(point), tuple(timeline), tuple(s.outputs.weekly),
                                s.outputs.summary_weeks))
    return runs


def summarise(frame: pd.DataFrame, summary_weeks: int) -> dict[str, float]:
    """Per-run summary: each outcome's mean over the last ``summary_weeks`` weeks, and
    ``OUTCOME__start``, its mean over the first four weeks (for rules such as "trust falls")."""
    last = frame.iloc[-summary_weeks:]
    first = frame.iloc[:START_WEEKS]
    out = {name: float(last[name].mean()) for name in OUTCOMES}
    out.update({f"{name}__start": float(first[name].mean()) for name in OUTCOMES})
    return out


def execute_run(spec: RunSpec) -> RunRecord:
    """Run one model and reduce it to what the experiment keeps. Model errors become a failed record."""
    from ..runner import run_one  # imported here so workers import the model lazily

    t0 = time.perf_counter()
    try:
        frame = run_one(spec.scenario, spec.weeks, spec.seed, spec.params, list(spec.timeline) or None,
                        spec.replicate)
        summary = summarise(frame, spec.summary_weeks)
        weekly = None
        if spec.weekly:
            weekly = frame[["week", *spec.weekly]].copy()
            weekly.insert(0, "run_id", spec.run_id)
        return RunRecord(spec.run_id, "ok", summary, weekly, seconds=time.perf_counter() - t0)
    except Exception as err:  # noqa: BLE001 - any model error is recorded, the sweep goes on
        text = "".join(traceback.format_exception_only(type(err), err)).strip()
        return RunRecord(spec.run_id, "failed", {}, None, error=text, seconds=time.perf_counter() - t0)
