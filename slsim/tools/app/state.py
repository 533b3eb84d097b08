"""What one browser session holds and does, without any user interface (so it is testable alone).

Rules:

* Every number the view shows comes from a :class:`~slsim.model.system.SystemModel` built exactly as the
  run layer builds replicate 0: ``SystemModel(scenario, rng=Seeds(seed).replicate(0), **params)``.
  A session with seed ``S``, set-up values ``P`` and interventions ``I`` after ``W`` weeks therefore
  equals ``slsim.run(scenario, weeks=W, replicates=1, seed=S, params=P, timeline=I)`` row for row;
  :meth:`Session.reproduce` prints that call.
* A trainer's intervention made after week ``k`` acts from week ``k + 1`` on, which is what a
  timeline event ``{"week": k + 1, ...}`` does in the run layer; charts mark it at week ``k + 1``.
* Values typed into the browser are text: :func:`typed` turns them into the parameter's type and
  :class:`~slsim.model.params.Params` alone decides whether they are allowed (:func:`validated`), its
  refusal becoming one readable sentence (a :class:`~slsim.model.params.ParameterError`).
* A session holds its scenario resolved (:attr:`Session.spec`, once per choice, from the scenario
  cache) and its checked set-up values (:attr:`Session.setup`, once per change): drawing the
  controls reads no file and builds no parameter set.
* Words and number formats come from :mod:`slsim.results.present`, as on the command line.
* Each session owns its burn-in cache (:attr:`Session.burn_in_cache`): its resets and replays burn
  a place and seed in once, and no session sees another's places. Comparisons run on the run
  layer's worker processes, with their caches.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from slsim.execution import LocalProcessExecutor, Seeds
from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import (
    FIXED_DURING_RUN,
    LEADERSHIP_FIELDS,
    ParameterError,
    Params,
    describe_validation_error,
    parameter_table,
)
from slsim.model.scenario import Scenario, resolve_scenario_cached
from slsim.model.system import SystemModel
from slsim.results.present import allowed_text, label, parameter_label, share, value_text
from slsim.results.runner import compare

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
# Places a session keeps burnt in (its own cache): the place it plays and the few it just left,
# which a learner going back and forth between set-ups returns to. Each is a copy of a whole
# place, so a server of many sessions keeps few per session.
SESSION_BURN_INS = 4

PARAM_INFO: dict[str, dict[str, Any]] = {row["name"]: row for row in parameter_table()}


def first_scenario() -> str:
    """The scenario a new session opens with (and the guided tour uses): the first built-in
    scenario tagged ``headline`` (the library's opening story), else the first one."""
    from slsim.model.scenario import list_scenarios
    names = list_scenarios()
    for name in names:
        if "headline" in resolve_scenario_cached(name).tags and name != "default":
            return name
    return names[0] if names else "default"


def _refused(name: str, raw: str) -> ParameterError:
    return ParameterError(f"'{raw}' is not allowed: {parameter_label(name)} takes "
                          f"{allowed_text(name, APP_MAX.get(name))}")


# Thousands written with separators: 200,000 / 200 000 / 1,234,567.5 (a comma then exactly three
# digits, repeated). A single comma otherwise is a decimal comma (0,7).
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:[, \u00a0\u202f]\d{3})+(?:\.\d+)?$")


def _read_number(raw: str) -> float:
    """Typed text as a number (NaN if it is none): thousands separators and a decimal comma read
    as people write them, so "200,000" is two hundred thousand and "0,7" is seven tenths."""
    text = raw.replace("_", "")
    if _GROUPED.match(text):
        text = re.sub(r"[, \u00a0\u202f]", "", text)
    elif "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan


