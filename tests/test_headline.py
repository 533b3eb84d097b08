"""The headline comparison: blame_culture against systems_leadership, over ten paired replicates
(the children of one seed sequence, so ten independent streams shared by the two scenarios).

Each expected direction is a one-sided paired t-test over the ten replicates' differences
(``paired.py``); the comparison's own interval (BCa by ``scipy.stats.bootstrap`` over the pairs)
must exclude zero for the headline outcome.
"""

from __future__ import annotations

import pytest
from paired import MIN_SEEDS, paired_direction
from profiles import STEADY

import slsim
from slsim.model.params import LEADERSHIP_FIELDS

REPLICATES = 10
assert REPLICATES >= MIN_SEEDS

# Twenty runs of 104 + 104 weeks at 5,000 citizens: the slow tier (the place's rules are in the fast tier).
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def headline():
    return slsim.compare(["blame_culture", "systems_leadership"], weeks=104, replicates=REPLICATES, seed=0,
                         params=STEADY, processes=1)


@pytest.fixture(scope="module")
def per_replicate(headline):
    """Each scenario's per-replicate summaries, indexed by replicate (the pairs)."""
    summ = headline.summary()
    return {sc: summ[summ["scenario"] == sc].set_index("replicate").sort_index() for sc in summ["scenario"].unique()}


# (outcome, +1 if systems leadership should be higher, -1 if lower, the expectation in words)
EXPECTATIONS = [
    ("delayed_transfers", -1, "systems leadership should have fewer delayed transfers"),
    ("cross_boundary_trust", +1, "systems leadership should have higher cross-boundary trust"),
    ("defensiveness", -1, "systems leadership should have lower defensiveness"),
    ("cross_boundary_time_share", +1, "systems leadership should spend more time across boundaries"),
    ("early_involvement_share", +1, "systems leadership should involve more citizens early"),
    ("electives_cancelled", -1, "systems leadership should cancel fewer electives"),
    ("psychological_safety", +1, "systems leadership should have higher psychological safety"),
    ("waiting_for_instruction_share", -1, "under systems leadership fewer staff should wait for instruction"),
    ("voice_heard_outsiders", +1, "systems leadership should hear more outsiders"),
    ("experiments_started", +1, "systems leadership should start more pilots"),
]


@slow
@pytest.mark.parametrize("outcome,sign,expectation", EXPECTATIONS, ids=[e[0] for e in EXPECTATIONS])
def test_systems_leadership_beats_blame_culture(per_replicate, outcome, sign, expectation):
    paired_direction(per_replicate["blame_culture"][outcome], per_replicate["systems_leadership"][outcome], sign,
                     expectation)


@slow
def test_delayed_transfers_difference_excludes_zero(headline):
    d = headline.differences(["delayed_transfers", "cross_boundary_trust"]).set_index("outcome")
    row = d.loc["delayed_transfers"]
    assert row["replicates"] == REPLICATES
    assert row["lo"] <= row["difference"] <= row["hi"]
    assert row["hi"] < 0, (f"the interval of the difference in delayed transfers should exclude zero: "
                           f"[{row['lo']:.3g}, {row['hi']:.3g}]")
    trust = d.loc["cross_boundary_trust"]
    assert trust["lo"] > 0, "the interval of the difference in trust should exclude zero"


@slow
def test_differences_are_paired_means_of_the_summaries(headline):
    summ = headline.summary().set_index(["scenario", "replicate"])
    d = headline.differences(["delayed_transfers"]).iloc[0]
    paired = (summ.loc["systems_leadership", "delayed_transfers"] - summ.loc["blame_culture", "delayed_transfers"])
    assert d["difference"] == pytest.approx(paired.mean())
    assert d["baseline"] == "blame_culture" and d["scenario"] == "systems_leadership"
    assert d["baseline_mean"] == pytest.approx(summ.loc["blame_culture", "delayed_transfers"].mean())


def test_headline_scenarios_share_the_place():
    blame = slsim.load_scenario(slsim.model.scenario.scenario_dir() / "blame_culture.yaml")
    systems = slsim.load_scenario(slsim.model.scenario.scenario_dir() / "systems_leadership.yaml")
    a, b = blame.params_with().model_dump(), systems.params_with().model_dump()
    differ = sorted(k for k in a if a[k] != b[k])
    assert differ, "the two scenarios must differ in leadership"
    assert set(differ) <= set(LEADERSHIP_FIELDS) | {"leadership_overrides"}, (
        "blame_culture and systems_leadership may differ only in leadership, "
        f"not in {set(differ) - set(LEADERSHIP_FIELDS)}")
    assert not blame.timeline and not systems.timeline, "no timeline events that could change money or demand"


def test_every_scenario_is_the_default_place_plus_named_changes():
    # Every scenario's place (money, demand, capacity, staff numbers) equals the default's unless the
    # scenario names the change in its own params or timeline: nothing hides in defaults.
    default = slsim.model.scenario.resolve_scenario("default").params_with().model_dump()
    for name in slsim.list_scenarios():
        sc = slsim.model.scenario.resolve_scenario(name)
        params = sc.params_with().model_dump()
        changed = {k for k in params if params[k] != default[k]}
        assert changed <= set(sc.params), f"{name}: {changed - set(sc.params)} differ from default unannounced"


@slow
def test_safer_cultures_report_a_larger_share_of_incidents(per_replicate):
    # Edmondson (1996): better-led units report more of their errors, so reported incidents are not a
    # measure of harm. Systems leadership should report a larger share of what actually happened.
    share = {sc: f["incidents_reported"] / f["incidents_actual"] for sc, f in per_replicate.items()}
    paired_direction(share["blame_culture"], share["systems_leadership"], +1,
                     "systems leadership should report a larger share of its incidents")
