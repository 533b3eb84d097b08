"""Sweeps that can be trusted with a week of cluster time (issue 12): provenance by content,
bounded work, one sweep per folder, faults that end in one line, words that are true."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from profiles import COLD

from slsim.errors import ExperimentError
from slsim.execution import ClusterLost
from slsim.model.params import Params
from slsim.model.scenario import scenario_dir
from slsim.tools.sweep import load_results, plan, read_manifest, run_sweep
from slsim.tools.sweep.store import LOCK, RUNNING, FolderLock, StoreWriteError, SweepLocked

from .conftest import sweep_until_ctrl_c, write_experiment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

MYPLACE = """name: myplace
title: My place
narrative: A place of our own, built on the blame culture.
extends: blame_culture
params:
  n_citizens: 600
  blame_response: 0.2
"""


def slsim(*args, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "slsim.tools.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, **kw)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def cli(capsys, *args) -> tuple[int, str, str]:
    """The whole command line, in this process (fast): exit code, stdout, stderr."""
    from slsim.tools.cli import main
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["seconds", "session"]).sort_values("run_id").reset_index(drop=True)


# ------------------------------------------------------------------ 1 provenance by content
def _my_experiment(folder: Path) -> Path:
    (folder / "myplace.yaml").write_text(MYPLACE)
    return write_experiment(folder, name="mine", scenario=str(folder / "myplace.yaml"), params=dict(COLD),
                            factors={"budget_gap": {"range": [-0.1, 0.1], "steps": 3}})


def test_a_resume_after_the_scenario_file_was_edited_is_refused_saying_what_changed(tmp_path, capsys):
    exp, out = _my_experiment(tmp_path), tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=3)
    (tmp_path / "myplace.yaml").write_text(MYPLACE.replace("blame_response: 0.2", "blame_response: 0.9"))
    before = tree(out)
    with pytest.raises(ExperimentError) as info:
        run_sweep(exp, out, processes=1)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"--out {out}: the inputs changed since this sweep started"), msg
    assert "scenario file" in msg and "myplace.yaml was edited" in msg, msg
    assert "blame_response 0.2 -> 0.9" in msg and "of 6 runs differ" in msg, msg
    assert "another --out" in msg and "--allow-changed-inputs" in msg, msg
    code, _, err = cli(capsys, "sweep", exp, "--out", out, "--processes", "1")
    assert code == 2 and one_line(err) == f"slsim: error: {msg}"
    assert tree(out) == before  # refused: nothing written, not even the manifest

    summary = run_sweep(exp, out, processes=1, allow_changed_inputs=True)
    assert summary.completed == 3 and summary.skipped == 3
    m = read_manifest(out)
    assert any("myplace.yaml was edited" in c for c in m["sessions"][-1]["allowed_changed_inputs"])
    runs = load_results(out)
    # the two sessions' runs can be told apart, and each names the parameters it really ran with
    by_session = runs.groupby("session")["params_sha256"].unique()
    blame = {s: {m["resolved_params"][h]["params"]["blame_response"] for h in v} for s, v in by_session.items()}
    assert blame == {1: {0.2}, 2: {0.9}}
    # each run's record holds every resolved parameter, by hash
    rec = m["runs"][5]
    # (a run that changes no coefficient records none: the defaults are the code's)
    assert set(m["resolved_params"][rec["resolved_sha256"]]["params"]) == set(Params.model_fields) - {"coefficients"}


def test_an_edit_of_a_file_reached_through_extends_is_seen(tmp_path, monkeypatch):
    library = tmp_path / "library"
    shutil.copytree(scenario_dir(), library)
    monkeypatch.setenv("SLSIM_SCENARIOS", str(library))
    exp, out = _my_experiment(tmp_path), tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=3)
    files = read_manifest(out)["sessions"][0]["inputs"]["scenario_files"]
    assert {Path(p).name for p in files} == {"myplace.yaml", "blame_culture.yaml"}
    with open(library / "blame_culture.yaml", "a") as fh:
        fh.write("# edited by a colleague\n")
    with pytest.raises(ExperimentError, match=r"scenario file \S*blame_culture.yaml was edited"):
        run_sweep(exp, out, processes=1)


def test_a_resume_on_changed_model_code_is_refused_in_one_line_unless_allowed(tmp_path, capsys, monkeypatch):
    import slsim.provenance as provenance
    exp, out = _my_experiment(tmp_path), tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=3)
    old = read_manifest(out)["inputs"]["model_sha256"]
    assert old == provenance.model_sha256()
    monkeypatch.setattr(provenance, "model_sha256", lambda: "f" * 64)  # as if a rule's code had been edited
    before = tree(out)
    code, _, err = cli(capsys, "sweep", exp, "--out", out, "--processes", "1")
    assert code == 2 and one_line(err), err
    assert f"the model's code changed (slsim/model sha256 {old[:12]} -> ffffffffffff" in err, err
    assert tree(out) == before
    summary = run_sweep(exp, out, processes=1, allow_changed_inputs=True)
    assert summary.completed == 3 and summary.skipped == 3
    sessions = read_manifest(out)["sessions"]
    assert any("model's code changed" in c for c in sessions[-1]["allowed_changed_inputs"])
    assert [s["inputs"]["model_sha256"] for s in sessions] == [old, "f" * 64]


def test_the_model_hash_changes_with_one_constant_of_a_rule_and_not_with_the_folder(tmp_path, monkeypatch):
    import slsim.provenance as provenance
    copy = tmp_path / "elsewhere" / "model"
    shutil.copytree(provenance.MODEL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "MODEL", copy)
    same = provenance.model_sha256.__wrapped__()
    assert same == provenance.model_sha256()
    rule = copy / "processes" / "hospital.py"
    text = rule.read_text()
    i = next(i for i, ch in enumerate(text) if ch.isdigit())  # the first digit in the rule's source
    rule.write_text(text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:])
    assert provenance.model_sha256.__wrapped__() != same


def test_the_same_inputs_in_a_clone_at_another_path_resume(tmp_path, monkeypatch):
    first = tmp_path / "first"
    shutil.copytree(scenario_dir(), first / "scenarios")
    monkeypatch.setenv("SLSIM_SCENARIOS", str(first / "scenarios"))
    exp = write_experiment(first, name="mine", scenario="blame_culture",
                           factors={"budget_gap": {"range": [-0.1, 0.1], "steps": 3}})
    sweep_until_ctrl_c(exp, first / "out", after=3)
    clone = tmp_path / "clone"
    shutil.copytree(first, clone)  # a colleague's clone: the same content at another path
    shutil.rmtree(first)
    monkeypatch.setenv("SLSIM_SCENARIOS", str(clone / "scenarios"))
    summary = run_sweep(clone / exp.name, clone / "out", processes=1)
    assert summary.completed == 3 and summary.skipped == 3


def test_every_part_names_the_code_and_experiment_it_came_from(tmp_path):
    import json

    import pyarrow.parquet as pq

    from slsim.provenance import stamp
    exp, out = _my_experiment(tmp_path), tmp_path / "out"
    run_sweep(exp, out, processes=1)
    parts = sorted(out.glob("*/part-*.parquet"))
    assert {p.parent.name for p in parts} == {"runs", "weekly"}
    content = read_manifest(out)["experiment"]["content_sha256"]
    for part in parts:
        meta = json.loads(pq.read_schema(part).metadata[b"slsim"])
        assert meta == stamp() | {"experiment_sha256": content}


# ------------------------------------------------------------------ 2 bounded work
FIVE = ["blame_response", "ceding", "experimentation", "learning_breadth", "shared_ambition"]


@pytest.mark.parametrize("changes,size", [
    ({"factors": {f: {"range": [0.0, 1.0], "steps": 1000} for f in FIVE}, "replicates": 1}, "1,000,000,000,000,000"),
    ({"design": "sobol", "samples": 524_288, "second_order": True, "replicates": 1,
      "factors": {f: {"range": [0.0, 1.0]} for f in FIVE}}, "6,291,456"),
])
def test_an_exploding_design_is_refused_with_its_size_before_it_is_built(tmp_path, capsys, changes, size):
    exp = write_experiment(tmp_path, **changes)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ExperimentError, match=f"= {size} runs, more than --max-runs 1,000,000"):
        plan(exp)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 1.0 and peak < 20_000_000, (seconds, peak)
    for extra in ([], ["--dry-run"]):
        code, _, err = cli(capsys, "sweep", exp, "--out", tmp_path / "out", *extra)
        assert code == 2 and f"= {size} runs, more than --max-runs" in one_line(err)
    assert not (tmp_path / "out").exists()


def test_a_dry_run_builds_no_more_than_it_prints(tmp_path, capsys):
    exp = write_experiment(tmp_path, replicates=1,
                           factors={f: {"range": [0.0, 1.0], "steps": 1000} for f in FIVE[:2]}
                           | {"budget_gap": {"levels": [-0.1, 0.0, 0.1, 0.2]}})
    tracemalloc.start()
    code, out, _ = cli(capsys, "sweep", exp, "--dry-run", "--max-runs", "5000000")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 0 and peak < 20_000_000, peak
    lines = out.splitlines()
    assert lines[0].startswith("tiny: design grid, 4,000,000 points x 1 replicate = 4,000,000 runs of 30 weeks")
    assert lines[1:4] == ["  point 0: blame_response=0.0, ceding=0.0, budget_gap=-0.1",
                          "  point 1: blame_response=0.0, ceding=0.0, budget_gap=0.0",
                          "  point 2: blame_response=0.0, ceding=0.0, budget_gap=0.1"]
    assert lines[-1] == "  ... and 3,999,997 more points (not built by --dry-run)"


@pytest.mark.parametrize("option", ["--workers", "--processes"])
def test_more_workers_than_cores_is_refused_at_once(tmp_path, capsys, option):
    start = time.perf_counter()
    code, _, err = cli(capsys, "sweep", write_experiment(tmp_path), "--out", tmp_path / "out", option, "100000")
    assert code == 2 and time.perf_counter() - start < 5
    assert f"{option} 100000: this machine lets slsim use" in one_line(err) and "allowed 1 to" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ 4 one sweep per folder
HOLD = """
import sys, time
from pathlib import Path
from slsim.tools.sweep.store import FolderLock
lock = FolderLock(Path(sys.argv[1]))
lock.acquire("tiny")
print("held", flush=True)
time.sleep(120)
"""


def test_a_second_sweep_into_a_busy_folder_is_refused_naming_the_first(tmp_path, capsys):
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(SweepLocked, match=f"another sweep is running into this folder .*process {holder.pid} "):
            run_sweep(exp, out, processes=1)
        code, _, err = cli(capsys, "sweep", exp, "--out", out, "--processes", "1")
        assert code == 2 and f"process {holder.pid} on {socket.gethostname()}" in one_line(err)
        assert sorted(p.name for p in out.iterdir()) == sorted([LOCK, RUNNING])  # nothing of ours was written
        # the lock is the OS's: it goes with the process, however the process ends
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert run_sweep(exp, out, processes=1).completed == 12
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
    assert not (out / RUNNING).exists()
    assert len(pd.concat([pd.read_parquet(p) for p in (out / "runs").glob("part-*.parquet")])) == 12


def test_two_sweeps_started_together_compute_each_run_once(tmp_path):
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    results: list = []

    def sweep():
        try:
            results.append(run_sweep(exp, out, processes=1))
        except Exception as err:  # noqa: BLE001 - anything but SweepLocked fails the test below
            results.append(err)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    kinds = sorted(type(r).__name__ for r in results)
    assert "SweepLocked" in kinds or kinds == ["SweepSummary", "SweepSummary"], results
    # either the second was refused, or it started after the first finished and skipped everything
    if kinds == ["SweepLocked", "SweepSummary"]:
        assert "another sweep is running" in str(next(r for r in results if isinstance(r, SweepLocked)))
    else:
        assert kinds == ["SweepSummary", "SweepSummary"] and sorted(r.skipped for r in results) == [0, 12]
    rows = pd.concat([pd.read_parquet(p) for p in (out / "runs").glob("part-*.parquet")])
    assert len(rows) == 12 and rows["run_id"].is_unique


def test_a_session_killed_outright_is_marked_interrupted_by_the_next(tmp_path):
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    sweep_until_ctrl_c(exp, out, after=3)
    m = json.loads((out / "manifest.json").read_text())
    m["sessions"][-1]["status"] = "running"  # what kill -9 leaves behind
    (out / "manifest.json").write_text(json.dumps(m))
    run_sweep(exp, out, processes=1)
    first, second = read_manifest(out)["sessions"]
    assert first["status"] == "interrupted" and "marked interrupted by session 2" in first["note"]
    assert second["status"] == "complete"


# ------------------------------------------------------------------ 5 faults end in words
@pytest.mark.slow  # a sweep as a process, stopped and resumed
def test_sigterm_saves_finished_runs_and_says_so(tmp_path):
    exp = write_experiment(tmp_path, replicates=6)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "slsim.tools.cli", "sweep", str(exp), "--out", str(out),
                             "--processes", "1"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    saved = len(load_results(out))
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == (f"slsim: interrupted by SIGTERM; {saved} of 36 runs saved in {out}; "
                                            f"run the same command to resume")
    assert 3 <= saved < 36 and read_manifest(out)["sessions"][-1]["status"] == "interrupted"
    assert run_sweep(exp, out, processes=1).skipped == saved


def test_a_corrupt_part_is_skipped_by_analyse_and_quarantined_and_rerun_on_resume(tmp_path):
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    run_sweep(exp, out, processes=1)
    whole = load_results(out)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    part.write_bytes(part.read_bytes()[:200])  # truncated, as by a full disk or a copy cut short
    with pytest.warns(UserWarning, match=f"skipped 1 unreadable part \\({part.name}\\)"):
        assert len(load_results(out)) == 9
    from slsim.tools.sweep.analysis import analyse
    rep = analyse(out)
    assert any(f"skipped 1 unreadable part** (runs/{part.name})" in line for line in rep.lines), rep.lines
    summary = run_sweep(exp, out, processes=1)
    assert summary.quarantined == [f"runs/{part.name} (unreadable)"]
    assert summary.completed == 3 and summary.skipped == 9
    # set aside outside runs/ and weekly/, so folder readers (pandas, arrow, R) can read those whole
    assert (out / "quarantine" / "runs" / (part.name + ".corrupt")).exists() and not part.exists()
    assert (out / "quarantine" / "weekly" / (part.name + ".corrupt")).exists()
    assert not [p for p in out.glob("*/*") if p.parent.name in ("runs", "weekly") and p.suffix != ".parquet"]
    assert read_manifest(out)["sessions"][-1]["quarantined_parts"] == [f"runs/{part.name} (unreadable)"]
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(whole))
    pd.read_parquet(out / "runs")  # a folder reader opens the folder


@pytest.mark.parametrize("damage,why", [
    ("another experiment's part", "from another experiment"),
    ("a part with other seeds", "has seed"),
    ("a deleted weekly part", "its weekly part is missing"),
])
def test_a_foreign_or_incomplete_part_is_set_aside_on_resume_and_skipped_on_load(tmp_path, damage, why):
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    run_sweep(exp, out, processes=1)
    whole = load_results(out)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    if damage == "another experiment's part":
        other = write_experiment(tmp_path, name="other", seed=99)
        run_sweep(other, tmp_path / "o2", processes=1)
        shutil.copy(sorted((tmp_path / "o2" / "runs").glob("part-*.parquet"))[1], part)
        with pytest.warns(UserWarning, match="not of this sweep"):
            assert len(load_results(out)) == 9
    elif damage == "a part with other seeds":
        df = pd.read_parquet(part)
        df["seed"] = df["seed"] + 1
        df.to_parquet(part, index=False)  # no slsim metadata: judged by its rows
        with pytest.warns(UserWarning, match="not of this sweep"):
            assert len(load_results(out)) == 9
    else:
        (out / "weekly" / part.name).unlink()
    summary = run_sweep(exp, out, processes=1)
    assert len(summary.quarantined) == 1 and why in summary.quarantined[0], summary.quarantined
    assert summary.completed == 3 and summary.skipped == 9
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(whole))
    assert load_results(out, what="weekly")["run_id"].nunique() == 12


@pytest.mark.parametrize("content,what", [
    (b"{}", "not a sweep manifest: experiment, design, factors, n_runs, runs, sessions missing"),
    (b"[]", "not a sweep manifest (a JSON list"),
    (b'{"experiment": {}, "design": {}, "factors": [1], "n_runs": 1, "runs": [], "sessions": []}',
     "experiment.spec, factors or sessions are not what slsim sweep writes"),
    (b"\x00\xff\xfe binary", "cannot read the manifest"),
    (b'{"format": 1, "experi', "cannot read the manifest"),
])
def test_a_bad_manifest_is_one_line_naming_the_file(tmp_path, capsys, content, what):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_bytes(content)
    code, _, err = cli(capsys, "analyse", out)
    assert code == 2 and one_line(err).startswith(f"slsim: error: {out / 'manifest.json'}: ") and what in err
    code, _, err = cli(capsys, "sweep", write_experiment(tmp_path), "--out", out, "--processes", "1")
    assert code == 2 and one_line(err).startswith(f"slsim: error: {out / 'manifest.json'}: ") and what in err
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_a_full_disk_names_the_file_and_leaves_nothing_partial(tmp_path, monkeypatch, capsys):
    exp, out = write_experiment(tmp_path), tmp_path / "out"

    def full(table, path, *a, **k):
        Path(path).write_bytes(b"PAR1 half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    import pyarrow.parquet as pq
    monkeypatch.setattr(pq, "write_table", full)  # how the store writes its parts
    with pytest.raises(StoreWriteError) as info:
        run_sweep(exp, out, processes=1)
    msg = str(info.value)
    assert msg.startswith(f"{out / 'weekly' / 'part-0001-000001.parquet'}: cannot write (No space left on device)")
    assert not [p for p in out.rglob("*") if p.is_file() and p.suffix in (".parquet", ".tmp")]
    code, _, err = cli(capsys, "sweep", exp, "--out", out, "--processes", "1")
    assert code == 2 and "cannot write (No space left on device)" in one_line(err)


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00", b'{"address": 12}', b"{not json"])
def test_a_scheduler_file_that_is_not_one_is_one_line(tmp_path, capsys, content):
    pytest.importorskip("distributed")
    sched = tmp_path / "scheduler.json"
    sched.write_bytes(content)
    code, _, err = cli(capsys, "sweep", write_experiment(tmp_path), "--out", tmp_path / "out", "--scheduler", sched)
    assert code == 2 and one_line(err).startswith(f"slsim: error: --scheduler {sched}: not a Dask scheduler file")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("reply", [b"\xff" * 64, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b""])
def test_a_server_that_is_not_dask_is_one_line(tmp_path, reply):
    """Garbage (read as a 2.8 EiB message length), a web server, and one that accepts and says
    nothing: each refused within the connect timeout, in one line."""
    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    stop = threading.Event()
    held = []

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            if reply:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        start = time.monotonic()
        res = slsim("sweep", write_experiment(tmp_path), "--out", tmp_path / "out", "--scheduler",
                    f"tcp://127.0.0.1:{port}", timeout=90)
        seconds = time.monotonic() - start
    finally:
        stop.set()
        for c in held:
            c.close()
        server.close()
    assert res.returncode == 2, res.stderr
    assert one_line(res.stderr).startswith(f"slsim: error: --scheduler tcp://127.0.0.1:{port}: cannot reach a Dask")
    assert seconds < 60 and not (tmp_path / "out").exists()


def test_a_lost_cluster_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import slsim.tools.sweep.core as core

    def lost(*a, **k):
        raise ClusterLost("lost the Dask cluster at tcp://127.0.0.1:1 (CommClosedError); run the same command "
                          "to resume once it is back; 3 of 12 runs saved in out")

    monkeypatch.setattr(core, "run_sweep", lost)
    code, _, err = cli(capsys, "sweep", write_experiment(tmp_path), "--out", tmp_path / "out")
    assert code == 2 and one_line(err).startswith("slsim: error: lost the Dask cluster")


@pytest.mark.dask
def test_when_every_worker_dies_the_sweep_stops_after_the_timeout_and_resumes(dask_cluster, tmp_path):
    exp, out = write_experiment(tmp_path), tmp_path / "out"

    def kill_all(rec):
        for proc in dask_cluster.workers.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)

    start = time.monotonic()
    with pytest.raises(ClusterLost, match=r"every Dask worker of .* has been gone for 3 s \(--worker-timeout\)"):
        run_sweep(exp, out, scheduler=dask_cluster.address, on_record=kill_all, worker_timeout=3)
    assert time.monotonic() - start < 60
    assert read_manifest(out)["sessions"][-1]["status"] == "interrupted"
    dask_cluster.start_worker("w3")
    dask_cluster.wait_for_workers(1)
    summary = run_sweep(exp, out, scheduler=dask_cluster.address)
    assert summary.status == "complete" and len(load_results(out)) == 12


# ------------------------------------------------------------------ 3 lax input
@pytest.mark.parametrize("changes,expected", [
    ({"params": {"n_citizens": 600, "blame_response": True}}, "blame_response = True: True is not a number"),
    ({"params": {"n_citizens": "1000"}}, "n_citizens = '1000': '1000' is not a whole number"),
    ({"factors": {"blame_response": {"levels": [True, 0.5]}}}, "level True: True is not a number"),
    ({"factors": {"pooled_budget": {"levels": [1, 0]}}}, "level 1: 1 is not yes/no"),
    ({"replicates": "3"}, "replicates: '3': Input should be a valid integer"),
    ({"weeks": 3, "outputs": {"summary_weeks": 100}}, "outputs.summary_weeks 100 is longer than the run (weeks: 3)"),
    ({"analysis": {"spiral": ["defensiveness > nan"]}}, "'defensiveness > nan': expected"),
    ({"analysis": {"spiral": ["defensiveness rises by inf"]}}, "(a finite number)"),
])
def test_lax_values_are_refused(tmp_path, capsys, changes, expected):
    exp = write_experiment(tmp_path, **changes)
    code, _, err = cli(capsys, "sweep", exp, "--dry-run")
    assert code == 2 and expected in one_line(err), err


def test_a_parameter_set_twice_on_the_command_line_is_refused(tmp_path, capsys):
    code, _, err = cli(capsys, "run", "default", "--weeks", "2", "--out", tmp_path / "o", "--set", "ceding=0.1",
                       "--set", "ceding=0.2")
    assert code == 2 and "ceding is already set by an earlier --set" in one_line(err)
    assert not (tmp_path / "o").exists()


def test_params_refuse_what_lax_mode_would_convert_and_keep_what_was_valid():
    with pytest.raises(ValueError, match="not a number"):
        Params(blame_response=True)
    with pytest.raises(ValueError, match="not a whole number"):
        Params(n_citizens="1000")
    with pytest.raises(ValueError, match="not yes/no"):
        Params(pooled_budget="yes")
    with pytest.raises(ValueError, match="not a number"):
        Params(leadership_overrides={"acute": {"ceding": "0.3"}})
    p = Params(n_citizens=1000.0, blame_response=1, pooled_budget=True)
    assert (p.n_citizens, p.blame_response, p.pooled_budget) == (1000, 1.0, True)


def test_a_field_error_names_file_line_and_key_in_one_line(tmp_path, capsys):
    path = tmp_path / "e.yaml"
    path.write_text("name: e\nfactors: {blame_response: {levels: [0.1]}}\nreplicates: '3'\nweeks: true\nfoo: 1\n")
    code, _, err = cli(capsys, "sweep", path, "--dry-run")
    assert code == 2 and one_line(err) == (f"slsim: error: {path}: line 3: replicates: '3': Input should be a valid "
                                           f"integer; line 4: weeks: True: Input should be a valid integer; line 5: "
                                           f"foo: unknown field")


# ------------------------------------------------------------------ 6 words that are true
def test_most_means_a_strict_majority():
    from slsim.tools.sweep.analysis.report import _tipping_lines
    tab = pd.DataFrame({0.1: [0.5, 0.0], 0.9: [1.0, 0.5]}, index=[0.2, 0.8])
    lines = _tipping_lines(tab, "blame_response", "ceding")
    assert lines[1].endswith("blame response 0.9 or more") or "0.9 or more" in lines[1]
    assert "not reached" in lines[2]  # 1 of 2 runs is not "most"


def test_bands_of_a_range_start_at_its_start():
    import numpy as np

    from slsim.tools.sweep.analysis.compute import band_table, factor_levels
    x = np.linspace(0.0, 1.0, 50)
    runs = pd.DataFrame({"ceding": x, "y": x})
    info = {"kind": "range", "low": 0.0, "high": 1.0}
    levels = factor_levels(runs, "ceding", info)
    labels = list(levels.cat.categories)
    assert labels[0].startswith("0-") and labels[-1].endswith("-1") and len(labels) == 5
    assert list(band_table(runs, "y", "ceding", info).index) == labels  # in value order


def test_counts_are_singular_for_one():
    from slsim.results.present import plural
    assert [plural(1, "replicate"), plural(2, "replicate"), plural(1_000, "run")] == ["1 replicate", "2 replicates",
                                                                                   "1,000 runs"]


def test_no_lock_left_behind_by_bad_input_found_after_locking(tmp_path):
    """A bad executor choice is found after the lock is taken: the folder made for the lock goes."""
    lock = FolderLock(tmp_path / "new")
    lock.acquire("x")
    lock.release(written=False)
    assert not (tmp_path / "new").exists()


@pytest.mark.dask
def test_ctrl_c_with_a_local_dask_cluster_stops_at_once_in_one_line(tmp_path):
    """Ctrl-C reaches the whole process group, as from a terminal: the workers ignore it, the
    sweep saves, ends its local workers and says one line (the issue asks for 2 s; the bound
    here is generous for a loaded 2-core CI machine, the measured figure is in the report)."""
    exp, out = write_experiment(tmp_path, replicates=6), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "slsim.tools.cli", "sweep", str(exp), "--out", str(out), "--workers",
                             "2"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 240
        while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        seconds = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    saved = len(load_results(out))
    assert proc.returncode == 130 and seconds < 10, (seconds, err)
    assert one_line(err) == f"slsim: interrupted; {saved} of 36 runs saved in {out}; run the same command to resume"


def test_the_tidy_export_is_what_load_results_gives_and_names_its_code(tmp_path):
    import json

    import pyarrow.parquet as pq

    from slsim.provenance import model_sha256
    from slsim.tools.sweep import export_results
    exp, out = write_experiment(tmp_path), tmp_path / "out"
    run_sweep(exp, out, processes=1)
    files = export_results(out, tmp_path / "x")
    assert sorted(p.name for p in files) == ["runs.csv", "runs.parquet", "weekly.csv", "weekly.parquet"]
    for what in ("runs", "weekly"):
        loaded = load_results(out, what=what)
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "x" / f"{what}.parquet"), loaded)
        assert len(pd.read_csv(tmp_path / "x" / f"{what}.csv")) == len(loaded) > 0
    meta = json.loads(pq.read_schema(tmp_path / "x" / "runs.parquet").metadata[b"slsim"])
    assert meta["model_sha256"] == model_sha256()
