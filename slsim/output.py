"""Writing results: atomically, with a record of what made them.

Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written file that looks complete. Every output folder gets a
``*.meta.json`` naming the scenarios, parameters, seeds and versions that made it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (same folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data: Any) -> Path:
    return write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_results(results, folder: Path, stem: str) -> list[Path]:
    """CSV and Parquet of the tidy frame, plus ``stem.meta.json``."""
    frame = results.frame
    paths = [
        write_atomic(folder / f"{stem}.csv", lambda p: frame.to_csv(p, index=False)),
        write_atomic(folder / f"{stem}.parquet", lambda p: frame.to_parquet(p, index=False)),
        write_json(folder / f"{stem}.meta.json", results.meta),
    ]
    return paths


def write_figure(fig, folder: Path, stem: str) -> list[Path]:
    """PNG and SVG of a matplotlib figure, each written atomically."""
    return [write_atomic(folder / f"{stem}.{ext}", lambda p, ext=ext: fig.savefig(p, format=ext, dpi=130))
            for ext in ("png", "svg")]
