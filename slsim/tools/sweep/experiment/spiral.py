"""The grammar of the retreat-spiral rule (``analysis.spiral``): one condition per list item.

A condition is ``OUTCOME rises``, ``OUTCOME falls``, ``OUTCOME rises by X``, ``OUTCOME falls by X``
or ``OUTCOME OP VALUE`` with OP one of ``>``, ``<``, ``>=``, ``<=``; OUTCOME is an outcome column
(or an extra one). A run is in the spiral when it meets every condition (see
:func:`slsim.tools.sweep.analysis.spiral_flags`).
"""

from __future__ import annotations

import math

from slsim.model.metrics import EXTRA, OUTCOMES

_OPS = (">=", "<=", ">", "<")


def _finite(text: str) -> float | None:
    """A finite number, or None (``nan`` and ``inf`` compare with nothing a run can reach)."""
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_condition(text: str) -> tuple[str, str, float | None]:
    """Parse one spiral condition: ``OUTCOME rises|falls [by X]`` or ``OUTCOME >|<|>=|<= VALUE``.

    ``rises``/``falls`` compare the run's end (mean of the last summary weeks) with its start
    (mean of its first four weeks), so the rule does not depend on calibrated levels.
    """
    parts = str(text).split()
    if len(parts) < 2 or parts[0] not in OUTCOMES and parts[0] not in EXTRA:
        raise ValueError(f"{text!r}: expected 'OUTCOME rises', 'OUTCOME falls by 0.05' or 'OUTCOME > 10' "
                         f"with OUTCOME an outcome name")
    name, op = parts[0], parts[1]
    if op in ("rises", "falls"):
        if len(parts) == 2:
            return name, op, 0.0
        if len(parts) == 4 and parts[2] == "by" and _finite(parts[3]) is not None:
            return name, op, _finite(parts[3])
        raise ValueError(f"{text!r}: expected 'OUTCOME {op}' or 'OUTCOME {op} by NUMBER' (a finite number)")
    if op in _OPS and len(parts) == 3 and _finite(parts[2]) is not None:
        return name, op, _finite(parts[2])
    raise ValueError(f"{text!r}: expected 'OUTCOME rises|falls [by X]' or 'OUTCOME >|<|>=|<= NUMBER' "
                     f"(a finite number)")
