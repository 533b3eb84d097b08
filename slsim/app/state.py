"""What one browser session holds and does, without any user interface (so it is testable alone).

Rules:

* Every number the view shows comes from a :class:`~slsim.model.SystemModel` built exactly as the
  run layer builds replicate 0: ``SystemModel(scenario, rng=Seeds(seed).replicate(0), **params)``.
  A session with seed ``S``, set-up values ``P`` and interventions ``I`` after ``W`` weeks therefore
  equals ``slsim.run(scenario, weeks=W, replicates=1, seed=S, params=P, timeline=I)`` row for row;
  :meth:`Session.reproduce` prints that call.
* A trainer's intervention made after week ``k`` acts from week ``k + 1`` on, which is what a
  timeline event ``{"week": k + 1, ...}`` does in the run layer; charts mark it at week ``k + 1``.
* Values typed into the browser are text: :func:`parse_value` turns them into the parameter's type
  and checks its range, raising :class:`~slsim.params.ParameterError` with one readable sentence.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..execution import LocalProcessExecutor, Seeds
from ..metrics import LEVEL_TITLES, OUTCOMES, columns_by_level
from ..model import SystemModel
from ..params import FIXED_DURING_RUN, LEADERSHIP_FIELDS, ParameterError, Params, parameter_table
from ..runner import compare
from ..scenario import resolve_scenario

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
        if "headline" in resolve_scenario(name).tags and name != "default":
            return name
    return names[0] if names else "default"


def label(name: str) -> str:
    """A parameter or outcome name in words: ``delayed_transfers`` -> ``delayed transfers``."""
    return name.replace("_", " ")


def allowed_text(name: str) -> str:
    """What a parameter accepts, in words, e.g. ``a number from 0 to 1 (probability)``."""
    info = PARAM_INFO[name]
    annotation = Params.model_fields[name].annotation
    unit = f" ({info['unit']})" if info["unit"] else ""
    if annotation is bool:
        return "yes or no"
    kind = "a whole number" if annotation is int else "a number"
    if info["min"] is not None and info["max"] is not None:
        return f"{kind} from {info['min']:g} to {info['max']:g}{unit}"
    return kind + unit


def parse_value(name: str, text: Any) -> Any:
    """Turn text typed into a control into the parameter's value, or raise ParameterError.

    Accepts numbers with a decimal point or comma and surrounding spaces; ``yes/no/true/false/1/0``
    for switches. Refuses empty text, NaN and infinity, whole-number parameters given fractions,
    and values outside the parameter's range. The message names what is allowed.
    """
    if name not in Params.model_fields:
        raise ParameterError(f"unknown parameter '{name}'")
    annotation = Params.model_fields[name].annotation
    raw = "" if text is None else str(text).strip()
    if annotation is bool:
        if isinstance(text, bool):
            return text
        low = raw.lower()
        if low in ("yes", "true", "1", "on"):
            return True
        if low in ("no", "false", "0", "off"):
            return False
        raise ParameterError(f"'{raw}' is not allowed: {label(name)} takes {allowed_text(name)}")
    try:
        number = float(raw.replace(",", ".").replace("_", "")) if raw else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ParameterError(f"'{raw}' is not allowed: {label(name)} takes {allowed_text(name)}")
    if annotation is int:
        if number != int(number):
            raise ParameterError(f"'{raw}' is not allowed: {label(name)} takes {allowed_text(name)}")
        value: Any = int(number)
    else:
        value = number
    info = PARAM_INFO[name]
    if (info["min"] is not None and value < info["min"]) or (info["max"] is not None and value > info["max"]):
        raise ParameterError(f"'{raw}' is not allowed: {label(name)} takes {allowed_text(name)}")
    if name in APP_MAX and value > APP_MAX[name]:
        raise ParameterError(f"'{raw}' is not allowed here: the browser view takes {label(name)} up to "
                             f"{APP_MAX[name]:,} (use `slsim run` for bigger places)")
    return value


def format_value(value: Any) -> str:
    """A parameter value as a control shows it (no float noise such as 0.30000000000000004)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


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
    buttons are pressed in the session's main thread.
    """

    scenario: str = field(default_factory=first_scenario)
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    interventions: list[Intervention] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.model: SystemModel
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
            self.model = SystemModel(self.scenario, rng=self.model_seed, **self.overrides)

    def set_scenario(self, name: str) -> None:
        """Pick a scenario: its own values replace any set-up changes; the run restarts."""
        resolve_scenario(name)  # raises ScenarioError for an unknown name, changing nothing
        self.scenario = name
        self.overrides = {}
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

        A refused value raises ParameterError and changes nothing.
        """
        value = parse_value(name, text)
        trial = self.overrides | {name: value}
        resolve_scenario(self.scenario).params_with(trial)  # whole-set check (e.g. overrides)
        self.overrides = trial
        self.reset()
        return value

    def value(self, name: str) -> Any:
        """The value a parameter has at the current week (after any intervention)."""
        return getattr(self.model.params, name)

    def setup_value(self, name: str) -> Any:
        """The value a parameter has at week 0 (scenario plus set-up changes)."""
        return getattr(resolve_scenario(self.scenario).params_with(self.overrides), name)

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

    def intervene(self, changes: dict[str, Any], note: str = "") -> Intervention:
        """Apply a trainer's change now: it acts from the next week on. Raises ParameterError."""
        bad = sorted(set(changes) - set(INTERVENTION_PARAMS))
        if bad:
            raise ParameterError(f"{bad} cannot be changed during a run; allowed: {', '.join(INTERVENTION_PARAMS)}")
        if not changes:
            raise ParameterError("nothing to change")
        with self.lock:
            text = note or ", ".join(f"{label(k)} = {format_value(v)}" for k, v in changes.items())
            self.model.apply_intervention(dict(changes), note=f"Trainer: {text}")
            iv = Intervention(self.model.week + 1, dict(changes), f"Trainer: {text}")
            self.interventions.append(iv)
            return iv

    def switch_style(self, scenario: str) -> Intervention:
        """Intervention: adopt another scenario's leadership style from the next week on."""
        sc = resolve_scenario(scenario)
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
               for ev in resolve_scenario(self.scenario).timeline]
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
# One outcome leads each group's sentence: the one a trainer's room cares about most.
HEADLINE_BY_LEVEL = {"thinking": "defensiveness", "behaving": "blame_events", "ground": "delayed_transfers"}


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


