"""The workshop's pages are views only: what they used to do themselves (the service singleton
and its timer, the signatures they poll, the clock, the debrief's reads, the export) now goes
through :class:`~slsim.tools.workshop.service.Service`, and behaves as it did."""

from __future__ import annotations

import ast
import html
import json
import re
import threading
import time
from pathlib import Path

import pytest

from slsim.tools.workshop import decisions as dec
from slsim.tools.workshop import service as service_module
from slsim.tools.workshop import store as store_module
from slsim.tools.workshop.service import Refused, Service
from slsim.tools.workshop.store import Store

PAGES = Path(service_module.__file__).with_name("pages.py")
SMALL = dict(tables=1, rounds=2, weeks_per_round=2, n_citizens=1000, burn_in_weeks=0, seed=5,
             seats_played=["acute", "social_care", "primary_care"])
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\b")


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def _room(tmp_path, **setup):
    sv = Service(Store(tmp_path / "w.db"), clock=Clock())
    w = sv.create(sv.facilitator_key, **(SMALL | setup))
    players = {p["seat"]: p for p in (sv.join(w["join_code"], n) for n in ("Ann", "Bob", "Cy"))}
    return sv, w, players


# ------------------------------------------------------------------ the pages hold views only
def test_the_pages_neither_open_the_database_nor_run_threads_nor_hold_the_service():
    tree = ast.parse(PAGES.read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    banned = {"sqlite3", "threading", "_thread", "os", "time", "slsim.tools.workshop.store"}
    assert not imported & banned, f"pages.py imports {sorted(imported & banned)}"
    assert "Store" not in names and "Service" not in names, "pages.py builds no Service or Store of its own"
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal))], "no module state"
    touched = sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                      and n.attr in ("store", "_models", "lock", "one", "all", "write", "write_many")})
    assert not touched, f"pages.py reaches into the service's insides: {touched}"
    sql = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
           and SQL.search(n.value)]
    assert not sql, f"SQL in pages.py: {sql[:2]}"


