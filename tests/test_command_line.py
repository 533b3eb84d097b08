"""The ``slsim`` command: in-process through ``slsim.tools.cli.main`` and as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from profiles import COLD, COLD_SET

import slsim
from slsim.model.params import Params, parameter_names
from slsim.results.output import write_atomic
from slsim.tools.cli import main

SLSIM = Path(sys.executable).parent / "slsim"
SMALL = ["--set", "n_citizens=300", *COLD_SET]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    # Rich folds long names in narrow terminals; give the tables room so names stay whole.
    monkeypatch.setenv("COLUMNS", "250")


def _bad(capsys, argv, needle):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 2, f"{argv}: exit code {code}, expected 2"
    assert out.err.startswith("slsim: error:"), f"{argv}: stderr should start 'slsim: error:': {out.err!r}"
    assert out.err.count("slsim: error:") == 1, "one message"
    assert needle in out.err, f"{argv}: the message should mention {needle!r}: {out.err!r}"
    assert "Traceback" not in out.err + out.out


def _malformed(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ntitle: [unclosed\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("argv,needle", [
    (["run", "no_such_scenario", "--weeks", "2"], "no_such_scenario"),
    (["run", "default", "--weeks", "2", "--set", "bogus=1"], "bogus"),
    (["run", "default", "--weeks", "2", "--set", "n_citizens=abc"], "n_citizens"),
    (["run", "default", "--weeks", "2", "--set", "blame_response=3"], "blame_response"),
    (["run", "default", "--weeks", "2", "--set", "n_citizens"], "NAME=VALUE"),
    (["run", "default", "--weeks", "0"], "--weeks"),
    (["run", "default", "--weeks", "2", "--replicates", "0"], "--replicates"),
    (["run", "default", "--weeks", "2", "--seed", "-1"], "--seed"),
    (["compare", "default", "--weeks", "2"], "two scenarios"),
    (["compare", "default", "nowhere", "--weeks", "2"], "nowhere"),
])
def test_cli_bad_input_in_process(capsys, argv, needle):
    _bad(capsys, argv + (SMALL if "--set" not in argv else []), needle)


def test_cli_malformed_scenario_file_in_process(capsys, tmp_path):
    path = _malformed(tmp_path)
    _bad(capsys, ["run", str(path), "--weeks", "2"], str(path))


def test_cli_out_is_a_file(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    _bad(capsys, ["run", "default", "--weeks", "2", "--out", str(f)] + SMALL, "--out")


def _subprocess(*args, cwd=None):
    env = os.environ | {"COLUMNS": "250"}
    return subprocess.run([str(SLSIM), *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.mark.slow  # five interpreters at once; test_cli_bad_input_in_process is the fast check
def test_cli_bad_input_as_a_process(tmp_path):
    cases = {
        "unknown": ["run", "no_such_scenario"],
        "bogus": ["run", "default", "--set", "bogus=1"],
        "not_a_number": ["run", "default", "--set", "n_citizens=abc"],
        "weeks0": ["run", "default", "--weeks", "0"],
        "malformed": ["run", str(_malformed(tmp_path))],
    }
    env = os.environ | {"COLUMNS": "250"}
    # Started together: the cases are independent and each pays the interpreter's start-up.
    procs = {case: subprocess.Popen([str(SLSIM), *args, "--out", str(tmp_path / case)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env)
             for case, args in cases.items()}
    for case, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, f"{case}: exit code {proc.returncode}; stderr {err!r}"
        assert err.startswith("slsim: error:"), f"{case}: {err!r}"
        assert err.count("slsim: error:") == 1, f"{case}: one message"
        assert "Traceback" not in err + out, f"{case}: no traceback for a user"
        folder = tmp_path / case
        assert not folder.exists(), f"{case}: bad input writes nothing, not even an empty folder"


def test_error_is_the_first_line_of_stderr(capsys, tmp_path):
    assert main(["run", "no_such_scenario", "--weeks", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slsim: error:"), f"stderr should start with the message: {err!r}"
    proc = _subprocess("run", str(_malformed(tmp_path)), "--weeks", "2")
    assert proc.returncode == 2
    assert proc.stderr.startswith("slsim: error:"), f"stderr should start with the message: {proc.stderr!r}"


def test_cli_list_as_a_process():
    proc = _subprocess("list")
    assert proc.returncode == 0, proc.stderr
    for name in slsim.list_scenarios():
        assert name in proc.stdout


def test_cli_list_and_params_in_process(capsys):
    assert main(["list", "-v"]) == 0
    out = capsys.readouterr().out
    for name in slsim.list_scenarios():
        assert name in out
    assert "blame" in out.lower()  # narratives with -v
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    missing = [name for name in parameter_names() if name not in out]
    assert not missing, f"slsim params should list every parameter and coefficient; missing {missing}"
    assert main(["params", "--group", "hospital"]) == 0
    out = capsys.readouterr().out
    assert "hospital.crowding_start" in out and "blame_response" not in out
    assert main(["params", "--group", "leadership"]) == 0
    out = capsys.readouterr().out
    assert "blame_response" in out and "n_citizens" not in out


def _no_temp_files(folder: Path):
    leftovers = [p.name for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith(".")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_cli_run_writes_data_figures_and_record(tmp_path):
    out = tmp_path / "out"
    proc = _subprocess("run", "default", "--weeks", "10", "--replicates", "2", "--out", str(out), *COLD_SET)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for ext in ("csv", "parquet", "meta.json", "png", "svg"):
        f = out / f"default.{ext}"
        assert f.is_file() and f.stat().st_size > 0, f"missing {f.name}"
    _no_temp_files(out)
    csv = pd.read_csv(out / "default.csv")
    parquet = pd.read_parquet(out / "default.parquet")
    assert len(csv) == len(parquet) == 2 * 10
    for col in ["scenario", "replicate", "seed", "week", *slsim.OUTCOMES]:
        assert col in csv.columns and col in parquet.columns, col
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    meta = json.loads((out / "default.meta.json").read_text())
    assert meta["scenarios"] == ["default"]
    assert meta["seed"] == 0 and len(meta["replicate_seeds"]) == 2
    assert meta["slsim_version"] == slsim.__version__
    assert meta["scenario_params"]["default"]["n_citizens"] == Params().n_citizens
    assert sorted(csv["seed"].unique()) == sorted(meta["replicate_seeds"])
    assert (out / "default.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out / "default.svg").read_text()[:2000]
    assert "delayed" in proc.stdout, "a readable table of outcomes in the terminal"


def test_cli_run_in_process_matches_the_api(capsys, tmp_path):
    out = tmp_path / "o"
    code = main(["run", "blame_culture", "--weeks", "6", "--replicates", "2", "--seed", "4", "--processes", "1",
                 "--out", str(out), "--no-figure"] + SMALL)
    assert code == 0
    assert not (out / "blame_culture.png").exists(), "--no-figure writes no figure"
    got = pd.read_parquet(out / "blame_culture.parquet")
    api = slsim.run("blame_culture", weeks=6, replicates=2, seed=4, params={"n_citizens": 300, **COLD},
                    processes=1).frame
    pd.testing.assert_frame_equal(got, api, check_dtype=False)
    meta = json.loads((out / "blame_culture.meta.json").read_text())
    assert meta["params"] == {"n_citizens": 300, **COLD}


def test_cli_compare_writes_differences(capsys, tmp_path):
    out = tmp_path / "cmp"
    code = main(["compare", "blame_culture", "systems_leadership", "--weeks", "8", "--replicates", "3",
                 "--processes", "1", "--out", str(out), "--no-figure"] + SMALL)
    assert code == 0, capsys.readouterr().err
    stem = "blame_culture_vs_systems_leadership"
    diffs = pd.read_csv(out / f"{stem}.differences.csv")
    assert set(diffs["outcome"]) == set(slsim.OUTCOMES)
    assert set(diffs["scenario"]) == {"systems_leadership"} and set(diffs["baseline"]) == {"blame_culture"}
    for col in ("difference", "lo", "hi", "replicates"):
        assert col in diffs.columns
    frame = pd.read_csv(out / f"{stem}.csv")
    assert set(frame["scenario"]) == {"blame_culture", "systems_leadership"}
    _no_temp_files(out)


# ---------------------------------------------------------------- atomic writes
def test_write_atomic_failure_leaves_nothing(tmp_path):
    target = tmp_path / "data.csv"

    def broken(path):
        path.write_text("half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, broken)
    assert not target.exists(), "no file at the target"
    assert list(tmp_path.iterdir()) == [], "no temporary file left"


def test_write_atomic_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "data.csv"
    target.write_text("complete old results")

    def broken(path):
        path.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, broken)
    assert target.read_text() == "complete old results", "an interrupted write never replaces a complete file"
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_write_atomic_success(tmp_path):
    target = tmp_path / "sub" / "data.txt"
    write_atomic(target, lambda p: p.write_text("all of it"))
    assert target.read_text() == "all of it"
    assert [p.name for p in target.parent.iterdir()] == ["data.txt"]


@pytest.mark.parametrize("out", ["/proc/slsim-x", "/dev/null/x"])
def test_cli_unwritable_out_is_refused_before_any_work(capsys, out):
    assert main(["run", "default", "--weeks", "2", "--replicates", "1", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slsim: error: --out") and "Traceback" not in err


def test_cli_empty_out_is_refused(capsys):
    assert main(["run", "default", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and err.count("\n") == 1 and "usage:" not in err


def test_meta_json_is_written_last_with_checksums_of_the_set(capsys, tmp_path):
    from slsim.results.output import sha256
    assert main(["compare", "default", "blame_culture", "--weeks", "4", "--replicates", "2",
                 "--out", str(tmp_path), *COLD_SET]) == 0
    stem = "default_vs_blame_culture"
    meta = json.loads((tmp_path / f"{stem}.meta.json").read_text())
    files = meta["files"]
    assert set(files) == {f"{stem}.{ext}" for ext in ("csv", "parquet", "png", "svg", "differences.csv")}
    for name, digest in files.items():
        assert sha256(tmp_path / name) == digest, f"{name} must be the file the record describes"
    mtimes = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert mtimes[f"{stem}.meta.json"] >= max(mtimes[n] for n in files), "the record comes last"


def test_a_new_set_first_removes_the_old_record(tmp_path):
    from slsim.results.output import begin_set
    (tmp_path / "x.meta.json").write_text("{}")
    begin_set(tmp_path, "x")
    assert not (tmp_path / "x.meta.json").exists(), "an interrupted new set must not look vouched for"


def test_written_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "f.txt", lambda p: p.write_text("x"))
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644, "not the private 0600 of a temporary file"


def test_meta_records_the_scenario_timeline_and_file(tmp_path):
    with pytest.warns(UserWarning):  # the switch at week 52 comes after these 2 weeks
        res = slsim.run("switch_to_systems_leadership", weeks=2, replicates=1, params=COLD)
    timeline = res.meta["scenario_timelines"]["switch_to_systems_leadership"]
    assert [ev["week"] for ev in timeline] == [52]
    record = res.meta["scenario_files"]["switch_to_systems_leadership"]
    assert record["path"].endswith("switch_to_systems_leadership.yaml") and len(record["sha256"]) == 64


def test_no_percentage_for_a_level_that_changes_sign():
    # A deficit that becomes a surplus is reported as a difference in GBP, not a misleading %.
    import numpy as np
    frame = pd.DataFrame({"scenario": ["a"] * 2 + ["b"] * 2, "replicate": [0, 1] * 2, "seed": 0, "week": 1,
                          **{name: 1.0 for name in slsim.OUTCOMES}})
    frame.loc[frame.scenario == "a", "cumulative_deficit"] = [100.0, 120.0]
    frame.loc[frame.scenario == "b", "cumulative_deficit"] = [-50.0, -70.0]
    cmp_ = slsim.Comparison(frame, {}, baseline="a")
    row = cmp_.differences(["cumulative_deficit"]).iloc[0]
    assert np.isnan(row["percent"]) and row["difference"] == pytest.approx(-170.0)


@pytest.mark.parametrize("attempt", range(3))
def test_ctrl_c_in_a_terminal_stops_a_parallel_compare_and_its_workers(tmp_path, attempt, group_alive):
    """Ctrl-C in a terminal reaches every process of the group: the workers must leave it to the
    parent, which stops them and exits 130, leaving no process behind (a worker interrupted inside
    the pool's queue once left the parent waiting for ever)."""
    import psutil

    log = tmp_path / "log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(SLSIM), "compare", "blame_culture", "systems_leadership", "--replicates", "40",
                                 "--processes", "2", "--out", str(tmp_path / "out")], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(psutil.Process(proc.pid).children(recursive=True)) < 2:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker pool never started"
            time.sleep(0.05)
        time.sleep(0.2 * attempt)  # catch the workers at different points of their work
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        proc.wait(timeout=60)
        assert proc.returncode == 130, log.read_text()
        assert "slsim: interrupted" in log.read_text()
        deadline = time.monotonic() + 10
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(proc.pid), "a worker outlived the interrupted compare"
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=10)


