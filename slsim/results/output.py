"""Writing results: atomically, with a record of what made them.

Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written file that looks complete. Every output folder gets a
``*.meta.json`` naming the scenarios, parameters, seeds and versions that made it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic(path: Path, write: Callable[[Path], None], suffix: str = ".part") -> Path:
    """Call ``write(tmp_path)`` on a temporary file (hidden, ending in ``suffix``) in the same
    folder, then rename it onto ``path``: the file is either complete or absent.

    The file gets the mode of an ordinarily created one (``0o666`` less the umask), not the
    ``0o600`` of :func:`tempfile.mkstemp`, so others in a shared project folder can read it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (``os.umask`` sets it, and
    another thread creating a file meanwhile would get the wrong mode)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sha256(path: Path) -> str:
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def begin_set(folder: Path, stem: str) -> None:
    """Before writing a new set of outputs: remove the old record, so that a set interrupted half
    way has no ``.meta.json`` vouching for it."""
    (Path(folder) / f"{stem}.meta.json").unlink(missing_ok=True)


def finish_set(folder: Path, stem: str, meta: dict, files: list[Path]) -> Path:
    """Write ``stem.meta.json`` last, with the sha256 of every file of the set: a set is complete
    when its meta.json exists and the checksums match."""
    record = dict(meta, files={p.name: sha256(p) for p in files})
    return write_json(Path(folder) / f"{stem}.meta.json", record)


def write_json(path: Path, data: Any) -> Path:
    return write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_results(results, folder: Path, stem: str) -> list[Path]:
    """CSV and Parquet of the tidy frame (each written atomically). The caller writes the set's
    ``stem.meta.json`` last with :func:`finish_set`."""
    frame = results.frame.copy()
    # Parquet carries the record of what made it inside the file as well as beside it.
    frame.attrs["slsim"] = json.dumps(results.meta, default=str)
    return [
        write_atomic(folder / f"{stem}.csv", lambda p: results.frame.to_csv(p, index=False)),
        write_atomic(folder / f"{stem}.parquet", lambda p: frame.to_parquet(p, index=False)),
    ]


def write_figure(fig, folder: Path, stem: str, meta: dict | None = None) -> list[Path]:
    """PNG and SVG of a matplotlib figure, each written atomically, with the scenarios, seed and
    versions that made it in the file's own metadata (PNG text chunks, SVG metadata)."""
    paths = []
    for ext in ("png", "svg"):
        info = {"Title": stem, "Description": _describe(meta)} if meta else {}
        paths.append(write_atomic(folder / f"{stem}.{ext}",
                                  lambda p, ext=ext, info=info: fig.savefig(p, format=ext, dpi=130, metadata=info)))
    return paths


def _describe(meta: dict) -> str:
    keys = ("scenarios", "weeks", "replicates", "seed", "params", "slsim_version", "model_sha256", "mesa_version")
    return json.dumps({k: meta.get(k) for k in keys}, default=str)


def check_writable_folder(out: str | Path, flag: str = "--out", error: type[Exception] = ValueError) -> Path:
    """Check that ``out`` is (or can be made) a folder this process can write files in.

    Creates any missing folders, writes and deletes a temporary file, then removes the folders it
    created, so a failed check and a later bad-input error both leave nothing behind. Raises
    ``error`` naming the folder and the reason.
    """
    if str(out).strip() == "":
        raise error(f"{flag} '': give a folder name")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise error(f"{flag} {out}: exists and is not a folder")
    created: list[Path] = []
    folder = out
    while not folder.exists() and folder != folder.parent:
        created.append(folder)
        folder = folder.parent
    try:
        for f in reversed(list(created)):
            try:
                f.mkdir()
            except FileExistsError:
                if not f.is_dir():
                    raise
                created.remove(f)  # another process made it just now (two sweeps started together): not ours
    except OSError as err:
        _remove_created(created)
        raise error(f"{flag} {out}: cannot create this folder ({err.strerror or err})") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".slsim-write-check.", suffix=".tmp", dir=out)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise error(f"{flag} {out}: cannot write files in this folder ({err.strerror or err})") from None
    finally:
        _remove_created(created)
    return out


def _remove_created(created: list[Path]) -> None:
    for f in created:  # deepest first
        try:
            f.rmdir()
        except OSError:
            pass
