"""The figures of ``slsim analyse``, drawn from the tables of :mod:`.compute` and saved as PNG.

Figures are drawn on matplotlib's ``Figure`` directly, never through pyplot: no global state, no
GUI backend, safe beside a running browser app. Each function returns the figure; :func:`save_png`
writes it atomically.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from slsim.results.present import label, level_text, unit
from slsim.tools.sweep.analysis.compute import SPIRAL_LABEL
from slsim.tools.sweep.store import write_atomic_bytes

__all__ = ["bands_figure", "facet_heatmaps_figure", "heatmap_figure", "indices_figure", "prim_figure",
           "recovery_figure", "save_png", "tree_figure"]


def figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.4)):
    """A figure of ``nrows`` x ``ncols`` panels, each ``size`` inches, and its 2-D array of axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)  # sklearn's plot_tree asks the canvas for a renderer
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def save_png(fig, path: Path) -> Path:
    """Write the figure as a PNG at 120 dpi, atomically (rendered in memory first)."""
    buf = io.BytesIO()
    from slsim.provenance import stamp
    fig.savefig(buf, format="png", dpi=120,  # the code that made it, in the PNG's text chunks
                metadata={"Software": f"slsim {stamp()['slsim_version']}", "Description": json.dumps(stamp())})
    return write_atomic_bytes(path, lambda p: p.write_bytes(buf.getvalue()))


def _heatmap(ax, table: pd.DataFrame, title: str, cbar_label: str, fig, vmin=None, vmax=None, cmap="viridis"):
    im = ax.imshow(table.to_numpy(float), origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(table.columns)), [level_text(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)), [level_text(v) for v in table.index])
    ax.set_xlabel(label(str(table.columns.name)))
    ax.set_ylabel(label(str(table.index.name)))
    ax.set_title(title)
    lo, hi = im.get_clim()
    for (i, j), v in np.ndenumerate(table.to_numpy(float)):
        if np.isfinite(v):  # dark text on the bright end of the colour map, light on the dark end
            bright = hi > lo and (v - lo) / (hi - lo) > 0.6
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", color="k" if bright else "w", fontsize=8)
    fig.colorbar(im, ax=ax, label=cbar_label)


def bands_figure(tables: dict[str, pd.DataFrame], outcome: str):
    """One panel per factor (up to four a row): the outcome's median and 5-95% band by level."""
    names = list(tables)
    ncols = min(4, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = figure(nrows, ncols, (3.6, 3.4))
    flat_axes = list(axes.ravel())
    for ax in flat_axes[len(names):]:
        ax.set_visible(False)
    for ax, f in zip(flat_axes, names):
        tab = tables[f]
        x = np.arange(len(tab))
        ax.fill_between(x, tab["lo"], tab["hi"], alpha=0.3, label="5-95% of runs")
        ax.plot(x, tab["median"], marker="o", label="median")
        ax.set_xticks(x, [level_text(v) for v in tab.index], rotation=30, fontsize=7)
        ax.set_xlabel(label(f))
        ax.set_ylabel(f"{label(outcome)} ({unit(outcome)})")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{label(outcome)} by factor level")
    return fig


def heatmap_figure(table: pd.DataFrame, outcome: str):
    """A tipping map: the share of runs in the spiral (``outcome == "spiral"``, on a fixed 0-1
    scale) or an outcome's mean, over two factors."""
    fig, axes = figure()
    if outcome == "spiral":
        _heatmap(axes[0][0], table, "Share of runs that " + SPIRAL_LABEL, "share of runs", fig, 0, 1, "magma")
    else:
        _heatmap(axes[0][0], table, f"{label(outcome)}: mean of runs", unit(outcome), fig)
    return fig


def facet_heatmaps_figure(tables: list[tuple[object, pd.DataFrame]], facet: str):
    """Tipping maps of the spiral share side by side, one per level of a third factor."""
    fig, axes = figure(1, len(tables), (4.4, 3.8))
    for ax, (level, table) in zip(axes[0], tables):
        _heatmap(ax, table, f"{label(facet)} = {level_text(level)}", "share of runs", fig, 0, 1, "magma")
    fig.suptitle(f"Share of runs that {SPIRAL_LABEL}, by {label(facet)}")
    return fig


def indices_figure(t: pd.DataFrame, outcome: str, kind: str):
    """Sobol: S1 and ST bars with intervals per factor. Morris: mu* against sigma per factor."""
    fig, axes = figure()
    ax = axes[0][0]
    x = np.arange(len(t))
    if kind == "sobol":
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], label="first order S1", capsize=3)
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], label="total ST", capsize=3)
        ax.set_xticks(x, [label(f) for f in t["factor"]], rotation=30, ha="right")
        ax.set_ylabel("share of variance (95% interval)")
        ax.axhline(0, color="k", lw=0.5)
        ax.legend()
    else:
        ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o")
        for _, r in t.iterrows():
            ax.annotate(label(r["factor"]), (r["mu_star"], r["sigma"]), fontsize=8, xytext=(3, 3),
                        textcoords="offset points")
        ax.set_xlabel(f"mu* (mean absolute effect, {unit(outcome)})")
        ax.set_ylabel("sigma (non-linearity and interactions)")
    ax.set_title(f"{kind.capitalize()} sensitivity of {label(outcome)}")
    return fig


