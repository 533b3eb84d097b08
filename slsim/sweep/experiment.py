"""Experiment files: what to vary, how to sample it, how often to repeat it, what to keep.

An experiment is a YAML file (safe loader) of this form::

    name: tipping_map
    title: Where does a blame culture tip a place into the retreat spiral?
    scenario: blame_culture          # base scenario: built-in name or path to a scenario file
    params: {n_citizens: 2000}       # fixed overrides for every run
    factors:                         # what varies
      need_growth_per_year: {range: [0.0, 0.08], steps: 5}   # grid: steps evenly spaced values
      blame_response: {levels: [0.1, 0.5, 0.9]}               # explicit levels
    design: grid                     # grid | lhs | sobol | morris
    samples: 64                      # lhs: points; sobol: base N (power of two); morris: trajectories
    replicates: 3                    # runs per design point
    weeks: 104
    seed: 20261126
    outputs:
      weekly: [delayed_transfers, defensiveness]   # weekly series kept (others: per-run summary only)
      summary_weeks: 26                             # summaries average the last N weeks of a run

Rules, each checked before anything is written (an error is an :class:`ExperimentError` whose
message starts with the file's path):

* A key may appear only once in a mapping (YAML would silently keep the last one).

* A factor is a parameter of :class:`slsim.params.Params`, or ``scenario`` (levels are scenario
  names), or ``switch_week`` (with a ``switch`` block: the week the switch happens; ``null``
  means never). A factor has either ``range: [low, high]`` with low < high inside the parameter's
  allowed range, or ``levels: [...]`` (non-empty, no duplicates, each value valid).
* ``grid`` takes every combination of levels; a range needs ``steps`` (>= 2) for a grid.
  ``lhs``, ``sobol`` and ``morris`` sample ranges only: a factor given as levels is refused.
* Whole-number parameters sampled from a range are rounded; yes/no parameters need levels.
* Every design point is validated as full parameters of the base scenario before any run.
* Seeds: the seed of run ``i`` is ``SeedSequence([seed, i])``; with
  ``common_random_numbers: true`` it is ``SeedSequence([seed, replicate])`` instead, so every
  design point shares the same seeds per replicate and differences between points reflect the
  factors, not luck. Either way seeds never depend on which worker runs what.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..metrics import EXTRA, OUTCOMES
from ..params import ParameterError, Params
from ..scenario import Scenario, ScenarioError, resolve_scenario


class ExperimentError(ValueError):
    """An experiment file or sweep request is invalid; the message says what and what is allowed."""


SPECIAL_FACTORS = ("scenario", "switch_week")
DEFAULT_SPIRAL = ["defensiveness rises", "cross_boundary_trust falls"]


class FactorSpec(BaseModel):
    """One varied factor: ``range: [low, high]`` (with ``steps`` for a grid) or ``levels``."""

    model_config = ConfigDict(extra="forbid")
    range: tuple[float, float] | None = None
    steps: int | None = Field(None, ge=2, le=1000)
    levels: list[Any] | None = None
    label: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> "FactorSpec":
        if (self.range is None) == (self.levels is None):
            raise ValueError("give either range: [low, high] or levels: [...], not both or neither")
        if self.levels is not None:
            if not self.levels:
                raise ValueError("levels is empty; give at least one value")
            if len({json.dumps(v, sort_keys=True) for v in self.levels}) != len(self.levels):
                raise ValueError(f"levels {self.levels} has duplicates")
        if self.range is not None:
            lo, hi = self.range
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"range {list(self.range)} must be finite numbers")
            if not lo < hi:
                raise ValueError(f"range {list(self.range)} is empty or inverted; give [low, high] with low < high")
        if self.steps is not None and self.range is None:
            raise ValueError("steps goes with range, not levels")
        return self


class SwitchSpec(BaseModel):
    """A switch of leadership during the run: from week W, the parameters of ``to`` (and ``set``)."""

    model_config = ConfigDict(extra="forbid")
    to: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    week: int | None = Field(None, ge=1, le=5200)  # fixed week, when switch_week is not a factor

    @model_validator(mode="after")
    def _something(self) -> "SwitchSpec":
        if self.to is None and not self.set:
            raise ValueError("switch needs 'to: SCENARIO' and/or 'set: {parameter: value}'")
        return self


def _known_outcomes(value: list[str]) -> list[str]:
    """The names unchanged if every one is an outcome column; otherwise a message listing them."""
    unknown = [v for v in value if v not in OUTCOMES and v not in EXTRA]
    if unknown:
        raise ValueError(f"unknown outcome(s) {unknown}; outcomes are {', '.join(OUTCOMES)} "
                         f"(and extra: {', '.join(EXTRA)})")
    return value


class OutputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekly: list[str] = Field(default_factory=list)
    summary_weeks: int = Field(26, ge=1, le=5200)

    @field_validator("weekly")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_known_outcomes(value)))


class AnalysisSpec(BaseModel):
    """Hints for ``slsim analyse``: which outcomes to show, heatmap axes, the retreat-spiral rule."""

    model_config = ConfigDict(extra="forbid")
    outcomes: list[str] = Field(default_factory=lambda: ["delayed_transfers", "defensiveness",
                                                          "cross_boundary_trust", "staff_turnover_rate",
                                                          "electives_cancelled"])
    heatmap: tuple[str, str] | None = None
    spiral: list[str] = Field(default_factory=lambda: list(DEFAULT_SPIRAL))
    recovery_outcome: str = "cross_boundary_trust"
    recovery_tolerance: float = Field(0.1, gt=0, le=1)
    # PRIM keeps peeling while a box's share of spiral runs (its density) can rise; of the boxes on
    # the way, the report takes the one holding most spiral runs among those at least this dense.
    prim_threshold: float = Field(0.8, gt=0, le=1)

    @field_validator("outcomes")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _known_outcomes(value)


class ExperimentFile(BaseModel):
    """The validated content of an experiment file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    title: str = ""
    description: str = ""
    scenario: str = "default"
    params: dict[str, Any] = Field(default_factory=dict)
    factors: dict[str, FactorSpec] = Field(min_length=1)
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(None, ge=1, le=1_000_000)
    second_order: bool = False
    morris_levels: int = Field(4, ge=2, le=20)
    replicates: int = Field(1, ge=1, le=10_000)
    weeks: int = Field(104, ge=1, le=5200)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    common_random_numbers: bool = False
    switch: SwitchSpec | None = None
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    batch_runs: int = Field(25, ge=1, le=100_000)


