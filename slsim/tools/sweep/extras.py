"""Optional modules of the ``sweep`` extra: check them before any work, with one clear message.

``slsim analyse`` needs scikit-learn and EMA Workbench (scenario discovery: a decision tree and
PRIM) and SALib (Sobol, Morris); sampled
designs (lhs, sobol, morris) need SALib; ``--workers``/``--scheduler`` need Dask's ``distributed``.
A missing one is an :class:`~.experiment.ExperimentError` raised before anything is written.
"""

from __future__ import annotations

import importlib
import warnings

from slsim.tools.sweep.experiment import ExperimentError

INSTALL = "pip install 'slsim[sweep]'"
# import name -> distribution name a user installs
DISTRIBUTIONS = {"sklearn": "scikit-learn", "SALib": "SALib", "distributed": "dask", "ema_workbench": "ema_workbench",
                 "filelock": "filelock"}


def missing(*modules: str) -> list[str]:
    """The distribution names of those modules that cannot be imported (absent or broken)."""
    out = []
    for mod in modules:
        try:
            with warnings.catch_warnings():  # some warn at import about their own optional parts
                warnings.simplefilter("ignore")
                importlib.import_module(mod)
        except Exception:  # an ImportError, or a broken install failing in its own way
            out.append(DISTRIBUTIONS.get(mod, mod))
    return out


def require(what: str, *modules: str) -> None:
    """Raise ``ExperimentError("WHAT needs A and B: pip install 'slsim[sweep]'")`` if any is missing."""
    gone = missing(*modules)
    if gone:
        names = _join([DISTRIBUTIONS.get(m, m) for m in modules])
        note = (f" ({_join(gone)} {'is' if len(gone) == 1 else 'are'} not installed or cannot be imported)"
                if len(gone) < len(modules) else "")
        raise ExperimentError(f"{what} needs {names}{note}: {INSTALL}")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
