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
from slsim.model import contracts
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
    owners = contracts.owners()  # also fails if two processes own one name
    for p in PROCESSES:
        for name in p.owns:
            table, _, column = name.rpartition(".")
            assert hasattr(getattr(model, table), column) if table else hasattr(model, name), \
                f"{p.name} should create {name}"
            assert owners[name] == p.name
    # Re-running one process's init on a bare copy of the place creates exactly the attributes it
    # owns (its columns are made before any init, from its COLUMNS).
    for p in PROCESSES:
        before = set(vars(model))
        for name in p.owns:
            if "." not in name:
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


def test_reads_and_writes_name_state_some_other_process_or_the_place_owns():
    owners = contracts.owners()
    for p in PROCESSES:
        for name in p.reads + p.writes:
            assert name in owners, f"{p.name} declares {name}, which nobody owns"
            assert owners[name] != p.name, f"{p.name} declares its own {name} as another's"


def test_each_process_reports_only_its_declared_outcome_tallies(warm_model):
    for p in PROCESSES:
        assert set(p.tallies) <= OUTCOME_NAMES, f"{p.name} declares tallies that are not outcomes: " \
            f"{sorted(set(p.tallies) - OUTCOME_NAMES)}"
        rec = _Recorder()
        warm_model.w = rec
        p.step(warm_model)
        undeclared = rec.written - set(p.tallies)
        assert not undeclared, f"{p.name} wrote tallies it does not declare: {sorted(undeclared)}"


@pytest.fixture(scope="module")
def observed():
    """What each process really read and wrote, over weeks of several scenarios that between them
    run every rule (pooled budgets, a switch of style, cuts, a winter surge)."""
    seen: dict[str, contracts.Observed] = {}
    for scenario, seed in (("default", 1), ("blame_culture", 2), ("switch_to_systems_leadership", 3),
                           ("pooled_budget", 4), ("austerity_cut", 5), ("winter_surge", 6),
                           ("systems_leadership", 7)):
        # Many pilots, some failing under blame; the official way of working listening to citizens.
        extra = {"experimentation": 1.0, "learning_breadth": 1.0} if scenario == "blame_culture" else {}
        model = SystemModel(scenario, rng=seed, n_citizens=1500, burn_in_weeks=0, **extra)
        model.step()
        for name, obs in contracts.observe(model, 30).items():
            mine = seen.setdefault(name, contracts.Observed())
            mine.read |= obs.read
            mine.written |= obs.written
    return seen


def test_every_process_reads_and_writes_only_what_it_declares(observed):
    """Seen at run time through a recording view of the place: a read through a helper counts (a
    process that calls ``shared.access_weight`` reads ``outreach``), and so does a write into a
    column in place (``c.care_need[rows] += ...``)."""
    assert {p.name for p in PROCESSES} <= set(observed), "every process ran"
    breaches = contracts.breaches(observed)
    assert not breaches, "\n".join(breaches)


def test_declarations_are_not_stale(observed):
    """A process declares only what it really reads or writes, so the contracts stay a true map."""
    stale = []
    for p in PROCESSES:
        seen = observed[p.name]
        stale += [f"{p.name} declares READS {n} but never reads it" for n in sorted(set(p.reads) - seen.read)]
        stale += [f"{p.name} declares WRITES {n} but never writes it" for n in sorted(set(p.writes) - seen.written)]
    assert not stale, "\n".join(stale)


def test_every_column_has_exactly_one_owner():
    """Every column of the citizens', staff's and organisations' tables belongs to one process (which
    creates it) or to the place (the population's opening state, drawn when it is built)."""
    owners = contracts.owners()
    model = SystemModel("default", rng=1, n_citizens=400, burn_in_weeks=0)
    for table in contracts.TABLES:
        for column in getattr(model, table).columns:
            assert f"{table}.{column}" in owners, f"{table}.{column} has no owner"
    owned_columns = {name for name in owners if "." in name}
    present = {f"{t}.{c}" for t in contracts.TABLES for c in getattr(model, t).columns}
    assert owned_columns == present, f"declared but not created: {sorted(owned_columns - present)}"


def test_a_recording_view_changes_no_number():
    """The check observes an ordinary run: the same numbers with and without the views."""
    a = SystemModel("blame_culture", rng=7, n_citizens=800, burn_in_weeks=0)
    b = SystemModel("blame_culture", rng=7, n_citizens=800, burn_in_weeks=0)
    contracts.observe(a, 6)
    for _ in range(6):
        b.step()
    for table in contracts.TABLES:
        for column in getattr(a, table).columns:
            assert np.array_equal(getattr(getattr(a, table), column), getattr(getattr(b, table), column)), column


def test_the_check_catches_an_undeclared_read_and_write(monkeypatch):
    """The check itself can fail: a process that reads and writes state it does not declare is named."""
    from slsim.model.processes import voice

    real = voice.step

    def sneaky(model):
        real(model)
        model.citizens.fit_week[:1] += 0  # touches a hospital column without changing it: a read
        model.delayed_trend = model.delayed_trend + 1.0  # changes the hospital's state: a write

    model = SystemModel("default", rng=1, n_citizens=400, burn_in_weeks=0)
    model.step()
    import slsim.model.system as system
    phases = tuple((name, sneaky if name == "voice" else fn) for name, fn in system._PHASE_FUNCTIONS)
    monkeypatch.setattr(system, "_PHASE_FUNCTIONS", phases)
    found = "\n".join(contracts.breaches(contracts.observe(model, 2)))
    assert "voice reads citizens.fit_week" in found
    assert "voice writes delayed_trend" in found


def test_no_module_below_the_run_layer_imports_a_process_or_the_agents():
    process_modules = {f"slsim.model.processes.{p.name}" for p in PROCESSES}
    structure = [SRC / "model" / n for n in ("metrics.py", "place.py", "population.py")]
    for path in [*(SRC / "model" / "processes").glob("*.py"), *structure]:
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
