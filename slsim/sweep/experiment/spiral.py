"""The grammar of the retreat-spiral rule (``analysis.spiral``): one condition per list item.

A condition is ``OUTCOME rises``, ``OUTCOME falls``, ``OUTCOME rises by X``, ``OUTCOME falls by X``
or ``OUTCOME OP VALUE`` with OP one of ``>``, ``<``, ``>=``, ``<=``; OUTCOME is an outcome column
(or an extra one). A run is in the spiral when it meets every condition (see
:func:`slsim.sweep.analysis.spiral_flags`).
"""

from __future__ import annotations

from ...metrics import EXTRA, OUTCOMES

_OPS = (">=", "<=", ">", "<")


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
        if len(parts) == 4 and parts[2] == "by":
            try:
                return name, op, float(parts[3])
            except ValueError:
                pass
        raise ValueError(f"{text!r}: expected 'OUTCOME {op}' or 'OUTCOME {op} by NUMBER'")
    if op in _OPS and len(parts) == 3:
        try:
            return name, op, float(parts[2])
        except ValueError:
            pass
    raise ValueError(f"{text!r}: expected 'OUTCOME rises|falls [by X]' or 'OUTCOME >|<|>=|<= NUMBER'")
