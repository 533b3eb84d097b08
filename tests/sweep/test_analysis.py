"""slsim analyse on small real sweeps of each kind: Sobol, Morris, switch timing."""

from __future__ import annotations

import pandas as pd
import pytest

from slsim.tools.sweep import load_results, run_sweep
from slsim.tools.sweep.analysis import analyse, recovery

from .conftest import sweep_until_ctrl_c, write_experiment

RANGES = {"blame_response": {"range": [0.0, 1.0]}, "shared_ambition": {"range": [0.0, 1.0]}}


@pytest.mark.parametrize("design,samples,points", [("sobol", 4, 4 * (2 + 2)), ("morris", 3, 3 * (2 + 1))])
def test_sensitivity_sweep_and_analysis(tmp_path, design, samples, points):
    exp = write_experiment(tmp_path, name=design, design=design, samples=samples, factors=RANGES, replicates=1,
                           weeks=20, outputs={"weekly": [], "summary_weeks": 5},
                           analysis={"outcomes": ["cross_boundary_trust", "delayed_transfers"]})
    out = tmp_path / "out"
    summary = run_sweep(exp, out, processes=1)
    assert summary.total == points and summary.completed == points
    runs = load_results(out)
    assert runs["blame_response"].between(0, 1).all() and runs["shared_ambition"].between(0, 1).all()
    rep = analyse(out)
    tab = rep.tables[design]
    assert set(tab["outcome"]) == {"cross_boundary_trust", "delayed_transfers"}
    assert set(tab["factor"]) == set(RANGES)
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if design == "sobol" else ["mu_star", "mu_star_conf", "sigma"]
    assert tab[cols].notna().all().all()
    assert (out / "analysis" / f"{design}.csv").is_file()
    assert (out / "analysis" / f"{design}_cross_boundary_trust.png").stat().st_size > 1000


def test_sobol_analysis_of_an_unfinished_sweep_says_not_yet_run_not_failed(tmp_path):
    """Points that were simply not run yet are not called failed runs; the rest of the analysis
    is still written, and no Sobol indices are made from a partial design."""
    exp = write_experiment(tmp_path, name="partial", design="sobol", samples=4, factors=RANGES, replicates=1,
                           weeks=10, outputs={"weekly": [], "summary_weeks": 5})
    out = tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=5)
    rep = analyse(out)
    text = "\n".join(rep.lines)
    assert "Sobol indices need a finished run at every one of the 16 design points; not computed: " \
           "11 points not yet run" in text, text
    assert "fail" not in text.split("Sobol indices")[1], text
    assert not (out / "analysis" / "sobol.csv").exists()


def test_switch_timing_sweep_and_recovery(tmp_path):
    exp = write_experiment(tmp_path, name="switch", factors={"switch_week": {"levels": [1, 12, None]}},
                           switch={"to": "systems_leadership"}, replicates=2, weeks=40, common_random_numbers=True,
                           outputs={"weekly": ["cross_boundary_trust"], "summary_weeks": 8})
    out = tmp_path / "out"
    run_sweep(exp, out, processes=1)
    weekly = load_results(out, what="weekly")
    # runs switched at week 12 follow the never-switched runs exactly until the switch (same seeds)
    a = weekly[weekly["switch_week"] == 12].set_index(["replicate", "week"])["cross_boundary_trust"]
    b = weekly[weekly["switch_week"].isna()].set_index(["replicate", "week"])["cross_boundary_trust"]
    before = a.index.get_level_values("week") < 12
    pd.testing.assert_series_equal(a[before], b[before])
    assert not a[~before].equals(b[~before])
    rep = analyse(out)
    tab = rep.tables["recovery"]
    assert tab["switch_week"].tolist() == [12, "never"]
    assert (out / "analysis" / "recovery.png").is_file()
    assert any(line.startswith("- switch at week 12") for line in rep.lines)


def test_recovery_rule_on_a_planted_series():
    weeks = range(1, 101)
    rows = []
    for w in weeks:
        rows.append({"switch_week": 1, "week": w, "y": 1.0})
        rows.append({"switch_week": None, "week": w, "y": 0.0})
        # switched at 20: climbs back linearly from week 20 to week 60, then stays at the reference
        rows.append({"switch_week": 20, "week": w, "y": 0.0 if w < 20 else min(1.0, (w - 20) / 40)})
        # switched at 80: too late to get back
        rows.append({"switch_week": 80, "week": w, "y": 0.0 if w < 80 else (w - 80) / 100})
    tab = recovery(pd.DataFrame(rows), "y", tolerance=0.1, window=1).set_index("switch_week")
    assert tab.loc[20, "recovery_weeks"] == 36 and tab.loc[20, "fully_recovers"]  # 0.9 reached at week 56
    assert pd.isna(tab.loc[80, "recovery_weeks"]) and not tab.loc[80, "fully_recovers"]
    assert tab.loc["never", "gap_at_end"] == 1.0


@pytest.mark.slow  # a real sweep and its analysis
def test_scenario_discovery_on_a_real_sweep_finds_blame_behind_the_spiral(tmp_path):
    """A real grid over how leaders answer failure: the discovered regions (tree and PRIM) must
    put the retreat spiral where blame is high, and say so in the report."""
    exp = write_experiment(tmp_path, name="discover", scenario="default",
                           factors={"blame_response": {"range": [0.0, 1.0], "steps": 6},
                                    "budget_gap": {"levels": [-0.05, 0.05]}},
                           replicates=2, weeks=40, outputs={"weekly": [], "summary_weeks": 8},
                           analysis={"spiral": ["cross_boundary_trust falls"], "prim_threshold": 0.8})
    out = tmp_path / "out"
    run_sweep(exp, out, processes=2)
    rep = analyse(out)
    runs = load_results(out)
    assert 0 < len(rep.tables["points"]) and (out / "analysis" / "discovery_prim.png").is_file()
    boxes = rep.tables["prim"]
    assert not boxes.empty, "some region should have at least 80% of its runs in the spiral"
    lower = {f: thr for f, op, thr in boxes.iloc[0]["conditions"] if op == ">="}
    assert "blame_response" in lower and lower["blame_response"] > runs["blame_response"].min(), \
        "the first PRIM box should start above the lowest blame response: blame drives the spiral"
    assert any(line.startswith("Scenario discovery with PRIM") for line in rep.lines)
    assert pd.read_csv(out / "analysis" / "discovery_prim.csv")["density"].ge(0.8).all()


@pytest.mark.slow  # a real sweep and its analysis
def test_an_unfinished_grid_sweep_is_analysed_with_a_caution_first(tmp_path):
    exp = write_experiment(tmp_path, name="unfinished", weeks=10, outputs={"weekly": [], "summary_weeks": 5})
    out = tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=5)
    rep = analyse(out)
    caution = [line for line in rep.lines if "this sweep is unfinished" in line]
    assert caution and "5 of 12 runs are done" in caution[0], rep.lines[:4]
    assert rep.lines.index(caution[0]) < 3, "the caution comes before any finding"
    run_sweep(exp, out, processes=1)
    assert not any("unfinished" in line for line in analyse(out).lines), "a finished sweep has no caution"
