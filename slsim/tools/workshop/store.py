"""The workshop's database: one SQLite file (stdlib ``sqlite3``, WAL journal).

Rules:

* Every write is committed as it happens (one transaction per action), so a server stopped at
  any moment loses nothing that a player was told had been saved.
* Each thread gets its own connection (SQLite connections are not shared across threads); WAL
  lets the dashboard read while a round is being written.
* Decisions and round results are keyed by (workshop, table, round[, seat]): writing one again
  replaces it, so recomputing a round after a restart is idempotent.
* Results are stored as JSON text; Python's JSON writes floats so that they read back equal to
  the last bit, which is what "identical results after a restart" rests on.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

DEFAULT_DB = "slsim-workshop.db"
URL_ENV = "SLSIM_WORKSHOP_URL"  # the players' join address ``slsim workshop`` printed, for the room view
DB_ENV = "SLSIM_WORKSHOP_DB"  # how ``slsim workshop`` tells the Solara server it becomes which database to open

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    id TEXT PRIMARY KEY,
    join_code TEXT UNIQUE NOT NULL,
    secret TEXT NOT NULL,
    scenario TEXT NOT NULL,
    seed INTEGER NOT NULL,
    tables INTEGER NOT NULL,
    rounds INTEGER NOT NULL,
    weeks_per_round INTEGER NOT NULL,
    minutes_per_round REAL NOT NULL,
    seats_played TEXT NOT NULL,          -- JSON list of seats people play
    computer_style TEXT NOT NULL,        -- scenario whose leadership the computer plays
    n_citizens INTEGER NOT NULL,
    burn_in_weeks INTEGER NOT NULL,
    version TEXT NOT NULL,
    created TEXT NOT NULL,
    phase TEXT NOT NULL,                 -- lobby, deciding, paused, between, predicting, debrief
    round INTEGER NOT NULL,              -- the round being decided (0 in the lobby)
    deadline REAL,                       -- wall-clock seconds when decisions lock
    paused_remaining REAL                -- seconds left when paused or between rounds
);
CREATE TABLE IF NOT EXISTS players (
    token TEXT PRIMARY KEY,
    workshop TEXT NOT NULL REFERENCES workshops(id),
    table_no INTEGER NOT NULL,
    seat TEXT NOT NULL,
    name TEXT NOT NULL,
    joined TEXT NOT NULL,
    UNIQUE (workshop, table_no, seat)
);
CREATE TABLE IF NOT EXISTS decisions (
    workshop TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    round INTEGER NOT NULL,
    seat TEXT NOT NULL,
    decisions TEXT NOT NULL,             -- JSON {decision: choice}
    source TEXT NOT NULL,                -- player, computer, or carried (last round's, not resubmitted)
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (workshop, table_no, round, seat)
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    round INTEGER NOT NULL,
    from_seat TEXT NOT NULL,
    to_seat TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS predictions (
    workshop TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    seat TEXT NOT NULL,
    delayed_transfers REAL NOT NULL,
    cause TEXT NOT NULL,
    made_at TEXT NOT NULL,
    PRIMARY KEY (workshop, table_no, seat)
);
CREATE TABLE IF NOT EXISTS round_results (
    workshop TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    round INTEGER NOT NULL,
    result TEXT NOT NULL,                -- JSON, see engine.RoundResult
    computed_at TEXT NOT NULL,
    PRIMARY KEY (workshop, table_no, round)
);
CREATE TABLE IF NOT EXISTS shocks (
    workshop TEXT NOT NULL,
    round INTEGER NOT NULL,              -- the round whose weeks it acts in (every table alike)
    kind TEXT NOT NULL,                  -- a key of engine.SHOCKS
    thrown_at TEXT NOT NULL,
    PRIMARY KEY (workshop, round, kind)
);
CREATE TABLE IF NOT EXISTS reference_runs (
    workshop TEXT NOT NULL,
    style TEXT NOT NULL,
    result TEXT NOT NULL,                -- JSON list of weekly rows
    PRIMARY KEY (workshop, style)
);
"""


class Store:
    """The database of one or more workshops (see the module docstring for the rules)."""

    def shocks(self, workshop_id: str) -> dict[int, list[str]]:
        """round -> the shocks the facilitator threw into it (kinds, in the order of engine.SHOCKS)."""
        from slsim.tools.workshop.engine import SHOCKS
        out: dict[int, list[str]] = {}
        for r in self.all("SELECT round, kind FROM shocks WHERE workshop = ?", (workshop_id,)):
            out.setdefault(r["round"], []).append(r["kind"])
        return {r: sorted(kinds, key=list(SHOCKS).index) for r, kinds in out.items()}

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.write_lock = threading.RLock()
        with self.connect() as con:
            con.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (made on first use)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            self._local.con = con
        return con

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # ------------------------------------------------------------------ writing
    def write(self, sql: str, args: tuple = ()) -> None:
        """One statement in its own committed transaction."""
        self.write_many([(sql, args)])

    def write_many(self, statements: list[tuple[str, tuple]]) -> None:
        """Several statements committed together, or none of them."""
        with self.write_lock:
            con = self.connect()
            con.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    con.execute(sql, args)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # ------------------------------------------------------------------ reading
    def one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        return self.connect().execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self.connect().execute(sql, args).fetchall()

    def workshop(self, workshop_id: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM workshops WHERE id = ?", (workshop_id,))
        if row is None:
            return None
        out = dict(row)
        out["seats_played"] = json.loads(out["seats_played"])
        return out

    def workshop_ids(self) -> list[str]:
        return [r["id"] for r in self.all("SELECT id FROM workshops ORDER BY created, id")]

    def decisions(self, workshop_id: str, table: int) -> dict[int, dict[str, dict[str, Any]]]:
        """round -> seat -> {"decisions": {...}, "source": ..., "submitted_at": ...}."""
        out: dict[int, dict[str, dict[str, Any]]] = {}
        for r in self.all("SELECT * FROM decisions WHERE workshop = ? AND table_no = ? ORDER BY round, seat",
                          (workshop_id, table)):
            out.setdefault(r["round"], {})[r["seat"]] = {"decisions": json.loads(r["decisions"]),
                                                        "source": r["source"], "submitted_at": r["submitted_at"]}
        return out

    def round_results(self, workshop_id: str, table: int) -> dict[int, dict[str, Any]]:
        rows = self.all("SELECT round, result FROM round_results WHERE workshop = ? AND table_no = ? ORDER BY round",
                        (workshop_id, table))
        return {r["round"]: json.loads(r["result"]) for r in rows}

    def players(self, workshop_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.all("SELECT * FROM players WHERE workshop = ? ORDER BY table_no, seat",
                                          (workshop_id,))]
