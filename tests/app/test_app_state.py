"""The browser view's logic without a browser: parsing typed values, the session's equality with
the run layer, comparison sentences, chart and network markup, and the ``slsim app`` command."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from profiles import COLD, STEADY

import slsim
from slsim.model.params import ParameterError, Params
from slsim.results.present import difference_sentence
from slsim.tools import charts
from slsim.tools.app.state import INTERVENTION_PARAMS, MAIN_PARAMS, Session, first_scenario, parse_value

CLI = "import sys; from slsim.tools.cli import main; sys.exit(main())"  # the slsim command in a child

SMALL = {"n_citizens": 1500, **COLD}  # a small place, started cold: these tests are about the session


@pytest.mark.parametrize("name,text,value", [
    ("ceding", "0.5", 0.5), ("ceding", " 0,7 ", 0.7), ("ceding", "1", 1.0), ("ceding", "0", 0.0),
    ("n_citizens", "2000", 2000), ("n_citizens", "2000.0", 2000), ("pooled_budget", "yes", True),
    ("pooled_budget", "False", False), ("budget_gap", "-0.1", -0.1),
    ("n_citizens", "20,000", 20000), ("n_citizens", "2 500", 2500), ("n_citizens", "1,500.0", 1500),
    ("budget_gap", "-0,1", -0.1),
])
def test_parse_value_accepts(name, text, value):
    got = parse_value(name, text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("name,text,needle", [
    ("ceding", "abc", "a number from 0 to 1"), ("ceding", "1.01", "from 0 to 1"), ("ceding", "-0.1", "from 0 to 1"),
    ("ceding", "", "is not allowed"), ("ceding", "nan", "is not allowed"), ("ceding", "inf", "is not allowed"),
    ("n_citizens", "2500.5", "a whole number"), ("n_citizens", "10", "from 100"),
    ("pooled_budget", "maybe", "yes or no"), ("no_such_param", "1", "unknown parameter"),
    ("n_citizens", "5000000", "slsim run"),
    # thousands separators are read as such: 200,000 is two hundred thousand (not 200), over the cap
    ("n_citizens", "200,000", "from 100 to 50,000"), ("n_citizens", "1,5,0", "is not allowed"),
    ("ceding", "1,500", "from 0 to 1"),
])
def test_parse_value_refuses_with_one_readable_message(name, text, needle):
    with pytest.raises(ParameterError) as err:
        parse_value(name, text)
    message = str(err.value)
    assert needle in message and "\n" not in message


def test_every_control_is_a_real_parameter_with_range_and_help():
    for name in MAIN_PARAMS + INTERVENTION_PARAMS:
        assert name in Params.model_fields
    assert "n_citizens" not in INTERVENTION_PARAMS  # the size of the place cannot change mid-run


def test_session_equals_run_layer_with_setup_and_interventions():
    s = Session("systems_leadership", seed=11, overrides=dict(COLD))
    s.set_param("n_citizens", "1500")
    s.set_param("blame_response", "0.4")
    s.step(6)
    iv = s.intervene({"ceding": 0.95, "social_care_budget_level": 0.9})
    assert iv.week == 7
    s.step(5)
    s.switch_style("blame_culture")
    s.step(3)
    expected = slsim.run("systems_leadership", weeks=14, replicates=1, seed=11, params=s.overrides,
                         timeline=s.timeline()).frame
    got = s.results()
    cols = list(slsim.OUTCOMES)
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), expected[cols].reset_index(drop=True))
    assert [m[0] for m in s.marks() if m[1] == "intervention"] == [7, 12]
    assert s.reproduce().startswith("slsim.run('systems_leadership', weeks=14, replicates=1, seed=11, params=")


def test_refused_values_change_nothing():
    s = Session("blame_culture", seed=2, overrides=dict(SMALL))
    s.step(3)
    with pytest.raises(ParameterError):
        s.set_param("ceding", "7")
    with pytest.raises(ParameterError):
        s.set_seed("-1")
    with pytest.raises(ParameterError):
        s.intervene({"n_citizens": 2000})
    assert s.week == 3 and s.seed == 2 and s.overrides == SMALL and not s.interventions


def test_sessions_do_not_share_state():
    a, b = Session(overrides=dict(SMALL)), Session(overrides=dict(SMALL))
    a.set_param("ceding", "0.9")
    a.step(4)
    assert b.week == 0 and b.model is not a.model and "ceding" not in b.overrides


def test_each_session_burns_in_its_own_places():
    place = {"n_citizens": 300, **STEADY}
    a = Session("blame_culture", seed=1, overrides=dict(place))
    b = Session("blame_culture", seed=1, overrides=dict(place))
    assert len(a.burn_in_cache) == len(b.burn_in_cache) == 1
    assert b.burn_in_cache.hits == 0, "a second session burns in by itself: it cannot see the first one's places"
    a.reset()  # the same place and seed again: taken from a's own cache
    assert a.burn_in_cache.hits == 1 and b.burn_in_cache.hits == 0
    a.step(3)
    b.step(3)
    pd.testing.assert_frame_equal(a.results(), b.results())


def test_first_scenario_is_a_library_scenario():
    assert first_scenario() in slsim.list_scenarios()


def test_difference_sentence_reads_like_the_issue():
    row = pd.Series({"outcome": "delayed_transfers", "unit": "patients", "baseline_mean": 20.0, "difference": -7.6,
                     "lo": -9.0, "hi": -6.0, "percent": -38.0, "percent_lo": -45.0, "percent_hi": -30.0})
    assert difference_sentence(row, "systems leadership") == \
        "delayed transfers 38% lower under systems leadership, 90% interval 30-45%"
    unclear = row.copy()
    unclear[["percent", "percent_lo", "percent_hi"]] = [5.0, -3.0, 12.0]
    assert "no clear difference" in difference_sentence(unclear, "x")
    zero = row.copy()
    zero["baseline_mean"] = 0.0
    zero["percent"] = np.nan
    assert "patients" in difference_sentence(zero, "x")


def test_line_chart_carries_its_numbers_and_marks():
    svg = charts.line_chart("wellbeing", "wellbeing", "0-1", "tip", np.arange(1, 11), np.linspace(0.5, 0.6, 10),
                            marks=[(4, "intervention", "Trainer: x")], highlight=6)
    assert 'data-week="10"' in svg and f'data-value="{repr(0.6)}"' in svg
    assert 'class="slsim-mark" data-week="4" data-kind="intervention"' in svg
    assert 'class="slsim-highlight" data-week="6"' in svg
    empty = charts.line_chart("wellbeing", "wellbeing", "0-1", "tip", np.array([], int), np.array([]))
    assert 'data-week="0"' in empty


def test_network_counts_ties_between_organisations():
    s = Session("systems_leadership", overrides=dict(SMALL))
    s.step(8)
    svg = charts.network_svg(s.model)
    assert f'data-ties="{len(s.model.tie_keys)}"' in svg
    assert svg.count('class="slsim-org"') == len(s.model.organisations)
    import re
    pair_ties = sum(int(x) for x in re.findall(r'class="slsim-org-edge"[^>]*data-ties="(\d+)"', svg))
    assert pair_ties == len(s.model.tie_keys), "every staff tie crosses a boundary and is counted once"


# ---------------------------------------------------------------------------- the command
def _slsim(*args, timeout=30):
    return subprocess.run([sys.executable, "-c", CLI, *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-5"])
def test_app_bad_port_one_message_exit_2(port):
    r = _slsim("app", "--port", port)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--port" in r.stderr and "1 to 65535" in r.stderr
    assert "Traceback" not in r.stderr


def test_app_busy_port_one_message_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _slsim("app", "--port", str(port))
    assert r.returncode == 2 and "cannot listen" in r.stderr and "Traceback" not in r.stderr


def test_app_help_defaults_to_localhost():
    r = _slsim("app", "--help")
    assert r.returncode == 0 and "127.0.0.1" in r.stdout and "8765" in r.stdout


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_app_stops_its_server_when_killed_or_its_terminal_closes(tmp_path, sig, group_alive):
    """`slsim app --port P &` then `kill PID` (or closing the terminal) must not leave a server behind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "app.log").open("w")
    # its own session (process group), so whatever it starts can be found, and cleaned up, by that id
    # A terminal's default for SIGHUP, also when the suite itself runs under nohup (which ignores
    # SIGHUP for every child, as a trainer's `nohup slsim app &` would want).
    proc = subprocess.Popen([sys.executable, "-c", CLI,
                             "app", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            assert time.monotonic() < deadline, "slsim app never answered"
            time.sleep(0.2)
        proc.send_signal(sig)  # to the slsim process only, as `kill PID` does
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (_answers(port) or group_alive(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _answers(port), "the server still answers after slsim app was stopped"
        assert not group_alive(proc.pid), "a process of slsim app outlived it"
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=10)
        log.close()


def test_interventions_offer_only_what_the_model_accepts_mid_run():
    from slsim.model.params import FIXED_DURING_RUN
    from slsim.tools.app.state import INTERVENTION_PARAMS
    assert not set(INTERVENTION_PARAMS) & set(FIXED_DURING_RUN)
    s = Session("default", seed=1, overrides=dict(COLD))
    s.step(2)
    for name in INTERVENTION_PARAMS:  # each one, at its current value, goes through the model
        s.intervene({name: getattr(s.model.params, name)})


# ---------------------------------------------------------------------------- validate once, at the edge
@pytest.fixture
def counts(monkeypatch):
    """How often YAML is read and a Params is built while the test runs."""
    import collections

    import yaml
    seen: collections.Counter = collections.Counter()
    real_load, real_init = yaml.load, Params.__init__

    def load(*args, **kwargs):
        seen["yaml"] += 1
        return real_load(*args, **kwargs)

    def init(self, *args, **kwargs):
        seen["params"] += 1
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(yaml, "load", load)
    monkeypatch.setattr(Params, "__init__", init)
    return seen


def test_drawing_the_setup_controls_reads_no_file_and_builds_no_parameters(counts):
    import solara

    from slsim.tools.app.explore import SetupPanel
    from slsim.tools.app.widgets import use_ui
    session = Session("systems_leadership", overrides=dict(SMALL))

    @solara.component
    def Setup():
        SetupPanel(session, use_ui())

    from slsim.tools.app.widgets import scenario_names, scenario_titles
    scenario_titles(scenario_names())  # the menus' titles: every scenario read once, into the cache
    counts.clear()
    _, rc = solara.render(Setup(), handle_error=False)
    try:
        assert dict(counts) == {}, "was 17 YAML reads and 33 Params before the session held its scenario"
        import ipyvuetify
        fields = {w.label: w.v_model for w in rc.find(ipyvuetify.TextField).widgets}
        sliders = {w.label: w.v_model for w in rc.find(ipyvuetify.Slider).widgets}
        switches = {w.label: w.v_model for w in rc.find(ipyvuetify.Switch).widgets}
        from slsim.results.present import parameter_label
        # the slider, the box beside it and the range in words all say the same
        ceding = session.spec.params["ceding"]  # the scenario's own value, not the default's
        assert ceding != Params().ceding
        assert sliders[parameter_label("ceding")] == ceding, "the scenario's own value, on a slider"
        assert fields[f"{parameter_label('ceding')}, exact: a number from 0 to 1 (share)"] == str(ceding)
        assert fields[f"{parameter_label('n_citizens')}: a whole number from 100 to 50,000 (people)"] == "1,500", \
            "the set-up value, under the browser's limit, thousands separated as people write it"
        assert switches[f"{parameter_label('pooled_budget')} (yes or no)"] is False, "a switch for yes/no"
        counts.clear()
        session.set_param("ceding", "0,6")  # one Params checks the value, one is the model's own
        assert counts["yaml"] == 0 and counts["params"] <= 2
        assert session.setup_value("ceding") == 0.6 and session.model.params.ceding == 0.6
        counts.clear()
        session.set_scenario("blame_culture")
        session.set_scenario("systems_leadership")  # read before: from the cache
        assert counts["yaml"] <= 1
        assert counts["params"] <= 2 * (2 + len(session.spec.timeline)) + 2  # + reading blame_culture once
    finally:
        rc.close()


def test_params_decides_what_is_allowed_and_its_words_are_one_line():
    from slsim.tools.app.state import validated
    value, params = validated("n_citizens", "2000.0", {"ceding": 0.3})
    assert value == 2000 and type(value) is int and params.ceding == 0.3
    with pytest.raises(ParameterError) as err:  # a rule across parameters: Params' own sentence
        validated("visit_minutes_floor", "60", {"visit_minutes_planned": 30})
    assert "must not exceed" in str(err.value) and "\n" not in str(err.value)
    s = Session("blame_culture", seed=1, overrides=dict(SMALL))
    with pytest.raises(ParameterError,
                       match="'2' is not allowed: Decisions handed to the front line takes a number from 0 to 1"):
        s.intervene_typed("ceding", "2")
    iv = s.intervene_typed("ceding", " 0,25 ")
    assert iv.changes == {"ceding": 0.25} and s.model.params.ceding == 0.25


def test_command_line_and_browser_write_differences_alike():
    """Both take labels, numbers, changes and intervals from slsim.results.present (they used to differ:
    "+1 to +5%" against "+1% to +5%", "0.000" against "0")."""
    from rich.console import Console

    from slsim.results import present
    from slsim.tools.app.compare import differences_table
    from slsim.tools.cli import _difference_table
    cmp_ = slsim.compare(["blame_culture", "systems_leadership"], weeks=3, replicates=2, seed=1,
                         params={"n_citizens": 300, **COLD})
    diffs = cmp_.differences()
    console = Console(record=True, width=300)
    console.print(_difference_table(cmp_, present.window_text(3)))
    cli = console.export_text()
    assert "Mean of all 3 weeks" in cli
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.split("│")[1:-1]] for line in cli.splitlines()
                                          if line.count("│") >= 6)}
    html = differences_table(cmp_.baseline, "systems_leadership", diffs)
    assert len(diffs) == len(slsim.OUTCOMES)
    for _, r in diffs.iterrows():
        name, base, other = present.label(r.outcome), present.number(r.baseline_mean), present.number(r.scenario_mean)
        change, interval = present.change_cells(r)
        assert rows[name] == [name, base, other, change, interval]
        assert f"<td>{name}</td><td>{r.unit}</td><td>{base}</td><td>{other}</td><td>{change}</td><td>{interval}</td>" \
            in html


