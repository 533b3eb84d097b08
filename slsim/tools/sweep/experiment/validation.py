"""Checks of an experiment that the schema alone cannot make: against the model's parameters, the
scenario library, the design chosen and the other fields. The rules are in the package docstring.

:func:`experiment_from_dict` runs them in a fixed order (the first failure is the one reported):
the fields' shapes, the base scenario and fixed parameters, each factor, params against factors,
the switch, the design, the analysis hints; then the hashes that identify the experiment.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from slsim.errors import ExperimentError
from slsim.model.params import (
    ParameterError,
    Params,
    describe_validation_error,
    is_parameter,
    parameter_bounds,
    parameter_kind,
)
from slsim.model.scenario import Scenario, ScenarioError, resolve_scenario
from slsim.tools.sweep.experiment.schema import Experiment, ExperimentFile, Factor, FactorSpec, SwitchSpec
from slsim.tools.sweep.experiment.spiral import parse_condition

__all__ = ["experiment_from_dict", "switch_params"]


def _check_scenario_factor(where: str, f: FactorSpec) -> Factor:
    """Levels of ``scenario`` are names (or paths) of scenarios that resolve."""
    if f.levels is None:
        raise ExperimentError(f"{where}: give scenario names as levels: [...]")
    for lv in f.levels:
        try:
            resolve_scenario(str(lv))
        except ScenarioError as err:
            raise ExperimentError(f"{where}: {err}") from None
    return Factor("scenario", "levels", levels=tuple(str(v) for v in f.levels), label=f.label)


def _check_switch_week_factor(where: str, f: FactorSpec, spec: ExperimentFile) -> Factor:
    """``switch_week`` needs a switch block without a fixed week; its levels are weeks of the run or null."""
    if spec.switch is None:
        raise ExperimentError(f"{where}: needs a 'switch:' block saying what to switch to")
    if spec.switch.week is not None:
        raise ExperimentError(f"{where}: switch.week is fixed at {spec.switch.week}; remove one of them")
    if f.levels is None:
        raise ExperimentError(f"{where}: give weeks as levels: [...] (null means never switch)")
    for lv in f.levels:
        if lv is not None and (not isinstance(lv, int) or isinstance(lv, bool) or not 1 <= lv <= spec.weeks):
            raise ExperimentError(f"{where}: level {lv!r}; allowed: a week from 1 to weeks ({spec.weeks}) "
                                  f"or null for never")
    return Factor("switch_week", "levels", levels=tuple(f.levels), label=f.label)


def _check_parameter_factor(name: str, where: str, f: FactorSpec) -> Factor:
    """A model parameter that is a number or yes/no; a range lies inside its allowed range (and holds
    two whole numbers for a whole-number parameter); each level is a valid value."""
    if not is_parameter(name):
        known = ", ".join(sorted(n for n in Params.model_fields if n != "coefficients"))
        raise ExperimentError(f"{where}: unknown; a factor is a model parameter, 'scenario' or 'switch_week'. "
                              f"Known parameters: {known}; and the rules' coefficients (process.name, "
                              f"`slsim params` lists them)")
    lo, hi = parameter_bounds(name)
    ann = parameter_kind(name)
    if ann not in (int, float, bool):
        raise ExperimentError(f"{where}: not a number factor (it is a {getattr(ann, '__name__', ann)} of settings); "
                              f"a factor is a number or yes/no parameter, 'scenario' or 'switch_week'. Set it in "
                              f"params or in the base scenario instead")
    if f.range is not None:
        if ann not in (int, float):
            raise ExperimentError(f"{where}: is {getattr(ann, '__name__', ann)}, not a number; give levels: [...]")
        a, b = f.range
        if (lo is not None and a < lo) or (hi is not None and b > hi):
            raise ExperimentError(f"{where}: range [{a}, {b}] leaves the allowed range [{lo}, {hi}]")
        integer = ann is int
        if integer and math.floor(b) - math.ceil(a) < 1:
            raise ExperimentError(f"{where}: range [{a}, {b}] holds fewer than two whole numbers")
        return Factor(name, "range", low=float(a), high=float(b), steps=f.steps, integer=integer, label=f.label)
    for lv in f.levels:
        try:
            Params(**{name: lv})
        except ValidationError as err:
            msg = err.errors()[0]["msg"].removeprefix("Value error, ")
            allowed = f" (allowed: {lo} to {hi})" if lo is not None and hi is not None else ""
            raise ExperimentError(f"{where}: level {lv!r}: {msg}{allowed}") from None
    return Factor(name, "levels", levels=tuple(f.levels), integer=ann is int, label=f.label)


def _check_factor(name: str, f: FactorSpec, spec: ExperimentFile, scenario: Scenario) -> Factor:
    where = f"factor '{name}'"
    if name == "scenario":
        return _check_scenario_factor(where, f)
    if name == "switch_week":
        return _check_switch_week_factor(where, f, spec)
    return _check_parameter_factor(name, where, f)


def _check_design(spec: ExperimentFile, factors: tuple[Factor, ...]) -> None:
    d = spec.design
    if d == "grid":
        for f in factors:
            if f.kind == "range" and not f.steps:
                raise ExperimentError(f"design grid: factor '{f.name}' has a range but no steps; "
                                      f"add steps: N (>= 2) or give levels")
        if spec.samples is not None:
            raise ExperimentError("design grid takes no 'samples' (the grid is every combination of levels)")
        return
    bad = [f.name for f in factors if f.kind != "range"]
    if bad:
        raise ExperimentError(f"design {d} samples continuous ranges; factor(s) {bad} are given as levels "
                              f"(categorical or discrete). Use design: grid, or give range: [low, high]")
    if spec.samples is None:
        raise ExperimentError(f"design {d} needs 'samples' (lhs: points; sobol: base N, a power of two; "
                              f"morris: trajectories)")
    if d == "sobol" and spec.samples & (spec.samples - 1):
        raise ExperimentError(f"design sobol: samples {spec.samples} is not a power of two (e.g. 64, 128, 256)")
    if d in ("sobol", "morris") and len(factors) < 2:
        raise ExperimentError(f"design {d} needs at least two factors")
    if d == "morris" and spec.samples < 2:
        raise ExperimentError("design morris needs samples (trajectories) >= 2")


def _line_of(text: str | None, loc: tuple) -> int | None:
    """The line (1-based) where the key path ``loc`` is written, found in the file's text: each key
    looked for at or after the line of the one before (good enough for block and flow style)."""
    if not text:
        return None
    lines = text.splitlines()
    at, found = 0, None
    for part in loc:
        if not isinstance(part, str):
            continue
        pattern = re.compile(r"(^|[\s{,])[\"']?" + re.escape(part) + r"[\"']?\s*:")
        for i in range(at, len(lines)):
            if pattern.search(lines[i].split("#", 1)[0]):
                at, found = i, i + 1
                break
        else:
            break
    return found


def _parse_fields(data: Any, where: str, text: str | None = None) -> ExperimentFile:
    """The mapping as an :class:`ExperimentFile`; every field error in one line, each naming the
    line of the file it is on when that can be found."""
    if not isinstance(data, dict):
        raise ExperimentError(f"{where}: expected a mapping with name, scenario, factors, design, ...")
    try:
        return ExperimentFile(**data)
    except ValidationError as err:
        msgs = []
        for e in err.errors():
            loc = ".".join(map(str, e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown field"
            elif e["loc"] and not isinstance(e.get("input"), (dict, list)):
                msg = f"{e.get('input')!r}: {msg}"
            line = _line_of(text, e["loc"])
            msgs.append((f"line {line}: " if line else "") + (f"{loc}: " if loc else "") + msg)
        raise ExperimentError(f"{where}: " + "; ".join(msgs)) from None


def _base_scenario(spec: ExperimentFile, where: str) -> Scenario:
    """The base scenario, with the fixed ``params`` valid on top of it."""
    try:
        scenario = resolve_scenario(spec.scenario)
    except ScenarioError as err:
        raise ExperimentError(f"{where}: scenario: {err}") from None
    try:
        scenario.params_with(spec.params)
    except ParameterError as err:
        raise ExperimentError(f"{where}: params: {err}") from None
    return scenario


def _checked_factors(spec: ExperimentFile, scenario: Scenario, where: str) -> tuple[Factor, ...]:
    """Each factor checked; none of them also fixed in ``params``."""
    try:
        factors = tuple(_check_factor(n, f, spec, scenario) for n, f in spec.factors.items())
    except ExperimentError as err:
        raise ExperimentError(f"{where}: {err}") from None
    clash = sorted(set(spec.params) & set(spec.factors))
    if clash:
        raise ExperimentError(f"{where}: {clash} both fixed in params and varied as factors; keep one")
    return factors


def _check_switch(spec: ExperimentFile, where: str) -> None:
    """A switch has one week (fixed, or the ``switch_week`` factor) inside the run, and valid parameters."""
    if spec.switch is None:
        return
    if "switch_week" not in spec.factors and spec.switch.week is None:
        raise ExperimentError(f"{where}: switch needs a week: a fixed switch.week or a switch_week factor")
    if spec.switch.week is not None and spec.switch.week > spec.weeks:
        raise ExperimentError(f"{where}: switch.week {spec.switch.week} is after the last week ({spec.weeks})")
    try:
        switch_params(spec.switch)
    except (ScenarioError, ParameterError) as err:
        raise ExperimentError(f"{where}: switch: {err}") from None


def _check_analysis(spec: ExperimentFile, where: str) -> None:
    """Spiral conditions follow the grammar; heatmap axes are factors."""
    for cond in spec.analysis.spiral:
        try:
            parse_condition(cond)
        except ValueError as err:
            raise ExperimentError(f"{where}: analysis.spiral: {err}") from None
    if spec.analysis.heatmap:
        missing = [n for n in spec.analysis.heatmap if n not in spec.factors]
        if missing:
            raise ExperimentError(f"{where}: analysis.heatmap names {missing}, which are not factors")


def _canonical(spec: ExperimentFile) -> bytes:
    """What decides the runs' numbers, as canonical JSON: titles, batch size and analysis hints may
    change between sessions of one sweep without blocking a resume."""
    return json.dumps(spec.model_dump(mode="json", exclude={"title", "description", "batch_runs", "analysis"}),
                      sort_keys=True).encode()


def experiment_from_dict(data: Any, where: str = "experiment", file_bytes: bytes | None = None,
                         path: Path | None = None) -> Experiment:
    """Validate a parsed experiment mapping. Raises :class:`ExperimentError` whose message starts
    with ``where``; ``file_sha256`` hashes ``file_bytes`` when given, else the canonical content."""
    text = file_bytes.decode("utf-8", "replace") if file_bytes is not None else None
    spec = _parse_fields(data, where, text)
    scenario = _base_scenario(spec, where)
    factors = _checked_factors(spec, scenario, where)
    _check_switch(spec, where)
    try:
        _check_design(spec, factors)
    except ExperimentError as err:
        raise ExperimentError(f"{where}: {err}") from None
    _check_analysis(spec, where)
    canonical = _canonical(spec)
    return Experiment(spec, scenario, factors, path,
                      hashlib.sha256(file_bytes if file_bytes is not None else canonical).hexdigest(),
                      hashlib.sha256(canonical).hexdigest())


def switch_params(switch: SwitchSpec) -> dict[str, Any]:
    """The parameters set at the switch: the target scenario's overrides, then ``set`` on top."""
    out: dict[str, Any] = {}
    if switch.to is not None:
        out.update(resolve_scenario(switch.to).params)
    out.update(switch.set)
    try:
        Params(**out)
    except ValidationError as err:
        raise ParameterError(describe_validation_error(err, "switch")) from None
    return out
