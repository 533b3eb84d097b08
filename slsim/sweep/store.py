"""Resumable storage of a sweep: Parquet parts written atomically, and a manifest.

Layout of a results folder::

    manifest.json            experiment (file and content hashes, content), design, every run's
                             id, point, replicate, seed and parameters, versions, sessions
    runs/part-S-B.parquet    one row per finished run (ok or failed): ids, factors, status, error,
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
"""

from __future__ import annotations

import contextlib
import json
import platform
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .. import output
from .experiment import Experiment, ExperimentError

FORMAT = 1
MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def hold_interrupts():
    """Hold off Ctrl-C (SIGINT) for the length of the block, then deliver it at the end.

    Used around writing a batch, so an interrupt cannot fall between writing a part and recording
    it. A second Ctrl-C while held goes through at once (a write that hangs can still be stopped;
    the batch is then neither recorded nor kept). Only the main thread can set signal handlers;
    elsewhere the block runs unguarded."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # None: a handler installed outside Python, which could not be put back
        return
    caught: list[int] = []

    def hold(signum, frame):
        if caught:
            raise KeyboardInterrupt  # asked twice: stop now
        caught.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:  # the block finished: the Ctrl-C held off goes to the handler that was there before
        signal.raise_signal(signal.SIGINT)


def write_atomic_bytes(path: Path, write) -> Path:
    """:func:`slsim.output.write_atomic` with ``.tmp`` temporaries (a resume removes any left by a
    killed process)."""
    return output.write_atomic(path, write, suffix=".tmp")


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
    if "slsim" not in out:
        from .. import __version__
        out["slsim"] = __version__
    return out


def check_writable_folder(out: str | Path, flag: str = "--out") -> Path:
    """:func:`slsim.output.check_writable_folder`, raising :class:`ExperimentError`."""
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
    try:
        manifest = json.loads(mpath.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ExperimentError(f"{mpath}: cannot read the manifest: {err}") from None
    old = manifest.get("experiment", {}).get("content_sha256")
    if old != exp.content_sha256:
        raise ExperimentError(f"--out {out}: holds results of a different experiment "
                              f"('{manifest.get('experiment', {}).get('name')}', content hash {str(old)[:12]}, "
                              f"this one {exp.content_sha256[:12]}); resume needs the same experiment. "
                              f"Use another --out folder")
    return manifest


class ResultStore:
    """Writes batches of run records to a results folder and keeps its manifest."""

    def __init__(self, out: Path, exp: Experiment, design, runs, manifest: dict[str, Any] | None,
                 executor: str) -> None:
        self.out = Path(out)
        self.exp = exp
        self.runs = runs
        self.factor_names = exp.factor_names
        self.manifest = manifest or self._new_manifest(design, runs)
        # the latest file's analysis hints and titles win (they do not change any run)
        self.manifest["experiment"]["spec"] = exp.spec.model_dump(mode="json")
        self.manifest["experiment"]["file_sha256"] = exp.file_sha256
        self.session = len(self.manifest["sessions"]) + 1
        self.batch = 0
        self.done: set[int] = set()
        self.failed: dict[int, str] = {}
        self._load_done()
        self.skipped = len(self.done)
        self.manifest["sessions"].append({"session": self.session, "started": now(), "ended": None,
                                          "status": "running", "executor": executor,
                                          "skipped": self.skipped, "completed": 0, "failed": 0,
                                          "file_sha256": exp.file_sha256, "versions": versions()})
        self.write_manifest()

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
                      "timeline": list(r.request.timeline)}
                     for r in runs],
            "versions": versions(),
            "created": now(),
            "sessions": [],
        }

    def _load_done(self) -> None:
        runs_dir, weekly_dir = self.out / "runs", self.out / "weekly"
        for folder in (runs_dir, weekly_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):  # left by a process killed mid-write
                    tmp.unlink(missing_ok=True)
        committed = {p.name for p in runs_dir.glob("part-*.parquet")} if runs_dir.is_dir() else set()
        if weekly_dir.is_dir():
            for p in weekly_dir.glob("part-*.parquet"):
                if p.name not in committed:
                    p.unlink()  # its runs were never committed: they will run again
        for name in sorted(committed):
            df = pd.read_parquet(runs_dir / name, columns=["run_id", "status", "error"])
            for rid, status, error in zip(df["run_id"], df["status"], df["error"]):
                rid = int(rid)
                if rid in self.done:
                    continue
                self.done.add(rid)
                if status != "ok":
                    self.failed[rid] = error

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
            self.batch += 1
            name = f"part-{self.session:04d}-{self.batch:06d}.parquet"
            weekly = [r.weekly for r in fresh if r.weekly is not None and len(r.weekly)]
            if weekly:
                frame = pd.concat(weekly, ignore_index=True)
                write_atomic_bytes(self.out / "weekly" / name, lambda p: frame.to_parquet(p, index=False))
            runs_frame = pd.DataFrame([self._row(rec) for rec in fresh])
            write_atomic_bytes(self.out / "runs" / name, lambda p: runs_frame.to_parquet(p, index=False))
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
               "scenario": spec.scenario.name}
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
    mpath = Path(path) / MANIFEST
    if not mpath.is_file():
        raise ExperimentError(f"{path}: not a sweep results folder (no {MANIFEST})")
    try:
        return json.loads(mpath.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ExperimentError(f"{mpath}: cannot read the manifest: {err}") from None


def _read_parts(folder: Path) -> list[tuple[str, pd.DataFrame]]:
    return [(p.name, pd.read_parquet(p)) for p in sorted(folder.glob("part-*.parquet"))] if folder.is_dir() else []


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
    parts = _read_parts(path / "runs")
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