def test_charts_label_numbers_in_the_one_format():
    from slsim.results import present
    assert charts.fmt is present.number


# ---------------------------------------------------------------------------- undo, surge, reload
def _assert_equals_run_layer(s):
    expected = slsim.run(s.scenario, weeks=s.week, replicates=1, seed=s.seed, params=s.overrides,
                         timeline=s.timeline()).frame
    cols = list(slsim.OUTCOMES)
    pd.testing.assert_frame_equal(s.results()[cols].reset_index(drop=True), expected[cols].reset_index(drop=True))


def test_winter_surge_ends_by_itself_never_compounds_and_undo_takes_back_one_at_a_time():
    from slsim.tools.app.state import winter_surge_preset
    surge, weeks = winter_surge_preset()
    spec = slsim.model.scenario.resolve_scenario("winter_surge")
    starts = [ev.week for ev in spec.timeline if ev.set.get("crisis_surge", 1.0) != 1.0]
    assert (surge, weeks) == (spec.timeline[0].set["crisis_surge"], spec.timeline[1].week - starts[0])
    s = Session("blame_culture", seed=3, overrides=dict(SMALL))
    s.step(4)
    s.intervene({"ceding": 0.9})
    s.step(2)
    iv = s.winter_surge()
    with pytest.raises(ParameterError, match=f"already on; it ends by itself at week {iv.week + weeks}"):
        s.winter_surge()
    assert s.value("crisis_surge") == surge
    s.step(weeks + 2)
    assert s.value("crisis_surge") == 1.0, "the surge is over after as many weeks as the scenario's"
    s.intervene({"blame_response": 0.2})
    s.step(2)
    _assert_equals_run_layer(s)
    assert s.undo().changes == {"blame_response": 0.2}
    assert s.week == 6 + weeks + 4 and s.value("blame_response") != 0.2
    assert s.undo().changes == {"crisis_surge": surge}, "the surge goes with its end"
    assert [iv.changes for iv in s.interventions] == [{"ceding": 0.9}] and not s.scheduled
    _assert_equals_run_layer(s)
    s.undo()
    with pytest.raises(ParameterError, match="no intervention to undo"):
        s.undo()


