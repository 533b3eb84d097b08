"""``slsim app``: start the browser view on 127.0.0.1 (a port and host can be chosen).

Rules: binds 127.0.0.1 unless ``--host`` says otherwise; prints the address before the server
starts; a bad or busy port, or a missing ``app`` extra, prints one clear message and exits 2.
On POSIX the command replaces itself with the Solara server (``os.execv``), so stopping
``slsim app`` (Ctrl-C, ``kill``, a closed terminal) stops the server: no orphan keeps the port.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from slsim.errors import EXIT_BAD_INPUT
from slsim.tools.serve import become_server, check_port

DEFAULT_PORT = 8765


def register(subparsers) -> None:
    """Add the ``app`` sub-command to the ``slsim`` command's sub-parsers."""
    p = subparsers.add_parser("app", help="start the browser view (learners explore, trainers demo)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    # Read as text so a bad port gets our one-line message instead of argparse's usage dump.
    p.add_argument("--port", default=str(DEFAULT_PORT), help=f"port to listen on (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_app)


def _fail(message: str) -> int:
    print(f"slsim app: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_app(args) -> int:
    """Run ``solara run slsim.tools.app.page`` in production mode; returns its exit code."""
    try:
        import solara  # noqa: F401
    except ImportError:
        return _fail("the browser view needs the app extra: pip install -e '.[app]'")
    port = check_port(args.host, args.port, DEFAULT_PORT)
    if isinstance(port, str):
        return _fail(port)
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR", Path(sys.prefix) / "share" / "solara" / "cdn"))
    if not (cache / "requirejs@2.3.6").is_dir():
        print(f"slsim app: note: Solara's offline asset cache ({cache}) is empty; without internet the page stays "
              "blank. Fill it with: bash scripts/setup_browser.sh", file=sys.stderr)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"slsim app: open http://{shown}:{port}/ in a browser (Ctrl+C stops the server)", flush=True)
    started = become_server("slsim.tools.app.page", args.host, port)
    return _fail(started) if isinstance(started, str) else started
