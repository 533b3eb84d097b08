"""What a calibration writes: the posterior, posterior predictive draws, the fit figure, the
marginals and a report in words.

Rules:

* ``posterior.parquet``: one row per accepted parameter set, its fitted values and ``weight``
  (weights sum to 1).
* ``draws.parquet``: ``method.draws`` parameter sets drawn from the posterior by weight (seeded),
  each run once over the fitted periods and the hold-out, on its own seed; one row per draw,
  target and period, with the model's value.
* ``fit.png``: per target, the observed points (bars: the sd given in the file) against the
  draws' median and 90% band; hold-out periods are shaded and were never fitted.
* ``marginals.png``: each parameter's posterior (weighted histogram) over its prior's range.
* ``report.md``: which parameters the data pin down (the posterior's 90% interval against the
  prior's: under half as wide is "pinned down", under 80% "narrowed", else "not pinned down"),
  and, per target and period, the observed value, the median and band, the error in per cent and
  whether the band covers the observation, fit and hold-out reported apart.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slsim.tools.calibration.simulate import KEY_SEP, observed_sd, observed_stats, simulate
from slsim.tools.calibration.spec import Calibration

PINNED, NARROWED = 0.5, 0.8


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the weighted empirical distribution, interpolated)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cum, v)


def draw_parameters(posterior: pd.DataFrame, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn from the posterior with probability ``weight`` (seeded)."""
    rng = np.random.default_rng(seed)
    w = posterior["weight"].to_numpy(float)
    idx = rng.choice(len(posterior), size=n, p=w / w.sum())
    cols = [c for c in posterior.columns if c != "weight"]
    return [{c: float(posterior.iloc[i][c]) for c in cols} for i in idx]


def _one(args):
    payload, theta, seed = args
    return simulate(payload, theta, seed, holdout=True)


def predictive_draws(cal: Calibration, posterior: pd.DataFrame, workers: int = 1, client=None) -> pd.DataFrame:
    """Run ``method.draws`` posterior draws over the fit and the hold-out; tidy rows."""
    m = cal.spec.method
    thetas = draw_parameters(posterior, m.draws, m.seed)
    seeds = np.random.SeedSequence([m.seed, 7]).generate_state(len(thetas), dtype=np.uint32)
    payload = cal.payload()
    args = [(payload, th, int(s)) for th, s in zip(thetas, seeds)]
    if client is not None:
        results = client.gather(client.map(_one, args, pure=False))
    elif workers > 1:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(_one, args, chunksize=1)
    else:
        results = [_one(a) for a in args]
    rows = []
    for i, (theta, stats) in enumerate(zip(thetas, results)):
        for key, value in stats.items():
            if KEY_SEP not in key:
                continue
            target, period = key.split(KEY_SEP, 1)
            rows.append({"draw": i, "target": target, "period": period, "value": value, **theta})
    return pd.DataFrame(rows)


def fit_table(cal: Calibration, draws: pd.DataFrame) -> pd.DataFrame:
    """Per target and period: observed, sd, the draws' median and 90% band, error, coverage."""
    payload = cal.payload()
    obs, sd = observed_stats(payload, holdout=True), observed_sd(payload, holdout=True)
    fitted = set(observed_stats(payload))
    rows = []
    for key, value in obs.items():
        target, period = key.split(KEY_SEP, 1)
        v = draws[(draws["target"] == target) & (draws["period"] == period)]["value"].dropna()
        med, lo, hi = (np.quantile(v, [0.5, 0.05, 0.95]) if len(v) else (math.nan,) * 3)
        rows.append({"part": "fit" if key in fitted else "hold-out", "target": target, "period": period,
                     "observed": value, "sd": sd[key], "median": med, "lo90": lo, "hi90": hi,
                     "error_percent": 100 * (med - value) / value if value else math.nan,
                     "covered": bool(lo <= value <= hi) if len(v) else False})
    return pd.DataFrame(rows)


# Below 10 particles the mean weight is over 10%, so a "5-95%" interval is the extremes of a handful of points.
MIN_PARTICLES = 10


