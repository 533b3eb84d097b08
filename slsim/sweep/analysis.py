"""``slsim analyse``: tables (CSV) and figures (PNG) from a sweep's results folder.

What is written depends on the design (everything goes to ``RESULTS/analysis`` atomically):

* always: ``points.csv`` (mean outcomes and retreat-spiral share per design point),
  ``bands.csv`` and ``bands_OUTCOME.png`` (median and 5-95% band of each outcome by factor level;
  continuous factors are cut into five equal-count bins), ``report.md``;
* two or more factors with several levels: tipping heatmaps ``tipping_spiral_share.png`` and
  ``tipping_OUTCOME.png`` over the two heatmap factors (averaged over any others), and
  ``tipping_spiral_share_by_F.png``, one map per level of a third factor F with few levels;
* ``sobol``: ``sobol.csv`` (S1, S1_conf, ST, ST_conf per outcome and factor) and ``sobol_OUTCOME.png``;
* ``morris``: ``morris.csv`` (mu, mu_star, mu_star_conf, sigma) and ``morris_OUTCOME.png``;
* scenario discovery when some runs end in the retreat spiral and some do not: ``discovery.csv``
  (boxes from a shallow decision tree), ``discovery_tree.png``, ``discovery_prim.csv`` and
  ``discovery_prim.png`` (PRIM boxes as EMA Workbench finds them, and the peeling trade-off), and
  a sentence per box;
* a ``switch_week`` factor: ``recovery.csv`` and ``recovery.png`` (weeks to recover after the switch,
  whether the place fully recovers).

The retreat spiral is the experiment's ``analysis.spiral`` rule (default: defensiveness rises and
cross-boundary trust falls over the run), so it does not hang on calibrated levels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import EXTRA, OUTCOMES
from .experiment import AnalysisSpec, ExperimentError, parse_condition
from .store import check_writable_folder, load_results, read_manifest, write_atomic_bytes

SPIRAL_LABEL = "end in the retreat spiral"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _unit(name: str) -> str:
    return (OUTCOMES | EXTRA)[name][1]


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def _label(name: str) -> str:
    return name.replace("_", " ")


# ------------------------------------------------------------------ pure computations (tested)
def spiral_flags(runs: pd.DataFrame, rule: list[str]) -> pd.Series:
    """True for runs meeting every condition of the rule (see :func:`~.experiment.parse_condition`)."""
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


def describe_rule(rule: list[str]) -> str:
    parts = []
    for cond in rule:
        name, op, value = parse_condition(cond)
        if op in ("rises", "falls"):
            parts.append(f"{_label(name)} {op} over the run" + (f" by more than {value:g}" if value else ""))
        else:
            parts.append(f"{_label(name)} ends {op} {value:g}")
    return " and ".join(parts)


def sobol_indices(problem: dict[str, Any], Y: np.ndarray, second_order: bool = False, seed: int = 0,
                  num_resamples: int = 200) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% confidence intervals (SALib's bootstrap)."""
    from SALib.analyze import sobol
    Y = np.asarray(Y, float)
    if not np.all(np.isfinite(Y)):
        raise ExperimentError(f"Sobol analysis needs a value at every design point; {int((~np.isfinite(Y)).sum())} "
                              f"points have none (failed runs?). Rerun them with --retry-failed")
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
        raise ExperimentError("Morris analysis needs a value at every design point; some have none "
                              "(failed runs?). Rerun them with --retry-failed")
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


def box_sentence(box: dict[str, Any], overall: float, labels: dict[str, str] | None = None) -> str:
    """A box in words a policy reader understands."""
    labels = labels or {}
    words = {"<=": "at most", ">": "above", ">=": "at least"}
    if not box["conditions"]:
        where = "Across the whole range explored"
    else:
        bounds: dict[str, dict[str, float]] = {}
        for f, op, thr in box["conditions"]:
            bounds.setdefault(f, {})[op] = thr
        parts = []
        for f, b in bounds.items():
            name = labels.get(f) or _label(f)
            lower = next((op for op in (">", ">=") if op in b), None)
            if lower and "<=" in b:
                parts.append(f"{name} is between {b[lower]:.3g} and {b['<=']:.3g}")
            else:
                parts += [f"{name} is {words[op]} {thr:.3g}" for op, thr in b.items()]
        where = "When " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return (f"{where}, {box['density']:.0%} of runs ({box['spiral_runs']} of {box['runs']}) {SPIRAL_LABEL}, "
            f"against {overall:.0%} of all runs; this region holds {box['coverage']:.0%} of all runs that spiral.")


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


