"""Experiments for researchers: parameter sweeps, sensitivity analysis and scale-out on Dask.

Quick use::

    from slsim.tools.sweep import run_sweep, load_results
    summary = run_sweep("experiments/tipping_map.yaml", "sweeps/tipping_map")
    runs = load_results("sweeps/tipping_map")                 # one row per run
    weekly = load_results("sweeps/tipping_map", what="weekly")  # one row per run x week

On the command line: ``slsim sweep EXPERIMENT`` and ``slsim analyse RESULTS``.
See ``docs/experiments.md``.
"""

from slsim.tools.sweep.core import SweepSummary, plan, run_sweep
from slsim.tools.sweep.design import Design, make_design
from slsim.tools.sweep.experiment import Experiment, ExperimentError, load_experiment
from slsim.tools.sweep.store import export_results, load_results, read_manifest

__all__ = ["Design", "Experiment", "ExperimentError", "SweepSummary", "export_results", "load_experiment",
           "load_results", "make_design", "plan", "read_manifest", "run_sweep"]
