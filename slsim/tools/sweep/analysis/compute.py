"""The numbers of ``slsim analyse``: which runs spiral, indices, discovered boxes, recovery times,
and the tables the report and figures are drawn from. Nothing here draws or writes a file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slsim.results.present import band_text
from slsim.tools.sweep.experiment import ExperimentError, parse_condition

# What a run that spiral_flags marks does, as the report and the figures say it.
SPIRAL_LABEL = "end in the retreat spiral"

__all__ = ["SPIRAL_LABEL", "band_table", "discover", "factor_levels", "mean_map", "morris_indices", "points_table",
           "prim_boxes", "recovery", "replicate_mean_weekly", "sobol_indices", "spiral_flags"]


def spiral_flags(runs: pd.DataFrame, rule: list[str]) -> pd.Series:
    """True for runs meeting every condition of the rule (see :func:`slsim.tools.sweep.experiment.parse_condition`)."""
    flag = pd.Series(True, index=runs.index)
    for cond in rule:
        name, op, value = parse_condition(cond)
        end = runs[name]
        if op == "rises":
            flag &= (end - runs[f"{name}__start"]) > value
        elif op == "falls":
            flag &= (runs[f"{name}__start"] - end) > value
        elif op == ">":
            flag &= end > value
        elif op == "<":
            flag &= end < value
        elif op == ">=":
            flag &= end >= value
        else:
            flag &= end <= value
    return flag



def sobol_indices(problem: dict[str, Any], Y: np.ndarray, second_order: bool = False, seed: int = 0,
                  num_resamples: int = 200) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% confidence intervals (SALib's bootstrap)."""
    from SALib.analyze import sobol
    Y = np.asarray(Y, float)
    if not np.all(np.isfinite(Y)):
        raise ExperimentError(f"Sobol analysis needs a value at every design point; {int((~np.isfinite(Y)).sum())} "
                              f"of {len(Y)} have no finished run (not yet run, or every run of them failed)")
    res = sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=num_resamples,
                        conf_level=0.95, seed=seed)
    return pd.DataFrame({"factor": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]})


