"""The processes' contracts, checked at run time: what each process really reads and writes.

Each process declares what it owns, reads and writes (``OWNS``, ``READS``, ``WRITES``, see
:mod:`slsim.model.processes`): model attributes by name (``delayed_trend``) and columns of the
column tables by table and name (``citizens.care_need``, ``staff.stress``, ``orgs.pressure``).
:func:`observe` steps a place with every process given a recording view of the model instead of
the model itself, so every read is seen, through helpers too (``shared.access_weight(model, ...)``
reads ``outreach`` on the process's behalf), and every write is found by comparing the state before
and after the process ran. :func:`breaches` compares what was observed with what was declared;
``tests/test_contracts.py`` runs it on several scenarios.

The place's own state (parameters, coefficients, random streams, the week, capacity, the event log,
the organisations' leadership) is every process's to read: :data:`PLACE_STATE`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from slsim.model.population import PLACE_COLUMNS
from slsim.model.processes import PROCESSES

TABLES = ("citizens", "staff", "orgs")
"""The column tables: a process's contract names their columns as ``table.column``."""

PLACE_STATE = frozenset({
    "params", "coef", "streams", "draws", "week", "w", "rules", "style", "organisations", "log", "seed",
    "beds", "step_down_places", "care_home_places", "elective_slots", "settle_capacity", "capacity_pending",
})
"""Attributes of the place that every process may read (and, for ``w`` and ``log``, add to)."""


@dataclass
class Observed:
    """What one process read and wrote over the observed weeks (qualified names)."""

    read: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)


class _TableView:
    """A column table seen by one process: each column it takes is noted as read."""

    def __init__(self, table, name: str, seen: Observed) -> None:
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, column: str):
        value = getattr(self._table, column)
        if column not in ("n", "columns"):
            self._seen.read.add(f"{self._name}.{column}")
        return value

    def __setattr__(self, column: str, value) -> None:
        self._seen.written.add(f"{self._name}.{column}")
        setattr(self._table, column, value)

    def __len__(self) -> int:
        return len(self._table)


class _ModelView:
    """The model seen by one process: attribute reads and assignments are noted."""

    def __init__(self, model, seen: Observed) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, name: str):
        value = getattr(self._model, name)
        if name in TABLES:
            return _TableView(value, name, self._seen)
        if name not in PLACE_STATE:
            self._seen.read.add(name)
        return value

    def __setattr__(self, name: str, value) -> None:
        self._seen.written.add(name)
        setattr(self._model, name, value)


def _snapshot(model, names) -> dict:
    state = {f"{t}.{c}": getattr(getattr(model, t), c).copy() for t in TABLES for c in getattr(model, t).columns}
    state |= {name: copy.deepcopy(getattr(model, name)) for name in names}
    return state


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def observe(model, weeks: int) -> dict[str, Observed]:
    """Step ``model`` for ``weeks`` weeks, each process given a recording view of it; returns what
    each process read and wrote. The numbers are the same as an ordinary run's: the views pass
    every read and write through to the model."""
    seen = defaultdict(Observed)
    owned = [name for p in PROCESSES for name in p.owns if "." not in name]

    def view(phase: str):
        return _ModelView(model, seen[phase])

    for _ in range(weeks):
        before: dict[str, dict] = {}

        def around(phase: str, run):
            before[phase] = _snapshot(model, owned)
            run()
            after = _snapshot(model, owned)
            seen[phase].written |= {k for k, v in before[phase].items() if not _same(v, after[k])}

        model._advance_week(measure=True, view=view, around=around)
    return dict(seen)


def declared(process) -> tuple[set[str], set[str], set[str]]:
    return set(process.owns), set(process.reads), set(process.writes)


def breaches(observed: dict[str, Observed]) -> list[str]:
    """Every read or write a process did not declare, in words (empty when all contracts hold)."""
    found = []
    for p in PROCESSES:
        seen = observed.get(p.name, Observed())
        owns, reads, writes = declared(p)
        for name in sorted(seen.written - owns - writes):
            found.append(f"{p.name} writes {name} without declaring it (WRITES) or owning it")
        for name in sorted(seen.read - owns - reads - writes):
            found.append(f"{p.name} reads {name} without declaring it (READS)")
    return found


def owners() -> dict[str, str]:
    """Each piece of state's single owner: a process, or ``place`` for the population's opening
    columns (drawn when the place is built)."""
    found: dict[str, str] = {f"citizens.{c}": "place" for c in PLACE_COLUMNS["citizens"]}
    found |= {f"staff.{c}": "place" for c in PLACE_COLUMNS["staff"]}
    found |= {f"orgs.{c}": "place" for c in PLACE_COLUMNS["orgs"]}
    for p in PROCESSES:
        for name in p.owns:
            if name in found:
                raise ValueError(f"{name} is owned by both {found[name]} and {p.name}")
            found[name] = p.name
    return found