def prim_figure(trajectories: list[pd.DataFrame], threshold: float):
    """PRIM's trade-off: coverage against density along each box's peeling, the chosen box marked."""
    import matplotlib
    fig, axes = figure()
    ax = axes[0][0]
    most = int(max(t["res_dim"].max() for t in trajectories))
    for traj in trajectories:
        sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], s=18, vmin=-0.5, vmax=most + 0.5,
                        cmap=matplotlib.colormaps["viridis"].resampled(most + 1))
        chosen = traj[traj["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=140, facecolors="none", edgecolors="crimson", lw=2)
        ax.annotate(f"box {int(traj['box'].iloc[0])}", (chosen["coverage"].iloc[0], chosen["density"].iloc[0]),
                    xytext=(8, 8), textcoords="offset points")
    fig.colorbar(sc, ax=ax, label="factors restricted", ticks=range(most + 1))
    ax.axhline(threshold, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("coverage (share of spiral runs inside the box)")
    ax.set_ylabel("density (share of the box's runs in the spiral)")
    ax.set_title("PRIM peeling trajectory (chosen box circled)")
    return fig


def tree_figure(runs: pd.DataFrame, factors: list[str], flag: pd.Series, seed: int):
    """The decision tree of :func:`.compute.discover` (same depth, leaf size and seed), drawn."""
    from sklearn.tree import DecisionTreeClassifier, plot_tree
    X = runs[factors].astype(float).to_numpy()
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(2, int(0.05 * len(X))),
                                  random_state=seed).fit(X, flag.astype(int))
    fig, axes = figure(1, 1, (11, 6))
    plot_tree(tree, feature_names=factors, class_names=["no spiral", "spiral"], filled=True, ax=axes[0][0],
              fontsize=7, proportion=True, impurity=False)
    return fig


def recovery_figure(mean: pd.DataFrame, outcome: str):
    """The 13-week mean of an outcome per switch week (a dotted line at each switch), ``-1`` as never."""
    fig, axes = figure(1, 1, (8, 4.6))
    ax = axes[0][0]
    for level in mean.columns:
        name = "never" if level == -1 else f"switch at week {int(level)}"
        ax.plot(mean.index, mean[level].rolling(13, min_periods=1).mean(), label=name)
        if level != -1:
            ax.axvline(level, color=ax.lines[-1].get_color(), lw=0.6, ls=":")
    ax.set_xlabel("week")
    ax.set_ylabel(f"{label(outcome)} ({unit(outcome)}), 13-week mean")
    ax.set_title(f"Recovery of {label(outcome)} after a switch to systems leadership")
    ax.legend(fontsize=8)
    return fig
