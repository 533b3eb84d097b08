"""Benchmark of how fast a sweep refuses too much work and stops when asked (a script, not a test).

* ``refuse``: a grid of 5 factors x 1,000 levels and a Sobol design with N = 524,288, second order,
  refused by ``plan`` from their size alone: seconds and peak traced memory (tracemalloc);
* ``dry-run``: ``slsim sweep --dry-run`` of a 4-million-run grid (``--max-runs 5000000``): seconds
  and peak traced memory, in this process;
* ``ctrl-c``: a ``slsim sweep --workers 2`` (a local Dask cluster) sent SIGINT to its whole process
  group once its first batch is saved, as a terminal does: seconds from the signal to the exit,
  and the lines it printed.

Each is repeated ``--repeats`` times; medians are printed with the load average, since the
machine may be shared.

    .venv/bin/python benchmarks/bench_sweep_faults.py --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TINY = yaml.safe_load((ROOT / "tests" / "sweep" / "tiny.yaml").read_text())
TINY["params"] = {**TINY["params"], "burn_in_weeks": 0}  # started cold: what is measured is refusing and stopping
FIVE = ["blame_response", "ceding", "experimentation", "learning_breadth", "shared_ambition"]


def experiment(folder: Path, name: str, **changes) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, "name": name, **changes}, sort_keys=False))
    return path


def traced(fn) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1e6


def refuse(folder: Path, exp: Path) -> None:
    from slsim.errors import ExperimentError
    from slsim.tools.sweep import plan
    try:
        plan(exp)
    except ExperimentError:
        return
    raise AssertionError("not refused")


def dry_run(exp: Path) -> None:
    from slsim.tools.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["sweep", str(exp), "--dry-run", "--max-runs", "5000000"]) == 0


def ctrl_c(folder: Path, exp: Path) -> tuple[float, int]:
    out = folder / f"out-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-m", "slsim.tools.cli", "sweep", str(exp), "--out", str(out), "--workers",
                             "2"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None:
        time.sleep(0.02)
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return time.monotonic() - start, len(err.strip().splitlines())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grid = experiment(folder, "grid", replicates=1,
                          factors={f: {"range": [0.0, 1.0], "steps": 1000} for f in FIVE})
        sobol = experiment(folder, "sobol", replicates=1, design="sobol", samples=524_288, second_order=True,
                           factors={f: {"range": [0.0, 1.0]} for f in FIVE})
        big = experiment(folder, "big", replicates=1,
                         factors={"blame_response": {"range": [0.0, 1.0], "steps": 1000},
                                  "ceding": {"range": [0.0, 1.0], "steps": 1000},
                                  "budget_gap": {"levels": [-0.1, 0.0, 0.1, 0.2]}})
        stop = experiment(folder, "stop", replicates=6)
        rows = []
        for label, fn in (("refuse grid 5 x 1,000", lambda: refuse(folder, grid)),
                          ("refuse sobol N=524,288 2nd order", lambda: refuse(folder, sobol)),
                          ("dry-run of 4,000,000 runs", lambda: dry_run(big))):
            got = [traced(fn) for _ in range(args.repeats)]
            rows.append((label, statistics.median(s for s, _ in got), statistics.median(m for _, m in got)))
        stops = [ctrl_c(folder, stop) for _ in range(args.repeats)]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores; "
          f"medians of {args.repeats}")
    for label, seconds, mb in rows:
        print(f"{label:36s} {seconds:7.3f} s   peak {mb:6.1f} MB traced")
    print(f"{'Ctrl-C, local Dask cluster of 2':36s} {statistics.median(s for s, _ in stops):7.2f} s to exit, "
          f"lines printed: {sorted({n for _, n in stops})}")


if __name__ == "__main__":
    main()
