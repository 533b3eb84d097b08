"""slsim: the systems leadership simulator.

An agent-based model (Mesa 3.5) of how leadership across boundaries changes what happens in a
local health and social care system under resource pressure.

Quick use::

    import slsim
    slsim.run("systems_leadership").plot()
    slsim.compare(["blame_culture", "systems_leadership"]).plot()
"""

from slsim.model.agents import Citizen, Organisation, Staff
from slsim.model.metrics import OUTCOMES
from slsim.model.params import ORG_KINDS, ParameterError, Params
from slsim.model.scenario import Scenario, ScenarioError, list_scenarios, load_scenario
from slsim.model.system import SystemModel
from slsim.results.runner import Comparison, Results, compare, run


def __getattr__(name: str):
    # Read lazily: in a checkout the version comes from git (slsim.provenance), not worth a subprocess at import.
    if name == "__version__":
        from slsim.provenance import version
        return version()
    # slsim.follow and slsim.Story load the story module (and its model runs) only when asked for.
    if name in ("follow", "Story"):
        from slsim.results import story
        return getattr(story, name)
    raise AttributeError(f"module 'slsim' has no attribute {name!r}")


__all__ = [
    "Citizen", "Comparison", "ORG_KINDS", "OUTCOMES", "Organisation", "ParameterError", "Params", "Results",
    "Scenario", "ScenarioError", "Staff", "Story", "SystemModel", "compare", "follow", "list_scenarios",
    "load_scenario", "run",
]
