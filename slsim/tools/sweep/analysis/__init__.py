"""``slsim analyse``: tables (CSV) and figures (PNG) from a sweep's results folder.

What is written depends on the design (everything goes to ``RESULTS/analysis`` atomically):

* always: ``points.csv`` (mean outcomes and retreat-spiral share per design point),
  ``bands.csv`` and ``bands_OUTCOME.png`` (median and 5-95% band of each outcome by factor level;
  continuous factors are cut into five equal-count bins), ``report.md``;
* two or more factors with several levels: tipping heatmaps ``tipping_spiral_share.png`` and
  ``tipping_OUTCOME.png`` over the two heatmap factors (averaged over any others), and
  ``tipping_spiral_share_by_F.png``, one map per level of a third factor F with few levels;
* ``sobol``: ``sobol.csv`` (S1, S1_conf, ST, ST_conf per outcome and factor) and ``sobol_OUTCOME.png``;
* ``morris``: ``morris.csv`` (mu, mu_star, mu_star_conf, sigma) and ``morris_OUTCOME.png``;
* scenario discovery when some runs end in the retreat spiral and some do not: ``discovery.csv``
  (boxes from a shallow decision tree), ``discovery_tree.png``, ``discovery_prim.csv`` and
  ``discovery_prim.png`` (PRIM boxes as EMA Workbench finds them, and the peeling trade-off), and
  a sentence per box;
* a ``switch_week`` factor: ``recovery.csv`` and ``recovery.png`` (weeks to recover after the switch,
  whether the place fully recovers).

The retreat spiral is the experiment's ``analysis.spiral`` rule (default: defensiveness rises and
cross-boundary trust falls over the run), so it does not hang on calibrated levels.

The package's rooms: :mod:`.compute` (the numbers and tables), :mod:`.figures` (drawing them),
:mod:`.report` (the steps of :func:`analyse`, the sentences and the files written). Names,
units and number formats come from :mod:`slsim.results.present`, as in the command line and the browser.
"""

from __future__ import annotations

from slsim.tools.sweep.analysis.compute import (
           SPIRAL_LABEL,
           discover,
           morris_indices,
           prim_boxes,
           recovery,
           sobol_indices,
           spiral_flags,
)
from slsim.tools.sweep.analysis.report import Report, analyse, box_sentence, describe_rule

__all__ = ["SPIRAL_LABEL", "Report", "analyse", "box_sentence", "describe_rule", "discover", "morris_indices",
           "prim_boxes", "recovery", "sobol_indices", "spiral_flags"]
