"""Fixtures for the browser view's tests: the real server as a subprocess, and real Chromium.

Chromium comes from Debian (`scripts/setup_browser.sh` installs it; `./dev.sh test` runs that
first). Playwright's own browser download does not work on these machines, so the pytest-playwright
``browser`` fixture is pointed at /usr/bin/chromium. A missing Chromium FAILS the browser tests
rather than skipping them: CI must run them every time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1000}  # the set-up column needs >= 1400 px
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BAD_LOG_LINES = ("Could not load URL", "Traceback (most recent call last)", "samesite=none")
# axe-core from npm, fetched by scripts/setup_browser.sh (pinned there) into .cache/axe-core
AXE_JS = Path(os.environ.get("SLSIM_AXE_DIR", Path(__file__).resolve().parents[2] / ".cache" / "axe-core")) \
    / "4.14.1" / "axe.min.js"


@dataclass
class AppServer:
    url: str
    log: Path
    proc: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: Path, port: int | None = None, timeout: float = 60.0) -> AppServer:
    """Start ``slsim app`` on 127.0.0.1 and wait until it answers; its own process group."""
    port = port or free_port()
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from slsim.tools.cli import main; sys.exit(main())",
                             "app", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"slsim app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return AppServer(url, log, proc)
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"slsim app did not answer within {timeout} s:\n{log.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server and its solara child: the process group we created, by its id."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("slsim-app") / "server.log")
    yield server
    stop_server(server.proc)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "server.log").write_text(server.log_text())


@pytest.fixture
def app(app_server):
    """The running server; after each test its log must hold no failed asset load or traceback."""
    before = len(app_server.log_text())
    yield app_server
    new = app_server.log_text()[before:]
    for bad in BAD_LOG_LINES:
        assert bad not in new, f"server log contains '{bad}':\n{new[-3000:]}"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright: use Debian's Chromium, never a downloaded one."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run 'bash scripts/setup_browser.sh' (as root) to install it")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def new_page(browser, app, request):
    """Open a fresh browser context (a new session) on the app; closes them all afterwards.

    When the test fails, every page it opened is saved to test-artifacts/failed-TEST-N.png with the
    server log's tail beside it, so a failure on a loaded CI machine can be read afterwards."""
    contexts, pages = [], []

    def open_page():
        ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(ctx)
        page = ctx.new_page()
        # Generous: a loaded two-core CI machine runs the server, Chromium and another test at once.
        page.set_default_timeout(60_000)
        page.goto(app.url)
        page.locator(".slsim-week").wait_for()
        pages.append(page)
        return page

    yield open_page
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("[", "-").replace("]", "")
        for i, page in enumerate(pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"failed-{name}-{i}.png"))
            except Exception as err:  # a crashed page must not hide the test's own failure
                print(f"could not save a screenshot of page {i}: {err}")
        (ARTIFACTS / f"failed-{name}-server.log").write_text(app.log_text()[-20_000:])
    for ctx in contexts:
        ctx.close()



def axe_serious(page) -> list[str]:
    """Run axe-core in the page (WCAG 2.0/2.1 A and AA rules); the serious and critical
    violations as one line each (rule, impact, the first offending elements)."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run 'bash scripts/setup_browser.sh' to fetch axe-core from npm")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return [f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe():
    """:func:`axe_serious`, for tests (conftest modules are not imported by name)."""
    return axe_serious
