"""The calibration layer: calibration files, ABC-SMC and Optuna fits, resume, the posterior in use.

The fits here run a small place (1,000 citizens, cold start, two 13-week periods) so that a whole
ABC-SMC takes seconds; the shipped England calibration is run by `slsim calibrate england_dtoc`
(docs/calibration.md), not by the suite.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from profiles import COLD, COLD_SET

from slsim.tools.calibration import calibrate, calibration_from_dict, load_calibration
from slsim.tools.calibration.fit import fit_abc, fit_optuna
from slsim.tools.calibration.report import weighted_quantiles
from slsim.tools.calibration.simulate import observed_stats, simulate
from slsim.tools.cli import main

pytest.importorskip("pyabc")

TRUE_CRISIS_RATE = 0.03
PRIOR = (0.01, 0.06)


def toy_spec(observed: list[float] | None = None, **method) -> dict:
    """One fitted parameter (crisis_rate) and one flow target (crises a quarter) on a small place."""
    return {
        "name": "toy", "title": "known truth", "scenario": "default",
        "params": {"n_citizens": 1000, "burn_in_weeks": 0},
        "period_weeks": 13, "periods": ["q1", "q2"],
        "parameters": {"crisis_rate": {"prior": "uniform", "low": PRIOR[0], "high": PRIOR[1]}},
        "targets": [{"name": "crises", "output": "crises", "kind": "flow", "measure": "count",
                     "observed": [{"period": p, "value": v, "sd": 3.0}
                                  for p, v in zip(["q1", "q2"], observed or [30.0, 30.0])],
                     "definition": "crises in the quarter", "source": "simulated from the model"}],
        "method": {"name": "abc", "population": 16, "generations": 3, "seed": 5, "draws": 8} | method,
    }


@pytest.fixture(scope="module")
def truth_spec() -> dict:
    """Targets simulated from the model at the true crisis rate (mean of four seeds)."""
    base = toy_spec()
    payload = calibration_from_dict(base).payload()
    runs = [simulate(payload, {"crisis_rate": TRUE_CRISIS_RATE}, seed) for seed in range(4)]
    keys = list(observed_stats(payload))
    return toy_spec([float(np.mean([r[k] for r in runs])) for k in keys])


@pytest.fixture(scope="module")
def fitted(truth_spec, tmp_path_factory):
    """The known-truth calibration, fitted once on two local processes."""
    out = tmp_path_factory.mktemp("fit") / "out"
    posterior = calibrate(calibration_from_dict(truth_spec), out, workers=2)
    return out, posterior


def write(tmp_path: Path, spec: dict, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


# ---- known truth ------------------------------------------------------------------------------

@pytest.mark.slow  # runs a calibration
def test_known_truth_lies_in_the_posterior_which_is_narrower_than_the_prior(fitted):
    _, post = fitted
    lo, hi = weighted_quantiles(post["crisis_rate"].to_numpy(), post["weight"].to_numpy(), [0.05, 0.95])
    assert lo <= TRUE_CRISIS_RATE <= hi, f"the true crisis rate {TRUE_CRISIS_RATE} should lie in the 90% " \
                                         f"posterior interval, got {lo:.4f} to {hi:.4f}"
    prior_width = 0.9 * (PRIOR[1] - PRIOR[0])
    assert hi - lo < 0.5 * prior_width, f"the data should pin the crisis rate down: posterior 90% width " \
                                        f"{hi - lo:.4f} against the prior's {prior_width:.4f}"
    assert np.isclose(post["weight"].sum(), 1.0)


@pytest.mark.slow  # runs a calibration
def test_a_fit_writes_posterior_figure_marginals_and_a_report(fitted):
    out, post = fitted
    for name in ("posterior.parquet", "draws.parquet", "fit.png", "marginals.png", "report.md", "fit_table.csv",
                 "history.db", "calibration.json"):
        assert (out / name).is_file(), f"a calibration should write {name}"
    assert pd.read_parquet(out / "posterior.parquet").equals(post)
    report = (out / "report.md").read_text()
    assert "crisis_rate" in report and ("pinned down" in report or "narrowed" in report), report
    assert (out / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # runs a calibration
def test_same_seed_same_posterior_on_one_process_or_two(fitted, truth_spec, tmp_path):
    _, post2 = fitted
    result = fit_abc(calibration_from_dict(truth_spec), tmp_path / "one", workers=1)
    pd.testing.assert_frame_equal(result.posterior, post2, check_exact=True)


@pytest.mark.slow  # runs a calibration
def test_a_different_seed_gives_a_different_posterior(truth_spec, tmp_path):
    spec = truth_spec | {"method": truth_spec["method"] | {"generations": 1, "seed": 6}}
    other = fit_abc(calibration_from_dict(spec), tmp_path / "seed6", workers=1).posterior
    same = fit_abc(calibration_from_dict(truth_spec | {"method": truth_spec["method"] | {"generations": 1}}),
                   tmp_path / "seed5", workers=1).posterior
    assert not other.equals(same), "another seed should propose other candidates"


@pytest.mark.slow  # runs a calibration
def test_a_killed_calibration_resumes_to_the_uninterrupted_posterior(fitted, truth_spec, tmp_path):
    _, uninterrupted = fitted
    path = write(tmp_path, truth_spec)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "slsim.tools.cli", "calibrate", str(path), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with sqlite3.connect(out / "history.db") as db:
                    done = db.execute("select max(t) from populations").fetchone()[0]
            except sqlite3.Error:
                done = None
            if done is not None and done >= 0:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the calibration should still be running after its first generation"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (out / "posterior.parquet").exists()
    rc = main(["calibrate", str(path), "--out", str(out), "--workers", "1"])
    assert rc == 0
    resumed = pd.read_parquet(out / "posterior.parquet")
    pd.testing.assert_frame_equal(resumed, uninterrupted, check_exact=True)


@pytest.mark.slow  # runs a calibration
def test_a_failing_model_run_is_counted_not_fatal(truth_spec, tmp_path, monkeypatch):
    from slsim.execution import request

    calls = {"n": 0}
    original = request.run_one

    def sometimes(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] % 4 == 0:
            raise RuntimeError("a model run broke")
        return original(*args, **kwargs)

    monkeypatch.setattr(request, "run_one", sometimes)
    spec = truth_spec | {"method": truth_spec["method"] | {"generations": 1}}
    result = fit_abc(calibration_from_dict(spec), tmp_path / "out", workers=1)
    assert result.failures > 0, "failed runs should be counted"
    assert len(result.posterior) == spec["method"]["population"], "the fit should still fill its population"
    records = (tmp_path / "out" / "failures.jsonl").read_text().splitlines()
    assert len(records) == result.failures and all("a model run broke" in r for r in records)


@pytest.mark.slow  # runs a calibration
def test_optuna_point_fit_recovers_the_truth_roughly_and_resumes(truth_spec, tmp_path):
    spec = truth_spec | {"method": {"name": "optuna", "trials": 12, "seed": 2}}
    cal = calibration_from_dict(spec)
    first = fit_optuna(cal, tmp_path / "o", workers=1)
    assert len(first.posterior) == 1 and first.posterior["weight"].iloc[0] == 1.0
    assert abs(first.posterior["crisis_rate"].iloc[0] - TRUE_CRISIS_RATE) < 0.01, first.posterior
    more = calibration_from_dict(spec | {"method": spec["method"] | {"trials": 14}})
    import optuna
    with pytest.raises(Exception):
        fit_optuna(more, tmp_path / "o", workers=1)  # a different file content: refused
    study = optuna.load_study(study_name="toy", storage=f"sqlite:///{tmp_path / 'o' / 'optuna.db'}")
    assert len(study.trials) == 12


# ---- the posterior in use ---------------------------------------------------------------------

@pytest.mark.slow  # runs a calibration
def test_compare_draws_replicate_parameters_from_the_posterior_paired_across_scenarios(fitted):
    import slsim
    out, post = fitted
    cmp_ = slsim.compare(["blame_culture", "systems_leadership"], weeks=3, replicates=3, seed=1,
                         params={"n_citizens": 500, **COLD}, posterior=out, processes=1)
    drawn = cmp_.meta["posterior"]["replicate_params"]
    assert len(drawn) == 3 and {tuple(sorted(d)) for d in drawn} == {("crisis_rate",)}
    assert all(post["crisis_rate"].round(12).isin([round(d["crisis_rate"], 12)]).any() for d in drawn)
    again = slsim.compare(["blame_culture", "systems_leadership"], weeks=3, replicates=3, seed=1,
                          params={"n_citizens": 500, **COLD}, posterior=out, processes=1)
    assert again.meta["posterior"]["replicate_params"] == drawn, "the same seed should draw the same sets"
    pd.testing.assert_frame_equal(again.frame, cmp_.frame)


@pytest.mark.slow  # runs a calibration
def test_compare_command_says_where_the_intervals_come_from(fitted, tmp_path, capsys):
    out, _ = fitted
    rc = main(["compare", "blame_culture", "systems_leadership", "--weeks", "2", "--replicates", "2",
               "--set", "n_citizens=300", *COLD_SET, "--posterior", str(out), "--out", str(tmp_path / "o"),
               "--no-figure"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "parameter uncertainty and seed noise" in text and "crisis_rate" in text
    rc = main(["compare", "blame_culture", "systems_leadership", "--weeks", "2", "--posterior", str(tmp_path),
               "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "not a calibration's results folder" in err
    rc = main(["compare", "blame_culture", "systems_leadership", "--weeks", "2", "--posterior", str(out),
               "--set", "crisis_rate=0.02", "--out", str(tmp_path / "o3")])
    err = capsys.readouterr().err
    assert rc == 2 and "set it or draw it" in err


# ---- bad calibration files -------------------------------------------------------------------

def _bad(spec: dict, path: list, value):
    d = yaml.safe_load(yaml.safe_dump(spec))
    node = d
    for k in path[:-1]:
        node = node[k]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return d


BAD = [
    (["colour"], "blue", "unknown key"),
    (["parameters", "crisis_rate", "low"], 0.09, "must be below high"),
    (["parameters", "crisis_rate", "prior"], "beta", "Input should be"),
    (["parameters", "crisis_rate", "high"], 0.9, "leaves the parameter's allowed range"),
    (["parameters", "no_such_param"], {"prior": "uniform", "low": 0, "high": 1}, "not a number-valued"),
    (["targets", 0, "output"], "happiness", "is not a model output"),
    (["targets", 0, "observed", 0, "period"], "q9", "is not one of"),
    (["targets", 0, "observed", 0, "sd"], 0, "greater than 0"),
    (["targets", 0, "observed", 0, "sd"], float("inf"), "finite number"),
    (["targets", 0, "observed", 0, "sd"], float("nan"), "finite number"),
    (["targets", 0, "observed", 0, "value"], float("nan"), "finite number"),
    (["targets", 0, "observed", 0, "value"], float("-inf"), "finite number"),
    (["targets", 0, "measure"], "share", "a share is from 0 to 1; observed"),
    (["targets", 0, "measure"], "index", "needs 'base'"),
    (["periods"], [], "at least 1"),
    (["inputs"], {"n_citizens": {"q2": 2000}}, "may change during a run"),
    (["inputs"], {"crisis_rate": {"q2": 0.02}}, "also fitted"),
    (["params"], {"crisis_rate": 0.02}, "also fixed"),
    (["scenario"], "no_such_scenario", "scenario"),
    (["method", "population"], 1, "greater than or equal to 4"),
]


@pytest.mark.parametrize("path,value,words", BAD, ids=[".".join(map(str, b[0])) + f"={b[1]}" for b in BAD])
def test_a_bad_calibration_file_is_one_line_and_exit_2_with_nothing_written(path, value, words, tmp_path, capsys):
    spec = _bad(toy_spec(), path, value)
    file = write(tmp_path, spec)
    out = tmp_path / "out"
    rc = main(["calibrate", str(file), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("slsim: error: ") and err.count("\n") == 1, f"one line expected, got: {err!r}"
    assert words in err, f"the message should say {words!r}: {err}"
    assert str(file) in err
    assert not out.exists(), "nothing should be written for a bad file"


def test_not_yaml_missing_file_and_a_folder_of_something_else(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    assert main(["calibrate", str(bad)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "none.yaml")]) == 2
    assert "no such calibration file" in capsys.readouterr().err
    file = write(tmp_path, toy_spec())
    other = tmp_path / "busy"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["calibrate", str(file), "--out", str(other)]) == 2
    assert "holds no calibration" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine"


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    file = write(tmp_path, toy_spec())
    rc = main(["calibrate", str(file), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "cannot reach a Dask scheduler" in err, err


def test_the_shipped_england_calibration_is_valid_and_its_sources_are_shipped():
    cal = load_calibration("england_dtoc")
    assert cal.spec.holdout is not None and cal.spec.holdout.periods == ["2017/18", "2018/19"]
    assert all(t.source for t in cal.targets(holdout=True))
    from importlib import resources
    with resources.files("slsim.data").joinpath("england_series.csv").open() as fh:
        series = pd.read_csv(fh)
    assert {"quantity", "period", "value", "source"} <= set(series.columns)
    assert series["source"].notna().all()


def test_the_shipped_posterior_loads_and_lies_within_its_priors():
    from slsim.results.posterior import shipped_posterior
    post = shipped_posterior()
    assert post is not None, "calibrations/england_dtoc/ should hold the shipped posterior"
    cal = load_calibration("england_dtoc")
    assert post.sha256 == cal.sha256, "the shipped posterior should come from the shipped calibration file as it is"
    assert set(post.parameters) == set(cal.parameters)
    for name, prior in cal.parameters.items():
        assert post.frame[name].between(prior.low, prior.high).all(), name


def test_a_calibration_continued_on_changed_model_code_is_refused_unless_allowed(tmp_path, capsys):
    import json

    from slsim.provenance import model_sha256
    from slsim.tools.calibration.fit import check_folder
    file = write(tmp_path, toy_spec())
    cal = load_calibration(file)
    out = tmp_path / "out"
    out.mkdir()
    old = {"name": "toy", "sha256": cal.sha256, "method": "abc", "status": "interrupted", "generations": [],
           "slsim_version": "0.1.dev1+gold", "model_sha256": "0" * 64}
    (out / "calibration.json").write_text(json.dumps(old))
    before = (out / "calibration.json").read_bytes()
    rc = main(["calibrate", str(file), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert f"the model's code changed (slsim/model sha256 000000000000 -> {model_sha256()[:12]}" in err, err
    assert "--allow-changed-inputs" in err and (out / "calibration.json").read_bytes() == before
    state = check_folder(out, cal, "abc", allow_changed_inputs=True)
    assert state["model_sha256"] == model_sha256() and "model's code changed" in state["allowed_changed_inputs"][0]


def test_a_corrupt_history_database_is_one_line_and_exit_2(tmp_path, capsys):
    import json

    from slsim.provenance import stamp
    file = write(tmp_path, toy_spec())
    cal = load_calibration(file)
    out = tmp_path / "out"
    out.mkdir()
    (out / "calibration.json").write_text(json.dumps({"name": "toy", "sha256": cal.sha256, "method": "abc",
                                                      "status": "interrupted", "run_id": 1, "generations": []}
                                                     | stamp()))
    (out / "history.db").write_bytes(b"this is not SQLite\n" * 200)
    rc = main(["calibrate", str(file), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if not ln.startswith("calibrating ")]
    assert rc == 2 and len(lines) == 1, err
    assert lines[0].startswith("slsim: error: ") and "history.db: cannot be read" in lines[0], err


def test_no_verdict_from_nan_distances_or_a_handful_of_particles():
    from slsim.tools.calibration.report import MIN_PARTICLES, identification
    cal = calibration_from_dict(toy_spec())
    narrow = pd.DataFrame({"crisis_rate": np.linspace(0.029, 0.031, 40), "weight": 1 / 40})
    assert identification(cal, narrow).verdict.tolist() == ["pinned down"]  # the same posterior, judged
    nan = identification(cal, narrow, {"final_epsilon": float("nan")}).verdict.tolist()
    assert nan[0].startswith("not judged: the distances were not numbers"), nan
    few = narrow.iloc[:MIN_PARTICLES - 1].assign(weight=1 / (MIN_PARTICLES - 1))
    assert identification(cal, few).verdict.iloc[0].startswith(f"not judged: {MIN_PARTICLES - 1} particles")
    assert identification(cal, narrow.iloc[:MIN_PARTICLES]).verdict.iloc[0] == "pinned down"
