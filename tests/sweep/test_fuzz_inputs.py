"""Fuzzing experiment and scenario files (hypothesis): whatever a hostile or careless user writes,
``slsim sweep`` answers with exit 2 and one line, writes nothing, and does so quickly.

Each example changes one field of a valid experiment (or of the scenario file it uses) to a
hostile value, or splices random text or bytes into the file
(``SLSIM_FUZZ_EXAMPLES=N`` runs N fresh random examples per test instead). ``--max-runs 1`` makes any file that
is still valid (the base runs 12) refused too, so every example must end in exit 2 without running
or writing anything. Examples are derandomized so CI runs the same ones every time.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
import yaml
from profiles import COLD

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HERE = Path(__file__).resolve().parent
BASE = yaml.safe_load((HERE / "tiny.yaml").read_text())
BASE["params"] = {**BASE["params"], **COLD}  # started cold: these tests are about refusing input
SCENARIO = {"name": "fuzzplace", "title": "A fuzzed place", "narrative": "Built to be broken.",
            "extends": "blame_culture", "params": {"n_citizens": 600, "blame_response": 0.2},
            "timeline": [{"week": 5, "set": {"ceding": 0.4}, "note": "a change"}], "tags": ["fuzz"]}
SECONDS = 5.0  # per example: a generous bound; a real one takes well under a tenth of that
COUNTER = itertools.count()

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=5)), max_size=6),
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=5)), max_size=4),
    st.sampled_from(["nan", "inf", "1e400", "0x10", "~", "1_000", "yes", "no", "true", "", " ", "\x00",
                     "!!python/object:os.system", "{", "[", "*a", "&a x", "default", "../../etc/passwd",
                     "defensiveness > nan", "a" * 5000]),
)
EXPERIMENT_PATHS = ["name", "scenario", "params", "params.n_citizens", "params.blame_response", "factors",
                    "factors.blame_response", "factors.blame_response.levels", "factors.budget_gap.range",
                    "factors.budget_gap.steps", "design", "samples", "second_order", "morris_levels", "replicates",
                    "weeks", "seed", "common_random_numbers", "switch", "outputs", "outputs.weekly",
                    "outputs.summary_weeks", "analysis", "analysis.spiral", "analysis.heatmap", "batch_runs",
                    "unknown_field"]
SCENARIO_PATHS = ["name", "title", "narrative", "extends", "params", "params.n_citizens", "params.blame_response",
                  "params.leadership_overrides", "timeline", "timeline.0.week", "timeline.0.set", "timeline.0.adopt",
                  "tags", "unknown_field"]


def _set(data: dict, path: str, value) -> dict:
    node = data
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    for p in parents:
        node = node[p] if isinstance(node, list) else node.setdefault(p, {})
    node[last] = value
    return data


def _copy(data):
    return yaml.safe_load(yaml.safe_dump(data))


def _splice(text: str, where: float, junk: str) -> str:
    i = int(where * len(text))
    return text[:i] + junk + text[i:]


def _refused(tmp_path: Path, capsys, experiment: Path) -> None:
    from slsim.tools.cli import main
    out = experiment.parent / "out"
    start = time.perf_counter()
    code = main(["sweep", str(experiment), "--out", str(out), "--max-runs", "1", "--processes", "1"])
    seconds = time.perf_counter() - start
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("slsim: error: "), err
    assert not out.exists(), "bad input wrote the results folder"
    assert seconds < SECONDS, seconds


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / f"case{next(COUNTER)}"
    folder.mkdir()
    return folder


# SLSIM_FUZZ_EXAMPLES=2000 searches longer, with fresh random examples each time
_EXAMPLES = int(os.environ.get("SLSIM_FUZZ_EXAMPLES", "0")) or None
FUZZ = settings(max_examples=_EXAMPLES or 40, deadline=None, derandomize=_EXAMPLES is None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(path=st.sampled_from(EXPERIMENT_PATHS), value=HOSTILE)
def test_a_hostile_field_in_an_experiment_file(tmp_path, capsys, path, value):
    folder = _folder(tmp_path)
    exp = folder / "exp.yaml"
    exp.write_text(yaml.safe_dump(_set(_copy(BASE), path, value), allow_unicode=True))
    _refused(tmp_path, capsys, exp)


@FUZZ
@given(path=st.sampled_from(SCENARIO_PATHS), value=HOSTILE)
def test_a_hostile_field_in_the_scenario_file_an_experiment_uses(tmp_path, capsys, path, value):
    folder = _folder(tmp_path)
    (folder / "place.yaml").write_text(yaml.safe_dump(_set(_copy(SCENARIO), path, value), allow_unicode=True))
    exp = folder / "exp.yaml"
    exp.write_text(yaml.safe_dump({**BASE, "scenario": str(folder / "place.yaml")}))
    _refused(tmp_path, capsys, exp)


@FUZZ
@given(which=st.sampled_from(["experiment", "scenario"]), where=st.floats(0, 1),
       junk=st.one_of(st.text(min_size=1, max_size=60), st.binary(min_size=1, max_size=60)))
def test_random_text_or_bytes_spliced_into_a_file(tmp_path, capsys, which, where, junk):
    folder = _folder(tmp_path)
    place = folder / "place.yaml"
    exp = folder / "exp.yaml"
    scenario_text = yaml.safe_dump(SCENARIO)
    exp_text = yaml.safe_dump({**BASE, "scenario": str(place)})
    target, text = (exp, exp_text) if which == "experiment" else (place, scenario_text)
    exp.write_text(exp_text)
    place.write_text(scenario_text)
    if isinstance(junk, bytes):
        i = int(where * len(text))
        target.write_bytes(text[:i].encode() + junk + text[i:].encode())
    else:
        target.write_text(_splice(text, where, junk))
    _refused(tmp_path, capsys, exp)