# ------------------------------------------------------------------ figures
def _figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.4)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend needed
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)  # sklearn's plot_tree asks the canvas for a renderer
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return write_atomic_bytes(path, lambda p: p.write_bytes(buf.getvalue()))


def _save_csv(df: pd.DataFrame, path: Path) -> Path:
    return write_atomic_bytes(path, lambda p: df.to_csv(p, index=False))


def _heatmap(ax, table: pd.DataFrame, title: str, cbar_label: str, fig, vmin=None, vmax=None, cmap="viridis"):
    im = ax.imshow(table.to_numpy(float), origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(table.columns)), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in table.index])
    ax.set_xlabel(_label(str(table.columns.name)))
    ax.set_ylabel(_label(str(table.index.name)))
    ax.set_title(title)
    lo, hi = im.get_clim()
    for (i, j), v in np.ndenumerate(table.to_numpy(float)):
        if np.isfinite(v):  # dark text on the bright end of the colour map, light on the dark end
            bright = hi > lo and (v - lo) / (hi - lo) > 0.6
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", color="k" if bright else "w", fontsize=8)
    fig.colorbar(im, ax=ax, label=cbar_label)


# ------------------------------------------------------------------ the command
def _factor_levels(runs: pd.DataFrame, name: str, info: dict) -> pd.Series:
    """Each run's level of a factor; continuous factors of sampled designs cut into 5 bins."""
    col = runs[name]
    if info["kind"] == "levels" or col.nunique() <= 8:
        return col.astype(object).where(col.notna(), "never" if name == "switch_week" else "none")
    return pd.qcut(col.astype(float), 5, duplicates="drop").astype(str)


