"""Benchmark of calibration candidates (a script, not a test).

Evaluates the same ``--candidates`` parameter sets, drawn from the calibration's priors, with:

* ``1 worker``: one after the other in this process;
* ``2 workers``: a pool of two local processes (the sampler ``slsim calibrate --workers 2`` uses);
* ``dask 2``: a local Dask cluster of two single-threaded worker processes on 127.0.0.1 (the
  route ``--scheduler`` takes, one task per candidate).

Each configuration is repeated ``--repeats`` times; medians are printed with the load average
beside them, and the ratio the issue sets as a target (2 workers >= 1.7 x 1 worker). With
``--record DIR`` it also prints the time and run count of a finished calibration (its
``calibration.json``), e.g. the shipped one.

    .venv/bin/python benchmarks/bench_calibration.py                       # england_dtoc, 8 candidates
    .venv/bin/python benchmarks/bench_calibration.py --calibration toy.yaml --candidates 40
    .venv/bin/python benchmarks/bench_calibration.py --record calibrations/england_dtoc
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _one(args):
    from slsim.tools.calibration.simulate import simulate
    payload, theta, seed = args
    return simulate(payload, theta, seed)


def candidates(cal, n: int, seed: int = 11):
    import numpy as np
    rng = np.random.default_rng(seed)
    return [({name: float(p.scipy().ppf(rng.uniform())) for name, p in cal.parameters.items()}, int(seed + i))
            for i in range(n)]


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", default="england_dtoc")
    ap.add_argument("--candidates", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--record", type=Path, default=None, help="a finished calibration's folder")
    args = ap.parse_args()
    from slsim.tools.calibration import load_calibration
    cal = load_calibration(args.calibration)
    payload = cal.payload()
    work = [(payload, theta, seed) for theta, seed in candidates(cal, args.candidates)]
    rates: dict[str, float] = {}

    def timed(name, fn):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        rates[name] = len(work) / med
        print(f"{name:>10}: {rates[name]:6.3f} candidate runs/s (median of {args.repeats}: {med:.1f} s for "
              f"{len(work)}); {load()}", flush=True)

    print(f"{cal.name}: {len(work)} candidates of {len(cal.spec.periods) * cal.spec.period_weeks} weeks, "
          f"{cal.spec.params.get('n_citizens', 'default')} citizens; {load()}")
    timed("1 worker", lambda: [_one(w) for w in work])
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_one, work[:2])  # start-up is not what is measured
        timed("2 workers", lambda: pool.map(_one, work, chunksize=1))
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        client.gather(client.map(_one, work[:2], pure=False))
        timed("dask 2", lambda: client.gather(client.map(_one, work, pure=False)))
    print(f"2 workers / 1 worker = {rates['2 workers'] / rates['1 worker']:.2f} (target >= 1.7); "
          f"dask 2 / 1 worker = {rates['dask 2'] / rates['1 worker']:.2f}; {load()}")
    if args.record:
        state = json.loads((args.record / "calibration.json").read_text())
        gens = state.get("generations", [])
        print(f"calibration {state['name']}: {len(gens)} generations, "
              f"{sum(g['simulations'] for g in gens)} candidate runs, "
              f"{sum(g['seconds'] for g in gens) / 60:.1f} min in generations (as recorded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