def typed(name: str, text: Any) -> Any:
    """Text typed into a control as a value of the parameter's type, before any range check.

    Numbers may have thousands separators ("200,000", "200 000"), a decimal comma ("0,7"),
    underscores and surrounding spaces; anything else with a comma ("1,5,0") is refused; a whole-number parameter
    given a whole float gets an int. Switches take ``yes/no/true/false/on/off/1/0``. Text that is
    no number (or NaN, or infinite) raises ParameterError naming what is allowed; whether the value
    is in range is for :class:`~slsim.model.params.Params` to say (see :func:`validated`).
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
    number = _read_number(raw)
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
        raise ParameterError(f"'{raw}' is not allowed here: {parameter_label(name)} takes "
                             f"{allowed_text(name, APP_MAX[name])} in the browser view (use `slsim run` for "
                             f"bigger places)")
    return value, params


def parse_value(name: str, text: Any) -> Any:
    """Turn text typed into a control into the parameter's value, or raise ParameterError with one
    sentence (the parameter alone, on top of the defaults; see :func:`validated`)."""
    return validated(name, text)[0]


@dataclass
class Intervention:
    """A trainer's change of parameters, acting from ``week`` on. ``group`` ties changes made by one
    press together (a winter surge and its scheduled end): undo takes back a whole group."""

    week: int
    changes: dict[str, Any]
    note: str = ""
    group: int = 0

    def as_timeline(self) -> dict[str, Any]:
        return {"week": self.week, "set": dict(self.changes), "note": self.note}


def winter_surge_preset() -> tuple[float, int]:
    """(crisis multiple, weeks) of a winter surge, read from the ``winter_surge`` scenario's timeline
    (its first ``crisis_surge`` event and the event that sets it back), so the button and the
    scenario surge alike; 1.4 for 13 weeks if the scenario is missing."""
    try:
        events = [ev for ev in resolve_scenario_cached("winter_surge").timeline if "crisis_surge" in ev.set]
        start = next(ev for ev in events if ev.set["crisis_surge"] != 1.0)
        end = next(ev for ev in events if ev.week > start.week)
        return float(start.set["crisis_surge"]), int(end.week - start.week)
    except Exception:  # noqa: BLE001 - no such scenario, or one shaped otherwise: the usual winter
        return 1.4, 13


@dataclass
class Session:
    """One browser session's place: scenario, seed, set-up values, the live model, interventions.

    All methods that touch the model hold ``lock``: the play loop runs in its own thread while
    buttons are pressed in the session's main thread. ``scenario`` is the chosen name, ``spec``
    its resolved Scenario and ``setup`` the checked set-up values; change them only through the
    ``set_`` methods, which keep the three and the model in step.

    ``interventions`` are those already applied; ``scheduled`` those that act at a later week (the
    end of a winter surge), applied by :meth:`step` between weeks exactly as a timeline event of the
    run layer would be. ``on_change`` (if set) is called with the session after every change, so the
    page can keep a snapshot (:meth:`snapshot`) that survives a reload.
    """

    scenario: str = field(default_factory=first_scenario)
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    interventions: list[Intervention] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.model: SystemModel
        self.scheduled: list[Intervention] = []
        self.on_change = None
        self.burn_in_cache = BurnInCache(size=SESSION_BURN_INS)
        self.spec: Scenario = resolve_scenario_cached(self.scenario)
        self.setup: Params = self.spec.params_with(self.overrides)
        self.reset()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    # ---------------------------------------------------------------- set-up
    @property
    def model_seed(self) -> int:
        """The model's rng: replicate 0's seed under the run layer's seeding rule."""
        return Seeds(self.seed).replicate(0)

    def reset(self) -> None:
        """Back to week 0 with the current scenario, seed and set-up values (interventions dropped)."""
        with self.lock:
            self.interventions = []
            self.scheduled = []
            self.model = SystemModel(self.spec, rng=self.model_seed, burn_in_cache=self.burn_in_cache,
                                     **self.overrides)
        self._changed()

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

    def _step_once(self) -> None:
        due = [iv for iv in self.scheduled if iv.week == self.model.week + 1]
        for iv in due:  # between weeks, as the run layer applies a timeline event of week iv.week
            self.model.apply_intervention(dict(iv.changes), note=iv.note)
            self.scheduled.remove(iv)
            self.interventions.append(iv)
        self.model.step()

    def step(self, weeks: int = 1) -> int:
        """Advance ``weeks`` weeks (not beyond MAX_WEEKS); returns the new week."""
        with self.lock:
            for _ in range(max(0, min(weeks, MAX_WEEKS - self.model.week))):
                self._step_once()
            week = self.week
        self._changed()
        return week

    def intervene_typed(self, name: str, text: Any) -> Intervention:
        """A trainer's typed value for one parameter, checked with the run's current values."""
        with self.lock:
            value, _ = validated(name, text, self.model.params.model_dump())
            return self.intervene({name: value})

    def _next_group(self) -> int:
        return 1 + max((iv.group for iv in self.interventions + self.scheduled), default=0)

    def intervene(self, changes: dict[str, Any], note: str = "", group: int | None = None) -> Intervention:
        """Apply a trainer's change now: it acts from the next week on. Raises ParameterError."""
        bad = sorted(set(changes) - set(INTERVENTION_PARAMS))
        if bad:
            raise ParameterError(f"{bad} cannot be changed during a run; allowed: {', '.join(INTERVENTION_PARAMS)}")
        if not changes:
            raise ParameterError("nothing to change")
        with self.lock:
            text = note or ", ".join(f"{parameter_label(k)} = {value_text(v)}" for k, v in changes.items())
            self.model.apply_intervention(dict(changes), note=f"Trainer: {text}")
            iv = Intervention(self.model.week + 1, dict(changes), f"Trainer: {text}",
                              self._next_group() if group is None else group)
            self.interventions.append(iv)
        self._changed()
        return iv

    def switch_style(self, scenario: str) -> Intervention:
        """Intervention: adopt another scenario's leadership style from the next week on."""
        sc = resolve_scenario_cached(scenario)
        style = {k: getattr(sc.params_with(), k) for k in LEADERSHIP_FIELDS}
        return self.intervene(style, note=f"switch to the leadership style of '{sc.title}'")

    def winter_surge(self) -> Intervention:
        """A winter surge from the next week on, ending by itself after as many weeks as the
        ``winter_surge`` scenario's (see :func:`winter_surge_preset`); crises go back to the level
        they had before. Refused while a surge is still on, so pressing twice never compounds."""
        surge, weeks = winter_surge_preset()
        with self.lock:
            running = [iv for iv in self.scheduled if "crisis_surge" in iv.changes]
            if running:
                raise ParameterError(f"a winter surge is already on; it ends by itself at week {running[0].week}")
            before = self.value("crisis_surge")
            group = self._next_group()
            iv = self.intervene({"crisis_surge": surge}, note=f"winter surge: {share(surge - 1)} more crises for "
                                f"{weeks} weeks", group=group)
            self.scheduled.append(Intervention(iv.week + weeks, {"crisis_surge": before},
                                               "Trainer: winter surge ends", group))
        self._changed()
        return iv

    def undo(self) -> Intervention:
        """Take back the last intervention (a winter surge with its scheduled end): the run is
        replayed from week 0 with the others to the week it had reached, so it equals the run layer's
        run with the remaining timeline. Raises ParameterError when there is nothing to undo."""
        with self.lock:
            every = self.interventions + self.scheduled
            if not every:
                raise ParameterError("there is no intervention to undo")
            last = max(iv.group for iv in every)
            undone = next(iv for iv in every if iv.group == last)
            keep = sorted((iv for iv in every if iv.group != last), key=lambda iv: (iv.week, iv.group))
            self._replay(keep, self.week)
        self._changed()
        return undone

    def _replay(self, interventions: list[Intervention], week: int) -> None:
        """Rebuild the model and run it to ``week`` with these interventions (applied ones and
        scheduled ones alike, each at its own week)."""
        self.model = SystemModel(self.spec, rng=self.model_seed, burn_in_cache=self.burn_in_cache,
                                 **self.overrides)
        self.interventions, self.scheduled = [], list(interventions)
        for _ in range(min(week, MAX_WEEKS)):
            self._step_once()
        # those acting from the next week were made after the week reached: apply them now, as then
        for iv in [iv for iv in self.scheduled if iv.week == self.model.week + 1]:
            self.model.apply_intervention(dict(iv.changes), note=iv.note)
            self.scheduled.remove(iv)
            self.interventions.append(iv)

    # ---------------------------------------------------------------- keeping a session across reloads
    def snapshot(self) -> dict[str, Any]:
        """What rebuilds this session exactly (plain data): scenario, seed, set-up values, every
        intervention (applied and scheduled, with its week and group) and the week reached."""
        with self.lock:
            return {"scenario": self.scenario, "seed": self.seed, "overrides": dict(self.overrides),
                    "week": self.week,
                    "interventions": [dataclasses.asdict(iv) for iv in self.interventions + self.scheduled]}

    @classmethod
    def restore(cls, snap: dict[str, Any]) -> Session:
        """A session rebuilt from :meth:`snapshot`: the same model, week for week (same seed, same
        set-up, the interventions at their weeks)."""
        s = cls(snap["scenario"], seed=int(snap["seed"]), overrides=dict(snap["overrides"]))
        ivs = sorted((Intervention(**iv) for iv in snap["interventions"]), key=lambda iv: (iv.week, iv.group))
        with s.lock:
            s._replay(ivs, int(snap["week"]))
        return s

    # ---------------------------------------------------------------- reading
    def results(self) -> pd.DataFrame:
        with self.lock:
            return self.model.results().copy()

    def events(self) -> pd.DataFrame:
        with self.lock:
            return self.model.event_log()

    def marks(self) -> list[tuple[int, str, str]]:
        """(week, kind, text) to mark on every chart: scenario timeline events and interventions
        (scheduled ones too: a surge's end is marked before it comes)."""
        out = [(int(ev.week), "timeline", ev.note or ", ".join(f"{label(k)} = {v}" for k, v in ev.set.items()))
               for ev in self.spec.timeline]
        out += [(iv.week, "intervention", iv.note) for iv in self.interventions + self.scheduled]
        return sorted(out)

    def timeline(self) -> list[dict[str, Any]]:
        """The interventions applied so far as run-layer timeline events."""
        return [iv.as_timeline() for iv in self.interventions]

    def reproduce(self) -> str:
        """Python that gives a researcher exactly the numbers on screen; empty at week 0 (no week
        run yet: the run layer runs at least one week, so no call gives an empty run)."""
        if self.week < 1:
            return ""
        args = [repr(self.scenario), f"weeks={self.week}", "replicates=1", f"seed={self.seed}"]
        if self.overrides:
            args.append(f"params={self.overrides!r}")
        if self.interventions:
            args.append(f"timeline={self.timeline()!r}")
        return f"slsim.run({', '.join(args)})"


