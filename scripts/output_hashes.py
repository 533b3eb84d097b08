"""Hash a fixed set of slsim outputs, so a refactor can prove it changed no result.

Run before and after a change that must not change numbers, and compare the two listings::

    .venv/bin/python scripts/output_hashes.py > before.txt
    # ... refactor ...
    .venv/bin/python scripts/output_hashes.py | diff before.txt -

Each line is ``name sha256``: the weekly outcome frame (every column, full precision) and the
event log of several scenarios, seeds and sizes, the teaching rules, a comparison with replicates,
and a small sweep's stored runs. A change to the model is expected to change these; a refactor
is not.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def digest(frame: pd.DataFrame) -> str:
    """sha256 of a frame's columns and values at full precision (floats as their bytes)."""
    h = hashlib.sha256()
    h.update(",".join(map(str, frame.columns)).encode())
    for col in frame.columns:
        values = frame[col].to_numpy()
        if values.dtype.kind in "fiub":
            h.update(np.ascontiguousarray(values.astype(np.float64)).tobytes())
        else:
            h.update("\x1f".join(map(str, values)).encode())
    return h.hexdigest()


def model_cases():
    """(name, scenario, seed, weeks, params, rules) for single runs."""
    return [
        ("default-s1-5k", "default", 1, 60, {}, "fast"),
        ("blame-s2-5k", "blame_culture", 2, 60, {}, "fast"),
        ("systems-s3-5k", "systems_leadership", 3, 60, {}, "fast"),
        ("switch-s4-2k", "switch_to_systems_leadership", 4, 80, {"n_citizens": 2000}, "fast"),
        ("austerity-s5-3k", "austerity_cut", 5, 60, {"n_citizens": 3000}, "fast"),
        ("winter-s6-20k", "winter_surge", 6, 30, {"n_citizens": 20000}, "fast"),
        ("pooled-s7-1k", "pooled_budget", 7, 60, {"n_citizens": 1000}, "fast"),
        ("partial-s8-4k", "partial_adoption", 8, 40, {"n_citizens": 4000}, "fast"),
        ("teaching-blame-s9-800", "blame_culture", 9, 30, {"n_citizens": 800}, "teaching"),
        ("teaching-systems-s10-800", "systems_leadership", 10, 30, {"n_citizens": 800}, "teaching"),
    ]


def main() -> int:
    warnings.simplefilter("ignore")
    import slsim
    from slsim.model.system import SystemModel

    lines = []
    for name, scenario, seed, weeks, params, rules in model_cases():
        model = SystemModel(scenario, rng=seed, rules=rules, **params)
        for _ in range(weeks):
            model.step()
        lines.append(f"{name}:results {digest(model.results().reset_index(drop=True))}")
        lines.append(f"{name}:events {digest(model.event_log())}")
    cmp = slsim.compare(["blame_culture", "systems_leadership"], weeks=52, replicates=3, seed=11,
                        params={"n_citizens": 1500})
    lines.append(f"compare:frame {digest(cmp.frame.reset_index(drop=True))}")
    from slsim.tools.sweep import load_results, run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(ROOT / "tests" / "sweep" / "tiny.yaml", Path(tmp) / "tiny", processes=1)
        runs = load_results(Path(tmp) / "tiny").sort_values("run_id").reset_index(drop=True)
        weekly = load_results(Path(tmp) / "tiny", what="weekly")
        weekly = weekly.sort_values(["run_id", "week"]).reset_index(drop=True)
        keep = [c for c in runs.columns if c not in ("seconds", "session")]
        lines.append(f"sweep:runs {digest(runs[keep])}")
        lines.append(f"sweep:weekly {digest(weekly)}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
