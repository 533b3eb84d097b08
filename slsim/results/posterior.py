"""A calibration's posterior, read back for use: parameter sets that replicates draw from.

Rules:

* A posterior folder is what ``slsim calibrate`` wrote: ``posterior.parquet`` (fitted parameters
  and ``weight``) and ``calibration.json`` (its name and content hash). Anything else is refused
  with one line naming the file.
* :meth:`Posterior.draws` gives ``n`` parameter sets drawn with probability ``weight`` from a
  generator seeded by ``seed``: the same compare seed gives the same draws, and replicate ``r``
  of every scenario gets the same draw, so scenario differences stay paired.
* Only the fitted parameters are drawn; the calibration's fixed settings (place size, the years'
  inputs) are not carried over: the posterior says which values of the fitted parameters are
  consistent with the data, for whatever place and scenario it is used with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from slsim.errors import SlsimError
from slsim.model.params import Params, is_parameter

POSTERIOR_FILE = "posterior.parquet"
RECORD_FILE = "calibration.json"


class PosteriorError(SlsimError):
    """A posterior folder that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets (one row each, column ``weight``) from a calibration."""

    frame: pd.DataFrame
    name: str
    sha256: str
    path: Path | None = None

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.frame.columns if c != "weight"]

    def draws(self, n: int, seed: int = 0) -> list[dict[str, float]]:
        rng = np.random.default_rng([int(seed), 8_101])
        w = self.frame["weight"].to_numpy(float)
        idx = rng.choice(len(self.frame), size=n, p=w / w.sum())
        return [{c: float(self.frame.iloc[i][c]) for c in self.parameters} for i in idx]

    def describe(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "path": str(self.path) if self.path else None,
                "parameters": self.parameters, "sets": len(self.frame)}


def load_posterior(path: str | Path | Posterior) -> Posterior:
    """Read a posterior folder written by ``slsim calibrate`` (or pass a :class:`Posterior` through)."""
    if isinstance(path, Posterior):
        return path
    folder = Path(path)
    pfile, rfile = folder / POSTERIOR_FILE, folder / RECORD_FILE
    if not pfile.is_file() or not rfile.is_file():
        raise PosteriorError(f"--posterior {folder}: not a calibration's results folder (needs {POSTERIOR_FILE} "
                             f"and {RECORD_FILE}, written by `slsim calibrate`)")
    try:
        record = json.loads(rfile.read_text())
        name, sha = str(record["name"]), str(record["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise PosteriorError(f"{rfile}: not a calibration record ({err.__class__.__name__})") from None
    try:
        frame = pd.read_parquet(pfile)
    except Exception as err:  # noqa: BLE001 - pyarrow raises several classes for a damaged file
        raise PosteriorError(f"{pfile}: cannot be read as Parquet ({err.__class__.__name__})") from None
    unknown = [c for c in frame.columns if c != "weight" and not is_parameter(c)]
    w = frame["weight"].to_numpy(float) if "weight" in frame else np.array([])
    if len(frame) == 0 or unknown or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise PosteriorError(f"{pfile}: needs at least one row, a non-negative 'weight' and only model parameters"
                             + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    for row in frame.drop(columns="weight").to_dict("records"):
        try:
            Params(**row)
        except Exception as err:  # noqa: BLE001
            raise PosteriorError(f"{pfile}: a parameter set is out of range: {str(err).splitlines()[0]}") from None
    return Posterior(frame, name, sha, folder)


SHIPPED = "england_dtoc"
"""The calibration whose posterior ships with slsim (docs/calibration.md)."""


def shipped_posterior() -> Posterior | None:
    """The shipped England calibration's posterior (``calibrations/england_dtoc/``, beside the
    package or inside it when installed), or None when it is not there."""
    here = Path(__file__).resolve().parents[1]  # the slsim package
    for folder in (here.parent / "calibrations" / SHIPPED, here / "_calibrations" / SHIPPED):
        if (folder / POSTERIOR_FILE).is_file():
            return load_posterior(folder)
    return None
