"""`slsim calibrate --scheduler` through a real Dask scheduler and two worker processes on 127.0.0.1,
with pyABC's own Dask sampler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

pytest.importorskip("pyabc")

from slsim.tools.cli import main  # noqa: E402

pytestmark = pytest.mark.dask


def test_calibrate_through_a_dask_scheduler_gives_a_valid_posterior(dask_cluster, tmp_path, capsys):
    spec = {
        "name": "toy_dask", "title": "toy", "scenario": "default",
        "params": {"n_citizens": 800, "burn_in_weeks": 0}, "period_weeks": 8, "periods": ["a", "b"],
        "parameters": {"crisis_rate": {"prior": "uniform", "low": 0.01, "high": 0.06}},
        "targets": [{"name": "crises", "output": "crises", "kind": "flow", "measure": "count",
                     "observed": [{"period": "a", "value": 15, "sd": 3}, {"period": "b", "value": 15, "sd": 3}],
                     "definition": "crises", "source": "made up"}],
        "method": {"name": "abc", "population": 8, "generations": 2, "seed": 1, "draws": 4},
    }
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    rc = main(["calibrate", str(path), "--out", str(out), "--scheduler", str(dask_cluster.scheduler_file)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "generation 2/2" in err, f"progress should name each generation: {err}"
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 8 and np.isclose(post["weight"].sum(), 1.0)
    assert post["crisis_rate"].between(0.01, 0.06).all()
    logs = dask_cluster.log("w1") + dask_cluster.log("w2")
    assert "Traceback" not in logs, logs
