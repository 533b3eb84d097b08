"""The house's layering is checked (issue 11, point 7): import-linter's contracts in pyproject.toml.

``lint-imports`` fails when a module imports from a layer above it, when one process imports
another, or when anything below the run layer imports ``slsim.model.agents``; this test fails with its
report. The contracts must also name every process and every top-level module, so a new one is
placed in the house rather than silently left out of the check.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import slsim
from slsim.model.processes import PROCESSES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(slsim.__file__).resolve().parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {c["type"]: c for c in CONFIG["contracts"] if c["type"] != "layers"}
# The layers contracts: the house's own first, then one per layer package (whose layers share its prefix).
LAYERS = [c for c in CONFIG["contracts"] if c["type"] == "layers"]


def test_the_import_contracts_hold():
    if importlib.util.find_spec("importlinter") is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]' installs it)")
    # importlinter has no __main__; this is what its lint-imports entry point runs.
    entry = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    done = subprocess.run([sys.executable, "-c", entry, "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"lint-imports found a broken contract:\n{done.stdout}\n{done.stderr}"
    assert "0 broken" in done.stdout, done.stdout


def test_every_process_is_in_the_independence_contract():
    listed = set(CONTRACTS["independence"]["modules"])
    assert listed == {p.module.__name__ for p in PROCESSES}


def _placed(contract: dict) -> set[str]:
    return {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}


def _modules_in(folder: Path, prefix: str) -> set[str]:
    """The modules and sub-packages directly in a package folder (data files excepted)."""
    # _version.py is written by the build (hatch-vcs) and imports nothing
    found = {f"{prefix}.{p.stem}" for p in folder.glob("*.py") if p.name not in ("__init__.py", "_version.py")}
    return found | {f"{prefix}.{p.parent.name}" for p in folder.glob("*/__init__.py") if p.parent.name != "data"}


def test_every_module_of_the_package_has_a_layer():
    """Each top-level module or package of slsim sits in a layer of the house, and each module of a
    layer package (model, results, tools) in a layer of that package's own contract."""
    house, *inner = LAYERS
    found = _modules_in(PACKAGE, "slsim")
    placed = _placed(house)
    assert found == placed, f"not in a layer: {sorted(found - placed)}; no such module: {sorted(placed - found)}"
    packages = {c["layers"][0].split(".")[1] for c in inner}
    assert packages == {"model", "results", "tools"}, packages
    for contract in inner:
        package = contract["layers"][0].split(".")[1]
        found = _modules_in(PACKAGE / package, f"slsim.{package}")
        placed = _placed(contract)
        assert found == placed, f"slsim.{package}: not in a layer: {sorted(found - placed)}; " \
                                f"no such module: {sorted(placed - found)}"
