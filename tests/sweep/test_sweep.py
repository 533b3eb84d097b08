"""Running sweeps: same results on any executor, nothing lost on interrupts, kills and failures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from slsim.model.metrics import OUTCOMES
from slsim.tools.sweep import load_results, read_manifest, run_sweep

from .conftest import sweep_until_ctrl_c, write_experiment

VOLATILE = ["seconds", "session"]


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in VOLATILE if c in df.columns]).sort_values("run_id").reset_index(drop=True)


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny experiment run in this process, one run after another: the yardstick."""
    folder = tmp_path_factory.mktemp("ref")
    exp = write_experiment(folder)
    summary = run_sweep(exp, folder / "out", processes=1)
    assert summary.completed == 12 and not summary.failed
    return {"runs": load_results(folder / "out"), "weekly": load_results(folder / "out", what="weekly"),
            "exp": exp}


def test_results_are_tidy_and_complete(reference):
    runs, weekly = reference["runs"], reference["weekly"]
    assert len(runs) == 12 and runs["run_id"].tolist() == list(range(12))
    for col in ["run_id", "point", "replicate", "seed", "blame_response", "budget_gap", *OUTCOMES]:
        assert col in runs.columns
    assert len(weekly) == 12 * 30
    assert set(weekly.columns) >= {"run_id", "replicate", "seed", "blame_response", "budget_gap", "week",
                                   "delayed_transfers", "cross_boundary_trust"}
    assert "defensiveness" not in weekly.columns  # weekly series only for the outcomes asked for
    # each run's summary is the mean of its own last 10 weeks
    one = weekly[weekly["run_id"] == 5].sort_values("week")
    assert runs.loc[5, "delayed_transfers"] == pytest.approx(one["delayed_transfers"].iloc[-10:].mean())


def test_local_process_pool_equals_in_process(reference, tmp_path):
    run_sweep(reference["exp"], tmp_path / "out", processes=2)
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "out")), comparable(reference["runs"]))
    pd.testing.assert_frame_equal(load_results(tmp_path / "out", what="weekly"), reference["weekly"])


def test_manifest_records_what_made_the_results(reference, tmp_path):
    run_sweep(reference["exp"], tmp_path / "out", processes=1)
    m = read_manifest(tmp_path / "out")
    assert len(m["experiment"]["file_sha256"]) == 64 and len(m["experiment"]["content_sha256"]) == 64
    assert {"slsim", "mesa", "python"} <= set(m["versions"])
    assert m["n_runs"] == 12 and len(m["runs"]) == 12
    run = m["runs"][3]
    assert run["params"]["n_citizens"] == 600 and "blame_response" in run["params"] and run["seed"] > 0
    sess = m["sessions"][-1]
    assert sess["status"] == "complete" and sess["started"] <= sess["ended"] and sess["completed"] == 12


def test_interrupted_sweep_resumes_without_loss_or_duplicates(reference, tmp_path):
    out = tmp_path / "out"
    sweep_until_ctrl_c(reference["exp"], out, after=5)  # in the middle of a batch of three
    assert read_manifest(out)["sessions"][-1]["status"] == "interrupted"
    assert len(load_results(out)) == 5  # the unfinished batch was written on the way out
    summary = run_sweep(reference["exp"], out, processes=1)
    assert summary.skipped == 5 and summary.completed == 7
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(reference["runs"]))
    pd.testing.assert_frame_equal(load_results(out, what="weekly"), reference["weekly"])
    again = run_sweep(reference["exp"], out, processes=1)
    assert again.skipped == 12 and again.completed == 0


@pytest.mark.parametrize("part", ["weekly", "runs"])
def test_ctrl_c_while_a_batch_is_written_keeps_count_and_disk_equal(reference, tmp_path, monkeypatch, part):
    """A real SIGINT arriving while a part file is written (the race CI once caught): the batch is
    finished and counted, the count in the interrupt equals what loads, and a resume completes."""
    import slsim.tools.sweep.store as store

    out = tmp_path / "out"
    real = store.write_atomic_bytes
    sent = []

    def write_then_interrupt(path, write):
        if path.parent.name == part and not sent:
            sent.append(path)
            signal.raise_signal(signal.SIGINT)  # Ctrl-C in the middle of the write
        return real(path, write)

    monkeypatch.setattr(store, "write_atomic_bytes", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt) as caught:
        run_sweep(reference["exp"], out, processes=1)
    assert sent, "the interrupt was never sent"
    assert caught.value.saved == len(load_results(out)) > 0, "the saved count must be what a resume finds"
    monkeypatch.setattr(store, "write_atomic_bytes", real)
    summary = run_sweep(reference["exp"], out, processes=1)
    assert summary.skipped + summary.completed == 12
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(reference["runs"]))
    pd.testing.assert_frame_equal(load_results(out, what="weekly"), reference["weekly"])


