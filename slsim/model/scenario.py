"""Scenario files: a name, a narrative for trainers, parameter overrides and a timeline of events.

A scenario is a YAML file (read with the one strict loader, :mod:`slsim.yamlfile`) of this form::

    name: systems_leadership
    title: Shared, ceded systems leadership
    narrative: |
      Words a trainer can read aloud.
    params:            # any parameter of slsim.model.params.Params
      blame_response: 0.15
    timeline:          # optional: from week N, change these parameters
      - week: 52
        set: {social_care_budget_change_per_year: -0.08}
        note: The council's budget is cut.
      - week: 78
        adopt: systems_leadership   # the leadership behaviours of that scenario

``extends: SCENARIO`` starts ``params`` from another built-in scenario's.

Anything unknown or invalid is a :class:`ScenarioError` naming the file, the field and what is
allowed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slsim import yamlfile
from slsim.errors import SlsimError
from slsim.limits import MAX_TIMELINE_WEEK
from slsim.model.params import ParameterError, Params, describe_validation_error, is_parameter


class ScenarioError(SlsimError):
    """A scenario is unknown, or its file is malformed or holds invalid values."""


def scenario_dir() -> Path:
    """Where the built-in scenario library lives (``SLSIM_SCENARIOS`` overrides)."""
    env = os.environ.get("SLSIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]  # the slsim package
    for candidate in (here / "_scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here.parent / "scenarios"


class TimelineEvent(BaseModel):
    """From ``week`` on, parameters in ``set`` take new values.

    ``adopt: SCENARIO`` is a shorthand: the leadership behaviours of that built-in scenario are
    added to ``set`` (values written in ``set`` win).
    """

    model_config = ConfigDict(extra="forbid")
    week: int = Field(ge=1, le=MAX_TIMELINE_WEEK)
    set: dict[str, Any] = Field(default_factory=dict)
    adopt: str | None = None
    note: str = ""


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    narrative: str
    extends: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``params`` are only the overrides; see :meth:`params_with`."""

    name: str
    title: str
    narrative: str
    params: dict[str, Any] = field(default_factory=dict)
    timeline: tuple[TimelineEvent, ...] = ()
    tags: tuple[str, ...] = ()
    path: Path | None = None
    # (absolute path, sha256 of its bytes) of every file this scenario was read from: its own and
    # those it reached through ``extends:`` and ``adopt:``; a sweep's manifest records them
    sources: tuple[tuple[str, str], ...] = ()

    def params_with(self, overrides: dict[str, Any] | None = None) -> Params:
        """The scenario's parameters with keyword overrides on top, validated."""
        merged = {**self.params, **(overrides or {})}
        try:
            return Params(**merged)
        except ValidationError as err:
            where = "parameters" if overrides else str(self.path or self.name)
            raise ParameterError(describe_validation_error(err, where)) from None

    def timeline_with(self, extra: list[dict[str, Any]] | None = None) -> list[TimelineEvent]:
        """The scenario's timeline plus extra events, validated and sorted by week."""
        events = list(self.timeline)
        for ev in events:
            _check_timeline_params(ev, self.path or self.name)
        for i, ev in enumerate(extra or []):
            where = f"timeline= event {i}"
            try:
                event = _adopted(TimelineEvent(**ev), Path(where))
            except (ValidationError, TypeError) as err:
                raise ScenarioError(f"{where}: {err}") from None
            _check_timeline_params(event, where)
            events.append(event)
        return sorted(events, key=lambda e: e.week)


