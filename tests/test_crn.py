"""Common random numbers per person (issue 17): a person's own random events are keyed by the
run's seed, the decision, the person and the week, so two cultures on the same seed give the same
person the same draws until what happened to them differs."""

from __future__ import annotations

import numpy as np
import pytest
from profiles import COLD
from scipy import stats

import slsim.model.system as system
from slsim.model.draws import PersonDraws, decision_id, stream_base, uniforms
from slsim.model.system import SystemModel


class _Place:
    def __init__(self, seed: int, week: int) -> None:
        self.seed, self.week = seed, week


def test_a_persons_draw_does_not_depend_on_who_else_draws():
    draws = PersonDraws(_Place(seed=5, week=12))
    everyone = draws.uniform("needs.crisis", np.arange(10_000))
    some = np.array([9_999, 3, 4_242, 17])
    np.testing.assert_array_equal(draws.uniform("needs.crisis", some), everyone[some])
    # in any order, and as a sorted order of a subset
    np.testing.assert_array_equal(draws.order("hospital.crisis_order", some),
                                  some[np.argsort(draws.uniform("hospital.crisis_order", some))])


def test_the_numbers_are_uniform_and_independent_across_decisions_weeks_and_seeds():
    rows = np.arange(200_000)
    u = PersonDraws(_Place(1, 3)).uniform("needs.crisis", rows)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    others = [PersonDraws(_Place(1, 4)).uniform("needs.crisis", rows),  # next week
              PersonDraws(_Place(2, 3)).uniform("needs.crisis", rows),  # another seed
              PersonDraws(_Place(1, 3)).uniform("needs.referral", rows)]  # another decision
    for v in others:
        assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
        assert stats.ks_2samp(u, v).pvalue > 0.001
    # neighbours' numbers are not related either (a person's row is their position)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    assert decision_id("needs.crisis") != decision_id("needs.referral")
    assert stream_base(1, 2, 3) != stream_base(1, 2, 4)


def test_inverse_distributions_match_their_laws():
    draws = PersonDraws(_Place(3, 7))
    rows = np.arange(100_000)
    stays = draws.geometric("hospital.stay", rows, 1 / 2.5)
    assert stays.min() == 1 and stays.mean() == pytest.approx(2.5, rel=0.02)
    assert stats.kstest(draws.normal("n", rows, 0.2) / 0.2, "norm").pvalue > 0.001
    assert draws.exponential("e", rows, 14.0).mean() == pytest.approx(14.0, rel=0.02)
    picked = draws.pick("p", rows[:1000], np.where(rows[:1000] < 500, 3.0, 1.0), 200)
    assert len(set(picked)) == 200 and (picked < 500).mean() > 0.6, "heavier weights are picked more often"
    assert np.all(np.isin(draws.integers("i", rows, 1, 5), [1, 2, 3, 4]))
    assert uniforms(stream_base(1, 1, 1), np.arange(10)).max() < 1.0


def _record_after_needs(monkeypatch):
    """Record, for every week, each citizen's state right after the needs process (when this week's
    crises have been drawn) and the week's crises."""
    log = []

    def after_needs(model):
        system_needs(model)
        c = model.citizens
        log.append((np.stack([c.health_need, c.care_need, c.place.astype(float)]).copy(), set(model.crises)))

    phases = list(system._PHASE_FUNCTIONS)
    i = [name for name, _ in phases].index("needs")
    system_needs = phases[i][1]
    phases[i] = ("needs", after_needs)
    monkeypatch.setattr(system, "_PHASE_FUNCTIONS", tuple(phases))
    return log


