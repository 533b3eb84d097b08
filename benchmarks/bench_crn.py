"""How much common random numbers per person cut the replicates a comparison needs.

For each pair of scenarios and each size, runs the same seeds under both scenarios (default
burn-in, then ``--weeks`` weeks), takes each run's mean over the last 26 weeks of the headline
outcomes, and prints the standard deviation of the paired differences over the seeds and the
replicates a 90% interval of a given half-width would need, ``n = (1.645 * sd / half_width)^2``.
With ``--old REV`` it does the same for the code at git revision REV (checked out beside this one
in a temporary worktree) in the same run, and prints the ratio of replicates needed, old / new.

    python benchmarks/bench_crn.py --old <commit before the change> --seeds 30

Prints the load average beside each block: these runs take minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("delayed_transfers", "elective_waiting_list", "unmet_need", "bed_occupancy", "cross_boundary_trust")
PAIRS = (("blame_culture", "systems_leadership"), ("default", "systems_leadership"))

# Runs in a child process with the code under test first on the path: one JSON line per pair.
WORKER = r"""
import json, sys
import slsim
pairs, sizes, seeds, weeks, outcomes = json.loads(sys.argv[1])
out = {}
for a, b in pairs:
    for n in sizes:
        cmp = slsim.compare([a, b], weeks=weeks, replicates=seeds, seed=2026, params={"n_citizens": n})
        f = cmp.frame
        late = f[f["week"] > weeks - 26].groupby(["scenario", "replicate"])[list(outcomes)].mean()
        out[f"{a}|{b}|{n}"] = {o: (late.loc[b][o] - late.loc[a][o]).tolist() for o in outcomes}
print(json.dumps(out))
"""


def measure(tree: Path, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    spec = json.dumps([PAIRS, args.sizes, args.seeds, args.weeks, OUTCOMES])
    # cwd is the tree too: "python -c" puts the working folder first on the path.
    done = subprocess.run([sys.executable, "-c", WORKER, spec], env=env, cwd=tree, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def replicates_needed(diffs: list[float], half_width: float) -> float:
    sd = float(np.std(diffs, ddof=1))
    return (1.645 * sd / half_width) ** 2 if half_width > 0 else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", help="git revision to compare with (the code before common random numbers per person)")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--json", type=Path, help="also write the raw paired differences here")
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    new = measure(ROOT, args)
    print(f"new code measured; load average {os.getloadavg()[0]:.1f}", flush=True)
    old = None
    if args.old:
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "old"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.old], check=True,
                           capture_output=True)
            try:
                old = measure(tree, args)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        print(f"old code ({args.old}) measured; load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"new": new, "old": old}, indent=1))
    print(f"\n{args.seeds} paired seeds, {args.weeks} weeks after the burn-in, means of the last 26 weeks")
    print("replicates for a 90% interval of half-width = 10% of the old code's mean |difference| "
          "(or of the new code's when no --old)")
    head = f"{'pair':40s} {'size':>6s} {'outcome':24s} {'sd new':>9s} {'n new':>7s}"
    if old:
        head += f" {'sd old':>9s} {'n old':>7s} {'old/new':>8s}"
    print(head)
    for key, outcomes in new.items():
        a, b, n = key.split("|")
        for o, diffs in outcomes.items():
            ref = old[key][o] if old else diffs
            half = 0.1 * abs(float(np.mean(ref))) or 1e-9
            n_new = replicates_needed(diffs, half)
            line = f"{a + ' vs ' + b:40s} {n:>6s} {o:24s} {np.std(diffs, ddof=1):9.4g} {n_new:7.1f}"
            if old:
                n_old = replicates_needed(old[key][o], half)
                line += f" {np.std(old[key][o], ddof=1):9.4g} {n_old:7.1f} {n_old / n_new:8.2f}"
            print(line)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
