"""A workshop's rules on the server: who may do what, when decisions lock, how rounds run.

Every page calls these methods; none trusts the browser. Rules:

* **Who.** The facilitator is whoever holds the facilitator key (in their address); only they
  set up, start, extend, pause, advance, reveal, see names and export. A player is whoever holds
  a player token (in their address, given when they join): they act only for their own seat at
  their own table. A refused action raises :class:`Refused` and changes nothing.
* **Secrets.** The facilitator key and player tokens are 32 random bytes (``secrets``); join
  codes are 8 characters from a 32-symbol alphabet without look-alikes (about 1.1e12 codes), and
  at most :data:`MAX_BAD_CODES` wrong codes a minute are answered, so a code cannot be guessed in
  practice. Keys are compared in constant time.
* **Input.** Names are 1-40 characters, requests and causes 1-200, printable text only (no
  control characters); they are stored and shown as text, never as HTML. Bad input raises
  :class:`BadInput` with one line saying what is allowed, and changes nothing.
* **Phases.** lobby -> deciding (round 1) -> ... -> deciding (last round) -> predicting ->
  debrief. **Between rounds**: when a round (not the last) locks, the next one opens in the phase
  ``between``: its clock stopped at its full minutes while the room reads and talks over the
  results; it behaves as ``paused`` (decisions may be made, nothing locks) until the facilitator
  starts its clock (:meth:`Service.pause`) or locks it. ``paused`` stops the clock of a deciding
  round, nothing else: players may still change and submit their decisions, but the round does
  not lock while paused (the room is talking);
  if every seat has submitted by then, it locks on resume. Decisions lock when every seat people
  play has submitted, when the round's minutes are up (:meth:`tick`), or when the facilitator
  advances. At the lock, each seat nobody submitted for gets its decisions from the computer
  (a seat nobody plays: in the computer's style; a seat whose player did not submit: their
  last round's decisions, else the computer's) and every table's round is computed and stored.
* **The last round** is computed when it locks, but its results are shown only after the
  players have predicted the delayed transfers and the facilitator reveals them (predict, then
  reveal).
* **Reading for the pages.** The pages poll cheap signatures (:meth:`Service.room_signature`,
  :meth:`Service.seat_signature`, :meth:`Service.clock_reading`) once a second and re-render only
  when one changes; they never read the database themselves.
* **One service a server.** :func:`shared` gives the server process its one Service, on the
  database ``slsim workshop`` names in ``SLSIM_WORKSHOP_DB``, with its timer running: a thread
  that calls :meth:`Service.tick` every :data:`TICK_S` seconds, so rounds lock on time even when
  no page is open.
* **Nothing lost.** Every action is committed to the database at once. Table models are kept in
  memory between rounds only to save time; after a restart they are rebuilt from the stored
  decisions (:func:`~slsim.tools.workshop.engine.replay_table`), giving identical results.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
import time
import unicodedata
from collections import deque
from pathlib import Path
from typing import Any, Callable

from slsim import __version__
from slsim.errors import SlsimError
from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import ParameterError
from slsim.model.place import ORG_KINDS
from slsim.model.scenario import ScenarioError, list_scenarios, resolve_scenario
from slsim.results import present
from slsim.tools.workshop import decisions as dec
from slsim.tools.workshop.engine import (
    REFERENCE_STYLES,
    SHOCKS,
    Setup,
    baseline_table,
    new_model,
    option_outlook,
    org_state,
    reference_run,
    replay_table,
    run_round,
    table_story,
)
from slsim.tools.workshop.replay import setup_of
from slsim.tools.workshop.store import DB_ENV, DEFAULT_DB, URL_ENV, Store

NAME_MAX = 40
TEXT_MAX = 200
MAX_TABLES = 12
MAX_ROUNDS = 20
MAX_WEEKS_PER_ROUND = 52
MIN_MINUTES, MAX_MINUTES = 0.5, 60.0
MIN_CITIZENS, MAX_CITIZENS = 500, 50_000  # above 50,000 the burn-in is not cached: rounds get slow
MAX_PREDICTION = 10_000.0
MAX_BAD_CODES = 30  # wrong join codes answered per minute, for the whole server
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
CODE_LENGTH = 8
EXTEND_SECONDS = 60.0
PHASES = ("lobby", "deciding", "paused", "between", "predicting", "debrief")
OPEN = ("deciding", "paused", "between")  # a round is open for decisions
TICK_S = 1.0  # seconds between the timer's checks for rounds whose minutes are up


class Refused(SlsimError):
    """The caller may not do this (wrong key or token, another seat, the wrong moment)."""


class BadInput(SlsimError):
    """A value from the page that is not allowed; the message says what is allowed."""


def _now_text() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def workshop_label(w: dict[str, Any]) -> str:
    """A workshop as the facilitator picks it from a list: ``join code · scenario · created``
    (UTC, to the minute). Join codes are unique, so labels are too."""
    created = dt.datetime.fromisoformat(w["created"]).astimezone(dt.timezone.utc)
    return f"{w['join_code']} · {present.scenario_label(w['scenario'])} · {created:%Y-%m-%d %H:%M} UTC"


def clean_text(value: Any, what: str, limit: int) -> str:
    """Printable text of 1..limit characters, stripped; raises BadInput otherwise."""
    if not isinstance(value, str):
        raise BadInput(f"{what}: must be text of 1 to {limit} characters")
    text = unicodedata.normalize("NFC", value).strip()
    if not 1 <= len(text) <= limit:
        raise BadInput(f"{what}: {len(text)} characters; allowed: 1 to {limit}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise BadInput(f"{what}: contains control or invisible characters; allowed: printable text")
    return text


def _int(value: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInput(f"{what}: {value!r}; allowed: a whole number from {lo} to {hi}")
    text = str(value).strip()
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise BadInput(f"{what}: {value!r}; allowed: a whole number from {lo} to {hi}")
    return int(text)


def _float(value: Any, what: str, lo: float, hi: float) -> float:
    try:
        x = float(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        x = None
    if x is None or not lo <= x <= hi:  # NaN fails both comparisons
        raise BadInput(f"{what}: {value!r}; allowed: a number from {lo:g} to {hi:g}")
    return x


class Service:
    """The workshops of one database (see the module docstring for the rules).

    Args:
        store: the database.
        clock: wall-clock seconds (``time.time``); tests pass their own.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.lock = threading.RLock()  # one action at a time changes a workshop
        self._models: dict[tuple[str, int], tuple[int, Any]] = {}  # (workshop, table) -> (rounds done, model)
        self.burn_in_cache = BurnInCache()  # this server's workshops' places, burnt in once per place and seed
        self._bad_codes: deque[float] = deque()
        # (workshop, table or 0 for round 1, round) -> each choice's outlook; None while it is computed
        self._outlooks: dict[tuple[str, int, int], dict[str, Any] | None] = {}
        self._openings: dict[str, dict[str, dict[str, float]]] = {}
        self._stop = threading.Event()
        self.store.write("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self.store.one("SELECT value FROM settings WHERE key = 'facilitator_key'")
        if row is None:
            self.store.write("INSERT OR IGNORE INTO settings VALUES ('facilitator_key', ?)",
                             (secrets.token_urlsafe(32),))
            row = self.store.one("SELECT value FROM settings WHERE key = 'facilitator_key'")
        self._key = row["value"]

    # ------------------------------------------------------------------ who
    @property
    def facilitator_key(self) -> str:
        """The key in the facilitator's address (kept in the database: it survives a restart)."""
        return self._key

    def check_facilitator(self, key: Any) -> None:
        if not isinstance(key, str) or not secrets.compare_digest(key.encode(), self._key.encode()):
            raise Refused("only the facilitator may do this (the key in the address is wrong)")

    def player(self, token: Any) -> dict[str, Any]:
        """The player a token belongs to: workshop, table_no, seat, name. Raises Refused."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise Refused("this address does not belong to a player; join again with the code")
        row = self.store.one("SELECT * FROM players WHERE token = ?", (token,))
        if row is None:
            raise Refused("this address does not belong to a player; join again with the code")
        return dict(row)

    # ------------------------------------------------------------------ setting up
    def create(self, key: str, *, scenario: Any = "default", tables: Any = 2, rounds: Any = 8,
               weeks_per_round: Any = 13, minutes_per_round: Any = 10, seats_played: Any = ORG_KINDS,
               computer_style: Any = "default", seed: Any = None, n_citizens: Any = 5000,
               burn_in_weeks: Any = None) -> dict[str, Any]:
        """A new workshop in the lobby; returns its record (with its join code). Facilitator only."""
        self.check_facilitator(key)
        names = list_scenarios()
        if scenario not in names:
            raise BadInput(f"scenario {scenario!r}: allowed: {', '.join(names)}")
        if computer_style not in names:
            raise BadInput(f"computer style {computer_style!r}: allowed: {', '.join(names)}")
        tables = _int(tables, "tables", 1, MAX_TABLES)
        rounds = _int(rounds, "rounds", 1, MAX_ROUNDS)
        weeks_per_round = _int(weeks_per_round, "weeks per round", 1, MAX_WEEKS_PER_ROUND)
        minutes = _float(minutes_per_round, "minutes per round", MIN_MINUTES, MAX_MINUTES)
        n_citizens = _int(n_citizens, "citizens", MIN_CITIZENS, MAX_CITIZENS)
        seed = secrets.randbelow(2**31) if seed in (None, "") else _int(seed, "seed", 0, 2**31 - 1)
        if burn_in_weeks in (None, ""):
            from slsim.model.params import Params
            burn_in_weeks = Params.model_fields["burn_in_weeks"].default
        burn_in_weeks = _int(burn_in_weeks, "burn-in weeks", 0, 520)
        if isinstance(seats_played, str) or not all(isinstance(s, str) for s in seats_played):
            raise BadInput(f"seats played: allowed: some of {', '.join(dec.SEATS)}")
        seats = [s for s in dec.SEATS if s in set(seats_played)]
        unknown = sorted(set(seats_played) - set(dec.SEATS))
        if unknown:
            raise BadInput(f"seat {unknown[0]!r}: allowed: {', '.join(dec.SEATS)}")
        if not seats:
            raise BadInput("seats played: choose at least one seat people play")
        try:  # the place must build: refuse a scenario/size that cannot before anything is stored
            resolve_scenario(scenario).params_with({"n_citizens": n_citizens, "burn_in_weeks": burn_in_weeks})
        except (ScenarioError, ParameterError) as err:
            raise BadInput(str(err)) from None
        with self.lock:
            wid = secrets.token_hex(8)
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            self.store.write(
                "INSERT INTO workshops VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (wid, code, self._key, scenario, seed, tables, rounds, weeks_per_round, minutes,
                 json.dumps(seats), computer_style, n_citizens, burn_in_weeks, __version__, _now_text(),
                 "lobby", 0, None, None))
        return self.store.workshop(wid)

    def workshops(self, key: str) -> list[dict[str, Any]]:
        """Every workshop of the database, newest last. Facilitator only."""
        self.check_facilitator(key)
        return [self.store.workshop(w) for w in self.store.workshop_ids()]

    def setup_of(self, workshop_id: str) -> Setup:
        return setup_of(self.workshop(workshop_id))

    def workshop(self, workshop_id: str) -> dict[str, Any]:
        """A workshop's record (its settings, phase and round). Raises Refused if there is none."""
        w = self.store.workshop(workshop_id)
        if w is None:
            raise Refused(f"no workshop {workshop_id!r}")
        return w

    # ------------------------------------------------------------------ joining
    def join(self, code: Any, name: Any) -> dict[str, Any]:
        """Seat a player: the table with the fewest players, its first free seat people play.
        Returns the player (with their token). Raises BadInput or Refused."""
        name = clean_text(name, "name", NAME_MAX)
        code_text = str(code).strip().upper().replace(" ", "").replace("-", "") if isinstance(code, str) else ""
        with self.lock:
            now = self.clock()
            while self._bad_codes and self._bad_codes[0] < now - 60:
                self._bad_codes.popleft()
            if len(self._bad_codes) >= MAX_BAD_CODES:
                raise Refused("too many wrong codes in the last minute; wait a minute and try again")
            row = self.store.one("SELECT id FROM workshops WHERE join_code = ?", (code_text,)) if code_text else None
            if row is None:
                self._bad_codes.append(now)
                raise BadInput("no workshop has this code; check it with your facilitator (8 letters and digits)")
            w = self.workshop(row["id"])
            if w["phase"] in ("predicting", "debrief"):
                raise Refused("this workshop has finished its rounds; it takes no new players")
            taken = {(p["table_no"], p["seat"]) for p in self.store.players(w["id"])}
            free = [(t, s) for t in range(1, w["tables"] + 1) for s in w["seats_played"] if (t, s) not in taken]
            if not free:
                raise Refused("every seat people play at this workshop is taken")
            count = {t: sum(1 for (tt, _) in taken if tt == t) for t in range(1, w["tables"] + 1)}
            table, seat = min(free, key=lambda ts: (count[ts[0]], ts[0], w["seats_played"].index(ts[1])))
            token = secrets.token_urlsafe(32)
            self.store.write("INSERT INTO players VALUES (?,?,?,?,?,?)",
                             (token, w["id"], table, seat, name, _now_text()))
        return self.player(token)

    # ------------------------------------------------------------------ deciding
    def submit(self, token: Any, seat: Any, decisions: Any, round_no: int | None = None) -> None:
        """A player's decisions for this round, for their own seat. Resubmitting before the lock
        replaces them; so does a submission while the round is paused (the clock stops, the
        decisions stay open; the round then locks no earlier than the resume). ``round_no`` is the
        round the player's screen shows: a submission for a round that has locked meanwhile is
        refused rather than taken for the next one. Raises Refused (another seat, not deciding
        now, a locked round) or BadInput."""
        me = self.player(token)
        if seat != me["seat"]:
            raise Refused(f"you hold the seat {dec.SEAT_LABELS[me['seat']]!r}; you cannot decide for another seat")
        try:
            choices = dec.validate(me["seat"], decisions)
        except dec.DecisionError as err:
            raise BadInput(str(err)) from None
        with self.lock:
            self.tick()
            w = self.workshop(me["workshop"])
            if w["phase"] not in OPEN:
                raise Refused(f"decisions are locked (the workshop is {w['phase']})")
            if round_no is not None and round_no != w["round"]:
                raise Refused(f"round {round_no} has locked; this is round {w['round']}: decide again")
            self.store.write("INSERT OR REPLACE INTO decisions VALUES (?,?,?,?,?,?,?)",
                             (w["id"], me["table_no"], w["round"], me["seat"], json.dumps(choices), "player",
                              _now_text()))
            if w["phase"] == "deciding" and self._all_submitted(w):
                self._lock_round(w)

    def send_request(self, token: Any, to_seat: Any, text: Any) -> None:
        """A short request from a player's seat to another seat of their table."""
        me = self.player(token)
        w = self.workshop(me["workshop"])
        seats = self._table_seats(w)
        if to_seat not in seats or to_seat == me["seat"]:
            allowed = [s for s in seats if s != me["seat"]]
            raise BadInput(f"to {to_seat!r}: allowed: {', '.join(allowed)}")
        text = clean_text(text, "request", TEXT_MAX)
        if w["phase"] in ("predicting", "debrief"):
            raise Refused("the rounds are over; requests are closed")
        self.store.write("INSERT INTO requests (workshop, table_no, round, from_seat, to_seat, text, sent_at) "
                         "VALUES (?,?,?,?,?,?,?)", (w["id"], me["table_no"], max(1, w["round"]), me["seat"],
                                                    to_seat, text, _now_text()))

    def predict(self, token: Any, delayed_transfers: Any, cause: Any) -> None:
        """A player's prediction of the table's delayed transfers (patients per day, the last
        round's mean) and who or what they think caused them; only while predicting."""
        me = self.player(token)
        value = _float(delayed_transfers, "delayed transfers", 0.0, MAX_PREDICTION)
        cause = clean_text(cause, "cause", TEXT_MAX)
        with self.lock:
            w = self.workshop(me["workshop"])
            if w["phase"] != "predicting":
                raise Refused("predictions are taken only after the last round's decisions lock")
            self.store.write("INSERT OR REPLACE INTO predictions VALUES (?,?,?,?,?,?)",
                             (w["id"], me["table_no"], me["seat"], value, cause, _now_text()))

    # ------------------------------------------------------------------ the facilitator's controls
    def start(self, key: str, workshop_id: str) -> None:
        self.check_facilitator(key)
        with self.lock:
            w = self.workshop(workshop_id)
            if w["phase"] != "lobby":
                raise Refused(f"the workshop has started already (it is {w['phase']})")
            self._open_round(w, 1)

    def extend(self, key: str, workshop_id: str, seconds: float = EXTEND_SECONDS) -> None:
        self.check_facilitator(key)
        with self.lock:
            w = self.workshop(workshop_id)
            if w["phase"] == "deciding":
                self.store.write("UPDATE workshops SET deadline = deadline + ? WHERE id = ?", (seconds, w["id"]))
            elif w["phase"] in ("paused", "between"):
                self.store.write("UPDATE workshops SET paused_remaining = paused_remaining + ? WHERE id = ?",
                                 (seconds, w["id"]))
            else:
                raise Refused(f"there is no round clock to extend (the workshop is {w['phase']})")

    def pause(self, key: str, workshop_id: str) -> None:
        """Pause a deciding round's clock, or resume a paused one (between rounds: start the next
        round's clock)."""
        self.check_facilitator(key)
        with self.lock:
            w = self.workshop(workshop_id)
            now = self.clock()
            if w["phase"] == "deciding":
                self.store.write("UPDATE workshops SET phase = 'paused', paused_remaining = ?, deadline = NULL "
                                 "WHERE id = ?", (max(0.0, w["deadline"] - now), w["id"]))
            elif w["phase"] in ("paused", "between"):
                self.store.write("UPDATE workshops SET phase = 'deciding', deadline = ?, paused_remaining = NULL "
                                 "WHERE id = ?", (now + w["paused_remaining"], w["id"]))
                if self._all_submitted(w):  # everyone submitted during the pause
                    self._lock_round(self.workshop(w["id"]))
            else:
                raise Refused(f"there is no round clock to pause (the workshop is {w['phase']})")

    def advance(self, key: str, workshop_id: str) -> None:
        """Lock the round now (lobby: start round 1; predicting: reveal the last round)."""
        self.check_facilitator(key)
        with self.lock:
            w = self.workshop(workshop_id)
            if w["phase"] == "lobby":
                self._open_round(w, 1)
            elif w["phase"] in OPEN:
                self._lock_round(w)
            elif w["phase"] == "predicting":
                self.store.write("UPDATE workshops SET phase = 'debrief' WHERE id = ?", (w["id"],))
            else:
                raise Refused("the workshop is in its debrief; there is nothing to advance")

    def shock(self, key: str, workshop_id: str, kind: Any) -> None:
        """Throw a shock (a key of :data:`~slsim.tools.workshop.engine.SHOCKS`) into the open
        round: it acts in that round's weeks at every table (and in the reference runs' same weeks).
        Each kind once a round. Facilitator only; only while a round is open."""
        self.check_facilitator(key)
        if kind not in SHOCKS:
            raise BadInput(f"shock {kind!r}: allowed: {', '.join(SHOCKS)}")
        with self.lock:
            w = self.workshop(workshop_id)
            if w["phase"] not in OPEN:
                raise Refused(f"a shock can be thrown only into an open round (the workshop is {w['phase']})")
            if kind in self.store.shocks(w["id"]).get(w["round"], []):
                raise Refused(f"round {w['round']} already has this shock")
            self.store.write_many([
                ("INSERT INTO shocks VALUES (?,?,?,?)", (w["id"], w["round"], kind, _now_text())),
                # the reference cultures and the choices' outlooks must now include it
                ("DELETE FROM reference_runs WHERE workshop = ?", (w["id"],))])
            for k in [k for k in self._outlooks if k[0] == w["id"] and k[2] == w["round"]]:
                del self._outlooks[k]

    def shocks(self, workshop_id: str) -> dict[int, list[str]]:
        """round -> the shocks thrown into it (kinds, see :data:`~slsim.tools.workshop.engine.SHOCKS`)."""
        return self.store.shocks(self.workshop(workshop_id)["id"])

    def tick(self) -> None:
        """Lock every deciding round whose minutes are up (called by every page and a timer)."""
        with self.lock:
            now = self.clock()
            for r in self.store.all("SELECT id FROM workshops WHERE phase = 'deciding' AND deadline <= ?", (now,)):
                self._lock_round(self.workshop(r["id"]))

    def start_timer(self, every: float = TICK_S) -> threading.Thread:
        """Call :meth:`tick` every ``every`` seconds in a daemon thread until :meth:`close`. A tick
        that fails is printed and the timer goes on: the next page action reports the error."""
        def run() -> None:
            while not self._stop.wait(every):
                try:
                    self.tick()
                except Exception as err:  # the timer must outlive one bad tick
                    print(f"slsim workshop: timer: {err!r}", flush=True)

        thread = threading.Thread(target=run, daemon=True, name="workshop-timer")
        thread.start()
        return thread

    def close(self) -> None:
        """Stop the timer (the database stays as it is: every action was committed)."""
        self._stop.set()

    def export(self, key: str, workshop_id: str) -> tuple[Path, list[Path]]:
        """Write the workshop's research export (:mod:`~slsim.tools.workshop.export`) into
        ``workshop-<id>-export`` beside the database; returns the folder and the files written.
        Facilitator only. Raises OSError if the folder cannot be written."""
        from slsim.tools.workshop.export import export as write
        self.check_facilitator(key)
        self.workshop(workshop_id)
        out = Path(self.store.path).with_name(f"workshop-{workshop_id}-export")
        return out, write(self.store, out, workshop_id)

    # ------------------------------------------------------------------ rounds
    def _table_seats(self, w: dict[str, Any]) -> list[str]:
        panel = dec.CITIZENS in w["seats_played"]
        return [*ORG_KINDS, *([dec.CITIZENS] if panel else [])]

    def _all_submitted(self, w: dict[str, Any]) -> bool:
        players = {(p["table_no"], p["seat"]) for p in self.store.players(w["id"])}
        if not players:
            return False
        done = {(r["table_no"], r["seat"]) for r in self.store.all(
            "SELECT table_no, seat FROM decisions WHERE workshop = ? AND round = ? AND source = 'player'",
            (w["id"], w["round"]))}
        return players <= done

    def _open_round(self, w: dict[str, Any], round_no: int) -> None:
        self.store.write("UPDATE workshops SET phase = 'deciding', round = ?, deadline = ?, paused_remaining = NULL "
                         "WHERE id = ?", (round_no, self.clock() + 60 * w["minutes_per_round"], w["id"]))

    def _lock_round(self, w: dict[str, Any]) -> None:
        """Fill the seats nobody submitted for, compute every table's round, store it, move on."""
        r = w["round"]
        setup = self.setup_of(w["id"])
        players = {(p["table_no"], p["seat"]) for p in self.store.players(w["id"])}
        fill, results = [], []
        for t in range(1, w["tables"] + 1):
            stored = self.store.decisions(w["id"], t)
            table = {s: d["decisions"] for s, d in stored.get(r, {}).items()}
            for seat in self._table_seats(w):
                if seat in table:
                    continue
                last = stored.get(r - 1, {}).get(seat)
                if (t, seat) in players and last is not None:
                    choice, source = last["decisions"], "carried"
                else:
                    choice, source = dec.computer_choices(seat, w["computer_style"]), "computer"
                table[seat] = choice
                fill.append(("INSERT OR REPLACE INTO decisions VALUES (?,?,?,?,?,?,?)",
                             (w["id"], t, r, seat, json.dumps(choice), source, _now_text())))
            model = self._model_before(w["id"], t, r, setup, stored)
            result = run_round(model, r, table, setup.weeks_per_round, self.store.shocks(w["id"]).get(r, ()))
            self._models[(w["id"], t)] = (r, model)
            results.append(("INSERT OR REPLACE INTO round_results VALUES (?,?,?,?,?)",
                            (w["id"], t, r, json.dumps(result), _now_text())))
        nxt = ("UPDATE workshops SET phase = 'between', round = ?, deadline = NULL, paused_remaining = ? "
               "WHERE id = ?", (r + 1, 60 * w["minutes_per_round"], w["id"]))
        if r >= w["rounds"]:
            nxt = ("UPDATE workshops SET phase = 'predicting', deadline = NULL, paused_remaining = NULL "
                   "WHERE id = ?", (w["id"],))
        # The filled decisions, the results and the next phase are one transaction: a stop in
        # between leaves the round open, to be locked and computed again with the same numbers.
        self.store.write_many(fill + results + [nxt])

    def _model_before(self, wid: str, table: int, round_no: int, setup: Setup, stored) -> Any:
        """The table's model at the start of a round: kept from the last round, or rebuilt from the
        stored decisions (after a restart)."""
        kept = self._models.get((wid, table))
        if kept is not None and kept[0] == round_no - 1:
            return kept[1]
        if round_no == 1:
            return new_model(setup, self.burn_in_cache)
        past = {k: {s: d["decisions"] for s, d in v.items()} for k, v in stored.items() if k < round_no}
        model, _ = replay_table(setup, past, upto=round_no - 1, burn_in_cache=self.burn_in_cache,
                                shocks=self.store.shocks(wid))
        return model

    # ------------------------------------------------------------------ reading
    def status(self, workshop_id: str) -> dict[str, Any]:
        """What everyone may see: phase, round, seconds left, who has submitted (by seat)."""
        w = self.workshop(workshop_id)
        now = self.clock()
        left = (max(0.0, w["deadline"] - now) if w["phase"] == "deciding"
                else w["paused_remaining"] if w["phase"] in ("paused", "between") else None)
        submitted = {}
        for r in self.store.all("SELECT table_no, seat FROM decisions WHERE workshop = ? AND round = ? "
                                "AND source = 'player'", (w["id"], w["round"])):
            submitted.setdefault(r["table_no"], []).append(r["seat"])
        played = {}
        for p in self.store.players(w["id"]):
            played.setdefault(p["table_no"], []).append(p["seat"])
        return {"id": w["id"], "phase": w["phase"], "round": w["round"], "rounds": w["rounds"],
                "weeks_per_round": w["weeks_per_round"], "tables": w["tables"], "seconds_left": left,
                "submitted": submitted, "played": played, "scenario": w["scenario"],
                "seats": self._table_seats(w)}

    def room_signature(self, workshop_id: str) -> tuple:
        """What the facilitator's page depends on, cheap to compare: phase, round, who has
        submitted, and the counts of requests, predictions and players."""
        s = self.status(workshop_id)
        n = self.store.one("SELECT (SELECT COUNT(*) FROM requests WHERE workshop = ?) AS r, "
                           "(SELECT COUNT(*) FROM predictions WHERE workshop = ?) AS p, "
                           "(SELECT COUNT(*) FROM players WHERE workshop = ?) AS j, "
                           "(SELECT COUNT(*) FROM shocks WHERE workshop = ?) AS k", (workshop_id,) * 4)
        return (s["phase"], s["round"], repr(sorted((k, sorted(v)) for k, v in s["submitted"].items())),
                n["r"], n["p"], n["j"], n["k"])

    def seat_signature(self, token: Any) -> tuple:
        """What a player's page depends on: the phase and round, the number of requests sent to
        their seat, for the hospital and social care the other side's submitted pooled-budget
        decisions (not other players' submissions: a room's submits must not re-render every page),
        whether their choices' outlook is ready, and the number of shocks thrown."""
        me = self.player(token)
        row = self.store.one("SELECT phase, round, (SELECT COUNT(*) FROM requests WHERE workshop = w.id "
                             "AND table_no = ? AND to_seat = ?) AS n, (SELECT COUNT(*) FROM shocks WHERE "
                             "workshop = w.id) AS k FROM workshops w WHERE id = ?",
                             (me["table_no"], me["seat"], me["workshop"]))
        partner = {"acute": "social_care", "social_care": "acute"}.get(me["seat"])
        offer = None
        if partner:
            got = self.store.one("SELECT decisions FROM decisions WHERE workshop = ? AND table_no = ? AND round = ? "
                                 "AND seat = ?", (me["workshop"], me["table_no"], row["round"], partner))
            offer = got["decisions"] if got else None
        return row["phase"], row["round"], row["n"], offer, self.outlook_ready(token), row["k"]

    def clock_reading(self, workshop_id: str) -> tuple[str, float | None]:
        """(phase, seconds left) in one small query: every open page reads it once a second.
        Seconds left are None unless a round is deciding or paused."""
        row = self.store.one("SELECT phase, deadline, paused_remaining FROM workshops WHERE id = ?", (workshop_id,))
        if row is None:
            raise Refused(f"no workshop {workshop_id!r}")
        left = (max(0.0, row["deadline"] - self.clock()) if row["phase"] == "deciding"
                else row["paused_remaining"] if row["phase"] in ("paused", "between") else None)
        return row["phase"], left

    def decisions(self, workshop_id: str, table: int) -> dict[int, dict[str, dict[str, Any]]]:
        """A table's decisions: round -> seat -> {"decisions", "source", "submitted_at"}; shown in
        the debrief."""
        return self.store.decisions(self.workshop(workshop_id)["id"], table)

    def visible_results(self, workshop_id: str, table: int) -> dict[int, dict[str, Any]]:
        """A table's round results that may be shown now (the last round only after the reveal)."""
        w = self.workshop(workshop_id)
        results = self.store.round_results(w["id"], table)
        if w["phase"] != "debrief":
            results.pop(w["rounds"], None)
        return results

    def seat_view(self, token: Any) -> dict[str, Any]:
        """Everything a player's screen shows: their seat, the status, their organisation's last
        round, requests sent to them, their own current decisions (never other players' names)."""
        me = self.player(token)
        status = self.status(me["workshop"])
        results = self.visible_results(me["workshop"], me["table_no"])
        last = results[max(results)] if results else None
        stored = self.store.decisions(me["workshop"], me["table_no"])
        mine = stored.get(status["round"], {}).get(me["seat"])
        previous = stored.get(status["round"] - 1, {}).get(me["seat"])
        requests = [dict(r) for r in self.store.all(
            "SELECT round, from_seat, text, sent_at FROM requests WHERE workshop = ? AND table_no = ? AND to_seat = ? "
            "ORDER BY id DESC LIMIT 20", (me["workshop"], me["table_no"], me["seat"]))]
        pred = self.store.one("SELECT delayed_transfers, cause FROM predictions WHERE workshop = ? AND table_no = ? "
                              "AND seat = ?", (me["workshop"], me["table_no"], me["seat"]))
        pool = self.pool_view(me["workshop"], me["table_no"]) if me["seat"] in ("acute", "social_care") else None
        return {"me": {"name": me["name"], "seat": me["seat"], "table": me["table_no"]}, "status": status,
                "pool": pool,
                "last": last, "decisions": (mine or previous or {}).get("decisions"),
                "submitted": bool(mine and mine["source"] == "player"), "requests": requests,
                "shocks": self.store.shocks(me["workshop"]).get(status["round"], []),
                "prediction": dict(pred) if pred else None}

    def join_address(self) -> str:
        """The address players open to join, as ``slsim workshop`` printed it ("" if unknown)."""
        return os.environ.get(URL_ENV, "")

    def seat_states(self, workshop_id: str) -> dict[int, dict[str, str]]:
        """table -> seat -> who decides it this round, as the room sees it: ``"submitted"`` (a
        person submitted), ``"deciding"`` (a person sits there and has not submitted) or
        ``"computer"`` (nobody sits there: the computer plays it)."""
        s = self.status(workshop_id)
        return {t: {seat: "submitted" if seat in s["submitted"].get(t, []) else
                    "deciding" if seat in s["played"].get(t, []) else "computer" for seat in s["seats"]}
                for t in range(1, s["tables"] + 1)}

    def opening(self, workshop_id: str) -> dict[str, dict[str, float]]:
        """Each organisation's state before round 1 (the place after its burn-in, the same at every
        table): what a seat sees before its first decision."""
        if workshop_id not in self._openings:
            self._openings[workshop_id] = org_state(new_model(self.setup_of(workshop_id), self.burn_in_cache))
        return self._openings[workshop_id]

    def _outlook_key(self, w: dict[str, Any], table: int) -> tuple[str, int, int]:
        # Round 1 starts from the same place at every table: one outlook serves them all.
        return (w["id"], table if w["round"] > 1 else 0, w["round"])

    def outlook(self, token: Any, wait: bool = False) -> dict[str, Any] | None:
        """What each of the player's choices may bring this round, as the model computes it
        (:func:`~slsim.tools.workshop.engine.option_outlook`: the table's round run from its real
        start once per choice, against the table's last decisions), for the player's seat:
        decision -> choice -> summary, and ``"base"``. The first ask starts the computation in a
        thread and returns None (``wait=True``: computes it now); later asks return it. None too
        outside a deciding round and for the citizens' panel (its choice moves no number)."""
        me = self.player(token)
        w = self.workshop(me["workshop"])
        if w["phase"] not in OPEN or me["seat"] not in ORG_KINDS:
            return None
        key = self._outlook_key(w, me["table_no"])
        with self.lock:
            if key in self._outlooks:
                got = self._outlooks[key]
                return None if got is None else got.get(me["seat"])
            self._outlooks[key] = None
            stored = self.store.decisions(w["id"], me["table_no"])
            past = {r: {s: d["decisions"] for s, d in v.items()} for r, v in stored.items() if r < w["round"]}
            setup = self.setup_of(w["id"])
            shocks = self.store.shocks(w["id"])

        def compute() -> None:
            try:
                got = option_outlook(setup, past, w["round"], baseline_table(past, w["round"], w["scenario"]),
                                     self.burn_in_cache, shocks)
            except Exception as err:  # shown as "not available" rather than a broken page
                print(f"slsim workshop: outlook {key}: {err!r}", flush=True)
                got = {}
            with self.lock:
                if key in self._outlooks:  # not if a shock made it stale meanwhile
                    self._outlooks[key] = got

        if wait:
            compute()
            return self.outlook(token)
        threading.Thread(target=compute, daemon=True, name="workshop-outlook").start()
        return None

    def outlook_ready(self, token: Any) -> bool:
        """Whether the player's outlook for this round has been computed (a page re-renders when it is)."""
        me = self.player(token)
        w = self.workshop(me["workshop"])
        return self._outlooks.get(self._outlook_key(w, me["table_no"])) is not None

    def pool_view(self, workshop_id: str, table: int) -> dict[str, Any]:
        """The pooled budget as the hospital and social care may see it this round: the hospital's
        ``offer`` (a key of ``POOL_OFFERS``) and social care's ``answer`` (a key of
        ``POOL_ANSWERS``), each with its state: ``"submitted"`` (a player's submission, which may
        still change until the lock), ``"computer"`` (nobody plays the seat: the computer's
        choice), or ``"undecided"`` (the player has not submitted; the value is ``None``). The
        server-side rule is unchanged: the pool exists only if both are in the round that locks."""
        w = self.workshop(workshop_id)
        now = self.store.decisions(w["id"], table).get(w["round"], {})
        played = {p["seat"] for p in self.store.players(w["id"]) if p["table_no"] == table}
        out: dict[str, Any] = {}
        for seat, name in (("acute", "offer"), ("social_care", "answer")):
            d = now.get(seat)
            if d is not None:
                value, state = d["decisions"][f"pool_{name}"], "submitted" if d["source"] == "player" else "computer"
            elif seat not in played:
                value, state = dec.computer_choices(seat, w["computer_style"])[f"pool_{name}"], "computer"
            else:
                value, state = None, "undecided"
            out[name], out[f"{name}_state"] = value, state
        return out

    def names(self, key: str, workshop_id: str) -> list[dict[str, Any]]:
        """Who sits where (names). Facilitator only."""
        self.check_facilitator(key)
        return [{"table": p["table_no"], "seat": p["seat"], "name": p["name"]} for p in self.store.players(workshop_id)]

    def table_requests(self, workshop_id: str, table: int) -> list[dict[str, Any]]:
        """Every request sent at a table (round, from_seat, to_seat, text), oldest first, without
        names; shown in the debrief once the rounds are over."""
        return [dict(r) for r in self.store.all(
            "SELECT round, from_seat, to_seat, text FROM requests WHERE workshop = ? AND table_no = ? ORDER BY id",
            (workshop_id, table))]

    def predictions(self, workshop_id: str) -> list[dict[str, Any]]:
        """The room's predictions by table and seat (no names); shown in the debrief."""
        return [dict(r) for r in self.store.all("SELECT table_no, seat, delayed_transfers, cause FROM predictions "
                                                "WHERE workshop = ? ORDER BY table_no, seat", (workshop_id,))]

    def table_story(self, workshop_id: str, table: int, style: str = "blame_culture"):
        """One citizen's weeks at a table against a reference culture on the same place, seed and
        shocks (the rounds played so far); for the debrief."""
        if style not in REFERENCE_STYLES:
            raise BadInput(f"reference {style!r}: allowed {', '.join(REFERENCE_STYLES)}")
        stored = self.store.decisions(self.workshop(workshop_id)["id"], table)
        done = {r: {s: d["decisions"] for s, d in seats.items()} for r, seats in stored.items()
                if r in self.visible_results(workshop_id, table)}
        if not done:
            raise Refused(f"table {table} has no round to tell yet")
        return table_story(self.setup_of(workshop_id), done, style, shocks=self.store.shocks(workshop_id))

    def references(self, workshop_id: str) -> dict[str, list[dict[str, Any]]]:
        """The two reference cultures' weekly rows on the workshop's place (computed once, stored)."""
        out = {}
        for style in REFERENCE_STYLES:
            row = self.store.one("SELECT result FROM reference_runs WHERE workshop = ? AND style = ?",
                                 (workshop_id, style))
            if row is None:
                rows = reference_run(self.setup_of(workshop_id), style, self.burn_in_cache,
                                     shocks=self.store.shocks(workshop_id))
                self.store.write("INSERT OR REPLACE INTO reference_runs VALUES (?,?,?)",
                                 (workshop_id, style, json.dumps(rows)))
                out[style] = rows
            else:
                out[style] = json.loads(row["result"])
        return out


_SHARED: Service | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> Service:
    """The server process's one Service, on the database named by ``SLSIM_WORKSHOP_DB`` (set by
    ``slsim workshop`` before it becomes the Solara server; else ``./slsim-workshop.db``), with
    its timer started on first use. Every page of every session uses this one, so its lock
    orders the whole room's actions."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Service(Store(Path(os.environ.get(DB_ENV) or DEFAULT_DB)))
            _SHARED.start_timer()
        return _SHARED
