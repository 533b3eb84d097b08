"""March (1991), 'Exploration and exploitation in organizational learning', run on its own through
``slsim.processes.learning.run_march``: the paper's qualitative results, averaged over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from slsim.processes.learning import run_march

SEEDS = range(12)


def _mean(key="code_knowledge", seeds=SEEDS, **kw):
    return float(np.mean([run_march(seed=s, **kw)[key] for s in seeds]))


def test_slow_socialisation_reaches_higher_equilibrium_knowledge():
    # March (1991), Figure 1: with p2 = 0.5, the code's equilibrium knowledge is higher when people
    # are socialised slowly (p1 = 0.1) than quickly (p1 = 0.9).
    slow = _mean(p1=0.1, p2=0.5, periods=300)
    fast = _mean(p1=0.9, p2=0.5, periods=300)
    assert slow > fast + 0.05, f"slow socialisation (p1 0.1) should beat fast (p1 0.9): {slow:.3f} vs {fast:.3f}"


def test_knowledge_falls_as_socialisation_speeds_up():
    levels = [_mean(p1=p1, p2=0.5, periods=300, seeds=range(8)) for p1 in (0.1, 0.5, 0.9)]
    assert levels[0] > levels[1] >= levels[2] - 0.02, f"equilibrium knowledge by p1 0.1, 0.5, 0.9: {levels}"


def test_mixed_fast_and_slow_learners_beat_all_fast():
    # March (1991), Figure 2: a mix of fast and slow learners keeps the diversity the code learns from.
    n = 50
    mixed = np.where(np.arange(n) < n // 2, 0.1, 0.9)
    mix = _mean(p1=mixed, p2=0.5, n_people=n, periods=300)
    fast = _mean(p1=0.9, p2=0.5, n_people=n, periods=300)
    assert mix > fast, f"a mix of slow and fast learners should beat an all-fast population: {mix:.3f} vs {fast:.3f}"


def test_moderate_turnover_helps_in_a_turbulent_world():
    # March (1991), Figure 4 / section on turnover: with turbulence, some turnover (fresh, naive
    # people) keeps the code's knowledge higher than none.
    kw = dict(p1=0.5, p2=0.5, turbulence=0.02, periods=400)
    none = _mean(turnover=0.0, **kw)
    moderate = _mean(turnover=0.05, **kw)
    assert moderate > none, f"with turbulence, turnover 0.05 should beat none: {moderate:.3f} vs {none:.3f}"


def test_without_turbulence_code_knowledge_does_not_decline_much():
    for seed in range(6):
        hist = run_march(p1=0.5, p2=0.5, periods=200, seed=seed)["history"]
        drawdown = np.max(np.maximum.accumulate(hist) - hist)
        assert drawdown <= 0.1, f"seed {seed}: code knowledge fell by {drawdown:.2f} from its best without turbulence"
        assert hist[-1] >= hist[0], "over the run the code learns"


def test_without_turbulence_people_and_code_reach_equilibrium():
    for seed in range(6):
        out = run_march(p1=0.5, p2=0.5, periods=300, seed=seed)
        hist = out["history"]
        assert np.ptp(hist[-50:]) == 0, f"seed {seed}: the code should stop changing (equilibrium)"
        assert out["people_knowledge"] == pytest.approx(out["code_knowledge"]), \
            f"seed {seed}: people converge on the code"


def test_with_turbulence_knowledge_decays_without_turnover():
    # In a turbulent world a closed system that has converged cannot keep up: its knowledge falls.
    hist = np.mean([run_march(p1=0.5, p2=0.5, periods=400, turbulence=0.02, seed=s)["history"] for s in SEEDS],
                   axis=0)
    assert hist[-50:].mean() < hist[50:100].max(), "without turnover, knowledge should decay under turbulence"


def test_run_march_is_deterministic_per_seed():
    a = run_march(seed=5, periods=50)
    b = run_march(seed=5, periods=50)
    np.testing.assert_array_equal(a["history"], b["history"])
    c = run_march(seed=6, periods=50)
    assert not np.array_equal(a["history"], c["history"])