def test_ctrl_c_twice_while_saving_stops_at_once_and_keeps_the_record_true(reference, tmp_path, monkeypatch):
    """Ctrl-C, then Ctrl-C twice more while the last batch is being saved: the second of those stops
    the write at once; the batch is neither kept nor counted, and the manifest still says so."""
    import slsim.tools.sweep.store as store

    out = tmp_path / "out"
    real = store.write_atomic_bytes
    state = {"interrupted": False, "sent": 0}

    def stop_after_four(rec):
        if rec.run_id == 3:
            state["interrupted"] = True
            raise KeyboardInterrupt  # the first Ctrl-C, mid-batch

    def write_with_two_more(path, write):
        if state["interrupted"] and path.parent.name == "runs" and not state["sent"]:
            state["sent"] = 2
            signal.raise_signal(signal.SIGINT)  # held off ...
            signal.raise_signal(signal.SIGINT)  # ... and the second goes through
        return real(path, write)

    monkeypatch.setattr(store, "write_atomic_bytes", write_with_two_more)
    with pytest.raises(KeyboardInterrupt) as caught:
        run_sweep(reference["exp"], out, processes=1, on_record=stop_after_four)
    assert state["sent"] == 2
    kept = load_results(out)
    assert caught.value.saved == len(kept) == 3, "the batch being saved at the second Ctrl-C is not kept"
    session = read_manifest(out)["sessions"][-1]
    assert session["status"] == "interrupted" and session["ended"] and session["completed"] == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "Ctrl-C handling is given back"
    monkeypatch.setattr(store, "write_atomic_bytes", real)
    run_sweep(reference["exp"], out, processes=1)
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(reference["runs"]))


def test_failed_run_is_recorded_and_the_sweep_goes_on(reference, tmp_path, monkeypatch):
    import importlib
    run_module = importlib.import_module("slsim.execution.request")  # where execute finds run_one
    real = run_module.run_one
    bad_seed = reference["runs"].loc[4, "seed"]

    def flaky(scenario, weeks, seed, params, timeline=None, replicate=0, burn_in_cache=None):
        if seed == bad_seed:
            raise RuntimeError("the model fell over")
        return real(scenario, weeks, seed, params, timeline, replicate, burn_in_cache)

    monkeypatch.setattr(run_module, "run_one", flaky)
    out = tmp_path / "out"
    summary = run_sweep(reference["exp"], out, processes=1)
    assert summary.completed == 11 and [f["run_id"] for f in summary.failed] == [4]
    assert "the model fell over" in summary.failed[0]["error"]
    assert summary.failed[0]["params"] == {"blame_response": reference["runs"].loc[4, "blame_response"],
                                           "budget_gap": reference["runs"].loc[4, "budget_gap"]}
    everything = load_results(out, failed=True)
    row = everything[everything["run_id"] == 4].iloc[0]
    assert row["status"] == "failed" and "fell over" in row["error"]
    assert len(load_results(out)) == 11
    # resuming skips the failure unless asked; --retry-failed runs it again and keeps one record
    assert run_sweep(reference["exp"], out, processes=1).completed == 0
    monkeypatch.setattr(run_module, "run_one", real)
    retried = run_sweep(reference["exp"], out, processes=1, retry_failed=True)
    assert retried.retried == [4] and retried.completed == 1 and not retried.failed
    pd.testing.assert_frame_equal(comparable(load_results(out, failed=True)), comparable(reference["runs"]))


# ------------------------------------------------------------------ command line
def _slsim(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slsim.tools.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("case", ["unknown_factor", "inverted", "sobol_categorical", "not_yaml", "missing"])
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, case):
    if case == "unknown_factor":
        exp = write_experiment(tmp_path, factors={"bogus": {"levels": [1]}})
    elif case == "inverted":
        exp = write_experiment(tmp_path, factors={"ceding": {"range": [1, 0], "steps": 2}})
    elif case == "sobol_categorical":
        exp = write_experiment(tmp_path, design="sobol", samples=8)
    elif case == "not_yaml":
        exp = tmp_path / "bad.yaml"
        exp.write_text("name: [unclosed\n")
    else:
        exp = tmp_path / "nope.yaml"
    out = tmp_path / "out"
    res = _slsim("sweep", exp, "--out", out)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("slsim: error: ") and "Traceback" not in res.stderr
    assert not out.exists()


def test_cli_unreachable_scheduler_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    res = _slsim("sweep", write_experiment(tmp_path), "--scheduler", f"tcp://127.0.0.1:{_free_port()}",
                 "--out", out)
    assert res.returncode == 2 and "cannot reach a Dask scheduler" in res.stderr
    assert not out.exists()


