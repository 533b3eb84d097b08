"""The seed scheme: where every run's random numbers come from (the one place it is written).

Rule: a run's seed is the first 32-bit word of a :class:`numpy.random.SeedSequence` made from the
seed the user gave and the run's position in its set of runs, and of nothing else: never the
worker, the process, the machine, the order in which runs finish or the clock. A run therefore
gives the same numbers on one core, on a process pool or on a Dask cluster. Inside a run the model
splits its seed into one stream per process (see :mod:`slsim.model.system`).

The position is written into the SeedSequence in one of two ways, and both are kept because each
is already the seed of published results (changing either would change every stored number):

* **replicates** (``slsim.run``, ``slsim.compare``, the browser, calibration): replicate ``r`` is
  numpy's ``r``-th spawned child, ``SeedSequence(seed, spawn_key=(r,))``. The scenario is not in the
  key, so scenarios compared with one seed share common random numbers, and adding replicates
  keeps the earlier ones.
* **sweep runs**: run ``i`` of an experiment uses ``SeedSequence([seed, i])``; with common random
  numbers every design point's replicate ``r`` uses ``SeedSequence([seed, r, 0xC0])`` (the tag keeps
  it apart from run ``r``'s stream). A sampled design draws its points from
  ``SeedSequence([seed, 0x5EED_DE51])``, apart from every run.

So both are one scheme, "hash the user's seed with the run's position", differing only in how the
position is encoded (a spawn key, or words appended to the seed): replicate ``r`` and sweep run
``r`` of the same seed are different, independent streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slsim.model.params import ParameterError

COMMON_TAG = 0xC0  # appended to a sweep's common-random-numbers key
SAMPLING_TAG = 0x5EED_DE51  # appended to the key of a sampled design's points


def _first_word(seq: np.random.SeedSequence) -> int:
    return int(seq.generate_state(1)[0])


@dataclass(frozen=True)
class Seeds:
    """The seeds derived from one user seed (a whole number >= 0); see the module docstring."""

    seed: int

    def __post_init__(self) -> None:
        seed = self.seed
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ParameterError(f"seed: {seed!r} is not a seed; allowed: a whole number >= 0")
        object.__setattr__(self, "seed", int(seed))

    def replicate(self, replicate: int) -> int:
        """Replicate ``r``'s seed: the ``r``-th spawned child of ``SeedSequence(seed)``."""
        return _first_word(np.random.SeedSequence(self.seed, spawn_key=(int(replicate),)))

    def replicates(self, n: int) -> list[int]:
        """The seeds of replicates 0 .. n-1 (the first ones do not change when n grows)."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ParameterError(f"replicates: {n!r}; allowed: a whole number >= 1")
        return [self.replicate(r) for r in range(int(n))]

    def sweep_run(self, run_id: int, replicate: int, common: bool) -> int:
        """A sweep run's seed: from its run index, or from its replicate with common random numbers."""
        key = [self.seed, int(replicate if common else run_id)]
        if common:
            key.append(COMMON_TAG)
        return _first_word(np.random.SeedSequence(key))

    def sampling(self) -> int:
        """The seed of a sampled design's points (lhs, sobol, morris), apart from every run's."""
        return _first_word(np.random.SeedSequence([self.seed, SAMPLING_TAG]))


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """The seed of each replicate of ``run``/``compare``: ``Seeds(seed).replicates(replicates)``."""
    return Seeds(seed).replicates(replicates)
