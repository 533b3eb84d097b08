"""Bad input for every entry point of the API: a specific exception whose message names the field
(and the file) and what is allowed, and nothing changed by a refused call."""

from __future__ import annotations

import numpy as np
import pytest
from profiles import COLD

import slsim
from slsim import ParameterError, ScenarioError

GOOD_HEAD = "name: mine\ntitle: Mine\nnarrative: A test place.\n"


# ---------------------------------------------------------------- SystemModel keyword parameters
@pytest.mark.parametrize("kwargs,field,allowed", [
    ({"n_citizens": -5}, "n_citizens", "100 to 5000000"),
    ({"n_citizens": "abc"}, "n_citizens", "int"),
    ({"n_citizens": 2.5}, "n_citizens", "int"),
    ({"blame_response": 1.5}, "blame_response", "0 to 1"),
    ({"blame_response": float("nan")}, "blame_response", "0 to 1"),
    ({"acute_los_weeks": float("inf")}, "acute_los_weeks", "0.3 to 8"),
    ({"crisis_rate": "lots"}, "crisis_rate", "float"),
    ({"pooled_budget": "perhaps"}, "pooled_budget", "bool"),
])
def test_model_refuses_bad_values_naming_field_and_range(kwargs, field, allowed):
    with pytest.raises(ParameterError) as err:
        slsim.SystemModel(**kwargs)
    msg = str(err.value)
    assert field in msg, f"the message should name the field: {msg}"
    assert allowed in msg, f"the message should say what is allowed ({allowed}): {msg}"


def test_model_refuses_unknown_parameter_listing_known_ones():
    with pytest.raises(ParameterError) as err:
        slsim.SystemModel(n_citizen=500)  # typo
    msg = str(err.value)
    assert "n_citizen" in msg and "unknown" in msg
    assert "n_citizens" in msg and "blame_response" in msg, "the message lists the known parameters"


def test_parameter_error_is_a_value_error():
    assert issubclass(ParameterError, ValueError) and issubclass(ScenarioError, ValueError)


@pytest.mark.parametrize("overrides,needle", [
    ({"hospital": {"ceding": 0.5}}, "hospital"),
    ({"acute": {"bogus": 0.5}}, "bogus"),
    ({"acute": {"ceding": 5}}, "ceding"),
])
def test_model_refuses_bad_leadership_overrides(overrides, needle):
    with pytest.raises(ParameterError, match=needle):
        slsim.SystemModel(n_citizens=200, leadership_overrides=overrides)


@pytest.mark.parametrize("rng", ["abc", -1, True, 1.5, [1, 2]])
def test_model_refuses_bad_seeds(rng):
    with pytest.raises(ParameterError, match="rng"):
        slsim.SystemModel(n_citizens=200, rng=rng)


def test_numpy_integer_seed_is_accepted():
    a = slsim.SystemModel(n_citizens=200, rng=np.int64(3), **COLD)
    b = slsim.SystemModel(n_citizens=200, rng=3, **COLD)
    np.testing.assert_array_equal(a.citizens.health_need, b.citizens.health_need)


# ---------------------------------------------------------------- scenarios by name and by file
def test_unknown_scenario_lists_builtins():
    with pytest.raises(ScenarioError) as err:
        slsim.SystemModel("blame_cultur", n_citizens=200)
    msg = str(err.value)
    assert "blame_cultur" in msg
    for name in slsim.list_scenarios():
        assert name in msg, f"the message should list the built-in scenario {name}"


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        slsim.SystemModel(str(tmp_path / "nope.yaml"), n_citizens=200)


