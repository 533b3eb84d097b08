"""Calibration files: what to fit, to which observations, how the model's outputs map onto them.

A calibration file is YAML (read by the one strict loader, :mod:`slsim.yamlfile`) with these keys::

    name: england_dtoc            # lower-case letters, digits, _
    title: ...                    # one line for reports
    description: ...              # what is fitted and why
    scenario: default             # the base scenario (a name or a path)
    params: {n_citizens: 5000}    # fixed overrides of the base scenario
    period_weeks: 52              # a period is this many model weeks (52: a financial year)
    periods: [2010/11, ...]       # the fitted periods, in order; the model starts with the first
    inputs:                       # values that change from period to period (model inputs)
      social_care_budget_level: {2010/11: 1.0, 2011/12: 0.988}
    parameters:                   # what is fitted, each with a prior
      need_growth_per_year: {prior: uniform, low: 0.0, high: 0.02}
    targets:                      # the observations
      - name: delayed_per_day
        output: delayed_transfers # a column of the model's weekly frame (slsim.OUTCOMES or EXTRA)
        kind: stock               # stock: the mean of the period's weeks; flow: their sum
        measure: count            # count, share, or index (the value over the base period's value)
        scale: {by: acute_beds, england: 103666, factor: 1.5}   # counts only: place -> England
        observed: [{period: 2011/12, value: 3770, sd: 190}]
        definition: ...
        source: ...
    holdout:                      # optional: periods after the fit, never fitted
      periods: [2017/18, 2018/19]
      inputs: {...}
      targets: [...]
    seeds: 1                      # model runs per candidate parameter set (their mean is compared)
    method: {name: abc, population: 40, generations: 4, seed: 1, draws: 40}

Rules, each a :class:`CalibrationError` of one line naming the file and the key:

* Unknown keys anywhere are refused (typos would otherwise silently change a fit).
* A fitted parameter must be a number-valued parameter of the model; its prior's support must lie
  inside the parameter's allowed range; ``uniform`` and ``loguniform`` need ``low < high`` (and
  ``low > 0`` for ``loguniform``); ``normal`` needs ``sd > 0`` and is truncated to ``[low, high]``.
  A fitted parameter may not also be fixed in ``params`` or changed by ``inputs``.
* A target's ``output`` must be a column the model writes; its periods must be among the
  periods of its part (fit or hold-out); ``sd`` must be positive (it is the observation's
  uncertainty, in the target's units, and weighs the target in the distance); ``index`` needs a
  ``base`` period; ``scale`` only applies to counts.
* An input must be a parameter that may change during a run (not one that sets the place up).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from slsim import yamlfile
from slsim.errors import SlsimError
from slsim.model.metrics import EXTRA, OUTCOMES
from slsim.model.params import (
    FIXED_DURING_RUN,
    Params,
    describe_validation_error,
    is_parameter,
    parameter_bounds,
    parameter_kind,
    parameter_names,
)
from slsim.model.scenario import ScenarioError, resolve_scenario

__all__ = ["CalibrationError", "Calibration", "load_calibration", "calibration_from_dict"]

MAX_PERIODS = 60
MAX_POPULATION = 100_000
MAX_GENERATIONS = 100


class CalibrationError(SlsimError):
    """A calibration file (or a request built from one) that cannot be used; the message says why."""


class Prior(BaseModel):
    """A prior for one fitted parameter.

    ``uniform``: flat on [low, high]. ``loguniform``: flat in log on [low, high] (for a parameter
    known only to its order of magnitude). ``normal``: mean and sd, truncated to [low, high].
    """

    model_config = ConfigDict(extra="forbid")
    prior: Literal["uniform", "loguniform", "normal"]
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    label: str = ""

    @model_validator(mode="after")
    def _check(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform prior needs low > 0")
        if self.prior == "normal":
            if self.mean is None or self.sd is None or not self.sd > 0:
                raise ValueError("a normal prior needs mean and sd > 0")
            if not self.low <= self.mean <= self.high:
                raise ValueError(f"the mean {self.mean} lies outside [low, high]")
        elif self.mean is not None or self.sd is not None:
            raise ValueError(f"mean and sd belong to a normal prior, not to {self.prior}")
        return self

    def quantiles(self, qs) -> list[float]:
        """The prior's quantiles (for 'how much narrower is the posterior')."""
        return [float(v) for v in self.scipy().ppf(qs)]

    def scipy(self):
        """The prior as a frozen scipy distribution."""
        from scipy import stats
        if self.prior == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.prior == "loguniform":
            return stats.loguniform(self.low, self.high)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)