def test_a_snapshot_rebuilds_the_session_week_for_week():
    from slsim.tools.app.state import save_snapshot, session_for
    s = Session("systems_leadership", seed=5, overrides=dict(SMALL))
    s.step(3)
    s.winter_surge()
    s.step(2)
    s.intervene({"shared_ambition": 0.1})
    save_snapshot("browser-a", {**s.snapshot(), "view": {"present": True}})
    back, view = session_for("browser-a")
    assert view == {"present": True}
    assert back.snapshot() == s.snapshot() and back.value("shared_ambition") == 0.1
    pd.testing.assert_frame_equal(back.results(), s.results())
    back.step(weeks=20)  # the surge's end is still scheduled after the reload
    assert back.value("crisis_surge") == 1.0
    fresh, view = session_for("another-browser")
    assert fresh.week == 0 and view == {}
    save_snapshot("broken", {**s.snapshot(), "scenario": "no_such_scenario"})
    assert session_for("broken")[0].week == 0, "a snapshot that no longer loads opens a new session"


def test_live_run_compared_with_its_own_baseline():
    from slsim.tools.app.state import run_live_comparison
    s = Session("blame_culture", seed=2, overrides=dict(SMALL))
    with pytest.raises(ParameterError, match="nothing to compare"):  # a smaller place is no change
        run_live_comparison(s, 10, 2, 4)
    s.step(3)
    s.intervene({"ceding": 0.9})
    cmp_ = run_live_comparison(s, 10, 2, 4, processes=1)
    assert cmp_.baseline == "blame_culture" and cmp_.scenarios[1] == "blame_culture_with_your_changes"
    frame = cmp_.frame
    cols = list(slsim.OUTCOMES)
    base = slsim.run("blame_culture", weeks=10, replicates=2, seed=4, params=SMALL).frame
    live = slsim.run("blame_culture", weeks=10, replicates=2, seed=4, params=SMALL, timeline=s.timeline()).frame
    for name, want in (("blame_culture", base), ("blame_culture_with_your_changes", live)):
        got = frame[frame["scenario"] == name]
        pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols].reset_index(drop=True))