def test_cli_refuses_a_folder_of_another_experiment(reference, tmp_path):
    out = tmp_path / "out"
    run_sweep(reference["exp"], out, processes=1)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    other = write_experiment(tmp_path, name="other", weeks=20)
    res = _slsim("sweep", other, "--out", out)
    assert res.returncode == 2 and "different experiment" in res.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def _parts(out: Path) -> int:
    return len(list((out / "runs").glob("part-*.parquet"))) if (out / "runs").is_dir() else 0


def _wait_for_parts(out: Path, proc: subprocess.Popen, n: int = 1) -> None:
    deadline = time.monotonic() + 120
    while _parts(out) < n:
        assert proc.poll() is None, "sweep ended before it could be interrupted"
        assert time.monotonic() < deadline, "no results part appeared"
        time.sleep(0.02)


@pytest.mark.slow  # a sweep and its analysis as processes
@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_cli_interrupt_and_resume(reference, tmp_path, how):
    # 48 runs in batches of 2: long enough to be caught mid-way, equal to the reference where they overlap
    exp = write_experiment(tmp_path, name="longer", replicates=8, batch_runs=2)
    out = tmp_path / "out"
    log = tmp_path / "sweep.log"
    with open(log, "w") as log_file:  # a file, not a pipe: nothing can block on an unread pipe
        proc = subprocess.Popen([sys.executable, "-m", "slsim.tools.cli", "sweep", str(exp), "--out", str(out),
                                 "--processes", "2"], stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_for_parts(out, proc)
        proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGKILL)
        proc.wait(timeout=60)
        err = log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if how == "sigint":
        assert proc.returncode == 130, err
        assert read_manifest(out)["sessions"][-1]["status"] == "interrupted"
    else:
        assert proc.returncode == -signal.SIGKILL
        assert read_manifest(out)["sessions"][-1]["status"] == "running"  # it never got to say otherwise
    partial = load_results(out)
    assert 0 < len(partial) < 48 and partial["run_id"].is_unique
    if how == "sigint":  # the sweep's own message through the main `slsim` command, with the count
        assert f"{len(partial)} of 48 runs saved in {out}; run the same command to resume" in err, err
    res = _slsim("sweep", exp, "--out", out, "--processes", "2")
    assert res.returncode == 0, res.stderr
    assert f"{len(partial)} skipped as already done" in res.stderr.replace("\n", " ")
    runs = load_results(out)
    assert runs["run_id"].tolist() == list(range(48))
    weekly = load_results(out, what="weekly")
    assert len(weekly) == 48 * 30 and not weekly.duplicated(["run_id", "week"]).any()
    # the resumed sweep gives the numbers of an uninterrupted one: check against a fresh run
    fresh = tmp_path / "fresh"
    run_sweep(exp, fresh, processes=2)
    pd.testing.assert_frame_equal(comparable(runs), comparable(load_results(fresh)))
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow  # a sweep and its analysis as processes
def test_cli_analyse_writes_tables_and_figures(reference, tmp_path):
    out = tmp_path / "out"
    run_sweep(reference["exp"], out, processes=1)
    res = _slsim("analyse", out)
    assert res.returncode == 0, res.stderr
    files = {p.name for p in (out / "analysis").iterdir()}
    assert {"points.csv", "bands.csv", "report.md", "tipping_spiral_share.png",
            "bands_delayed_transfers.png"} <= files
    assert not [f for f in files if f.endswith(".tmp")]
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert len(points) == 6 and points["spiral_share"].between(0, 1).all()
    assert "Retreat spiral" in res.stdout
    bad = _slsim("analyse", tmp_path / "nothing-here")
    assert bad.returncode == 2 and bad.stderr.startswith("slsim: error:")


# ------------------------------------------------------------------ Dask
@pytest.mark.dask
def test_dask_cluster_gives_the_same_results(reference, dask_cluster, tmp_path):
    out = tmp_path / "out"
    summary = run_sweep(reference["exp"], out, scheduler=str(dask_cluster.scheduler_file))
    assert summary.completed == 12 and summary.executor.startswith("dask scheduler")
    pd.testing.assert_frame_equal(comparable(load_results(out)), comparable(reference["runs"]))
    pd.testing.assert_frame_equal(load_results(out, what="weekly"), reference["weekly"])
    # and by address, through the command line
    res = _slsim("sweep", reference["exp"], "--scheduler", dask_cluster.address, "--out", tmp_path / "cli")
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "cli")), comparable(reference["runs"]))


