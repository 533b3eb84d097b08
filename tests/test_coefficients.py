"""Every coefficient of the rules is named, sourced and reachable (issue 16, point 1).

The rules read their numbers from named coefficient blocks (``slsim.model.coefficients``);
docstrings name them instead of repeating their numbers, so the model description in
``docs/model.md`` cannot drift from the code; a run can change any of them by full name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import slsim
from slsim.model.coefficients import ASSUMPTION
from slsim.model.params import FIXED_DURING_RUN, ParameterError, Params, parameter_table
from slsim.model.processes import BLOCKS, COEFFICIENTS, PROCESSES
from slsim.model.system import SystemModel

MODEL = Path(slsim.__file__).parent / "model"
RULE_FILES = sorted((MODEL / "processes").glob("*.py")) + [MODEL / "teaching.py"]

# Numbers a rule's docstring may still write: years and citations, list markers, and a few
# published statistics quoted beside the coefficient they informed. Each entry is the exact text.
QUOTED = {
    "culture.py": ("30.8% a year",),
    "failures.py": ("3.5% of beds",),
    "home_care.py": ("74% of councils commissioned 15-minute visits, which were 14% of visits",),
    "joint_work.py": ("3.5% of beds",),
}
NUMBER = re.compile(r"(?<![\w.{/-])\d+(?:\.\d+)?%?(?![\w}/])")


def _docstrings(path: Path):
    """(line, text) of the module's, classes' and functions' docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield getattr(node, "lineno", 1), doc


def _bare_numbers(text: str, allowed: tuple[str, ...]) -> list[str]:
    for phrase in allowed:
        text = text.replace(phrase, "")
    text = re.sub(r"\b(1[89]|20)\d\d(/\d\d)?\b", "", text)  # years, financial years
    text = re.sub(r"\bper 1,000\b", "", text)  # a unit
    text = re.sub(r"^\s*\d+\.\s", "", text, flags=re.M)  # numbered rules
    text = re.sub(r"\b(rule|process|week|section|weeks?)\s+\d+\b", "", text, flags=re.I)  # references
    text = re.sub(r"\[[^\]]*\]|\([01], ?[01]\)", "", text)  # ranges such as [0, 1]
    return [m for m in NUMBER.findall(text) if m not in ("0", "1", "0-1", "100%")]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_no_rule_docstring_types_a_number_the_code_owns(path):
    """A number in a rule's words must come from the code: docstrings name a coefficient as
    ``{name}`` (filled from its block at import) rather than typing its value, which is how the
    old docstrings drifted (85% where the code said 0.88)."""
    found = []
    for line, doc in _docstrings(path):
        bad = _bare_numbers(doc, QUOTED.get(path.name, ()))
        found += [f"{path.name}:{line}: {n}" for n in bad]
    assert not found, f"numbers typed into rule docstrings (use a named coefficient): {found}"


def test_every_process_declares_its_coefficients_and_its_docstring_names_them():
    for process in PROCESSES:
        block = getattr(process.module, "COEFFICIENTS", None)
        assert block is not None and block.name == process.name, f"{process.name} declares no coefficient block"
    # The docstrings were filled from the blocks: no placeholder is left, and the filled text
    # carries the default.
    from slsim.model.processes import hospital
    assert "{" not in hospital.__doc__.split("Rules, in order")[1].split("Outputs")[0]
    assert f"{hospital.COEFFICIENTS.defaults.crowding_start:.0%}" in hospital.__doc__


def test_every_coefficient_has_a_unit_a_range_and_a_source_or_a_reason():
    assert len(COEFFICIENTS) >= 100, len(COEFFICIENTS)
    for name, c in COEFFICIENTS.items():
        assert c.unit.strip(), f"{name}: no unit"
        lo, hi = c.range
        assert lo <= c.default <= hi and lo < hi, f"{name}: range {c.range} around {c.default}"
        if c.is_assumption:
            reason = c.source[len(ASSUMPTION):].strip()
            assert len(reason.split()) >= 3, f"{name}: an assumption needs its reasoning, not just the word"
        else:
            assert re.search(r"\d{4}|\.csv|statistics|NHS|survey", c.source, re.I), \
                f"{name}: a cited source names its publication or data: {c.source!r}"
    assert len({b.name for b in BLOCKS}) == len(BLOCKS), "two blocks share a name"


def test_slsim_params_lists_coefficients_grouped_by_process():
    rows = {r["name"]: r for r in parameter_table()}
    for name, c in COEFFICIENTS.items():
        assert rows[name]["group"] == name.split(".")[0]
        assert rows[name]["default"] == c.default and rows[name]["source"] == c.source


