"""The unit of work: a :class:`RunRequest`, and what running it gives back, a :class:`RunResult`.

Rules:

* A request says everything a worker needs for one run: the scenario (a validated object, so no
  file is read on the worker), parameter overrides, extra timeline events, weeks, seed, replicate,
  and which outputs to send back. It is frozen and picklable: the same request gives the same
  result in this process, on a process pool or on a Dask cluster.
* The caller picks the seed (see :mod:`slsim.execution.seeds`) and the ``run_id``, its name for
  the run (a position in ``run``/``compare``, a sweep's run index); results carry it back, so they
  can arrive in any order.
* :func:`execute` never raises for a model error: it returns a result with ``status="failed"``, the
  error in words and the exception itself, so one bad run cannot stop a sweep; ``run``/``compare``
  raise that exception again. Ctrl-C (``KeyboardInterrupt``) is not a model error and goes through.
* Each worker process (this one, when runs execute here) keeps one burn-in cache
  (:func:`worker_burn_in_cache`) and passes it to every model it builds, so the scenarios of a
  comparison burn in once per seed on a worker. The executors pass it (:func:`execute_in_worker`);
  :func:`run_one` and :func:`execute` use only the cache they are given (none: a fresh burn-in).
"""

from __future__ import annotations

import pickle
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slsim.execution.summary import run_summary
from slsim.limits import MAX_WEEKS
from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import ParameterError
from slsim.model.scenario import Scenario

DEFAULT_WEEKS = 104


def run_one(scenario: str | Path | Scenario | None = None, weeks: int = DEFAULT_WEEKS, seed: int = 0,
            params: dict[str, Any] | None = None, timeline: list[dict] | None = None,
            replicate: int = 0, burn_in_cache: BurnInCache | None = None) -> pd.DataFrame:
    """Run one model for ``weeks`` weeks; return its weekly outcomes as a tidy frame.

    Columns: scenario, replicate, seed, week, then every outcome (see ``slsim.OUTCOMES``).
    Silent about the timeline (it runs in workers, once per replicate): :func:`slsim.run` and
    :func:`slsim.compare` say once, as a ``TimelineWarning``, what ``timeline_notes`` finds.
    ``burn_in_cache``: the caller's cache of burnt-in places (None: burn in afresh; same numbers).
    """
    from slsim.model.system import SystemModel  # imported here so a worker imports the model only when it runs one

    if not isinstance(weeks, (int, np.integer)) or isinstance(weeks, bool) or not 1 <= weeks <= MAX_WEEKS:
        raise ParameterError(f"weeks: {weeks!r}; allowed: a whole number from 1 to {MAX_WEEKS}")
    model = SystemModel(scenario, rng=seed, timeline=timeline, burn_in_cache=burn_in_cache, **(params or {}))
    for _ in range(weeks):
        model.step()
    df = model.results()
    df.insert(0, "seed", seed)
    df.insert(0, "replicate", replicate)
    df.insert(0, "scenario", model.scenario_spec.name)
    return df


@dataclass(frozen=True)
class RunRequest:
    """One run to execute. Outputs: ``weekly=None`` sends back the whole tidy weekly frame (as
    :func:`run_one` gives it); a tuple of outcome names sends back only ``run_id``, ``week`` and those
    columns (``()``: none). ``summary_weeks`` (a number) also sends back the run's summary row
    (:func:`~slsim.execution.summary.run_summary`)."""

    scenario: Scenario
    weeks: int
    seed: int
    replicate: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    timeline: tuple[dict[str, Any], ...] = ()
    run_id: int = 0
    weekly: tuple[str, ...] | None = None
    summary_weeks: int | None = None

    @property
    def n_citizens(self) -> int:
        """The size of the place this run builds (scenario and overrides; validates them)."""
        return self.scenario.params_with(self.params).n_citizens


@dataclass
class RunResult:
    """What one run gives back: status ``ok`` or ``failed``, the outputs asked for, its time."""

    run_id: int
    status: str
    summary: dict[str, Any]
    weekly: pd.DataFrame | None = None
    error: str = ""
    seconds: float = 0.0
    exception: BaseException | None = None

    def raise_failure(self) -> None:
        """Raise the run's own exception again, if it failed (what ``run``/``compare`` do)."""
        if self.status != "ok":
            raise self.exception if self.exception is not None else RuntimeError(self.error)


def execute(request: RunRequest, burn_in_cache: BurnInCache | None = None) -> RunResult:
    """Run one request and reduce it to the outputs it asks for. Model errors become a failed result.
    ``burn_in_cache`` as for :func:`run_one`."""
    t0 = time.perf_counter()
    try:
        frame = run_one(request.scenario, request.weeks, request.seed, request.params,
                        list(request.timeline) or None, request.replicate, burn_in_cache)
        summary = run_summary(frame, request.summary_weeks) if request.summary_weeks is not None else {}
        if request.weekly is None:
            weekly = frame
        elif request.weekly:
            weekly = frame[["week", *request.weekly]].copy()
            weekly.insert(0, "run_id", request.run_id)
        else:
            weekly = None
        return RunResult(request.run_id, "ok", summary, weekly, seconds=time.perf_counter() - t0)
    except Exception as err:  # noqa: BLE001 - any model error is recorded; the caller decides
        text = "".join(traceback.format_exception_only(type(err), err)).strip()
        return RunResult(request.run_id, "failed", {}, None, error=text, seconds=time.perf_counter() - t0,
                         exception=_sendable(err))


_worker_cache: BurnInCache | None = None


def worker_burn_in_cache() -> BurnInCache:
    """This worker process's burn-in cache (made on first use). Only the run layer's executors
    hand it to models; a browser session or a workshop keeps its own."""
    global _worker_cache
    if _worker_cache is None:
        _worker_cache = BurnInCache()
    return _worker_cache


def new_worker_burn_in_cache() -> None:
    """Start this process's cache empty (a pool worker forked from a process that had one)."""
    global _worker_cache
    _worker_cache = BurnInCache()


def execute_in_worker(request: RunRequest) -> RunResult:
    """:func:`execute` with this worker process's burn-in cache: what every executor runs."""
    return execute(request, worker_burn_in_cache())


def _sendable(err: Exception) -> Exception:
    """The exception itself when it survives pickling (a result crosses processes), else its words."""
    try:
        pickle.loads(pickle.dumps(err))
    except Exception:  # noqa: BLE001 - some exceptions cannot be rebuilt from their arguments
        return RuntimeError("".join(traceback.format_exception_only(type(err), err)).strip())
    return err

