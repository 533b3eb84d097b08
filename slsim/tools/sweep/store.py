"""Resumable storage of a sweep: Parquet parts written atomically, and a manifest.

Layout of a results folder::

    manifest.json            experiment (file and content hashes, content), design, every run's
                             id, point, replicate, seed and parameters, versions, sessions
    runs/part-S-B.parquet    (every part's Parquet metadata ``slsim``: version, model and experiment hashes)
                             one row per finished run (ok or failed): ids, factors, status, error,
                             per-run summaries of every outcome
    weekly/part-S-B.parquet  one row per run x week, for the outcomes the experiment keeps weekly

Rules:

* Every file is written to a temporary name in its folder and renamed into place (``os.replace``):
  a part is either complete or absent.
* A batch writes its weekly part first and its runs part last: a run counts as finished only once
  its row is in a runs part. Weekly parts without a runs part (a crash between the two) are
  removed on resume, so rerunning those runs cannot duplicate rows.
* A run may be reported twice (Dask reruns a task whose worker died after it finished); the store
  keeps the first record of a run id and drops later ones, in memory and on load.
* Resuming needs the same experiment content: everything that decides the runs' numbers. Comments,
  title, description, ``batch_runs`` and ``analysis`` hints may change; anything else is refused.
* Provenance by content: the manifest's ``inputs`` hold slsim's version and the sha256 of the model's
  source (:mod:`slsim.provenance`), the sha256 of every scenario file the experiment reaches
  (through ``extends:`` and ``adopt:`` too; keyed by its path relative to the experiment file, and
  the same files by content at other paths count as the same) and of each run's resolved
  parameters and timeline (``resolved_params``, keyed by that hash; each run names its hash in the
  manifest and in its row, column ``params_sha256``). A resume whose model code, scenario files or
  resolved parameters differ is refused, saying what changed, unless ``allow_changed_inputs``; what was
  accepted is recorded in that session's ``allowed_changed_inputs``.
* One sweep per folder: a session holds an OS lock on ``OUT/.slsim.lock`` (released when its
  process ends, however it ends) and names itself in ``OUT/.slsim-running.json``; a second sweep
  into the folder is refused naming the first. A session still "running" in the manifest when a
  new one takes the lock belongs to a process that died: it is marked "interrupted".
* Every runs part is checked when a session starts and on load: readable, and its rows the manifest's
  (the experiment hash in its metadata, run ids, seeds, parameters' hashes: :func:`foreign_reason`);
  a part with finished runs whose weekly part is missing counts as damaged too. A session moves a
  damaged or foreign part (with its weekly part) to ``quarantine/runs/NAME.corrupt``, outside the
  folders readers scan, reports it, and runs its runs again; :func:`load_results` skips such parts
  with a warning naming them (:func:`unreadable_parts`).
* A manifest that is not a sweep manifest (``{}``, a list, missing fields) is one line naming it.
* A file that cannot be written (disk full, quota) is one line naming it; the temporary file is
  removed, so nothing partial is left.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import signal
import socket
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slsim.errors import SlsimError
from slsim.results import output
from slsim.tools.sweep.experiment import Experiment, ExperimentError

FORMAT = 1
MANIFEST = "manifest.json"
LOCK = ".slsim.lock"
RUNNING = ".slsim-running.json"
CORRUPT = ".corrupt"
QUARANTINE = "quarantine"


class StoreWriteError(SlsimError):
    """A results file could not be written (disk full, quota, permissions): names the file."""


class SweepLocked(ExperimentError):
    """Another sweep holds the results folder."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def hold_interrupts():
    """Hold off Ctrl-C (SIGINT) and SIGTERM for the length of the block, then deliver it at the end.

    Used around writing a batch, so an interrupt cannot fall between writing a part and recording
    it. A second Ctrl-C while held goes through at once (a write that hangs can still be stopped;
    the batch is then neither recorded nor kept). Only the main thread can set signal handlers;
    elsewhere the block runs unguarded."""
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    if threading.current_thread() is not threading.main_thread() or None in previous.values():
        yield  # None: a handler installed outside Python, which could not be put back
        return
    caught: list[int] = []

    def hold(signum, frame):
        if caught:
            raise KeyboardInterrupt  # asked twice: stop now
        caught.append(signum)

    for sig in signals:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig in signals:
            signal.signal(sig, previous[sig])
    if caught:  # the block finished: the signal held off goes to the handler that was there before
        signal.raise_signal(caught[0])


