"""The scenario library: every file is complete and valid, timelines fire in the right week, and
each scenario does what its narrative says (paired seeds against the scenario it changes)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from paired import SEEDS, paired_direction
from profiles import BURN_INS, COLD, STEADY

import slsim
from slsim.model.params import LEADERSHIP_FIELDS
from slsim.model.scenario import resolve_scenario, scenario_dir

REQUIRED = ["default", "blame_culture", "systems_leadership", "switch_to_systems_leadership", "austerity_cut",
            "winter_surge", "late_consultation", "early_involvement", "partial_adoption"]
WEEKS = 80
N = 1500


@functools.lru_cache(maxsize=None)
def frames(scenario: str, seeds: tuple = SEEDS) -> pd.DataFrame:
    out = []
    for seed in seeds:
        m = slsim.SystemModel(scenario, rng=seed, n_citizens=N, burn_in_cache=BURN_INS, **STEADY)
        for _ in range(WEEKS):
            m.step()
        df = m.results()
        df["seed"] = seed
        out.append(df)
    return pd.concat(out, ignore_index=True)


def window(scenario, outcome, lo, hi):
    df = frames(scenario)
    return df[(df["week"] >= lo) & (df["week"] <= hi)].groupby("seed")[outcome].mean()


def style(name):
    return {k: v for k, v in resolve_scenario(name).params_with().model_dump().items() if k in LEADERSHIP_FIELDS}


# ---------------------------------------------------------------- the library itself
def test_required_scenarios_exist():
    missing = [n for n in REQUIRED if n not in slsim.list_scenarios()]
    assert not missing, f"the scenario library lacks {missing}"


@pytest.mark.parametrize("name", slsim.list_scenarios())
def test_scenario_file_is_complete(name):
    sc = resolve_scenario(name)
    assert sc.name == name, "the name inside the file matches the file name"
    assert sc.title.strip()
    assert len(sc.narrative.split()) >= 30, "a narrative a trainer can read aloud"
    assert sc.path is not None and sc.path.parent.resolve() == scenario_dir().resolve()
    sc.params_with()  # valid


def test_late_and_early_involvement_differ_only_in_involvement():
    a = resolve_scenario("late_consultation").params_with().model_dump()
    b = resolve_scenario("early_involvement").params_with().model_dump()
    assert {k for k in a if a[k] != b[k]} == {"citizen_involvement"}
    assert a["citizen_involvement"] < b["citizen_involvement"]


def test_partial_adoption_only_some_organisations_lead_as_a_system():
    m = slsim.SystemModel("partial_adoption", n_citizens=300, rng=0, **COLD)
    blame, systems = style("blame_culture"), style("systems_leadership")
    for org in m.organisations:
        expected = systems if org.kind in ("social_care", "community") else blame
        assert org.style == pytest.approx(expected), f"{org.kind} leads in the wrong style"


# ---------------------------------------------------------------- timelines fire in their week
def _params_by_week(name, weeks, field):
    m = slsim.SystemModel(name, n_citizens=300, rng=0, **COLD)
    values = []
    for _ in range(weeks):
        m.step()
        values.append(getattr(m.params, field))
    return values, m


def test_switch_happens_at_week_52():
    values, m = _params_by_week("switch_to_systems_leadership", 53, "blame_response")
    assert values[:51] == [style("blame_culture")["blame_response"]] * 51
    assert values[51:] == [style("systems_leadership")["blame_response"]] * 2, "from week 52 on"
    for name, value in style("systems_leadership").items():
        assert getattr(m.params, name) == value
    assert any(week == 52 and kind == "timeline" for week, kind, _, _ in m.events), "the switch is in the event log"


def test_winter_surge_comes_and_goes():
    values, _ = _params_by_week("winter_surge", 40, "crisis_surge")
    base = resolve_scenario("default").params_with().crisis_surge
    assert values[:19] == [base] * 19
    assert all(v > base for v in values[19:32]), "weeks 20-32: more crises"
    assert values[32:] == [base] * 8, "from week 33: back to normal"


def test_austerity_cut_from_week_13():
    values, _ = _params_by_week("austerity_cut", 15, "social_care_budget_level")
    cut = slsim.load_scenario("scenarios/austerity_cut.yaml").timeline[0].set["social_care_budget_level"]
    assert cut < 1
    assert values[:12] == [1.0] * 12 and values[12:] == [cut] * 3


# ---------------------------------------------------------------- what each scenario does
def test_same_seed_identical_until_the_timeline_changes_something():
    # Common random numbers: a scenario that differs from another only from week N on is identical
    # to it, seed by seed, before week N.
    # (austerity_cut also changes the yearly trend of social care money from week 1, so it is not here.)
    for a, b, week in (("blame_culture", "switch_to_systems_leadership", 52), ("default", "winter_surge", 20)):
        fa, fb = frames(a, seeds=SEEDS[:2]), frames(b, seeds=SEEDS[:2])
        before = list(slsim.OUTCOMES)
        pd.testing.assert_frame_equal(fa[fa["week"] < week][before], fb[fb["week"] < week][before])
        after = fa[fa["week"] >= week + 4][before].to_numpy(), fb[fb["week"] >= week + 4][before].to_numpy()
        assert not np.array_equal(*after), f"{b} should differ from {a} after week {week}"


# The science of each scenario: eight paired seeds, one-sided paired t-tests (tests/paired.py).
@pytest.mark.slow
def test_switch_to_systems_leadership_rebuilds_trust():
    paired_direction(window("blame_culture", "cross_boundary_trust", 70, 80),
                     window("switch_to_systems_leadership", "cross_boundary_trust", 70, 80), +1,
                     "after the switch, trust should recover above the blame culture's")


@pytest.mark.slow
def test_switch_lowers_waiting_for_instruction():
    paired_direction(window("blame_culture", "waiting_for_instruction_share", 70, 80),
                     window("switch_to_systems_leadership", "waiting_for_instruction_share", 70, 80), -1,
                     "after the switch fewer staff should wait for instruction")


@pytest.mark.slow
def test_winter_surge_cancels_electives():
    # (Not bed occupancy: the default hospital already runs at 95-100%, so a cap leaves no room to show.)
    for outcome in ("crises", "electives_cancelled"):
        paired_direction(window("default", outcome, 20, 32), window("winter_surge", outcome, 20, 32), +1,
                         f"a winter surge should raise {outcome} in weeks 20-32")


@pytest.mark.slow
def test_after_winter_the_cancelled_operations_are_still_waiting():
    # the narrative: the operations cancelled in winter are still on the list well into spring
    # (the default place's size: in a small place the list is too short to show it)
    f = slsim.compare(["default", "winter_surge"], weeks=60, replicates=len(SEEDS), seed=11, processes=1,
                      params=COLD).frame
    spring = f[f["week"].between(40, 60)].groupby(["scenario", "replicate"])["elective_waiting_list"].mean()
    paired_direction(spring["default"], spring["winter_surge"], +1,
                     "weeks 40-60: the waiting list should stay longer after winter")


@pytest.mark.slow
def test_austerity_cut_travels_upstream(means):
    # A small effect (about +5% at 10,000 citizens): measured on a place large enough to see it, over
    # twelve seeds. Unmet need at home barely moves (+3%, not distinguishable from seed noise over
    # twelve seeds): the council rations by eligibility and shortens visits rather than leaving
    # need unmet, which the narrative and docs/model.md say.
    late_means = means
    base = late_means("default", seeds=range(1, 13), weeks=104, n_citizens=10000, last=52)
    cut = late_means("austerity_cut", seeds=range(1, 13), weeks=104, n_citizens=10000, last=52)
    paired_direction(base["delayed_transfers"], cut["delayed_transfers"], +1,
                     "a social care cut should raise delayed transfers in the hospital, a little")
    base = window("default", "home_care_minutes_per_visit", 26, 80)
    cut = window("austerity_cut", "home_care_minutes_per_visit", 26, 80)
    paired_direction(base, cut, -1, "a social care cut should shorten home-care visits")
    assert cut.mean() < 0.95 * base.mean(), "by more than 5%"


@pytest.mark.slow
def test_early_involvement_hears_outsiders():
    for outcome in ("voice_heard_outsiders", "early_involvement_share"):
        paired_direction(window("late_consultation", outcome, 40, 80), window("early_involvement", outcome, 40, 80),
                         +1, f"involving citizens early should raise {outcome}")


@pytest.mark.slow
def test_partial_adoption_lies_between_blame_and_systems(means):
    # At the demo place's size: at 1,500 citizens (the other scenario tests') each organisation's
    # trust swings with a handful of joint pieces of work, and the gap is within that noise.
    late = {name: means(name, seeds=SEEDS, weeks=80, n_citizens=5000, last=26)["cross_boundary_trust"]
            for name in ("blame_culture", "partial_adoption", "systems_leadership")}
    blame, partial, systems = late["blame_culture"], late["partial_adoption"], late["systems_leadership"]
    what = "trust with only some organisations leading as a system should lie between the blame culture's and " \
           "full systems leadership's"
    paired_direction(blame, partial, +1, what + " (above blame)")
    paired_direction(partial, systems, +1, what + " (below systems)")
