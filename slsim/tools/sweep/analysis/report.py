"""The report of ``slsim analyse``: its steps, its sentences and the files it writes.

:func:`analyse` checks everything it can before writing anything (the extras are installed, the
folder holds a sweep, the outcomes exist, the analysis folder is writable, some runs finished),
then takes these steps in order, each adding its lines, tables and files to the :class:`Report`:
the header, the points table, the bands by factor level, the tipping maps, the sensitivity
indices, scenario discovery, and the recovery after a switch; ``report.md`` is written last.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slsim.model.metrics import OUTCOMES
from slsim.results.present import label, level_text, plural, share, unit
from slsim.tools.sweep.analysis import figures
from slsim.tools.sweep.analysis.compute import (
    SPIRAL_LABEL,
    band_table,
    discover,
    mean_map,
    morris_indices,
    points_table,
    prim_boxes,
    recovery,
    replicate_mean_weekly,
    sobol_indices,
    spiral_flags,
)
from slsim.tools.sweep.experiment import AnalysisSpec, ExperimentError, parse_condition
from slsim.tools.sweep.store import (
    check_writable_folder,
    load_results,
    read_manifest,
    unreadable_parts,
    write_atomic_bytes,
)

__all__ = ["Report", "analyse", "box_sentence", "describe_rule"]


@dataclass
class Report:
    """What an analysis wrote: the report's paragraphs, the files, and the tables by name."""

    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def csv(self, name: str, table: pd.DataFrame, path: Path) -> None:
        """Keep a table under ``name`` and write it (index left out) atomically."""
        self.tables[name] = table
        self.write_csv(table, path)

    def write_csv(self, table: pd.DataFrame, path: Path) -> None:
        self.files.append(write_atomic_bytes(path, lambda p: table.to_csv(p, index=False)))

    def png(self, fig, path: Path) -> None:
        self.files.append(figures.save_png(fig, path))


@dataclass
class _Sweep:
    """What every step reads: the results folder's manifest and finished runs, and where to write."""

    results: Path
    out: Path
    manifest: dict[str, Any]
    outcomes: list[str]
    runs_all: pd.DataFrame
    runs: pd.DataFrame  # finished runs, with their ``spiral`` flag
    skipped: list[str] = field(default_factory=list)  # unreadable parts left out

    @property
    def spec(self) -> dict[str, Any]:
        return self.manifest["experiment"]["spec"]

    @property
    def hints(self) -> AnalysisSpec:
        return AnalysisSpec(**self.spec.get("analysis", {}))

    @property
    def design(self) -> dict[str, Any]:
        return self.manifest["design"]

    @property
    def factors(self) -> dict[str, dict]:
        return {f["name"]: f for f in self.manifest["factors"]}

    @property
    def fnames(self) -> list[str]:
        return list(self.factors)

    @property
    def overall(self) -> float:
        """The share of finished runs in the retreat spiral."""
        return float(self.runs["spiral"].mean())


# ------------------------------------------------------------------ sentences
def describe_rule(rule: list[str]) -> str:
    """The retreat-spiral rule in words, its conditions joined by "and"."""
    parts = []
    for cond in rule:
        name, op, value = parse_condition(cond)
        if op in ("rises", "falls"):
            parts.append(f"{label(name)} {op} over the run" + (f" by more than {value:g}" if value else ""))
        else:
            parts.append(f"{label(name)} ends {op} {value:g}")
    return " and ".join(parts)


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
            name = labels.get(f) or label(f)
            lower = next((op for op in (">", ">=") if op in b), None)
            if lower and "<=" in b:
                parts.append(f"{name} is between {b[lower]:.3g} and {b['<=']:.3g}")
            else:
                parts += [f"{name} is {words[op]} {thr:.3g}" for op, thr in b.items()]
        where = "When " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return (f"{where}, {share(box['density'])} of runs ({box['spiral_runs']} of {box['runs']}) {SPIRAL_LABEL}, "
            f"against {share(overall)} of all runs; this region holds {share(box['coverage'])} of all runs that "
            "spiral.")