def write_atomic_bytes(path: Path, write) -> Path:
    """:func:`slsim.results.output.write_atomic` with ``.tmp`` temporaries (a resume removes any left by a
    killed process). An ``OSError`` (disk full, quota) is a :class:`StoreWriteError` naming the file."""
    try:
        return output.write_atomic(path, write, suffix=".tmp")
    except OSError as err:
        raise StoreWriteError(f"{path}: cannot write ({err.strerror or err}); nothing partial was left. "
                              f"Free space (or fix the folder) and run the same command again") from None


def write_json_atomic(path: Path, data: Any) -> Path:
    return write_atomic_bytes(path, lambda p: p.write_text(json.dumps(data, indent=1, default=str) + "\n"))


def versions() -> dict[str, str]:
    import importlib.metadata as md
    out = {"python": platform.python_version()}
    for dist in ("slsim", "mesa", "numpy", "pandas", "pyarrow", "SALib", "dask", "distributed", "scikit-learn"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    from slsim.provenance import stamp
    # from git in a checkout: an editable install's recorded version is that of the commit it was installed at
    out["slsim"] = stamp()["slsim_version"]
    out["slsim_model_sha256"] = stamp()["model_sha256"]
    return out


def check_writable_folder(out: str | Path, flag: str = "--out") -> Path:
    """:func:`slsim.results.output.check_writable_folder`, raising :class:`ExperimentError`."""
    return output.check_writable_folder(out, flag, error=ExperimentError)


def check_out_dir(out: Path, exp: Experiment) -> dict[str, Any] | None:
    """Check a results folder can take this experiment; return its manifest when resuming.

    Raises :class:`ExperimentError` (and touches nothing) when the folder holds something else or
    cannot be created or written.
    """
    check_writable_folder(out)
    mpath = out / MANIFEST
    if not mpath.exists():
        if out.exists() and any(p for p in out.iterdir() if not p.name.startswith(".")):
            raise ExperimentError(f"--out {out}: folder is not empty and holds no sweep manifest; "
                                  f"choose an empty or new folder")
        return None
    manifest = _read_manifest_file(mpath)
    old = manifest["experiment"].get("content_sha256")
    if old != exp.content_sha256:
        raise ExperimentError(f"--out {out}: holds results of a different experiment "
                              f"('{manifest.get('experiment', {}).get('name')}', content hash {str(old)[:12]}, "
                              f"this one {exp.content_sha256[:12]}); resume needs the same experiment. "
                              f"Use another --out folder")
    return manifest


def sweep_inputs(exp: Experiment, runs) -> dict[str, Any]:
    """What a session's runs are made from, by content: the experiment file's sha256, every
    scenario file's (absolute path -> sha256) and one sha256 over every run's resolved parameters."""
    from slsim.tools.sweep.runs import input_files
    h = hashlib.sha256()
    for r in runs:
        h.update(r.resolved_sha256.encode())
    from slsim.provenance import stamp
    base = Path(exp.path).resolve().parent if exp.path else Path.cwd()
    # Keyed by the path relative to the experiment's folder, so a clone at another path has the same keys;
    # compared by content (changed_inputs).
    files = {os.path.relpath(path, base): digest for path, digest in input_files(exp, runs).items()}
    return {"experiment_file": {"path": str(Path(exp.path).resolve()) if exp.path else None,
                                "sha256": exp.file_sha256},
            "scenario_files": dict(sorted(files.items())), "resolved_params_sha256": h.hexdigest(), **stamp()}


def _session_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"experiment_file_sha256": inputs["experiment_file"]["sha256"],
            "scenario_files": dict(inputs["scenario_files"]),
            "resolved_params_sha256": inputs["resolved_params_sha256"],
            "model_sha256": inputs.get("model_sha256"), "slsim_version": inputs.get("slsim_version")}


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def changed_inputs(manifest: dict[str, Any], inputs: dict[str, Any], runs) -> list[str]:
    """What differs between the inputs a results folder was made from and this session's, in
    words (empty when nothing that decides a run changed). A manifest written before inputs were
    recorded has nothing to compare."""
    old = manifest.get("inputs")
    if not isinstance(old, dict):
        return []
    from slsim.provenance import model_change
    changes = []
    code = model_change(old)
    if code:
        changes.append(code)
    before, after = old.get("scenario_files") or {}, inputs["scenario_files"]
    if sorted(before.values()) == sorted(after.values()):
        before = after  # the same files by content (a clone at another path, a folder moved)
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        if a is None:
            changes.append(f"scenario file {_short(path)} is new to this sweep")
        elif b is None:
            changes.append(f"scenario file {_short(path)} is no longer used")
        else:
            changes.append(f"scenario file {_short(path)} was edited (sha256 {a[:10]} -> {b[:10]})")
    if old.get("resolved_params_sha256") != inputs["resolved_params_sha256"]:
        table = manifest.get("resolved_params") or {}
        differ = [(rec, r) for rec, r in zip(manifest["runs"], runs)
                  if isinstance(rec, dict) and rec.get("resolved_sha256") != r.resolved_sha256]
        what = ""
        if differ:
            rec, r = differ[0]
            was = (table.get(rec.get("resolved_sha256")) or {}).get("params", {})
            now_ = r.resolved.get("params", {})
            diffs = [f"{k} {was.get(k)!r} -> {now_.get(k)!r}" for k in sorted(set(was) | set(now_))
                     if was.get(k) != now_.get(k)]
            if not diffs and was:
                diffs = ["its timeline"]
            if diffs:
                what = f" (run {r.run_id}: {', '.join(diffs[:4])}{', ...' if len(diffs) > 4 else ''})"
        changes.append(f"the resolved parameters of {len(differ) or 'some'} of {len(runs)} runs differ{what}")
    return changes


