"""Running a sweep: validate everything, then stream runs to disk batch by batch.

Order of work, so bad input never leaves anything behind: read and validate the experiment, build
the design and every run's parameters, check the results folder, connect the executor; only then
write the manifest and start. Completed runs are written in batches (``batch_runs`` runs, or every
``flush_seconds``) and on any interruption the runs already finished are written before exiting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from slsim.execution import ClusterLost, RunResult, check_executor_choice, make_executor
from slsim.limits import DEFAULT_MAX_RUNS, DEFAULT_WORKER_TIMEOUT
from slsim.tools.sweep.design import Design, experiment_design, experiment_size
from slsim.tools.sweep.experiment import Experiment, ExperimentError, load_experiment
from slsim.tools.sweep.extras import require
from slsim.tools.sweep.runs import RunSpec, build_runs
from slsim.tools.sweep.store import (
    FolderLock,
    ResultStore,
    StoreWriteError,
    changed_inputs,
    check_out_dir,
    refuse_changed_inputs,
    sweep_inputs,
)

FLUSH_SECONDS = 30.0


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep, raised after the finished runs were written: how many are saved (of
    them, how many failed and were recorded with their error), where."""

    def __init__(self, saved: int, total: int, out: Path, failed: int = 0, signal_name: str | None = None) -> None:
        self.saved, self.total, self.out, self.failed = saved, total, out, failed
        self.signal_name = signal_name  # "SIGTERM" when a batch scheduler stopped the sweep
        super().__init__(self.describe())

    def describe(self) -> str:
        failed = f" ({self.failed} of them failed)" if self.failed else ""
        return f"{self.saved} of {self.total} runs saved{failed} in {self.out}"


@dataclass
class SweepSummary:
    """What a sweep did: totals, what was skipped as already done, and every failure."""

    out: Path
    experiment: str
    total: int
    skipped: int
    completed: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    executor: str = ""
    status: str = "complete"
    retried: list[int] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)  # unreadable parts set aside; their runs reran

    @property
    def rate(self) -> float:
        n = self.completed + len(self.failed)
        return n / self.seconds if self.seconds > 0 else 0.0


def check_size(exp: Experiment, max_runs: int | None = DEFAULT_MAX_RUNS) -> tuple[int, int]:
    """(points, runs) of the experiment, computed before anything is built; above ``max_runs``
    (None: no bound) an :class:`ExperimentError` giving the size and how to change the bound."""
    if max_runs is not None and (not isinstance(max_runs, int) or isinstance(max_runs, bool) or max_runs < 1):
        raise ExperimentError(f"--max-runs {max_runs!r}: allowed a whole number >= 1")
    points, n = experiment_size(exp)
    if max_runs is not None and n > max_runs:
        reps = exp.spec.replicates
        raise ExperimentError(f"{exp.path or exp.name}: design {exp.spec.design} has {points:,} points x {reps:,} "
                              f"replicate{'s' if reps != 1 else ''} = {n:,} runs, more than --max-runs "
                              f"{max_runs:,}; use fewer levels, samples or replicates, or raise --max-runs")
    return points, n


