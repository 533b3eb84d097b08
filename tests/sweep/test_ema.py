"""EMA Workbench drives slsim (slsim.tools.sweep.ema): the interface exploratory modellers know."""

from __future__ import annotations

import pytest

import slsim
from slsim.model.params import ParameterError, parameter_table

ema = pytest.importorskip("ema_workbench")
from slsim.tools.sweep.ema import ema_model  # noqa: E402

FIXED = {"n_citizens": 300, "burn_in_weeks": 0}


def test_ema_runs_a_tiny_experiment_with_slsims_own_numbers():
    model = ema_model(["blame_response", "shared_ambition"], outcomes=["cross_boundary_trust", "delayed_transfers"],
                      weeks=8, seed=3, params=FIXED)
    experiments, outcomes = ema.perform_experiments(model, scenarios=3, evaluator=ema.SequentialEvaluator(model))
    assert len(experiments) == 3 and set(outcomes) == {"cross_boundary_trust", "delayed_transfers"}
    assert experiments["blame_response"].between(0, 1).all()
    assert experiments["blame_response"].nunique() == 3, "EMA's sampler chooses each experiment's values"
    # Each experiment is the run slsim gives for those parameters (same seed: common random numbers).
    for i in (0, 2):
        row = experiments.iloc[i]
        varied = {"blame_response": float(row["blame_response"]), "shared_ambition": float(row["shared_ambition"])}
        own = slsim.run("default", weeks=8, seed=3, params={**FIXED, **varied}, processes=1).summary().iloc[0]
        assert outcomes["cross_boundary_trust"][i] == own["cross_boundary_trust"]


def test_uncertainties_take_slsims_declared_ranges_unless_given():
    row = {r["name"]: r for r in parameter_table()}["social_care_budget_level"]
    model = ema_model({"social_care_budget_level": None, "blame_response": (0.2, 0.9)})
    unc = {u.name: u for u in model.uncertainties}
    assert (unc["social_care_budget_level"].lower_bound, unc["social_care_budget_level"].upper_bound) == \
        (row["min"], row["max"])
    assert (unc["blame_response"].lower_bound, unc["blame_response"].upper_bound) == (0.2, 0.9)


@pytest.mark.parametrize("kwargs,words", [({"uncertainties": ["no_such"]}, "unknown parameter 'no_such'"),
                                          ({"uncertainties": ["ceding"], "outcomes": ["nope"]}, "unknown outcome")])
def test_bad_names_fail_in_one_line(kwargs, words):
    with pytest.raises(ParameterError, match=words):
        ema_model(**kwargs)
