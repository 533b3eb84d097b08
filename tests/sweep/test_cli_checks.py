"""`slsim sweep` and `slsim analyse` refuse what they cannot do before doing any work: a missing
optional module, an output folder that cannot be written, an unreadable scheduler or experiment.
They keep what Ctrl-C interrupted and say how much, and their files are readable by others."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from slsim.tools.cli import main
from slsim.tools.sweep import ExperimentError, load_experiment, load_results, run_sweep
from slsim.tools.sweep.store import check_writable_folder, write_atomic_bytes

from .conftest import write_experiment

SOBOL_FACTORS = {"blame_response": {"range": [0.1, 0.9]}, "budget_gap": {"range": [-0.1, 0.1]}}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A small finished sweep (6 runs), to analyse."""
    folder = tmp_path_factory.mktemp("results")
    exp = write_experiment(folder, replicates=1, weeks=12, outputs={"weekly": [], "summary_weeks": 4})
    run_sweep(exp, folder / "out", processes=1)
    return folder / "out"


def _run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _one_error(err: str) -> None:
    assert err.startswith("slsim: error: ") and "Traceback" not in err, err


# ------------------------------------------------------------------ missing optional modules
@pytest.mark.parametrize("gone", ["sklearn", "SALib", "ema_workbench"])
def test_analyse_without_its_modules_says_what_to_install_and_writes_nothing(results, capsys, monkeypatch, gone):
    monkeypatch.setitem(sys.modules, gone, None)  # `import gone` now raises ImportError
    before = sorted(results.rglob("*"))
    code, err = _run(capsys, "analyse", results)
    assert code == 2
    _one_error(err)
    assert "slsim analyse needs scikit-learn, SALib and ema_workbench" in err and "pip install 'slsim[sweep]'" in err
    assert sorted(results.rglob("*")) == before and not (results / "analysis").exists()


def test_analyse_with_a_broken_module_says_so_and_writes_nothing(results, capsys, monkeypatch, tmp_path):
    """A module that is installed but fails on import (a broken install) is caught before any work."""
    shadow = tmp_path / "shadow" / "ema_workbench"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise RuntimeError('a broken install')\n")
    for name in [m for m in sys.modules if m == "ema_workbench" or m.startswith("ema_workbench.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(shadow.parent))
    before = sorted(results.rglob("*"))
    code, err = _run(capsys, "analyse", results)
    assert code == 2
    _one_error(err)
    assert "ema_workbench is not installed or cannot be imported" in err
    assert sorted(results.rglob("*")) == before and not (results / "analysis").exists()


def test_sampled_design_without_salib_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib", None)
    exp = write_experiment(tmp_path, design="sobol", samples=8, factors=SOBOL_FACTORS)
    code, err = _run(capsys, "sweep", exp, "--out", tmp_path / "out")
    assert code == 2
    _one_error(err)
    assert "design sobol needs SALib" in err and "pip install 'slsim[sweep]'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:1"]])
def test_dask_options_without_dask_exit_2(tmp_path, capsys, monkeypatch, option):
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, err = _run(capsys, "sweep", write_experiment(tmp_path), *option, "--out", tmp_path / "out")
    assert code == 2
    _one_error(err)
    assert f"{option[0]} needs dask" in err and "pip install 'slsim[sweep]'" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ bad --out
BAD_OUTS = ["/proc/x", "/dev/null/x", "a-file", ""]


def _bad_out(tmp_path: Path, which: str) -> str:
    if which == "a-file":
        path = tmp_path / "a-file.txt"
        path.write_text("keep me\n")
        return str(path)
    return which


def _nothing_written(tmp_path: Path, out: str, cwd: Path) -> None:
    if out.endswith("a-file.txt"):
        assert Path(out).read_text() == "keep me\n"
    elif out:
        assert not Path(out).exists()
    assert list(cwd.iterdir()) == []  # '' is not quietly the current folder


@pytest.mark.parametrize("which", BAD_OUTS, ids=["proc", "dev-null", "a-file", "empty"])
def test_sweep_refuses_an_out_it_cannot_write(tmp_path, capsys, monkeypatch, which):
    exp = write_experiment(tmp_path)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = _bad_out(tmp_path, which)
    code, err = _run(capsys, "sweep", exp, "--out", out, "--processes", "1")
    assert code == 2
    _one_error(err)
    assert f"--out {out}" in err or (out == "" and "--out ''" in err)
    assert err.count("\n") == 1
    _nothing_written(tmp_path, out, cwd)