def plan(experiment: str | Path | Experiment, max_runs: int | None = DEFAULT_MAX_RUNS,
         ) -> tuple[Experiment, Design, list[RunSpec]]:
    """Validate an experiment, check its size against ``max_runs`` and build its design and runs
    (writes nothing)."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    check_size(exp, max_runs)
    design = experiment_design(exp)
    runs = build_runs(exp, design)
    return exp, design, runs


def default_out(exp: Experiment) -> Path:
    return Path("sweeps") / exp.name


def run_sweep(experiment: str | Path | Experiment, out: str | Path | None = None, *, processes: int | None = None,
              workers: int | None = None, scheduler: str | None = None, client=None, retry_failed: bool = False,
              progress: Callable[[int, int], None] | None = None,
              on_record: Callable[[RunResult], None] | None = None,
              flush_seconds: float = FLUSH_SECONDS, max_runs: int | None = DEFAULT_MAX_RUNS,
              allow_changed_inputs: bool = False, worker_timeout: float = DEFAULT_WORKER_TIMEOUT) -> SweepSummary:
    """Run (or resume) an experiment into the results folder ``out`` (default ``sweeps/NAME``).

    Executor: ``scheduler`` (address or scheduler file of an existing Dask cluster) or ``client``,
    else ``workers`` (a new local Dask cluster on 127.0.0.1), else local processes (``processes``,
    default: all cores; 1 runs in this process). Results are identical run for run either way.

    Runs already in ``out`` are skipped; ``retry_failed`` runs recorded failures again. A resume
    whose scenario files or resolved parameters changed is refused unless ``allow_changed_inputs``
    (recorded in the manifest). A design of more than ``max_runs`` runs is refused before it is
    built. On Dask, ``worker_timeout`` seconds without any worker stop the sweep
    (:class:`~slsim.execution.ClusterLost`, the session "interrupted").
    ``progress(done, total)`` and ``on_record(record)`` are called in this thread as runs finish.
    Raises :class:`ExperimentError` before writing anything if the input is bad, and
    :class:`~slsim.tools.sweep.store.SweepLocked` if another sweep is running into ``out``.
    """
    t0 = time.perf_counter()
    if out is not None and not str(out).strip():
        raise ExperimentError("--out '': give a folder name")
    if not (isinstance(worker_timeout, (int, float)) and not isinstance(worker_timeout, bool)
            and 0 < worker_timeout < float("inf")):
        raise ExperimentError(f"--worker-timeout {worker_timeout!r}: allowed a number of seconds > 0")
    exp, design, runs = plan(experiment, max_runs)
    out = Path(out) if out is not None else default_out(exp)
    inputs = sweep_inputs(exp, runs)

    def checked_manifest():
        manifest = check_out_dir(out, exp)
        changes = changed_inputs(manifest, inputs, runs) if manifest else []
        if changes and not allow_changed_inputs:
            refuse_changed_inputs(out, changes)
        return manifest, changes

    checked_manifest()  # every refusal before the folder is touched
    check_executor_choice(processes, workers, scheduler, client, error=ExperimentError)
    if workers is not None or scheduler is not None:  # before connecting: one clear line if dask is missing
        require("--workers" if workers is not None else "--scheduler", "distributed")
    lock = FolderLock(out)
    lock.acquire(exp.name)
    written = False
    try:
        manifest, changes = checked_manifest()  # again, now that no other sweep can write here
        session = len(manifest["sessions"]) + 1 if manifest else 1
        executor = make_executor(processes, workers, scheduler, client, error=ExperimentError,
                                 key_prefix=f"slsim-{exp.name}-{exp.content_sha256[:10]}-s{session}",
                                 worker_timeout=worker_timeout)
        written = True
        try:
            store, status = _stream(exp, runs, design, out, manifest, executor, inputs, changes, retry_failed,
                                    progress, on_record, flush_seconds)
        except KeyboardInterrupt:
            if hasattr(executor, "abort"):  # finished runs are saved: stop the workers at once
                executor.abort()
            raise
        finally:
            executor.close()
    finally:
        lock.release(written)
    failed = [{"run_id": rid, "point": runs[rid].point, "replicate": runs[rid].replicate, "seed": runs[rid].seed,
               "params": runs[rid].factors, "error": err} for rid, err in sorted(store.failed.items())]
    sess = store.manifest["sessions"][-1]
    return SweepSummary(out, exp.name, len(runs), store.skipped, sess["completed"], failed,
                        time.perf_counter() - t0, executor.describe(), status, store.retried,
                        store.quarantined)


def _stream(exp, runs, design, out, manifest, executor, inputs, changes, retry_failed, progress, on_record,
            flush_seconds):
    """The session itself: open the store, run what is not done, keep every finished batch."""
    status = "failed"
    interrupted = lost = None
    write_failed = False
    store = ResultStore(out, exp, design, runs, manifest, executor.describe(), inputs, changes)
    store.retried = store.forget_failed() if retry_failed else []
    todo = [r for r in runs if r.run_id not in store.done]
    buffer: list[RunResult] = []
    last_flush = time.monotonic()
    done = 0

    def flush() -> None:
        nonlocal last_flush
        store.write_batch(buffer)
        buffer.clear()
        last_flush = time.monotonic()

    def take(rec: RunResult) -> None:
        nonlocal done
        buffer.append(rec)
        done += 1
        if len(buffer) >= exp.spec.batch_runs or time.monotonic() - last_flush >= flush_seconds:
            flush()
        if progress:
            progress(done, len(todo))
        if on_record:
            on_record(rec)

    if progress:
        progress(0, len(todo))
    try:
        executor.stream([r.request for r in todo], take)
        status = "complete"
    except KeyboardInterrupt as err:
        status, interrupted = "interrupted", err
    except ClusterLost as err:
        status, lost = "interrupted", err  # resumable: nothing of the cluster's is recorded as failed
    except StoreWriteError:
        buffer.clear()  # cannot be written (disk full): say so once, not again while closing
        write_failed = True
        raise
    finally:
        try:
            flush()  # whatever finished is kept, even on Ctrl-C
        except KeyboardInterrupt as err:  # Ctrl-C again while saving: what is on disk is complete; stop
            status, interrupted = "interrupted", err
        finally:
            try:
                store.finish(status)
            except StoreWriteError:
                if not write_failed:  # else the first file that could not be written is the one to name
                    raise
    if interrupted is not None:
        # a KeyboardInterrupt that knows what was kept, for the command's "N runs saved" line
        raise SweepInterrupted(len(store.done), len(runs), out, failed=len(store.failed),
                               signal_name=getattr(interrupted, "signal_name", None)) from None
    if lost is not None:
        raise ClusterLost(f"{lost}; {len(store.done)} of {len(runs)} runs saved in {out}") from None
    return store, status