def analyse(results: str | Path, out: str | Path | None = None, outcomes: list[str] | None = None) -> Report:
    """Write the analysis of a results folder; return the report (lines, files, tables)."""
    from .extras import require
    require("slsim analyse", "sklearn", "SALib", "ema_workbench")  # before anything is read or written
    if out is not None and not str(out).strip():
        raise ExperimentError("--out '': give a folder name")
    results = Path(results)
    manifest = read_manifest(results)
    spec = manifest["experiment"]["spec"]
    hints = AnalysisSpec(**spec.get("analysis", {}))
    outcomes = outcomes or hints.outcomes
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        raise ExperimentError(f"--outcome {unknown}: not outcomes; allowed: {', '.join(OUTCOMES)}")
    out = (check_writable_folder(out) if out is not None
           else check_writable_folder(results / "analysis", flag="the results folder's analysis folder"))
    runs_all = load_results(results, failed=True)
    runs = runs_all[runs_all["status"] == "ok"].reset_index(drop=True)
    if runs.empty:
        raise ExperimentError(f"{results}: no finished runs to analyse yet")
    rep = Report()
    factors = {f["name"]: f for f in manifest["factors"]}
    fnames = list(factors)
    design = manifest["design"]
    n_fail = int((runs_all["status"] != "ok").sum())
    rep.lines.append(f"# {spec['name']}: {spec.get('title', '')}".rstrip(": "))
    rep.lines.append(f"{len(runs)} finished runs of {manifest['n_runs']} ({n_fail} failed); design {design['kind']}, "
                     f"factors: {', '.join(fnames)}; outcomes averaged over the last "
                     f"{spec['outputs']['summary_weeks']} weeks of {spec['weeks']}.")
    if len(runs_all) < manifest["n_runs"]:
        points_run, points = runs["point"].nunique(), design["points"]
        rep.lines.append(f"**Caution: this sweep is unfinished.** {len(runs_all)} of {manifest['n_runs']} runs are "
                         f"done, covering {points_run} of {points} design points: everything below describes only "
                         f"those, and \"the range explored\" is what has run so far. Run the same `slsim sweep` "
                         f"command to finish it.")
    runs["spiral"] = spiral_flags(runs, hints.spiral)
    overall = float(runs["spiral"].mean())
    rep.lines.append(f"Retreat spiral = {describe_rule(hints.spiral)}: {overall:.0%} of runs.")

    # points table
    pts = runs.groupby("point").agg({**{f: "first" for f in fnames}, **{o: "mean" for o in outcomes},
                                     "spiral": "mean", "run_id": "count"})
    pts = pts.rename(columns={"spiral": "spiral_share", "run_id": "runs"}).reset_index()
    rep.tables["points"] = pts
    rep.files.append(_save_csv(pts, out / "points.csv"))

    # bands by factor level
    band_rows = []
    for o in outcomes:
        ncols = min(4, len(fnames))
        nrows = -(-len(fnames) // ncols)
        fig, axes = _figure(nrows, ncols, (3.6, 3.4))
        flat_axes = list(axes.ravel())
        for ax in flat_axes[len(fnames):]:
            ax.set_visible(False)
        for ax, f in zip(flat_axes, fnames):
            lv = _factor_levels(runs, f, factors[f])
            g = runs.groupby(lv, sort=True)[o]
            tab = pd.DataFrame({"median": g.median(), "lo": g.quantile(0.05), "hi": g.quantile(0.95),
                                "mean": g.mean(), "runs": g.size()})
            for level, r in tab.iterrows():
                band_rows.append({"outcome": o, "factor": f, "level": level, **r.to_dict()})
            x = np.arange(len(tab))
            ax.fill_between(x, tab["lo"], tab["hi"], alpha=0.3, label="5-95% of runs")
            ax.plot(x, tab["median"], marker="o", label="median")
            ax.set_xticks(x, [_fmt(v) for v in tab.index], rotation=30, fontsize=7)
            ax.set_xlabel(_label(f))
            ax.set_ylabel(f"{_label(o)} ({_unit(o)})")
        axes[0][0].legend(fontsize=7)
        fig.suptitle(f"{_label(o)} by factor level")
        rep.files.append(_save(fig, out / f"bands_{o}.png"))
    rep.tables["bands"] = pd.DataFrame(band_rows)
    rep.files.append(_save_csv(rep.tables["bands"], out / "bands.csv"))

    # tipping heatmaps
    multi = [f for f in fnames if runs[f].nunique(dropna=False) > 1 and f != "switch_week"]
    axes_f = list(hints.heatmap) if hints.heatmap else multi[:2]
    if design["kind"] == "grid" and len(axes_f) == 2:
        xf, yf = axes_f
        for o in ["spiral", *outcomes]:
            tab = runs.pivot_table(index=yf, columns=xf, values=o, aggfunc="mean")
            fig, ax = _figure()
            if o == "spiral":
                _heatmap(ax[0][0], tab, "Share of runs that " + SPIRAL_LABEL, "share of runs", fig, 0, 1, "magma")
                name = "tipping_spiral_share.png"
                rep.lines += _tipping_lines(tab, xf, yf)
            else:
                _heatmap(ax[0][0], tab, f"{_label(o)}: mean of runs", _unit(o), fig)
                name = f"tipping_{o}.png"
            rep.files.append(_save(fig, out / name))
        # a third factor with few levels (e.g. ceding): one map per level shows whether it pulls the
        # tipping line back
        facets = [f for f in multi if f not in axes_f and runs[f].nunique() <= 6]
        if facets:
            ff = facets[0]
            levels = sorted(runs[ff].dropna().unique())
            fig, axs = _figure(1, len(levels), (4.4, 3.8))
            for ax, lv in zip(axs[0], levels):
                sub = runs[runs[ff] == lv]
                tab = sub.pivot_table(index=yf, columns=xf, values="spiral", aggfunc="mean")
                _heatmap(ax, tab, f"{_label(ff)} = {_fmt(lv)}", "share of runs", fig, 0, 1, "magma")
                rep.lines.append(f"- with {_label(ff)} {_fmt(lv)}: {sub['spiral'].mean():.0%} of runs {SPIRAL_LABEL}")
            fig.suptitle(f"Share of runs that {SPIRAL_LABEL}, by {_label(ff)}")
            rep.files.append(_save(fig, out / f"tipping_spiral_share_by_{ff}.png"))

    # sensitivity indices
    if design["kind"] in ("sobol", "morris"):
        problem = design["problem"]
        per_point = runs.groupby("point")[outcomes].mean().reindex(range(design["points"]))
        tables = []
        for o in outcomes:
            Y = per_point[o].to_numpy()
            if design["kind"] == "sobol":
                t = sobol_indices(problem, Y, design["options"].get("second_order", False), seed=spec["seed"])
            else:
                t = morris_indices(problem, np.array(design["X"]), Y, design["options"]["num_levels"], spec["seed"])
            t.insert(0, "outcome", o)
            tables.append(t)
            rep.files.append(_save(_indices_figure(t, o, design["kind"]), out / f"{design['kind']}_{o}.png"))
            rep.lines.append(_indices_line(t, o, design["kind"]))
        tab = pd.concat(tables, ignore_index=True)
        if design["kind"] == "sobol" and float(tab["ST_conf"].median()) > 0.1:
            width = tab["ST_conf"].median()
            rep.lines.append(f"Caution: the 95% intervals are wide (median ST interval ± {width:.2f}); "
                             f"the model's noise swamps N = {design['options'].get('N')}. Raise samples (a power of "
                             f"two) or replicates before reading the ranking.")
        rep.tables[design["kind"]] = tab
        rep.files.append(_save_csv(tab, out / f"{design['kind']}.csv"))

    # scenario discovery
    if "switch_week" in fnames:
        # "never" has no number: for the tree it is the week after the last one
        never = spec["weeks"] + 1
        runs["switch_week"] = pd.to_numeric(runs["switch_week"], errors="coerce").fillna(never)
        if (runs["switch_week"] == never).any():
            rep.lines.append(f"(switch week {never} below means never switching.)")
    numeric = [f for f in fnames if f != "scenario" and pd.api.types.is_numeric_dtype(runs[f])
               and runs[f].nunique() > 1]
    if 0 < runs["spiral"].sum() < len(runs) and numeric:
        boxes = discover(runs, numeric, runs["spiral"], seed=spec["seed"])
        rep.tables["discovery"] = boxes
        rep.files.append(_save_csv(_flat_conditions(boxes), out / "discovery.csv"))
        rep.lines.append("Scenario discovery (a decision tree of depth 3 over " + ", ".join(numeric) + "):")
        for _, box in boxes[boxes["density"] >= max(0.5, overall)].head(3).iterrows():
            rep.lines.append("- " + box_sentence(box, overall))
        if not (boxes["density"] >= max(0.5, overall)).any():
            rep.lines.append("- No region of the factor space explored has a majority of runs in the spiral.")
        rep.files.append(_save(_tree_figure(runs, numeric, runs["spiral"], spec["seed"]), out / "discovery_tree.png"))
        thr = hints.prim_threshold
        pboxes, trajectories = prim_boxes(runs, numeric, runs["spiral"], thr)
        rep.tables["prim"] = pboxes
        rep.files.append(_save_csv(_flat_conditions(pboxes), out / "discovery_prim.csv"))
        rep.lines.append(f"Scenario discovery with PRIM (boxes as EMA Workbench finds them, at least {thr:.0%} "
                         f"of a box's runs in the spiral):")
        rep.lines += ["- " + box_sentence(box, overall) for _, box in pboxes.iterrows()] or \
            [f"- PRIM's search found no box where at least {thr:.0%} of runs {SPIRAL_LABEL}."]
        if trajectories:
            rep.files.append(_save(_prim_figure(trajectories, thr), out / "discovery_prim.png"))
    elif numeric:
        rep.lines.append(f"Scenario discovery: {'every' if overall == 1 else 'no'} run ends in the retreat spiral; "
                         f"nothing to separate.")

    # recovery after a switch
    if "switch_week" in fnames:
        rep.lines += _recovery_section(results, hints, out, rep)

    rep.files.append(write_atomic_bytes(out / "report.md",
                                        lambda p: p.write_text("\n\n".join(rep.lines) + "\n", encoding="utf-8")))
    return rep


def _tipping_lines(tab: pd.DataFrame, xf: str, yf: str) -> list[str]:
    lines = [f"Tipping map ({_label(xf)} across, {_label(yf)} up): the lowest {_label(xf)} at which most runs "
             f"{SPIRAL_LABEL}:"]
    for y, row in tab.iterrows():
        tipped = [x for x, v in row.items() if v >= 0.5]
        what = f"{_label(xf)} {_fmt(tipped[0])} or more" if tipped else "not reached in the range explored"
        lines.append(f"- {_label(yf)} {_fmt(y)}: {what}")
    return lines


def _indices_figure(t: pd.DataFrame, outcome: str, kind: str):
    fig, axes = _figure()
    ax = axes[0][0]
    x = np.arange(len(t))
    if kind == "sobol":
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], label="first order S1", capsize=3)
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], label="total ST", capsize=3)
        ax.set_xticks(x, [_label(f) for f in t["factor"]], rotation=30, ha="right")
        ax.set_ylabel("share of variance (95% interval)")
        ax.axhline(0, color="k", lw=0.5)
        ax.legend()
    else:
        ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o")
        for _, r in t.iterrows():
            ax.annotate(_label(r["factor"]), (r["mu_star"], r["sigma"]), fontsize=8, xytext=(3, 3),
                        textcoords="offset points")
        ax.set_xlabel(f"mu* (mean absolute effect, {_unit(outcome)})")
        ax.set_ylabel("sigma (non-linearity and interactions)")
    ax.set_title(f"{kind.capitalize()} sensitivity of {_label(outcome)}")
    return fig