def test_the_same_person_has_the_same_crisis_until_their_paths_part(monkeypatch):
    """Blame culture and systems leadership on the same seed: a citizen whose needs and place were
    the same in both runs up to a week has a crisis in that week in both or in neither."""
    runs = []
    for scenario in ("blame_culture", "systems_leadership"):
        log = _record_after_needs(monkeypatch)
        model = SystemModel(scenario, rng=11, n_citizens=3000, **COLD)
        for _ in range(40):
            model.step()
        runs.append(log)
        monkeypatch.undo()
    (a, b) = runs
    same_so_far = np.ones(3000, bool)
    compared = agreed = 0
    for (state_a, crises_a), (state_b, crises_b) in zip(a, b):
        same_so_far &= np.all(state_a == state_b, axis=0)
        rows = np.flatnonzero(same_so_far)
        in_a = np.isin(rows, list(crises_a))
        in_b = np.isin(rows, list(crises_b))
        compared += in_a.sum() + in_b.sum()
        agreed += 2 * (in_a & in_b).sum()
    assert compared > 50, "enough crises among people whose paths had not parted"
    assert agreed == compared, "a person with the same path so far has the same crisis in both cultures"
    assert 0.02 < same_so_far.mean() < 0.98, "the cultures part some paths and not others"


# ------------------------------------------------------------------ one person's story
@pytest.fixture(scope="module")
def story():
    from slsim.results.story import follow
    return follow("blame_culture", "systems_leadership", seed=3, weeks=40, params={"n_citizens": 2500, **COLD})


def test_the_story_is_told_from_the_models_records(story):
    """The story's weeks in a hospital bed are the ones the run's people log holds for that person,
    and its episodes cover every week they lived in the place, in order."""
    from slsim.model.population import DELAYED
    from slsim.results.story import follow
    assert story.weeks_delayed[0] != story.weeks_delayed[1], "the chosen citizen's paths differ"
    for eps, delayed in zip(story.episodes, story.weeks_delayed):
        assert sum(e.weeks for e in eps if e.place == DELAYED and not e.gone) == delayed
        assert eps[0].first == 1
        assert all(x.last + 1 == y.first for x, y in zip(eps, eps[1:])), "weeks run on without a gap"
        assert eps[-1].last == 40 or eps[-1].gone
        for e in eps:
            if e.place == DELAYED:
                assert "waiting for" in e.sentence()
    # the same citizen named again gives the same story; another seed, another place
    again = follow("blame_culture", "systems_leadership", seed=3, weeks=40, citizen=story.row,
                   params={"n_citizens": 2500, **COLD})
    assert again.text() == story.text()
    assert "Weeks 1-" in story.text() and story.name in story.text()


def test_a_story_picks_the_citizen_whose_waits_differ_most():
    from slsim.model.population import DELAYED
    from slsim.model.system import SystemModel
    logs = []
    for scenario in ("blame_culture", "systems_leadership"):
        m = SystemModel(scenario, rng=3, n_citizens=2500, record_people=True, **COLD)
        for _ in range(40):
            m.step()
        logs.append(m.people)
        assert np.array_equal(m.people.place[-1], m.citizens.place), "the log holds the model's own state"
        delayed_now = m.citizens.place == DELAYED
        reason = m.people.reason[-1]
        assert np.all((reason > 0) == delayed_now), "every delayed patient, and only they, has a reason"
        assert np.all(reason[delayed_now & ~m.citizens.assessed] == 1), "not assessed: awaiting assessment"
    gap = np.abs(logs[0].weeks_delayed() - logs[1].weeks_delayed())
    from slsim.results.story import follow
    s = follow("blame_culture", "systems_leadership", seed=3, weeks=40, params={"n_citizens": 2500, **COLD})
    assert abs(s.weeks_delayed[0] - s.weeks_delayed[1]) == gap.max()


def test_names_are_invented_deterministic_and_text():
    from slsim.results.story import name_and_age
    assert name_and_age(3, 17) == name_and_age(3, 17)
    names = {name_and_age(3, r)[0] for r in range(200)}
    assert len(names) > 100, "citizens get different names"
    ages = [name_and_age(3, r)[1] for r in range(500)]
    assert 66 <= min(ages) and max(ages) <= 94
