"""Benchmark of the sweep executors (a script, not a test).

Runs one 200-run sweep (default place size, 104 weeks) with:

* ``direct``: ``slsim.execution.run_one`` called in a loop, nothing else (the yardstick);
* ``1 worker``: the sweep in this process (``--processes 1``): run_one + summaries + Parquet parts;
* ``2 workers``: a pool of two local processes (``--processes 2``);
* ``dask 2``: a local Dask cluster of two single-threaded worker processes (``--workers 2``).

Each configuration is repeated ``--repeats`` times; the medians are printed with the ratios the
issue sets as targets: 2 workers >= 1.7 x 1 worker, and executor overhead < 5% of run time
(overhead per run = wall time per run of the 1-worker sweep minus that of direct calls).

    .venv/bin/python benchmarks/bench_sweep.py --repeats 2      # about 5 minutes on 2 idle cores
    .venv/bin/python benchmarks/bench_sweep.py --runs 40 --weeks 52 --repeats 1   # a quick look
    .venv/bin/python benchmarks/bench_sweep.py --memory          # memory of a sweep 1x and 4x as long

``--memory`` runs a sweep of ``--runs`` runs and one four times as long (two local workers), each
in a fresh process, and prints the peak resident memory of the sweeping process and of its
largest worker: results stream to disk, so a longer sweep should not need more memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def experiment(folder: Path, runs: int, weeks: int, n_citizens: int) -> Path:
    levels = 10 if runs % 10 == 0 else 1
    data = {
        "name": "bench", "title": "executor benchmark", "scenario": "default",
        "params": {"n_citizens": n_citizens},
        "factors": {"blame_response": {"levels": [round(0.05 + 0.1 * i, 2) for i in range(levels)]}},
        "design": "grid", "replicates": runs // levels, "weeks": weeks, "seed": 99, "batch_runs": 25,
        "outputs": {"weekly": ["delayed_transfers", "cross_boundary_trust"]},
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def time_direct(exp_path: Path) -> float:
    from slsim.execution import run_one
    from slsim.tools.sweep import plan
    _, _, specs = plan(exp_path)
    t0 = time.perf_counter()
    for s in specs:
        r = s.request
        run_one(r.scenario, r.weeks, r.seed, r.params, list(r.timeline) or None, r.replicate)
    return time.perf_counter() - t0


def time_sweep(exp_path: Path, folder: Path, **executor) -> float:
    from slsim.tools.sweep import run_sweep
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    summary = run_sweep(exp_path, out, **executor)
    wall = time.perf_counter() - t0
    assert summary.completed == summary.total and not summary.failed, summary
    return wall


def memory_child(runs: int, weeks: int, citizens: int) -> dict:
    """Run one sweep in this (fresh) process; return peak memory of this process and its workers.

    Workers' memory is sampled every 0.1 s (psutil, which Dask brings): a worker's own peak is
    not reported to its parent when it is not the parent's direct child."""
    import resource
    import threading

    import psutil

    worker_peak, stop = [0], threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(0.1):
            for child in me.children(recursive=True):
                try:
                    worker_peak[0] = max(worker_peak[0], child.memory_info().rss)
                except psutil.Error:
                    pass  # it ended between listing and reading

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tmp = Path(tempfile.mkdtemp(prefix="slsim-bench-mem-"))
    try:
        time_sweep(experiment(tmp, runs, weeks, citizens), tmp, processes=2)
    finally:
        stop.set()
        sampler.join()
        shutil.rmtree(tmp, ignore_errors=True)
    return {"driver_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_mb": worker_peak[0] / 2**20}


def memory(args) -> None:
    import subprocess
    print(f"peak resident memory, sweeps with 2 local workers, {args.weeks} weeks, {args.citizens} citizens:")
    print(f"{'runs':>6s} {'sweeping process MB':>20s} {'largest worker MB':>18s}")
    peaks = {}
    for runs in (args.runs, 4 * args.runs):
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(runs), str(args.weeks),
                              str(args.citizens)], capture_output=True, text=True, check=True)
        peaks[runs] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{runs:6d} {peaks[runs]['driver_mb']:20.0f} {peaks[runs]['worker_mb']:18.0f}", flush=True)
    a, b = peaks[args.runs]["driver_mb"], peaks[4 * args.runs]["driver_mb"]
    print(f"sweeping process at 4x the runs: {b / a:.2f}x the memory (streamed to disk: about 1x expected)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--citizens", type=int, default=5000, help="place size (default: the model's default)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    ap.add_argument("--memory", action="store_true", help="measure memory of a sweep 1x and 4x as long")
    ap.add_argument("--memory-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(*args.memory_child)))
        return 0
    if args.memory:
        memory(args)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="slsim-bench-"))
    try:
        exp = experiment(tmp, args.runs, args.weeks, args.citizens)
        configs = {
            "direct": lambda: time_direct(exp),
            "1 worker": lambda: time_sweep(exp, tmp, processes=1),
            "2 workers": lambda: time_sweep(exp, tmp, processes=2),
            "dask 2": lambda: time_sweep(exp, tmp, workers=2),
        }
        walls: dict[str, list[float]] = {k: [] for k in configs}
        print(f"{args.runs} runs x {args.weeks} weeks, {args.citizens} citizens, {os.cpu_count()} cores, "
              f"{args.repeats} repeat(s); load average before: {os.getloadavg()[0]:.1f}", flush=True)
        for r in range(args.repeats):
            for name, fn in configs.items():
                walls[name].append(fn())
                print(f"  repeat {r + 1}: {name:10s} {walls[name][-1]:7.1f} s", flush=True)
        med = {k: statistics.median(v) for k, v in walls.items()}
        rate = {k: args.runs / v for k, v in med.items()}
        per_run = {k: v / args.runs for k, v in med.items()}
        overhead = per_run["1 worker"] - per_run["direct"]
        print()
        print(f"{'executor':12s} {'median wall s':>14s} {'runs/s':>8s} {'s per run':>10s}")
        for k in configs:
            print(f"{k:12s} {med[k]:14.1f} {rate[k]:8.2f} {per_run[k]:10.3f}")
        load = os.getloadavg()
        print(f"load average after: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min); other processes on the cores "
              f"distort the parallel figures: compare them only on an otherwise idle machine")
        print()
        speedup = rate["2 workers"] / rate["1 worker"]
        dask_speedup = rate["dask 2"] / rate["1 worker"]
        share = overhead / per_run["direct"]
        print(f"2 workers / 1 worker:   {speedup:.2f}x   (target >= 1.7x)  {'ok' if speedup >= 1.7 else 'MISSED'}")
        print(f"dask 2 / 1 worker:      {dask_speedup:.2f}x")
        print(f"overhead per run:       {overhead * 1000:.1f} ms = {share:.1%} of a direct run "
              f"(target < 5%)  {'ok' if share < 0.05 else 'MISSED'}")
        if args.json:
            args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "walls": walls,
                                             "median_wall": med, "runs_per_s": rate, "speedup_2_vs_1": speedup,
                                             "speedup_dask2_vs_1": dask_speedup, "overhead_s_per_run": overhead,
                                             "overhead_share": share, "loadavg_after": load}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