def _indices_line(t: pd.DataFrame, outcome: str, kind: str) -> str:
    if kind == "sobol":
        top = t.sort_values("ST", ascending=False).head(3)
        parts = [f"{_label(r.factor)} (ST {r.ST:.2f} ± {r.ST_conf:.2f}, S1 {r.S1:.2f} ± {r.S1_conf:.2f})"
                 for r in top.itertuples()]
    else:
        top = t.sort_values("mu_star", ascending=False).head(3)
        parts = [f"{_label(r.factor)} (mu* {r.mu_star:.3g} ± {r.mu_star_conf:.2g}, sigma {r.sigma:.3g})"
                 for r in top.itertuples()]
    return f"{_label(outcome)}: most influential " + ", ".join(parts) + "."


def _flat_conditions(boxes: pd.DataFrame) -> pd.DataFrame:
    """Boxes with their conditions as one readable string each, for CSV."""
    return boxes.assign(conditions=boxes["conditions"].map(
        lambda cs: " and ".join(f"{f} {op} {thr:.4g}" for f, op, thr in cs) or "(all)"))


def _prim_figure(trajectories: list[pd.DataFrame], threshold: float):
    """PRIM's trade-off: coverage against density along each box's peeling, the chosen box marked."""
    import matplotlib
    fig, axes = _figure()
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


