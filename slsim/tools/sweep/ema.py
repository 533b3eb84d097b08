"""slsim as an EMA Workbench model: exploratory modelling in the interface researchers already know.

EMA Workbench (Kwakkel 2017) is how many policy modellers run experiments, scenario discovery and
robust decision making. :func:`ema_model` wraps slsim as an ``ema_workbench.Model`` whose
uncertainties are slsim parameters (ranges from slsim's own parameter table unless given) and whose
outcomes are slsim outcomes, each the mean over the last 26 weeks of one run::

    from ema_workbench import perform_experiments
    from slsim.tools.sweep.ema import ema_model

    model = ema_model(uncertainties=["blame_response", "social_care_budget_level"], weeks=104)
    experiments, outcomes = perform_experiments(model, scenarios=50)

Every experiment runs with the same seed (``seed``), so experiments differ only in their
parameters (common random numbers), as slsim's own sweeps do. A run is :func:`slsim.run`, so EMA
gets exactly the numbers the command line and the browser show. For seed replicates, designs with
stored runs, resuming and Dask use ``slsim sweep`` (docs/experiments.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slsim.model.metrics import OUTCOMES
from slsim.model.params import ParameterError, parameter_table
from slsim.results.runner import run

DEFAULT_OUTCOMES = ("delayed_transfers", "cross_boundary_trust", "elective_waiting_list", "unmet_need")


def _parameter(name: str, bounds: tuple[float, float] | None, table: dict[str, dict]):
    from ema_workbench import IntegerParameter, RealParameter

    row = table.get(name)
    if row is None:
        raise ParameterError(f"unknown parameter '{name}'; see 'slsim params'")
    lo, hi = bounds if bounds is not None else (row["min"], row["max"])
    if lo is None or hi is None:
        raise ParameterError(f"parameter '{name}' has no declared range: give one, e.g. {{'{name}': (low, high)}}")
    if isinstance(row["default"], bool) or not isinstance(row["default"], (int, float)):
        raise ParameterError(f"parameter '{name}' is not a number and cannot be an EMA uncertainty")
    if isinstance(row["default"], int):
        return IntegerParameter(name, int(lo), int(hi))
    return RealParameter(name, float(lo), float(hi))


def ema_model(uncertainties: Sequence[str] | Mapping[str, tuple[float, float] | None],
              outcomes: Sequence[str] = DEFAULT_OUTCOMES, scenario: str = "default", weeks: int = 104,
              seed: int = 0, params: Mapping[str, Any] | None = None, name: str = "slsim"):
    """An ``ema_workbench.Model`` running one slsim run per experiment.

    ``uncertainties``: parameter names (ranges from slsim's parameter table) or a mapping of name to
    ``(low, high)`` (None: the table's range). ``outcomes``: slsim outcome names, each returned as
    its mean over the last 26 weeks (weeks: run length after the burn-in). ``params``: fixed
    parameters for every experiment (e.g. ``{"n_citizens": 2000}``). Bad names fail here, in one line.
    """
    from ema_workbench import Model, ScalarOutcome

    table = {row["name"]: row for row in parameter_table()}
    spec = dict(uncertainties) if isinstance(uncertainties, Mapping) else dict.fromkeys(uncertainties)
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        raise ParameterError(f"unknown outcome(s) {unknown}; see 'slsim outcomes'")
    fixed = dict(params or {})

    def function(**varied) -> dict[str, float]:
        res = run(scenario, weeks=weeks, replicates=1, seed=seed, params={**fixed, **varied}, processes=1)
        summary = res.summary().iloc[0]
        return {o: float(summary[o]) for o in outcomes}

    model = Model(name, function=function)
    model.uncertainties = [_parameter(n, b, table) for n, b in spec.items()]
    model.outcomes = [ScalarOutcome(o) for o in outcomes]
    return model
