"""Print March's (1991) equilibrium table: six (p1, p2) cells of Figure 1, both variants of the rules.

Usage::

    PYTHONPATH=. .venv/bin/python scripts/march_table.py [--runs 80] [--seed 0]

For each cell and variant: the mean equilibrium code score ((right - wrong) / dims, the unit of
March's Figure 1) and code knowledge (share of dimensions right), with standard errors, and the
periods to equilibrium. The target column is the recreation of March's own algorithm by
Workiewicz (2019, github.com/Mac13kW/March_1991_Original, 10,000 runs per cell).
"""

from __future__ import annotations

import argparse
import time

from slsim.model import march

TARGET = {(0.1, 0.9): 0.972, (0.9, 0.9): 0.728, (0.1, 0.5): 0.954, (0.9, 0.5): 0.742,
          (0.1, 0.1): 0.863, (0.9, 0.1): 0.813}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=80, help="runs per cell (March 1991 used 80)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(f"{'variant':9} {'p1':>4} {'p2':>4} {'target':>7} {'score':>7} {'se':>6} {'knowl.':>7} {'se':>6} "
          f"{'periods':>8} {'max':>5}")
    for variant in ("original", "paper"):
        start = time.perf_counter()
        for row in march.equilibrium_table(runs=args.runs, seed=args.seed, variant=variant):
            target = TARGET[(row["p1"], row["p2"])]
            flag = "" if row["all_at_equilibrium"] else "  (not all at equilibrium)"
            print(f"{variant:9} {row['p1']:4.1f} {row['p2']:4.1f} {target:7.3f} {row['code_score']:7.3f} "
                  f"{row['code_score_se']:6.3f} {row['code_knowledge']:7.3f} {row['code_knowledge_se']:6.3f} "
                  f"{row['mean_periods']:8.1f} {row['max_periods']:5d}{flag}")
        print(f"# {variant}: {time.perf_counter() - start:.1f} s for {args.runs} runs x 6 cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