def test_outcome_cues_and_axes_for_a_room():
    from slsim.results import present
    for name in slsim.OUTCOMES:
        assert present.better(name) in ("lower", "higher", None)
        assert not (name in present.LOWER_IS_BETTER and name in present.HIGHER_IS_BETTER)
    assert present.better("delayed_transfers") == "lower" and present.better("cross_boundary_trust") == "higher"
    assert present.unit_range("defensiveness") == (0.0, 1.0) and present.unit_range("delayed_transfers") is None
    assert set(present.HEADLINE_OUTCOMES) <= set(slsim.OUTCOMES) and 4 <= len(present.HEADLINE_OUTCOMES) <= 6
    assert present.trend_sentence("delayed_transfers", 20.0, 23.0, 30) == \
        "Delayed transfers: 23.00 patients per day at week 30, 15% higher than at week 0 (lower is better)."


def test_browser_comparison_workers_yield_the_cores_to_the_sessions():
    """A comparison's worker processes run at a lower CPU priority than the server (whose sessions
    step and draw), so a comparison in one session does not stall another session's step."""
    from slsim.execution import LocalProcessExecutor
    from slsim.tools.app.state import COMPARE_NICE
    with LocalProcessExecutor(2, nice=COMPARE_NICE) as ex:
        assert ex._pool().submit(os.nice, 0).result() == min(19, os.nice(0) + COMPARE_NICE)


