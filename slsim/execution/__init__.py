"""The execution layer: one way to run models, whoever asks (``run``, ``compare``, sweeps, the browser).

Below the command line, the browser and the sweeps, above the model. Its parts:

* :mod:`~slsim.execution.request`: :class:`RunRequest`, the unit of work, and :class:`RunResult`;
  :func:`execute` runs one request (and :func:`run_one` one model) wherever it is called.
* :mod:`~slsim.execution.seeds`: :class:`Seeds`, the one seed scheme.
* :mod:`~slsim.execution.summary`: :func:`summary`, the one "mean of the last N weeks".
* :mod:`~slsim.execution.local` and :mod:`~slsim.execution.cluster`: the executors, this process,
  a local process pool or Dask, all with ``stream`` (results as they come) and ``map`` (in order).

:func:`make_executor` picks an executor from what the user asked for; :func:`executor_for` decides
for ``run``/``compare`` whether a pool is worth starting at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from slsim.execution.cluster import ClusterLost, DaskExecutor, check_scheduler_address
from slsim.execution.local import Executor, InProcessExecutor, LocalProcessExecutor, stop_pool
from slsim.execution.request import DEFAULT_WEEKS, MAX_WEEKS, RunRequest, RunResult, execute, run_one
from slsim.execution.seeds import Seeds, replicate_seeds
from slsim.execution.summary import ID_COLUMNS, START_WEEKS, SUMMARY_WEEKS, run_summary, summary
from slsim.model.params import ParameterError

# A pool costs start-up and copying: only worth it for real work (several runs of some size).
POOL_MIN_WORK = 3_000_000  # runs x weeks x citizens
POOL_MIN_RUNS = 4


def executor_for(requests: Sequence[RunRequest], processes: int | None = None) -> Executor:
    """The executor for ``run``/``compare``: ``processes`` local workers if given (1: this process),
    else a pool of every core only when the work (runs x weeks x the largest place) is at least
    ``POOL_MIN_WORK`` and there are at least ``POOL_MIN_RUNS`` runs; never more workers than runs."""
    if processes is not None:
        if not isinstance(processes, int) or processes < 1:
            raise ParameterError(f"processes: {processes!r}; allowed: a whole number >= 1")
        workers = min(processes, len(requests))
    else:
        sizes: dict[tuple[int, int], int] = {}  # requests share scenario and parameter objects
        for req in requests:
            key = (id(req.scenario), id(req.params))
            if key not in sizes:
                sizes[key] = req.n_citizens
        work = len(requests) * max((r.weeks for r in requests), default=0) * max(sizes.values(), default=0)
        pooled = work >= POOL_MIN_WORK and len(requests) >= POOL_MIN_RUNS
        workers = min(os.cpu_count() or 1, len(requests)) if pooled else 1
    return LocalProcessExecutor(workers) if workers > 1 else InProcessExecutor()


def check_executor_choice(processes: int | None = None, workers: int | None = None, scheduler: str | None = None,
                          client=None, error: type[Exception] = ValueError) -> None:
    """Raise ``error`` unless at most one of the choices is given and it is usable as given
    (connecting to a scheduler is left to :class:`DaskExecutor`)."""
    if sum(x is not None for x in (processes, workers, scheduler, client)) > 1:
        raise error("choose one of --processes, --workers and --scheduler")
    cores = usable_cores()
    for flag, n in (("--processes", processes), ("--workers", workers)):
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
            raise error(f"{flag} {n!r}: allowed a whole number >= 1")
        # each local worker is a process running one model at a time: more than the cores only
        # slows every run down (and a huge number hangs the machine starting them)
        if n is not None and n > cores:
            raise error(f"{flag} {n}: this machine lets slsim use {cores} core{'s' if cores != 1 else ''}; "
                        f"allowed 1 to {cores} (for more, run on a Dask cluster with --scheduler)")
    if scheduler is not None:
        check_scheduler_address(scheduler, error)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def make_executor(processes: int | None = None, workers: int | None = None, scheduler: str | None = None,
                  client=None, key_prefix: str = "slsim-run", error: type[Exception] = ValueError,
                  worker_timeout: float | None = None) -> Executor:
    """Pick the executor: ``scheduler``/``client`` > ``workers`` (local Dask) > local processes
    (``processes``, default every core; 1 runs in this process). Bad choices raise ``error``.
    ``worker_timeout``: seconds a Dask executor waits with no worker before :class:`ClusterLost`."""
    check_executor_choice(processes, workers, scheduler, client, error)
    if scheduler is not None or client is not None or workers is not None:
        return DaskExecutor(workers=workers, scheduler=scheduler, client=client, key_prefix=key_prefix, error=error,
                            **({"worker_timeout": worker_timeout} if worker_timeout is not None else {}))
    if processes == 1:
        return InProcessExecutor()
    return LocalProcessExecutor(processes)


__all__ = ["DEFAULT_WEEKS", "ID_COLUMNS", "MAX_WEEKS", "START_WEEKS", "SUMMARY_WEEKS", "ClusterLost",
           "DaskExecutor", "Executor", "InProcessExecutor", "LocalProcessExecutor", "RunRequest", "RunResult",
           "Seeds", "check_executor_choice", "check_scheduler_address", "execute", "executor_for",
           "make_executor", "replicate_seeds", "run_one", "run_summary", "stop_pool", "summary", "usable_cores"]
