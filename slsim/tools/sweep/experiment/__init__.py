"""Experiment files: what to vary, how to sample it, how often to repeat it, what to keep.

An experiment is a YAML file (read with the one strict loader, :mod:`slsim.yamlfile`) of this form::

    name: tipping_map
    title: Where does a blame culture tip a place into the retreat spiral?
    scenario: blame_culture          # base scenario: built-in name or path to a scenario file
    params: {n_citizens: 2000}       # fixed overrides for every run
    factors:                         # what varies
      need_growth_per_year: {range: [0.0, 0.08], steps: 5}   # grid: steps evenly spaced values
      blame_response: {levels: [0.1, 0.5, 0.9]}               # explicit levels
    design: grid                     # grid | lhs | sobol | morris
    samples: 64                      # lhs: points; sobol: base N (power of two); morris: trajectories
    replicates: 3                    # runs per design point
    weeks: 104
    seed: 20261126
    outputs:
      weekly: [delayed_transfers, defensiveness]   # weekly series kept (others: per-run summary only)
      summary_weeks: 26                             # summaries average the last N weeks of a run

Rules, each checked before anything is written (an error is an :class:`ExperimentError` whose
message starts with the file's path):

* The file follows the rules of every YAML file slsim reads (:mod:`slsim.yamlfile`): UTF-8, a key
  only once per mapping, bounded size, nesting and aliases; a broken file is one line naming the
  file, the line and what is wrong, as for a scenario file.
* A factor is a parameter of :class:`slsim.model.params.Params`, or ``scenario`` (levels are scenario
  names), or ``switch_week`` (with a ``switch`` block: the week the switch happens; ``null``
  means never). A factor has either ``range: [low, high]`` with low < high inside the parameter's
  allowed range, or ``levels: [...]`` (non-empty, no duplicates, each value valid).
* ``grid`` takes every combination of levels; a range needs ``steps`` (>= 2) for a grid.
  ``lhs``, ``sobol`` and ``morris`` sample ranges only: a factor given as levels is refused.
* Whole-number parameters sampled from a range are rounded; yes/no parameters need levels.
* Every design point is validated as full parameters of the base scenario before any run.
* Seeds (:mod:`slsim.execution.seeds`): the seed of run ``i`` is ``SeedSequence([seed, i])``; with
  ``common_random_numbers: true`` it is ``SeedSequence([seed, replicate, 0xC0])`` instead, so every
  design point shares the same seeds per replicate and differences between points reflect the
  factors, not luck. Either way seeds never depend on which worker runs what.

The package's rooms: :mod:`.schema` (the fields and the checked forms), :mod:`.validation`
(checks against the model, the scenarios and the other fields), :mod:`.spiral` (the grammar of the
retreat-spiral rule) and :mod:`.loader` (reading a file).
"""

from __future__ import annotations

from slsim.errors import ExperimentError
from slsim.tools.sweep.experiment.loader import load_experiment
from slsim.tools.sweep.experiment.schema import (
    DEFAULT_SPIRAL,
    SPECIAL_FACTORS,
    AnalysisSpec,
    Experiment,
    ExperimentFile,
    Factor,
    FactorSpec,
    OutputSpec,
    SwitchSpec,
)
from slsim.tools.sweep.experiment.spiral import parse_condition
from slsim.tools.sweep.experiment.validation import experiment_from_dict, switch_params

__all__ = ["DEFAULT_SPIRAL", "SPECIAL_FACTORS", "AnalysisSpec", "Experiment", "ExperimentError", "ExperimentFile",
           "Factor", "FactorSpec", "OutputSpec", "SwitchSpec", "experiment_from_dict", "load_experiment",
           "parse_condition", "switch_params"]
