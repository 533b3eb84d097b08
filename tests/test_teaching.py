"""The teaching rules (one person at a time) tell exactly what the fast rules do.

Each teaching version draws the same random numbers in the same order as its fast twin, so the
two must agree exactly: on random inputs, and over whole runs of the place.
"""

from __future__ import annotations

import numpy as np
import pytest
from profiles import COLD

import slsim
from slsim.model import teaching
from slsim.model.params import ParameterError
from slsim.model.processes import learning


def _beliefs(rng, people, dims):
    return rng.integers(-1, 2, size=(people, dims), dtype=np.int8)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_person", [False, True], ids=["one code", "code per person"])
def test_socialise_one_by_one_equals_the_array_version(seed, per_person):
    make = np.random.default_rng(100 + seed)
    beliefs = _beliefs(make, 40, 25)
    code = _beliefs(make, 40, 25) if per_person else _beliefs(make, 1, 25)[0]
    shape = (40,) if seed % 2 else (40, 1)  # one rate per person, as a row or a column
    p1 = make.uniform(0, 1, shape) if per_person else 0.4
    fast, slow = beliefs.copy(), beliefs.copy()
    r_fast, r_slow = np.random.default_rng(seed), np.random.default_rng(seed)
    learning.socialise(fast, code, p1, r_fast)
    teaching.socialise(slow, code, p1, r_slow)
    assert (fast != beliefs).any(), "the test needs some adoptions to compare"
    np.testing.assert_array_equal(slow, fast)
    assert r_fast.random() == r_slow.random(), "both must use up the same random numbers"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p2", [0.1, 0.5, 0.9])
def test_code_learning_one_by_one_equals_the_array_version(seed, p2):
    make = np.random.default_rng(200 + seed)
    reality = np.where(make.random(30) < 0.5, 1, -1).astype(np.int8)
    group = _beliefs(make, 20, 30)
    code = np.where(make.random(30) < 0.3, reality, 0).astype(np.int8)  # a poor code: many know more
    fast, slow = code.copy(), code.copy()
    r_fast, r_slow = np.random.default_rng(seed), np.random.default_rng(seed)
    learning.learn_code(fast, group, reality, p2, r_fast)
    teaching.learn_code(slow, group, reality, p2, r_slow)
    assert (fast != code).any(), "the test needs the code to learn something"
    np.testing.assert_array_equal(slow, fast)
    assert r_fast.random() == r_slow.random()


def test_code_learning_needs_someone_who_knows_more():
    reality = np.ones(10, np.int8)
    code = reality.copy()  # the code is already right everywhere: nobody is superior
    group = _beliefs(np.random.default_rng(1), 15, 10)
    for learn in (learning.learn_code, teaching.learn_code):
        kept = code.copy()
        learn(kept, group, reality, 0.9, np.random.default_rng(0))
        np.testing.assert_array_equal(kept, code)


def _run(scenario: str, rules: str, weeks: int, **params):
    model = slsim.SystemModel(scenario, rng=11, rules=rules, **(COLD | params))
    for _ in range(weeks):
        model.step()
    return model


@pytest.mark.parametrize("scenario", ["blame_culture", "systems_leadership", "austerity_cut", "winter_surge"])
def test_a_place_run_on_the_teaching_rules_gives_the_same_numbers(scenario):
    fast = _run(scenario, "fast", 52, n_citizens=2000)
    slow = _run(scenario, "teaching", 52, n_citizens=2000)
    frame = fast.datacollector.get_model_vars_dataframe()
    assert frame["delayed_transfers"].sum() > 0 and frame["experiments_started"].sum() > 0, \
        "the run must exercise discharges and learning"
    # every outcome, every week, to the last digit; and the same story in the event log
    assert frame.equals(slow.datacollector.get_model_vars_dataframe())
    assert fast.events == slow.events
    np.testing.assert_array_equal(fast.staff.beliefs, slow.staff.beliefs)
    np.testing.assert_array_equal(fast.citizens.place, slow.citizens.place)


@pytest.mark.parametrize("bad", ["slow", ["teaching"], None])
def test_unknown_rule_book_is_refused_with_the_choices(bad):
    with pytest.raises(ParameterError, match=r"rules: .*allowed: 'fast', 'teaching'"):
        slsim.SystemModel(rules=bad)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("headroom", [6.9, 10.6, 25.0])  # hours: room for about 2, 3 and 7 packages
def test_discharge_one_by_one_equals_the_array_version_when_places_run_short(seed, headroom):
    """A crowded discharge week: more patients than assessments, places and spare home-care hours,
    so every line runs out (the home-care line stops at the first package that does not fit)."""
    from slsim.model.population import DELAYED, HOME

    def crowded():
        model = slsim.SystemModel("austerity_cut", rng=seed, n_citizens=3000, **COLD)
        for _ in range(5):
            model.step()
        c = model.citizens
        make = np.random.default_rng(seed)
        rows = make.choice(np.flatnonzero(c.place == HOME), 120, replace=False)
        c.place[rows] = DELAYED
        c.fit_week[rows] = model.week - make.integers(0, 4, len(rows))  # many share a fit week
        c.assessed[rows] = make.random(len(rows)) < 0.5
        c.care_need[rows] = make.uniform(0.5, 0.8, len(rows))
        model.discharge_capacity = 30.5
        model.home_care_headroom = headroom
        return model

    fast, slow = crowded(), crowded()
    r_fast, r_slow = np.random.default_rng(seed), np.random.default_rng(seed)
    got_fast = teaching.RULES["fast"].discharge(fast, r_fast)
    got_slow = teaching.discharge(slow, r_slow)
    assert got_slow == got_fast and got_fast[0] > 0, "some patients must leave"
    still = (fast.citizens.place == DELAYED).sum()
    assert still > 0, "the week must leave some patients delayed, or no line ran short"
    for column in ("place", "assessed", "home_care", "leave_week", "waiting"):
        np.testing.assert_array_equal(getattr(slow.citizens, column), getattr(fast.citizens, column), column)
    assert slow.home_care_headroom == fast.home_care_headroom
    assert r_fast.random() == r_slow.random()
