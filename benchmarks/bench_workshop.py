"""Speed of the workshop for a room (not a test): the issue's two targets, measured.

1. **Round compute**: every table's round (apply the decisions, step the weeks, store the
   result) at the default place (5,000 citizens, the documented burn-in), 6 tables x 13 weeks;
   target within 3 s on 2 cores. Measured through the server's own code (``Service.advance``)
   over several rounds; the burn-in is done once before timing, as in a real workshop (it is
   shared by every table through the burn-in cache).
2. **Server work per action**: ``--players`` threads submitting and reading their screens at
   once against the server's code (no browser), to separate the server's share.
3. **Action latency**: a player's Submit clicked until their page says "Submitted", in real
   headless Chromium, with ``--players`` players (default 30) at 6 tables, all in their own
   browser contexts, submitting at once in waves (others acting meanwhile); target 300 ms.

Prints medians (and the 90th percentile of latency) with the load average (``os.getloadavg()``).

Usage: .venv/bin/python benchmarks/bench_workshop.py [--rounds 4] [--players 30] [--waves 3] [--no-browser]
Needs /usr/bin/chromium and Solara's asset cache (bash scripts/setup_browser.sh) for part 2.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# In the page: the time of the click and the time the answer appeared (not when Python asks).
WATCH = """() => {
  window.__t0 = performance.now(); window.__t1 = undefined;
  const watch = setInterval(() => {
    if (document.querySelector('.ws-submit-message')) { window.__t1 = performance.now(); clearInterval(watch); }
  }, 5);
}"""


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def bench_rounds(rounds: int, tables: int, weeks: int) -> None:
    from slsim.tools.workshop.service import Service
    from slsim.tools.workshop.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        sv = Service(Store(Path(tmp) / "bench.db"))
        w = sv.create(sv.facilitator_key, tables=tables, rounds=rounds + 1, weeks_per_round=weeks, seed=1)
        t0 = time.perf_counter()
        from slsim.tools.workshop.engine import new_model
        new_model(sv.setup_of(w["id"]), sv.burn_in_cache)  # the burn-in, once, as the first round of a workshop pays it
        burn = time.perf_counter() - t0
        sv.start(sv.facilitator_key, w["id"])
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            sv.advance(sv.facilitator_key, w["id"])
            times.append(time.perf_counter() - t0)
        print(f"round compute: {tables} tables x {weeks} weeks, {w['n_citizens']:,} citizens, burn-in "
              f"{w['burn_in_weeks']} weeks ({burn:.2f} s once): median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {rounds} rounds (target 3 s); {load()}", flush=True)


def _server(db: Path) -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from slsim.tools.cli import main; sys.exit(main())",
                             "workshop", "--port", str(port), "--db", str(db)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 90:
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                key = re.search(r"facilitator\?key=(\S+)", Path(log.name).read_text()).group(1)
                return proc, base, key
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start; see {log.name}")


def bench_actions(players: int, tables: int, waves: int) -> None:
    from playwright.sync_api import sync_playwright

    from slsim.tools.workshop.service import Service
    from slsim.tools.workshop.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "room.db"
        sv = Service(Store(db))
        # Enough rounds that the waves never end the workshop; a long clock so it never locks.
        w = sv.create(sv.facilitator_key, tables=tables, rounds=waves + 2, weeks_per_round=13, minutes_per_round=60,
                      seed=1, seats_played=["acute", "community", "social_care", "primary_care", "voluntary"])
        tokens = [sv.join(w["join_code"], f"player {i}")["token"] for i in range(players)]
        sv.start(sv.facilitator_key, w["id"])
        proc, base, _ = _server(db)
        latencies: list[float] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                pages = []
                for token in tokens:
                    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                    page.goto(f"{base}/play?token={token}")
                    pages.append(page)
                for page in pages:
                    page.locator(".ws-submit").wait_for(timeout=120_000)
                print(f"{players} players' pages open; {load()}", flush=True)
                for wave in range(waves):
                    # All but one submit in this wave, so the round stays open; each click is timed
                    # until its own page answers, while the others' clicks are in flight.
                    wave_pages = pages[:-1]
                    for page in wave_pages:
                        page.evaluate(WATCH)
                        page.locator(".ws-submit").click(no_wait_after=True)
                    for page in wave_pages:
                        page.locator(".ws-submit-message").wait_for(timeout=60_000)
                    for page in wave_pages:
                        latencies.append(page.evaluate("() => window.__t1 - window.__t0") / 1000)
                    # Next wave: the pages reset their message by reloading (a new round would do it too).
                    for page in wave_pages:
                        page.reload()
                        page.locator(".ws-submit").wait_for(timeout=120_000)
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    lat = sorted(latencies)
    p90 = lat[int(0.9 * (len(lat) - 1))]
    print(f"action latency (Submit clicked until 'Submitted' shows, {players} players at {tables} tables, "
          f"{len(lat)} clicks in {waves} waves of near-simultaneous submits): "
          f"median {statistics.median(lat) * 1000:.0f} ms, 90th percentile {p90 * 1000:.0f} ms (target 300 ms); "
          f"{load()}", flush=True)


def bench_service(players: int, tables: int, actions: int) -> None:
    """The server's own work per action (no browser, no Solara): ``players`` threads submitting
    and reading their seat's screen at once."""
    import threading

    from slsim.tools.workshop import decisions as dec
    from slsim.tools.workshop.service import Service
    from slsim.tools.workshop.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        sv = Service(Store(Path(tmp) / "svc.db"))
        w = sv.create(sv.facilitator_key, tables=tables, rounds=3, minutes_per_round=60, seed=1,
                      seats_played=list(dec.SEATS[:5]))
        people = [sv.join(w["join_code"], f"p{i}") for i in range(players)]
        sv.start(sv.facilitator_key, w["id"])
        times: list[float] = []
        lock = threading.Lock()

        def act(p, last: bool) -> None:
            choice = dec.computer_choices(p["seat"], "systems_leadership")
            for _ in range(actions if not last else 0):
                t0 = time.perf_counter()
                sv.submit(p["token"], p["seat"], choice)
                sv.seat_view(p["token"])
                with lock:
                    times.append(time.perf_counter() - t0)

        threads = [threading.Thread(target=act, args=(p, i == len(people) - 1)) for i, p in enumerate(people)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    lat = sorted(times)
    print(f"server work per action (submit + the seat's screen read, {players} threads at once, {len(lat)} actions): "
          f"median {statistics.median(lat) * 1000:.1f} ms, 90th percentile {lat[int(0.9 * (len(lat) - 1))] * 1000:.1f} "
          f"ms; {load()}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--tables", type=int, default=6)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--players", type=int, default=30)
    ap.add_argument("--waves", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    print(f"slsim workshop benchmark; {load()}", flush=True)
    bench_rounds(args.rounds, args.tables, args.weeks)
    bench_service(args.players, args.tables, 10)
    if not args.no_browser:
        bench_actions(args.players, args.tables, args.waves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