@dataclass(frozen=True)
class Factor:
    """A checked factor: name, kind ("range" or "levels"), bounds or levels, and the value type."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    levels: tuple[Any, ...] = ()
    integer: bool = False
    label: str = ""

    @property
    def categorical(self) -> bool:
        return self.kind == "levels" and not all(_is_number(v) for v in self.levels)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the file's content, its base scenario, checked factors and hashes."""

    spec: ExperimentFile
    scenario: Scenario
    factors: tuple[Factor, ...]
    path: Path | None
    file_sha256: str
    content_sha256: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _param_bounds(name: str) -> tuple[float | None, float | None, Any]:
    info = Params.model_fields[name]
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi, info.annotation


def _check_factor(name: str, f: FactorSpec, spec: ExperimentFile, scenario: Scenario) -> Factor:
    where = f"factor '{name}'"
    if name == "scenario":
        if f.levels is None:
            raise ExperimentError(f"{where}: give scenario names as levels: [...]")
        for lv in f.levels:
            try:
                resolve_scenario(str(lv))
            except ScenarioError as err:
                raise ExperimentError(f"{where}: {err}") from None
        return Factor(name, "levels", levels=tuple(str(v) for v in f.levels), label=f.label)
    if name == "switch_week":
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
        return Factor(name, "levels", levels=tuple(f.levels), label=f.label)
    if name not in Params.model_fields:
        known = ", ".join(sorted(Params.model_fields))
        raise ExperimentError(f"{where}: unknown; a factor is a model parameter, 'scenario' or 'switch_week'. "
                              f"Known parameters: {known}")
    lo, hi, ann = _param_bounds(name)
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
            msg = err.errors()[0]["msg"]
            allowed = f" (allowed: {lo} to {hi})" if lo is not None and hi is not None else ""
            raise ExperimentError(f"{where}: level {lv!r}: {msg}{allowed}") from None
    return Factor(name, "levels", levels=tuple(f.levels), integer=ann is int, label=f.label)


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


