"""One strict YAML loader, limits in one module, one error module with the exit codes.

Each test fails if a second way of doing the thing creeps back: a module parsing YAML itself, a
limit written as a number outside slsim.limits, an exit code written outside slsim.errors, or an
input error that is not a SlsimError.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

import slsim
from slsim import errors, limits, yamlfile
from slsim.errors import EXIT_BAD_INPUT, ExperimentError, SlsimError, UserError, YamlError
from slsim.model.params import ParameterError
from slsim.model.scenario import ScenarioError, TimelineEvent, load_scenario
from slsim.tools.sweep.experiment import ExperimentFile, OutputSpec, SwitchSpec, load_experiment

PACKAGE = Path(slsim.__file__).resolve().parent

EXPERIMENT = "name: e\nscenario: default\nfactors:\n  ceding: {levels: [0.1, 0.9]}\n"
SCENARIO = "name: s\ntitle: t\nnarrative: n\n"


def _sources():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


# ------------------------------------------------------------------ one YAML loader
def test_only_the_yaml_module_parses_yaml():
    """Every YAML file or value is read through slsim.yamlfile: no other module imports PyYAML."""
    offenders = []
    for path in _sources():
        if path.name == "yamlfile.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "yaml" or n.startswith("yaml.") for n in names):
                offenders.append(f"{_relative(path)}:{node.lineno}")
    assert not offenders, f"modules parsing YAML themselves: {offenders}"


def _refusal(kind: str, tmp_path: Path, text: str) -> str:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError if kind == "scenario" else ExperimentError) as info:
        load_scenario(path) if kind == "scenario" else load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message, message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize("bad,expected", [
    ("title: again\n", "not valid YAML at line 4, column 1: the key 'title' is given twice (first at line 2)"),
    ("x: [1, 2\n", "not valid YAML at line 5, column 1: expected ',' or ']', but got '<stream end>'"),
])
def test_scenario_and_experiment_files_are_refused_in_the_same_words(tmp_path, bad, expected):
    """The same broken YAML after three lines reads the same, one line naming file, line and key,
    in a scenario file and in an experiment file."""
    head = "name: n\ntitle: t\nnarrative: n\n"
    scenario = _refusal("scenario", tmp_path, head + bad)
    experiment = _refusal("experiment", tmp_path, head + bad)
    assert scenario == experiment == expected


def test_a_file_that_is_not_utf8_reads_the_same_for_both_kinds(tmp_path):
    for kind in ("scenario", "experiment"):
        path = tmp_path / f"{kind}.yaml"
        path.write_bytes(b"name: \xff\xfe\n")
        with pytest.raises(SlsimError, match=re.escape(f"{path}: not a text file (expected UTF-8 YAML)")):
            load_scenario(path) if kind == "scenario" else load_experiment(path)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("kind", ["scenario", "experiment"])
def test_an_alias_bomb_is_refused_within_a_second(tmp_path, kind):
    """Nine levels of nine aliases (387 million values once expanded) are refused from the text."""
    if kind == "experiment":
        text = BOMB + EXPERIMENT.replace("levels: [0.1, 0.9]", "levels: *i")
    else:
        text = BOMB + SCENARIO + "tags: *i\n"
    start = time.perf_counter()
    message = _refusal(kind, tmp_path, text)
    assert time.perf_counter() - start < 1.0
    assert f"aliases expand this to more than {limits.MAX_YAML_NODES:,} values" in message, message


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    depth = 5000
    message = _refusal("experiment", tmp_path, EXPERIMENT + "deep: " + "[" * depth + "]" * depth + "\n")
    assert f"nested more than {limits.MAX_YAML_DEPTH} levels deep" in message, message
    assert message.startswith("not valid YAML at line 5, column "), message


def test_nesting_through_aliases_is_bounded_too():
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, limits.MAX_YAML_DEPTH + 2))
    with pytest.raises(YamlError, match=f"aliases nest this more than {limits.MAX_YAML_DEPTH} levels deep"):
        yamlfile.parse(chain, "chain.yaml")


def test_an_alias_inside_itself_is_refused():
    with pytest.raises(YamlError, match=r"^loop.yaml: not valid YAML at line 1, column 4: an alias refers to a list"):
        yamlfile.parse("a: &a [1, *a]\n", "loop.yaml")


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (limits.MAX_YAML_BYTES + 1))
    with pytest.raises(ExperimentError, match=re.escape(f"{path}: larger than {limits.MAX_YAML_BYTES:,} bytes")):
        load_experiment(path)
    path.write_bytes(b"#" * limits.MAX_YAML_BYTES)  # at the limit: read (and empty, so not a mapping)
    with pytest.raises(ExperimentError, match="expected a mapping"):
        load_experiment(path)


def test_merge_keys_may_be_overridden_also_when_merged_twice():
    """A merged mapping that itself merges and overrides is not mistaken for a repeated key when it
    is flattened for one use before it is built for another; merges build what YAML's safe loader
    builds."""
    import yaml
    text = "defs:\n  base: &base {a: 1, b: 2}\n  mid: &mid {<<: *base, a: 3}\nuse: {<<: *mid, b: 4}\n"
    data = yamlfile.parse(text, "merge.yaml")
    assert data == yaml.safe_load(text)
    assert data["defs"]["mid"] == {"a": 3, "b": 2}


def test_a_set_value_is_read_by_the_strict_loader(capsys):
    from slsim.tools.cli import main
    code = main(["run", "default", "--weeks", "2", "--replicates", "1", "--no-figure",
                 "--set", "leadership_overrides={a: 1, a: 2}"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("slsim: error: --set 'leadership_overrides={a: 1, a: 2}': cannot read the value")


# ------------------------------------------------------------------ limits in one place
def _le(model, name: str):
    return next(m.le for m in model.model_fields[name].metadata if hasattr(m, "le"))


def test_week_bounds_come_from_the_limits_module():
    assert _le(ExperimentFile, "weeks") == limits.MAX_WEEKS
    assert _le(OutputSpec, "summary_weeks") == limits.MAX_WEEKS
    assert _le(SwitchSpec, "week") == limits.MAX_WEEKS
    assert _le(ExperimentFile, "replicates") == limits.MAX_REPLICATES
    assert _le(ExperimentFile, "samples") == limits.MAX_SAMPLES
    assert _le(ExperimentFile, "seed") == limits.MAX_SEED
    assert _le(TimelineEvent, "week") == limits.MAX_TIMELINE_WEEK


def test_the_command_line_refuses_weeks_past_the_limit_in_its_words(capsys):
    from slsim.tools.cli import main
    assert main(["run", "default", "--weeks", str(limits.MAX_WEEKS + 1)]) == EXIT_BAD_INPUT
    assert f"allowed 1 to {limits.MAX_WEEKS}" in capsys.readouterr().err


def test_no_module_writes_the_week_limit_as_a_number():
    offenders = [f"{_relative(p)}:{n}" for p in _sources() if p.name != "limits.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\b5_?200\b", line)]
    assert not offenders, f"the week limit written outside slsim/limits.py: {offenders}"


# ------------------------------------------------------------------ one error module
def test_every_input_error_shares_the_one_base():
    for cls in (ParameterError, ScenarioError, ExperimentError, UserError, YamlError):
        assert issubclass(cls, SlsimError) and issubclass(cls, ValueError), cls
    import slsim.tools.cli
    import slsim.tools.sweep
    assert slsim.tools.sweep.ExperimentError is errors.ExperimentError
    assert slsim.tools.cli.UserError is errors.UserError


def test_exit_codes_are_written_only_in_the_error_module():
    """No module but slsim/errors.py defines an EXIT_ constant or returns or exits with a number
    other than 0."""
    offenders = []
    for path in _sources():
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.startswith("EXIT_")
                                                    for t in node.targets):
                offenders.append(f"{_relative(path)}:{node.lineno} defines an exit code")
            in_cli = path.name == "cli.py"
            value = node.value if isinstance(node, ast.Return) else (
                node.args[0] if isinstance(node, ast.Call) and ast.unparse(node.func) == "sys.exit" and node.args
                else None)
            if in_cli and isinstance(value, ast.Constant) and type(value.value) is int and value.value != 0:
                offenders.append(f"{_relative(path)}:{node.lineno} exits with {value.value}")
    assert not offenders, offenders


@pytest.mark.parametrize("raised", [ExperimentError("x: bad"), YamlError("x: bad"), UserError("x: bad")])
def test_the_command_line_reports_any_input_error_in_one_line(monkeypatch, capsys, raised):
    import slsim.tools.cli

    def cmd_list(args):
        raise raised

    monkeypatch.setattr(slsim.tools.cli, "cmd_list", cmd_list)
    assert slsim.tools.cli.main(["list"]) == errors.EXIT_BAD_INPUT
    assert capsys.readouterr().err == "slsim: error: x: bad\n"


def test_a_bad_experiment_exits_with_the_error_modules_code(tmp_path, capsys):
    from slsim.tools.sweep.cli import main
    path = tmp_path / "dup.yaml"
    path.write_text(EXPERIMENT + "name: again\n")
    assert main(["sweep", str(path), "--dry-run"]) == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err == f"slsim: error: {path}: not valid YAML at line 5, column 1: the key 'name' is given twice " \
                  f"(first at line 1)\n"


def test_every_shipped_file_reads_as_yamls_safe_loader_reads_it():
    """The strict loader changes no data: each shipped scenario and experiment file gives what
    YAML's safe loader gives."""
    import yaml
    root = PACKAGE.parent
    files = sorted((root / "scenarios").glob("*.yaml")) + sorted((root / "experiments").glob("*.yaml"))
    assert len(files) > 5
    for path in files:
        assert yamlfile.load(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


# ------------------------------------------------------------------ one presentation module
WORDING = {"label", "unit", "fmt", "level_text", "share", "number", "percent"}


def test_names_numbers_and_shares_are_worded_only_by_present():
    """No module but slsim/results/present.py defines its own label, unit or number format (also as
    ``_label`` and so on) or writes a share as ``:.0%``: the sweep report, the command line and the
    browser word things the same way."""
    offenders = []
    for path in _sources():
        if path.name == "present.py" and path.parent == PACKAGE / "results":
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        # A rule's docstring names its coefficients as templates ("{rate:.0%}"): words, not formatting code.
        in_docstring = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.lstrip("_") in WORDING:
                offenders.append(f"{_relative(path)}:{node.lineno} defines {node.name}")
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                        and isinstance(first.value.value, str):
                    in_docstring |= set(range(first.lineno, first.end_lineno + 1))
        offenders += [f"{_relative(path)}:{n} formats a share itself" for n, line in enumerate(text.splitlines(), 1)
                      if n not in in_docstring and re.search(r":\.0%[}']", line)]
    assert not offenders, offenders
