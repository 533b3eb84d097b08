"""Fixtures for the sweep tests: small experiment files and a real Dask cluster on loopback.

The cluster is a scheduler and two workers started as separate processes with the ``dask``
command, as a researcher would; every listener binds 127.0.0.1. Workers run without a nanny so
that killing one really removes it. Processes are stopped by their own PIDs, workers first.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from profiles import COLD

HERE = Path(__file__).resolve().parent
TINY = HERE / "tiny.yaml"
DASK = Path(sys.executable).parent / "dask"


def write_experiment(folder: Path, name: str = "tiny", **changes) -> Path:
    """A copy of tests/sweep/tiny.yaml, started cold (COLD: these tests are about sweeping, not the
    place; the file itself, scripts/output_hashes.py's reference sweep, keeps the model's default
    burn-in), with top-level fields changed (None deletes a field)."""
    data = yaml.safe_load(TINY.read_text())
    data["params"] = {**data["params"], **COLD}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def sweep_until_ctrl_c(exp: Path, out: Path, after: int) -> None:
    """Run a sweep in this process and Ctrl-C it once ``after`` runs have finished (as a user would
    in the middle of a batch); the sweep must stop with a KeyboardInterrupt."""
    from slsim.tools.sweep import run_sweep

    seen = []

    def stop(rec):
        seen.append(rec.run_id)
        if len(seen) == after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(exp, out, processes=1, on_record=stop)


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_experiment(tmp_path)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class DaskProcesses:
    """A scheduler and named workers started as separate processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.logs = []
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = self._popen("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                                   "--dashboard-address", "127.0.0.1:0",
                                                   "--scheduler-file", str(self.scheduler_file)])
        deadline = time.monotonic() + 60
        while True:  # the scheduler writes its file in place: wait until it is whole
            try:
                self.address = json.loads(self.scheduler_file.read_text())["address"]
                break
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                if self.scheduler.poll() is not None or time.monotonic() > deadline:
                    self.close()  # never leave a scheduler behind, even when it failed to start
                    raise RuntimeError("dask scheduler did not start: " + self.log("scheduler")) from None
                time.sleep(0.05)

    def _popen(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")
        self.logs.append(log)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def start_worker(self, name: str) -> subprocess.Popen:
        proc = self._popen(name, [str(DASK), "worker", "--scheduler-file", str(self.scheduler_file),
                                  "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--nthreads", "1",
                                  "--name", name, "--no-nanny"])
        self.workers[name] = proc
        return proc

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client
        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(n, timeout=60)

    def close(self) -> None:
        for proc in self.workers.values():
            _stop(proc)
        _stop(self.scheduler)
        for log in self.logs:
            log.close()


@pytest.fixture
def dask_cluster(tmp_path_factory):
    """A fresh scheduler and two workers (w1, w2), as separate processes on 127.0.0.1."""
    procs = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        procs.start_worker("w1")
        procs.start_worker("w2")
        procs.wait_for_workers(2)
        yield procs
    finally:
        procs.close()
