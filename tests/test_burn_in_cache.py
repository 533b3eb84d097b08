"""The burn-in cache is an object its owner passes in, not a hidden global (issue 16, point 3): a
cached burn-in equals a fresh one, caches never share places, the run layer's comparison still
burns in once per seed, and no environment variable changes a default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from profiles import STEADY

import slsim
from slsim.execution import InProcessExecutor, LocalProcessExecutor, RunRequest, execute
from slsim.execution.request import run_one, worker_burn_in_cache
from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import BURN_IN_WEEKS
from slsim.model.scenario import resolve_scenario

# A place no other test builds (its size), so this file's counts of cache hits are its own.
PLACE = {"n_citizens": 317, **STEADY}
ROOT = Path(__file__).resolve().parents[1]


def test_the_cache_keeps_copies_and_forgets_the_least_recently_used():
    cache = BurnInCache(size=2)
    state = {"x": [1]}
    cache.put("a", state)
    state["x"].append(2)
    assert cache.get("a") == {"x": [1]}, "a kept state does not change with the model it came from"
    got = cache.get("a")
    got["x"].append(3)
    assert cache.get("a") == {"x": [1]}, "a model changing its copy does not change the kept state"
    cache.put("b", {})
    cache.get("a")  # a is now more recently used than b
    cache.put("c", {})
    assert "a" in cache and "c" in cache and "b" not in cache and len(cache) == 2
    assert not BurnInCache(max_citizens=1000).keeps(1001) and not BurnInCache(size=0).keeps(10)


def test_two_caches_do_not_share_places():
    first, second = BurnInCache(), BurnInCache()
    slsim.SystemModel("blame_culture", rng=2, burn_in_cache=first, **PLACE)
    slsim.SystemModel("blame_culture", rng=2, burn_in_cache=second, **PLACE)
    assert len(first) == len(second) == 1
    assert first.hits == second.hits == 0, "the second cache burnt the place in itself"
    slsim.SystemModel("systems_leadership", rng=2, burn_in_cache=second, **PLACE)
    assert (first.hits, second.hits) == (0, 1)


def test_a_run_without_a_cache_equals_one_with():
    fresh = run_one("blame_culture", weeks=6, seed=4, params=PLACE, burn_in_cache=None)
    cache = BurnInCache()
    run_one("systems_leadership", weeks=6, seed=4, params=PLACE, burn_in_cache=cache)
    cached = run_one("blame_culture", weeks=6, seed=4, params=PLACE, burn_in_cache=cache)
    assert cache.hits == 1, "the second scenario took the first one's burn-in"
    pd.testing.assert_frame_equal(cached, fresh, check_exact=True)


def test_a_comparison_burns_in_once_per_seed_and_gives_the_numbers_of_fresh_runs():
    cache = worker_burn_in_cache()
    hits = cache.hits
    cmp_ = slsim.compare(["blame_culture", "systems_leadership"], weeks=4, replicates=2, seed=6, params=PLACE,
                         processes=1)
    assert cache.hits - hits == 2, "one burn-in per seed: the second scenario of each seed takes the first's"
    for (scenario, replicate), got in cmp_.frame.groupby(["scenario", "replicate"]):
        seed = int(got["seed"].iloc[0])
        fresh = run_one(scenario, weeks=4, seed=seed, params=PLACE, replicate=replicate)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), fresh, check_exact=True)


def test_each_pool_worker_has_its_own_cache_and_the_same_numbers():
    scenarios = [resolve_scenario(name) for name in ("blame_culture", "systems_leadership")]
    reqs = [RunRequest(sc, 4, seed, 0, PLACE, run_id=10 * seed + i)
            for seed in (1, 2) for i, sc in enumerate(scenarios)]
    fresh = [execute(req) for req in reqs]
    with LocalProcessExecutor(2) as pool:
        pooled = pool.map(reqs)
    inline = InProcessExecutor().map(reqs)
    for a, b, c in zip(fresh, pooled, inline):
        pd.testing.assert_frame_equal(a.weekly, b.weekly, check_exact=True)
        pd.testing.assert_frame_equal(a.weekly, c.weekly, check_exact=True)


def test_no_environment_variable_changes_the_burn_in_default():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLSIM_BURN_IN_WEEKS": "0"}
    code = "from slsim.model.params import Params; print(Params().burn_in_weeks)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == BURN_IN_WEEKS == 104
    sources = [p for p in (ROOT / "slsim").rglob("*.py") if "SLSIM_BURN_IN_WEEKS" in p.read_text()]
    assert not sources, f"the package still reads SLSIM_BURN_IN_WEEKS: {sources}"
