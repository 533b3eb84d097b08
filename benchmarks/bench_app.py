"""Speed of the browser view, measured in real headless Chromium with Playwright (not a test).

Prints medians for the issue's targets, each with the load average (1, 5, 15 min) beside it:

* first render: page opened until every outcome chart is drawn (target < 5 s);
* step: Step clicked until every chart shows the new week, default place, alone (target < 200 ms)
  and while another session runs a comparison (target < 300 ms);
* charts PNG: download clicked until the file arrives (target < 3 s);
* comparison: two scenarios, 10 replicates, 104 weeks, Run clicked until the bands are drawn, in
  the browser (while the other session steps, and alone) against ``slsim compare`` of the same
  from the command line (target: browser alone within 1.2 times the command line).

Usage: .venv/bin/python benchmarks/bench_app.py [--steps 30] [--renders 3] [--compares 2] [--pngs 3]
Needs /usr/bin/chromium and Solara's asset cache (bash scripts/setup_browser.sh).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1000}


def start_server() -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from slsim.tools.cli import main; sys.exit(main())",
                             "app", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 60:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url, log.name
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start; see {log.name}")


def charts_at_week_js() -> str:
    return ("w => { const c = document.querySelectorAll('.slsim-view-explore svg.slsim-chart');"
            " return c.length > 0 && [...c].every(e => e.dataset.week == String(w)); }")


def step_times(page, first_week: int, n: int) -> list[float]:
    """ms from a Step click (in the page) until every chart shows the new week (in the page)."""
    out = []
    for week in range(first_week + 1, first_week + n + 1):
        page.evaluate("() => { window.__t0 = performance.now(); document.querySelector('.slsim-step').click(); }")
        page.wait_for_function(charts_at_week_js(), arg=week, polling="raf", timeout=60_000)
        out.append(page.evaluate("() => performance.now() - window.__t0"))
    return out


def start_compare(page) -> None:
    page.get_by_role("button", name="Compare", exact=True).click()
    page.locator(".slsim-cmp-run").click()
    page.locator(".slsim-cmp-status").first.wait_for(timeout=60_000)


def wait_compare(page, n_outcomes: int) -> None:
    page.locator(".slsim-cmp-done").wait_for(timeout=300_000)
    page.wait_for_function(f"() => document.querySelectorAll('.slsim-view-compare polygon.slsim-band')"
                           f".length == {2 * n_outcomes}", timeout=60_000)


def cli_compare_seconds(out: str) -> float:
    """The same comparison from the command line (its own process, as a user runs it)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from slsim.tools.cli import main; sys.exit(main())", "compare",
                    "blame_culture", "systems_leadership", "--weeks", "104", "--replicates", "10", "--no-figure",
                    "--out", out], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--renders", type=int, default=3)
    ap.add_argument("--compares", type=int, default=2)
    ap.add_argument("--pngs", type=int, default=3)
    args = ap.parse_args()
    from slsim.model.metrics import OUTCOMES
    n_outcomes = len(OUTCOMES)  # one chart each
    figures: list[tuple[str, list[float], str, float, tuple[float, float, float]]] = []

    def record(name, values, unit, target):
        figures.append((name, values, unit, target, os.getloadavg()))

    proc, url, log = start_server()
    print(f"server {url} (log {log}); {os.cpu_count()} cores; load average at start "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            # warm-up: the first session pays for imports
            ctx = browser.new_context(viewport=VIEWPORT)
            ctx.new_page().goto(url)
            ctx.pages[0].locator(".slsim-week").wait_for(timeout=60_000)
            ctx.close()

            renders = []
            for _ in range(args.renders):
                ctx = browser.new_context(viewport=VIEWPORT)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_function(charts_at_week_js(), arg=0, timeout=60_000)
                renders.append(time.perf_counter() - t0)
                ctx.close()
            record("first render (open page -> all charts drawn)", renders, "s", 5)

            ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_function(charts_at_week_js(), arg=0, timeout=60_000)
            record(f"step, alone (click -> all {n_outcomes} charts), weeks 1-{args.steps}",
                   step_times(page, 0, args.steps), "ms", 200)
            week = args.steps

            pngs = []
            for _ in range(args.pngs):
                t0 = time.perf_counter()
                with page.expect_download(timeout=120_000):
                    page.get_by_role("button", name="Charts (PNG)").click()
                pngs.append(time.perf_counter() - t0)
            record(f"charts PNG at week {week} (click -> file)", pngs, "s", 3)

            # another session's comparison running meanwhile
            other = browser.new_context(viewport=VIEWPORT)
            cmp_page = other.new_page()
            cmp_page.goto(url)
            cmp_page.locator(".slsim-week").wait_for(timeout=60_000)
            beside: list[float] = []
            compares = []
            for _ in range(args.compares):
                t0 = time.perf_counter()
                if compares:
                    cmp_page.locator(".slsim-cmp-run").click()
                    cmp_page.locator(".slsim-cmp-done").wait_for(state="detached")
                else:
                    start_compare(cmp_page)
                while cmp_page.locator(".slsim-cmp-done").count() == 0:
                    beside += step_times(page, week, 1)
                    week += 1
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit("the comparison did not finish in 300 s")
                wait_compare(cmp_page, n_outcomes)
                compares.append(time.perf_counter() - t0)
            record("step beside another session's compare (click -> all charts)", beside, "ms", 300)
            record("browser compare 2 scenarios x 10 replicates x 104 weeks (while the other session steps)",
                   compares, "s", float("inf"))
            alone = []
            for _ in range(args.compares):
                t0 = time.perf_counter()
                cmp_page.locator(".slsim-cmp-run").click()
                cmp_page.locator(".slsim-cmp-done").wait_for(state="detached")
                wait_compare(cmp_page, n_outcomes)
                alone.append(time.perf_counter() - t0)
            record("browser compare, nothing else running", alone, "s", float("inf"))
            other.close()
            ctx.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    with tempfile.TemporaryDirectory() as out:
        cli = [cli_compare_seconds(out) for _ in range(args.compares)]
    record("command line `slsim compare` of the same (its own process)", cli, "s", float("inf"))

    def show(name, values, unit, target, load):
        med = statistics.median(values)
        ok = "" if target == float("inf") else f"; target < {target} {unit}: {'ok' if med < target else 'OVER TARGET'}"
        digits = 0 if unit == "ms" else 2
        print(f"{name:92s} median {med:8.{digits}f} {unit}  (min {min(values):.{digits}f}, "
              f"max {max(values):.{digits}f}, n={len(values)}{ok}); load average {load[0]:.2f} {load[1]:.2f} "
              f"{load[2]:.2f}")

    for fig in figures:
        show(*fig)
    browser_alone = statistics.median(figures[-2][1])
    ratio = browser_alone / statistics.median(cli)
    print(f"{'browser compare / command line compare':92s} {ratio:.2f} (target <= 1.2: "
          f"{'ok' if ratio <= 1.2 else 'OVER TARGET'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
