"""Invariants that must hold every week of every built-in scenario."""

from __future__ import annotations

import numpy as np
import pytest
from profiles import COLD

import slsim
from slsim.model.params import NHS_FUNDED
from slsim.model.population import ACUTE, CARE_HOME, DELAYED, ELECTIVE, HOME, STEP_DOWN, TIME_USES

WEEKS = 60  # past the timeline events of every scenario (weeks 13, 20, 33, 52)
N = 1500

# Outcomes that are shares or 0-1 scores (units in slsim.OUTCOMES).
SHARES = ["systems_mindset", "defensiveness", "psychological_safety", "cross_boundary_trust",
          "cross_boundary_time_share", "early_involvement_share", "waiting_for_instruction_share",
          "bed_occupancy", "short_visit_share", "unmet_need", "wellbeing",
          "voice_heard_outsiders", "voice_heard_insiders",
          "vacancy_rate"]


def test_share_list_matches_units():
    by_unit = [n for n, (_, unit, _) in slsim.OUTCOMES.items() if unit == "0-1" or unit.startswith("share")]
    assert sorted(by_unit) == sorted(SHARES)


def _check_week(model, balance_before):
    c, s, p, w = model.citizens, model.staff, model.params, model.w
    n = model.params.n_citizens
    # citizens conserved, places valid
    assert c.n == n
    for col in c.columns:
        assert len(getattr(c, col)) == n, f"citizen column {col} changed size"
    assert c.place.min() >= 0 and c.place.max() <= 5, "every place code is one of the six places"
    # capacity
    in_bed = int(np.isin(c.place, (ACUTE, DELAYED, ELECTIVE)).sum())
    assert in_bed <= model.beds, f"week {model.week}: {in_bed} in beds, only {model.beds} beds"
    assert int((c.place == STEP_DOWN).sum()) <= model.step_down_places, f"week {model.week}: step-down over capacity"
    assert int((c.place == CARE_HOME).sum()) <= model.care_home_places, f"week {model.week}: care homes over capacity"
    assert w["delayed_transfers"] >= int((c.place == DELAYED).sum()), \
        "delayed transfers on an average day count at least those still delayed at the end of the week"
    assert w["delayed_share_of_beds"] == pytest.approx(w["delayed_transfers"] / model.beds)
    assert w["delayed_bed_days"] == 7 * w["delayed_transfers"]
    assert 0 <= w["bed_occupancy"] <= 1
    assert w["bed_occupancy"] == pytest.approx(in_bed / model.beds), "occupancy counts each patient once"
    # citizens' scores
    for col in ("health_need", "care_need", "wellbeing", "satisfaction"):
        v = getattr(c, col)
        assert v.min() >= 0 and v.max() <= 1, f"citizen {col} outside [0, 1]"
    assert not (c.waiting & np.isin(c.place, (ELECTIVE,))).any(), "nobody is on the list while in for their elective"
    assert not (c.home_care & (c.place != HOME)).any(), "home-care clients live at home"
    # staff
    t = s.time
    assert t.shape[1] == len(TIME_USES)
    np.testing.assert_allclose(t.sum(axis=1), 1.0, atol=1e-12, err_msg="time shares sum to 1")
    assert t.min() >= 0 and t.max() <= 1, "each time share within [0, 1]"
    for col in ("stress", "defensiveness", "mindset", "agency"):
        v = getattr(s, col)
        assert v.min() >= 0 and v.max() <= 1, f"staff {col} outside [0, 1]"
    # organisations and network
    assert model.trust.min() >= 0 and model.trust.max() <= 1
    assert model.orgs.psych_safety.min() >= 0 and model.orgs.psych_safety.max() <= 1
    assert np.all(np.diff(model.tie_keys) > 0), "tie keys sorted and unique"
    assert model.tie_w.size == 0 or (model.tie_w.min() > 0 and model.tie_w.max() <= 1)
    # capacities and queues never negative
    assert model.discharge_capacity >= 0 and model.joint_case_capacity >= 0
    assert model.home_care_headroom >= 0 and model.home_care_budget_hours >= 0
    assert model.care_home_affordable >= 0
    assert 0.3 <= model.elig_threshold <= 0.95
    # incidents
    assert 0 <= w["incidents_reported"] <= w["incidents_actual"]
    # money: the balance moves by budget minus spend; pooling moves money, not creates it
    orgs = model.orgs
    years = model.week / 52
    growth = np.where(NHS_FUNDED, 1 + p.nhs_budget_change_per_year, 1 + p.social_care_budget_change_per_year)
    level = np.where(NHS_FUNDED, p.nhs_budget_level, p.social_care_budget_level)
    np.testing.assert_allclose(orgs.budget, orgs.budget0 * growth ** years * level, rtol=1e-12)
    budget = orgs.budget.copy()
    if p.pooled_budget:
        pool = p.pooled_share * budget[0]
        budget[0] -= pool
        budget[2] += pool
        assert budget.sum() == pytest.approx(orgs.budget.sum()), "the pool moves money, the total is unchanged"
    np.testing.assert_allclose(orgs.balance - balance_before, budget - orgs.spend, rtol=1e-9, atol=1e-6)
    assert (orgs.spend >= 0).all()
    assert w["cumulative_deficit"] == pytest.approx(-orgs.balance.sum())


