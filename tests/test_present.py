"""slsim.results.present: the one way outcomes, numbers, changes and sentences are written."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from slsim.results import present


@pytest.mark.parametrize("value,text", [(0.0, "0"), (math.nan, "-"), (math.inf, "-"), (None, "-"), (12345.6, "12,346"),
                                        (250.4, "250"), (3.14159, "3.14"), (0.01234, "0.012"), (-0.5, "-0.500")])
def test_one_number_format(value, text):
    assert present.number(value) == text


def test_levels_values_and_shares():
    assert [present.level_text(v) for v in (0.123456, 1000, "never", True)] == ["0.123", "1000", "never", "True"]
    assert present.share(0.424) == "42%"
    assert [present.value_text(v) for v in (True, 5000, 0.1 + 0.2)] == ["yes", "5000", "0.3"]
    assert present.parameter_range("n_citizens") == "100-5,000,000"
    assert present.parameter_range("n_citizens", 50_000) == "100-50,000"
    assert present.allowed_text("ceding").startswith("a number from 0 to 1")
    assert present.allowed_text("n_citizens") == "a whole number from 100 to 5,000,000 (people)", "not 5e+06"


def _row(**kw):
    row = {"outcome": "delayed_transfers", "unit": "patients", "baseline_mean": 20.0, "difference": -7.6,
           "lo": -9.0, "hi": -6.0, "percent": -38.0, "percent_lo": -45.0, "percent_hi": -30.0}
    return pd.Series(row | kw)


def test_changes_in_per_cent_or_in_units():
    assert present.change_cells(_row()) == ("-38%", "-45% to -30%")
    assert present.change_cells(_row(percent_lo=math.nan, percent_hi=math.nan)) == ("-38%", "-")
    no_pct = _row(baseline_mean=0.0, percent=math.nan, percent_lo=math.nan, percent_hi=math.nan)
    assert present.change_cells(no_pct) == ("-7.6", "-9 to -6")
    assert "7.6 patients lower" in present.difference_sentence(no_pct, "x")


def test_window_names_the_weeks_summarised():
    assert present.window_text(104) == "the last 26 weeks"
    assert present.window_text(10) == "all 10 weeks"


def test_scenario_colours_repeat():
    n = len(present.SCENARIO_COLOURS)
    assert present.colour(0) != present.colour(1) and present.colour(n) == present.colour(0)
