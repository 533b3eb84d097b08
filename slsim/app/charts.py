"""Charts for the browser view as inline SVG, and PNG figures for export (matplotlib).

Why SVG strings for the live view: a week's step must update the page within 200 ms. Rendering
two dozen matplotlib charts takes longer than that; building SVG text takes about a millisecond
per chart and the browser draws it at any size (presentation mode simply scales it).

Every live chart carries its numbers as ``data-`` attributes (outcome, week, full-precision last
value) so tests can check that what is drawn is what the run layer computes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..present import colour, label
from ..present import number as fmt

MARK_COLOURS = {"intervention": "#6c3483", "timeline": "#7f8c8d"}


def _scale(lo: float, hi: float) -> tuple[float, float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 0.5
        return (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad
    pad = (hi - lo) * 0.08
    # counts and shares never go below zero: do not pad the axis into negative numbers
    return (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad


def _frame(title: str, tooltip: str, w: int, h: int, body: list[str], attrs: str) -> str:
    return (f'<svg class="slsim-chart" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet" '
            f'role="img" aria-label="{html.escape(title)}" {attrs} xmlns="http://www.w3.org/2000/svg">'
            f'<title>{html.escape(tooltip)}</title>'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>' + "".join(body) + "</svg>")


def _axes(weeks_lo: int, weeks_hi: int, ylo: float, yhi: float, w: int, h: int, left: int, top: int,
          bottom: int, right: int, marks: Sequence[tuple[int, str, str]], highlight: int | None):
    """Shared axes, intervention marks and the highlighted week; returns (parts, x(), y())."""
    pw, ph = w - left - right, h - top - bottom
    span = max(1, weeks_hi - weeks_lo)

    def x(week):
        return left + (np.asarray(week, float) - weeks_lo) / span * pw

    def y(v):
        return top + ph - (np.asarray(v, float) - ylo) / (yhi - ylo) * ph

    parts = [f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#999"/>',
             f'<text x="{left - 3}" y="{top + 8}" font-size="9" text-anchor="end" fill="#555">{fmt(yhi)}</text>',
             f'<text x="{left - 3}" y="{top + ph}" font-size="9" text-anchor="end" fill="#555">{fmt(ylo)}</text>',
             f'<text x="{left}" y="{h - 3}" font-size="9" fill="#555">week {weeks_lo}</text>',
             f'<text x="{left + pw}" y="{h - 3}" font-size="9" text-anchor="end" fill="#555">{weeks_hi}</text>']
    if highlight is not None and weeks_lo <= highlight <= weeks_hi:
        bw = max(2.0, pw / span)
        parts.append(f'<rect class="slsim-highlight" data-week="{highlight}" x="{float(x(highlight)) - bw / 2:.1f}" '
                     f'y="{top}" width="{bw:.1f}" height="{ph}" fill="#f4d03f" opacity="0.55"/>')
    for week, kind, text in marks:
        if weeks_lo <= week <= weeks_hi:
            xx = float(x(week))
            stroke = MARK_COLOURS.get(kind, "#555")
            dash = "" if kind == "intervention" else ' stroke-dasharray="4 3"'
            parts.append(f'<line class="slsim-mark" data-week="{week}" data-kind="{kind}" x1="{xx:.1f}" y1="{top}" '
                         f'x2="{xx:.1f}" y2="{top + ph}" stroke="{stroke}" stroke-width="1.5"{dash}>'
                         f'<title>week {week}: {html.escape(text)}</title></line>')
    return parts, x, y


def _path(xs, ys) -> str:
    pts = [f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys) if math.isfinite(b)]
    return " ".join(pts)


def line_chart(outcome: str, title: str, unit: str, tooltip: str, weeks: np.ndarray, values: np.ndarray,
               marks: Sequence[tuple[int, str, str]] = (), highlight: int | None = None,
               w: int = 240, h: int = 140) -> str:
    """One outcome of one run over the weeks, with marks and the highlighted week."""
    left, top, bottom, right = 38, 30, 16, 8
    weeks = np.asarray(weeks, int)
    values = np.asarray(values, float)
    last = float(values[-1]) if values.size else float("nan")
    last_week = int(weeks[-1]) if weeks.size else 0
    wlo, whi = (int(weeks[0]), last_week) if weeks.size else (0, 1)
    whi = max(whi, wlo + 1)  # a one-week run still needs an x-axis
    ylo, yhi = _scale(float(np.nanmin(values)) if values.size else 0.0,
                      float(np.nanmax(values)) if values.size else 1.0)
    parts, x, y = _axes(wlo, whi, ylo, yhi, w, h, left, top, bottom, right, marks, highlight)
    if values.size:
        parts.append(f'<polyline points="{_path(x(weeks), y(values))}" fill="none" stroke="#2471a3" '
                     'stroke-width="1.6"/>')
    if highlight is not None and values.size and highlight in set(weeks.tolist()):
        hv = float(values[list(weeks).index(highlight)])
        parts.append(f'<circle cx="{float(x(highlight)):.1f}" cy="{float(y(hv)):.1f}" r="3" fill="#b7950b"/>')
        parts.append(f'<text x="{w - right}" y="{top - 4}" font-size="9" text-anchor="end" fill="#7d6608">'
                     f'week {highlight}: {fmt(hv)}</text>')
    parts.insert(0, f'<text x="4" y="12" font-size="11" font-weight="bold" fill="#222">{html.escape(title)}</text>'
                    f'<text x="4" y="24" font-size="9" fill="#666">{html.escape(unit)}</text>'
                    f'<text class="slsim-last" x="{w - 6}" y="14" font-size="12" text-anchor="end" '
                    f'fill="#1b4f72">{fmt(last)}</text>')
    attrs = (f'data-outcome="{outcome}" data-week="{last_week}" '
             f'data-value="{repr(last)}"')
    return _frame(title, tooltip, w, h, parts, attrs)


def band_chart(outcome: str, title: str, unit: str, tooltip: str, band: pd.DataFrame, scenarios: Sequence[str],
               w: int = 240, h: int = 140) -> str:
    """Median and 5-95% band across replicates for each scenario (``Results.band`` frame)."""
    left, top, bottom, right = 38, 30, 16, 8
    if band.empty:
        return _frame(title, tooltip, w, h, [], f'data-outcome="{outcome}"')
    wlo, whi = int(band["week"].min()), int(band["week"].max())
    ylo, yhi = _scale(float(band["lo"].min()), float(band["hi"].max()))
    parts, x, y = _axes(wlo, max(whi, wlo + 1), ylo, yhi, w, h, left, top, bottom, right, (), None)
    for i, sc in enumerate(scenarios):
        g = band[band["scenario"] == sc]
        if g.empty:
            continue
        line = colour(i)
        xs = x(g["week"].to_numpy())
        upper = _path(xs, y(g["hi"].to_numpy()))
        lower = _path(xs[::-1], y(g["lo"].to_numpy()[::-1]))
        parts.append(f'<polygon class="slsim-band" data-scenario="{sc}" points="{upper} {lower}" fill="{line}" '
                     f'opacity="0.2" stroke="none"/>')
        parts.append(f'<polyline points="{_path(xs, y(g["median"].to_numpy()))}" fill="none" stroke="{line}" '
                     f'stroke-width="1.6"/>')
    parts.insert(0, f'<text x="4" y="12" font-size="11" font-weight="bold" fill="#222">{html.escape(title)}</text>'
                    f'<text x="4" y="24" font-size="9" fill="#666">{html.escape(unit)}</text>')
    return _frame(title, tooltip, w, h, parts, f'data-outcome="{outcome}"')


def _trust_colour(t: float) -> str:
    """Red (no trust) through amber to green (full trust)."""
    t = min(1.0, max(0.0, float(t)))
    r = int(200 - 150 * t)
    g = int(60 + 120 * t)
    return f"rgb({r},{g},60)"


def _defensive_colour(d: float) -> str:
    """Blue (open) to red (defensive)."""
    d = min(1.0, max(0.0, float(d)))
    return f"rgb({int(40 + 200 * d)},{int(110 - 60 * d)},{int(200 - 160 * d)})"


MAX_STAFF_DRAWN = 1500
MAX_TIES_DRAWN = 2500


def network_svg(model, w: int = 520, h: int = 420) -> str:
    """The place as a network: organisations (large, coloured by mean defensiveness of their staff),
    staff in post around them (small dots, same colouring), the staff ties across boundaries (thin
    lines, darker when stronger) and, between organisations, a band whose width grows with the
    summed strength of their staff ties and whose colour is the trust between them.
    """
    orgs = model.organisations
    k = len(orgs)
    cx, cy, radius = w / 2, h / 2 + 6, min(w, h) * 0.34
    ang = [(-math.pi / 2 + 2 * math.pi * i / k) for i in range(k)]
    pos = [(cx + radius * math.cos(a), cy + radius * math.sin(a)) for a in ang]
    staff = model.staff
    n = int(staff.n)
    org_of = np.asarray(staff.org)
    defens = np.asarray(staff.defensiveness, float)
    filled = np.asarray(staff.filled, bool)
    keys = np.asarray(getattr(model, "tie_keys", np.zeros(0, np.int64)))
    tw = np.asarray(getattr(model, "tie_w", np.zeros(0)), float)
    a_rows, b_rows = (keys // n, keys % n) if n else (keys, keys)
    # summed tie strength and count between each pair of organisations
    strength = np.zeros((k, k))
    count = np.zeros((k, k), int)
    if keys.size:
        oa, ob = org_of[a_rows], org_of[b_rows]
        np.add.at(strength, (oa, ob), tw)
        np.add.at(count, (oa, ob), 1)
        strength = strength + strength.T
        count = count + count.T
    parts: list[str] = []
    edges: list[str] = []
    smax = max(float(strength.max()), 1e-9)
    for i in range(k):
        for j in range(i + 1, k):
            trust = float(model.trust[i, j])
            width = 1 + 14 * strength[i, j] / smax if count[i, j] else 1
            (x1, y1), (x2, y2) = pos[i], pos[j]
            edges.append(f'<line class="slsim-org-edge" data-a="{orgs[i].kind}" data-b="{orgs[j].kind}" '
                         f'data-ties="{int(count[i, j])}" data-trust="{trust:.4f}" x1="{x1:.1f}" y1="{y1:.1f}" '
                         f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="{_trust_colour(trust)}" stroke-width="{width:.1f}" '
                         f'stroke-linecap="round" opacity="0.8"><title>{html.escape(orgs[i].label)} and '
                         f'{html.escape(orgs[j].label)}: trust {trust:.2f}, {int(count[i, j])} working ties '
                         f'between their staff</title></line>')
    # staff dots on a small sunflower spiral around their organisation
    draw_staff = 0 < n <= MAX_STAFF_DRAWN
    spos = np.zeros((n, 2))
    if draw_staff:
        for o in range(k):
            rows = np.flatnonzero(org_of == o)
            m = len(rows)
            idx = np.arange(m)
            r = 16 + 34 * np.sqrt((idx + 0.5) / max(m, 1))
            theta = idx * 2.39996
            spos[rows, 0] = pos[o][0] + r * np.cos(theta)
            spos[rows, 1] = pos[o][1] + r * np.sin(theta)
        if keys.size:
            order = np.argsort(-tw)[:MAX_TIES_DRAWN]
            wmax = max(float(tw.max()), 1e-9)
            lines = [f'<line x1="{spos[a, 0]:.1f}" y1="{spos[a, 1]:.1f}" x2="{spos[b, 0]:.1f}" y2="{spos[b, 1]:.1f}" '
                     f'stroke-opacity="{0.04 + 0.3 * wv / wmax:.2f}"/>'
                     for a, b, wv in zip(a_rows[order], b_rows[order], tw[order])]
            parts.append('<g class="slsim-staff-ties" stroke="#34495e" stroke-width="0.6">' + "".join(lines) + "</g>")
        dots = [f'<circle cx="{spos[i, 0]:.1f}" cy="{spos[i, 1]:.1f}" r="2.2" fill="{_defensive_colour(defens[i])}"/>'
                for i in range(n) if filled[i]]
        parts.append('<g class="slsim-staff">' + "".join(dots) + "</g>")
    parts.extend(edges)  # over the staff, so the organisation bands stay readable
    for o, org in enumerate(orgs):
        rows = (org_of == o) & filled
        d = float(defens[rows].mean()) if rows.any() else 0.0
        x0, y0 = pos[o]
        parts.append(f'<circle class="slsim-org" data-kind="{org.kind}" data-defensiveness="{d:.4f}" cx="{x0:.1f}" '
                     f'cy="{y0:.1f}" r="13" fill="{_defensive_colour(d)}" stroke="#222" stroke-width="1.5">'
                     f'<title>{html.escape(org.label)}: mean defensiveness of staff {d:.2f}</title></circle>')
        # labels outside the staff cloud, away from the centre
        ux, uy = (x0 - cx) / radius, (y0 - cy) / radius
        tx, ty = x0 + ux * 58, y0 + uy * 58 + 4
        anchor = "middle"
        if abs(ux) >= 0.3:  # side nodes: above their staff cloud, so long names stay inside
            tx, ty = x0 + ux * 20, y0 - 54
        parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="12" font-weight="bold" text-anchor="{anchor}" '
                     f'fill="#222" paint-order="stroke" stroke="white" stroke-width="3">'
                     f'{html.escape(org.label.split(" (")[0])}</text>')
    n_ties = int(keys.size)
    legend = (f'<text x="6" y="14" font-size="11" fill="#333">week {model.week} · {n_ties} staff ties across '
              f'boundaries</text><text x="6" y="{h - 20}" font-size="10" fill="#555">bands between organisations: '
              f'width = strength of staff ties, colour = trust (red low, green high)</text>'
              f'<text x="6" y="{h - 6}" font-size="10" fill="#555">dots: staff in post, colour = defensiveness '
              f'(blue open, red defensive)</text>')
    return (f'<svg class="slsim-network" data-week="{model.week}" data-ties="{n_ties}" viewBox="0 0 {w} {h}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="network of the place" '
            f'xmlns="http://www.w3.org/2000/svg"><title>The place as a network: organisations and the working ties '
            f'between their staff</title><rect width="{w}" height="{h}" fill="white"/>{legend}' + "".join(parts)
            + "</svg>")


# ---------------------------------------------------------------------- PNG export
def run_png(results: pd.DataFrame, groups: dict[str, list[str]], titles: dict[str, str],
            marks: Sequence[tuple[int, str, str]] = (), highlight: int | None = None, title: str = "",
            large: bool = False) -> bytes:
    """All outcome charts of one run as a PNG, grouped by level, with marks and highlighted week."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..metrics import describe

    ncols = 4
    nrows = sum(-(-len(g) // ncols) for g in groups.values())
    scale = 1.4 if large else 1.0
    # A fixed layout: "constrained" took about 2 s for two dozen panels.
    fig = Figure(figsize=(4.0 * ncols * scale, (2.6 * nrows + 0.6) * scale))
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.03, top=1 - 0.5 / (2.6 * nrows + 0.6), hspace=0.45, wspace=0.28)
    fig.suptitle(title, fontsize=14 * scale)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    row = 0
    for level, group in groups.items():
        for i in range(-(-len(group) // ncols) * ncols):
            ax = axes[row + i // ncols, i % ncols]
            if i >= len(group):
                ax.set_visible(False)
                continue
            name = group[i]
            if not results.empty:
                ax.plot(results["week"], results[name], color="#2471a3", lw=1.6)
            for week, kind, _ in marks:
                ax.axvline(week, color=MARK_COLOURS.get(kind, "#555"), ls="-" if kind == "intervention" else "--", lw=1)
            if highlight is not None:
                ax.axvspan(highlight - 0.5, highlight + 0.5, color="#f4d03f", alpha=0.5)
            ax.set_title(f"{titles[level].upper()} · {label(name)}", fontsize=9 * scale)
            ax.set_ylabel(describe(name)[1], fontsize=8 * scale)
            ax.tick_params(labelsize=8 * scale)
            ax.grid(alpha=0.3)
        row += -(-len(group) // ncols)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def comparison_png(comparison, outcomes: Sequence[str] | None = None) -> bytes:
    """The comparison's band plots (run layer's own figure) as PNG."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = comparison.plot(outcomes)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