def refuse_changed_inputs(out: Path, changes: list[str]) -> None:
    """Raise the one-line refusal of a resume whose inputs changed."""
    raise ExperimentError(f"--out {out}: the inputs changed since this sweep started: {'; '.join(changes)}. "
                          f"Resuming would mix runs of different inputs. Start a new sweep with another --out "
                          f"folder, or pass --allow-changed-inputs to resume anyway (recorded in the manifest)")


class FolderLock:
    """One sweep per results folder: an OS lock (``filelock``) on ``OUT/.slsim.lock``, released by
    the OS when the process ends however it ends, and ``OUT/.slsim-running.json`` naming its holder.

    :meth:`acquire` creates the folder if needed and raises :class:`SweepLocked` naming the
    running sweep when another process holds the lock; :meth:`release` removes what it created
    (the whole folder, if it made it and nothing else was written)."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.created = False
        self._lock = None

    def acquire(self, experiment: str) -> None:
        from slsim.tools.sweep.extras import require
        require("slsim sweep", "filelock")
        from filelock import FileLock, Timeout
        self.created = not self.out.exists()
        lock = FileLock(str(self.out / LOCK), thread_local=False)
        for attempt in range(5):
            self.out.mkdir(parents=True, exist_ok=True)
            try:
                lock.acquire(timeout=0)
                break
            except FileNotFoundError:
                # another sweep starting this instant checked the new folder and removed it again
                # (a failed check leaves nothing behind): make it once more
                if attempt == 4:
                    raise
            except Timeout:
                # the folder and lock file are the running sweep's: touch nothing
                raise SweepLocked(f"--out {self.out}: another sweep is running into this folder "
                                  f"({self._holder()}); wait for it to finish, stop it, or use another --out "
                                  f"folder") from None
        self._lock = lock
        info = {"pid": os.getpid(), "host": socket.gethostname(), "experiment": experiment, "started": now()}
        (self.out / RUNNING).write_text(json.dumps(info) + "\n")

    def _holder(self) -> str:
        try:
            info = json.loads((self.out / RUNNING).read_text())
            return (f"experiment {info.get('experiment')!r}, process {info.get('pid')} on {info.get('host')}, "
                    f"started {info.get('started')}")
        except (OSError, ValueError, AttributeError):
            return "its process is just starting or gave no details"

    def release(self, written: bool = True) -> None:
        """Let the folder go; ``written=False`` (bad input found after locking) removes the lock
        files, and the folder when this lock created it."""
        if self._lock is None:
            return
        (self.out / RUNNING).unlink(missing_ok=True)
        self._lock.release()
        self._lock = None
        if not written:
            self._tidy()

    def _tidy(self) -> None:
        if self.created:
            (self.out / LOCK).unlink(missing_ok=True)
            try:
                self.out.rmdir()
            except OSError:
                pass


class ResultStore:
    """Writes batches of run records to a results folder and keeps its manifest."""

    def __init__(self, out: Path, exp: Experiment, design, runs, manifest: dict[str, Any] | None,
                 executor: str, inputs: dict[str, Any] | None = None, allowed_changes: list[str] | None = None,
                 ) -> None:
        self.out = Path(out)
        self.exp = exp
        self.runs = runs
        self.factor_names = exp.factor_names
        self.manifest = manifest or self._new_manifest(design, runs)
        # the latest file's analysis hints and titles win (they do not change any run)
        self.manifest["experiment"]["spec"] = exp.spec.model_dump(mode="json")
        self.manifest["experiment"]["file_sha256"] = exp.file_sha256
        self.session = len(self.manifest["sessions"]) + 1
        # we hold the folder's lock: a session still "running" is one whose process died
        for old in self.manifest["sessions"]:
            if old.get("status") == "running":
                old["status"] = "interrupted"
                old["note"] = f"its process ended without a word; marked interrupted by session {self.session}"
        inputs = inputs if inputs is not None else sweep_inputs(exp, runs)
        self._record_runs(runs)
        self.manifest["inputs"] = inputs
        self.batch = 0
        self.retried: list[int] = []
        self.done: set[int] = set()
        self.failed: dict[int, str] = {}
        self.quarantined = self._load_done()
        self.skipped = len(self.done)
        sess = {"session": self.session, "started": now(), "ended": None, "status": "running",
                "executor": executor, "skipped": self.skipped, "completed": 0, "failed": 0,
                "file_sha256": exp.file_sha256, "inputs": _session_inputs(inputs), "versions": versions()}
        if allowed_changes:
            sess["allowed_changed_inputs"] = allowed_changes
        if self.quarantined:
            sess["quarantined_parts"] = self.quarantined
        self.manifest["sessions"].append(sess)
        self.write_manifest()

    def _parquet(self, frame: pd.DataFrame, path: Path) -> None:
        """Write a part with its provenance in the file's metadata (key ``slsim``: slsim's version, the
        model's source hash and the experiment's content hash), so a part carries where it came from."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from slsim.provenance import stamp
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"slsim"] = json.dumps(stamp() | {"experiment_sha256": self.exp.content_sha256}).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)

    def _record_runs(self, runs) -> None:
        """Each run's resolved-parameter hash in its manifest record; the records by hash (kept
        for every hash any session ran, so older rows stay explained)."""
        table = self.manifest.setdefault("resolved_params", {})
        for r in runs:
            if r.resolved_sha256 and r.resolved_sha256 not in table:
                table[r.resolved_sha256] = r.resolved
        if len(self.manifest["runs"]) == len(runs):
            for rec, r in zip(self.manifest["runs"], runs):
                if isinstance(rec, dict):
                    rec["resolved_sha256"] = r.resolved_sha256

    def _new_manifest(self, design, runs) -> dict[str, Any]:
        e = self.exp
        return {
            "format": FORMAT,
            "experiment": {"name": e.name, "path": str(e.path) if e.path else None, "file_sha256": e.file_sha256,
                           "content_sha256": e.content_sha256, "spec": e.spec.model_dump(mode="json"),
                           "base_scenario": e.scenario.name},
            "design": {"kind": design.kind, "points": len(design.points), "options": design.options,
                       "problem": design.problem,
                       "X": design.X.tolist() if design.X is not None else None},
            "factors": [{"name": f.name, "kind": f.kind, "low": f.low, "high": f.high,
                         "levels": list(f.levels), "integer": f.integer, "categorical": f.categorical}
                        for f in e.factors],
            "n_runs": len(runs),
            "runs": [{"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
                      "scenario": r.scenario.name, "params": r.request.params,
                      "timeline": list(r.request.timeline), "resolved_sha256": r.resolved_sha256}
                     for r in runs],
            "resolved_params": {},
            "versions": versions(),
            "created": now(),
            "sessions": [],
        }

    def _load_done(self) -> list[str]:
        """Read which runs are finished; quarantine unreadable runs parts (their runs run again).
        Returns the quarantined parts' names."""
        runs_dir, weekly_dir = self.out / "runs", self.out / "weekly"
        for folder in (runs_dir, weekly_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):  # left by a process killed mid-write
                    tmp.unlink(missing_ok=True)
        quarantined = []
        frames = {}
        for p in sorted(runs_dir.glob("part-*.parquet")) if runs_dir.is_dir() else []:
            df = _readable(p)
            why = "unreadable" if df is None else foreign_reason(self.manifest, p, df)
            if why:
                quarantine(self.out, f"runs/{p.name}")
                quarantined.append(f"runs/{p.name} ({why})")
            else:
                frames[p.name] = df
        weekly_kept = bool(self.exp.spec.outputs.weekly)
        if weekly_dir.is_dir():
            for p in weekly_dir.glob("part-*.parquet"):
                if p.name not in frames:
                    if (self.out / QUARANTINE / "runs" / (p.name + CORRUPT)).exists():
                        quarantine(self.out, f"weekly/{p.name}")  # kept with its runs part, for a look
                    else:
                        p.unlink()  # its runs were never committed: they will run again
                elif _readable(p, ["run_id"]) is None:
                    # its runs part is fine but the weekly series are lost: run the batch again
                    quarantine(self.out, f"weekly/{p.name}")
                    quarantine(self.out, f"runs/{p.name}")
                    quarantined += [f"weekly/{p.name} (unreadable)", f"runs/{p.name} (its weekly part unreadable)"]
                    del frames[p.name]
        for name in sorted(frames):
            if weekly_kept and (frames[name]["status"] == "ok").any() and not (weekly_dir / name).exists():
                # a batch with finished runs always writes its weekly part first: it was deleted
                quarantine(self.out, f"runs/{name}")
                quarantined.append(f"runs/{name} (its weekly part is missing)")
                del frames[name]
        for name in sorted(frames):
            df = frames[name]
            for rid, status, error in zip(df["run_id"], df["status"], df["error"]):
                rid = int(rid)
                if rid in self.done:
                    continue
                self.done.add(rid)
                if status != "ok":
                    self.failed[rid] = error
        return quarantined

    def forget_failed(self) -> list[int]:
        """Treat recorded failures as not done, so they run again (``--retry-failed``).

        The old failure rows stay on disk; :func:`load_results` keeps a run's newest record."""
        ids = sorted(self.failed)
        self.done -= set(ids)
        self.failed.clear()
        self.skipped = len(self.done)
        self.manifest["sessions"][-1]["skipped"] = self.skipped
        self.manifest["sessions"][-1]["retried_failed"] = ids
        return ids

    def write_batch(self, records: list) -> int:
        """Write one batch (weekly part, then runs part). Returns how many new runs it held.

        The store's memory (``done``, ``failed``, the session's counts) changes only after the
        runs part is on disk, and Ctrl-C is held off until then: a batch is either written and
        counted, or neither, so "N runs saved" is always what a resume will skip."""
        fresh, seen = [], set()
        for rec in records:
            if rec.run_id in self.done or rec.run_id in seen:
                continue  # a rerun of a finished task (e.g. after a worker died): keep the first
            seen.add(rec.run_id)
            fresh.append(rec)
        if not fresh:
            return 0
        with hold_interrupts():
            # the number is taken only once the batch is written: a batch that could not be
            # written (disk full) leaves nothing, and its retry gets the same name
            name = f"part-{self.session:04d}-{self.batch + 1:06d}.parquet"
            weekly = [r.weekly for r in fresh if r.weekly is not None and len(r.weekly)]
            if weekly:
                frame = pd.concat(weekly, ignore_index=True)
                write_atomic_bytes(self.out / "weekly" / name, lambda p: self._parquet(frame, p))
            runs_frame = pd.DataFrame([self._row(rec) for rec in fresh])
            write_atomic_bytes(self.out / "runs" / name, lambda p: self._parquet(runs_frame, p))
            self.batch += 1
            self.done.update(seen)
            self.failed.update({rec.run_id: rec.error for rec in fresh if rec.status != "ok"})
            sess = self.manifest["sessions"][-1]
            sess["completed"] += sum(r.status == "ok" for r in fresh)
            sess["failed"] += sum(r.status != "ok" for r in fresh)
        return len(fresh)

    def _row(self, rec) -> dict[str, Any]:
        """One run's row in a runs part: ids, varied factors, status, timing, per-run summaries."""
        spec = self.runs[rec.run_id]
        row = {"run_id": rec.run_id, "point": spec.point, "replicate": spec.replicate, "seed": spec.seed,
               "scenario": spec.scenario.name, "params_sha256": spec.resolved_sha256}
        for f in self.factor_names:
            if f != "scenario":
                row[f] = spec.factors.get(f)
        row.update({"status": rec.status, "error": rec.error, "seconds": rec.seconds, "session": self.session})
        row.update(rec.summary)
        return row

    def finish(self, status: str) -> None:
        sess = self.manifest["sessions"][-1]
        sess["ended"] = now()
        sess["status"] = status
        self.write_manifest()

    def write_manifest(self) -> None:
        write_json_atomic(self.out / MANIFEST, self.manifest)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A results folder's manifest, checked to be one (one line naming the file if not)."""
    mpath = Path(path) / MANIFEST
    if not mpath.is_file():
        raise ExperimentError(f"{path}: not a sweep results folder (no {MANIFEST})")
    return _read_manifest_file(mpath)


