"""The weekly processes of a place, in the order they run, each with its contract.

Each process is one module with ``init(model)`` (creates the state it owns, called once when the
place is built) and ``step(model)`` (one whole-array pass over the columns, its rules in words in
the module docstring). Its contract is four module-level tuples:

* ``OWNS``: model attributes it creates in ``init`` and keeps from week to week;
* ``READS``: attributes owned by other processes that it reads;
* ``WRITES``: attributes owned by other processes that it changes (few, each with its reason);
* ``TALLIES``: this week's outcome tallies it reports in ``model.w`` (all of them outcome columns,
  see :mod:`slsim.model.metrics`; ``model.w`` carries nothing from one process to another).

The place's own state (parameters, the column tables, the organisations' table, capacity, the
random streams) belongs to :class:`~slsim.model.system.SystemModel` and every process may use it.
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
    Process.of(needs),
    Process.of(hospital),
    Process.of(home_care),
    Process.of(voice),
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
