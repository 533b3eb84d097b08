"""Serving a Solara page from the command line (``slsim app``, ``slsim workshop``).

Rules:

* The port is checked before anything starts: a whole number from 1 to 65535 that this user may
  bind on ``host`` and that no other server holds; otherwise a one-line reason is returned.
* The command then *becomes* the server (``os.execv`` on POSIX): SIGTERM, SIGHUP and Ctrl-C reach
  the server itself, and no orphaned server is left answering on the port.
* The server is quiet for a room: no "This website runs on Solara" badge over the content, no
  warning per page load about SameSite cookies on plain http (Solara falls back to SameSite=Lax,
  which is what a room's server wants), and a closed tab's session is kept 2 hours (enough to
  reconnect during a training day, bounded for a busy room's memory), not Solara's 24.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from slsim.errors import EXIT_OK


def check_port(host: str, text: str, default_port: int) -> int | str:
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
            return f"--port {port}: not allowed for this user (ports below 1024 need root); try --port {default_port}"
        except OSError as err:
            return f"--port {port} on {host}: cannot listen there ({err.strerror}); is another server using it?"
    return port


def become_server(module: str, host: str, port: int) -> int | str:
    """Run ``solara run MODULE`` in production mode as this process; its exit code, or a message
    when it cannot start."""
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "2h")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    cmd = [sys.executable, "-m", "solara", "run", module, "--host", host, "--port", str(port), "--production",
           "--no-open"]
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execv(sys.executable, cmd)
        except OSError as err:
            return f"cannot start the server ({sys.executable}: {err.strerror or err})"
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return EXIT_OK