# field -> type a manifest must have (what resuming and analysing read)
_MANIFEST_FIELDS = {"experiment": dict, "design": dict, "factors": list, "n_runs": int, "runs": list,
                    "sessions": list}


def _read_manifest_file(mpath: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(mpath.read_bytes())
    except (OSError, ValueError) as err:  # ValueError: not JSON, or not UTF-8 text
        reason = err.strerror if isinstance(err, OSError) else str(err).splitlines()[0]
        raise ExperimentError(f"{mpath}: cannot read the manifest ({reason}); it is not a sweep manifest. "
                              f"Restore it, or use another folder") from None
    if not isinstance(manifest, dict):
        raise ExperimentError(f"{mpath}: not a sweep manifest (a JSON {type(manifest).__name__}, expected an "
                              f"object with {', '.join(_MANIFEST_FIELDS)})")
    bad = [k for k, t in _MANIFEST_FIELDS.items() if not isinstance(manifest.get(k), t)
           or (t is int and isinstance(manifest.get(k), bool))]
    if bad:
        raise ExperimentError(f"{mpath}: not a sweep manifest: {', '.join(bad)} missing or of the wrong kind "
                              f"(expected {', '.join(f'{k} ({t.__name__})' for k, t in _MANIFEST_FIELDS.items())})")
    if not isinstance(manifest["experiment"].get("spec"), dict) or \
            not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in manifest["factors"]) or \
            not all(isinstance(x, dict) for x in manifest["sessions"]):
        raise ExperimentError(f"{mpath}: not a sweep manifest: experiment.spec, factors or sessions are not "
                              f"what slsim sweep writes")
    return manifest