def _run(weeks=20, seed=3, **params):
    model = SystemModel("default", rng=seed, n_citizens=1500, burn_in_weeks=0, **params)
    for _ in range(weeks):
        model.step()
    return model.results()


def test_setting_every_coefficient_to_its_default_changes_nothing():
    """The plumbing reads the run's values: every coefficient given explicitly at its default gives
    the same numbers, bit for bit, as none given."""
    explicit = {name: c.default for name, c in COEFFICIENTS.items() if not c.setup}
    explicit |= {name: c.default for name, c in COEFFICIENTS.items() if c.setup}
    a = _run(**{"coefficients": explicit})
    b = _run()
    assert a.equals(b)


def test_a_coefficient_set_by_name_reaches_its_rule():
    """No list attrition leaves more patients waiting than the default's: the named coefficient,
    given by its full name as ``--set`` and scenario files give it, is the number the rule uses."""
    seeds = range(8)
    default = [(_run(40, s)["elective_waiting_list"].iloc[-10:].mean()) for s in seeds]
    none_leave = [(_run(40, s, **{"hospital.list_attrition": 0.0})["elective_waiting_list"].iloc[-10:].mean())
                  for s in seeds]
    diff = np.array(none_leave) - np.array(default)
    assert (diff > 0).mean() >= 0.75 and diff.mean() > 0, diff


def test_bad_coefficients_are_one_line_errors():
    with pytest.raises(ParameterError, match=r"hospital.crowding_start = 1.5: outside its range; allowed: a number"):
        SystemModel(rng=1, n_citizens=300, **{"hospital.crowding_start": 1.5})
    with pytest.raises(ParameterError, match=r"did you mean 'hospital.crowding_start'"):
        SystemModel(rng=1, n_citizens=300, **{"hospital.crowdng_start": 0.9})
    with pytest.raises(ParameterError, match=r"not a number"):
        SystemModel(rng=1, n_citizens=300, **{"hospital.crowding_start": "high"})
    with pytest.raises(ParameterError, match=r"not a whole number"):
        SystemModel(rng=1, n_citizens=300, **{"hospital.pre_op_weeks": 2.5})
    for err in (pytest.raises(ParameterError),):
        with err as info:
            SystemModel(rng=1, n_citizens=300, **{"hospital.crowding_start": float("nan")})
        assert "\n" not in str(info.value)


def test_set_up_coefficients_cannot_change_during_a_run():
    setup = [name for name, c in COEFFICIENTS.items() if c.setup]
    assert setup and set(setup) <= set(FIXED_DURING_RUN)
    model = SystemModel(rng=1, n_citizens=300, burn_in_weeks=0)
    with pytest.raises(ParameterError, match="cannot change during a run"):
        model.apply_intervention({setup[0]: COEFFICIENTS[setup[0]].default})


def test_an_intervention_changes_a_coefficient_from_the_next_week():
    model = SystemModel(rng=1, n_citizens=300, burn_in_weeks=0)
    model.step()
    assert model.coef.hospital.list_attrition == COEFFICIENTS["hospital.list_attrition"].default
    model.apply_intervention({"hospital.list_attrition": 0.02})
    assert model.coef.hospital.list_attrition == 0.02
    model.apply_intervention({"hospital.delay_trend": 0.5})
    assert model.coef.hospital.list_attrition == 0.02, "a second intervention keeps the first's coefficients"
    assert model.params.value("hospital.delay_trend") == 0.5


def test_a_run_records_only_the_coefficients_it_changed():
    assert "coefficients" not in Params().model_dump(), "a default run's record is as it was before coefficients"
    dump = Params(**{"hospital.delay_trend": 0.5}).model_dump()
    assert dump["coefficients"] == {"hospital.delay_trend": 0.5}
    assert Params(**dump) == Params(**{"hospital.delay_trend": 0.5})


def test_a_sweep_and_a_calibration_accept_a_coefficient_by_name(tmp_path):
    from slsim.tools.calibration.spec import CalibrationError  # noqa: F401 - the tools read the same names
    from slsim.tools.sweep.experiment.schema import FactorSpec
    from slsim.tools.sweep.experiment.validation import _check_parameter_factor

    factor = _check_parameter_factor("hospital.crowding_start", "factors.hospital.crowding_start",
                                     FactorSpec(range=[0.8, 0.9]))
    assert factor.name == "hospital.crowding_start"
    with pytest.raises(Exception, match=r"allowed range \[0.5, 0.99\]"):
        _check_parameter_factor("hospital.crowding_start", "f", FactorSpec(range=[0.2, 0.9]))