# -------------------------------------------------------------------- sessions kept across reloads
# A reload (F5) opens a new Solara kernel, so the session's objects are gone; its snapshot is kept
# here, in the server process, under the browser's session id (Solara's session cookie, the same
# across reloads of one browser). Bounded: the oldest snapshots go first.
MAX_SAVED = 500
_SAVED: OrderedDict[str, dict[str, Any]] = OrderedDict()
_SAVED_LOCK = threading.Lock()


def save_snapshot(key: str, snap: dict[str, Any]) -> None:
    """Keep ``snap`` (see :meth:`Session.snapshot`, plus any view state) under ``key``."""
    with _SAVED_LOCK:
        _SAVED[key] = snap
        _SAVED.move_to_end(key)
        while len(_SAVED) > MAX_SAVED:
            _SAVED.popitem(last=False)


def saved_snapshot(key: str) -> dict[str, Any] | None:
    """The snapshot kept under ``key``, or None."""
    with _SAVED_LOCK:
        snap = _SAVED.get(key)
        return None if snap is None else dict(snap)


def session_for(key: str | None) -> tuple[Session, dict[str, Any]]:
    """The session to open: rebuilt from the snapshot kept under ``key`` if there is one (and it
    still loads: a scenario file may have gone), else a new one; with the snapshot's view state."""
    snap = saved_snapshot(key) if key else None
    if snap is not None:
        try:
            return Session.restore(snap), dict(snap.get("view", {}))
        except Exception:  # noqa: BLE001 - a snapshot that no longer loads: start afresh, never fail the page
            pass
    return Session(), {}