def experiment_from_dict(data: Any, where: str = "experiment", file_bytes: bytes | None = None,
                         path: Path | None = None) -> Experiment:
    """Validate a parsed experiment mapping. Raises :class:`ExperimentError`."""
    if not isinstance(data, dict):
        raise ExperimentError(f"{where}: expected a mapping with name, scenario, factors, design, ...")
    try:
        spec = ExperimentFile(**data)
    except ValidationError as err:
        msgs = []
        for e in err.errors():
            loc = ".".join(map(str, e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown field"
            msgs.append(f"{where}: {loc}: {msg}")
        raise ExperimentError("\n".join(msgs)) from None
    try:
        scenario = resolve_scenario(spec.scenario)
    except ScenarioError as err:
        raise ExperimentError(f"{where}: scenario: {err}") from None
    try:
        scenario.params_with(spec.params)
    except ParameterError as err:
        raise ExperimentError(f"{where}: params: {err}") from None
    try:
        factors = tuple(_check_factor(n, f, spec, scenario) for n, f in spec.factors.items())
    except ExperimentError as err:
        raise ExperimentError(f"{where}: {err}") from None
    clash = sorted(set(spec.params) & set(spec.factors))
    if clash:
        raise ExperimentError(f"{where}: {clash} both fixed in params and varied as factors; keep one")
    if spec.switch is not None:
        if "switch_week" not in spec.factors and spec.switch.week is None:
            raise ExperimentError(f"{where}: switch needs a week: a fixed switch.week or a switch_week factor")
        if spec.switch.week is not None and spec.switch.week > spec.weeks:
            raise ExperimentError(f"{where}: switch.week {spec.switch.week} is after the last week ({spec.weeks})")
        try:
            switch_params(spec.switch)
        except (ScenarioError, ParameterError) as err:
            raise ExperimentError(f"{where}: switch: {err}") from None
    try:
        _check_design(spec, factors)
    except ExperimentError as err:
        raise ExperimentError(f"{where}: {err}") from None
    for cond in spec.analysis.spiral:
        try:
            parse_condition(cond)
        except ValueError as err:
            raise ExperimentError(f"{where}: analysis.spiral: {err}") from None
    if spec.analysis.heatmap:
        missing = [n for n in spec.analysis.heatmap if n not in spec.factors]
        if missing:
            raise ExperimentError(f"{where}: analysis.heatmap names {missing}, which are not factors")
    # The content hash covers what decides the runs' numbers; titles, batch size and analysis hints
    # may change between sessions of one sweep without blocking a resume.
    canonical = json.dumps(spec.model_dump(mode="json", exclude={"title", "description", "batch_runs", "analysis"}),
                           sort_keys=True).encode()
    return Experiment(spec, scenario, factors, path,
                      hashlib.sha256(file_bytes if file_bytes is not None else canonical).hexdigest(),
                      hashlib.sha256(canonical).hexdigest())


class DuplicateKeyError(ValueError):
    """A key given twice in one mapping of a YAML file (PyYAML would silently keep the last)."""


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that repeats a key (``<<`` merges may override)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise DuplicateKeyError(f"key '{key}' appears twice (lines {seen[key]} and {line}); "
                                                f"give each key once")
                    seen[key] = line
                except TypeError:  # an unhashable key: the base class explains that
                    continue
        return super().construct_mapping(node, deep)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file. Raises :class:`ExperimentError` with a readable message."""
    path = Path(path)
    if not path.is_file() and path.suffix == "" and len(path.parts) == 1:
        # a bare name means a shipped experiment: experiments/NAME.yaml here or beside the package
        for folder in (Path("experiments"), Path(__file__).resolve().parents[2] / "experiments"):
            if (folder / f"{path}.yaml").is_file():
                path = folder / f"{path}.yaml"
                break
    if not path.is_file():
        raise ExperimentError(f"{path}: no such experiment file")
    raw = path.read_bytes()
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except DuplicateKeyError as err:
        raise ExperimentError(f"{path}: {err}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ExperimentError(f"{path}: not a valid YAML text file: {err}") from None
    return experiment_from_dict(data, str(path), raw, path)


def switch_params(switch: SwitchSpec) -> dict[str, Any]:
    """The parameters set at the switch: the target scenario's overrides, then ``set`` on top."""
    out: dict[str, Any] = {}
    if switch.to is not None:
        out.update(resolve_scenario(switch.to).params)
    out.update(switch.set)
    try:
        Params(**out)
    except ValidationError as err:
        from ..params import describe_validation_error
        raise ParameterError(describe_validation_error(err, "switch")) from None
    return out


_OPS = (">=", "<=", ">", "<")


def parse_condition(text: str) -> tuple[str, str, float | None]:
    """Parse one spiral condition: ``OUTCOME rises|falls [by X]`` or ``OUTCOME >|<|>=|<= VALUE``.

    ``rises``/``falls`` compare the run's end (mean of the last summary weeks) with its start
    (mean of its first four weeks), so the rule does not depend on calibrated levels.
    """
    parts = str(text).split()
    if len(parts) < 2 or parts[0] not in OUTCOMES and parts[0] not in EXTRA:
        raise ValueError(f"{text!r}: expected 'OUTCOME rises', 'OUTCOME falls by 0.05' or 'OUTCOME > 10' "
                         f"with OUTCOME an outcome name")
    name, op = parts[0], parts[1]
    if op in ("rises", "falls"):
        if len(parts) == 2:
            return name, op, 0.0
        if len(parts) == 4 and parts[2] == "by":
            try:
                return name, op, float(parts[3])
            except ValueError:
                pass
        raise ValueError(f"{text!r}: expected 'OUTCOME {op}' or 'OUTCOME {op} by NUMBER'")
    if op in _OPS and len(parts) == 3:
        try:
            return name, op, float(parts[2])
        except ValueError:
            pass
    raise ValueError(f"{text!r}: expected 'OUTCOME rises|falls [by X]' or 'OUTCOME >|<|>=|<= NUMBER'")