def _write(tmp_path, text, name="mine.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("body,needles", [
    ("name: [unclosed\n", ["not valid YAML"]),
    ("- just\n- a list\n", ["expected a mapping"]),
    ("", ["expected a mapping"]),
    (GOOD_HEAD + "colour: blue\n", ["colour", "allowed top-level fields"]),
    (GOOD_HEAD + "params: {bogus: 1}\n", ["bogus", "unknown parameter"]),
    (GOOD_HEAD + "params: {blame_response: 3}\n", ["blame_response", "0 to 1"]),
    (GOOD_HEAD + "params: {n_citizens: lots}\n", ["n_citizens", "int"]),
    (GOOD_HEAD + "params: [1, 2]\n", ["params"]),
    (GOOD_HEAD + "timeline:\n  - week: 3\n    set: {bogus: 1}\n", ["bogus", "week 3"]),
    (GOOD_HEAD + "timeline:\n  - week: 3\n    set: {ceding: -1}\n", ["ceding", "0 to 1", "week 3"]),
    (GOOD_HEAD + "timeline:\n  - week: 0\n    set: {ceding: 0.5}\n", ["week"]),
    (GOOD_HEAD + "timeline:\n  - week: 3\n    sett: {ceding: 0.5}\n", ["sett"]),
    (GOOD_HEAD + "extends: no_such_scenario\n", ["extends", "no_such_scenario"]),
    (GOOD_HEAD + "timeline:\n  - week: 3\n    adopt: no_such_scenario\n", ["adopt", "no_such_scenario"]),
    ("name: Not Valid!\ntitle: x\nnarrative: y\n", ["name"]),
    ("title: x\nnarrative: y\n", ["name"]),
])
def test_bad_scenario_files_name_file_and_field(tmp_path, body, needles):
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        slsim.SystemModel(str(path), n_citizens=200)
    msg = str(err.value)
    assert str(path) in msg, f"the message should name the file: {msg}"
    for needle in needles:
        assert needle in msg, f"the message should mention {needle!r}: {msg}"


