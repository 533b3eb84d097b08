"""Shared helpers for the core model's tests (tests/test_*.py), and the ``group_alive`` fixture
that the command and app tests use.

Nothing here is autouse: the app and sweep suites under tests/app and tests/sweep are unaffected.
Which burn-in a test's models get is said where it builds them, with the profiles of
``tests/profiles.py`` (COLD, STEADY); no environment variable changes a default.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import pandas as pd
import pytest
from profiles import BURN_INS, COLD, STEADY

import slsim

# Small places keep the suite fast; 2,000 citizens still gives a hospital of 12 beds.
SMALL = 2000


@functools.lru_cache(maxsize=None)
def _late_means(scenario, seeds: tuple, weeks: int, n_citizens: int, last: int, items: tuple) -> pd.DataFrame:
    rows = {}
    for seed in seeds:
        model = slsim.SystemModel(scenario, rng=seed, n_citizens=n_citizens, burn_in_cache=BURN_INS,
                                  **(STEADY | dict(items)))
        for _ in range(weeks):
            model.step()
        df = model.results()
        rows[seed] = df[df["week"] > weeks - last].mean(numeric_only=True)
    return pd.DataFrame(rows).T


def late_means(scenario=None, *, seeds: Iterable[int] = range(5), weeks: int = 80, n_citizens: int = SMALL,
               last: int = 26, **params) -> pd.DataFrame:
    """One row per seed: each column's mean over the last ``last`` weeks of a run.

    Cached, so two tests that vary the same parameter share their runs. The same seeds across
    settings give paired comparisons (common random numbers).
    """
    items = tuple(sorted(params.items()))
    return _late_means(scenario, tuple(seeds), weeks, n_citizens, last, items).copy()


@pytest.fixture(scope="session")
def means():
    """The :func:`late_means` helper as a fixture."""
    return late_means


def stepped_model(n_citizens: int = 200, rng: int = 0, weeks: int = 1, **params) -> slsim.SystemModel:
    """A tiny model stepped ``weeks`` times, so every attribute the processes read exists. No
    burn-in unless asked for: these models test one rule's mechanics, not the place's steady state."""
    params = COLD | params
    model = slsim.SystemModel(n_citizens=n_citizens, rng=rng, **params)
    for _ in range(weeks):
        model.step()
    return model


@pytest.fixture
def tiny():
    """A 200-citizen model after one week."""
    return stepped_model()


@pytest.fixture(scope="session")
def make_model():
    """The :func:`stepped_model` factory as a fixture."""
    return stepped_model


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.fixture
def group_alive():
    """``group_alive(pgid)``: whether any process of that process group still runs (a command
    started with ``start_new_session=True`` leads its own group, so its children are found too)."""
    return _group_alive


def pytest_collection_modifyitems(config, items):
    """Two tiers: ``pytest -m "not slow"`` is the fast tier for everyday work (under 3 minutes with
    ``-n 2`` on two cores); CI (``./dev.sh test``) runs everything. Browser and Dask tests start
    servers, Chromium or clusters, so they belong to the slow tier whatever their own marks say."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("dask"):
            item.add_marker(pytest.mark.slow)
