"""The execution layer: one request type, one executor for run/compare/sweeps/the browser, one seed
scheme, one summary; the same requests give the same numbers wherever they run."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from profiles import COLD

import slsim
from slsim import execution
from slsim.execution import (
    Executor,
    InProcessExecutor,
    LocalProcessExecutor,
    RunRequest,
    Seeds,
    execute,
    executor_for,
    run_summary,
)
from slsim.model.params import ParameterError
from slsim.model.scenario import resolve_scenario

TINY = Path(__file__).parent / "sweep" / "tiny.yaml"


def _requests() -> list[RunRequest]:
    """Whole-frame requests (as run/compare make them) and sweep-style ones (summary + some weeks)."""
    blame, systems = resolve_scenario("blame_culture"), resolve_scenario("systems_leadership")
    params = {"n_citizens": 300, **COLD}
    timeline = ({"week": 4, "set": {"ceding": 0.8}, "note": "test"},)
    out = [RunRequest(sc, 8, s, r, params, run_id=i)
           for i, (sc, (r, s)) in enumerate((sc, rs) for sc in (blame, systems)
                                            for rs in enumerate(Seeds(3).replicates(2)))]
    out += [RunRequest(blame, 9, Seeds(5).sweep_run(i, 0, False), 0, params, timeline, run_id=10 + i,
                       weekly=("delayed_transfers",), summary_weeks=4) for i in range(2)]
    return out


def _frames(results) -> list[pd.DataFrame]:
    return [r.weekly for r in results]


def _same(a, b) -> None:
    assert [r.run_id for r in a] == [r.run_id for r in b]
    for x, y in zip(a, b):
        assert x.status == y.status == "ok"
        pd.testing.assert_frame_equal(x.weekly, y.weekly, check_exact=True)
        assert x.summary == y.summary


# ------------------------------------------------------------------ the request
def test_a_run_request_round_trips_through_pickle():
    for req in _requests():
        back = pickle.loads(pickle.dumps(req))
        assert back == req and back.scenario.name == req.scenario.name
    req = _requests()[-1]
    _same([execute(req)], [execute(pickle.loads(pickle.dumps(req)))])


def test_a_request_sends_back_only_the_outputs_it_asks_for():
    whole, part = _requests()[0], _requests()[-1]
    res = execute(whole)
    assert list(res.weekly.columns[:4]) == ["scenario", "replicate", "seed", "week"] and res.summary == {}
    res = execute(part)
    assert list(res.weekly.columns) == ["run_id", "week", "delayed_transfers"]
    assert set(res.weekly["run_id"]) == {part.run_id}
    assert {f"{n}__start" for n in slsim.OUTCOMES} <= set(res.summary)
    assert execute(dataclasses.replace(part, weekly=())).weekly is None


def test_a_failed_run_is_a_result_and_map_raises_its_own_error():
    bad = dataclasses.replace(_requests()[0], weeks=0)
    res = execute(bad)
    assert res.status == "failed" and "weeks: 0" in res.error and isinstance(res.exception, ParameterError)
    for ex in (InProcessExecutor(), LocalProcessExecutor(2)):
        with ex, pytest.raises(ParameterError, match="weeks: 0"):
            ex.map([_requests()[1], bad])


def test_map_gives_results_in_request_order_whatever_order_they_finish_in():
    class Backwards(Executor):
        def stream(self, requests, on_result):
            for req in reversed(list(requests)):
                on_result(execute(req))

    reqs = _requests()[:3]
    got = Backwards().map(reqs)
    assert [r.run_id for r in got] == [r.run_id for r in reqs]
    with pytest.raises(ValueError, match="not unique"):
        InProcessExecutor().map([reqs[0], reqs[0]])


# ------------------------------------------------------------------ same numbers everywhere
def test_the_same_requests_give_identical_results_in_process_and_on_a_pool():
    reqs = _requests()
    inline = InProcessExecutor().map(reqs)
    with LocalProcessExecutor(2) as pool:
        pooled = pool.map(reqs)
    _same(inline, pooled)


@pytest.mark.dask
def test_the_same_requests_give_identical_results_on_a_dask_cluster():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    reqs = _requests()
    inline = InProcessExecutor().map(reqs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        ex = execution.DaskExecutor(client=client)
        assert ex.workers == 2
        _same(inline, ex.map(reqs))
        # and through the public API: a comparison on the cluster is the comparison on one core
        kw = dict(weeks=6, replicates=2, seed=4, params={"n_citizens": 300, **COLD})
        on_dask = slsim.compare(["blame_culture", "systems_leadership"], executor=ex, **kw)
    here = slsim.compare(["blame_culture", "systems_leadership"], processes=1, **kw)
    pd.testing.assert_frame_equal(on_dask.frame, here.frame, check_exact=True)


# ------------------------------------------------------------------ one executor for everyone
@pytest.fixture
def streams(monkeypatch):
    """Every executor's stream, recorded: (executor class, number of requests, all RunRequests?)."""
    seen = []
    for cls in (InProcessExecutor, LocalProcessExecutor, execution.DaskExecutor):
        real = cls.stream

        def wrapped(self, requests, on_result, _real=real):
            requests = list(requests)
            seen.append((type(self).__name__, len(requests), all(isinstance(r, RunRequest) for r in requests)))
            return _real(self, requests, on_result)

        monkeypatch.setattr(cls, "stream", wrapped)
    return seen


