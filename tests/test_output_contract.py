"""The output column contract: slsim.OUTCOMES names, id columns, one row per week."""

from __future__ import annotations

import pytest
from profiles import COLD

import slsim

CONTRACT = [
    # thinking
    "systems_mindset", "defensiveness", "psychological_safety", "cross_boundary_trust",
    # behaving
    "cross_boundary_time_share", "early_involvement_share", "blame_events", "experiments_started",
    "experiments_scaled", "waiting_for_instruction_share",
    # on the ground
    "delayed_transfers", "delayed_bed_days", "bed_occupancy", "elective_waiting_list", "electives_cancelled",
    "home_care_minutes_per_visit", "short_visit_share", "unmet_need", "wellbeing",
    "voice_heard_outsiders", "voice_heard_insiders",
    "staff_turnover_rate", "vacancy_rate", "cumulative_deficit", "incidents_actual", "incidents_reported",
]
LEVELS = {"thinking": CONTRACT[:4], "behaving": CONTRACT[4:10], "ground": CONTRACT[10:]}


def test_contract_names_are_pinned():
    assert len(CONTRACT) == 26
    assert list(slsim.OUTCOMES) == CONTRACT, "slsim.OUTCOMES must be exactly the 26 contract names, in order"


def test_contract_levels():
    for name, (level, unit, description) in slsim.OUTCOMES.items():
        assert name in LEVELS[level], f"{name} is filed under the wrong level {level!r}"
        assert unit and description, f"{name} needs a unit and a description"


def test_model_results_have_every_outcome_one_row_per_week():
    model = slsim.SystemModel(n_citizens=300, rng=3, **COLD)
    for _ in range(7):
        model.step()
    df = model.results()
    missing = [c for c in CONTRACT if c not in df.columns]
    assert not missing, f"model.results() lacks contract columns {missing}"
    assert len(df) == 7
    assert df["week"].tolist() == list(range(1, 8)), "one row per week, weeks 1..N"
    assert not df[CONTRACT].isna().any().any(), "no contract column may be missing a value"


def test_run_frame_has_ids_and_every_outcome():
    res = slsim.run("default", weeks=6, replicates=2, seed=4, params={"n_citizens": 300, **COLD}, processes=1)
    df = res.frame
    assert list(df.columns[:4]) == ["scenario", "replicate", "seed", "week"], "id columns come first"
    missing = [c for c in CONTRACT if c not in df.columns]
    assert not missing, f"run frame lacks contract columns {missing}"
    assert len(df) == 2 * 6, "one row per replicate and week"
    for r, g in df.groupby("replicate"):
        assert g["week"].tolist() == list(range(1, 7)), f"replicate {r}: weeks 1..N in order"
        assert g["seed"].nunique() == 1
    assert set(df["scenario"]) == {"default"}
    assert df.groupby("replicate")["seed"].first().nunique() == 2, "replicates have their own seeds"


def test_summary_covers_every_outcome():
    res = slsim.run("default", weeks=8, replicates=2, params={"n_citizens": 300, **COLD}, processes=1)
    summ = res.summary(weeks=4)
    assert len(summ) == 2
    for c in CONTRACT:
        expect = res.frame[res.frame["week"] > 4].groupby("replicate")[c].mean()
        assert summ.set_index("replicate")[c].to_numpy() == pytest.approx(expect.to_numpy()), c


def test_every_outcome_documented_in_model_doc():
    from pathlib import Path
    doc = Path(__file__).resolve().parents[1] / "docs" / "model.md"
    if not doc.is_file():
        pytest.skip("docs/model.md not written yet")
    text = doc.read_text(encoding="utf-8")
    missing = [name for name in CONTRACT if name not in text]
    assert not missing, f"docs/model.md must define these outcomes and their units: {missing}"
