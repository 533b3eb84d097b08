"""Recompute a stored workshop table from its decisions: ``slsim.tools.workshop.replay(db, table)``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slsim.tools.workshop.engine import Setup, replay_table, weekly_frame
from slsim.tools.workshop.store import Store


@dataclass
class Replay:
    """A table's run recomputed from its stored decisions.

    ``rounds``: round -> result (the same structure the server stores); ``frame``: the weekly
    outcome rows of every round with a ``round`` column; ``setup``: scenario, seed, place size,
    burn-in, rounds and weeks per round; ``decisions``: round -> seat -> choices."""

    workshop: str
    table: int
    setup: Setup
    decisions: dict[int, dict[str, dict[str, str]]]
    rounds: dict[int, dict[str, Any]]

    @property
    def frame(self):
        return weekly_frame(self.rounds)


def _store(source: Store | str | Path) -> Store:
    if isinstance(source, Store):
        return source
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such workshop database")
    return Store(path)


def resolve_workshop(store: Store, workshop: str | None) -> dict[str, Any]:
    """A workshop of the database by id; None means the only one (an error if there are several)."""
    ids = store.workshop_ids()
    if workshop is None:
        if len(ids) != 1:
            raise ValueError(f"the database holds {len(ids)} workshops; name one of: {', '.join(ids) or 'none'}")
        workshop = ids[0]
    w = store.workshop(workshop)
    if w is None:
        raise ValueError(f"no workshop {workshop!r} in the database; it holds: {', '.join(ids) or 'none'}")
    return w


def setup_of(w: dict[str, Any]) -> Setup:
    return Setup(w["scenario"], w["seed"], w["rounds"], w["weeks_per_round"], w["n_citizens"], w["burn_in_weeks"])


def replay(source: Store | str | Path, table: int, workshop: str | None = None) -> Replay:
    """Recompute table ``table`` (1, 2, ...) of a workshop (default: the database's only one)
    from its stored decisions, every round whose decisions are complete (locked)."""
    store = _store(source)
    w = resolve_workshop(store, workshop)
    if not isinstance(table, int) or not 1 <= table <= w["tables"]:
        raise ValueError(f"table {table!r}: allowed: a whole number from 1 to {w['tables']}")
    setup = setup_of(w)
    locked = set(store.round_results(w["id"], table))
    stored = store.decisions(w["id"], table)
    decisions = {r: {s: d["decisions"] for s, d in seats.items()} for r, seats in stored.items() if r in locked}
    _, rounds = replay_table(setup, decisions, shocks=store.shocks(w["id"]))
    return Replay(w["id"], table, setup, decisions, rounds)
