"""Running on Dask: a new local cluster (``workers=N``), or an existing one (``scheduler``, ``client``).

Rules: a task can run twice (its worker died after finishing it), so callers must drop a second
result of a run id (the sweep's store does). A worker that dies mid-task has the task rerun
elsewhere by the scheduler; a task that kills workers repeatedly ends as ``KilledWorker`` and is a
failed run. Losing the scheduler itself raises :class:`ClusterLost` (nothing is recorded as
failed). Every listener of a local cluster is on 127.0.0.1.

When every worker is gone (killed, out of memory, the batch job ended) for ``worker_timeout``
seconds, :class:`ClusterLost` is raised too, rather than waiting for ever. distributed's own log
lines (tracebacks of lost connections) are kept below ERROR while a sweep runs: the sweep says
what happened in one line.

Errors in what the caller asked for (an unreachable scheduler, a scheduler file that is not one,
a server that does not speak Dask, one with no workers) are raised as ``error`` (a class the caller
passes; the sweep passes its ``ExperimentError``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from pathlib import Path

from slsim.execution.local import IN_FLIGHT_PER_WORKER, Executor
from slsim.execution.request import RunRequest, RunResult, execute_in_worker


class ClusterLost(RuntimeError):
    """The Dask cluster went away during a sweep; finished runs are saved and it can resume."""


@contextlib.contextmanager
def quiet_distributed(level: int = logging.CRITICAL):
    """distributed's loggers held at ``level`` for the block (its tracebacks of lost connections
    would bury the one line that says what happened)."""
    loggers = [logging.getLogger(n) for n in ("distributed", "tornado")]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, lv in zip(loggers, before):
            lg.setLevel(lv)


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Start local worker processes with Ctrl-C ignored: a terminal sends SIGINT to the whole
    process group, and workers interrupted mid-task print pages of tracebacks while the sweep
    itself saves and stops. A Python process started with SIGINT ignored keeps it ignored, and
    the nannies pass that on to the workers they start. Only the main thread may do this."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    # and their log below ERROR, as in this process (a cancelled task is a warning there)
    env_before = os.environ.get("DASK_LOGGING__DISTRIBUTED")
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if env_before is None:
            os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
        else:
            os.environ["DASK_LOGGING__DISTRIBUTED"] = env_before


def scheduler_file_address(path: str | Path, error: type[Exception] = ValueError) -> str:
    """The address in a scheduler file (JSON with an ``address`` written by
    ``dask scheduler --scheduler-file``); anything else is ``error`` naming the file."""
    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not JSON"
        raise error(f"--scheduler {path}: not a Dask scheduler file ({reason}); give the file written by "
                    f"`dask scheduler --scheduler-file FILE`, or tcp://HOST:PORT") from None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str) or "://" not in address:
        raise error(f"--scheduler {path}: not a Dask scheduler file (no \"address\": \"tcp://HOST:PORT\" in it); "
                    f"give the file written by `dask scheduler --scheduler-file FILE`")
    return address


def _probe(address: str, timeout: float, given: str, error: type[Exception]) -> None:
    """For tcp://: a Dask scheduler sends its handshake as soon as a connection opens. A server
    that accepts and stays silent would leave distributed's client waiting past its own timeout,
    so it is refused here, after ``timeout`` seconds, in one line."""
    if not address.startswith("tcp://"):
        return
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as conn:
            conn.settimeout(timeout)
            first = conn.recv(1)
    except ValueError:
        raise error(f"--scheduler {given}: {address} is not tcp://HOST:PORT") from None
    except TimeoutError:
        raise error(f"--scheduler {given}: cannot reach a Dask scheduler there (the server at {address} said "
                    f"nothing in {timeout:g} s; a Dask scheduler answers at once); check the address") from None
    except OSError as err:
        raise error(f"--scheduler {given}: cannot reach a Dask scheduler there ({err.strerror or err}); start "
                    f"one with `dask scheduler --host 127.0.0.1` or check the address") from None
    if not first:
        raise error(f"--scheduler {given}: cannot reach a Dask scheduler there (the server at {address} closed the "
                    f"connection without a word); check the address")


class DaskExecutor(Executor):
    """Runs on a Dask distributed cluster: a new local one (``workers=N``) or an existing one."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None, client=None,
                 connect_timeout: float = 5.0, key_prefix: str = "slsim-run", error: type[Exception] = ValueError,
                 worker_timeout: float = 180.0) -> None:
        from distributed import Client, LocalCluster
        self.cluster = None
        self.own_client = client is None
        self.key_prefix = key_prefix
        self.worker_timeout = worker_timeout
        self._quiet = quiet_distributed()
        self._quiet.__enter__()
        if client is not None:
            self.client = client
            self.address = client.scheduler.address
        elif scheduler is not None:
            self.address = scheduler
            check_scheduler_address(scheduler, error)
            target = scheduler_file_address(scheduler, error) if Path(scheduler).is_file() else scheduler
            _probe(target, connect_timeout, scheduler, error)
            try:
                self.client = Client(target, timeout=connect_timeout)
            except Exception as err:  # noqa: BLE001
                # OSError/TimeoutError when nothing answers; a server that is not Dask gives
                # whatever its bytes decode to (a MemoryError for a huge "length", a ValueError)
                self._quiet.__exit__(None, None, None)
                what = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}" if str(err) else type(err).__name__
                raise error(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({what}); "
                            f"start one with `dask scheduler --host 127.0.0.1` or check the address") from None
        else:
            n = workers or os.cpu_count() or 1
            # every listener on loopback: nothing of a local run is reachable from the network
            with _workers_ignore_ctrl_c():
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                            dashboard_address="127.0.0.1:0")
            self.client = Client(self.cluster)
            self.address = self.cluster.scheduler_address
        try:
            self.client.wait_for_workers(1, timeout=connect_timeout * 3)
        except (TimeoutError, OSError):
            self.close()
            raise error(f"Dask scheduler {self.address} has no workers; start some with "
                        f"`dask worker {self.address}`") from None
        self.workers = self._threads()
        self.name = "dask local cluster" if self.cluster is not None else f"dask scheduler {self.address}"

    def _threads(self) -> int:
        # threads, not workers: a worker started with --nthreads 4 runs four models at once
        return max(1, sum(self.client.nthreads().values()))

    def stream(self, requests, on_result):
        from distributed import KilledWorker, as_completed

        it = iter(requests)
        ac = as_completed()
        window = max(2, self.workers * IN_FLIGHT_PER_WORKER)
        checked = time.monotonic()
        in_flight: dict[str, RunRequest] = {}

        def submit() -> bool:
            req = next(it, None)
            if req is None:
                return False
            # the key names the run, so the dashboard shows which run is where; pure=False because
            # a rerun after resume must execute, not reuse a stale result
            fut = self.client.submit(execute_in_worker, req, key=f"{self.key_prefix}-{req.run_id}", pure=False)
            in_flight[fut.key] = req
            ac.add(fut)
            return True

        while len(in_flight) < window and submit():
            pass
        for fut in self._results(ac):
            req = in_flight.pop(fut.key)
            try:
                res = self._fetch(fut)
            except ClusterLost:
                raise
            except KilledWorker as err:
                # this run took down worker after worker: a fault of the run, recorded, the rest go on
                res = RunResult(req.run_id, "failed", {}, None, error=f"KilledWorker: {err}")
            except Exception as err:  # noqa: BLE001
                # execute never raises, so anything else is the cluster (scheduler gone,
                # connection lost, task cancelled): stop rather than record every run as failed
                raise self._lost(err) from None
            fut.release()  # taken: let the cluster forget it so it is never recomputed
            on_result(res)
            if time.monotonic() - checked > 5:
                # an adaptive cluster (dask-jobqueue) grows and shrinks: keep every thread fed
                checked = time.monotonic()
                try:
                    window = max(2, self._threads() * IN_FLIGHT_PER_WORKER)
                except Exception as err:  # noqa: BLE001 - asking a scheduler that is gone
                    raise self._lost(err) from None
            while len(in_flight) < window and submit():
                pass

    def _lost(self, err: BaseException) -> ClusterLost:
        what = str(err).splitlines()[0][:200] if str(err) else ""
        return ClusterLost(f"lost the Dask cluster at {self.address} ({type(err).__name__}"
                           f"{': ' + what if what else ''}); run the same command to resume once it is back")

    def _fetch(self, fut):
        """A finished future's result. Its data may sit on a worker that has died since: the
        scheduler then computes it again, which with no worker left never happens, so the wait
        is bounded by ``worker_timeout`` as in :meth:`_results`."""
        since = None
        while True:
            try:
                return fut.result(timeout=1.0)
            except TimeoutError:
                if self._workers_present():
                    since = None
                elif since is None:
                    since = time.monotonic()
                elif time.monotonic() - since > self.worker_timeout:
                    raise self._gone() from None

    def _gone(self) -> ClusterLost:
        return ClusterLost(f"every Dask worker of {self.address} has been gone for {self.worker_timeout:g} s "
                           f"(--worker-timeout); start workers and run the same command to resume")

    def _results(self, ac):
        """Futures as they finish; :class:`ClusterLost` once no worker has been there for
        ``worker_timeout`` seconds (futures already finished are still handed out first)."""
        since = None
        checked = 0.0
        while True:
            if ac.has_ready():
                since = None
                yield next(ac)
                continue
            if ac.is_empty():
                return
            cond = getattr(ac, "thread_condition", None)
            if cond is not None:  # woken as soon as a future finishes
                with cond:
                    cond.wait(timeout=0.1)
            else:
                time.sleep(0.05)
            if time.monotonic() - checked < 1.0:
                continue
            checked = time.monotonic()
            if self._workers_present():
                since = None
            elif since is None:
                since = checked
            elif checked - since > self.worker_timeout:
                raise self._gone()

    def _workers_present(self) -> bool:
        try:
            return bool(self.client.scheduler_info(n_workers=-1).get("workers"))
        except TypeError:  # older distributed: no n_workers argument
            return bool(self.client.scheduler_info().get("workers"))
        except Exception:  # noqa: BLE001 - the scheduler itself is gone: the futures will say so
            return True

    def abort(self) -> None:
        """Ctrl-C: end a local cluster's worker processes now. Their runs are lost anyway, and a
        polite shutdown waits for each to finish its task (seconds, where the user asked to stop)."""
        if self.cluster is None:
            return  # someone else's cluster: leave its workers alone
        import multiprocessing
        for proc in multiprocessing.active_children():
            if proc.name.startswith("Dask Worker process"):
                proc.kill()

    def close(self):
        try:
            if self.own_client:
                self.client.close(timeout=2)
        except Exception:  # noqa: BLE001
            pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=2)
            except Exception:  # noqa: BLE001
                pass
        self._quiet.__exit__(None, None, None)


def check_scheduler_address(scheduler: str, error: type[Exception] = ValueError) -> None:
    """Refuse, with a clear reason, a scheduler that is neither an existing file nor an address."""
    text = str(scheduler).strip()
    if not text:
        raise error("--scheduler '': give tcp://HOST:PORT or a scheduler file")
    if "://" in text:
        return  # an address: whether it answers is found out by connecting
    path = Path(text)
    if path.is_dir():
        raise error(f"--scheduler {text}: is a folder; give a scheduler file (written by "
                    f"`dask scheduler --scheduler-file FILE`) or tcp://HOST:PORT")
    if path.exists():
        return
    if "/" in text or text.endswith((".json", ".yaml", ".yml")):
        raise error(f"--scheduler {text}: no such scheduler file; give the file written by "
                    f"`dask scheduler --scheduler-file FILE`, or an address tcp://HOST:PORT")