def test_browser_comparison_can_carry_a_calibrations_parameter_uncertainty(tmp_path):
    """With a posterior, the browser's comparison draws each replicate's fitted parameters from it,
    the same draw for both scenarios, exactly as ``slsim.compare(..., posterior=...)`` does."""
    import json

    from slsim.tools.app.state import run_comparison
    (tmp_path / "calibration.json").write_text(json.dumps({"name": "made_up", "sha256": "0" * 64}))
    pd.DataFrame({"crisis_rate": [0.02, 0.04], "weight": [0.5, 0.5]}).to_parquet(tmp_path / "posterior.parquet")
    cmp_ = run_comparison("blame_culture", "systems_leadership", 6, 3, 1, processes=1, posterior=tmp_path)
    drawn = cmp_.meta["posterior"]["replicate_params"]
    assert {d["crisis_rate"] for d in drawn} <= {0.02, 0.04} and len(drawn) == 3
    want = slsim.compare(["blame_culture", "systems_leadership"], weeks=6, replicates=3, seed=1,
                         posterior=tmp_path, processes=1)
    pd.testing.assert_frame_equal(cmp_.frame, want.frame)
    plain = run_comparison("blame_culture", "systems_leadership", 6, 3, 1, processes=1)
    assert "posterior" not in plain.meta


