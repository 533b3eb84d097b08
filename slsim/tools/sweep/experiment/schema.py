"""The shape of an experiment file: its fields, their types and ranges, and the checked forms.

Each field is declared once here, with its default and bounds (from :mod:`slsim.limits`); what
depends on other fields, on the model's parameters or on the scenario library is checked in
:mod:`.validation`. The file's form and rules are in the package docstring.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from slsim.errors import ExperimentError
from slsim.limits import (
    MAX_BATCH_RUNS,
    MAX_GRID_STEPS,
    MAX_MORRIS_LEVELS,
    MAX_REPLICATES,
    MAX_SAMPLES,
    MAX_SEED,
    MAX_WEEKS,
    MIN_MORRIS_LEVELS,
)
from slsim.model.metrics import EXTRA, OUTCOMES
from slsim.model.scenario import Scenario

__all__ = ["DEFAULT_SPIRAL", "SPECIAL_FACTORS", "AnalysisSpec", "Experiment", "ExperimentError", "ExperimentFile",
           "Factor", "FactorSpec", "OutputSpec", "SwitchSpec"]

SPECIAL_FACTORS = ("scenario", "switch_week")
DEFAULT_SPIRAL = ["defensiveness rises", "cross_boundary_trust falls"]


class FactorSpec(BaseModel):
    """One varied factor: ``range: [low, high]`` (with ``steps`` for a grid) or ``levels``."""

    model_config = ConfigDict(extra="forbid")
    range: tuple[StrictFloat, StrictFloat] | None = None
    steps: StrictInt | None = Field(None, ge=2, le=MAX_GRID_STEPS)
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
    week: StrictInt | None = Field(None, ge=1, le=MAX_WEEKS)  # fixed week, when switch_week is not a factor

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
    summary_weeks: StrictInt = Field(26, ge=1, le=MAX_WEEKS)

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
    recovery_tolerance: StrictFloat = Field(0.1, gt=0, le=1)
    # PRIM keeps peeling while a box's share of spiral runs (its density) can rise; of the boxes on
    # the way, the report takes the one holding most spiral runs among those at least this dense.
    prim_threshold: StrictFloat = Field(0.8, gt=0, le=1)

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
    samples: StrictInt | None = Field(None, ge=1, le=MAX_SAMPLES)
    second_order: StrictBool = False
    morris_levels: StrictInt = Field(4, ge=MIN_MORRIS_LEVELS, le=MAX_MORRIS_LEVELS)
    replicates: StrictInt = Field(1, ge=1, le=MAX_REPLICATES)
    weeks: StrictInt = Field(104, ge=1, le=MAX_WEEKS)
    seed: StrictInt = Field(0, ge=0, le=MAX_SEED)
    common_random_numbers: StrictBool = False
    switch: SwitchSpec | None = None
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    batch_runs: StrictInt = Field(25, ge=1, le=MAX_BATCH_RUNS)

    @model_validator(mode="after")
    def _summary_inside_run(self) -> "ExperimentFile":
        if self.outputs.summary_weeks > self.weeks:
            raise ValueError(f"outputs.summary_weeks {self.outputs.summary_weeks} is longer than the run "
                             f"(weeks: {self.weeks}); allowed 1 to {self.weeks}")
        return self


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
