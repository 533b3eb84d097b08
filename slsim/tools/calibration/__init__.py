"""Calibration: fit the model's parameters to observed data, and check the place against England.

* :func:`load_calibration` reads a calibration file (``calibrations/*.yaml``; see
  :mod:`slsim.tools.calibration.spec` and ``docs/calibration.md``); :func:`calibrate` fits it (ABC-SMC
  through pyABC by default, or an Optuna point fit) into a results folder and writes the
  posterior, the fit figure, the marginals and a report (``slsim calibrate FILE`` does the same).
* :func:`check` and :func:`effects` compare the default place with single published figures and
  its effects with England's evaluations (``python -m slsim.tools.calibration``; docs/model.md 7-8).
"""

from __future__ import annotations

from pathlib import Path

from slsim.tools.calibration.plausibility import COMPARISONS, EFFECT_OUTCOMES, calibration_data, check, effects
from slsim.tools.calibration.spec import Calibration, CalibrationError, calibration_from_dict, load_calibration

__all__ = ["COMPARISONS", "EFFECT_OUTCOMES", "Calibration", "CalibrationError", "calibrate", "calibration_data",
           "calibration_from_dict", "check", "effects", "load_calibration"]


def calibrate(calibration: str | Path | Calibration, out: str | Path, workers: int = 1, client=None,
              progress=None):
    """Fit ``calibration`` into the folder ``out`` (resuming it if it holds this calibration) and
    write its outputs; return the posterior (one row per accepted parameter set, with ``weight``)."""
    from slsim.tools.calibration.fit import fit_abc, fit_optuna
    from slsim.tools.calibration.report import write_outputs

    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    out = Path(out)
    if cal.spec.method.name == "abc":
        result = fit_abc(cal, out, workers=workers, client=client, progress=progress)
    else:
        result = fit_optuna(cal, out, workers=workers, progress=progress)
    meta = {"method": result.method, "generations": len(result.generations) or None,
            "simulations": sum(g["simulations"] for g in result.generations) or None,
            "failures": result.failures, "seconds": result.seconds}
    write_outputs(cal, out, result.posterior, meta, workers=workers, client=client)
    return result.posterior
