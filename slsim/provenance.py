"""What code made a result: slsim's version and a hash of the model's source.

Rules:

* The version comes from the repository. In a git checkout it is read from git at first use:
  ``X.Y.Z`` on a tag ``vX.Y.Z``, else ``X.Y.(Z+1).devN+gHASH`` (N commits after the tag), or
  ``0.1.devN+gHASH`` when there is no tag (N commits in all); ``.dirty`` is added to the local part
  when the work tree has uncommitted changes. Outside a checkout (an installed wheel) it is the
  version hatch-vcs wrote into ``slsim/_version.py`` when the package was built, else the installed
  distribution's version, else ``0+unknown``.
* :func:`model_sha256` is the sha256 over the model's source: every ``.py`` file under
  ``slsim/model`` in sorted order of its path relative to that folder, each as the path, a NUL, the
  file's bytes and a NUL. Any change to a rule, a coefficient or a process changes it; a checkout
  at another path, or an installed wheel of the same code, gives the same hash.
* Both are computed once per process and cached.
"""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
MODEL = PACKAGE / "model"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(PACKAGE.parent), *args], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _version_from_git() -> str | None:
    top = _git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != PACKAGE.parent:
        return None  # not our own checkout (e.g. a wheel installed inside some other repository)
    sha = _git("rev-parse", "--short=10", "HEAD")
    if sha is None:
        return None
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    described = _git("describe", "--tags", "--long", "--match", "v[0-9]*")
    m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-(\d+)-g[0-9a-f]+", described or "")
    if m:
        major, minor, patch, n = (int(g) for g in m.groups())
        if n == 0 and not dirty:
            return f"{major}.{minor}.{patch}"
        base = f"{major}.{minor}.{patch + 1}.dev{n}" if n else f"{major}.{minor}.{patch}"
    else:
        base = f"0.1.dev{_git('rev-list', '--count', 'HEAD') or 0}"
    return f"{base}+g{sha}{'.dirty' if dirty else ''}"


@functools.cache
def version() -> str:
    """slsim's version (see the module's rules)."""
    found = _version_from_git()
    if found:
        return found
    try:
        from slsim._version import __version__ as built  # written by hatch-vcs at build time
        return str(built)
    except ImportError:
        pass
    import importlib.metadata as md
    try:
        return md.version("slsim")
    except md.PackageNotFoundError:
        return "0+unknown"


@functools.cache
def model_sha256() -> str:
    """sha256 of the model's source (see the module's rules), 64 hex digits."""
    h = hashlib.sha256()
    for path in sorted(MODEL.rglob("*.py"), key=lambda p: p.relative_to(MODEL).as_posix()):
        h.update(path.relative_to(MODEL).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def stamp() -> dict[str, str]:
    """The two, as recorded in every output: ``{"slsim_version": ..., "model_sha256": ...}``."""
    return {"slsim_version": version(), "model_sha256": model_sha256()}


def model_change(recorded: dict | None) -> str | None:
    """In words, how the model's code differs from the one ``recorded`` (a dict holding
    ``model_sha256`` and ``slsim_version``); None when it is the same or nothing was recorded."""
    if not isinstance(recorded, dict) or not recorded.get("model_sha256"):
        return None
    old = str(recorded["model_sha256"])
    if old == model_sha256():
        return None
    return (f"the model's code changed (slsim/model sha256 {old[:12]} -> {model_sha256()[:12]}; "
            f"version {recorded.get('slsim_version', '?')} -> {version()})")