def _pct(x: float) -> str:
    return f"{abs(x):.0f}%"


def difference_sentence(row: pd.Series, title: str) -> str:
    """One sentence for one outcome's difference, e.g. ``delayed transfers 38% lower under
    systems leadership, 90% interval 30-45%``. Intervals crossing zero are called unclear."""
    name = label(row["outcome"])
    pct, lo, hi = row["percent"], row["percent_lo"], row["percent_hi"]
    if pct == pct and abs(row["baseline_mean"]) > 1e-12:
        if lo != lo:  # a single replicate has no interval
            return f"{name} {_pct(pct)} {'lower' if pct < 0 else 'higher'} under {title} (no interval: one replicate)"
        if lo > 0 or hi < 0:
            a, b = sorted((abs(lo), abs(hi)))
            return f"{name} {_pct(pct)} {'lower' if pct < 0 else 'higher'} under {title}, 90% interval {a:.0f}-{b:.0f}%"
        return (f"{name}: no clear difference under {title} ({pct:+.0f}%, 90% interval {lo:+.0f}% to {hi:+.0f}%)")
    diff = row["difference"]
    unit = row["unit"]
    return (f"{name} {abs(diff):.3g} {unit} {'lower' if diff < 0 else 'higher'} under {title} "
            f"(baseline mean {row['baseline_mean']:.3g}, 90% interval {row['lo']:+.3g} to {row['hi']:+.3g})")


def summary_sentences(comparison) -> dict[str, str]:
    """One sentence per outcome group (thinking, behaving, on the ground), from ``.differences()``."""
    diffs = comparison.differences()
    other = [s for s in comparison.scenarios if s != comparison.baseline][0]
    short = label(other)
    out = {}
    for level, names in columns_by_level().items():
        head = HEADLINE_BY_LEVEL.get(level, names[0])
        row = diffs[diffs["outcome"] == head].iloc[0]
        out[level] = f"{LEVEL_TITLES[level]}: " + difference_sentence(row, short)
    return out


def outcome_help(name: str) -> str:
    """Plain words for an outcome chart's tooltip: what it measures and in which unit."""
    level, unit, desc = OUTCOMES[name]
    return f"{desc} ({unit})."