# -------------------------------------------------------------------- comparison
# Worker processes for a browser comparison: its replicates run on the execution layer's local
# process pool, so a comparison neither holds the server's GIL nor slows the other sessions' play.
# At most two: every session shares the server's cores, and one learner's comparison should not
# take all of a big machine. A new pool per comparison costs little after the first: the pool's
# forkserver has the model imported and forks warm workers.
COMPARE_PROCESSES = 2
# The workers run at a lower CPU priority (nice 5: the server weighs three times as much): while a
# comparison fills the cores, the server's sessions (their steps, their charts) still get the CPU
# the moment they need it; with nothing else to do the comparison runs as fast as the command
# line's. Nicer still (10) starved the comparison on a machine shared with other work.
COMPARE_NICE = 5


def run_comparison(baseline: str, other: str, weeks: int, replicates: int, seed: int, progress=None,
                   processes: int | None = COMPARE_PROCESSES, posterior=None):
    """Two scenarios with the same replicate seeds (common random numbers), via the run layer, on a
    pool of ``processes`` local worker processes (never more than there are runs). ``posterior``:
    a calibration's posterior the replicates draw their fitted parameters from (as
    ``slsim compare --posterior``)."""
    if baseline == other:
        raise ParameterError("pick two different scenarios to compare")
    for name, value, lo, hi in (("weeks", weeks, 1, MAX_WEEKS), ("replicates", replicates, 2, 100)):
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ParameterError(f"{name}: '{value}' is not allowed; a whole number from {lo} to {hi}")
    with LocalProcessExecutor(min(processes or COMPARE_PROCESSES, 2 * replicates), nice=COMPARE_NICE) as pool:
        return compare([baseline, other], weeks=weeks, replicates=replicates, seed=seed, progress=progress,
                       executor=pool, posterior=posterior)



