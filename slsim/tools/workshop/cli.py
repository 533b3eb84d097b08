"""``slsim workshop``: serve a workshop; ``slsim workshop export DB --out DIR``: export one.

Rules: the server binds 127.0.0.1 unless ``--host`` says otherwise, and ``--host 0.0.0.0``
prints a warning saying what that exposes. The database defaults to ``slsim-workshop.db`` in the
working folder and is created if missing; the facilitator's key is kept in it, so the printed
facilitator address stays valid when the server is restarted on the same database. Bad input (a
port, a database that is not one, a folder that cannot be written) prints one line and exits 2
with nothing written. On POSIX the command becomes the Solara server (``os.execv``), so stopping
it stops the server.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from pathlib import Path

from slsim.errors import EXIT_BAD_INPUT, EXIT_OK
from slsim.tools.serve import become_server, check_port
from slsim.tools.workshop.store import DB_ENV, DEFAULT_DB, URL_ENV, Store

DEFAULT_PORT = 8766


def register(subparsers) -> None:
    """Add the ``workshop`` sub-command (and its ``export``) to the ``slsim`` command."""
    p = subparsers.add_parser("workshop", help="serve a workshop: a room leads one place together, round by round")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    p.add_argument("--port", default=str(DEFAULT_PORT), help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--db", default=DEFAULT_DB, help=f"the workshop database, an SQLite file (default ./{DEFAULT_DB})")
    p.set_defaults(func=cmd_workshop)
    sub = p.add_subparsers(dest="workshop_command", metavar="{export}")
    e = sub.add_parser("export", help="write a workshop's decisions and outcomes as CSV and Parquet (names removed)")
    e.add_argument("database", help="the workshop database (SQLite file)")
    e.add_argument("--out", required=True, help="folder to write into (created if missing)")
    e.add_argument("--workshop", default=None, help="which workshop of the database (default: its only one)")
    e.add_argument("--no-free-text", action="store_true",
                   help="leave the predictions' cause (players' own words, may name colleagues) empty")
    e.set_defaults(func=cmd_export)


def _fail(message: str) -> int:
    print(f"slsim workshop: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def open_database(text: str, create: bool):
    """The Store of a database path, or a message saying why it cannot be used."""
    path = Path(text).expanduser()
    if path.is_dir():
        return f"--db {text}: is a folder; give a file name such as {DEFAULT_DB}"
    if not path.exists() and not create:
        return f"{text}: no such workshop database"
    if not path.parent.is_dir():
        return f"--db {text}: the folder {path.parent} does not exist"
    existed = path.exists()
    try:
        return Store(path.resolve())
    except sqlite3.DatabaseError as err:
        if not existed:
            path.unlink(missing_ok=True)
        return f"{text}: not a workshop database ({err})"
    except OSError as err:
        return f"{text}: cannot open ({err.strerror or err})"


def _lan_address() -> str:
    """This machine's address on its network (no packet is sent), for the printed player address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            return s.getsockname()[0]
        except OSError:
            return "THIS-MACHINE"


def cmd_workshop(args) -> int:
    """Check the options, print the addresses, then become ``solara run slsim.tools.workshop.pages``."""
    try:
        import solara  # noqa: F401
    except ImportError:
        return _fail("the workshop server needs the app extra: pip install -e '.[app]'")
    port = check_port(args.host, args.port, DEFAULT_PORT)
    if isinstance(port, str):
        return _fail(port)
    store = open_database(args.db, create=True)
    if isinstance(store, str):
        return _fail(store)
    from slsim.tools.workshop.service import Service
    key = Service(store).facilitator_key
    store.close()
    if args.host in ("0.0.0.0", "::"):
        print("slsim workshop: WARNING: --host 0.0.0.0 serves every network this machine is on: anyone who can "
              "reach it can open the join page and, with a join code, take a seat; the facilitator's address "
              "(below) gives full control. Use it on a room's own network, not a public one.", file=sys.stderr)
        shown = _lan_address()
    else:
        shown = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{shown}:{port}"
    print(f"slsim workshop: facilitator (keep this address to yourself): {base}/facilitator?key={key}", flush=True)
    print(f"slsim workshop: players join at: {base}/", flush=True)
    print(f"slsim workshop: database: {store.path} (Ctrl+C stops the server; start it again to continue)",
          flush=True)
    os.environ[DB_ENV] = str(store.path)
    os.environ[URL_ENV] = f"{base}/"
    started = become_server("slsim.tools.workshop.pages", args.host, port)
    return _fail(started) if isinstance(started, str) else started


def cmd_export(args) -> int:
    """Write the workshop's CSV and Parquet files and their record."""
    from slsim.results.output import check_writable_folder
    from slsim.tools.workshop.export import export
    store = open_database(args.database, create=False)
    if isinstance(store, str):
        return _fail(store)
    try:
        from slsim.tools.workshop.replay import resolve_workshop
        resolve_workshop(store, args.workshop)
        out = check_writable_folder(args.out)
    except ValueError as err:
        return _fail(str(err))
    files = export(store, out, args.workshop, free_text=not args.no_free_text)
    print(f"slsim workshop: wrote {len(files)} files to {out}")
    return EXIT_OK