def test_png_title_naming_many_interventions_stays_inside_the_figure():
    """A long title wraps: the header's right-hand edge stays white (it used to run off the figure)."""
    import io

    import matplotlib.image as mpimg

    from slsim.model.metrics import LEVEL_TITLES, columns_by_level
    from slsim.tools import charts
    made = [(w, f"Trainer: decisions handed to the front line set to 0.{w % 9 + 1} after a long talk")
            for w in range(2, 40, 4)]
    title = charts.png_title("Blame culture under pressure", 3, 40, made)
    png = charts.run_png(None, columns_by_level(), LEVEL_TITLES, title=title)
    img = mpimg.imread(io.BytesIO(png))
    rows = int(img.shape[0] * 0.06)  # the header: the title's lines and the caption
    edge = img[:rows, -12:, :3]
    assert edge.min() > 0.95, "the title reaches the figure's right edge"
    assert img[:rows, : img.shape[1] // 2, :3].min() < 0.3, "the title is drawn"


def test_negative_ticks_keep_their_sign_inside_the_margin():
    from slsim.results import present
    from slsim.tools import charts
    assert [present.tick_text(v) for v in (-600_000, -1_250_000, 25_000, 2_500, 0.25, 0)] == \
        ["-600k", "-1.25M", "25k", "2,500", "0.25", "0"]
    svg = charts.line_chart("cumulative_deficit", "cumulative deficit", present.unit_text("cumulative_deficit"), "",
                            np.arange(30), -np.linspace(0, 640_000, 30))
    ticks = re.findall(r'class="slsim-ytick"[^>]*>([^<]*)<', svg)
    assert any(t.startswith("-") for t in ticks) and max(len(t) for t in ticks) <= 6, ticks


def test_cues_units_and_words_a_room_reads():
    from slsim.results import present
    from slsim.tools.app.state import Session
    assert present.better("experiments_started") == "higher" and present.better("bed_occupancy") == "lower"
    assert present.unit_text("defensiveness") == "score 0 to 1" and "0-1" not in present.outcome_help("wellbeing")
    assert present.input_text(2500) == "2,500" and present.input_text(0.5) == "0.5"
    assert present.input_text(True) == "yes"
    s = Session(overrides=dict(COLD))
    assert s.reproduce() == "", "no call at week 0: weeks=1 would give a week the screen does not show"
    s.step(2)
    assert "weeks=2" in s.reproduce()
    assert present.trend_sentence("blame_events", 2.0, 3.0, 30, averaged_weeks=4) == \
        "Blame events: 3.00 events per week (4-week average) at week 30, 50% higher than at week 0 (lower is better)."


def test_a_smoothed_chart_writes_the_mean_its_line_ends_on():
    values = np.array([0, 0, 4, 0, 8, 0], float)
    svg = charts.line_chart("blame_events", "blame events", "events per week", "", np.arange(6), values, smooth=True)
    assert re.search(r'class="slsim-last"[^>]*>([^<]*)<', svg).group(1) == "3.00"  # (4 + 0 + 8 + 0) / 4
    assert 'data-value="0.0"' in svg and 'data-smoothed="true"' in svg
    raw = charts.line_chart("blame_events", "blame events", "events per week", "", np.arange(6), values)
    assert re.search(r'class="slsim-last"[^>]*>([^<]*)<', raw).group(1) == "0"


def test_the_compare_room_tells_one_persons_story():
    """The story panel's table: the same citizen under both scenarios, from slsim.follow, as text."""
    from slsim.results.story import follow
    from slsim.tools.app.compare import story_html
    page = story_html("blame_culture", "systems_leadership", seed=2, weeks=30)
    story = follow("blame_culture", "systems_leadership", seed=2, weeks=30)
    assert story.titles[0] in page and story.titles[1] in page
    assert page.count("<tr>") == 1 + max(len(e) for e in story.episodes)
    assert f"citizen {story.row}" in page and "<script" not in page
