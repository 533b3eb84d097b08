"""The processes keep their contracts (``slsim.model.processes``): each creates the state it owns in its
``init``, reads and writes other processes' state only as declared, and reports only outcome
tallies; below the run layer nothing imports another process or the agents."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from profiles import COLD

import slsim
from slsim.model.metrics import EXTRA, OUTCOMES
from slsim.model.processes import PROCESSES, STREAMS
from slsim.model.system import SystemModel

SRC = Path(slsim.__file__).parent
OUTCOME_NAMES = set(OUTCOMES) | set(EXTRA)


class _Recorder(dict):
    """A tallies dict that notes every key written (as defaultdict(float) does for reads)."""

    def __init__(self):
        super().__init__()
        self.written = set()

    def __missing__(self, key):
        return 0.0

    def __setitem__(self, key, value):
        self.written.add(key)
        super().__setitem__(key, value)


@pytest.fixture(scope="module")
def warm_model():
    model = SystemModel("blame_culture", rng=3, n_citizens=1500, **COLD)
    for _ in range(6):
        model.step()
    return model


def test_every_owned_attribute_is_created_by_its_own_init():
    model = SystemModel("default", rng=1, n_citizens=800, **COLD)
    owners = {}
    for p in PROCESSES:
        for name in p.owns:
            assert name not in owners, f"{name} is owned by both {owners[name]} and {p.name}"
            owners[name] = p.name
            assert hasattr(model, name), f"{p.name}.init should create {name}"
    # Re-running one process's init on a bare copy of the place creates exactly what it owns.
    for p in PROCESSES:
        before = set(vars(model))
        for name in p.owns:
            delattr(model, name)
        p.init(model)
        assert set(vars(model)) == before, f"{p.name}.init created or lost attributes beyond its OWNS"


def test_stepping_creates_no_state_outside_an_init():
    model = SystemModel("switch_to_systems_leadership", rng=2, n_citizens=1000, **COLD)
    before = set(vars(model))
    for _ in range(8):
        model.step()
    created = set(vars(model)) - before
    assert not created, f"state created while stepping, not in an init: {sorted(created)}"


def test_reads_and_writes_name_state_some_other_process_owns():
    owned = {name: p.name for p in PROCESSES for name in p.owns}
    for p in PROCESSES:
        for name in p.reads + p.writes:
            assert name in owned, f"{p.name} declares {name}, which no process owns"
            assert owned[name] != p.name, f"{p.name} declares its own {name} as another's"


def test_each_process_reports_only_its_declared_outcome_tallies(warm_model):
    for p in PROCESSES:
        assert set(p.tallies) <= OUTCOME_NAMES, f"{p.name} declares tallies that are not outcomes: " \
            f"{sorted(set(p.tallies) - OUTCOME_NAMES)}"
        rec = _Recorder()
        warm_model.w = rec
        p.step(warm_model)
        undeclared = rec.written - set(p.tallies)
        assert not undeclared, f"{p.name} wrote tallies it does not declare: {sorted(undeclared)}"


def test_a_process_reads_other_processes_state_only_as_declared():
    # Static check: every model.<name> a process module uses is the place's own state, its own, or declared.
    owned = {name: p.name for p in PROCESSES for name in p.owns}
    for p in PROCESSES:
        tree = ast.parse(Path(p.module.__file__).read_text())
        used = {node.attr for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "model"}
        foreign = {n for n in used if n in owned and owned[n] != p.name}
        undeclared = foreign - set(p.reads) - set(p.writes)
        assert not undeclared, f"{p.name} uses {sorted(undeclared)} of other processes without declaring them"


def test_no_module_below_the_run_layer_imports_a_process_or_the_agents():
    process_modules = {f"slsim.model.processes.{p.name}" for p in PROCESSES}
    for path in [*(SRC / "model" / "processes").glob("*.py"), *(SRC / "model" / n for n in ("metrics.py", "place.py", "population.py"))]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = node.module or ""
                names = [a.name for a in node.names]
                resolved = {target} | {f"{target}.{n}" for n in names}
                resolved = {r.replace("..", "slsim.").lstrip(".") for r in resolved}
                if node.level == 1 and path.parent.name == "processes":
                    pkg = "slsim.model.processes"
                    resolved = {f"{pkg}.{target}"} | {f"{pkg}.{n}" for n in names if not target}
                elif node.level == 2 or (node.level == 1 and path.parent.name == "slsim"):
                    resolved = {f"slsim.{target}"} | {f"slsim.{target}.{n}" if target else f"slsim.{n}" for n in names}
                bad = {r for r in resolved if r in process_modules or r == "slsim.model.agents"}
                if path.name == "__init__.py" and path.parent.name == "processes":
                    continue  # the registry imports every process, in order
                assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_random_streams_follow_the_process_order():
    assert STREAMS[:2] == ("population", "staff")
    assert list(STREAMS[2:]) == [p.name for p in PROCESSES if p.draws]


def test_a_process_can_be_stepped_on_a_freshly_built_place():
    # No process needs a whole week to have run first: its inputs exist from the inits.
    for p in PROCESSES:
        model = SystemModel("default", rng=4, n_citizens=600, **COLD)
        model.week = 1
        p.step(model)
        assert np.isfinite(model.orgs.pressure).all(), f"{p.name} on a fresh place left pressure undefined"
