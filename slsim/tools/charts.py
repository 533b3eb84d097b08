"""The one chart kit of slsim's tools: inline SVG charts and HTML tables for the browser view
(:mod:`slsim.tools.app`) and the workshop (:mod:`slsim.tools.workshop`), and the browser view's
PNG figures for export (matplotlib).

Why SVG strings for the live pages: a week's step must update the page within 200 ms. Rendering
two dozen matplotlib charts takes longer than that; building SVG text takes about a millisecond
per chart and the browser draws it at any size (presentation mode simply scales it).

Rules every chart keeps: round y ticks (1, 2, 2.5 or 5 times a power of ten) with grid lines,
week ticks, the title and unit above, the better-is cue where
one way is better; text at least :data:`FONT` - 1 SVG units. Every word is passed through
``html.escape`` (the workshop puts only seats, outcomes and numbers in, never a player's name or
message). Every chart carries its numbers as ``data-`` attributes (outcome, week, values at full
precision as ``repr``) so tests can check that what is drawn is what the run layer computes.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slsim.results.present import better, better_text, colour, is_weekly_count, label, tick_text, unit_range, unit_text
from slsim.results.present import number as fmt

MARK_COLOURS = {"intervention": "#6c3483", "timeline": "#566573"}
LINE = "#1f5f8b"       # the run's line (7:1 on white)
RAW_LINE = "#a9c6dc"   # the raw weekly values behind a smoothed line
TEXT, MUTED = "#222222", "#4d5656"  # chart text: both pass WCAG AA on white
FONT = 13              # chart text in SVG units; charts are drawn at least as wide as their viewBox
SMOOTH_WEEKS = 4       # a trailing 4-week mean: a month, as the comparison figure smooths


def _scale(lo: float, hi: float) -> tuple[float, float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 0.5
        return (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad
    pad = (hi - lo) * 0.08
    # counts and shares never go below zero: do not pad the axis into negative numbers
    return (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad


def _frame(title: str, tooltip: str, w: int, h: int, body: list[str], attrs: str, cls: str = "slsim-chart") -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet" '
            f'role="img" aria-label="{html.escape(title)}" {attrs} xmlns="http://www.w3.org/2000/svg">'
            f'<title>{html.escape(tooltip)}</title>'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>' + "".join(body) + "</svg>")


def _header(title: str, unit: str, w: int, cue: str | None = None, arrow: str | None = None) -> str:
    """The chart's title (bold) and unit above the plot; with ``arrow``, the better-is cue at the right."""
    out = (f'<text x="4" y="14" font-size="{FONT + 1}" font-weight="bold" fill="{TEXT}">{html.escape(title)}</text>'
           f'<text x="4" y="30" font-size="{FONT - 1}" fill="{MUTED}">{html.escape(unit)}</text>')
    if arrow is not None:
        out += (f'<text class="slsim-cue" data-better="{cue or ""}" x="{w - 6}" y="30" font-size="{FONT - 1}" '
                f'text-anchor="end" fill="{MUTED}">{arrow}</text>')
    return out


def _step(span: float, n: int, integer: bool) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``n`` intervals over ``span``."""
    raw = span / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    return max(1.0, round(step)) if integer else step


def ticks(lo: float, hi: float, n: int = 4, integer: bool = False) -> list[float]:
    """Round tick values inside [lo, hi] (1, 2, 2.5 or 5 times a power of ten apart). Computed
    here rather than with matplotlib's locator: it is called three times per chart on every step,
    and the locator alone took most of a step's 200 ms budget."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    step = _step(hi - lo, n, integer)
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 12) for i in range(first, math.floor(hi / step + 1e-9) + 1)]


def _nice_scale(lo: float, hi: float, fixed: tuple[float, float] | None) -> tuple[float, float]:
    """The y range: all of 0-1 for shares (``fixed``), else the data padded out to round ticks."""
    if fixed is not None and (not math.isfinite(lo) or (lo >= fixed[0] - 1e-9 and hi <= fixed[1] + 1e-9)):
        return fixed
    lo, hi = _scale(lo, hi)
    step = _step(hi - lo, 4, False)
    nlo, nhi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    return (max(0.0, nlo) if lo >= 0 else nlo), nhi


def mark_numbers(marks: Sequence[tuple[int, str, str]]) -> list[tuple[int, int, str, str]]:
    """(number, week, kind, text) for each mark: the number labels the mark on every chart and
    its line in the legend (:func:`marks_legend`)."""
    return [(i + 1, week, kind, text) for i, (week, kind, text) in enumerate(marks)]