def _readable(path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    """A Parquet part, or None when it cannot be read (truncated, corrupt, not Parquet)."""
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception:  # noqa: BLE001 - pyarrow raises several kinds (ArrowInvalid, OSError, ...)
        return None


def quarantine(out: Path, part: str) -> Path:
    """Move ``runs/NAME`` or ``weekly/NAME`` to ``quarantine/runs/NAME.corrupt`` (outside the folders
    that readers of ``runs/`` and ``weekly/`` scan: pandas, arrow and R read every file there)."""
    dest = out / QUARANTINE / (part + CORRUPT)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(out / part, dest)
    return dest


def foreign_reason(manifest: dict[str, Any], path: Path, df: pd.DataFrame) -> str | None:
    """Why the runs part ``path`` (read as ``df``) does not belong to the sweep of ``manifest``, in a few
    words; None when it does. Checked: the experiment hash in the part's metadata, every run id is one of
    the manifest's, with the manifest's seed, and its ``params_sha256`` is one the manifest records."""
    try:
        import pyarrow.parquet as pq
        meta = json.loads((pq.read_schema(path).metadata or {}).get(b"slsim", b"{}"))
    except Exception:  # noqa: BLE001 - unreadable metadata: judged by the rows alone
        meta = {}
    want = manifest.get("experiment", {}).get("content_sha256")
    if isinstance(meta, dict) and meta.get("experiment_sha256") not in (None, want):
        return f"from another experiment, content hash {str(meta['experiment_sha256'])[:12]}"
    runs = manifest.get("runs") or []
    if "run_id" not in df or "status" not in df:
        return "not a runs part (no run_id or status column)"
    hashes = set(manifest.get("resolved_params") or {})
    for i, row in enumerate(df.itertuples(index=False)):
        rid = getattr(row, "run_id")
        if not (isinstance(rid, (int, np.integer)) and 0 <= rid < len(runs) and isinstance(runs[rid], dict)):
            return f"run id {rid!r} is not one of this sweep's {len(runs)}"
        seed = getattr(row, "seed", None)
        if seed is not None and seed != runs[rid].get("seed"):
            return f"run {rid} has seed {seed}, the manifest {runs[rid].get('seed')}"
        ph = getattr(row, "params_sha256", None)
        if hashes and ph is not None and ph not in hashes:
            return f"run {rid}'s parameters' hash {str(ph)[:12]} is not in the manifest"
    return None


def unreadable_parts(path: str | Path) -> list[str]:
    """The runs and weekly parts of a results folder that cannot be read, as ``runs/part-...``."""
    out = []
    for sub in ("runs", "weekly"):
        folder = Path(path) / sub
        if folder.is_dir():
            out += [f"{sub}/{p.name}" for p in sorted(folder.glob("part-*.parquet")) if _readable(p) is None]
    return out


def _read_parts(folder: Path, manifest: dict[str, Any] | None = None) -> list[tuple[str, pd.DataFrame]]:
    """Every readable part; unreadable ones, and with ``manifest`` runs parts that do not belong to it
    (:func:`foreign_reason`), are skipped with a warning naming them."""
    if not folder.is_dir():
        return []
    out, bad, foreign = [], [], []
    for p in sorted(folder.glob("part-*.parquet")):
        df = _readable(p)
        why = foreign_reason(manifest, p, df) if manifest is not None and df is not None else None
        if df is None:
            bad.append(p.name)
        elif why:
            foreign.append(f"{p.name}: {why}")
        else:
            out.append((p.name, df))
    if bad:
        warnings.warn(f"{folder}: skipped {len(bad)} unreadable part{'s' if len(bad) != 1 else ''} "
                      f"({', '.join(bad)}); a resume of the sweep reruns their runs", stacklevel=3)
    if foreign:
        warnings.warn(f"{folder}: skipped {len(foreign)} part{'s' if len(foreign) != 1 else ''} not of this sweep "
                      f"({'; '.join(foreign)}); a resume sets {'them' if len(foreign) != 1 else 'it'} aside and "
                      f"reruns {'their' if len(foreign) != 1 else 'its'} runs", stacklevel=3)
    return out


def load_results(path: str | Path, what: str = "runs", failed: bool = False) -> pd.DataFrame:
    """Load a sweep's results as one tidy DataFrame.

    ``what="runs"`` (default): one row per run: run_id, point, replicate, seed, scenario, every
    varied factor, status, and each outcome's mean over the experiment's summary weeks
    (``OUTCOME__start``: mean of the first four weeks). Failed runs are left out unless
    ``failed=True``. ``what="weekly"``: one row per run x week with the ids, factors and the
    outcomes kept weekly. Each run appears once: its newest record (a retried failure replaced).
    """
    path = Path(path)
    manifest = read_manifest(path)
    parts = _read_parts(path / "runs", manifest)
    factor_names = [f["name"] for f in manifest["factors"]]
    if not parts:
        cols = ["run_id", "point", "replicate", "seed", "scenario", *[f for f in factor_names if f != "scenario"],
                "status"]
        return pd.DataFrame(columns=cols + (["week"] if what == "weekly" else []))
    runs = pd.concat([df for _, df in parts], ignore_index=True)
    # A run has more than one record only when a failure was retried: an "ok" record wins, else
    # the newest failure.
    runs["_ok"] = runs["status"] == "ok"
    runs["_order"] = range(len(runs))
    runs = runs.sort_values(["run_id", "_ok", "_order"], ascending=[True, False, False])
    runs = runs.drop_duplicates("run_id", keep="first").drop(columns=["_ok", "_order"])
    runs = runs.sort_values("run_id").reset_index(drop=True)
    if what == "runs":
        return runs if failed else runs[runs["status"] == "ok"].reset_index(drop=True)
    if what != "weekly":
        raise ValueError(f"what={what!r}; allowed: 'runs' or 'weekly'")
    ok = runs[runs["status"] == "ok"]
    committed = {name for name, _ in parts}
    weekly_parts = [df for name, df in _read_parts(path / "weekly") if name in committed]
    if not weekly_parts:
        return pd.DataFrame(columns=["run_id", "week"])
    weekly = pd.concat(weekly_parts, ignore_index=True).drop_duplicates(["run_id", "week"], keep="first")
    ids = ok[["run_id", "point", "replicate", "seed", "scenario", *[f for f in factor_names if f != "scenario"]]]
    out = ids.merge(weekly, on="run_id", how="inner")
    return out.sort_values(["run_id", "week"]).reset_index(drop=True)


def export_results(path: str | Path, dest: str | Path) -> list[Path]:
    """Write a sweep's tidy tables into ``dest``: ``runs.csv`` and ``runs.parquet`` (one row per
    finished run, as :func:`load_results`), ``weekly.csv`` and ``weekly.parquet`` (one row per run x
    week). Each Parquet file is one dataset a folder reader (pandas, arrow, R's arrow) opens alone, with
    slsim's version, the model's hash and the experiment's hash in its metadata (key ``slsim``); each
    file is written atomically. Returns the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, dest = Path(path), Path(dest)
    manifest = read_manifest(path)
    stamp = (manifest.get("inputs") or {})
    meta = json.dumps({"slsim_version": stamp.get("slsim_version"), "model_sha256": stamp.get("model_sha256"),
                       "experiment_sha256": manifest["experiment"].get("content_sha256")}).encode()
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for what in ("runs", "weekly"):
        frame = load_results(path, what=what)
        files.append(write_atomic_bytes(dest / f"{what}.csv", lambda p, f=frame: f.to_csv(p, index=False)))
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"slsim": meta})
        files.append(write_atomic_bytes(dest / f"{what}.parquet", lambda p, t=table: pq.write_table(t, p)))
    return files