def _tipping_lines(tab: pd.DataFrame, xf: str, yf: str) -> list[str]:
    lines = [f"Tipping map ({label(xf)} across, {label(yf)} up): the lowest {label(xf)} at which most runs "
             f"{SPIRAL_LABEL}:"]
    for y, row in tab.iterrows():
        tipped = [x for x, v in row.items() if v > 0.5]  # "most": a strict majority
        what = f"{label(xf)} {level_text(tipped[0])} or more" if tipped else "not reached in the range explored"
        lines.append(f"- {label(yf)} {level_text(y)}: {what}")
    return lines


def _indices_line(t: pd.DataFrame, outcome: str, kind: str) -> str:
    if kind == "sobol":
        top = t.sort_values("ST", ascending=False).head(3)
        parts = [f"{label(r.factor)} (ST {r.ST:.2f} ± {r.ST_conf:.2f}, S1 {r.S1:.2f} ± {r.S1_conf:.2f})"
                 for r in top.itertuples()]
    else:
        top = t.sort_values("mu_star", ascending=False).head(3)
        parts = [f"{label(r.factor)} (mu* {r.mu_star:.3g} ± {r.mu_star_conf:.2g}, sigma {r.sigma:.3g})"
                 for r in top.itertuples()]
    return f"{label(outcome)}: most influential " + ", ".join(parts) + "."


def _recovery_lines(tab: pd.DataFrame, outcome: str, tolerance: float) -> list[str]:
    lines = [f"Recovery of {label(outcome)} (reference: switch at week {int(tab['reference_switch_week'].iloc[0])}; "
             f"recovered = within {share(tolerance)} of the damage of never switching "
             f"({tab['tolerance'].iloc[0]:.3g} {unit(outcome)}), and staying there):"]
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


def _flat_conditions(boxes: pd.DataFrame) -> pd.DataFrame:
    """Boxes with their conditions as one readable string each, for CSV."""
    return boxes.assign(conditions=boxes["conditions"].map(
        lambda cs: " and ".join(f"{f} {op} {thr:.4g}" for f, op, thr in cs) or "(all)"))


# ------------------------------------------------------------------ the steps
def _open(results: str | Path, out: str | Path | None, outcomes: list[str] | None) -> _Sweep:
    """Every check that can refuse the analysis, before anything is written; the finished runs
    with their spiral flags."""
    from slsim.tools.sweep.extras import require
    require("slsim analyse", "sklearn", "SALib", "ema_workbench")
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
    skipped = unreadable_parts(results)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unreadable parts are named in the report instead
        runs_all = load_results(results, failed=True)
    runs = runs_all[runs_all["status"] == "ok"].reset_index(drop=True)
    if runs.empty:
        raise ExperimentError(f"{results}: no finished runs to analyse yet")
    runs["spiral"] = spiral_flags(runs, hints.spiral)
    return _Sweep(results, Path(out), manifest, outcomes, runs_all, runs, skipped)


def _header(s: _Sweep, rep: Report) -> None:
    """Title; what ran and how it is summarised; a caution if the sweep is unfinished; the spiral rule."""
    spec, design, m = s.spec, s.design, s.manifest
    n_fail = int((s.runs_all["status"] != "ok").sum())
    rep.lines.append(f"# {spec['name']}: {spec.get('title', '')}".rstrip(": "))
    rep.lines.append(f"{plural(len(s.runs), 'finished run')} of {m['n_runs']:,} ({n_fail:,} failed); "
                     f"design {design['kind']}, "
                     f"factors: {', '.join(s.fnames)}; outcomes averaged over the last "
                     f"{spec['outputs']['summary_weeks']} weeks of {spec['weeks']}.")
    if len(s.runs_all) < m["n_runs"]:
        points_run, points = s.runs["point"].nunique(), design["points"]
        rep.lines.append(f"**Caution: this sweep is unfinished.** {len(s.runs_all)} of {m['n_runs']} runs are "
                         f"done, covering {points_run} of {points} design points: everything below describes only "
                         f"those, and \"the range explored\" is what has run so far. Run the same `slsim sweep` "
                         f"command to finish it.")
    if s.skipped:
        rep.lines.append(f"**Caution: skipped {plural(len(s.skipped), 'unreadable part')}** ({', '.join(s.skipped)}): "
                         f"their runs are left out. Run the same `slsim sweep` command to set them aside and rerun "
                         f"their runs.")
    rep.lines.append(f"Retreat spiral = {describe_rule(s.hints.spiral)}: {share(s.overall)} of runs.")


def _points(s: _Sweep, rep: Report) -> None:
    rep.csv("points", points_table(s.runs, s.fnames, s.outcomes), s.out / "points.csv")