def marks_legend(marks: Sequence[tuple[int, str, str]], weeks_hi: int | None = None) -> str:
    """The legend of the marks as HTML: one line per mark, its number, week and what it was."""
    rows = []
    for num, week, kind, text in mark_numbers(marks):
        if weeks_hi is not None and week > weeks_hi + 52:
            continue
        style = "solid" if kind == "intervention" else "dashed"
        rows.append(f'<li data-mark="{num}" data-kind="{kind}"><span class="slsim-mark-key" style="border-left:3px '
                    f'{style} {MARK_COLOURS.get(kind, MUTED)}">{num}</span> week {week}: {html.escape(text)}'
                    + (" (to come)" if weeks_hi is not None and week > weeks_hi else "") + "</li>")
    if not rows:
        return ""
    return ('<div class="slsim-marks-legend"><b>Marks on the charts</b> (solid: your interventions, dashed: the '
            'scenario\'s own events)<ul>' + "".join(rows) + "</ul></div>")


def smoothing_note(on: bool) -> str:
    """The caption that says how weekly counts are drawn."""
    return (f"Weekly counts (events, pilots, operations per week) are drawn as {SMOOTH_WEEKS}-week means, "
            "each week's own value as a thin line behind." if on else "Every value is drawn week by week.")


def _axes(weeks_lo: int, weeks_hi: int, ylo: float, yhi: float, w: int, h: int, left: int, top: int,
          bottom: int, right: int, marks: Sequence[tuple[int, str, str]], highlight: int | None):
    """Shared axes with round ticks, numbered marks and the highlighted week; returns (parts, x(), y())."""
    pw, ph = w - left - right, h - top - bottom
    span = max(1, weeks_hi - weeks_lo)

    def x(week):
        return left + (np.asarray(week, float) - weeks_lo) / span * pw

    def y(v):
        return top + ph - (np.asarray(v, float) - ylo) / (yhi - ylo) * ph

    parts = [f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#7b7d7d"/>']
    for v in ticks(ylo, yhi):
        yy = float(y(v))
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#e5e8e8"/>'
                     f'<text class="slsim-ytick" x="{left - 3}" y="{yy + 4:.1f}" font-size="{FONT - 1}" '
                     f'text-anchor="end" fill="{MUTED}">{tick_text(v)}</text>')
    for i, v in enumerate(ticks(weeks_lo, weeks_hi, n=5, integer=True)):
        xx = float(x(v))
        parts.append(f'<line x1="{xx:.1f}" y1="{top + ph}" x2="{xx:.1f}" y2="{top + ph + 3}" stroke="#7b7d7d"/>'
                     f'<text class="slsim-xtick" x="{xx:.1f}" y="{h - 3}" font-size="{FONT - 1}" text-anchor="middle" '
                     f'fill="{MUTED}">{"week " if i == 0 and v == 0 else ""}{int(v)}</text>')
    if highlight is not None and weeks_lo <= highlight <= weeks_hi:
        bw = max(2.0, pw / span)
        parts.append(f'<rect class="slsim-highlight" data-week="{highlight}" x="{float(x(highlight)) - bw / 2:.1f}" '
                     f'y="{top}" width="{bw:.1f}" height="{ph}" fill="#f4d03f" opacity="0.55"/>')
    labelled: set[int] = set()
    for num, week, kind, text in mark_numbers(marks):
        if weeks_lo <= week <= weeks_hi:
            xx = float(x(week))
            # marks of one week share a line: one label names them all ("1,2")
            nums = ",".join(str(n) for n, w, _, _ in mark_numbers(marks) if w == week) if week not in labelled else ""
            labelled.add(week)
            stroke = MARK_COLOURS.get(kind, MUTED)
            dash = "" if kind == "intervention" else ' stroke-dasharray="4 3"'
            parts.append(f'<line class="slsim-mark" data-week="{week}" data-kind="{kind}" data-mark="{num}" '
                         f'x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" stroke="{stroke}" '
                         f'stroke-width="1.5"{dash}><title>{num}: week {week}: {html.escape(text)}</title></line>'
                         + (f'<text x="{xx + 2:.1f}" y="{top + 11}" font-size="{FONT - 1}" font-weight="bold" '
                            f'fill="{stroke}">{nums}</text>' if nums else ""))
    return parts, x, y


def _path(xs, ys) -> str:
    pts = [f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys) if math.isfinite(b)]
    return " ".join(pts)


def smoothed(values: np.ndarray, weeks: int = SMOOTH_WEEKS) -> np.ndarray:
    """A trailing mean over ``weeks`` weeks (shorter at the start), so this week's value is in it."""
    v = np.asarray(values, float)
    c = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(1, v.size + 1)
    lo = np.maximum(0, i - weeks)
    return (c[i] - c[lo]) / (i - lo)


