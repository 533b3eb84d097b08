"""Runs of an experiment: their ids, seeds and parameters, as requests for the execution layer.

Run ``i`` is design point ``i // replicates``, replicate ``i % replicates``. Its seed is made here,
in the client, from the experiment seed and ``i`` (or the replicate, with common random numbers;
see :class:`slsim.execution.Seeds`), so a run gives the same numbers whichever process or machine
executes it. Each run is a :class:`~slsim.execution.RunRequest` executed by :mod:`slsim.execution`:
a failed run comes back as a result with ``status="failed"`` and its error, so one bad run cannot
stop a sweep.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from slsim.execution import RunRequest, Seeds
from slsim.model.params import ParameterError
from slsim.model.scenario import Scenario, resolve_scenario
from slsim.tools.sweep.design import Design
from slsim.tools.sweep.experiment import Experiment, ExperimentError, switch_params


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: the request a worker executes, and where it sits in the design."""

    request: RunRequest
    point: int
    factors: dict[str, Any]
    # every parameter the run starts from and every timeline event it meets (shared by the
    # replicates of a design point), and the sha256 of that record's canonical JSON
    resolved: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    resolved_sha256: str = ""

    @property
    def run_id(self) -> int:
        return self.request.run_id

    @property
    def replicate(self) -> int:
        return self.request.replicate

    @property
    def seed(self) -> int:
        return self.request.seed

    @property
    def scenario(self) -> Scenario:
        return self.request.scenario


def build_runs(exp: Experiment, design: Design) -> list[RunSpec]:
    """One :class:`RunSpec` per point x replicate, validated. Raises :class:`ExperimentError`."""
    s = exp.spec
    switch_set = switch_params(s.switch) if s.switch else None
    seeds = Seeds(s.seed)
    scenarios: dict[str, Scenario] = {}
    runs: list[RunSpec] = []
    for p, point in enumerate(design.points):
        scenario = exp.scenario
        params = dict(s.params)
        timeline: list[dict[str, Any]] = []
        week = s.switch.week if s.switch else None
        for name, value in point.items():
            if name == "scenario":
                if value not in scenarios:  # read each scenario file once, not once per point
                    scenarios[value] = resolve_scenario(value)
                scenario = scenarios[value]
            elif name == "switch_week":
                week = value
            else:
                params[name] = value
        if switch_set is not None and week is not None:
            timeline.append({"week": int(week), "set": dict(switch_set), "note": "switch (experiment)"})
        try:
            full = scenario.params_with(params)
        except ParameterError as err:
            raise ExperimentError(f"design point {p} ({point}): {err}") from None
        resolved = {"params": full.model_dump(mode="json"),
                    "timeline": [ev.model_dump(mode="json") for ev in scenario.timeline] + timeline}
        digest = resolved_sha256(resolved)
        for r in range(s.replicates):
            i = p * s.replicates + r
            request = RunRequest(scenario, s.weeks, seeds.sweep_run(i, r, s.common_random_numbers), r, params,
                                 tuple(timeline), run_id=i, weekly=tuple(s.outputs.weekly),
                                 summary_weeks=s.outputs.summary_weeks)
            runs.append(RunSpec(request, p, dict(point), resolved, digest))
    return runs


def resolved_sha256(resolved: dict[str, Any]) -> str:
    """The sha256 of a run's resolved parameters and timeline, as canonical JSON."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()


def input_files(exp: Experiment, runs: list[RunSpec]) -> dict[str, str]:
    """Absolute path -> sha256 of every scenario file the experiment reaches: its base scenario,
    the levels of a ``scenario`` factor, a switch's target, and what they extend or adopt."""
    from slsim.model.scenario import resolve_scenario
    files: dict[str, str] = dict(exp.scenario.sources)
    seen: set[int] = set()
    for r in runs:
        if id(r.scenario) not in seen:
            seen.add(id(r.scenario))
            files.update(r.scenario.sources)
    if exp.spec.switch is not None and exp.spec.switch.to is not None:
        files.update(resolve_scenario(exp.spec.switch.to).sources)
    return dict(sorted(files.items()))
