"""The run layer's tidy results: replicate seeds, summaries, bands and figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from profiles import COLD

import slsim
from slsim.results.runner import replicate_seeds


@pytest.fixture(scope="module")
def results():
    return slsim.compare(["late_consultation", "early_involvement"], weeks=12, replicates=4, seed=5,
                         params={"n_citizens": 400, **COLD}, processes=1)


def test_replicate_seeds_grow_without_changing_the_first_ones():
    assert replicate_seeds(3, 5)[:2] == replicate_seeds(3, 2), "adding replicates keeps the earlier ones"
    assert len(set(replicate_seeds(3, 50))) == 50
    assert replicate_seeds(3, 2) != replicate_seeds(4, 2)


def test_more_replicates_extend_a_run_without_changing_it():
    kw = dict(weeks=5, seed=2, params={"n_citizens": 300, **COLD}, processes=1)
    two = slsim.run("default", replicates=2, **kw).frame
    three = slsim.run("default", replicates=3, **kw).frame
    pd.testing.assert_frame_equal(two, three[three["replicate"] < 2].reset_index(drop=True))


def test_band_is_median_and_quantiles_across_replicates(results):
    band = results.band("voice_heard_insiders")
    assert set(band["scenario"]) == {"late_consultation", "early_involvement"}
    assert len(band) == 2 * 12
    assert (band["lo"] <= band["median"]).all() and (band["median"] <= band["hi"]).all()
    week5 = results.frame[(results.frame["week"] == 5) & (results.frame["scenario"] == "early_involvement")]
    row = band[(band["week"] == 5) & (band["scenario"] == "early_involvement")].iloc[0]
    assert row["median"] == pytest.approx(week5["voice_heard_insiders"].median())


def test_smoothed_band_is_a_rolling_mean(results):
    raw = results.frame
    band = results.band("crises", smooth=4)
    g = raw[raw["scenario"] == "late_consultation"].sort_values(["replicate", "week"])
    rolled = g.groupby("replicate")["crises"].transform(lambda s: s.rolling(4, min_periods=1).mean())
    expect = rolled.groupby(g["week"]).median()
    got = band[band["scenario"] == "late_consultation"].set_index("week")["median"]
    np.testing.assert_allclose(got.sort_index().to_numpy(), expect.sort_index().to_numpy())


def test_meta_records_what_made_the_results(results):
    meta = results.meta
    assert meta["scenarios"] == ["late_consultation", "early_involvement"]
    assert meta["seed"] == 5 and meta["replicates"] == 4 and meta["weeks"] == 12
    assert meta["replicate_seeds"] == replicate_seeds(5, 4)
    assert meta["slsim_version"] == slsim.__version__
    assert meta["scenario_params"]["early_involvement"]["citizen_involvement"] == \
        slsim.model.scenario.resolve_scenario("early_involvement").params["citizen_involvement"]
    assert meta["scenario_params"]["early_involvement"]["n_citizens"] == 400


def test_plot_draws_one_panel_per_outcome_with_a_line_per_scenario(results):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    outcomes = ["cross_boundary_trust", "delayed_transfers", "voice_heard_outsiders", "wellbeing"]
    fig = results.plot(outcomes)
    titled = [ax for ax in fig.axes if ax.get_title()]
    titles = [ax.get_title() for ax in titled]
    for o in outcomes:
        assert sum(o.replace("_", " ") in t for t in titles) == 1, f"one panel for {o}: {titles}"
    for ax in titled:
        assert len(ax.lines) >= 2, f"{ax.get_title()}: one line per scenario"
    plt.close(fig)


def test_the_paired_interval_resamples_pairs_and_covers_the_mean_difference():
    from slsim.results.runner import _paired_interval
    rng = np.random.default_rng(2)
    shared = rng.normal(0, 5, 10)  # seed-to-seed noise both scenarios share (common random numbers)
    base, other = 20 + shared, 17 + shared + rng.normal(0, 0.3, 10)
    lo, hi, plo, phi = _paired_interval(np.c_[base, other], 0.90)
    diff = (other - base).mean()
    assert lo < diff < hi and hi < 0, "the interval of a clear fall lies below zero around the mean difference"
    assert hi - lo < 1.0, "pairs are resampled together, so the shared noise (sd 5) does not widen the interval"
    assert plo < 100 * diff / base.mean() < phi < 0
    same = _paired_interval(np.c_[base, base], 0.90)
    assert same == (0.0, 0.0, 0.0, 0.0), "no difference in any pair: a zero-width interval at zero"


@pytest.mark.parametrize("baseline,defined", [([0, 0, 0, 0], False), ([0, 0, 1, 0], False),
                                              ([-1, 2, 1, 0], False), ([10, 11, 9, 10], True)])
def test_a_percentage_change_needs_a_baseline_clearly_above_zero(baseline, defined):
    from slsim.results.runner import _paired_interval, percent_defined
    assert percent_defined(np.array(baseline, float), 0.90) is defined
    b = np.array(baseline, float)
    _, _, plo, phi = _paired_interval(np.c_[b, b + 1], 0.90)
    assert (plo == plo) is defined, "no percentage interval where the percentage is not defined"


def test_the_percentage_interval_agrees_with_the_delta_method_on_a_known_case():
    # 400 pairs, scenario = 1.2 x baseline + noise: the true change is +20%, and with this many pairs
    # BCa and the delta method of a ratio of means must agree closely and cover it.
    from slsim.results.runner import _delta_percent, _paired_interval
    rng = np.random.default_rng(1)
    b = rng.normal(10, 1, 400)
    o = 1.2 * b + rng.normal(0, 1, 400)
    _, _, plo, phi = _paired_interval(np.c_[b, o], 0.90)
    dlo, dhi = _delta_percent(b, o, 0.90)
    assert plo < 20 < phi and abs(plo - dlo) < 0.1 and abs(phi - dhi) < 0.1, (plo, phi, dlo, dhi)


def test_resamples_of_an_all_zero_baseline_do_not_collapse_the_percentage_interval():
    # Three of eight baselines are 0: a few of 4,000 resamples draw only those, whose percentage is
    # undefined. The interval must still be an interval around the point estimate (it once collapsed
    # to the point: "+133%, 90% interval +133% to +133%"), from the delta method.
    from slsim.results.runner import _delta_percent, _paired_interval
    b = np.array([0, 0, 0, 5, 5, 5, 5, 5], float)
    o = b + 1
    _, _, plo, phi = _paired_interval(np.c_[b, o], 0.90)
    point = 100 * (o.mean() / b.mean() - 1)
    assert plo < point < phi and np.isfinite([plo, phi]).all()
    assert (plo, phi) == pytest.approx(_delta_percent(b, o, 0.90))