def live_scenarios(session: Session) -> tuple[Scenario, Scenario]:
    """The live run as a scenario beside its baseline: (the scenario as the library has it, the same
    scenario with the session's set-up changes and every intervention as timeline events). Both
    keep the scenario's own timeline and the place the session set up (its size and opening
    state, ``FIXED_DURING_RUN``), so they differ only in what a trainer changed; the second is
    named ``<scenario>_with_your_changes``."""
    from slsim.model.scenario import TimelineEvent
    spec = session.spec
    with session.lock:
        events = [TimelineEvent(week=iv.week, set=dict(iv.changes), note=iv.note)
                  for iv in session.interventions + session.scheduled]
        overrides = dict(session.overrides)
    place = {k: v for k, v in overrides.items() if k in FIXED_DURING_RUN}
    base = dataclasses.replace(spec, params={**spec.params, **place}) if place else spec
    live = dataclasses.replace(spec, name=f"{spec.name}_with_your_changes",
                               title=f"{spec.title}, with your changes", params={**spec.params, **overrides},
                               timeline=tuple(sorted([*spec.timeline, *events], key=lambda ev: ev.week)))
    return base, live


def live_changes(session: Session) -> dict[str, Any]:
    """The set-up changes that make the live run differ from its baseline (not the place's size)."""
    return {k: v for k, v in session.overrides.items() if k not in FIXED_DURING_RUN}


def run_live_comparison(session: Session, weeks: int, replicates: int, seed: int, progress=None,
                        processes: int | None = COMPARE_PROCESSES, posterior=None):
    """The live run (its set-up changes and interventions) against its own baseline, same seeds,
    through the same execution layer and process pool as :func:`run_comparison`. Raises
    ParameterError when the live run has no change to compare."""
    if not live_changes(session) and not (session.interventions or session.scheduled):
        raise ParameterError("the live run has no set-up change or intervention yet: nothing to compare "
                             "with its baseline")
    for name, value, lo, hi in (("weeks", weeks, 1, MAX_WEEKS), ("replicates", replicates, 2, 100)):
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ParameterError(f"{name}: '{value}' is not allowed; a whole number from {lo} to {hi}")
    base, live = live_scenarios(session)
    import warnings
    with warnings.catch_warnings():
        # interventions after the compared weeks are simply not reached: no warning for the room
        warnings.simplefilter("ignore")
        with LocalProcessExecutor(min(processes or COMPARE_PROCESSES, 2 * replicates), nice=COMPARE_NICE) as pool:
            return compare([base, live], weeks=weeks, replicates=replicates, seed=seed, progress=progress,
                           executor=pool, posterior=posterior)