@pytest.mark.dask
def test_killing_a_worker_loses_nothing(dask_cluster, tmp_path):
    exp = write_experiment(tmp_path, name="kill", replicates=6, batch_runs=4)  # 36 runs
    out = tmp_path / "out"
    victim = dask_cluster.workers["w1"]
    state = {"killed": False, "busy": None}

    def kill_w1(rec):
        if not state["killed"]:
            from distributed import Client
            with Client(dask_cluster.address, timeout=10) as c:
                state["busy"] = sum(len(v) for k, v in c.processing().items()
                                    if c.scheduler_info()["workers"][k]["name"] == "w1")
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            state["killed"] = True

    summary = run_sweep(exp, out, scheduler=dask_cluster.address, on_record=kill_w1)
    assert state["killed"] and victim.returncode == -signal.SIGKILL
    assert state["busy"] >= 1  # w1 had work in hand when it died
    assert not summary.failed and summary.completed == 36
    runs = load_results(out)
    assert runs["run_id"].tolist() == list(range(36))
    fresh = tmp_path / "fresh"
    run_sweep(exp, fresh, processes=2)
    pd.testing.assert_frame_equal(comparable(runs), comparable(load_results(fresh)))


@pytest.mark.dask
def test_local_dask_cluster_workers_option(reference, tmp_path):
    res = _slsim("sweep", reference["exp"], "--workers", "2", "--out", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert "dask local cluster (2 workers)" in res.stderr.replace("\n", " ")
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "out")), comparable(reference["runs"]))


def test_scenario_as_a_factor_and_hints_may_change_on_resume(tmp_path):
    exp = write_experiment(tmp_path, name="scen", factors={"scenario": {"levels": ["blame_culture",
                                                                                   "systems_leadership"]}},
                           common_random_numbers=True, weeks=12)
    out = tmp_path / "out"
    run_sweep(exp, out, processes=1)
    runs = load_results(out)
    assert runs.groupby("scenario")["run_id"].count().to_dict() == {"blame_culture": 2, "systems_leadership": 2}
    # same seeds per replicate across scenarios (common random numbers), different outcomes
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    # The scenarios differ (trust moves from week 1 with their leadership; blame events are rare in
    # 12 weeks of a small place started cold).
    assert runs.groupby("scenario")["cross_boundary_trust"].mean().nunique() == 2
    # analysis hints and batch size do not change any run: the same folder resumes
    exp2 = write_experiment(tmp_path, name="scen2", factors={"scenario": {"levels": ["blame_culture",
                                                                                    "systems_leadership"]}},
                            common_random_numbers=True, weeks=12, batch_runs=7,
                            analysis={"spiral": ["delayed_transfers > 5"]})
    again = run_sweep(exp2, out, processes=1)
    assert again.skipped == 4 and again.completed == 0
    assert read_manifest(out)["experiment"]["spec"]["analysis"]["spiral"] == ["delayed_transfers > 5"]


@pytest.mark.dask
def test_losing_the_scheduler_stops_the_sweep_and_it_resumes(dask_cluster, tmp_path):
    from slsim.execution import ClusterLost
    exp = write_experiment(tmp_path, name="lost", replicates=4, batch_runs=1)  # 24 runs
    out = tmp_path / "out"
    seen = []

    def kill_scheduler(rec):
        seen.append(rec.run_id)
        if len(seen) == 2:
            dask_cluster.scheduler.send_signal(signal.SIGKILL)
            dask_cluster.scheduler.wait(timeout=30)

    with pytest.raises(ClusterLost, match="run the same command to resume"):
        run_sweep(exp, out, scheduler=dask_cluster.address, on_record=kill_scheduler)
    assert read_manifest(out)["sessions"][-1]["status"] == "interrupted"  # resumable, nothing failed
    kept = load_results(out, failed=True)
    assert (kept["status"] == "ok").all() and len(kept) >= 2  # nothing recorded as a failed run
    summary = run_sweep(exp, out, processes=2)
    assert summary.skipped == len(kept) and summary.completed == 24 - len(kept)
    assert load_results(out)["run_id"].tolist() == list(range(24))


def test_a_dying_pool_worker_loses_nothing(reference):
    """A local worker process killed mid-sweep: the pool is restarted and its runs run again."""
    from slsim.execution import LocalProcessExecutor
    from slsim.tools.sweep import plan
    _, _, specs = plan(reference["exp"])
    ex = LocalProcessExecutor(2)
    got = []

    def kill_one(rec):
        got.append(rec)
        if len(got) == 1:
            os.kill(next(iter(ex.pool._processes)), signal.SIGKILL)

    try:
        ex.stream([s.request for s in specs], kill_one)
    finally:
        ex.close()
    assert ex.pool_restarts >= 1
    ids = [r.run_id for r in got]
    assert sorted(ids) == list(range(12)) and all(r.status == "ok" for r in got)
    ref = reference["runs"].set_index("run_id")
    for r in got:
        assert r.summary["delayed_transfers"] == pytest.approx(ref.loc[r.run_id, "delayed_transfers"])
