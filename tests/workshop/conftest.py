"""Browser fixtures for the workshop's tests: pytest-playwright's browser is Debian's Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright: use Debian's Chromium, never a downloaded one."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run 'bash scripts/setup_browser.sh' (as root) to install it")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


# axe-core from npm, fetched by scripts/setup_browser.sh into .cache/axe-core (as tests/app/conftest.py)
AXE_JS = Path(os.environ.get("SLSIM_AXE_DIR", Path(__file__).resolve().parents[2] / ".cache" / "axe-core")) \
    / "4.14.1" / "axe.min.js"


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.0/2.1 A and AA violations on the page, one line each."""
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
    """:func:`axe_serious`, for tests."""
    return axe_serious