# ------------------------------------------------------------------ the signatures the pages poll
def test_the_rooms_signature_changes_with_joins_submissions_requests_and_predictions_only(tmp_path):
    sv, w, p = _room(tmp_path, seats_played=["acute", "social_care"], tables=2)
    before = sv.room_signature(w["id"])
    assert sv.room_signature(w["id"]) == before, "nothing happened: the page does not re-render"
    sv.join(w["join_code"], "Dee")
    joined = sv.room_signature(w["id"])
    sv.start(sv.facilitator_key, w["id"])
    started = sv.room_signature(w["id"])
    sv.submit(p["acute"]["token"], "acute", dec.computer_choices("acute", "default"), round_no=1)
    submitted = sv.room_signature(w["id"])
    sv.send_request(p["acute"]["token"], "social_care", "please assess Mrs B today")
    asked = sv.room_signature(w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    assert len({before, joined, started, submitted, asked, sv.room_signature(w["id"])}) == 6


def test_a_seats_signature_follows_its_own_requests_and_its_partners_pool_decision(tmp_path):
    sv, w, p = _room(tmp_path)
    acute, care, primary = p["acute"]["token"], p["social_care"]["token"], p["primary_care"]["token"]
    sv.start(sv.facilitator_key, w["id"])
    before = sv.seat_signature(care)
    sv.send_request(acute, "primary_care", "a GP at the discharge meeting?")
    assert sv.seat_signature(care) == before, "another seat's request does not re-render this page"
    sv.send_request(acute, "social_care", "assess Mrs B today")
    asked = sv.seat_signature(care)
    assert asked[2] == before[2] + 1
    sv.submit(primary, "primary_care", dec.computer_choices("primary_care", "default"), round_no=1)
    assert sv.seat_signature(care) == asked, "another seat's submission does not re-render this page"
    sv.submit(acute, "acute", dec.computer_choices("acute", "systems_leadership") | {"pool_offer": "10"}, round_no=1)
    offered = sv.seat_signature(care)
    assert offered != asked and '"10"' in offered[3], "the hospital's offer is shown on social care's seat"
    with pytest.raises(Refused):
        sv.seat_signature("x" * 40)


def test_the_clock_reading_is_the_status_seconds_left(tmp_path):
    sv, w, _ = _room(tmp_path, minutes_per_round=2)
    assert sv.clock_reading(w["id"]) == ("lobby", None)
    sv.start(sv.facilitator_key, w["id"])
    sv.clock.t += 50
    assert sv.clock_reading(w["id"]) == ("deciding", sv.status(w["id"])["seconds_left"]) == ("deciding", 70)
    sv.pause(sv.facilitator_key, w["id"])
    sv.clock.t += 500
    assert sv.clock_reading(w["id"]) == ("paused", 70)
    with pytest.raises(Refused):
        sv.clock_reading("no-such-workshop")


# ------------------------------------------------------------------ the debrief's reads and the export
def test_the_debrief_reads_the_workshop_and_its_decisions_through_the_service(tmp_path):
    sv, w, _ = _room(tmp_path)
    sv.start(sv.facilitator_key, w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    assert sv.workshop(w["id"])["round"] == 2
    got = sv.decisions(w["id"], 1)
    assert got == sv.store.decisions(w["id"], 1) and set(got[1]) == set(sv.status(w["id"])["seats"]), \
        "every seat of the locked round, the computer's included"
    with pytest.raises(Refused):
        sv.decisions("no-such-workshop", 1)


def test_the_export_is_the_facilitators_and_lands_beside_the_database(tmp_path):
    sv, w, _ = _room(tmp_path, rounds=1)
    sv.start(sv.facilitator_key, w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    with pytest.raises(Refused):
        sv.export("wrong key", w["id"])
    assert not list(tmp_path.glob("workshop-*-export")), "a refused export writes nothing"
    out, files = sv.export(sv.facilitator_key, w["id"])
    assert out == tmp_path / f"workshop-{w['id']}-export" and files and all(f.parent == out for f in files)
    assert (out / "workshop.meta.json").exists()


# ------------------------------------------------------------------ the timer and the one service
def test_the_timer_locks_a_round_whose_minutes_are_up_with_no_page_open_and_stops_on_close(tmp_path):
    sv, w, _ = _room(tmp_path, minutes_per_round=0.5)
    sv.start(sv.facilitator_key, w["id"])
    thread = sv.start_timer(every=0.02)
    try:
        time.sleep(0.2)
        assert sv.status(w["id"])["round"] == 1, "minutes not up: the timer leaves the round open"
        sv.clock.t += 31
        deadline = time.monotonic() + 60
        while sv.status(w["id"])["round"] == 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sv.status(w["id"])["round"] == 2
    finally:
        sv.close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_server_has_one_service_on_the_database_the_command_names_with_its_timer(tmp_path, monkeypatch):
    monkeypatch.setenv(store_module.DB_ENV, str(tmp_path / "room.db"))
    monkeypatch.setattr(service_module, "_SHARED", None)
    first = service_module.shared()
    try:
        assert service_module.shared() is first
        assert first.store.path == tmp_path / "room.db"
        timers = [t for t in threading.enumerate() if t.name == "workshop-timer" and t.is_alive()]
        assert timers, "the shared service runs its timer"
    finally:
        first.close()


# ------------------------------------------------------------------ the debrief's charts come from the one kit
def test_the_debriefs_curves_carry_their_numbers_and_keep_the_kits_axis_rules():
    from slsim.tools import charts
    table = [0.1 + 1e-13 * i for i in range(12)]
    series = [("table", "table 1", table), ("blame_culture", "<b>blame</b>", [0.3] * 12)]
    svg = charts.curves("stress", "Staff: staff stress", "score 0 to 1", series, round_weeks=4, table=1)
    drawn = re.search(r'class="ws-line" data-series="table"[^>]*data-values="([^"]*)"', svg).group(1)
    assert [float(v) for v in json.loads(html.unescape(drawn))] == table, "full precision, not rounded"
    assert svg.count('class="ws-round-end"') == 2, "12 weeks in rounds of 4: two round ends"
    ticks = [float(t) for t in re.findall(r'class="slsim-ytick"[^>]*>([^<]*)<', svg)]
    assert 0.0 <= min(ticks) <= 0.1 and 0.3 <= max(ticks) < 0.5, "zoomed in on 0.1-0.3, inside 0-1"
    assert charts.ticks(min(ticks), max(ticks)) == ticks, "round ticks, as in the browser view"
    assert "<b>" not in svg and "&lt;b&gt;blame" in svg
    assert 'data-better="lower"' in svg


def test_the_room_tells_people_from_the_computer(tmp_path):
    sv, w, players = _room(tmp_path)
    sv.start(sv.facilitator_key, w["id"])
    sv.submit(players["acute"]["token"], "acute", dec.computer_choices("acute", "default"), round_no=1)
    states = sv.seat_states(w["id"])[1]
    assert states["acute"] == "submitted" and states["social_care"] == "deciding"
    assert states["community"] == states["voluntary"] == "computer"


def test_the_room_chart_names_every_line_at_its_end_without_overlap():
    from slsim.tools import charts
    flat = [1.0] * 8  # four lines ending at one value: their labels must be pushed apart
    svg = charts.room_paths("delayed_transfers", "Delayed transfers", "patients per day",
                            [("table 1", flat), ("table 2", flat)],
                            [("blame culture", flat), ("systems leadership", flat)], 4)
    ys = sorted(float(y) for y in re.findall(r'class="ws-room-label" x="[\d.]+" y="([\d.]+)"', svg))
    assert len(ys) == 4 and all(b - a >= charts.FONT for a, b in zip(ys, ys[1:]))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) * charts.ROOM_CHART_PX / charts.ROOM_CHART_W >= 16, "text of 16 px or more on the projector"
