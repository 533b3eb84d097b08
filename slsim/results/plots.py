"""Matplotlib figures. Every function takes ``ax=`` (or ``fig=``) and returns the figure.

Bands are the 5-95% range across replicates, lines the median: every comparison figure shows its
uncertainty.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import matplotlib.pyplot as plt  # noqa: E402

from slsim.model.metrics import LEVEL_TITLES, describe  # noqa: E402
from slsim.results.present import colour, label, scenario_label  # noqa: E402

HEADLINE = ("defensiveness", "cross_boundary_trust", "cross_boundary_time_share", "blame_events",
            "delayed_transfers", "electives_cancelled", "voice_heard_outsiders", "staff_turnover_rate",
            "unmet_need")


def band_plot(results, outcome: str, ax=None, interventions: Sequence[int] = (), smooth: int = 4):
    """Median and 5-95% band across replicates of one outcome, one line per scenario, of each
    replicate's ``smooth``-week rolling mean; dashed lines mark interventions."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    band = results.band(outcome, smooth=smooth)
    for i, (scenario, g) in enumerate(band.groupby("scenario", sort=False)):
        ax.plot(g["week"], g["median"], color=colour(i), lw=1.8, label=scenario_label(scenario))
        ax.fill_between(g["week"], g["lo"], g["hi"], color=colour(i), alpha=0.2, lw=0)
    for week in interventions:
        ax.axvline(week, color="0.3", ls="--", lw=1)
    level, unit, desc = describe(outcome)
    ax.set_title(label(outcome), fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    ax.set_xlabel("week", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    return ax.figure


def _event_weeks(results) -> list[int]:
    """Weeks of timeline events (the scenarios' own and extra ones) to mark on every chart."""
    from slsim.model.scenario import resolve_scenario
    weeks = {ev.get("week") for ev in results.meta.get("timeline", []) if isinstance(ev, dict)}
    for name in results.meta.get("scenarios", []):
        try:
            weeks |= {ev.week for ev in resolve_scenario(name).timeline}
        except Exception:  # a scenario given as an object or a moved file: nothing to mark
            pass
    return sorted(w for w in weeks if w is not None)


def plot_results(results, outcomes: Sequence[str] | None = None, fig=None, ncols: int = 3, smooth: int = 4):
    """A grid of band plots, ordered thinking, behaving, on the ground, with a shared legend."""
    outcomes = list(outcomes or HEADLINE)
    nrows = -(-len(outcomes) // ncols)
    if fig is None:
        fig = plt.figure(figsize=(4.2 * ncols, 2.9 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    weeks = _event_weeks(results)
    for ax, name in zip(axes, outcomes):
        band_plot(results, name, ax=ax, interventions=weeks, smooth=smooth)
        level = describe(name)[0]
        ax.set_title(f"{LEVEL_TITLES[level].split()[-1].upper() if level != 'ground' else 'GROUND'} · "
                     f"{label(name)}", fontsize=9)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    reps = results.frame["replicate"].nunique()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), frameon=False,
               title=f"median and 5-95% band over {reps} replicate{'s' if reps > 1 else ''}"
                     + (f" ({smooth}-week rolling means)" if smooth > 1 else ""))
    return fig
