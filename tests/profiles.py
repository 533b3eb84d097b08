"""The suite's named run profiles: which burn-in a test's models get, said where the test builds them.

The model's own default is always the documented one (``BURN_IN_WEEKS``); a test that wants
something else passes a profile explicitly: ``SystemModel(..., **COLD)``, ``params=COLD`` for the
run layer, ``COLD_SET`` on the command line, ``burn_in_weeks: 0`` in a test's YAML.

Importable from every test folder as ``profiles`` (the top conftest puts ``tests/`` on the path).
"""

from __future__ import annotations

from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import BURN_IN_WEEKS

COLD = {"burn_in_weeks": 0}
"""A place that starts cold, at week 1: for tests of one rule's workings, not of the place's steady
state (a 104-week burn-in per model would multiply the suite's time)."""

STEADY = {"burn_in_weeks": BURN_IN_WEEKS}
"""A place in its steady state (the documented burn-in): for tests of the calibrated place."""

COLD_SET = ["--set", "burn_in_weeks=0"]
""":data:`COLD` on the ``slsim`` command line."""

BURN_INS = BurnInCache()
"""The suite's own burn-in cache, for tests that build STEADY models of the same place and seed
directly (``SystemModel(..., burn_in_cache=BURN_INS)``): each burns in once per test session."""