def line_chart(outcome: str, title: str, unit: str, tooltip: str, weeks: np.ndarray, values: np.ndarray,
               marks: Sequence[tuple[int, str, str]] = (), highlight: int | None = None,
               w: int = 260, h: int = 170, smooth: bool = False) -> str:
    """One outcome of one run over the weeks: round ticks, week ticks, 0-1 axes for shares, the
    better-is cue, numbered marks and the highlighted week. ``smooth`` draws weekly counts as a
    4-week mean over the raw weeks; the number written in the corner is then that mean (the one
    the line ends on, as the headline sentence says), while ``data-value`` carries the week's own
    value at full precision."""
    left, top, bottom, right = 44, 40, 20, 10
    weeks = np.asarray(weeks, int)
    values = np.asarray(values, float)
    last = float(values[-1]) if values.size else float("nan")
    last_week = int(weeks[-1]) if weeks.size else 0
    wlo, whi = (int(weeks[0]), last_week) if weeks.size else (0, 1)
    whi = max(whi, wlo + 1)  # a one-week run still needs an x-axis
    finite = values[np.isfinite(values)] if values.size else values
    ylo, yhi = _nice_scale(float(finite.min()) if finite.size else math.nan,
                           float(finite.max()) if finite.size else math.nan, unit_range(outcome))
    parts, x, y = _axes(wlo, whi, ylo, yhi, w, h, left, top, bottom, right, marks, highlight)
    do_smooth = smooth and is_weekly_count(outcome) and values.size > 2
    if values.size:
        if do_smooth:
            parts.append(f'<polyline points="{_path(x(weeks), y(values))}" fill="none" stroke="{RAW_LINE}" '
                         'stroke-width="1"/>')
            parts.append(f'<polyline class="slsim-smooth" points="{_path(x(weeks), y(smoothed(values)))}" '
                         f'fill="none" stroke="{LINE}" stroke-width="2.2"/>')
        else:
            parts.append(f'<polyline points="{_path(x(weeks), y(values))}" fill="none" stroke="{LINE}" '
                         'stroke-width="1.8"/>')
    if highlight is not None and values.size and highlight in set(weeks.tolist()):
        hv = float(values[list(weeks).index(highlight)])
        parts.append(f'<circle cx="{float(x(highlight)):.1f}" cy="{float(y(hv)):.1f}" r="3" fill="#7d6608"/>')
        parts.append(f'<text x="{w - right}" y="{top - 4}" font-size="{FONT - 1}" text-anchor="end" fill="#7d6608">'
                     f'week {highlight}: {fmt(hv)}</text>')
    shown = float(smoothed(values)[-1]) if do_smooth else last
    cue = better(outcome)
    # narrow charts (the projector's headline) say it with the arrow; their sentence has the words
    arrow = (f"\u2193 {'lower is better' if w >= 250 else 'better'}" if cue == "lower" else
             f"\u2191 {'higher is better' if w >= 250 else 'better'}" if cue == "higher" else "")
    parts.insert(0, _header(title, unit, w, cue, arrow) +
                    f'<text class="slsim-last" x="{w - 6}" y="14" font-size="{FONT + 2}" text-anchor="end" '
                    f'font-weight="bold" fill="#1b4f72">{fmt(shown)}</text>')
    attrs = (f'data-outcome="{outcome}" data-week="{last_week}" data-smoothed="{str(do_smooth).lower()}" '
             f'data-value="{repr(last)}" data-ylo="{ylo!r}" data-yhi="{yhi!r}"')
    return _frame(title, tooltip, w, h, parts, attrs)


def band_chart(outcome: str, title: str, unit: str, tooltip: str, band: pd.DataFrame, scenarios: Sequence[str],
               w: int = 260, h: int = 170) -> str:
    """Median and 5-95% band across replicates for each scenario (``Results.band`` frame)."""
    left, top, bottom, right = 44, 40, 20, 10
    if band.empty:
        return _frame(title, tooltip, w, h, [], f'data-outcome="{outcome}"')
    wlo, whi = int(band["week"].min()), int(band["week"].max())
    ylo, yhi = _nice_scale(float(band["lo"].min()), float(band["hi"].max()), unit_range(outcome))
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
    parts.insert(0, _header(title, unit, w))
    return _frame(title, tooltip, w, h, parts, f'data-outcome="{outcome}"')


ROUND_END = "#bbbbbb"  # the dotted lines between a workshop's rounds
FIRST_LINE = "#1b2631"  # the workshop table's own line, drawn over the references
REFERENCE_STROKE = 'stroke-width="1.8" stroke-dasharray="6,3"'