def morris_indices(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, num_levels: int = 4,
                   seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects: mu, mu* (with 95% interval) and sigma per factor."""
    from SALib.analyze import morris
    Y = np.asarray(Y, float)
    if not np.all(np.isfinite(Y)):
        raise ExperimentError(f"Morris analysis needs a value at every design point; {int((~np.isfinite(Y)).sum())} "
                              f"of {len(Y)} have no finished run (not yet run, or every run of them failed)")
    res = morris.analyze(problem, np.asarray(X, float), Y, num_resamples=200, conf_level=0.95,
                         num_levels=num_levels, seed=seed)
    return pd.DataFrame({"factor": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
                         "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})


def discover(runs: pd.DataFrame, factors: list[str], flag: pd.Series, max_depth: int = 3,
             seed: int = 0) -> pd.DataFrame:
    """Scenario discovery with a shallow decision tree: boxes of factor space and their spiral share.

    Returns one row per leaf: the conditions (list of (factor, op, threshold)), runs in the box,
    runs in the spiral, share (density) and the share of all spiral runs it holds (coverage),
    sorted by density then size.
    """
    from sklearn.tree import DecisionTreeClassifier
    X = runs[factors].astype(float).to_numpy()
    y = flag.to_numpy().astype(int)
    min_leaf = max(2, int(0.05 * len(y)))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_leaf, random_state=seed).fit(X, y)
    t = tree.tree_
    rows = []

    def walk(node: int, conds: list[tuple[str, str, float]]) -> None:
        if t.children_left[node] == -1:
            idx = tree.apply(X) == node
            n, k = int(idx.sum()), int(y[idx].sum())
            rows.append({"conditions": _merge(conds), "runs": n, "spiral_runs": k, "density": k / n if n else 0.0,
                         "coverage": k / max(1, int(y.sum()))})
            return
        f, thr = factors[t.feature[node]], float(t.threshold[node])
        walk(t.children_left[node], conds + [(f, "<=", thr)])
        walk(t.children_right[node], conds + [(f, ">", thr)])

    walk(0, [])
    return pd.DataFrame(rows).sort_values(["density", "runs"], ascending=False).reset_index(drop=True)


def prim_boxes(runs: pd.DataFrame, factors: list[str], flag: pd.Series, threshold: float = 0.8,
               max_boxes: int = 2) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Scenario discovery with PRIM (Friedman and Fisher 1999), as EMA Workbench finds its boxes.

    EMA Workbench's ``Prim`` peels the factor space 5% at a time (``peel_alpha``), never below 5%
    of the runs (``mass_min``), then pastes back. From each box's peeling trajectory this takes the
    point with the highest coverage (share of the spiral runs inside) among those that restrict at
    least one factor and whose density (share of the box's runs in the spiral) is at least
    ``threshold``, highest density on a tie. Up to ``max_boxes`` boxes are found, each searched on
    the runs the earlier ones left; the search stops at the first box that never reaches the
    threshold (PRIM is greedy: a dense region it did not find may still exist).

    Each box's bounds are the smallest and largest values of the runs inside it, on the restricted
    factors only, so they read as levels that were run. Its figures count every run inside those
    bounds (also runs of an earlier box): runs, spiral runs, density, coverage (of all spiral
    runs) and mass (share of all runs). Returns one row per box (conditions as in
    :func:`discover`, ``>=`` and ``<=``) and each box's peeling trajectory, as the workbench
    reports it, for the trade-off figure.
    """
    import logging
    import warnings

    with warnings.catch_warnings():  # the workbench warns at import about optional parallel back-ends
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    x = runs[factors].astype(float).reset_index(drop=True)
    y = flag.to_numpy().astype(bool)
    total = max(1, int(y.sum()))
    rows, trajectories = [], []
    log = logging.getLogger("EMA")
    level = log.level
    log.setLevel(logging.WARNING)  # its per-box progress lines are not for a report's reader
    try:
        with warnings.catch_warnings():  # pandas deprecations inside the workbench, not the user's concern
            warnings.simplefilter("ignore")
            search = prim.Prim(x, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
            for number in range(1, max_boxes + 1):
                box = search.find_box()
                if box is None:
                    break
                traj = box.peeling_trajectory
                dense = traj[(traj["density"] >= threshold) & (traj["res_dim"] > 0)]
                if dense.empty:
                    break
                i = int(dense.sort_values(["coverage", "density"], kind="stable").index[-1])
                box.select(i)
                lims, init = box.box_lims[i], search.box_init
                inside = np.ones(len(x), bool)
                for f in factors:
                    inside &= x[f].between(float(lims.loc[0, f]), float(lims.loc[1, f])).to_numpy()
                conds = []
                for f in factors:
                    if float(lims.loc[0, f]) > float(init.loc[0, f]):
                        conds.append((f, ">=", float(x.loc[inside, f].min())))
                    if float(lims.loc[1, f]) < float(init.loc[1, f]):
                        conds.append((f, "<=", float(x.loc[inside, f].max())))
                n, k = int(inside.sum()), int((inside & y).sum())
                rows.append({"box": number, "conditions": conds, "runs": n, "spiral_runs": k,
                             "density": k / n if n else 0.0, "coverage": k / total, "mass": n / len(x)})
                trajectories.append(traj.assign(box=number, chosen=traj.index == i))
    finally:
        log.setLevel(level)
    columns = ["box", "conditions", "runs", "spiral_runs", "density", "coverage", "mass"]
    return pd.DataFrame(rows, columns=columns), trajectories


def _merge(conds: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """Keep the tightest bound per factor and side."""
    best: dict[tuple[str, str], float] = {}
    for f, op, thr in conds:
        key = (f, op)
        best[key] = min(thr, best.get(key, np.inf)) if op == "<=" else max(thr, best.get(key, -np.inf))
    return [(f, op, thr) for (f, op), thr in best.items()]



def recovery(weekly: pd.DataFrame, outcome: str, tolerance: float, window: int = 13) -> pd.DataFrame:
    """Recovery after a switch, per switch week, from the replicate-mean weekly series.

    The reference is the earliest switch (leadership changed from the start, or nearly). The
    distance of a series to the reference is the absolute difference of their 13-week rolling
    means. The damage scale is the distance of "never switching" (``switch_week`` missing) at the
    end, or, without such runs, the largest distance at a switch. After a switch at week W the
    place has recovered from the first week at which the distance is within ``tolerance`` times
    the damage scale and stays there to the end; ``recovery_weeks`` is that week minus W (empty if
    never), ``fully_recovers`` whether the last week is within the tolerance.
    """
    levels = sorted(v for v in weekly["switch_week"].dropna().unique())
    if len(levels) < 2:
        return pd.DataFrame()
    mean = (weekly.groupby([weekly["switch_week"].fillna(-1), "week"])[outcome].mean()
            .unstack(0).sort_index().rolling(window, min_periods=1).mean())
    ref_level = levels[0]
    dist = (mean.sub(mean[ref_level], axis=0)).abs()
    at_switch = {lv: float(dist.loc[lv, lv]) if lv in dist.index else float("nan") for lv in levels[1:]}
    scale = float(dist[-1].iloc[-1]) if -1 in dist.columns else max(at_switch.values(), default=0.0)
    tol = max(tolerance * scale, 1e-12)
    rows = []
    for level in [*levels[1:], -1]:
        if level not in dist.columns:
            continue
        d = dist[level]
        rec_week = None
        if level != -1:
            w = int(level)
            after = d.loc[w:]
            bad = after[after > tol]
            if bad.empty:
                rec_week = w
            elif bad.index[-1] < after.index[-1]:
                rec_week = int(bad.index[-1]) + 1
        rows.append({"switch_week": "never" if level == -1 else int(level),
                     "reference_switch_week": int(ref_level), "damage_scale": scale, "tolerance": tol,
                     "gap_at_switch": at_switch.get(level, float("nan")), "gap_at_end": float(d.iloc[-1]),
                     "recovery_weeks": (rec_week - int(level)) if rec_week is not None else None,
                     "fully_recovers": bool(d.iloc[-1] <= tol) if level != -1 else False})
    return pd.DataFrame(rows)



def factor_levels(runs: pd.DataFrame, name: str, info: dict) -> pd.Series:
    """Each run's level of a factor; continuous factors of sampled designs cut into 5 bins."""
    col = runs[name]
    if info["kind"] == "levels" or col.nunique() <= 8:
        return col.astype(object).where(col.notna(), "never" if name == "switch_week" else "none")
    # five equal-count bins whose edges are the range's own: the first starts at the factor's low
    # end and the last ends at its high end (pandas' qcut would widen the first edge below it)
    x = col.astype(float)
    lo = info.get("low") if info.get("low") is not None else float(x.min())
    hi = info.get("high") if info.get("high") is not None else float(x.max())
    inner = np.unique(np.quantile(x, [0.2, 0.4, 0.6, 0.8]))
    edges = np.unique(np.concatenate([[min(lo, x.min())], inner[(inner > lo) & (inner < hi)], [max(hi, x.max())]]))
    labels = [band_text(a, b) for a, b in zip(edges[:-1], edges[1:])]
    # ordered categories, so bands sort by value (as text "10-20" would sort before "2-10")
    return pd.cut(x, edges, labels=labels, include_lowest=True, ordered=True)


def points_table(runs: pd.DataFrame, factors: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per design point: its factor values, mean outcomes, share of runs in the spiral
    (the runs' ``spiral`` column) and number of runs."""
    pts = runs.groupby("point").agg({**{f: "first" for f in factors}, **{o: "mean" for o in outcomes},
                                     "spiral": "mean", "run_id": "count"})
    return pts.rename(columns={"spiral": "spiral_share", "run_id": "runs"}).reset_index()


def band_table(runs: pd.DataFrame, outcome: str, factor: str, info: dict) -> pd.DataFrame:
    """Median, 5% and 95% quantiles, mean and number of runs of an outcome per level of a factor
    (levels as :func:`factor_levels` makes them), in level order."""
    g = runs.groupby(factor_levels(runs, factor, info), sort=True, observed=True)[outcome]
    return pd.DataFrame({"median": g.median(), "lo": g.quantile(0.05), "hi": g.quantile(0.95),
                         "mean": g.mean(), "runs": g.size()})


def mean_map(runs: pd.DataFrame, x: str, y: str, value: str) -> pd.DataFrame:
    """Mean of ``value`` over the runs of each (y, x) pair of levels: rows y, columns x."""
    return runs.pivot_table(index=y, columns=x, values=value, aggfunc="mean")


def replicate_mean_weekly(weekly: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean weekly series of an outcome per switch week (columns; -1 for never), rows the weeks."""
    return weekly.groupby([weekly["switch_week"].fillna(-1), "week"])[outcome].mean().unstack(0)
