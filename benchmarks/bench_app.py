"""Speed of the browser view, measured in real headless Chromium with Playwright (not a test).

Prints medians for the issue's targets:

* first render: page opened until every outcome chart is drawn (target < 5 s);
* step update: Step clicked until every chart shows the new week (target < 200 ms), default place;
* comparison: two scenarios, 10 replicates, 104 weeks, Run clicked until the bands are drawn
  (target < 10 s).

Usage: .venv/bin/python benchmarks/bench_app.py [--steps 40] [--renders 5] [--compares 3]
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
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from slsim.cli import main; sys.exit(main())",
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--renders", type=int, default=5)
    ap.add_argument("--compares", type=int, default=3)
    args = ap.parse_args()
    from slsim.metrics import OUTCOMES
    n_outcomes = len(OUTCOMES)  # one chart each
    proc, url, log = start_server()
    print(f"server {url} (log {log}); {os.cpu_count()} cores")
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

            ctx = browser.new_context(viewport=VIEWPORT)
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_function(charts_at_week_js(), arg=0, timeout=60_000)
            steps = []
            for week in range(1, args.steps + 1):
                # time from the click (in the page) until every chart shows the new week (in the page)
                page.evaluate("() => { window.__t0 = performance.now();"
                              " document.querySelector('.slsim-step').click(); }")
                page.wait_for_function(charts_at_week_js(), arg=week, polling="raf")
                steps.append(page.evaluate("() => performance.now() - window.__t0"))
            late = []
            page.locator(".slsim-step13").click()
            week = args.steps + 13
            for _ in range(6):
                page.wait_for_function(charts_at_week_js(), arg=week)
                page.locator(".slsim-step13").click()
                week += 13
            page.wait_for_function(charts_at_week_js(), arg=week)
            for _ in range(10):
                week += 1
                page.evaluate("() => { window.__t0 = performance.now();"
                              " document.querySelector('.slsim-step').click(); }")
                page.wait_for_function(charts_at_week_js(), arg=week, polling="raf")
                late.append(page.evaluate("() => performance.now() - window.__t0"))

            compares = []
            page.get_by_role("button", name="Compare", exact=True).click()
            for _ in range(args.compares):
                t0 = time.perf_counter()
                page.locator(".slsim-cmp-run").click()
                page.locator(".slsim-cmp-done").wait_for(state="detached")  # the previous result is gone
                page.locator(".slsim-cmp-done").wait_for(timeout=120_000)
                page.wait_for_function(f"() => document.querySelectorAll('.slsim-view-compare polygon.slsim-band')"
                                       f".length == {2 * n_outcomes}")
                compares.append(time.perf_counter() - t0)
                page.locator(".slsim-cmp-run").wait_for()
            ctx.close()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)

    def show(name, values, unit, target):
        med = statistics.median(values)
        ok = "ok" if med < target else "OVER TARGET"
        digits = 0 if unit == "ms" else 2
        print(f"{name:52s} median {med:8.{digits}f} {unit}  (min {min(values):.{digits}f}, "
              f"max {max(values):.{0 if unit == 'ms' else 2}f}, n={len(values)}; target < {target} {unit}: {ok})")

    show("first render (open page -> all charts drawn)", renders, "s", 5)
    show(f"step update, weeks 1-{args.steps} (click -> all charts)", steps, "ms", 200)
    show(f"step update, weeks {week - 9}-{week} (click -> all charts)", late, "ms", 200)
    show("compare 2 scenarios x 10 replicates x 104 weeks -> bands", compares, "s", 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