def test_load_scenario_refuses_non_utf8(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(GOOD_HEAD.encode() + "params: {}\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="latin.yaml"):
        slsim.load_scenario(path)


def test_scenario_files_are_read_with_a_safe_loader(tmp_path):
    marker = tmp_path / "pwned"
    path = _write(tmp_path, GOOD_HEAD + f"params: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError):
        slsim.load_scenario(path)
    assert not marker.exists(), "a scenario file must never run code"


def test_a_good_scenario_file_loads_and_runs(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + "extends: blame_culture\nparams: {n_citizens: 300}\n"
                  "timeline:\n  - week: 2\n    adopt: systems_leadership\n")
    model = slsim.SystemModel(str(path), rng=1, **COLD)
    assert model.params.n_citizens == 300
    assert model.params.blame_response == slsim.load_scenario(
        slsim.model.scenario.scenario_dir() / "blame_culture.yaml").params["blame_response"]
    model.step()
    model.step()
    assert model.params.ceding == slsim.model.scenario.resolve_scenario("systems_leadership").params["ceding"]


def test_timeline_event_changing_the_size_of_the_place_is_refused_at_load(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + "timeline:\n  - week: 3\n    set: {n_citizens: 9000}\n")
    with pytest.raises(ScenarioError) as err:
        slsim.load_scenario(path)
    assert "n_citizens" in str(err.value) and str(path) in str(err.value)


def test_extra_timeline_event_changing_the_size_of_the_place_is_refused_up_front():
    with pytest.raises((ScenarioError, ParameterError)):
        slsim.SystemModel(n_citizens=200, timeline=[{"week": 3, "set": {"n_citizens": 9000}}])


def test_extends_cycle_is_a_scenario_error(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.yaml").write_text("name: a\ntitle: A\nnarrative: x\nextends: b\n")
    (lib / "b.yaml").write_text("name: b\ntitle: B\nnarrative: x\nextends: a\n")
    monkeypatch.setenv("SLSIM_SCENARIOS", str(lib))
    with pytest.raises(ScenarioError, match="extends"):
        slsim.model.scenario.resolve_scenario("a")


def test_extends_itself_is_a_scenario_error(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "c.yaml").write_text("name: c\ntitle: C\nnarrative: x\nextends: c\n")
    monkeypatch.setenv("SLSIM_SCENARIOS", str(lib))
    with pytest.raises(ScenarioError, match="itself"):
        slsim.model.scenario.resolve_scenario("c")


@pytest.mark.parametrize("event,needle", [
    ({"week": 3, "set": {"bogus": 1}}, "bogus"),
    ({"week": 3, "set": {"ceding": 2}}, "ceding"),
    ({"week": -1, "set": {"ceding": 0.5}}, "week"),
    ({"set": {"ceding": 0.5}}, "week"),
    ({"week": 3, "set": {"ceding": 0.5}, "colour": "blue"}, "colour"),
])
def test_model_refuses_bad_extra_timeline_events(event, needle):
    with pytest.raises(ScenarioError, match=needle):
        slsim.SystemModel(n_citizens=200, timeline=[event])


# ---------------------------------------------------------------- run and compare
@pytest.mark.parametrize("kwargs,needle", [
    ({"weeks": 0}, "weeks"),
    ({"weeks": -3}, "weeks"),
    ({"weeks": 2.5}, "weeks"),
    ({"weeks": 10**6}, "weeks"),
    ({"replicates": 0}, "replicates"),
    ({"replicates": -1}, "replicates"),
    ({"seed": -1}, "seed"),
    ({"seed": "abc"}, "seed"),
    ({"processes": 0}, "processes"),
    ({"params": {"bogus": 1}}, "bogus"),
    ({"params": {"n_citizens": "abc"}}, "n_citizens"),
])
def test_run_refuses_bad_arguments(kwargs, needle):
    args = {"weeks": 3, "params": {"n_citizens": 200}, "processes": 1} | kwargs
    with pytest.raises(ParameterError, match=needle):
        slsim.run("default", **args)


def test_run_refuses_unknown_scenario():
    with pytest.raises(ScenarioError, match="built-in scenarios"):
        slsim.run("no_such_place", weeks=2)


@pytest.mark.parametrize("scenarios", [["default"], "default", []])
def test_compare_needs_two_scenarios(scenarios):
    with pytest.raises(ParameterError, match="at least two"):
        slsim.compare(scenarios, weeks=2, replicates=1, params={"n_citizens": 200}, processes=1)


def test_compare_refuses_the_same_scenario_twice():
    with pytest.raises(ParameterError, match="different"):
        slsim.compare(["default", "default"], weeks=2, replicates=1, params={"n_citizens": 200}, processes=1)


# ---------------------------------------------------------------- interventions during a run
@pytest.fixture
def running():
    m = slsim.SystemModel(n_citizens=300, rng=2, **COLD)
    for _ in range(3):
        m.step()
    return m


@pytest.mark.parametrize("changes,needle", [
    ({"n_citizens": 5}, "n_citizens"),
    ({"n_citizens": 600}, "n_citizens"),
    ({"knowledge_dims": 10}, "knowledge_dims"),
    ({"blame_response": 2}, "blame_response"),
    ({"ceding": "lots"}, "ceding"),
    ({"bogus": 1}, "bogus"),
    ({"ceding": 0.9, "blame_response": 7}, "blame_response"),  # one bad value: nothing at all changes
    ({"ceding": 0.9, "n_citizens": 5000}, "n_citizens"),
])
def test_intervention_refused_changes_nothing(running, changes, needle):
    before = running.params.model_dump()
    style = {k: v.copy() for k, v in running.style.items()}
    beds, events = running.beds, len(running.events)
    with pytest.raises(ParameterError, match=needle):
        running.apply_intervention(changes)
    assert running.params.model_dump() == before, "a refused intervention must leave the parameters unchanged"
    for k, v in style.items():
        np.testing.assert_array_equal(running.style[k], v)
    assert running.beds == beds and len(running.events) == events
    running.step()  # and the model still runs


def test_intervention_applies_and_is_logged(running):
    running.apply_intervention({"ceding": 0.9}, note="Leaders cede more")
    assert running.params.ceding == 0.9
    assert (running.style["ceding"] == 0.9).all()
    assert running.events[-1][1:] == ("intervention", "place", "Leaders cede more")


def test_a_bed_cut_during_a_run_never_overfills_beds():
    # Capacity may change during a run: cuts close beds as they empty, so occupancy stays a share.
    from slsim.model.population import ACUTE, DELAYED, ELECTIVE
    m = slsim.SystemModel("blame_culture", n_citizens=5000, rng=0, social_care_budget_level=0.5,
                          assessment_hours=40, **COLD)
    for _ in range(30):
        m.step()
    before = m.beds
    m.apply_intervention({"acute_beds_per_1000": 1.0})
    target = 5
    beds = []
    for _ in range(8):
        m.step()
        in_bed = int(np.isin(m.citizens.place, (ACUTE, DELAYED, ELECTIVE)).sum())
        assert in_bed <= m.beds, f"week {m.week}: {in_bed} patients in {m.beds} beds"
        assert m.w["bed_occupancy"] <= 1, f"week {m.week}: occupancy {m.w['bed_occupancy']:.2f} is not a share"
        beds.append(m.beds)
    assert all(a >= b for a, b in zip([before] + beds, beds)), f"beds close, never reopen by themselves: {beds}"
    assert min(beds) >= target


def test_a_bed_cut_reaches_its_target_as_patients_leave():
    m = slsim.SystemModel(n_citizens=5000, rng=0, **COLD)
    for _ in range(5):
        m.step()
    m.apply_intervention({"acute_beds_per_1000": 3.0})
    for _ in range(15):  # mean stay is under two weeks: everyone in a bed at the cut has left by now
        m.step()
    assert m.beds == 15, "beds close as their patients leave; new admissions must not refill closing beds"


def test_new_beds_open_at_once():
    m = slsim.SystemModel(n_citizens=5000, rng=0, **COLD)
    m.step()
    m.apply_intervention({"acute_beds_per_1000": 8.0})
    assert m.beds == 40
    m.step()
    assert m.beds == 40


def test_compare_refuses_repeated_scenarios_before_running_anything():
    done = []
    with pytest.raises(ParameterError, match="different"):
        slsim.compare(["default", "default"], weeks=2, replicates=2, params={"n_citizens": 200}, processes=1,
                      progress=lambda d, t: done.append(d))
    assert done == [], "nothing should run before a comparison is refused"


def test_bad_extra_timeline_event_is_not_blamed_on_the_scenario_file():
    with pytest.raises(ScenarioError) as err:
        slsim.SystemModel("default", n_citizens=200, timeline=[{"week": 2, "set": {"bogus": 1}}])
    msg = str(err.value)
    assert "bogus" in msg
    assert "default.yaml" not in msg, f"the bad event came from the timeline argument, not the file: {msg}"


def test_visit_floor_above_planned_length_is_refused():
    with pytest.raises(ParameterError) as err:
        slsim.SystemModel(n_citizens=200, visit_minutes_floor=45, visit_minutes_planned=30)
    assert "visit_minutes_floor" in str(err.value)


def test_a_key_given_twice_in_a_scenario_file_is_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: dup\ntitle: t\nnarrative: n\nparams:\n  ceding: 0.2\n  ceding: 0.9\n")
    with pytest.raises(ScenarioError, match="given twice"):
        slsim.load_scenario(path)


def test_timeline_events_after_the_end_of_a_run_are_warned_about():
    with pytest.warns(UserWarning, match="will not happen"):
        slsim.run("switch_to_systems_leadership", weeks=3, replicates=1, params=COLD)


def test_a_folder_given_as_a_scenario_is_named_as_such(tmp_path):
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(ScenarioError, match=r"d.yaml: is a folder; give a scenario file"):
        slsim.load_scenario(tmp_path / "d.yaml")


def test_malformed_yaml_is_one_line_with_where(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ntitle: t\nparams: {ceding: 0.2\n")
    with pytest.raises(ScenarioError) as err:
        slsim.load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{path}: not valid YAML at line "), msg


def test_an_edited_copy_may_not_keep_a_built_in_name(tmp_path):
    """A copy of blame_culture.yaml that was edited but not renamed would be labelled 'blame_culture'
    in every table and file: refused, saying what to do. An unedited copy is the same scenario."""
    original = slsim.model.scenario.scenario_dir() / "blame_culture.yaml"
    same = tmp_path / "same.yaml"
    same.write_bytes(original.read_bytes())
    assert slsim.load_scenario(same).name == "blame_culture"
    edited = tmp_path / "my_place.yaml"
    edited.write_text(original.read_text().replace("blame_response: 0.85", "blame_response: 0.5"))
    assert edited.read_text() != original.read_text(), "the test must edit the copy"
    with pytest.raises(ScenarioError, match=r"name 'blame_culture' belongs to a built-in scenario; .*my_my_place"):
        slsim.load_scenario(edited)
