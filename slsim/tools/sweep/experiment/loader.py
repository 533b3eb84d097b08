"""Reading an experiment file: find it, read it with the one strict YAML loader, validate it."""

from __future__ import annotations

from pathlib import Path

from slsim import yamlfile
from slsim.errors import ExperimentError
from slsim.tools.sweep.experiment.schema import Experiment
from slsim.tools.sweep.experiment.validation import experiment_from_dict

__all__ = ["load_experiment"]


def _find(path: Path) -> Path:
    """A bare name (no folder, no suffix) that is not a file means a shipped experiment:
    ``experiments/NAME.yaml`` in the current folder, else beside the package."""
    if not path.is_file() and path.suffix == "" and len(path.parts) == 1:
        for folder in (Path("experiments"), Path(__file__).resolve().parents[4] / "experiments"):
            if (folder / f"{path}.yaml").is_file():
                return folder / f"{path}.yaml"
    return path


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file. Raises :class:`ExperimentError` with a readable message
    (for a file that is not valid YAML, the same one line as for a scenario file)."""
    path = _find(Path(path))
    if not path.is_file():
        raise ExperimentError(f"{path}: no such experiment file")
    raw, data = yamlfile.read_as(path, ExperimentError)
    return experiment_from_dict(data, str(path), raw, path)