def _bands(s: _Sweep, rep: Report) -> None:
    """Per outcome, a figure of its band by each factor's levels; all bands in one table."""
    rows = []
    for o in s.outcomes:
        tables = {f: band_table(s.runs, o, f, s.factors[f]) for f in s.fnames}
        for f, tab in tables.items():
            rows += [{"outcome": o, "factor": f, "level": level, **r.to_dict()} for level, r in tab.iterrows()]
        rep.png(figures.bands_figure(tables, o), s.out / f"bands_{o}.png")
    rep.csv("bands", pd.DataFrame(rows), s.out / "bands.csv")


def _tipping(s: _Sweep, rep: Report) -> None:
    """For a grid over two (heatmap) factors: maps of the spiral share and of each outcome, and,
    for a third factor of few levels, one spiral map per level (does it pull the tipping line back?)."""
    runs = s.runs
    multi = [f for f in s.fnames if runs[f].nunique(dropna=False) > 1 and f != "switch_week"]
    axes_f = list(s.hints.heatmap) if s.hints.heatmap else multi[:2]
    if s.design["kind"] != "grid" or len(axes_f) != 2:
        return
    xf, yf = axes_f
    for o in ["spiral", *s.outcomes]:
        tab = mean_map(runs, xf, yf, o)
        if o == "spiral":
            name = "tipping_spiral_share.png"
            rep.lines += _tipping_lines(tab, xf, yf)
        else:
            name = f"tipping_{o}.png"
        rep.png(figures.heatmap_figure(tab, o), s.out / name)
    facets = [f for f in multi if f not in axes_f and runs[f].nunique() <= 6]
    if facets:
        ff = facets[0]
        tables = []
        for lv in sorted(runs[ff].dropna().unique()):
            sub = runs[runs[ff] == lv]
            tables.append((lv, mean_map(sub, xf, yf, "spiral")))
            rep.lines.append(f"- with {label(ff)} {level_text(lv)}: {share(sub['spiral'].mean())} of runs "
                             f"{SPIRAL_LABEL}")
        rep.png(figures.facet_heatmaps_figure(tables, ff), s.out / f"tipping_spiral_share_by_{ff}.png")


def _sensitivity(s: _Sweep, rep: Report) -> None:
    """Sobol or Morris indices of each outcome's mean per design point, with a figure and a line each."""
    kind, design, spec = s.design["kind"], s.design, s.spec
    if kind not in ("sobol", "morris"):
        return
    problem = design["problem"]
    per_point = s.runs.groupby("point")[s.outcomes].mean().reindex(range(design["points"]))
    missing = per_point.index[per_point.isna().any(axis=1)]
    if len(missing):
        tried = set(s.runs_all["point"].astype(int))
        not_run = sum(p not in tried for p in missing)
        failed = len(missing) - not_run
        why = [f"{plural(not_run, 'point')} not yet run (run the same `slsim sweep` command to finish)"] if not_run \
            else []
        why += [f"{plural(failed, 'point')} whose every run failed (rerun them with `slsim sweep --retry-failed`)"] \
            if failed else []
        rep.lines.append(f"{kind.capitalize()} indices need a finished run at every one of the "
                         f"{design['points']:,} design points; not computed: {' and '.join(why)}.")
        return
    tables = []
    for o in s.outcomes:
        Y = per_point[o].to_numpy()
        if kind == "sobol":
            t = sobol_indices(problem, Y, design["options"].get("second_order", False), seed=spec["seed"])
        else:
            t = morris_indices(problem, np.array(design["X"]), Y, design["options"]["num_levels"], spec["seed"])
        t.insert(0, "outcome", o)
        tables.append(t)
        rep.png(figures.indices_figure(t, o, kind), s.out / f"{kind}_{o}.png")
        rep.lines.append(_indices_line(t, o, kind))
    tab = pd.concat(tables, ignore_index=True)
    if kind == "sobol" and float(tab["ST_conf"].median()) > 0.1:
        width = tab["ST_conf"].median()
        rep.lines.append(f"Caution: the 95% intervals are wide (median ST interval ± {width:.2f}); "
                         f"the model's noise swamps N = {design['options'].get('N')}. Raise samples (a power of "
                         f"two) or replicates before reading the ranking.")
    rep.csv(kind, tab, s.out / f"{kind}.csv")


