"""Executors: where runs execute. Local processes (default), a local Dask cluster, or a remote one.

All executors take run specs and hand each :class:`~slsim.sweep.runs.RunRecord` back to the
caller, in the caller's thread, as it arrives (any order). They keep only a bounded number of runs
in flight (a few per worker), so memory stays flat however long the sweep.

Dask notes: a task can run twice (its worker died after finishing it); the store drops the
duplicate. A worker that dies mid-task has the task rerun elsewhere by the scheduler; a task that
kills workers repeatedly ends as ``KilledWorker`` and is recorded as a failed run.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..runner import stop_pool
from .experiment import ExperimentError
from .runs import RunRecord, RunSpec, execute_run

OnRecord = Callable[[RunRecord], None]


class ClusterLost(RuntimeError):
    """The Dask cluster went away during a sweep; finished runs are saved and it can resume."""

IN_FLIGHT_PER_WORKER = 3
MAX_POOL_RESTARTS = 3


class Executor:
    name = "executor"
    workers = 1

    def run(self, specs: Iterable[RunSpec], on_record: OnRecord) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class InlineExecutor(Executor):
    """Runs in this process, one after another (``--processes 1``): no pool start-up, no pickling."""

    name = "inline"

    def run(self, specs, on_record):
        for spec in specs:
            on_record(execute_run(spec))


def _worker_init(parent_pid: int) -> None:
    """Set up a pool worker: Ctrl-C is the parent's to handle, and the worker dies with the sweep.

    In a terminal Ctrl-C reaches every process of the group; only the sweep should react (it saves
    finished runs and stops the pool). If the sweep is killed outright (SIGKILL), its workers would
    live on: they are children of the forkserver, which itself waits for them, and each holds the
    task queue open. A watchdog thread ends the worker once the sweep's process is gone.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # one BLAS/OpenMP thread per worker: the pool already fills the cores (Dask's workers do
        # the same through OMP_NUM_THREADS); more would oversubscribe them
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid now belongs to someone else's process: ours is gone
                os._exit(1)

    threading.Thread(target=watch, name="slsim-parent-watch", daemon=True).start()


class LocalProcessExecutor(Executor):
    """A pool of local worker processes (forkserver: safe with threads, cheap to start repeatedly)."""

    name = "local processes"

    def __init__(self, processes: int | None = None) -> None:
        self.workers = processes or os.cpu_count() or 1
        methods = mp.get_all_start_methods()
        self.ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            # the forkserver imports the model once; each worker forks from it already warm
            self.ctx.set_forkserver_preload(["slsim.sweep.runs", "slsim.model", "slsim.runner"])
        self.pool: ProcessPoolExecutor | None = None
        self.pool_restarts = 0  # how often a dead worker forced a new pool (for the summary and tests)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx,
                                            initializer=_worker_init, initargs=(os.getpid(),))
        return self.pool

    def run(self, specs, on_record):
        it = iter(specs)
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending: dict = {}
        retry: list[RunSpec] = []
        restarts = 0

        def submit() -> bool:
            spec = retry.pop() if retry else next(it, None)
            if spec is None:
                return False
            pending[self._pool().submit(execute_run, spec)] = spec
            return True

        while len(pending) < window and submit():
            pass
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                spec = pending.pop(fut)
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    broken = True
                    retry.append(spec)
                    continue
                on_record(rec)
            if broken:
                # A worker process died (killed, out of memory): every run in flight is lost with
                # the pool. Start a new pool and run them again; give up on them after a few tries.
                retry.extend(pending.values())
                pending.clear()
                self._kill_pool()
                restarts += 1
                self.pool_restarts += 1
                if restarts > MAX_POOL_RESTARTS:
                    for spec in retry:
                        on_record(RunRecord(spec.run_id, "failed", {}, None,
                                            error="worker process died repeatedly while running this batch"))
                    retry.clear()
                    restarts = 0
            while len(pending) < window and submit():
                pass

    def _kill_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            stop_pool(pool)

    def close(self):
        self._kill_pool()


