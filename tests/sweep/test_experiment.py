"""Experiment files, designs against SALib's expectations, seeds, and sensitivity indices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slsim.tools.sweep import ExperimentError, load_experiment, make_design, plan
from slsim.tools.sweep.analysis import box_sentence, discover, morris_indices, prim_boxes, sobol_indices, spiral_flags
from slsim.tools.sweep.design import design_seed, salib_problem
from slsim.tools.sweep.experiment import Factor

from .conftest import write_experiment

# ------------------------------------------------------------------ bad input
BAD = [
    ({"factors": {"no_such_parameter": {"levels": [1, 2]}}}, "unknown"),
    ({"factors": {"blame_response": {"range": [0.8, 0.2], "steps": 3}}}, "inverted"),
    ({"factors": {"blame_response": {"range": [0.5, 0.5], "steps": 3}}}, "empty or inverted"),
    ({"factors": {"blame_response": {"levels": []}}}, "levels is empty"),
    ({"factors": {"blame_response": {"range": [0, 1.5], "steps": 3}}}, "leaves the allowed range"),
    ({"factors": {"blame_response": {"levels": [0.2, 2.0]}}}, "level 2.0"),
    ({"factors": {"blame_response": {"range": [0, 1]}}}, "no steps"),
    ({"factors": {}}, "factors"),
    ({"design": "sobol", "samples": 8}, "given as levels"),  # tiny's blame_response is categorical-style levels
    ({"design": "sobol", "samples": 10, "factors": {"ceding": {"range": [0, 1]}, "blame_response": {"range": [0, 1]}}},
     "power of two"),
    ({"design": "lhs", "factors": {"ceding": {"range": [0, 1]}}}, "needs 'samples'"),
    ({"design": "latin"}, "design"),
    ({"factors": {"scenario": {"levels": ["no_such_scenario"]}}}, "unknown scenario"),
    ({"factors": {"switch_week": {"levels": [10]}}}, "switch"),
    ({"scenario": "no_such_scenario"}, "unknown scenario"),
    ({"params": {"n_citizens": -5}}, "n_citizens"),
    ({"params": {"blame_response": 0.5}}, "both fixed in params and varied"),
    ({"outputs": {"weekly": ["no_such_outcome"]}}, "unknown outcome"),
    ({"replicates": 0}, "replicates"),
    ({"surprise": 1}, "unknown field"),
    ({"analysis": {"spiral": ["defensiveness wobbles"]}}, "spiral"),
]


@pytest.mark.parametrize("changes,message", BAD, ids=[m for _, m in BAD])
def test_bad_experiment_is_one_clear_error(tmp_path, changes, message):
    path = write_experiment(tmp_path, **changes)
    with pytest.raises(ExperimentError) as info:
        plan(path)
    assert message in str(info.value)


def test_categorical_factor_refused_by_sobol(tmp_path):
    path = write_experiment(tmp_path, design="sobol", samples=8,
                            factors={"scenario": {"levels": ["blame_culture", "systems_leadership"]},
                                     "ceding": {"range": [0, 1]}})
    with pytest.raises(ExperimentError, match=r"\['scenario'\] are given as levels"):
        plan(path)


def test_shipped_experiments_are_valid():
    from pathlib import Path
    files = sorted((Path(__file__).resolve().parents[2] / "experiments").glob("*.yaml"))
    assert len(files) >= 3
    kinds = set()
    for f in files:
        exp, design, runs = plan(f)
        kinds.add(exp.spec.design)
        assert len(runs) == len(design.points) * exp.spec.replicates
    assert {"grid", "sobol"} <= kinds or {"grid", "morris"} <= kinds


# ------------------------------------------------------------------ designs against SALib
def _factors(n: int, integer_last: bool = False) -> list[Factor]:
    out = [Factor(f"x{i}", "range", low=-1.0 - i, high=2.0 + i) for i in range(n)]
    if integer_last:
        out[-1] = Factor("k", "range", low=4, high=40, integer=True)
    return out


def test_grid_is_every_combination_in_order():
    fs = [Factor("a", "levels", levels=(1, 2, 3)), Factor("b", "range", low=0.0, high=1.0, steps=5)]
    d = make_design("grid", fs)
    assert len(d.points) == 15
    assert d.points[0] == {"a": 1, "b": 0.0} and d.points[1] == {"a": 1, "b": 0.25}
    assert d.points[-1] == {"a": 3, "b": 1.0}


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_design_matches_salib(second_order):
    from SALib.sample import sobol
    fs = _factors(4)
    d = make_design("sobol", fs, samples=32, seed=5, second_order=second_order)
    D = len(fs)
    assert len(d.points) == 32 * (2 * D + 2 if second_order else D + 2)
    X = np.array([[p[f.name] for f in fs] for p in d.points])
    expected = sobol.sample(salib_problem(fs), 32, calc_second_order=second_order, seed=design_seed(5))
    np.testing.assert_array_equal(X, expected)
    for j, f in enumerate(fs):
        assert X[:, j].min() >= f.low and X[:, j].max() <= f.high


def test_lhs_design_has_one_point_per_stratum():
    fs = _factors(3)
    n = 20
    d = make_design("lhs", fs, samples=n, seed=1)
    X = np.array([[p[f.name] for f in fs] for p in d.points])
    assert X.shape == (n, 3)
    for j, f in enumerate(fs):
        strata = np.floor((X[:, j] - f.low) / (f.high - f.low) * n).astype(int)
        assert sorted(strata) == list(range(n))  # Latin: each of n equal slices holds exactly one point


def test_morris_design_sizes_levels_and_integer_rounding():
    fs = _factors(3, integer_last=True)
    d = make_design("morris", fs, samples=6, seed=2, morris_levels=4)
    assert len(d.points) == 6 * (3 + 1)
    # unrounded: every value is on the 4-level grid of its range
    for j, f in enumerate(fs):
        steps = (d.X[:, j] - f.low) / (f.high - f.low) * 3
        np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    assert all(isinstance(p["k"], int) and 4 <= p["k"] <= 40 for p in d.points)
    # each trajectory moves one factor at a time
    for t in range(6):
        block = d.X[t * 4:(t + 1) * 4]
        assert all((np.abs(np.diff(block, axis=0)) > 1e-12).sum(axis=1) == 1)


def test_same_file_same_design_and_seeds(tmp_path):
    path = write_experiment(tmp_path, design="lhs", samples=5, factors={"ceding": {"range": [0, 1]},
                                                                          "knowledge_dims": {"range": [10, 40]}})
    _, d1, r1 = plan(path)
    _, d2, r2 = plan(load_experiment(path))
    assert d1.points == d2.points and [r.seed for r in r1] == [r.seed for r in r2]
    assert all(isinstance(p["knowledge_dims"], int) for p in d1.points)


# ------------------------------------------------------------------ seeds
def test_seeds_come_from_experiment_seed_and_run_index(tmp_path):
    _, _, runs = plan(write_experiment(tmp_path))
    seeds = [r.seed for r in runs]
    assert len(set(seeds)) == len(seeds)
    # the documented formula (slsim.execution.seeds): SeedSequence([experiment seed, run index])
    assert seeds == [int(np.random.SeedSequence([7, r.run_id]).generate_state(1)[0]) for r in runs]
    _, _, crn = plan(write_experiment(tmp_path, name="crn", common_random_numbers=True))
    by_rep = {}
    for r in crn:
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values()) and len(by_rep) == 2


# ------------------------------------------------------------------ sensitivity indices
def test_sobol_indices_of_ishigami_match_known_values():
    from SALib.test_functions import Ishigami
    fs = [Factor(f"x{i}", "range", low=-math.pi, high=math.pi) for i in range(1, 4)]
    d = make_design("sobol", fs, samples=2048, seed=11)
    Y = Ishigami.evaluate(d.X)
    t = sobol_indices(d.problem, Y, seed=3).set_index("factor")
    # analytic values for a=7, b=0.1 (Ishigami & Homma 1990; SALib's docs)
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for f in s1:
        assert t.loc[f, "S1"] == pytest.approx(s1[f], abs=0.05)
        assert t.loc[f, "ST"] == pytest.approx(st[f], abs=0.05)
        assert 0 < t.loc[f, "S1_conf"] < 0.1 and 0 < t.loc[f, "ST_conf"] < 0.1


def test_sobol_refuses_missing_points():
    fs = _factors(2)
    d = make_design("sobol", fs, samples=8, seed=1)
    Y = np.ones(len(d.points))
    Y[3] = np.nan
    with pytest.raises(ExperimentError, match="every design point"):
        sobol_indices(d.problem, Y)


def test_morris_ranks_a_linear_function():
    fs = [Factor(n, "range", low=0.0, high=1.0) for n in ("strong", "weak", "none")]
    d = make_design("morris", fs, samples=10, seed=4)
    Y = 3 * d.X[:, 0] + 1 * d.X[:, 1]
    t = morris_indices(d.problem, d.X, Y).set_index("factor")
    assert t.loc["strong", "mu_star"] == pytest.approx(3)
    assert t.loc["weak", "mu_star"] == pytest.approx(1)
    assert t.loc["none", "mu_star"] == pytest.approx(0, abs=1e-9)


# ------------------------------------------------------------------ scenario discovery
def test_discovery_finds_the_planted_box_and_says_it_in_words():
    import pandas as pd
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"blame_response": rng.uniform(0, 1, 400), "budget_gap": rng.uniform(-0.2, 0.2, 400),
                         "noise": rng.uniform(0, 1, 400)})
    flag = (runs["blame_response"] > 0.6) & (runs["budget_gap"] < 0.0)
    boxes = discover(runs, ["blame_response", "budget_gap", "noise"], flag)
    top = boxes.iloc[0]
    assert top["density"] > 0.9 and top["coverage"] > 0.8
    conds = {(f, op): thr for f, op, thr in top["conditions"]}
    assert conds[("blame_response", ">")] == pytest.approx(0.6, abs=0.05)
    assert conds[("budget_gap", "<=")] == pytest.approx(0.0, abs=0.02)
    text = box_sentence(top, float(flag.mean()))
    assert text.startswith("When blame response is above 0.6") and "retreat spiral" in text


def _planted(n=400, seed=0):
    import pandas as pd
    rng = np.random.default_rng(seed)
    runs = pd.DataFrame({"blame_response": rng.uniform(0, 1, n), "budget_gap": rng.uniform(-0.2, 0.2, n),
                         "noise": rng.uniform(0, 1, n)})
    return runs, (runs["blame_response"] > 0.6) & (runs["budget_gap"] < 0.0)


def test_prim_finds_the_planted_box_with_the_workbench():
    runs, flag = _planted()
    boxes, trajectories = prim_boxes(runs, ["blame_response", "budget_gap", "noise"], flag, threshold=0.8)
    top = boxes.iloc[0]
    assert top["density"] >= 0.8 and top["coverage"] > 0.85, "PRIM should recover most of the planted box"
    conds = {(f, op): thr for f, op, thr in top["conditions"]}
    assert conds[("blame_response", ">=")] == pytest.approx(0.6, abs=0.05)
    assert conds[("budget_gap", "<=")] == pytest.approx(0.0, abs=0.02)
    assert not any(f == "noise" for f, _, _ in top["conditions"]), "a factor with no effect is left free"
    inside = (runs["blame_response"] >= conds[("blame_response", ">=")]) & \
        (runs["budget_gap"] <= conds[("budget_gap", "<=")])
    assert inside.sum() == top["runs"] and (flag & inside).sum() == top["spiral_runs"], \
        "the box's counts are the runs inside its bounds"
    chosen = trajectories[0][trajectories[0]["chosen"]]
    assert len(chosen) == 1 and float(chosen["density"].iloc[0]) == pytest.approx(top["density"])
    text = box_sentence(top, float(flag.mean()))
    assert text.startswith("When blame response is at least 0.") and " and budget gap is at most 0." in text
    assert "retreat spiral" in text


def test_prim_takes_the_widest_box_that_is_dense_enough():
    runs, flag = _planted()
    strict = prim_boxes(runs, ["blame_response", "budget_gap"], flag, threshold=0.99)[0].iloc[0]
    lenient = prim_boxes(runs, ["blame_response", "budget_gap"], flag, threshold=0.6)[0].iloc[0]
    assert strict["density"] >= 0.99 and lenient["density"] >= 0.6
    assert lenient["coverage"] >= strict["coverage"], "a lower density threshold may only widen the box"


def test_prim_reports_no_box_when_nothing_is_dense_enough():
    import pandas as pd
    rng = np.random.default_rng(3)
    runs = pd.DataFrame({"a": rng.uniform(0, 1, 300), "b": rng.uniform(0, 1, 300)})
    flag = pd.Series(rng.random(300) < 0.2)  # spiral at random, unrelated to the factors
    boxes, _ = prim_boxes(runs, ["a", "b"], flag, threshold=0.9)
    assert boxes.empty


def test_prim_second_box_counts_every_run_inside_its_bounds():
    """Two separate regions spiral: the second box's figures describe the whole region its bounds
    define, including runs the first box already holds."""
    import pandas as pd
    rng = np.random.default_rng(5)
    runs = pd.DataFrame({"a": rng.uniform(0, 1, 600), "b": rng.uniform(0, 1, 600)})
    flag = (runs["a"] > 0.75) | (runs["b"] > 0.75)
    boxes, _ = prim_boxes(runs, ["a", "b"], flag, threshold=0.9)
    assert len(boxes) == 2, "both regions should be found"
    for _, box in boxes.iterrows():
        inside = np.ones(len(runs), bool)
        for f, op, thr in box["conditions"]:
            inside &= (runs[f] >= thr) if op == ">=" else (runs[f] <= thr)
        assert box["runs"] == inside.sum() and box["spiral_runs"] == (inside & flag).sum()
        assert box["coverage"] == pytest.approx((inside & flag).sum() / flag.sum())
    assert {f for _, b in boxes.iterrows() for f, _, _ in b["conditions"]} == {"a", "b"}


def test_prim_bounds_are_levels_that_were_run_and_boxes_restrict_something():
    import pandas as pd
    grid = pd.DataFrame([(a, g) for a in np.linspace(0, 1, 6) for g in (-0.05, 0.05) for _ in range(4)],
                        columns=["blame_response", "budget_gap"])
    flag = grid["blame_response"] >= 0.55
    boxes, _ = prim_boxes(grid, ["blame_response", "budget_gap"], flag, threshold=0.8)
    bound = {(f, op): thr for f, op, thr in boxes.iloc[0]["conditions"]}
    assert bound[("blame_response", ">=")] == pytest.approx(0.6), "the bound is the lowest level inside the box"
    # when most runs spiral anyway, the whole space is not reported as a "region"
    mostly = prim_boxes(grid, ["blame_response", "budget_gap"], grid["blame_response"] >= 0.0, threshold=0.8)[0]
    assert all(len(c) > 0 for c in mostly["conditions"])


def test_a_box_bounded_on_both_sides_reads_as_between():
    box = {"conditions": [("budget_gap", ">=", -0.1), ("budget_gap", "<=", 0.05)], "density": 0.9,
           "spiral_runs": 9, "runs": 10, "coverage": 0.5}
    assert box_sentence(box, 0.3).startswith("When budget gap is between -0.1 and 0.05, 90% of runs (9 of 10)")


def test_spiral_rule_uses_start_and_end_of_each_run():
    import pandas as pd
    runs = pd.DataFrame({"defensiveness": [0.8, 0.8, 0.2], "defensiveness__start": [0.3, 0.9, 0.3],
                         "cross_boundary_trust": [0.2, 0.2, 0.2], "cross_boundary_trust__start": [0.5, 0.5, 0.1]})
    assert spiral_flags(runs, ["defensiveness rises", "cross_boundary_trust falls"]).tolist() == [True, False, False]
    assert spiral_flags(runs, ["defensiveness > 0.5"]).tolist() == [True, True, False]
