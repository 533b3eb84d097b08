"""What one browser session holds and does, without any user interface (so it is testable alone).

Rules:

* Every number the view shows comes from a :class:`~slsim.model.SystemModel` built exactly as the
  run layer builds replicate 0: ``SystemModel(scenario, rng=Seeds(seed).replicate(0), **params)``.
  A session with seed ``S``, set-up values ``P`` and interventions ``I`` after ``W`` weeks therefore
  equals ``slsim.run(scenario, weeks=W, replicates=1, seed=S, params=P, timeline=I)`` row for row;
  :meth:`Session.reproduce` prints that call.
* A trainer's intervention made after week ``k`` acts from week ``k + 1`` on, which is what a
  timeline event ``{"week": k + 1, ...}`` does in the run layer; charts mark it at week ``k + 1``.
* Values typed into the browser are text: :func:`typed` turns them into the parameter's type and
  :class:`~slsim.params.Params` alone decides whether they are allowed (:func:`validated`), its
  refusal becoming one readable sentence (a :class:`~slsim.params.ParameterError`).
* A session holds its scenario resolved (:attr:`Session.spec`, once per choice, from the scenario
  cache) and its checked set-up values (:attr:`Session.setup`, once per change): drawing the
  controls reads no file and builds no parameter set.
* Words and number formats come from :mod:`slsim.present`, as on the command line.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ..execution import LocalProcessExecutor, Seeds
from ..model import SystemModel
from ..params import (
    FIXED_DURING_RUN,
    LEADERSHIP_FIELDS,
    ParameterError,
    Params,
    describe_validation_error,
    parameter_table,
)
from ..present import allowed_text, label, value_text
from ..runner import compare
from ..scenario import Scenario, resolve_scenario_cached

# The set-up controls shown for every scenario: leadership style first (what the course is about),
# then pressure and money, then the size of the place.
PRESSURE_FIELDS = ("need_growth_per_year", "crisis_rate", "acute_beds_per_1000", "budget_gap",
                   "nhs_budget_change_per_year", "social_care_budget_change_per_year", "pooled_budget")
MAIN_PARAMS: tuple[str, ...] = LEADERSHIP_FIELDS + PRESSURE_FIELDS + ("n_citizens",)
# What a trainer may change mid-run: everything above except what sets the place up (its size and
# opening state), which the model refuses to change during a run.
INTERVENTION_PARAMS: tuple[str, ...] = tuple(f for f in LEADERSHIP_FIELDS + PRESSURE_FIELDS
                                             if f not in FIXED_DURING_RUN) + ("social_care_budget_level",
                                                                              "crisis_surge")
MAX_WEEKS = 520  # ten years: play stops here so a forgotten tab does not run for ever
# Upper limits tighter than the model's for the browser: all sessions share one server process, so
# one learner building a place of millions would stall everyone. Bigger places: `slsim run`.
APP_MAX = {"n_citizens": 50_000, "staff_per_1000_citizens": 100}

PARAM_INFO: dict[str, dict[str, Any]] = {row["name"]: row for row in parameter_table()}


def first_scenario() -> str:
    """The scenario a new session opens with (and the guided tour uses): the first built-in
    scenario tagged ``headline`` (the library's opening story), else the first one."""
    from ..scenario import list_scenarios
    names = list_scenarios()
    for name in names:
        if "headline" in resolve_scenario_cached(name).tags and name != "default":
            return name
    return names[0] if names else "default"


def _refused(name: str, raw: str) -> ParameterError:
    return ParameterError(f"'{raw}' is not allowed: {label(name)} takes {allowed_text(name)}")


def typed(name: str, text: Any) -> Any:
    """Text typed into a control as a value of the parameter's type, before any range check.

    Numbers may have a decimal comma, underscores and surrounding spaces; a whole-number parameter
    given a whole float gets an int. Switches take ``yes/no/true/false/on/off/1/0``. Text that is
    no number (or NaN, or infinite) raises ParameterError naming what is allowed; whether the value
    is in range is for :class:`~slsim.params.Params` to say (see :func:`validated`).
    """
    if name not in Params.model_fields:
        raise ParameterError(f"unknown parameter '{name}'")
    annotation = Params.model_fields[name].annotation
    if isinstance(text, bool) and annotation is bool:
        return text
    raw = "" if text is None else str(text).strip()
    if annotation is bool:
        low = raw.lower()
        if low in ("yes", "true", "1", "on"):
            return True
        if low in ("no", "false", "0", "off"):
            return False
        raise _refused(name, raw)
    try:
        number = float(raw.replace(",", ".").replace("_", "")) if raw else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _refused(name, raw)
    # A fraction for a whole-number parameter is left for Params to refuse.
    return int(number) if annotation is int and number.is_integer() else number


def validated(name: str, text: Any, base: dict[str, Any] | None = None) -> tuple[Any, Params]:
    """Typed text for one parameter on top of ``base`` (other parameter values), checked by Params.

    Returns the value as Params holds it and the whole checked parameter set. A value Params
    refuses for this parameter gives one sentence saying what the parameter takes; a rule across
    parameters gives Params' own words. The browser's tighter limits (``APP_MAX``) apply last.
    """
    value = typed(name, text)
    raw = "" if text is None else str(text).strip()
    try:
        params = Params(**{**(base or {}), name: value})
    except ValidationError as err:
        if any(e["loc"] and e["loc"][0] == name for e in err.errors()):
            raise _refused(name, raw) from None
        raise ParameterError(describe_validation_error(err, "parameters").replace("\n", "; ")) from None
    value = getattr(params, name)
    if name in APP_MAX and value > APP_MAX[name]:
        raise ParameterError(f"'{raw}' is not allowed here: the browser view takes {label(name)} up to "
                             f"{APP_MAX[name]:,} (use `slsim run` for bigger places)")
    return value, params


def parse_value(name: str, text: Any) -> Any:
    """Turn text typed into a control into the parameter's value, or raise ParameterError with one
    sentence (the parameter alone, on top of the defaults; see :func:`validated`)."""
    return validated(name, text)[0]


@dataclass
class Intervention:
    """A trainer's change of parameters, acting from ``week`` on."""

    week: int
    changes: dict[str, Any]
    note: str = ""

    def as_timeline(self) -> dict[str, Any]:
        return {"week": self.week, "set": dict(self.changes), "note": self.note}


@dataclass
class Session:
    """One browser session's place: scenario, seed, set-up values, the live model, interventions.

    All methods that touch the model hold ``lock``: the play loop runs in its own thread while
    buttons are pressed in the session's main thread. ``scenario`` is the chosen name, ``spec``
    its resolved Scenario and ``setup`` the checked set-up values; change them only through the
    ``set_`` methods, which keep the three and the model in step.
    """

    scenario: str = field(default_factory=first_scenario)
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    interventions: list[Intervention] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.model: SystemModel
        self.spec: Scenario = resolve_scenario_cached(self.scenario)
        self.setup: Params = self.spec.params_with(self.overrides)
        self.reset()

    # ---------------------------------------------------------------- set-up
    @property
    def model_seed(self) -> int:
        """The model's rng: replicate 0's seed under the run layer's seeding rule."""
        return Seeds(self.seed).replicate(0)

    def reset(self) -> None:
        """Back to week 0 with the current scenario, seed and set-up values (interventions dropped)."""
        with self.lock:
            self.interventions = []
            self.model = SystemModel(self.spec, rng=self.model_seed, **self.overrides)

    def set_scenario(self, name: str) -> None:
        """Pick a scenario: its own values replace any set-up changes; the run restarts.

        An unknown or broken scenario raises ScenarioError and changes nothing."""
        spec = resolve_scenario_cached(name)
        setup = spec.params_with({})
        self.scenario, self.spec, self.setup, self.overrides = name, spec, setup, {}
        self.reset()

    def set_seed(self, text: Any) -> None:
        """Set the seed from typed text (a whole number >= 0); the run restarts."""
        raw = "" if text is None else str(text).strip()
        if not raw.isdigit():
            raise ParameterError(f"'{raw}' is not allowed: the seed is a whole number from 0 upwards")
        self.seed = int(raw)
        self.reset()

    def set_param(self, name: str, text: Any) -> Any:
        """Change one set-up value from typed text; the run restarts with it. Returns the value.

        The value is checked with the scenario's and the other set-up values (one Params). A
        refused value raises ParameterError and changes nothing.
        """
        value, setup = validated(name, text, {**self.spec.params, **self.overrides})
        self.overrides = self.overrides | {name: value}
        self.setup = setup
        self.reset()
        return value

    def value(self, name: str) -> Any:
        """The value a parameter has at the current week (after any intervention)."""
        return getattr(self.model.params, name)

    def setup_value(self, name: str) -> Any:
        """The value a parameter has at week 0 (scenario plus set-up changes)."""
        return getattr(self.setup, name)

    # ---------------------------------------------------------------- running
    @property
    def week(self) -> int:
        return int(self.model.week)

    def step(self, weeks: int = 1) -> int:
        """Advance ``weeks`` weeks (not beyond MAX_WEEKS); returns the new week."""
        with self.lock:
            for _ in range(max(0, min(weeks, MAX_WEEKS - self.model.week))):
                self.model.step()
            return self.week

    def intervene_typed(self, name: str, text: Any) -> Intervention:
        """A trainer's typed value for one parameter, checked with the run's current values."""
        with self.lock:
            value, _ = validated(name, text, self.model.params.model_dump())
            return self.intervene({name: value})

    def intervene(self, changes: dict[str, Any], note: str = "") -> Intervention:
        """Apply a trainer's change now: it acts from the next week on. Raises ParameterError."""
        bad = sorted(set(changes) - set(INTERVENTION_PARAMS))
        if bad:
            raise ParameterError(f"{bad} cannot be changed during a run; allowed: {', '.join(INTERVENTION_PARAMS)}")
        if not changes:
            raise ParameterError("nothing to change")
        with self.lock:
            text = note or ", ".join(f"{label(k)} = {value_text(v)}" for k, v in changes.items())
            self.model.apply_intervention(dict(changes), note=f"Trainer: {text}")
            iv = Intervention(self.model.week + 1, dict(changes), f"Trainer: {text}")
            self.interventions.append(iv)
            return iv

    def switch_style(self, scenario: str) -> Intervention:
        """Intervention: adopt another scenario's leadership style from the next week on."""
        sc = resolve_scenario_cached(scenario)
        style = {k: getattr(sc.params_with(), k) for k in LEADERSHIP_FIELDS}
        return self.intervene(style, note=f"switch to the leadership style of '{sc.title}'")

    # ---------------------------------------------------------------- reading
    def results(self) -> pd.DataFrame:
        with self.lock:
            return self.model.results().copy()

    def events(self) -> pd.DataFrame:
        with self.lock:
            return self.model.event_log()

    def marks(self) -> list[tuple[int, str, str]]:
        """(week, kind, text) to mark on every chart: scenario timeline events and interventions."""
        out = [(int(ev.week), "timeline", ev.note or ", ".join(f"{label(k)} = {v}" for k, v in ev.set.items()))
               for ev in self.spec.timeline]
        out += [(iv.week, "intervention", iv.note) for iv in self.interventions]
        return sorted(out)

    def timeline(self) -> list[dict[str, Any]]:
        """The interventions as run-layer timeline events."""
        return [iv.as_timeline() for iv in self.interventions]

    def reproduce(self) -> str:
        """Python that gives a researcher exactly the numbers on screen."""
        args = [repr(self.scenario), f"weeks={max(self.week, 1)}", "replicates=1", f"seed={self.seed}"]
        if self.overrides:
            args.append(f"params={self.overrides!r}")
        if self.interventions:
            args.append(f"timeline={self.timeline()!r}")
        return f"slsim.run({', '.join(args)})"


# -------------------------------------------------------------------- comparison
# Worker processes for a browser comparison: its replicates run on the execution layer's local
# process pool, so a comparison neither holds the server's GIL nor slows the other sessions' play.
# At most two: every session shares the server's cores, and one learner's comparison should not
# take all of a big machine. A new pool per comparison costs little after the first: the pool's
# forkserver has the model imported and forks warm workers.
COMPARE_PROCESSES = 2


def run_comparison(baseline: str, other: str, weeks: int, replicates: int, seed: int, progress=None,
                   processes: int | None = COMPARE_PROCESSES):
    """Two scenarios with the same replicate seeds (common random numbers), via the run layer, on a
    pool of ``processes`` local worker processes (never more than there are runs)."""
    if baseline == other:
        raise ParameterError("pick two different scenarios to compare")
    for name, value, lo, hi in (("weeks", weeks, 1, MAX_WEEKS), ("replicates", replicates, 2, 100)):
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ParameterError(f"{name}: '{value}' is not allowed; a whole number from {lo} to {hi}")
    with LocalProcessExecutor(min(processes or COMPARE_PROCESSES, 2 * replicates)) as pool:
        return compare([baseline, other], weeks=weeks, replicates=replicates, seed=seed, progress=progress,
                       executor=pool)

