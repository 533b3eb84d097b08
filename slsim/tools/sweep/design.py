"""Designs: the design points of an experiment, in a fixed order.

* ``grid``: every combination of the factors' levels (a range with ``steps`` gives evenly spaced
  levels, ends included), the last factor varying fastest.
* ``lhs``: SALib's Latin hypercube, ``samples`` points.
* ``sobol``: SALib's Saltelli/Sobol' sequence, ``samples * (D + 2)`` points
  (``samples * (2D + 2)`` with ``second_order``), in SALib's order so ``sobol.analyze`` can read it.
* ``morris``: SALib's Morris trajectories, ``samples * (D + 1)`` points.

The sampling seed comes from the experiment seed, so the same file gives the same points.
Whole-number parameters are rounded after sampling.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slsim.execution import Seeds
from slsim.tools.sweep.experiment import Experiment, Factor


@dataclass
class Design:
    """Design points (one dict per point, factor name -> value) and what SALib needs to analyse them."""

    kind: str
    points: list[dict[str, Any]]
    problem: dict[str, Any] | None = None
    X: np.ndarray | None = None  # SALib's unrounded sample matrix (sobol, morris, lhs)
    options: dict[str, Any] = field(default_factory=dict)


def salib_problem(factors: list[Factor] | tuple[Factor, ...]) -> dict[str, Any]:
    """SALib's problem dict for range factors."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def design_seed(seed: int) -> int:
    """The sampling seed: from the experiment seed, apart from the run seeds (:class:`slsim.execution.Seeds`)."""
    return Seeds(seed).sampling()


def grid_levels(f: Factor) -> list[Any]:
    if f.kind == "levels":
        return list(f.levels)
    values = np.linspace(f.low, f.high, f.steps)
    if f.integer:
        return list(dict.fromkeys(int(round(v)) for v in values))
    return [round(float(v), 10) for v in values]


def _as_value(f: Factor, x: float) -> Any:
    if f.integer:
        return int(round(x))
    return float(x)


def make_design(kind: str, factors: list[Factor] | tuple[Factor, ...], samples: int | None = None, seed: int = 0,
                second_order: bool = False, morris_levels: int = 4) -> Design:
    """Build a design. See the module docstring for sizes and order."""
    factors = list(factors)
    if kind == "grid":
        names = [f.name for f in factors]
        points = [dict(zip(names, combo)) for combo in itertools.product(*(grid_levels(f) for f in factors))]
        return Design("grid", points)
    if kind in ("lhs", "sobol", "morris"):
        from slsim.tools.sweep.extras import require
        require(f"design {kind}", "SALib")
    problem = salib_problem(factors)
    s = design_seed(seed)
    if kind == "lhs":
        from SALib.sample import latin
        X = latin.sample(problem, samples, seed=s)
        opts = {}
    elif kind == "sobol":
        from SALib.sample import sobol
        X = sobol.sample(problem, samples, calc_second_order=second_order, seed=s)
        opts = {"second_order": second_order, "N": samples}
    elif kind == "morris":
        from SALib.sample import morris
        X = morris.sample(problem, samples, num_levels=morris_levels, seed=s)
        opts = {"num_levels": morris_levels, "N": samples}
    else:
        raise ValueError(f"unknown design {kind!r}; allowed: grid, lhs, sobol, morris")
    points = [{f.name: _as_value(f, x) for f, x in zip(factors, row)} for row in X]
    return Design(kind, points, problem, X, opts)


def design_points(kind: str, factors: list[Factor] | tuple[Factor, ...], samples: int | None = None,
                  second_order: bool = False) -> int:
    """How many points :func:`make_design` would build, computed without building any (a grid's
    range factors are counted through :func:`grid_levels`, at most ``MAX_GRID_STEPS`` values each)."""
    d = len(factors)
    if kind == "grid":
        return math.prod(len(grid_levels(f)) for f in factors)
    n = int(samples or 0)
    if kind == "lhs":
        return n
    if kind == "sobol":
        return n * (2 * d + 2 if second_order else d + 2)
    if kind == "morris":
        return n * (d + 1)
    raise ValueError(f"unknown design {kind!r}; allowed: grid, lhs, sobol, morris")


def experiment_size(exp: Experiment) -> tuple[int, int]:
    """(design points, runs) of an experiment, computed without building its design."""
    s = exp.spec
    points = design_points(s.design, exp.factors, s.samples, s.second_order)
    return points, points * s.replicates


def preview_points(exp: Experiment, n: int) -> list[dict[str, Any]]:
    """The first ``n`` design points; a grid's are made without making the rest (a sampled
    design is drawn whole, as its points depend on each other; callers bound its size first)."""
    if exp.spec.design == "grid":
        names = [f.name for f in exp.factors]
        combos = itertools.islice(itertools.product(*(grid_levels(f) for f in exp.factors)), n)
        return [dict(zip(names, combo)) for combo in combos]
    return experiment_design(exp).points[:n]


def experiment_design(exp: Experiment) -> Design:
    s = exp.spec
    return make_design(s.design, exp.factors, s.samples, s.seed, s.second_order, s.morris_levels)
