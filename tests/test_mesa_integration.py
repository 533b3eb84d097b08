"""Mesa's own tools drive SystemModel as they drive Mesa's examples."""

from __future__ import annotations

import mesa
import pandas as pd
from profiles import COLD

import slsim


def test_batch_run_returns_outcome_columns():
    rows = mesa.batch_run(slsim.SystemModel,
                          parameters={"n_citizens": 500, "scenario": ["blame_culture", "systems_leadership"], **COLD},
                          rng=[1], max_steps=10, number_processes=1, data_collection_period=-1,
                          display_progress=False)
    assert len(rows) == 2, "one row per scenario at the last step"
    df = pd.DataFrame(rows)
    missing = [c for c in slsim.OUTCOMES if c not in df.columns]
    assert not missing, f"batch_run rows lack {missing}"
    assert set(df["scenario"]) == {"blame_culture", "systems_leadership"}
    assert (df["week"] == 10).all() and (df["Step"] == 10).all()
    # The same numbers as the model run directly with that seed.
    direct = slsim.SystemModel("systems_leadership", n_citizens=500, rng=1, **COLD)
    for _ in range(10):
        direct.step()
    last = direct.results().iloc[-1]
    row = df[df["scenario"] == "systems_leadership"].iloc[0]
    for c in slsim.OUTCOMES:
        assert row[c] == last[c], c


def test_batch_run_every_step_and_parameter_grid():
    rows = mesa.batch_run(slsim.SystemModel, parameters={"n_citizens": 300, "blame_response": [0.1, 0.9], **COLD},
                          rng=[1, 2], max_steps=4, number_processes=1, data_collection_period=1,
                          display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 4, "2 values x 2 seeds x 4 weeks"
    assert set(df["blame_response"]) == {0.1, 0.9}
    assert (df["Step"] == df["week"]).all(), "Mesa's step count is the week"
    for _, g in df.groupby("RunId"):
        assert g["week"].tolist() == [1, 2, 3, 4]


def test_datacollector_is_a_mesa_datacollector_one_row_per_week():
    m = slsim.SystemModel(n_citizens=300, rng=0, **COLD)
    assert isinstance(m, mesa.Model)
    assert isinstance(m.datacollector, mesa.DataCollector)
    for _ in range(5):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 5 and df["week"].tolist() == [1, 2, 3, 4, 5]


def test_model_runs_with_mesa_run_for():
    m = slsim.SystemModel(n_citizens=300, rng=0, **COLD)
    m.run_for(3)
    assert m.week == 3 and len(m.results()) == 3


def test_batch_run_with_bad_parameters_raises_parameter_error():
    import pytest
    with pytest.raises(slsim.ParameterError, match="n_citizens"):
        mesa.batch_run(slsim.SystemModel, parameters={"n_citizens": [-5]}, rng=[1], max_steps=2,
                       number_processes=1, display_progress=False)


def test_solaraviz_renders_the_model_with_plot_components():
    # Mesa's own browser front end must accept the model as it accepts Mesa's examples: a page
    # with a plot of an outcome column and a model parameter renders without error.
    import pytest
    solara = pytest.importorskip("solara")
    from mesa.visualization import SolaraViz, make_plot_component

    m = slsim.SystemModel(n_citizens=300, rng=0, **COLD)
    page = SolaraViz(m, components=[make_plot_component("delayed_transfers")],
                     model_params={"n_citizens": {"type": "SliderInt", "value": 300, "min": 100, "max": 1000,
                                                  "step": 100, "label": "citizens"}},
                     name="slsim")
    box, _ = solara.render(page, handle_error=False)
    assert box is not None
