"""The names, units and number format the analysis's figures and report share.

Kept in one place so a figure's axis and the report's sentence name an outcome the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...metrics import EXTRA, OUTCOMES

SPIRAL_LABEL = "end in the retreat spiral"


def unit(name: str) -> str:
    """The unit of an outcome (or extra column)."""
    return (OUTCOMES | EXTRA)[name][1]


def fmt(v: Any) -> str:
    """A number to three significant figures; anything else as text."""
    return f"{v:.3g}" if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def label(name: str) -> str:
    """A column name as words: underscores become spaces."""
    return name.replace("_", " ")