def curves(outcome: str, title: str, unit: str, series: Sequence[tuple[str, str, Sequence[float]]],
           round_weeks: int, table: int, w: int = 420, h: int = 230) -> str:
    """Several runs of one outcome over the same weeks (the workshop's debrief: a table against
    the reference cultures). ``series`` is (key, legend, values for weeks 1..n); the first is drawn
    thick in dark ink over the others, which are thinner, dashed, in the scenario colours, each named in the
    legend under the title. Dotted vertical lines mark the ends of rounds (every ``round_weeks``
    weeks). Unlike :func:`line_chart`, the y axis spans the values drawn (round ticks, inside 0-1
    for shares) rather than all of 0-1: the debrief compares runs that differ by a few hundredths,
    and that difference is the point. Each line is a ``polyline.ws-line`` with ``data-series``, ``data-outcome``,
    ``data-table`` and ``data-values`` (the values as ``repr``, full precision)."""
    styles = [(FIRST_LINE, 'stroke-width="3"') if i == 0 else (colour(i - 1), REFERENCE_STROKE)
              for i in range(len(series))]
    legend, lx, ly = [], 4.0, 48
    for (_, words, _), (line, style) in zip(series, styles):
        width = 24 + 0.55 * (FONT - 1) * len(words)  # the swatch and the words, in SVG units
        if lx > 4 and lx + width > w:  # no room left on this row: the legend wraps
            lx, ly = 4.0, ly + FONT + 2
        legend.append(f'<line x1="{lx:.1f}" y1="{ly - 4}" x2="{lx + 18:.1f}" y2="{ly - 4}" stroke="{line}" {style}/>'
                      f'<text x="{lx + 22:.1f}" y="{ly}" font-size="{FONT - 1}" fill="{TEXT}">'
                      f'{html.escape(words)}</text>')
        lx += width + 12
    left, top, bottom, right = 44, ly + 14, 20, 10
    n = max((len(v) for _, _, v in series), default=0)
    values = [float(v) for _, _, vals in series for v in vals if v is not None and math.isfinite(v)]
    ylo, yhi = _nice_scale(min(values, default=math.nan), max(values, default=math.nan), None)
    if unit_range(outcome) is not None:  # zoomed in, but a share's axis stays inside 0-1
        ylo, yhi = max(ylo, unit_range(outcome)[0]), min(yhi, unit_range(outcome)[1])
    parts, x, y = _axes(1, max(n, 2), ylo, yhi, w, h, left, top, bottom, right, (), None)
    parts.append(f'<text x="{left - 3}" y="{h - 3}" font-size="{FONT - 1}" text-anchor="end" '
                 f'fill="{MUTED}">week</text>')
    for end in range(round_weeks, n, round_weeks):
        xx = float(x(end + 0.5))
        parts.append(f'<line class="ws-round-end" x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{h - bottom}" '
                     f'stroke="{ROUND_END}" stroke-dasharray="2,3"/>')
    for (key, _, vals), (line, style) in reversed(list(zip(series, styles))):  # the first on top
        ys = np.array([math.nan if v is None else float(v) for v in vals])
        drawn = html.escape(json.dumps([repr(float(v)) for v in vals]))
        parts.append(f'<polyline class="ws-line" data-series="{html.escape(key)}" '
                     f'data-outcome="{html.escape(outcome)}" data-table="{table}" data-values="{drawn}" '
                     f'points="{_path(x(np.arange(1, len(vals) + 1)), y(ys))}" fill="none" stroke="{line}" {style}/>')
    parts.extend(legend)
    cue = better(outcome)
    arrow = f"\u2193 {cue} is better" if cue == "lower" else f"\u2191 {cue} is better" if cue else ""
    parts.insert(0, _header(title, unit, w, cue, arrow))
    attrs = f'data-outcome="{html.escape(outcome)}" data-table="{table}"'
    return _frame(title, f"{title} ({unit})", w, h, parts, attrs, cls="ws-chart")


ROOM_CHART_W, ROOM_CHART_H = 460, 300  # drawn at ROOM_CHART_PX wide: 12-unit text is 16 px on the projector
ROOM_CHART_PX = 620
TABLE_COLOURS = ("#1b2631", "#7d3c98", "#117864", "#9c640c", "#2e4053", "#943126")  # solid lines, one a table