def identification(cal: Calibration, posterior: pd.DataFrame, meta: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per parameter: prior and posterior 90% intervals, their width ratio and a verdict.

    No verdict is given ("not judged: ..." says why) when the distances were not numbers (the last
    generation's epsilon in ``meta["final_epsilon"]`` or a weight is NaN: a target the model put at 0
    or never produced) or when the posterior has fewer than ``MIN_PARTICLES`` particles."""
    weights = posterior["weight"].to_numpy(dtype=float) if "weight" in posterior else np.array([])
    final = (meta or {}).get("final_epsilon")
    why = None
    if (final is not None and not math.isfinite(float(final))) or not np.all(np.isfinite(weights)):
        why = "not judged: the distances were not numbers (a target's model output was 0 or missing; see the fit table)"
    elif len(posterior) < MIN_PARTICLES:
        why = f"not judged: {len(posterior)} particles, fewer than {MIN_PARTICLES} (raise method.population)"
    rows = []
    for name, prior in cal.parameters.items():
        plo, phi = prior.quantiles([0.05, 0.95])
        qlo, qmed, qhi = weighted_quantiles(posterior[name].to_numpy(), posterior["weight"].to_numpy(),
                                            [0.05, 0.5, 0.95])
        ratio = (qhi - qlo) / (phi - plo)
        verdict = why or ("pinned down" if ratio < PINNED else "narrowed" if ratio < NARROWED else "not pinned down")
        rows.append({"parameter": name, "prior": prior.prior, "prior_lo90": plo, "prior_hi90": phi,
                     "posterior_median": qmed, "posterior_lo90": qlo, "posterior_hi90": qhi,
                     "width_ratio": ratio, "verdict": verdict})
    return pd.DataFrame(rows)


def fit_figure(cal: Calibration, table: pd.DataFrame, path: Path) -> None:
    """One panel per model output (a fitted target and its hold-out share a panel): observed points
    with their sd against the posterior draws' median and 90% band; the hold-out shaded."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: dict[tuple, list] = {}
    for t in cal.targets(holdout=True):
        panels.setdefault((t.output, t.measure, t.base), []).append(t)
    periods = cal.all_periods(holdout=True)
    x_of = {p: i for i, p in enumerate(periods)}
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.7 * len(panels) + 0.8), squeeze=False)
    for ax, targets in zip(axes[:, 0], panels.values()):
        rows = table[table["target"].isin([t.name for t in targets])].copy()
        rows["x"] = rows["period"].map(x_of)
        rows = rows.sort_values("x")
        if cal.spec.holdout:
            start = len(cal.spec.periods) - 0.5
            ax.axvspan(start, len(periods) - 0.5, color="#e5e5e5", zorder=0)
            ax.text(start + 0.08, 0.96, "hold-out: never fitted", transform=ax.get_xaxis_transform(), va="top",
                    fontsize=9, color="#444444")
        model = rows.dropna(subset=["median"])
        if len(model) > 1:
            ax.fill_between(model["x"], model["lo90"], model["hi90"], color="#9ecae1", alpha=0.6, lw=0)
            ax.plot(model["x"], model["median"], color="#08519c", lw=1.5)
        ax.errorbar(model["x"] + 0.08, model["median"], yerr=[model["median"] - model["lo90"],
                                                             model["hi90"] - model["median"]],
                    fmt="s", color="#08519c", ms=5, capsize=3, label="model: median and 90% band of posterior draws")
        ax.errorbar(rows["x"] - 0.08, rows["observed"], yerr=rows["sd"], fmt="o", color="#d95f02", ms=6, capsize=3,
                    label="observed (bar: its uncertainty)")
        ax.set_xticks(range(len(periods)), periods, fontsize=9)
        ax.set_xlim(-0.5, len(periods) - 0.5)
        first = targets[0]
        ax.set_title(f"{first.name.replace('_', ' ')} ({first.unit or first.measure})", fontsize=11, loc="left")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="upper left")
    fig.suptitle(cal.spec.title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png", metadata=_provenance())
    plt.close(fig)


def _provenance() -> dict[str, str]:
    """PNG text chunks naming the code that made a figure (slsim's version, the model's source hash)."""
    from slsim.provenance import stamp
    return {"Software": f"slsim {stamp()['slsim_version']}", "Description": json.dumps(stamp())}


def marginals_figure(cal: Calibration, posterior: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = list(cal.parameters)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        prior = cal.parameters[name]
        bins = np.linspace(prior.low, prior.high, 21)
        ax.hist(posterior[name], bins=bins, weights=posterior["weight"], density=True, color="#3182bd",
                alpha=0.8, label="posterior")
        xs = np.linspace(prior.low, prior.high, 200)
        ax.plot(xs, prior.scipy().pdf(xs), color="#636363", ls="--", label="prior")
        ax.set_title(name, fontsize=10)
        ax.set_xlim(prior.low, prior.high)
        ax.xaxis.set_major_locator(MaxNLocator(4))  # long values (0.0125) overlapped at the default ticks
        ax.set_xlabel(name.replace("_", " "), fontsize=9)
    axes[0, 0].set_ylabel("density (weighted)", fontsize=9)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png", metadata=_provenance())
    plt.close(fig)


def report_text(cal: Calibration, ident: pd.DataFrame, table: pd.DataFrame, meta: dict[str, Any]) -> str:
    from slsim.results.present import percent, share

    lines = [f"# {cal.spec.title}", "", cal.spec.description.strip(), "",
             f"Method: {meta['method']}; {meta.get('generations', '?')} generation(s), population "
             f"{cal.spec.method.population}; {meta.get('simulations', '?')} model runs "
             f"({meta.get('failures', 0)} failed); {meta.get('seconds', 0):.0f} s; seed {cal.spec.method.seed}; "
             f"file hash {cal.sha256[:12]}.", "", "## What the data pin down", ""]
    for r in ident.itertuples():
        lines.append(f"- **{r.parameter}**: {r.verdict}. Posterior median {r.posterior_median:.4g}, 90% interval "
                     f"{r.posterior_lo90:.4g} to {r.posterior_hi90:.4g}, against the prior's {r.prior_lo90:.4g} to "
                     f"{r.prior_hi90:.4g} ({share(r.width_ratio)} of its width).")
    for part in ("fit", "hold-out"):
        sub = table[table["part"] == part]
        if sub.empty:
            continue
        covered = int(sub["covered"].sum())
        mape = sub["error_percent"].abs().mean()
        lines += ["", f"## {'Fit' if part == 'fit' else 'Hold-out (never fitted)'}", "",
                  f"The 90% band covers {covered} of {len(sub)} observation{'s' if len(sub) != 1 else ''}; mean "
                  f"absolute error of the median {mape:.0f}%.", "",
                  "| target | period | observed | model median | 90% band | error |", "|---|---|---|---|---|---|"]
        for r in sub.itertuples():
            lines.append(f"| {r.target} | {r.period} | {r.observed:,.4g} | {r.median:,.4g} | {r.lo90:,.4g} to "
                         f"{r.hi90:,.4g} | {percent(r.error_percent)} |")
    return "\n".join(lines) + "\n"


def write_outputs(cal: Calibration, out: Path, posterior: pd.DataFrame, meta: dict[str, Any], workers: int = 1,
                  client=None) -> dict[str, Path]:
    """Write every output of a finished fit into ``out`` (each file whole or not at all)."""
    from slsim.results.output import write_atomic

    paths = {name: out / name for name in ("posterior.parquet", "draws.parquet", "fit_table.csv", "fit.png",
                                            "marginals.png", "report.md")}
    write_atomic(paths["posterior.parquet"], lambda p: posterior.to_parquet(p, index=False))
    draws = predictive_draws(cal, posterior, workers, client)
    write_atomic(paths["draws.parquet"], lambda p: draws.to_parquet(p, index=False))
    table = fit_table(cal, draws)
    write_atomic(paths["fit_table.csv"], lambda p: table.to_csv(p, index=False))
    ident = identification(cal, posterior, meta)
    write_atomic(paths["fit.png"], lambda p: fit_figure(cal, table, p))
    write_atomic(paths["marginals.png"], lambda p: marginals_figure(cal, posterior, p))
    write_atomic(paths["report.md"], lambda p: p.write_text(report_text(cal, ident, table, meta)))
    return paths
