"""Browser fixtures for the workshop's tests: pytest-playwright's browser is Debian's Chromium."""

from __future__ import annotations

import os

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