class Observation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str
    # finite only: an infinite sd made every distance 0 and its verdicts "narrowed"; a NaN value made pyABC fail
    value: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)
    note: str = ""


class Scale(BaseModel):
    """Place -> England for counts: ``value x england / (the place's 'by') x factor``."""

    model_config = ConfigDict(extra="forbid")
    by: Literal["acute_beds", "citizens"]
    england: float = Field(gt=0)
    factor: float = Field(1.0, gt=0)
    note: str = ""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    output: str
    kind: Literal["stock", "flow"]
    measure: Literal["count", "share", "index"]
    base: str | None = None
    scale: Scale | None = None
    observed: list[Observation] = Field(min_length=1)
    unit: str = ""
    definition: str
    source: str

    @model_validator(mode="after")
    def _check(self):
        known = OUTCOMES | EXTRA
        if self.output not in known:
            raise ValueError(f"output '{self.output}' is not a model output; allowed: {', '.join(sorted(known))}")
        if (self.measure == "index") != (self.base is not None):
            raise ValueError("an index target needs 'base' (the period it is relative to); other measures take none")
        if self.scale is not None and self.measure != "count":
            raise ValueError("'scale' applies to counts only")
        outside = [ob for ob in self.observed if self.measure == "share" and not 0 <= ob.value <= 1]
        if outside:
            raise ValueError(f"a share is from 0 to 1; observed {outside[0].value} in period '{outside[0].period}'")
        return self


class Holdout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    periods: list[str] = Field(min_length=1, max_length=MAX_PERIODS)
    inputs: dict[str, dict[str, float]] = Field(default_factory=dict)
    targets: list[Target] = Field(default_factory=list)
    note: str = ""