def _check_timeline_params(ev: TimelineEvent, where: Any) -> None:
    from slsim.model.params import FIXED_DURING_RUN
    fixed = sorted(set(ev.set) & set(FIXED_DURING_RUN))
    if fixed:
        raise ScenarioError(f"{where}: timeline week {ev.week}: {fixed} set the place up (size, make-up, "
                            f"opening state) and cannot change during a run; set them in params instead")
    unknown = sorted(name for name in ev.set if not is_parameter(name))
    if unknown:
        raise ScenarioError(f"{where}: timeline week {ev.week}: unknown parameter(s) {unknown}; "
                            f"known parameters are listed by `slsim params`")
    try:
        Params(**ev.set)
    except ValidationError as err:
        raise ScenarioError(describe_validation_error(err, f"{where}: timeline week {ev.week}")) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file. Raises :class:`ScenarioError` with a readable message."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; give a scenario file (.yaml) or a built-in name")
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    raw, data = yamlfile.read_as(path, ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping with name, title, narrative, params, timeline")
    sources = {str(path.resolve()): hashlib.sha256(raw).hexdigest()}
    try:
        spec = _ScenarioFile(**data)
    except ValidationError as err:
        msgs = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise ScenarioError(f"{path}: " + "; ".join(msgs) + "; allowed top-level fields: name, title, narrative, "
                            "extends, params, timeline, tags") from None
    _check_own_name(spec.name, path)
    params = dict(spec.params)
    if spec.extends:
        # The base scenario's parameters first, this file's on top (one level of YAML keys).
        base = _base(spec.extends, path, "extends")
        params = {**base.params, **params}
        sources.update(base.sources)
    timeline = tuple(_adopted(ev, path, sources) for ev in spec.timeline)
    scenario = Scenario(spec.name, spec.title, spec.narrative.strip(), params, timeline, tuple(spec.tags), path,
                        tuple(sorted(sources.items())))
    try:
        scenario.params_with()
    except ParameterError as err:
        raise ScenarioError(str(err)) from None
    for ev in scenario.timeline:
        _check_timeline_params(ev, path)
    return scenario


def _check_own_name(name: str, path: Path) -> None:
    """A scenario file other than the built-in one may not take a built-in scenario's name: its
    results would be labelled as the built-in scenario's (a copy that was edited but not renamed)."""
    builtin = scenario_dir() / f"{name}.yaml"
    if not builtin.is_file() or path.resolve() == builtin.resolve():
        return
    if path.read_bytes() != builtin.read_bytes():
        raise ScenarioError(f"{path}: name '{name}' belongs to a built-in scenario; give this file a name of "
                            f"its own (e.g. name: my_{path.stem}) so its results are not labelled as '{name}'")


_LOADING: list[Path] = []  # files being loaded, to catch a chain of extends/adopt that loops


def _base(name: str, path: Path, field: str) -> Scenario:
    """A built-in scenario named by ``extends`` or ``adopt``; a chain that comes back to a file
    already being loaded is a ScenarioError, not endless recursion."""
    target = (scenario_dir() / f"{name}.yaml").resolve()
    if target == path.resolve() or target in _LOADING:
        chain = " -> ".join(p.stem for p in [*_LOADING, target])
        raise ScenarioError(f"{path}: {field}: '{name}' leads back to itself ({chain})")
    _LOADING.append(path.resolve())
    try:
        return resolve_scenario(name)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: {field}: {err}") from None
    finally:
        _LOADING.pop()


def _adopted(ev: TimelineEvent, path: Path, sources: dict[str, str] | None = None) -> TimelineEvent:
    """``adopt:`` turned into ``set:``; the files it read are added to ``sources``."""
    if not ev.adopt:
        return ev
    from slsim.model.params import LEADERSHIP_FIELDS
    scenario = _base(ev.adopt, path, f"timeline week {ev.week}: adopt")
    if sources is not None:
        sources.update(scenario.sources)
    base = scenario.params
    style = {k: v for k, v in base.items() if k in LEADERSHIP_FIELDS or k == "leadership_overrides"}
    note = ev.note or f"The place adopts the leadership of {ev.adopt}"
    return TimelineEvent(week=ev.week, set={**style, **ev.set}, note=note)


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(p.stem for p in scenario_dir().glob("*.yaml"))


# Used only when the scenario library is missing its default.yaml.
DEFAULT = Scenario("default", "The place as it is today", "The default place: a mixed culture under rising pressure.")


def resolve_scenario(scenario: str | Path | Scenario | None) -> Scenario:
    """A scenario from a built-in name, a file path, a Scenario, or None (the default place)."""
    if scenario is None:
        scenario = "default"
    if scenario == "default" and not (scenario_dir() / "default.yaml").is_file():
        return DEFAULT
    if isinstance(scenario, Scenario):
        return scenario
    text = str(scenario)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        return load_scenario(text)
    path = scenario_dir() / f"{text}.yaml"
    if not path.is_file():
        names = ", ".join(list_scenarios())
        raise ScenarioError(f"unknown scenario '{text}'; built-in scenarios: {names} (or give a path to a .yaml file)")
    return load_scenario(path)


_CACHE: dict[tuple, Scenario] = {}
_CACHE_LOCK = threading.Lock()


def resolve_scenario_cached(scenario: str | Path | Scenario | None) -> Scenario:
    """:func:`resolve_scenario`, read and validated once per file content.

    The answer for a file is kept under its path together with the size and modification time of
    that file and of every built-in scenario file (``extends`` and ``adopt`` read those), so an
    edited file is read again and an unchanged one never is. Errors are not kept: a file that
    failed is read again next time. The returned Scenario is shared; callers must not change it.
    """
    if scenario is None or isinstance(scenario, Scenario):
        return resolve_scenario(scenario)
    text = str(scenario)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        path = Path(text)
    else:
        path = scenario_dir() / f"{text}.yaml"
    try:
        builtins = sorted(scenario_dir().glob("*.yaml"))
        key = (text, str(path.resolve()), *((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                                            for p in dict.fromkeys([path, *builtins])))
    except OSError:  # no such file (or it vanished while looking): the loader says so in words
        return resolve_scenario(scenario)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        hit = resolve_scenario(scenario)
        with _CACHE_LOCK:
            _CACHE[key] = hit
    return hit
