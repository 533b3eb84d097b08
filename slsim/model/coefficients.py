"""Coefficients: every number inside a rule, declared once with its name, unit, range and source.

A process declares its coefficients in one block (in the spirit of Starsim's ``define_pars``)::

    COEFFICIENTS = Block("hospital",
        Coefficient("crowding_start", 0.85, "occupancy", (0.7, 0.95),
                    "assumption: clinicians start sending people home sooner above it",
                    "Occupancy above which crowding shortens stays."),
        ...)

and reads them in its rules from the run's values, ``k = model.coef.hospital`` then
``k.crowding_start``, so a run can change any of them under its full name
(``--set hospital.crowding_start=0.8``, a scenario's or sweep's ``hospital.crowding_start: 0.8``,
a calibration prior). Defaults never change in place: a run that sets none gets exactly the
numbers the code was written with.

Docstrings name coefficients instead of repeating their numbers: a process's docstring is a
template, ``{crowding_start}`` (the value) or ``{crowding_start:.0%}`` (as a percentage), filled
from the block by :meth:`Block.document`, so the rules in ``docs/model.md`` cannot drift from the
code (``tests/test_coefficients.py`` fails on a bare number in a rule's docstring).

Every default cites its source, or is marked ``"assumption: ..."`` with its reasoning.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

ASSUMPTION = "assumption:"


@dataclass(frozen=True)
class Coefficient:
    """One number inside a rule.

    Attributes:
        name: its name within its block (the full name is ``block.name``).
        default: the value the rules were written and calibrated with.
        unit: what the number counts, in words.
        range: the inclusive range a run may set it to (the plausible range: beyond it the rule
            stops meaning what its docstring says).
        source: a publication or statistic the default comes from (its reference is in
            ``docs/model.md``), or ``"assumption: why"``.
        help: what it does in the rule, in one sentence.
        integer: a whole number (a count of weeks, say).
        setup: acts only when the place is built, so it cannot change during a run.
    """

    name: str
    default: float
    unit: str
    range: tuple[float, float]
    source: str
    help: str
    integer: bool = False
    setup: bool = False

    def __post_init__(self) -> None:
        # A number typed as 3 is still a number, not a count: only integer coefficients are whole.
        object.__setattr__(self, "default", int(self.default) if self.integer else float(self.default))
        lo, hi = self.range
        if not (lo <= self.default <= hi):
            raise ValueError(f"coefficient {self.name}: default {self.default} outside its range {self.range}")
        if not self.source.strip():
            raise ValueError(f"coefficient {self.name}: no source; cite one or write 'assumption: why'")

    @property
    def is_assumption(self) -> bool:
        return self.source.startswith(ASSUMPTION)

    def check(self, value: object) -> float:
        """The value as the rules use it, or ValueError saying what is allowed."""
        lo, hi = self.range
        kind = "a whole number" if self.integer else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, str):
            raise ValueError(f"{value!r} is not {kind}; allowed: {kind} from {lo} to {hi} {self.unit}")
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ValueError(f"outside its range; allowed: {kind} from {lo} to {hi} {self.unit}")
        if self.integer:
            if value != int(value):
                raise ValueError(f"{value!r} is not {kind}; allowed: {kind} from {lo} to {hi} {self.unit}")
            return int(value)
        return float(value)


class Values:
    """One block's values for one run: ``values.crowding_start``; read-only."""

    __slots__ = ("_block", "__dict__")

    def __init__(self, block: str, values: Mapping[str, float]) -> None:
        object.__setattr__(self, "_block", block)
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"coefficients are read-only during a run (set {self._block}.{name} through parameters)")

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{self._block}({inner})"


class Block:
    """The coefficients of one process (or one shared rule), in the order its docstring tells them."""

    def __init__(self, name: str, *coefficients: Coefficient) -> None:
        self.name = name
        self.coefficients: Mapping[str, Coefficient] = MappingProxyType({c.name: c for c in coefficients})
        if len(self.coefficients) != len(coefficients):
            raise ValueError(f"block {name}: a coefficient is declared twice")
        self.defaults = Values(name, {c.name: c.default for c in coefficients})

    def __iter__(self):
        return iter(self.coefficients.values())

    def full_name(self, coefficient: str) -> str:
        return f"{self.name}.{coefficient}"

    def values(self, overrides: Mapping[str, float] | None = None) -> Values:
        """This block's values with a run's overrides (keyed by full name) applied."""
        prefix = self.name + "."
        mine = {k[len(prefix):]: v for k, v in (overrides or {}).items() if k.startswith(prefix)}
        if not mine:
            return self.defaults
        return Values(self.name, {c.name: mine.get(c.name, c.default) for c in self})

    def document(self, template: str | None) -> str | None:
        """A docstring with each ``{name}`` or ``{name:spec}`` filled in from this block's defaults
        (see :func:`document`)."""
        return document(template, self)


def document(template: str | None, *blocks: Block) -> str | None:
    """A docstring with each ``{name}`` or ``{name:spec}`` filled in from the blocks' defaults.

    A name that is not a coefficient of one of the blocks is an error at import, so a renamed
    coefficient cannot leave a stale docstring behind; so is a name two blocks share.
    """
    if template is None:
        return None
    values: dict[str, float] = {}
    for block in blocks:
        clash = set(values) & set(block.coefficients)
        if clash:
            raise KeyError(f"{sorted(clash)} name coefficients of more than one block in one docstring")
        values |= vars(block.defaults)
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None and field not in values:
            names = ", ".join(b.name for b in blocks)
            raise KeyError(f"a docstring names {{{field}}}, which is not a coefficient of {names}")
    return template.format(**values)


def all_coefficients(blocks: Iterable[Block]) -> dict[str, Coefficient]:
    """Every coefficient by its full name (``block.name``), blocks in the order given."""
    found: dict[str, Coefficient] = {}
    for block in blocks:
        for c in block:
            found[block.full_name(c.name)] = c
    return found