@pytest.mark.parametrize("scenario", slsim.list_scenarios())
def test_invariants_every_week(scenario):
    model = slsim.SystemModel(scenario, rng=17, n_citizens=N, **COLD)
    for _ in range(WEEKS):
        before = model.orgs.balance.copy()
        model.step()
        _check_week(model, before)
    df = model.results()
    assert len(df) == WEEKS
    nonneg = [c for c in slsim.OUTCOMES if c != "cumulative_deficit"]
    neg = [c for c in nonneg if (df[c] < 0).any()]
    assert not neg, f"{scenario}: negative values in {neg}"
    for c in SHARES:
        assert df[c].between(0, 1).all(), f"{scenario}: {c} outside [0, 1]"
    from slsim.model.metrics import EXTRA
    extra_shares = [n for n, (_, unit, _) in EXTRA.items() if unit.endswith("0-1") or unit.startswith("share")]
    for c in extra_shares:
        assert df[c].between(0, 1).all(), f"{scenario}: {c} outside [0, 1]"
    extra_counts = [n for n in EXTRA if n not in extra_shares]
    neg = [c for c in extra_counts if (df[c] < 0).any()]
    assert not neg, f"{scenario}: negative values in {neg}"
    assert (df["delayed_bed_days"] == 7 * df["delayed_transfers"]).all()
    assert (df["incidents_reported"] <= df["incidents_actual"]).all()
    assert not df[list(slsim.OUTCOMES)].isna().any().any(), f"{scenario}: missing values"


def test_pooled_budget_moves_money_from_acute_to_social_care():
    # Same seed, one week: the pool lowers the hospital's balance and raises social care's by the
    # same amount of budget (spend differs only through what social care buys with it).
    runs = {}
    for pooled in (False, True):
        m = slsim.SystemModel(rng=2, n_citizens=1000, pooled_budget=pooled, pooled_share=0.1, **COLD)
        m.step()
        runs[pooled] = m
    a, b = runs[False], runs[True]
    np.testing.assert_allclose(a.orgs.budget, b.orgs.budget)  # recorded budgets are the original lines
    pool = 0.1 * b.orgs.budget[0]
    delta_a = a.orgs.balance + a.orgs.spend
    delta_b = b.orgs.balance + b.orgs.spend
    assert delta_b[0] == pytest.approx(delta_a[0] - pool), "acute gives the pool"
    assert delta_b[2] == pytest.approx(delta_a[2] + pool), "social care receives the pool"
    assert b.home_care_budget_hours > a.home_care_budget_hours, "social care buys more home care with the pool"


@pytest.mark.parametrize("params", [
    dict(crisis_rate=0.12, acute_beds_per_1000=2.0, social_care_budget_level=0.5, burnout_turnover_per_year=3.0),
    dict(step_down_places_per_1000=0.0, care_home_places_per_1000=0.0, elective_rate=0.05, budget_gap=-0.3),
    dict(pooled_budget=True, pooled_share=0.5, social_care_budget_level=2.0, blame_response=0.0, ceding=1.0),
], ids=["crisis", "no_downstream_capacity", "generous"])
def test_invariants_under_extreme_parameters(params):
    model = slsim.SystemModel(rng=8, n_citizens=N, **(COLD | params))
    for _ in range(40):
        before = model.orgs.balance.copy()
        model.step()
        _check_week(model, before)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("need", [0.05, 0.1])
def test_a_place_with_low_initial_need_runs(need):
    # A nearly well population: the place runs without numerical warnings (a division by an empty
    # ward or an empty caseload would raise here) and keeps every invariant.
    model = slsim.SystemModel(rng=0, n_citizens=1000, initial_need=need, **COLD)
    for _ in range(10):
        before = model.orgs.balance.copy()
        model.step()
        _check_week(model, before)
    assert np.isfinite(model.orgs.pressure).all()


def test_trust_stays_within_one_in_a_small_staff():
    model = slsim.SystemModel("systems_leadership", rng=0, n_citizens=1000, staff_per_1000_citizens=5,
                              trust_build=0.6, **COLD)
    for _ in range(30):
        model.step()
        assert model.trust.max() <= 1, f"week {model.week}: trust {model.trust.max():.2f} above 1"


def _extremes():
    from slsim.model.params import parameter_table
    cases = []
    for row in parameter_table():
        if row["min"] is None:
            continue
        for end, value in (("min", row["min"]), ("max", row["max"])):
            if row["name"] == "n_citizens" and end == "max":
                value = 20_000  # the top of the range is for benchmarks, not a unit test
            if isinstance(row["default"], int) and not isinstance(row["default"], bool):
                value = int(value)
            cases.append(pytest.param(row["name"], value, id=f"{row['name']}={end}"))
    return cases


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name,value", _extremes())
def test_every_parameter_at_either_end_of_its_range(name, value):
    # Each parameter on its own at the edge of what it allows: the place runs, without numerical
    # warnings, and keeps every invariant.
    params = {"n_citizens": 500} | {name: value}
    if name == "visit_minutes_floor":  # the floor may not exceed the planned length
        params["visit_minutes_planned"] = max(value, 30)
    model = slsim.SystemModel(rng=1, **(COLD | params))
    for _ in range(12):
        before = model.orgs.balance.copy()
        model.step()
        _check_week(model, before)
