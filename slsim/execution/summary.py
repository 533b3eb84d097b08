"""The summary of a run: each outcome's mean over its last weeks (and over its first weeks).

Rule: a run is summarised by each outcome's mean over its last ``weeks`` weeks (default 26, the
last half-year), that is the rows whose week is greater than the run's last week minus ``weeks``
(all of them when the run is shorter). Sweeps also keep each outcome's mean over the first
``START_WEEKS`` weeks, so rules such as "trust falls" can compare end with start.

:func:`summary` is the one implementation, used by ``Results.summary`` (many runs, one row per
scenario and replicate) and by every sweep run (one run, in its worker). The mean of the same rows
is summed in two ways: pandas sums a grouped column with compensated (Kahan) summation and a plain
column pairwise, which can differ in the last bit of a double. Each caller keeps the summation it
always had, so no stored or printed number changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from slsim.model.metrics import OUTCOMES

ID_COLUMNS = ("scenario", "replicate", "seed", "week")
SUMMARY_WEEKS = 26  # outcomes are summarised over the last half-year of a run
START_WEEKS = 4  # a run's "start" value is the mean of its first four weeks


def last_weeks(frame: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """The rows of the last ``weeks`` weeks (week > last week - ``weeks``)."""
    return frame[frame["week"] > frame["week"].max() - weeks]


def summary(frame: pd.DataFrame, weeks: int = SUMMARY_WEEKS, by: Sequence[str] = ()) -> pd.DataFrame | pd.Series:
    """Each outcome column's mean over the last ``weeks`` weeks.

    With ``by`` (e.g. ``("scenario", "replicate")``): one row per group, the group columns first,
    groups in the frame's order. Without: one run's frame, a Series indexed by outcome. Outcome
    columns are all columns but the id columns and ``by``.
    """
    last = last_weeks(frame, weeks)
    cols = [c for c in frame.columns if c not in ID_COLUMNS and c not in by]
    if by:
        return last.groupby(list(by), sort=False)[cols].mean().reset_index()
    return pd.Series({c: last[c].mean() for c in cols})


def run_summary(frame: pd.DataFrame, weeks: int = SUMMARY_WEEKS) -> dict[str, float]:
    """A sweep run's summary row: every outcome's :func:`summary` and, as ``OUTCOME__start``, its
    mean over the first ``START_WEEKS`` weeks."""
    end = summary(frame[["week", *OUTCOMES]], weeks)
    first = frame[frame["week"] < frame["week"].min() + START_WEEKS]
    out = {name: float(end[name]) for name in OUTCOMES}
    out.update({f"{name}__start": float(first[name].mean()) for name in OUTCOMES})
    return out
