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

from ..execution import RunResult, check_executor_choice, make_executor
from .design import Design, experiment_design
from .experiment import Experiment, ExperimentError, load_experiment
from .extras import require
from .runs import RunSpec, build_runs
from .store import ResultStore, check_out_dir

FLUSH_SECONDS = 30.0


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep, raised after the finished runs were written: how many are saved (of
    them, how many failed and were recorded with their error), where."""

    def __init__(self, saved: int, total: int, out: Path, failed: int = 0) -> None:
        self.saved, self.total, self.out, self.failed = saved, total, out, failed
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

    @property
    def rate(self) -> float:
        n = self.completed + len(self.failed)
        return n / self.seconds if self.seconds > 0 else 0.0


def plan(experiment: str | Path | Experiment) -> tuple[Experiment, Design, list[RunSpec]]:
    """Validate an experiment and build its design and runs (writes nothing)."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    design = experiment_design(exp)
    runs = build_runs(exp, design)
    return exp, design, runs


def default_out(exp: Experiment) -> Path:
    return Path("sweeps") / exp.name


def run_sweep(experiment: str | Path | Experiment, out: str | Path | None = None, *, processes: int | None = None,
              workers: int | None = None, scheduler: str | None = None, client=None, retry_failed: bool = False,
              progress: Callable[[int, int], None] | None = None,
              on_record: Callable[[RunResult], None] | None = None,
              flush_seconds: float = FLUSH_SECONDS) -> SweepSummary:
    """Run (or resume) an experiment into the results folder ``out`` (default ``sweeps/NAME``).

    Executor: ``scheduler`` (address or scheduler file of an existing Dask cluster) or ``client``,
    else ``workers`` (a new local Dask cluster on 127.0.0.1), else local processes (``processes``,
    default: all cores; 1 runs in this process). Results are identical run for run either way.

    Runs already in ``out`` are skipped; ``retry_failed`` runs recorded failures again.
    ``progress(done, total)`` and ``on_record(record)`` are called in this thread as runs finish.
    Raises :class:`ExperimentError` before writing anything if the input is bad.
    """
    t0 = time.perf_counter()
    exp, design, runs = plan(experiment)
    if out is not None and not str(out).strip():
        raise ExperimentError("--out '': give a folder name")
    out = Path(out) if out is not None else default_out(exp)
    manifest = check_out_dir(out, exp)
    session = len(manifest["sessions"]) + 1 if manifest else 1
    check_executor_choice(processes, workers, scheduler, client, error=ExperimentError)
    if workers is not None or scheduler is not None:  # before connecting: one clear line if dask is missing
        require("--workers" if workers is not None else "--scheduler", "distributed")
    executor = make_executor(processes, workers, scheduler, client, error=ExperimentError,
                             key_prefix=f"slsim-{exp.name}-{exp.content_sha256[:10]}-s{session}")
    status = "failed"
    interrupted = False
    try:
        store = ResultStore(out, exp, design, runs, manifest, executor.describe())
        retried = store.forget_failed() if retry_failed else []
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
        except KeyboardInterrupt:
            status = "interrupted"
            interrupted = True
        finally:
            try:
                flush()  # whatever finished is kept, even on Ctrl-C
            except KeyboardInterrupt:  # Ctrl-C again while saving: what is on disk is complete; stop
                status, interrupted = "interrupted", True
            finally:
                store.finish(status)
    finally:
        executor.close()
    if interrupted:
        # a KeyboardInterrupt that knows what was kept, for the command's "N runs saved" line
        raise SweepInterrupted(len(store.done), len(runs), out, failed=len(store.failed)) from None
    failed = [{"run_id": rid, "point": runs[rid].point, "replicate": runs[rid].replicate, "seed": runs[rid].seed,
               "params": runs[rid].factors, "error": err} for rid, err in sorted(store.failed.items())]
    sess = store.manifest["sessions"][-1]
    return SweepSummary(out, exp.name, len(runs), store.skipped, sess["completed"], failed,
                        time.perf_counter() - t0, executor.describe(), status, retried)
