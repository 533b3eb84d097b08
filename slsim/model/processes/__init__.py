"""The weekly processes of a place, in the order they run, each with its contract.

Each process is one module with ``init(model)`` (creates the state it owns, called once when the
place is built) and ``step(model)`` (one whole-array pass over the columns, its rules in words in
the module docstring). Its contract is five module-level tuples, naming model attributes
(``delayed_trend``) and columns of the column tables as ``table.column`` (``citizens.care_need``,
``staff.stress``, ``orgs.pressure``):

* ``OWNS``: model attributes it creates in ``init`` and keeps from week to week;
* ``COLUMNS``: the columns it owns (:class:`~slsim.model.population.Column`), made before any
  process's ``init`` runs so that every init finds every column;
* ``READS``: state owned by other processes or by the place that it reads;
* ``WRITES``: state owned by others that it changes (few, each with its reason beside it);
* ``TALLIES``: this week's outcome tallies it reports in ``model.w`` (all of them outcome columns,
  see :mod:`slsim.model.metrics`; ``model.w`` carries nothing from one process to another).

Every piece of state has one owner: a process, or the place for the population's opening columns
(:data:`~slsim.model.population.PLACE_COLUMNS`) and each organisation's pressure, which the place
combines once a week from the part each process measures (``SystemModel.combine_pressure``).
:mod:`slsim.model.contracts` checks the contracts at run time (``tests/test_contracts.py``): every
read and write a process makes, through helpers too, must be its own or declared. The place's
parameters, coefficients, random streams, week, capacity, event log and leadership
(:data:`~slsim.model.contracts.PLACE_STATE`) are every process's to read.
:data:`PROCESSES` gives the step order, the random streams (one per process that draws) and the
order of the rules in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from slsim.model import march, place, population
from slsim.model.coefficients import Block, all_coefficients
from slsim.model.population import Column
from slsim.model.processes import (
    culture,
    failures,
    home_care,
    hospital,
    joint_work,
    learning,
    money,
    needs,
    shared,
    time_use,
    voice,
)


@dataclass(frozen=True)
class Process:
    """One weekly process and its contract (see the module docstring)."""

    name: str
    module: ModuleType
    init: Callable
    step: Callable
    owns: tuple[str, ...]  # its model attributes, then its columns as table.column
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    tallies: tuple[str, ...]
    draws: bool  # has a random stream of its own
    columns: tuple[Column, ...]  # the columns it owns, created before any init

    @classmethod
    def of(cls, module: ModuleType, draws: bool = True) -> "Process":
        name = module.__name__.rsplit(".", 1)[-1]
        columns = tuple(getattr(module, "COLUMNS", ()))
        owns = tuple(module.OWNS) + tuple(f"{c.table}.{c.name}" for c in columns)
        return cls(name, module, module.init, module.step, owns, tuple(module.READS),
                   tuple(module.WRITES), tuple(module.TALLIES), draws, columns)


PROCESSES: tuple[Process, ...] = (
    Process.of(time_use),
    Process.of(joint_work),
    Process.of(needs, draws=False),  # each citizen's own draws (slsim.model.draws), none from a stream
    Process.of(hospital),
    Process.of(home_care),
    Process.of(voice, draws=False),  # likewise
    Process.of(failures),
    Process.of(learning),
    Process.of(culture),
    Process.of(money, draws=False),  # money is arithmetic: no random stream
)
"""The weekly processes in step order."""

# Streams for building the place, drawn before any process runs.
BUILD_STREAMS = ("population", "staff")
# Named random streams, all derived from the one seed, in this order: two scenarios run with the
# same seed see the same random draws in each process (common random numbers).
STREAMS: tuple[str, ...] = BUILD_STREAMS + tuple(p.name for p in PROCESSES if p.draws)


def _blocks() -> tuple[Block, ...]:
    found = []
    for module in (place, population, march, shared, *(p.module for p in PROCESSES)):
        blocks = getattr(module, "COEFFICIENTS", ())
        found += [blocks] if isinstance(blocks, Block) else list(blocks)
    return tuple(found)


BLOCKS: tuple[Block, ...] = _blocks()
"""Every block of coefficients: the place's structure, the shared rules, then each process in step order."""

COEFFICIENTS = all_coefficients(BLOCKS)
"""Every coefficient of the rules by its full name (``hospital.crowding_start``)."""


class Coefficients:
    """A run's coefficients, one attribute per block: ``model.coef.hospital.crowding_start``."""

    def __init__(self, overrides: dict[str, float] | None = None) -> None:
        for block in BLOCKS:
            setattr(self, block.name, block.values(overrides))
