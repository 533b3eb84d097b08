"""docs/model.md stays true to the code: its generated sections are up to date and follow the
model's step order."""

from __future__ import annotations

import re

from slsim.model.params import Params
from slsim.model.system import _PHASE_FUNCTIONS
from slsim.tools import docgen


def test_docgen_writes_the_checkouts_model_md():
    # (These tests once skipped themselves when docgen looked for docs/ one folder too high.)
    assert docgen.DOC.is_file(), f"docgen writes {docgen.DOC}, which is not this checkout's docs/model.md"


def test_generated_sections_are_up_to_date(capsys):
    assert docgen.main(["--check"]) == 0, "docs/model.md is out of date: run `python -m slsim.tools.docgen`"


def test_docgen_process_order_is_the_step_order():
    from slsim.model.processes import PROCESSES
    order = [p.name for p in PROCESSES]
    phases = [name for name, _ in _PHASE_FUNCTIONS]
    assert [n for n in phases if n not in ("pressure",)] == ["timeline", *order, "measure"]
    assert phases.index("pressure") == phases.index("home_care") + 1, "pressure is combined after its last part"
    headings = re.findall(r"^### \d+\. .*?\n\n_Module `slsim/model/processes/(\w+)\.py`", docgen._processes(), re.M)
    assert headings == order, "docs/model.md lists the processes in step order"


def test_model_docstring_lists_the_step_order():
    from slsim.model import system as model
    mentioned = re.findall(r":mod:`~slsim\.model\.processes\.(\w+)`", model.__doc__)
    from slsim.model.processes import PROCESSES
    assert mentioned == [p.name for p in PROCESSES], "the model docstring's story of a week is the step order"


def test_every_parameter_is_documented():
    text = docgen.DOC.read_text(encoding="utf-8")
    missing = [name for name in Params.model_fields if f"`{name}`" not in text and name not in text]
    assert not missing, f"docs/model.md does not describe {missing}"