def _discovery(s: _Sweep, rep: Report) -> None:
    """Boxes of factor space where runs spiral, by a decision tree and by PRIM, when some runs
    spiral and some do not."""
    runs, fnames, seed, overall = s.runs, s.fnames, s.spec["seed"], s.overall
    if "switch_week" in fnames:
        # "never" has no number: for the tree it is the week after the last one
        never = s.spec["weeks"] + 1
        runs["switch_week"] = pd.to_numeric(runs["switch_week"], errors="coerce").fillna(never)
        if (runs["switch_week"] == never).any():
            rep.lines.append(f"(switch week {never} below means never switching.)")
    numeric = [f for f in fnames if f != "scenario" and pd.api.types.is_numeric_dtype(runs[f])
               and runs[f].nunique() > 1]
    if not numeric:
        return
    if not 0 < runs["spiral"].sum() < len(runs):
        rep.lines.append(f"Scenario discovery: {'every' if overall == 1 else 'no'} run ends in the retreat spiral; "
                         f"nothing to separate.")
        return
    boxes = discover(runs, numeric, runs["spiral"], seed=seed)
    rep.tables["discovery"] = boxes
    rep.write_csv(_flat_conditions(boxes), s.out / "discovery.csv")
    rep.lines.append("Scenario discovery (a decision tree of depth 3 over " + ", ".join(numeric) + "):")
    dense = (boxes["density"] > 0.5) & (boxes["density"] >= overall)  # a strict majority, above the rest
    for _, box in boxes[dense].head(3).iterrows():
        rep.lines.append("- " + box_sentence(box, overall))
    if not dense.any():
        rep.lines.append("- No region of the factor space explored has a majority of runs in the spiral.")
    rep.png(figures.tree_figure(runs, numeric, runs["spiral"], seed), s.out / "discovery_tree.png")
    thr = s.hints.prim_threshold
    pboxes, trajectories = prim_boxes(runs, numeric, runs["spiral"], thr)
    rep.tables["prim"] = pboxes
    rep.write_csv(_flat_conditions(pboxes), s.out / "discovery_prim.csv")
    rep.lines.append(f"Scenario discovery with PRIM (boxes as EMA Workbench finds them, at least {share(thr)} "
                     f"of a box's runs in the spiral):")
    rep.lines += ["- " + box_sentence(box, overall) for _, box in pboxes.iterrows()] or \
        [f"- PRIM's search found no box where at least {share(thr)} of runs {SPIRAL_LABEL}."]
    if trajectories:
        rep.png(figures.prim_figure(trajectories, thr), s.out / "discovery_prim.png")


def _recovery(s: _Sweep, rep: Report) -> None:
    """Weeks to recover after a switch, from the weekly series of ``analysis.recovery_outcome``."""
    if "switch_week" not in s.fnames:
        return
    hints = s.hints
    o = hints.recovery_outcome
    weekly = load_results(s.results, what="weekly")
    if o not in weekly.columns:
        rep.lines.append(f"Recovery: keep '{o}' weekly (outputs.weekly) to measure recovery after the switch.")
        return
    weekly["switch_week"] = pd.to_numeric(weekly["switch_week"], errors="coerce")
    tab = recovery(weekly, o, hints.recovery_tolerance)
    if tab.empty:
        rep.lines.append("Recovery: needs at least two switch weeks.")
        return
    rep.csv("recovery", tab, s.out / "recovery.csv")
    rep.png(figures.recovery_figure(replicate_mean_weekly(weekly, o), o), s.out / "recovery.png")
    rep.lines += _recovery_lines(tab, o, hints.recovery_tolerance)


def analyse(results: str | Path, out: str | Path | None = None, outcomes: list[str] | None = None) -> Report:
    """Write the analysis of a results folder; return the report (lines, files, tables)."""
    sweep = _open(results, out, outcomes)
    rep = Report()
    for step in (_header, _points, _bands, _tipping, _sensitivity, _discovery, _recovery):
        step(sweep, rep)
    from slsim.tools.sweep.store import export_results
    rep.files += export_results(results, sweep.out / "export")  # tidy CSV and Parquet for other tools
    rep.files.append(write_atomic_bytes(sweep.out / "report.md",
                                        lambda p: p.write_text("\n\n".join(rep.lines) + "\n", encoding="utf-8")))
    return rep