def room_paths(outcome: str, title: str, unit: str, tables: Sequence[tuple[str, Sequence[float]]],
               references: Sequence[tuple[str, Sequence[float]]], round_weeks: int,
               smooth: int = SMOOTH_WEEKS) -> str:
    """The room's chart for the projector: every table's path on one outcome over the weeks played
    so far (solid, one colour a table) against the reference cultures over the same weeks (dashed),
    each line a trailing mean over ``smooth`` weeks (:func:`smoothed`) and named at its end, at the
    right, not in a legend (labels pushed apart so none overlaps). Drawn ``ROOM_CHART_W`` units wide
    for ``ROOM_CHART_PX`` pixels, so the smallest text (12 units) is 16 px. Lines are
    ``polyline.ws-room-line`` with ``data-series`` and ``data-values`` (the smoothed values)."""
    w, h = ROOM_CHART_W, ROOM_CHART_H
    n = max((len(v) for _, v in [*tables, *references]), default=0)
    series = [(name, smoothed(np.asarray(v, float)), TABLE_COLOURS[i % len(TABLE_COLOURS)], 'stroke-width="3"')
              for i, (name, v) in enumerate(tables)]
    series += [(name, smoothed(np.asarray(v, float)), colour(i), REFERENCE_STROKE)
               for i, (name, v) in enumerate(references)]
    values = [float(x) for _, v, _, _ in series for x in v if math.isfinite(x)]
    ylo, yhi = _nice_scale(min(values, default=math.nan), max(values, default=math.nan), None)
    if unit_range(outcome) is not None:
        ylo, yhi = max(ylo, unit_range(outcome)[0]), min(yhi, unit_range(outcome)[1])
    right = 8 + int(0.6 * (FONT - 1) * max((len(name) for name, _, _, _ in series), default=4))
    left, top, bottom = 44, 40, 20
    parts, x, y = _axes(1, max(n, 2), ylo, yhi, w, h, left, top, bottom, right, (), None)
    for end in range(round_weeks, n, round_weeks):
        xx = float(x(end + 0.5))
        parts.append(f'<line class="ws-round-end" x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{h - bottom}" '
                     f'stroke="{ROUND_END}" stroke-dasharray="2,3"/>')
    ends = []
    for name, vals, line, style in reversed(series):  # the tables on top
        parts.append(f'<polyline class="ws-room-line" data-series="{html.escape(name)}" '
                     f'data-values="{html.escape(json.dumps([repr(float(v)) for v in vals]))}" '
                     f'points="{_path(x(np.arange(1, len(vals) + 1)), y(vals))}" fill="none" stroke="{line}" {style}/>')
        if len(vals):
            ends.append([float(y(vals[-1])), name, line])
    ends.sort()
    gap = FONT + 1
    for i in range(1, len(ends)):  # push labels down until none overlaps the one above
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
    over = ends[-1][0] - (h - bottom) if ends else 0
    for e in ends:  # and back up if the last one left the plot
        e[0] -= max(0.0, over)
    xl = w - right + 4
    parts += [f'<text class="ws-room-label" x="{xl}" y="{yy + 4:.1f}" font-size="{FONT - 1}" font-weight="bold" '
              f'fill="{line}">{html.escape(name)}</text>' for yy, name, line in ends]
    cue = better(outcome)
    arrow = f"\u2193 {cue} is better" if cue == "lower" else f"\u2191 {cue} is better" if cue else ""
    parts.insert(0, _header(title, f"{unit}, {smooth}-week mean", w, cue, arrow))
    attrs = f'data-outcome="{html.escape(outcome)}"'
    return _frame(title, f"{title} ({unit})", w, h, parts, attrs, cls="ws-room-chart")


def table_html(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, dict[str, str]]]], classes: str) -> str:
    """An HTML table; each cell is (text, data attributes). All text is escaped."""
    def e(text) -> str:
        return html.escape(str(text), quote=True)

    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        "<td" + "".join(f' data-{e(k)}="{e(v)}"' for k, v in attrs.items()) + f">{e(text)}</td>"
        for text, attrs in row) + "</tr>" for row in rows)
    return f'<table class="{e(classes)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# Colour-blind-safe ramps (they differ in lightness as well as hue, so they survive deuteranopia
# and greyscale): trust from dark blue (low) to bright yellow-green (high) along matplotlib's
# cividis; staff from blue (open) to orange (defensive), the pair Okabe and Ito recommend.
TRUST_LOW, TRUST_HIGH = 0.05, 0.85  # the part of cividis used: its far yellow end is too pale on white
OPEN_RGB, DEFENSIVE_RGB = (0, 114, 178), (213, 94, 0)


def _cividis(t: float) -> str:
    from matplotlib import colormaps
    r, g, b, _ = colormaps["cividis"](TRUST_LOW + (TRUST_HIGH - TRUST_LOW) * min(1.0, max(0.0, float(t))))
    return f"rgb({int(r * 255)},{int(g * 255)},{int(b * 255)})"


def _ramp(t: float) -> str:
    t = min(1.0, max(0.0, float(t)))
    return "rgb({},{},{})".format(*(int(a + (b - a) * t) for a, b in zip(OPEN_RGB, DEFENSIVE_RGB)))


