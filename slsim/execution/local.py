"""Executors: where runs execute. This process, a pool of local processes, or Dask (``cluster``).

Every executor takes :class:`~slsim.execution.request.RunRequest` objects and has two ways to run
them:

* :meth:`Executor.stream` hands each :class:`~slsim.execution.request.RunResult` to a callback, in
  the caller's thread, as it arrives (any order), keeping only a few runs per worker in flight, so
  memory stays flat however many runs there are (sweeps).
* :meth:`Executor.map` gives the results in request order and raises the first failed run's own
  exception (``run``, ``compare``, the browser's comparison).

Rules of the local pool: a worker ignores Ctrl-C (the caller answers it) and dies with its caller;
on Ctrl-C or any error in the caller the pool's processes are terminated at once; a worker that
dies (killed, out of memory) takes the runs in flight with it, so the pool is started again and
those runs rerun, up to ``MAX_POOL_RESTARTS`` times before they are recorded as failed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from slsim.execution.request import RunRequest, RunResult, execute_in_worker, new_worker_burn_in_cache

OnResult = Callable[[RunResult], None]
IN_FLIGHT_PER_WORKER = 3
MAX_POOL_RESTARTS = 3


class Executor:
    """Where runs execute; use as a context manager (or call :meth:`close`) to free its workers."""

    name = "executor"
    workers = 1

    def stream(self, requests: Iterable[RunRequest], on_result: OnResult) -> None:
        raise NotImplementedError

    def map(self, requests: Sequence[RunRequest], progress: Callable[[int, int], None] | None = None,
            ) -> list[RunResult]:
        """Run every request; return the results in request order (run ids must be unique).

        ``progress(done, total)`` is called in this thread as runs finish. The first failed run
        raises its own exception, and the runs still going are stopped."""
        requests = list(requests)
        position = {req.run_id: i for i, req in enumerate(requests)}
        if len(position) < len(requests):
            raise ValueError("run ids of the requests are not unique")
        out: list[RunResult | None] = [None] * len(requests)
        done = 0

        def take(res: RunResult) -> None:
            nonlocal done
            res.raise_failure()
            if out[position[res.run_id]] is not None:
                return  # a second result of a run (Dask reran a finished task): keep the first
            out[position[res.run_id]] = res
            done += 1
            if progress:
                progress(done, len(requests))

        self.stream(requests, take)
        return out  # type: ignore[return-value]  # every position was filled by stream

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Runs in this process, one after another: no pool start-up, no pickling."""

    name = "inline"

    def stream(self, requests, on_result):
        for req in requests:
            on_result(execute_in_worker(req))


def _worker_init(parent_pid: int, nice: int = 0) -> None:
    """Set up a pool worker: Ctrl-C is the parent's to handle, and the worker dies with its parent;
    ``nice`` > 0 lowers its CPU priority (the browser's comparisons: a server's interactive
    sessions come first).

    In a terminal Ctrl-C reaches every process of the group; only the parent should react (a
    worker interrupted inside the pool's queue can leave it locked, and the parent then waits for
    ever). If the parent is killed outright (SIGKILL), its workers would live on, holding the task
    queue open: a watchdog thread ends the worker once the parent's process is gone.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    new_worker_burn_in_cache()  # a forked worker starts with its own cache, not a copy of its parent's
    if nice > 0 and hasattr(os, "nice"):
        os.nice(nice)
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


def pool_context():
    """fork where it is safe (a single-threaded process on a system that has it: workers start in
    milliseconds with everything imported); otherwise forkserver, which starts clean and imports
    the model once for all its workers, or spawn where there is no forkserver."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "fork" in methods and _no_python_threads():
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["slsim.execution", "slsim.model.system"])  # used only when it starts
        return ctx
    return mp.get_context("spawn")


def _no_python_threads() -> bool:
    """True when no thread but the main one runs Python code (the threads CPython warns about
    before a fork: those of ``threading`` and of ``_thread``, e.g. a test runner's or a server's).
    BLAS worker threads do not count: numerical libraries re-initialise them after a fork."""
    import _thread
    import threading

    return threading.active_count() == 1 and _thread._count() == 0


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool at once: terminate its workers, drop queued work, do not wait."""
    # shutdown(wait=False) alone lets running model steps finish; on an interrupt we want the
    # processes gone now. _processes is private but stable across CPython 3.8-3.13.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
    pool.shutdown(wait=False, cancel_futures=True)


class LocalProcessExecutor(Executor):
    """A pool of local worker processes (``processes``, default: every core), started when needed;
    ``nice`` > 0 runs them at a lower CPU priority (same results, they only yield the cores)."""

    name = "local processes"

    def __init__(self, processes: int | None = None, nice: int = 0) -> None:
        self.workers = processes or os.cpu_count() or 1
        self.nice = nice
        self.pool: ProcessPoolExecutor | None = None
        self.pool_restarts = 0  # how often a dead worker forced a new pool (for the summary and tests)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=pool_context(),
                                            initializer=_worker_init, initargs=(os.getpid(), self.nice))
        return self.pool

    def stream(self, requests, on_result):
        try:
            self._stream(requests, on_result)
        except BaseException:
            self._kill_pool()  # Ctrl-C or an error: stop the runs in flight now rather than wait for them
            raise

    def _stream(self, requests, on_result):
        it = iter(requests)
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending: dict = {}
        retry: list[RunRequest] = []
        restarts = 0

        def submit() -> bool:
            req = retry.pop() if retry else next(it, None)
            if req is None:
                return False
            pending[self._pool().submit(execute_in_worker, req)] = req
            return True

        while len(pending) < window and submit():
            pass
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                req = pending.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    broken = True
                    retry.append(req)
                    continue
                on_result(res)
            if broken:
                # A worker process died: every run in flight is lost with the pool. Start a new
                # pool and run them again; give up on them after a few tries.
                retry.extend(pending.values())
                pending.clear()
                self._kill_pool()
                restarts += 1
                self.pool_restarts += 1
                if restarts > MAX_POOL_RESTARTS:
                    for req in retry:
                        on_result(RunResult(req.run_id, "failed", {}, None,
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
        # after a finished stream the workers are idle: let them exit; an interrupted stream has
        # already terminated them
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown()