def test_run_compare_and_sweep_all_go_through_the_executor(streams, tmp_path):
    import yaml

    from slsim.tools.sweep import run_sweep

    kw = dict(weeks=5, seed=1, params={"n_citizens": 300, **COLD})
    slsim.run("blame_culture", replicates=2, processes=1, **kw)
    slsim.compare(["blame_culture", "systems_leadership"], replicates=2, processes=2, **kw)
    exp = tmp_path / "tiny.yaml"  # tests/sweep/tiny.yaml (12 runs), shorter
    data = yaml.safe_load(TINY.read_text())
    data["params"] = {**data["params"], **COLD}
    exp.write_text(yaml.safe_dump(data | {"weeks": 5, "outputs": {"summary_weeks": 5}}))
    run_sweep(exp, tmp_path / "a", processes=1)
    run_sweep(exp, tmp_path / "b", processes=2)
    assert streams == [("InProcessExecutor", 2, True), ("LocalProcessExecutor", 4, True),
                       ("InProcessExecutor", 12, True), ("LocalProcessExecutor", 12, True)]


def test_the_browser_compare_runs_its_replicates_in_worker_processes(monkeypatch, streams):
    import psutil

    from slsim.tools.app.state import run_comparison

    same = slsim.compare(["blame_culture", "systems_leadership"], weeks=6, replicates=2, seed=3, processes=1)
    streams.clear()

    def not_here(self, requests, on_result):
        raise AssertionError("the browser's comparison ran in the server's process")

    monkeypatch.setattr(InProcessExecutor, "stream", not_here)
    children = []
    cmp_ = run_comparison("blame_culture", "systems_leadership", 6, 2, 3,
                          progress=lambda done, total: children.append(len(psutil.Process().children())))
    assert streams == [("LocalProcessExecutor", 4, True)]
    assert len(children) == 4 and min(children) >= 1, children
    # the run layer's numbers, whichever process made them
    pd.testing.assert_frame_equal(cmp_.frame, same.frame, check_exact=True)


def test_a_pool_is_started_only_when_the_work_is_worth_it():
    sc = resolve_scenario("default")
    small = [RunRequest(sc, 104, 0, r, {"n_citizens": 300}, run_id=r) for r in range(8)]
    assert isinstance(executor_for(small), InProcessExecutor)
    assert isinstance(executor_for(small, processes=1), InProcessExecutor)
    with executor_for(small, processes=3) as ex:
        assert isinstance(ex, LocalProcessExecutor) and ex.workers == 3
    # the place's size comes from the scenario and its overrides, not from a default
    big = dataclasses.replace(sc, params={**sc.params, "n_citizens": 40_000})
    reqs = [RunRequest(big, 104, 0, r, {}, run_id=r) for r in range(4)]
    ex = executor_for(reqs)
    assert isinstance(ex, LocalProcessExecutor if (os.cpu_count() or 1) > 1 else InProcessExecutor)
    with pytest.raises(ParameterError, match="processes"):
        executor_for(small, processes=0)


# ------------------------------------------------------------------ one seed scheme, one summary
def test_the_seed_scheme_gives_the_seeds_results_were_made_with():
    word = lambda seq: int(seq.generate_state(1)[0])  # noqa: E731
    seeds = Seeds(11)
    assert seeds.replicates(4) == [word(c) for c in np.random.SeedSequence(11).spawn(4)]
    assert seeds.replicates(4) == slsim.results.runner.replicate_seeds(11, 4)
    assert seeds.sweep_run(5, 1, False) == word(np.random.SeedSequence([11, 5]))
    assert seeds.sweep_run(5, 1, True) == word(np.random.SeedSequence([11, 1, 0xC0]))
    assert seeds.sampling() == word(np.random.SeedSequence([11, 0x5EED_DE51]))
    assert seeds.replicate(0) != seeds.sweep_run(0, 0, False), "replicate 0 and sweep run 0 are different streams"
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ParameterError, match="seed"):
            Seeds(bad)


def test_one_summary_gives_the_numbers_runner_and_sweep_always_gave():
    res = slsim.run("blame_culture", weeks=12, replicates=3, seed=2, params={"n_citizens": 300, **COLD}, processes=1)
    frame = res.frame
    # the runner's summary as it was: a grouped mean of the last weeks
    last = frame[frame["week"] > frame["week"].max() - 5]
    cols = [c for c in frame.columns if c not in ("scenario", "replicate", "seed", "week")]
    old = last.groupby(["scenario", "replicate"], sort=False)[cols].mean().reset_index()
    pd.testing.assert_frame_equal(res.summary(5), old, check_exact=True)
    # the sweep's summary as it was: the plain mean of the run's last rows and of its first four
    one = frame[frame["replicate"] == 1].reset_index(drop=True)
    old_run = {n: float(one.iloc[-5:][n].mean()) for n in slsim.OUTCOMES}
    old_run |= {f"{n}__start": float(one.iloc[:4][n].mean()) for n in slsim.OUTCOMES}
    assert run_summary(one, 5) == old_run
    assert run_summary(one, 50) == run_summary(one, 12), "a run shorter than the window: all its weeks"
