"""The debrief's charts and tables as inline SVG and HTML text, every word escaped.

Only seats, outcomes and numbers go into these strings (never a player's name or message), and
each is passed through ``html.escape``. Every line and cell carries its numbers at full
precision as ``data-`` attributes (``repr`` of the float), so a test can check that what is drawn
is what :func:`slsim.tools.workshop.replay` computes.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from slsim.results import present

W, H, LEFT, RIGHT, TOP, BOTTOM = 420, 190, 52, 10, 26, 22


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def curves(outcome: str, title: str, series: Sequence[tuple[str, str, list[float]]], round_weeks: int,
           table: int) -> str:
    """A line chart of weekly values: ``series`` is (key, legend, values for weeks 1..n); the
    first is drawn thick (the table), the others thin and dashed (the references). Dotted
    vertical lines mark the ends of rounds."""
    n = max((len(v) for _, _, v in series), default=0)
    values = [x for _, _, v in series for x in v if x is not None and math.isfinite(x)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-12:
        hi = lo + (abs(lo) * 0.1 or 1.0)
    pad = (hi - lo) * 0.08
    lo, hi = (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(week: float) -> float:
        return LEFT + (week - 1) / max(1, n - 1) * pw

    def y(v: float) -> float:
        return TOP + ph - (v - lo) / (hi - lo) * ph

    parts = [f'<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>',
             f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold">{_e(title)}</text>',
             f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#999"/>',
             f'<text x="{LEFT - 3}" y="{TOP + 9}" font-size="10" text-anchor="end">{_e(present.number(hi))}</text>',
             f'<text x="{LEFT - 3}" y="{TOP + ph}" font-size="10" text-anchor="end">{_e(present.number(lo))}</text>',
             f'<text x="{LEFT}" y="{H - 5}" font-size="10">week 1</text>',
             f'<text x="{LEFT + pw}" y="{H - 5}" font-size="10" text-anchor="end">week {n}</text>']
    for end in range(round_weeks, n, round_weeks):
        parts.append(f'<line x1="{x(end + 0.5):.1f}" y1="{TOP}" x2="{x(end + 0.5):.1f}" y2="{TOP + ph}" '
                     'stroke="#bbb" stroke-dasharray="2,3"/>')
    for i, (key, legend, vals) in enumerate(series):
        pts = " ".join(f"{x(w + 1):.1f},{y(v):.1f}" for w, v in enumerate(vals) if v is not None and math.isfinite(v))
        style = 'stroke-width="3"' if i == 0 else 'stroke-width="1.5" stroke-dasharray="5,3"'
        colour = "#1b2631" if i == 0 else present.colour(i - 1)
        parts.append(f'<polyline class="ws-line" data-series="{_e(key)}" data-outcome="{_e(outcome)}" '
                     f'data-table="{table}" data-values="{_e(json.dumps([repr(float(v)) for v in vals]))}" '
                     f'points="{pts}" fill="none" stroke="{colour}" {style}/>')
        parts.append(f'<text x="{LEFT + 6 + 130 * i}" y="{TOP + 12}" font-size="10" fill="{colour}">'
                     f'{_e(legend)}</text>')
    return (f'<svg class="ws-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{_e(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">' + "".join(parts) + "</svg>")


def table_html(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, dict[str, str]]]], classes: str) -> str:
    """An HTML table; each cell is (text, data attributes). All text is escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        "<td" + "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in attrs.items()) + f">{_e(text)}</td>"
        for text, attrs in row) + "</tr>" for row in rows)
    return f'<table class="{_e(classes)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