@pytest.mark.slow  # two runs as processes, one with a pool
def test_notes_say_once_what_a_timeline_does_to_the_settings(tmp_path):
    """`--set` of a parameter the scenario's timeline changes later, and events after the last week:
    each said once as a note (not a Python warning per replicate), and the run goes ahead."""
    proc = _subprocess("run", "austerity_cut", "--weeks", "8", "--replicates", "3", "--processes", "2",
                       "--set", "social_care_budget_level=0.5", "--out", str(tmp_path / "out"), "--no-figure",
                       *COLD_SET)
    assert proc.returncode == 0, proc.stderr
    note = "slsim: note: austerity_cut: its timeline sets social_care_budget_level at week(s)"
    late = "slsim: note: austerity_cut: timeline events at week(s) [13] come after the run's 8 weeks"
    assert proc.stderr.count(note) == 0, "the event at week 13 is after these 8 weeks: not a change in this run"
    assert proc.stderr.count(late) == 1, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    proc = _subprocess("run", "austerity_cut", "--weeks", "20", "--replicates", "2",
                       "--set", "social_care_budget_level=0.5", "--out", str(tmp_path / "out2"), "--no-figure",
                       *COLD_SET)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(note + " [13]; the value you gave holds until then") == 1, proc.stderr


def test_compare_of_two_files_with_one_name_is_refused_before_any_work(capsys, tmp_path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text("name: mine\ntitle: A\nnarrative: a\nparams: {ceding: 0.2}\n")
    second.write_text("name: mine\ntitle: B\nnarrative: b\nparams: {ceding: 0.8}\n")
    out = tmp_path / "out"
    assert main(["compare", str(first), str(second), "--weeks", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slsim: error: compare needs different scenarios") and "name: field" in err, err
    assert not out.exists(), "nothing written, not even the folder"


@pytest.mark.parametrize("argv,needle", [
    (["run", "default", "--weeks", "2.5"], "argument --weeks: invalid int value: '2.5'"),
    (["run", "default", "--seed", str(2**63)], f"argument --seed: {2**63}: allowed a whole number from 0 to"),
    (["compare", "default", "blame_culture", "--seed", "-1"], "argument --seed: -1: allowed"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
])
def test_a_usage_error_is_one_line_without_the_usage_block(capsys, tmp_path, argv, needle):
    code = main(argv + (["--out", str(tmp_path / "o")] if argv[0] != "nosuchcommand" else []))
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("slsim: error: "), err
    assert needle in err and "usage:" not in err, err
    assert not (tmp_path / "o").exists()


def test_the_version_names_the_commit_and_outputs_name_the_model_code(capsys, tmp_path):
    from slsim.provenance import model_sha256, version
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"slsim {version()}"
    res = slsim.run("default", weeks=2, replicates=1, params=COLD)
    assert res.meta["model_sha256"] == model_sha256() and res.meta["slsim_version"] == version()
