"""The committed baseline summary (Starsim's test_baselines style): a fixed set of runs, summarised
per scenario and outcome, must give the numbers in tests/baseline.json.

Why so tight a tolerance (relative 1e-9): the model is deterministic for a seed, so unchanged code
gives unchanged numbers, and any real change to a rule moves some outcome by far more than floating
noise. A failure lists every outcome that moved. When the model is changed on purpose, update the
file with ``python scripts/baseline.py --update`` and commit it with the change, saying why.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import slsim

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "baseline.py"


def _baseline_module():
    spec = importlib.util.spec_from_file_location("slsim_baseline_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fixed_runs_give_the_committed_baseline():
    bl = _baseline_module()
    expected = json.loads(bl.BASELINE.read_text())
    assert set(expected["outcomes"]) == set(bl.SCENARIOS)
    for scenario, values in expected["outcomes"].items():
        assert set(values) == set(slsim.OUTCOMES), f"{scenario}: the baseline should cover every outcome"
    moved = bl.differences(expected, bl.compute())
    assert not moved, ("the model's results changed; if on purpose, run `python scripts/baseline.py --update` "
                       "and commit tests/baseline.json:\n" + "\n".join(moved))


def test_the_comparison_sees_a_moved_number():
    bl = _baseline_module()
    expected = json.loads(bl.BASELINE.read_text())
    moved = json.loads(json.dumps(expected))
    moved["outcomes"]["default"]["delayed_transfers"] *= 1 + 1e-6
    assert bl.differences(expected, moved) == [
        f"default.delayed_transfers: baseline {expected['outcomes']['default']['delayed_transfers']!r}, "
        f"now {moved['outcomes']['default']['delayed_transfers']!r}"]
    assert not bl.differences(expected, expected)
