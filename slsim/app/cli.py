"""``slsim app``: start the browser view on 127.0.0.1 (a port and host can be chosen).

Rules: binds 127.0.0.1 unless ``--host`` says otherwise; prints the address before the server
starts; a bad or busy port, or a missing ``app`` extra, prints one clear message and exits 2.
On POSIX the command replaces itself with the Solara server (``os.execv``), so stopping
``slsim app`` (Ctrl-C, ``kill``, a closed terminal) stops the server: no orphan keeps the port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, EXIT_OK

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


def _check_port(host: str, text: str) -> int | str:
    """The port as an int, or a message saying why it cannot be used."""
    raw = str(text).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        return f"--port {text!r}: allowed a whole number from 1 to 65535"
    port = int(raw)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--host {host!r}: not an address of this machine"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except PermissionError:
            return f"--port {port}: not allowed for this user (ports below 1024 need root); try --port {DEFAULT_PORT}"
        except OSError as err:
            return f"--port {port} on {host}: cannot listen there ({err.strerror}); is another server using it?"
    return port


def cmd_app(args) -> int:
    """Run ``solara run slsim.app.page`` in production mode; returns its exit code."""
    try:
        import solara  # noqa: F401
    except ImportError:
        return _fail("the browser view needs the app extra: pip install -e '.[app]'")
    port = _check_port(args.host, args.port)
    if isinstance(port, str):
        return _fail(port)
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR", Path(sys.prefix) / "share" / "solara" / "cdn"))
    if not (cache / "requirejs@2.3.6").is_dir():
        print(f"slsim app: note: Solara's offline asset cache ({cache}) is empty; without internet the page stays "
              "blank. Fill it with: bash scripts/setup_browser.sh", file=sys.stderr)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"slsim app: open http://{shown}:{port}/ in a browser (Ctrl+C stops the server)", flush=True)
    # Solara keeps a closed tab's session (and its model) for 24 h by default; 2 h is enough to
    # reconnect during a training day and bounds the memory of a busy room.
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "2h")
    # Quiet: no "This website runs on Solara" badge over the charts, and no 12-line warning per
    # page load about SameSite cookies needing https (they do not matter for a room's plain-http
    # server; Solara falls back to SameSite=Lax, which is what we want).
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    cmd = [sys.executable, "-m", "solara", "run", "slsim.app.page", "--host", args.host, "--port", str(port),
           "--production", "--no-open"]
    if os.name == "posix":
        # Become the server rather than start it as a child: SIGTERM (kill), SIGHUP (a closed
        # terminal) and Ctrl-C then reach the server itself, and no orphaned server can be left
        # answering on the port after `slsim app` is gone.
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execv(sys.executable, cmd)
        except OSError as err:
            return _fail(f"cannot start the server ({sys.executable}: {err.strerror or err})")
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return EXIT_OK
