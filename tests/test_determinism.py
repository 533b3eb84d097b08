"""Determinism: same seed, identical results; different seeds differ; parallel equals serial;
compared scenarios share their replicate seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from profiles import COLD

import slsim
from slsim.results.runner import replicate_seeds


def _frame(seed, scenario=None, weeks=30, n=800, **params):
    model = slsim.SystemModel(scenario, rng=seed, n_citizens=n, **(COLD | params))
    for _ in range(weeks):
        model.step()
    return model.results()


@pytest.mark.parametrize("scenario", ["default", "switch_to_systems_leadership"])
def test_same_seed_identical_model_frames(scenario):
    a = _frame(11, scenario, weeks=55)  # past the week-52 switch
    b = _frame(11, scenario, weeks=55)
    pd.testing.assert_frame_equal(a, b)


def test_same_seed_identical_state_not_just_outcomes():
    m1 = slsim.SystemModel(n_citizens=600, rng=5, **COLD)
    m2 = slsim.SystemModel(n_citizens=600, rng=5, **COLD)
    for _ in range(20):
        m1.step()
        m2.step()
    for col in m1.citizens.columns:
        np.testing.assert_array_equal(getattr(m1.citizens, col), getattr(m2.citizens, col), err_msg=col)
    for col in m1.staff.columns:
        np.testing.assert_array_equal(getattr(m1.staff, col), getattr(m2.staff, col), err_msg=col)
    np.testing.assert_array_equal(m1.trust, m2.trust)
    assert m1.events == m2.events


def test_different_seeds_differ():
    a = _frame(1)
    b = _frame(2)
    assert not a.equals(b), "different seeds should give different runs"
    # Not only one column by chance: several outcomes differ.
    differing = [c for c in slsim.OUTCOMES if not np.array_equal(a[c].to_numpy(), b[c].to_numpy())]
    assert len(differing) >= 10, f"only {differing} differ between seeds 1 and 2"


def test_unseeded_models_differ():
    a = slsim.SystemModel(n_citizens=300, **COLD)
    b = slsim.SystemModel(n_citizens=300, **COLD)
    assert a.seed != b.seed or not np.array_equal(a.citizens.health_need, b.citizens.health_need)


def test_run_same_seed_identical():
    kw = dict(weeks=12, replicates=2, seed=7, params={"n_citizens": 500, **COLD}, processes=1)
    a = slsim.run("default", **kw).frame
    b = slsim.run("default", **kw).frame
    pd.testing.assert_frame_equal(a, b)
    c = slsim.run("default", **(kw | {"seed": 8})).frame
    assert not a.drop(columns="seed").equals(c.drop(columns="seed")), "a different run seed changes the results"


def test_run_replicate_equals_model_with_its_seed():
    res = slsim.run("blame_culture", weeks=10, replicates=2, seed=3, params={"n_citizens": 500, **COLD}, processes=1)
    for r, g in res.frame.groupby("replicate"):
        seed = int(g["seed"].iloc[0])
        direct = _frame(seed, "blame_culture", weeks=10, n=500)
        got = g.drop(columns=["scenario", "replicate", "seed"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, direct.reset_index(drop=True), check_dtype=False)


def test_parallel_equals_serial(tmp_path):
    # A scenario file with a timeline, plus an extra event: everything a worker process must receive.
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ntitle: Mine\nnarrative: A place.\nextends: blame_culture\n"
                    "timeline:\n  - week: 4\n    adopt: systems_leadership\n", encoding="utf-8")
    kw = dict(weeks=10, replicates=3, seed=21, params={"n_citizens": 400, **COLD},
              timeline=[{"week": 6, "set": {"crisis_rate": 0.05}}])
    serial = slsim.run(str(path), processes=1, **kw).frame
    parallel = slsim.run(str(path), processes=2, **kw).frame
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial["scenario"].eq("mine").all()


def test_each_process_has_its_own_random_stream():
    # Changing how often incidents happen (the failures process, late in the week) must not change
    # the random draws of the processes before it in the first week.
    # (No burn-in: the burn-in's own failures would change every stream's state at week 1.)
    a = slsim.SystemModel(rng=12, n_citizens=1000, burn_in_weeks=0)
    b = slsim.SystemModel(rng=12, n_citizens=1000, incident_rate=0.09, burn_in_weeks=0)
    a.step()
    b.step()
    for key in ("crises", "emergency_admissions", "delayed_transfers", "joint_work_wins", "electives_cancelled",
                "home_care_clients", "voice_heard_insiders"):
        assert a.w[key] == b.w[key], f"{key} differs although only the failures process changed"
    assert a.w["incidents_actual"] != b.w["incidents_actual"]


def test_compare_uses_the_same_seeds_for_each_scenario():
    cmp_ = slsim.compare(["blame_culture", "systems_leadership"], weeks=5, replicates=3, seed=9,
                         params={"n_citizens": 300, **COLD}, processes=1)
    seeds = cmp_.frame.groupby(["scenario", "replicate"])["seed"].first().unstack("scenario")
    assert (seeds["blame_culture"] == seeds["systems_leadership"]).all(), "replicate r must share its seed"
    assert seeds["blame_culture"].nunique() == 3
    assert list(seeds["blame_culture"]) == replicate_seeds(9, 3)


def test_compared_scenarios_start_from_the_same_place():
    # Common random numbers: with the same seed, blame_culture and systems_leadership start with the
    # same citizens, the same staff and the same money; only leadership differs.
    a = slsim.SystemModel("blame_culture", rng=4, n_citizens=1000, **COLD)
    b = slsim.SystemModel("systems_leadership", rng=4, n_citizens=1000, **COLD)
    for col in ("health_need", "care_need", "outsider", "place", "beliefs"):
        np.testing.assert_array_equal(getattr(a.citizens, col), getattr(b.citizens, col), err_msg=col)
    for col in ("org", "role", "defensiveness", "mindset", "agency", "stress", "beliefs"):
        np.testing.assert_array_equal(getattr(a.staff, col), getattr(b.staff, col), err_msg=col)
    np.testing.assert_array_equal(a.orgs.budget0, b.orgs.budget0)
    assert (a.beds, a.step_down_places, a.care_home_places) == (b.beds, b.step_down_places, b.care_home_places)
