"""Speed and memory of the model at 1,000, 10,000 and 100,000 citizens, against Mesa's Boltzmann.

Run: ``.venv/bin/python benchmarks/bench_model.py [--sizes 1000 10000 100000] [--repeats 5] [--teaching]``

For each size it reports, as medians over repeats: set-up time, milliseconds per simulated week,
citizen-weeks per second, peak resident memory of a fresh process that builds and runs the place;
and, in the same run, Mesa's own Boltzmann wealth example (shipped with Mesa 3.5) with as many
agents: agent-steps per second, and the ratio. Staff scale with citizens (40 per 1,000). Each
measurement runs in its own subprocess so that memory and caches do not leak between sizes.
``--teaching`` also times the place on the one-person-at-a-time rules of :mod:`slsim.model.teaching`
(``rules="teaching"``, same numbers) against the fast rules, at each size.
This is a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

WEEKS = 30
WARMUP = 5


def _measure_slsim(n: int, rules: str = "fast") -> dict:
    import resource
    import time

    import slsim

    t0 = time.perf_counter()
    model = slsim.SystemModel(n_citizens=n, rng=1, rules=rules)
    setup = time.perf_counter() - t0
    for _ in range(WARMUP):
        model.step()
    t0 = time.perf_counter()
    for _ in range(WEEKS):
        model.step()
    per_week = (time.perf_counter() - t0) / WEEKS
    return {"setup_s": setup, "ms_per_week": per_week * 1e3, "citizen_weeks_per_s": n / per_week,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _measure_boltzmann(n: int) -> dict:
    import math
    import time

    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = max(10, int(math.sqrt(n)))  # about one agent per cell, as in the shipped 100 on 10x10
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=1))
    steps = max(3, min(WEEKS, 2_000_000 // n))
    model.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    per_step = (time.perf_counter() - t0) / steps
    return {"ms_per_step": per_step * 1e3, "agent_steps_per_s": n / per_step}


def _child(kind: str, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--teaching", action="store_true", help="also time the teaching rules (slsim.model.teaching)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        print(json.dumps(_measure_boltzmann(n) if kind == "boltzmann" else _measure_slsim(n, rules=kind)))
        return
    import platform

    import mesa

    import slsim
    print(f"slsim {slsim.__version__}, Mesa {mesa.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}; {args.repeats} repeats, medians; {WEEKS} timed weeks after {WARMUP} warm-up")
    head = (f"{'citizens':>9} {'staff':>6} {'setup s':>8} {'ms/week':>8} {'citizen-wk/s':>13} {'peak MB':>8} "
            f"{'Boltzmann agent-steps/s':>24} {'ratio':>6}")
    print(head)
    rows = []
    for n in args.sizes:
        s = [_child("fast", n) for _ in range(args.repeats)]
        b = [_child("boltzmann", n) for _ in range(args.repeats)]
        med = {k: statistics.median(r[k] for r in s) for k in s[0]}
        bz = statistics.median(r["agent_steps_per_s"] for r in b)
        ratio = med["citizen_weeks_per_s"] / bz
        rows.append((n, med))
        print(f"{n:>9,} {round(n * 0.04):>6,} {med['setup_s']:>8.3f} {med['ms_per_week']:>8.2f} "
              f"{med['citizen_weeks_per_s']:>13,.0f} {med['peak_mb']:>8.0f} {bz:>24,.0f} {ratio:>6.1f}")
    by = dict(rows)
    if 10000 in by and 100000 in by:
        growth = (by[100000]["ms_per_week"] / 100000) / (by[10000]["ms_per_week"] / 10000)
        print(f"cost per citizen-week at 100,000 / at 10,000: {growth:.2f} (target <= 1.5)")
    demo = _child("fast", 5000)
    print(f"default demo place (5,000 citizens): {demo['ms_per_week']:.2f} ms per week (target < 10)")
    if args.teaching:
        print("teaching rules (same numbers, one person at a time), medians:")
        for n, med in rows:
            t = statistics.median(_child("teaching", n)["ms_per_week"] for _ in range(args.repeats))
            print(f"{n:>9,} citizens: {t:>9.2f} ms per week, {t / med['ms_per_week']:.1f} times the fast rules")


if __name__ == "__main__":
    main()