class Method(BaseModel):
    """How to fit: ``abc`` (pyABC's ABC-SMC: a population of accepted parameter sets, weighted) or
    ``optuna`` (a point fit by Optuna's TPE sampler, fast, no posterior spread)."""

    model_config = ConfigDict(extra="forbid")
    name: Literal["abc", "optuna"] = "abc"
    population: int = Field(40, ge=4, le=MAX_POPULATION)
    generations: int = Field(4, ge=1, le=MAX_GENERATIONS)
    min_epsilon: float = Field(0.0, ge=0)
    trials: int = Field(100, ge=1, le=MAX_POPULATION)
    seed: int = Field(1, ge=0, le=2**32 - 1)
    draws: int = Field(40, ge=1, le=10_000)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    description: str = ""
    scenario: str = "default"
    params: dict[str, Any] = Field(default_factory=dict)
    period_weeks: int = Field(52, ge=1, le=520)
    periods: list[str] = Field(min_length=1, max_length=MAX_PERIODS)
    inputs: dict[str, dict[str, float]] = Field(default_factory=dict)
    parameters: dict[str, Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    holdout: Holdout | None = None
    seeds: int = Field(1, ge=1, le=100)
    method: Method = Field(default_factory=Method)


@dataclass(frozen=True)
class Calibration:
    """A validated calibration: the file's content, its base scenario, and its hash."""

    spec: _File
    path: Path | None
    sha256: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def parameters(self) -> dict[str, Prior]:
        return self.spec.parameters

    def all_periods(self, holdout: bool) -> list[str]:
        return self.spec.periods + (self.spec.holdout.periods if holdout and self.spec.holdout else [])

    def targets(self, holdout: bool = False) -> list[Target]:
        return self.spec.targets + (self.spec.holdout.targets if holdout and self.spec.holdout else [])

    def payload(self) -> dict[str, Any]:
        """What a worker needs to run a candidate: plain data, small and picklable."""
        return self.spec.model_dump(mode="json")


def _where(path: Path | str | None) -> str:
    return str(path) if path is not None else "calibration"


def calibration_from_dict(data: Any, path: Path | str | None = None, raw: bytes | None = None) -> Calibration:
    """Validate a calibration given as a mapping (as read from YAML)."""
    where = _where(path)
    if not isinstance(data, dict):
        raise CalibrationError(f"{where}: expected a mapping with name, title, scenario, periods, parameters, "
                               "targets (see docs/calibration.md)")
    try:
        spec = _File.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "file"
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
        raise CalibrationError(f"{where}: {field}: {msg}") from None
    _check_semantics(spec, where, Path(path).parent if path else Path.cwd())
    text = raw if raw is not None else json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    return Calibration(spec, Path(path) if path else None, hashlib.sha256(text).hexdigest())


def _check_semantics(spec: _File, where: str, folder: Path) -> None:
    scenario = spec.scenario
    candidate = folder / scenario
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        spec.scenario = str(candidate)
    try:
        base = resolve_scenario(spec.scenario)
        base.params_with(spec.params)
    except (ScenarioError, SlsimError) as err:
        raise CalibrationError(f"{where}: scenario/params: {err}") from None
    if len(set(spec.periods)) != len(spec.periods):
        raise CalibrationError(f"{where}: periods: a period is named twice")
    numeric = {n for n in parameter_names() if parameter_kind(n) in (float, int)}
    for name, prior in spec.parameters.items():
        if name not in numeric:
            shown = sorted(n for n in numeric if "." not in n)
            raise CalibrationError(f"{where}: parameters.{name}: not a number-valued model parameter; allowed: "
                                   f"{', '.join(shown)}, and the rules' coefficients (`slsim params` lists them)")
        if name in spec.params:
            raise CalibrationError(f"{where}: parameters.{name}: also fixed in params; fit it or fix it, not both")
        lo, hi = parameter_bounds(name)
        if (lo is not None and prior.low < lo) or (hi is not None and prior.high > hi):
            raise CalibrationError(f"{where}: parameters.{name}: prior [{prior.low}, {prior.high}] leaves the "
                                   f"parameter's allowed range [{lo}, {hi}]")
    parts = [("", spec.periods, spec.inputs, spec.targets)]
    if spec.holdout:
        if set(spec.holdout.periods) & set(spec.periods) or len(set(spec.holdout.periods)) != len(spec.holdout.periods):
            raise CalibrationError(f"{where}: holdout.periods: must be new periods, each named once")
        parts.append(("holdout.", spec.holdout.periods, spec.holdout.inputs, spec.holdout.targets))
    names = [t.name for _, _, _, ts in parts for t in ts]
    if len(set(names)) != len(names):
        raise CalibrationError(f"{where}: targets: a target name is used twice")
    for prefix, periods, inputs, targets in parts:
        for name, path in inputs.items():
            if not is_parameter(name) or name in FIXED_DURING_RUN:
                raise CalibrationError(f"{where}: {prefix}inputs.{name}: not a parameter that may change "
                                       "during a run")
            if name in spec.parameters:
                raise CalibrationError(f"{where}: {prefix}inputs.{name}: is also fitted; fit it or give its path")
            for period, value in path.items():
                if period not in periods:
                    raise CalibrationError(f"{where}: {prefix}inputs.{name}: period '{period}' is not one of "
                                           f"{', '.join(periods)}")
                try:
                    Params(**{name: value})
                except ValidationError as err:
                    raise CalibrationError(describe_validation_error(err, f"{where}: {prefix}inputs.{name}"
                                                                     f".{period}").splitlines()[0]) from None
        all_periods = spec.periods + (periods if prefix else [])
        for t in targets:
            for ob in t.observed:
                if ob.period not in periods:
                    raise CalibrationError(f"{where}: {prefix}targets.{t.name}: period '{ob.period}' is not one of "
                                           f"{', '.join(periods)}")
            if t.base is not None and t.base not in all_periods:
                raise CalibrationError(f"{where}: {prefix}targets.{t.name}: base '{t.base}' is not a period")


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file; a bare name means ``calibrations/NAME.yaml`` (here, or
    the one shipped beside the package)."""
    path = Path(path)
    if not path.is_file() and path.suffix == "" and len(path.parts) == 1:
        here = Path(__file__).resolve().parents[2]  # the slsim package
        for folder in (Path("calibrations"), here.parent / "calibrations", here / "_calibrations"):
            if (folder / f"{path}.yaml").is_file():
                path = folder / f"{path}.yaml"
                break
    if not path.is_file():
        raise CalibrationError(f"{path}: no such calibration file")
    raw, data = yamlfile.read_as(path, CalibrationError)
    return calibration_from_dict(data, path, raw)