def _tree_figure(runs, factors, flag, seed):
    from sklearn.tree import DecisionTreeClassifier, plot_tree
    X = runs[factors].astype(float).to_numpy()
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(2, int(0.05 * len(X))),
                                  random_state=seed).fit(X, flag.astype(int))
    fig, axes = _figure(1, 1, (11, 6))
    plot_tree(tree, feature_names=factors, class_names=["no spiral", "spiral"], filled=True, ax=axes[0][0],
              fontsize=7, proportion=True, impurity=False)
    return fig


def _recovery_section(results: Path, hints: AnalysisSpec, out: Path, rep: Report) -> list[str]:
    o = hints.recovery_outcome
    weekly = load_results(results, what="weekly")
    if o not in weekly.columns:
        return [f"Recovery: keep '{o}' weekly (outputs.weekly) to measure recovery after the switch."]
    weekly["switch_week"] = pd.to_numeric(weekly["switch_week"], errors="coerce")
    tab = recovery(weekly, o, hints.recovery_tolerance)
    if tab.empty:
        return ["Recovery: needs at least two switch weeks."]
    rep.tables["recovery"] = tab
    rep.files.append(_save_csv(tab, out / "recovery.csv"))
    fig, axes = _figure(1, 1, (8, 4.6))
    ax = axes[0][0]
    mean = weekly.groupby([weekly["switch_week"].fillna(-1), "week"])[o].mean().unstack(0)
    for level in mean.columns:
        label = "never" if level == -1 else f"switch at week {int(level)}"
        ax.plot(mean.index, mean[level].rolling(13, min_periods=1).mean(), label=label)
        if level != -1:
            ax.axvline(level, color=ax.lines[-1].get_color(), lw=0.6, ls=":")
    ax.set_xlabel("week")
    ax.set_ylabel(f"{_label(o)} ({_unit(o)}), 13-week mean")
    ax.set_title(f"Recovery of {_label(o)} after a switch to systems leadership")
    ax.legend(fontsize=8)
    rep.files.append(_save(fig, out / "recovery.png"))
    lines = [f"Recovery of {_label(o)} (reference: switch at week {int(tab['reference_switch_week'].iloc[0])}; "
             f"recovered = within {hints.recovery_tolerance:.0%} of the damage of never switching "
             f"({tab['tolerance'].iloc[0]:.3g} {_unit(o)}), and staying there):"]
    for r in tab.itertuples():
        if r.switch_week == "never":
            lines.append(f"- never switching: ends {r.gap_at_end:.3g} away from the reference.")
        elif r.recovery_weeks is None or pd.isna(r.recovery_weeks):
            lines.append(f"- switch at week {r.switch_week}: not recovered by the end "
                         f"(gap {r.gap_at_switch:.3g} at the switch, {r.gap_at_end:.3g} at the end).")
        else:
            lines.append(f"- switch at week {r.switch_week}: recovers in {int(r.recovery_weeks)} weeks"
                         + (" and fully recovers." if r.fully_recovers else "."))
    return lines
