"""The committed baseline summary (tests/baseline.json), in the style of Starsim's test_baselines.

A fixed set of runs (four scenarios x two replicates, a small place, 52 weeks after the documented
burn-in) summarised per scenario as each outcome's mean over the last 26 weeks and over the
replicates. ``tests/test_baseline.py`` recomputes it and fails when any number moved, naming the
outcomes that did: a change to the model's results is then a decision, recorded by updating the file.

    python scripts/baseline.py            # recompute and say what differs from tests/baseline.json
    python scripts/baseline.py --update   # rewrite tests/baseline.json (after an intended model change)

Exit status: 0 when nothing differs (or after --update), 1 when something does.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "baseline.json"

SCENARIOS = ("default", "blame_culture", "systems_leadership", "austerity_cut")
WEEKS = 52
REPLICATES = 2
SEED = 0
N_CITIZENS = 1000
REL_TOL = 1e-9
"""Relative tolerance: the model is deterministic for a seed, so the same code gives the same
numbers; the tolerance only absorbs floating-point noise from a different numpy or BLAS build."""
ABS_TOL = 1e-12


def compute() -> dict:
    """The baseline summary: {"runs": how they were made, "outcomes": {scenario: {outcome: mean}}}."""
    sys.path.insert(0, str(ROOT))
    import slsim
    from slsim.model.params import BURN_IN_WEEKS

    # The burn-in is given explicitly, so the baseline is the documented place whatever a test
    # session's defaults are.
    params = {"n_citizens": N_CITIZENS, "burn_in_weeks": BURN_IN_WEEKS}
    outcomes = {}
    for scenario in SCENARIOS:
        res = slsim.run(scenario, weeks=WEEKS, replicates=REPLICATES, seed=SEED, params=params, processes=1)
        means = res.summary(26)[list(slsim.OUTCOMES)].mean()
        outcomes[scenario] = {name: float(value) for name, value in means.items()}
    runs = {"scenarios": list(SCENARIOS), "weeks": WEEKS, "replicates": REPLICATES, "seed": SEED,
            "params": params, "summary": "each outcome's mean over the last 26 weeks, then over replicates"}
    return {"runs": runs, "outcomes": outcomes}


def differences(expected: dict, actual: dict) -> list[str]:
    """One line per number that differs beyond the tolerance, or that is missing on either side."""
    lines = []
    if expected.get("runs") != actual["runs"]:
        lines.append(f"the runs differ: baseline {expected.get('runs')}, now {actual['runs']}")
    exp, act = expected.get("outcomes", {}), actual["outcomes"]
    for scenario in sorted(set(exp) | set(act)):
        e, a = exp.get(scenario, {}), act.get(scenario, {})
        for name in sorted(set(e) | set(a)):
            if name not in e or name not in a:
                lines.append(f"{scenario}.{name}: only {'now' if name in a else 'in the baseline'}")
            elif not (math.isclose(e[name], a[name], rel_tol=REL_TOL, abs_tol=ABS_TOL)
                      or (math.isnan(e[name]) and math.isnan(a[name]))):
                lines.append(f"{scenario}.{name}: baseline {e[name]!r}, now {a[name]!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite tests/baseline.json with today's numbers")
    args = ap.parse_args(argv)
    actual = compute()
    if args.update:
        BASELINE.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
        print(f"wrote {BASELINE.relative_to(ROOT)}")
        return 0
    expected = json.loads(BASELINE.read_text())
    lines = differences(expected, actual)
    print("\n".join(lines) if lines else "the baseline holds")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