@pytest.mark.parametrize("which", BAD_OUTS, ids=["proc", "dev-null", "a-file", "empty"])
def test_analyse_refuses_an_out_it_cannot_write(results, tmp_path, capsys, monkeypatch, which):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = _bad_out(tmp_path, which)
    before = sorted(results.rglob("*"))
    code, err = _run(capsys, "analyse", results, "--out", out)
    assert code == 2
    _one_error(err)
    assert f"--out {out}" in err or (out == "" and "--out ''" in err)
    _nothing_written(tmp_path, out, cwd)
    assert sorted(results.rglob("*")) == before


def test_writable_check_leaves_no_folders_behind(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    assert check_writable_folder(deep) == deep
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ExperimentError, match="cannot create this folder"):
        check_writable_folder(Path("/dev/null/a/b"))


# ------------------------------------------------------------------ Ctrl-C through the main command
def test_ctrl_c_through_slsim_says_how_many_runs_are_saved(tmp_path, capsys, monkeypatch):
    import slsim.execution.local as local
    real = local.execute_in_worker
    calls = []

    def interrupted_on_the_fifth(spec):
        calls.append(spec.run_id)
        if len(calls) == 5:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of a batch of three
        return real(spec)

    monkeypatch.setattr(local, "execute_in_worker", interrupted_on_the_fifth)
    exp = write_experiment(tmp_path, weeks=8, outputs={"weekly": [], "summary_weeks": 4})
    out = tmp_path / "out"
    code, err = _run(capsys, "sweep", exp, "--out", out, "--processes", "1")
    assert code == 130
    assert f"4 of 12 runs saved in {out}; run the same command to resume" in err, err
    assert len(load_results(out)) == 4


# ------------------------------------------------------------------ file modes
@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_stored_files_have_the_mode_of_ordinary_files(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        path = write_atomic_bytes(tmp_path / "x" / "data.bin", lambda p: p.write_bytes(b"1"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_sweeps_results_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        exp = write_experiment(tmp_path, replicates=1, weeks=6, outputs={"weekly": ["defensiveness"],
                                                                           "summary_weeks": 2})
        run_sweep(exp, tmp_path / "out", processes=1)
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert {p.parent.name for p in files} >= {"out", "runs", "weekly"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o644)}


# ------------------------------------------------------------------ error messages
def test_missing_scheduler_file_is_named_as_such(tmp_path, capsys):
    missing = tmp_path / "nonexistent.json"
    code, err = _run(capsys, "sweep", write_experiment(tmp_path), "--scheduler", missing, "--out", tmp_path / "out")
    assert code == 2
    _one_error(err)
    assert f"--scheduler {missing}: no such scheduler file" in err and "port" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("changes,needle", [
    ({"factors": {"ceding": {"range": [0.0, 2.0], "steps": 3}}}, "leaves the allowed range"),
    ({"design": "sobol", "samples": 10, "factors": SOBOL_FACTORS}, "not a power of two"),
    ({"factors": {"bogus": {"levels": [1, 2]}}}, "factor 'bogus': unknown"),
    ({"factors": {"leadership_overrides": {"levels": [{}, {"council": {"ceding": 0.5}}]}}}, "not a number factor"),
    ({"factors": {"leadership_overrides": {"range": [0, 1], "steps": 2}}}, "not a number factor"),
])
def test_experiment_errors_name_the_file(tmp_path, changes, needle):
    path = write_experiment(tmp_path, name="outside", **changes)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and needle in message, message
    assert "None to None" not in message


@pytest.mark.parametrize("text,key,line,first", [
    ("name: a\nname: b\nfactors:\n  ceding: {levels: [0.1]}\n", "name", 2, 1),
    ("name: a\nfactors:\n  ceding: {levels: [0.1]}\n  ceding: {levels: [0.9]}\n", "ceding", 4, 3),
    ("name: a\nfactors: {ceding: {levels: [0.1], levels: [0.2]}}\n", "levels", 2, 2),
])
def test_duplicate_keys_in_an_experiment_are_refused(tmp_path, text, key, line, first):
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: not valid YAML at line {line}, column "), message
    assert message.endswith(f"the key '{key}' is given twice (first at line {first})"), message


def test_yaml_merge_keys_still_allowed(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("name: m\nbase: &b {levels: [0.1, 0.9]}\n")  # unknown field, but parsed past YAML
    with pytest.raises(ExperimentError, match="base: unknown field"):
        load_experiment(path)
    path.write_text("name: m\nfactors:\n  ceding: {<<: {levels: [0.1]}, levels: [0.2, 0.3]}\n")
    assert load_experiment(path).factors[0].levels == (0.2, 0.3)
