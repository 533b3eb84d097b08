"""A cache of places after their burn-in, owned by whoever runs models and passed to each one.

Rules:

* The state after a burn-in depends only on the place's parameters (not its leadership or trends,
  which the burn-in sets) and the seed (:meth:`~slsim.model.system.SystemModel._burn_in`); a model
  that finds that state in its cache copies it instead of running the weeks again. A copy equals a
  fresh burn-in bit for bit, so a cache changes speed, never results.
* No cache is shared unless its owner shares it: the run layer keeps one per worker process (the
  scenarios of a comparison burn in once per seed), each browser session and each workshop its own.
  ``SystemModel(..., burn_in_cache=None)`` burns in afresh.
* Bounded: at most ``size`` places, the least recently used going first, and only places of at most
  ``max_citizens`` citizens (a copy costs memory). Safe to share between threads.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

BURN_IN_CACHE_SIZE = 32
BURN_IN_CACHE_MAX_CITIZENS = 50_000


class BurnInCache:
    """States of places after their burn-in, by place and seed (see the module docstring).

    Args:
        size: places kept at most (0 keeps none).
        max_citizens: places larger than this are never kept.
    """

    def __init__(self, size: int = BURN_IN_CACHE_SIZE, max_citizens: int = BURN_IN_CACHE_MAX_CITIZENS) -> None:
        self.size = size
        self.max_citizens = max_citizens
        self._states: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # states handed out: burn-ins this cache saved

    def keeps(self, n_citizens: int) -> bool:
        """Whether a place of ``n_citizens`` citizens is small enough to keep."""
        return self.size > 0 and n_citizens <= self.max_citizens

    def get(self, key: Hashable) -> dict[str, Any] | None:
        """A copy of the state kept under ``key`` (the caller may change it), or None."""
        with self._lock:
            state = self._states.get(key)
            if state is None:
                return None
            self._states.move_to_end(key)
            self.hits += 1
        return copy.deepcopy(state)  # kept states are never changed, so copying outside the lock is safe

    def put(self, key: Hashable, state: dict[str, Any]) -> None:
        """Keep a copy of ``state`` under ``key`` (later changes to ``state`` do not reach it)."""
        if self.size <= 0:
            return
        kept = copy.deepcopy(state)
        with self._lock:
            self._states[key] = kept
            self._states.move_to_end(key)
            while len(self._states) > self.size:
                self._states.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._states