class DaskExecutor(Executor):
    """Runs on a Dask distributed cluster: a new local one (``workers=N``) or an existing one."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None, client=None,
                 connect_timeout: float = 5.0, key_prefix: str = "slsim-run") -> None:
        from .extras import require
        require("--workers" if workers is not None else "--scheduler", "distributed")
        from distributed import Client, LocalCluster
        self.cluster = None
        self.own_client = client is None
        self.key_prefix = key_prefix
        if client is not None:
            self.client = client
            self.address = client.scheduler.address
        elif scheduler is not None:
            self.address = scheduler
            _check_scheduler_address(scheduler)
            try:
                if Path(scheduler).is_file():
                    self.client = Client(scheduler_file=scheduler, timeout=connect_timeout)
                else:
                    self.client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError, ValueError) as err:
                raise ExperimentError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({err}); "
                                      f"start one with `dask scheduler --host 127.0.0.1` or check the address"
                                      ) from None
        else:
            n = workers or os.cpu_count() or 1
            # every listener on loopback: nothing of a local sweep is reachable from the network
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                        dashboard_address="127.0.0.1:0")
            self.client = Client(self.cluster)
            self.address = self.cluster.scheduler_address
        try:
            self.client.wait_for_workers(1, timeout=connect_timeout * 3)
        except (TimeoutError, OSError):
            self.close()
            raise ExperimentError(f"Dask scheduler {self.address} has no workers; start some with "
                                  f"`dask worker {self.address}`") from None
        self.workers = self._threads()
        self.name = "dask local cluster" if self.cluster is not None else f"dask scheduler {self.address}"

    def _threads(self) -> int:
        # threads, not workers: a worker started with --nthreads 4 runs four models at once
        return max(1, sum(self.client.nthreads().values()))

    def run(self, specs, on_record):
        from distributed import KilledWorker, as_completed

        it = iter(specs)
        ac = as_completed()
        window = max(2, self.workers * IN_FLIGHT_PER_WORKER)
        checked = time.monotonic()
        in_flight: dict[str, RunSpec] = {}

        def submit() -> bool:
            spec = next(it, None)
            if spec is None:
                return False
            # the key names the run, so the dashboard shows which run is where; pure=False because
            # a rerun after resume must execute, not reuse a stale result
            fut = self.client.submit(execute_run, spec, key=f"{self.key_prefix}-{spec.run_id}", pure=False)
            in_flight[fut.key] = spec
            ac.add(fut)
            return True

        while len(in_flight) < window and submit():
            pass
        for fut in ac:
            spec = in_flight.pop(fut.key)
            try:
                rec = fut.result()
            except KilledWorker as err:
                # this run took down worker after worker: a fault of the run, recorded, sweep goes on
                rec = RunRecord(spec.run_id, "failed", {}, None, error=f"KilledWorker: {err}")
            except Exception as err:  # noqa: BLE001
                # execute_run never raises, so anything else is the cluster (scheduler gone,
                # connection lost, task cancelled): stop rather than record every run as failed
                raise ClusterLost(f"lost the Dask cluster at {self.address} ({type(err).__name__}: {err}); "
                                  f"finished runs are saved: run the same command to resume") from None
            fut.release()  # stored: let the cluster forget it so it is never recomputed
            on_record(rec)
            if time.monotonic() - checked > 5:
                # an adaptive cluster (dask-jobqueue) grows and shrinks: keep every thread fed
                checked = time.monotonic()
                window = max(2, self._threads() * IN_FLIGHT_PER_WORKER)
            while len(in_flight) < window and submit():
                pass

    def close(self):
        try:
            if self.own_client:
                self.client.close()
        except Exception:  # noqa: BLE001
            pass
        if self.cluster is not None:
            try:
                self.cluster.close()
            except Exception:  # noqa: BLE001
                pass


def _check_scheduler_address(scheduler: str) -> None:
    """Refuse, with a clear reason, a scheduler that is neither an existing file nor an address."""
    text = str(scheduler).strip()
    if not text:
        raise ExperimentError("--scheduler '': give tcp://HOST:PORT or a scheduler file")
    if "://" in text:
        return  # an address: whether it answers is found out by connecting
    path = Path(text)
    if path.is_dir():
        raise ExperimentError(f"--scheduler {text}: is a folder; give a scheduler file (written by "
                              f"`dask scheduler --scheduler-file FILE`) or tcp://HOST:PORT")
    if path.exists():
        return
    if "/" in text or text.endswith((".json", ".yaml", ".yml")):
        raise ExperimentError(f"--scheduler {text}: no such scheduler file; give the file written by "
                              f"`dask scheduler --scheduler-file FILE`, or an address tcp://HOST:PORT")


def make_executor(processes: int | None = None, workers: int | None = None, scheduler: str | None = None,
                  client=None, key_prefix: str = "slsim-run") -> Executor:
    """Pick the executor: ``scheduler``/``client`` > ``workers`` (local Dask) > local processes."""
    if sum(x is not None for x in (processes, workers, scheduler, client)) > 1:
        raise ExperimentError("choose one of --processes, --workers and --scheduler")
    for flag, n in (("--processes", processes), ("--workers", workers)):
        if n is not None and (not isinstance(n, int) or n < 1):
            raise ExperimentError(f"{flag} {n!r}: allowed a whole number >= 1")
    if scheduler is not None:
        _check_scheduler_address(scheduler)
    if scheduler is not None or client is not None or workers is not None:
        return DaskExecutor(workers=workers, scheduler=scheduler, client=client, key_prefix=key_prefix)
    if processes == 1:
        return InlineExecutor()
    return LocalProcessExecutor(processes)