def colour_range(values: np.ndarray, floor: float = 0.05) -> tuple[float, float]:
    """The range the colours span: the values actually present (at least ``floor`` wide), so a
    place whose staff all sit between 0.30 and 0.45 shows that spread instead of one colour."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < floor:
        mid = (lo + hi) / 2
        lo, hi = max(0.0, mid - floor / 2), min(1.0, max(0.0, mid - floor / 2) + floor)
    return lo, hi


MAX_STAFF_DRAWN = 1500
MAX_TIES_DRAWN = 1200
FULL_BAND = 0.25  # a band is drawn full width when the summed strength of two organisations' staff
                  # ties equals a quarter of an average organisation's posts, each tie at full strength
BAND_MAX_WIDTH = 16.0


def band_width(strength: float, posts_per_org: float) -> float:
    """The width of the band between two organisations for the summed strength of their staff's
    ties: on a fixed scale for the place (not the week's strongest pair), so bands grow and shrink
    as ties form and decay over the weeks."""
    full = max(1e-9, FULL_BAND * posts_per_org)
    return 1.0 + (BAND_MAX_WIDTH - 1.0) * min(1.0, strength / full)


def network_svg(model, w: int = 520, h: int = 440, staff_ties: bool = False) -> str:
    """The place as a network: organisations (large circles, coloured by their staff's mean
    defensiveness), staff in post around them (dots, same colouring; drawn up to
    ``MAX_STAFF_DRAWN``), between organisations a band whose width is the summed strength of their
    staff's working ties (see :func:`band_width`) and whose colour is their trust, and, when
    ``staff_ties``, the strongest staff ties themselves (up to ``MAX_TIES_DRAWN``). Colours span
    the range present this week (:func:`colour_range`), written in the legend.
    """
    orgs = model.organisations
    k = len(orgs)
    cx, cy, radius = w / 2, h / 2 + 4, min(w, h) * 0.32
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
    posts_per_org = n / max(k, 1)
    trust_pairs = [float(model.trust[i, j]) for i in range(k) for j in range(i + 1, k)]
    tlo, thi = colour_range(np.array(trust_pairs))
    org_def = np.array([float(defens[(org_of == o) & filled].mean()) if ((org_of == o) & filled).any() else np.nan
                        for o in range(k)])
    dlo, dhi = colour_range(np.concatenate([defens[filled], org_def]))

    def tcol(t):
        return _cividis((t - tlo) / (thi - tlo))

    def dcol(d):
        return _ramp((d - dlo) / (dhi - dlo))

    parts: list[str] = []
    edges: list[str] = []
    for i in range(k):
        for j in range(i + 1, k):
            trust = float(model.trust[i, j])
            width = band_width(float(strength[i, j]), posts_per_org)
            (x1, y1), (x2, y2) = pos[i], pos[j]
            edges.append(f'<line class="slsim-org-edge" data-a="{orgs[i].kind}" data-b="{orgs[j].kind}" '
                         f'data-ties="{int(count[i, j])}" data-strength="{strength[i, j]:.4f}" '
                         f'data-trust="{trust:.4f}" x1="{x1:.1f}" y1="{y1:.1f}" '
                         f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="{tcol(trust)}" stroke-width="{width:.2f}" '
                         f'stroke-linecap="round" opacity="0.85"><title>{html.escape(orgs[i].label)} and '
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
            r = 18 + 30 * np.sqrt((idx + 0.5) / max(m, 1))
            theta = idx * 2.39996
            spos[rows, 0] = pos[o][0] + r * np.cos(theta)
            spos[rows, 1] = pos[o][1] + r * np.sin(theta)
        if staff_ties and keys.size:
            order = np.argsort(-tw)[:MAX_TIES_DRAWN]
            lines = [f'<line x1="{spos[a, 0]:.1f}" y1="{spos[a, 1]:.1f}" x2="{spos[b, 0]:.1f}" y2="{spos[b, 1]:.1f}" '
                     f'stroke-opacity="{0.05 + 0.3 * min(1.0, wv):.2f}"/>'
                     for a, b, wv in zip(a_rows[order], b_rows[order], tw[order])]
            parts.append('<g class="slsim-staff-ties" stroke="#34495e" stroke-width="0.6">' + "".join(lines) + "</g>")
        dots = [f'<circle cx="{spos[i, 0]:.1f}" cy="{spos[i, 1]:.1f}" r="2.2" fill="{dcol(defens[i])}"/>'
                for i in range(n) if filled[i]]
        parts.append('<g class="slsim-staff">' + "".join(dots) + "</g>")
    parts.extend(edges)  # over the staff, so the organisation bands stay readable
    for o, org in enumerate(orgs):
        d = 0.0 if math.isnan(org_def[o]) else float(org_def[o])
        x0, y0 = pos[o]
        parts.append(f'<circle class="slsim-org" data-kind="{org.kind}" data-defensiveness="{d:.4f}" cx="{x0:.1f}" '
                     f'cy="{y0:.1f}" r="13" fill="{dcol(d)}" stroke="#222" stroke-width="1.5">'
                     f'<title>{html.escape(org.label)}: mean defensiveness of staff {d:.2f}</title></circle>')
        ux, uy = (x0 - cx) / radius, (y0 - cy) / radius
        tx, ty = x0 + ux * 56, y0 + uy * 56 + 4
        if abs(ux) >= 0.3:  # side nodes: above their staff cloud, so long names stay inside
            tx, ty = x0 + ux * 12, y0 - 52
        tx = min(max(tx, 70.0), w - 70.0)
        parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{FONT}" font-weight="bold" text-anchor="middle" '
                     f'fill="{TEXT}" paint-order="stroke" stroke="white" stroke-width="3">'
                     f'{html.escape(org.label.split(" (")[0])}</text>')
    n_ties = int(keys.size)
    shown = "" if not staff_ties else (f", the {min(n_ties, MAX_TIES_DRAWN):,} strongest drawn" if draw_staff else
                                       " (too many staff to draw them)")
    legend = (f'<text x="6" y="16" font-size="{FONT}" fill="{TEXT}">week {model.week} · {n_ties:,} staff ties across '
              f'boundaries{shown}</text>'
              f'<text x="6" y="{h - 22}" font-size="{FONT - 1}" fill="{MUTED}">band width: strength of staff ties; '
              f'colour: trust {tlo:.2f} (dark blue) to {thi:.2f} (yellow)</text>'
              f'<text x="6" y="{h - 6}" font-size="{FONT - 1}" fill="{MUTED}">circles, dots: defensiveness '
              f'{dlo:.2f} (blue, open) to {dhi:.2f} (orange)</text>')
    return (f'<svg class="slsim-network" data-week="{model.week}" data-ties="{n_ties}" '
            f'data-trust-range="{tlo:.4f},{thi:.4f}" viewBox="0 0 {w} {h}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="network of the place" '
            f'xmlns="http://www.w3.org/2000/svg"><title>The place as a network: organisations and the working ties '
            f'between their staff</title><rect width="{w}" height="{h}" fill="white"/>{legend}' + "".join(parts)
            + "</svg>")


# ---------------------------------------------------------------------- PNG export
def run_png(results: pd.DataFrame, groups: dict[str, list[str]], titles: dict[str, str],
            marks: Sequence[tuple[int, str, str]] = (), highlight: int | None = None, title: str = "",
            large: bool = False, smooth: bool = False) -> bytes:
    """All outcome charts of one run as a PNG, grouped by level: the title (say which interventions
    were made), then per chart its name, unit, better-is cue, round y ticks and week ticks, the
    run's line (weekly counts as a 4-week mean when ``smooth``), numbered marks and the highlighted
    week; below, the legend of the numbered marks.

    Drawn straight onto one matplotlib figure (lines and texts in figure coordinates, ticks from
    :func:`ticks`) rather than with two dozen Axes: building the Axes and their tick machinery took
    7-9 s for 26 panels on a loaded two-core machine, this takes well under a second.
    """
    import io

    import matplotlib
    matplotlib.use("Agg")
    import textwrap

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    ncols = 4
    numbered = mark_numbers(marks)
    rows_of = {level: -(-len(g) // ncols) for level, g in groups.items()}
    nrows = sum(rows_of.values())
    scale = 1.4 if large else 1.0
    cell_w, cell_h, level_h = 4.0, 2.5, 0.35
    # the title wraps inside the figure: 14 pt bold averages about 0.62 em a character, so a
    # 16-inch figure holds about 120 of them a line (a title naming several interventions is longer)
    title_lines = textwrap.wrap(title, width=int((cell_w * ncols - 0.3) * 72 / (14 * 0.62))) or [""]
    line_h = 0.3
    head_h = 0.55 + line_h * len(title_lines)
    legend_h = 0.25 * (len(numbered) + 1) if numbered else 0.0
    width = cell_w * ncols
    height = head_h + level_h * len(groups) + cell_h * nrows + legend_h + 0.2
    fig = Figure(figsize=(width * scale, height * scale), dpi=100)
    W, H = width, height

    def fx(x_in):  # inches from the left -> figure fraction
        return np.asarray(x_in, float) / W

    def fy(y_in):  # inches from the top -> figure fraction
        return 1 - np.asarray(y_in, float) / H

    fs = 9 * scale
    for k, line_ in enumerate(title_lines):
        fig.text(fx(0.15), fy(0.35 + line_h * k), line_, fontsize=14 * scale, weight="bold", va="center")
    note = ("Numbered lines mark changes (see the list at the bottom); weekly counts "
            + ("as 4-week means" if smooth else "week by week"))
    fig.text(fx(0.15), fy(0.35 + line_h * len(title_lines)), note, fontsize=fs, color=MUTED, va="center")
    top = head_h
    results = results if results is not None else pd.DataFrame()
    weeks = results["week"].to_numpy() if not results.empty else np.array([], int)
    wlo, whi = (int(weeks[0]), int(weeks[-1])) if weeks.size else (0, 1)
    whi = max(whi, wlo + 1)
    for level, group in groups.items():
        fig.text(fx(0.15), fy(top + level_h / 2), titles[level].upper(), fontsize=10 * scale, weight="bold",
                 color=TEXT, va="center")
        top += level_h
        for i, name in enumerate(group):
            x0, y0 = (i % ncols) * cell_w, top + (i // ncols) * cell_h
            left, right, ptop, pbottom = x0 + 0.55, x0 + cell_w - 0.15, y0 + 0.55, y0 + cell_h - 0.35
            values = results[name].to_numpy(float) if not results.empty else np.array([])
            finite = values[np.isfinite(values)]
            ylo, yhi = _nice_scale(float(finite.min()) if finite.size else math.nan,
                                   float(finite.max()) if finite.size else math.nan, unit_range(name))

            def px(w, left=left, right=right):
                return left + (np.asarray(w, float) - wlo) / (whi - wlo) * (right - left)

            def py(v, ylo=ylo, yhi=yhi, ptop=ptop, pbottom=pbottom):
                return pbottom - (np.asarray(v, float) - ylo) / (yhi - ylo) * (pbottom - ptop)

            cue = better_text(name)
            fig.text(fx(x0 + 0.1), fy(y0 + 0.15), label(name), fontsize=fs + 1, weight="bold", color=TEXT, va="center")
            fig.text(fx(x0 + 0.1), fy(y0 + 0.35), unit_text(name) + (f"  ·  {cue}" if cue else ""),
                     fontsize=fs - 1, color=MUTED, va="center")
            fig.add_artist(Line2D(fx([left, right]), fy([pbottom, pbottom]), color="#7b7d7d", lw=0.8))
            for v in ticks(ylo, yhi):
                fig.add_artist(Line2D(fx([left, right]), fy([py(v), py(v)]), color="#e5e8e8", lw=0.6))
                fig.text(fx(left - 0.05), fy(py(v)), tick_text(v), fontsize=fs - 1, color=MUTED,
                         ha="right", va="center")
            for v in ticks(wlo, whi, n=5, integer=True):
                fig.text(fx(px(v)), fy(pbottom + 0.12), f"{int(v)}", fontsize=fs - 1, color=MUTED, ha="center",
                         va="center")
            if highlight is not None and wlo <= highlight <= whi:
                fig.add_artist(Rectangle((fx(px(highlight - 0.5)), fy(pbottom)), fx(px(highlight + 0.5)) - fx(px(
                    highlight - 0.5)), fy(ptop) - fy(pbottom), color="#f4d03f", alpha=0.5, lw=0))
            labelled: set[int] = set()
            for num, week, kind, _ in numbered:
                if wlo <= week <= whi:
                    colour_ = MARK_COLOURS.get(kind, MUTED)
                    nums = ",".join(str(n) for n, w, _, _ in numbered if w == week) if week not in labelled else ""
                    labelled.add(week)
                    fig.add_artist(Line2D(fx([px(week), px(week)]), fy([ptop, pbottom]), color=colour_, lw=1,
                                          ls="-" if kind == "intervention" else "--"))
                    if nums:
                        fig.text(fx(px(week) + 0.03), fy(ptop + 0.08), nums, fontsize=fs - 1, color=colour_,
                                 weight="bold", va="center")
            if values.size:
                line = smoothed(values) if smooth and is_weekly_count(name) and values.size > 2 else values
                if line is not values:
                    fig.add_artist(Line2D(fx(px(weeks)), fy(py(values)), color=RAW_LINE, lw=0.8))
                fig.add_artist(Line2D(fx(px(weeks)), fy(py(line)), color=LINE, lw=1.6))
        top += rows_of[level] * cell_h
    if numbered:
        fig.text(fx(0.15), fy(top + 0.12), "Marks", fontsize=fs, weight="bold", va="center")
        for k, (num, week, kind, text) in enumerate(numbered, 1):
            fig.text(fx(0.15), fy(top + 0.12 + 0.25 * k), f"{num}  week {week}: {text}", fontsize=fs,
                     color=MARK_COLOURS.get(kind, MUTED), va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, facecolor="white")
    return buf.getvalue()


def png_title(scenario_title: str, seed: int, week: int, interventions: Sequence[tuple[int, str]]) -> str:
    """The PNG's title: the scenario as the room saw it, the week, and the interventions made."""
    head = f"{scenario_title} (seed {seed}), week {week}"
    if not interventions:
        return head + ": no interventions"
    made = "; ".join(f"week {w}: {note.removeprefix('Trainer: ')}" for w, note in interventions)
    return f"{head}. Interventions: {made}"


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
