"""Fitting: ABC-SMC through pyABC (a weighted population of parameter sets) or a point fit through
Optuna, with a history database that lets a killed calibration continue.

Rules:

* **ABC-SMC** (default). Generation 0 draws candidates from the priors; each later generation
  proposes from the last accepted population (pyABC's multivariate normal transition) and
  accepts a candidate whose distance (:func:`~slsim.tools.calibration.simulate.distance`) is below
  that generation's epsilon, the median distance of the last population (pyABC's default
  ``QuantileEpsilon``), until ``population`` are accepted. The posterior is the last
  generation's accepted parameter sets with their importance weights.
* **Determinism.** Locally, candidate ``i`` of generation ``t`` is proposed and simulated from its
  own random stream, seeded by ``(seed, t, i)``, and the accepted sets are kept in task order:
  the same file and seed give the same posterior on one process or several, and a resumed
  calibration gives the one an uninterrupted run would have. Through ``--scheduler`` pyABC's
  own Dask sampler accepts candidates in the order workers finish, which is valid but not
  reproducible run for run.
* **Resume.** Every generation is written to the SQLite history (``history.db``) as it ends; the
  same command on the same folder continues after the last complete generation. A folder that
  holds a calibration of different content is refused.
* **Optuna** (``method.name: optuna``): ``trials`` candidates proposed by the TPE sampler (seeded),
  evaluated in batches of ``workers``; the study lives in ``optuna.db`` and resumes likewise. Its
  result is one best parameter set (a "posterior" of one row, weight 1).
* A candidate whose model run raises is rejected and counted (``failures.jsonl``), never fatal.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from slsim.tools.calibration.simulate import FAILED, distance, observed_sd, observed_stats, simulate
from slsim.tools.calibration.spec import Calibration, CalibrationError

HISTORY = "history.db"
STUDY = "optuna.db"
STATE = "calibration.json"
FAILURES = "failures.jsonl"


@dataclass
class Progress:
    """What a progress line shows after each generation (or batch of trials)."""

    generation: int
    generations: int
    accepted: int
    simulations: int
    epsilon: float
    seconds: float
    seconds_left: float | None

    @property
    def acceptance(self) -> float:
        return self.accepted / self.simulations if self.simulations else math.nan


@dataclass
class FitResult:
    posterior: pd.DataFrame            # one row per accepted parameter set: parameters, weight
    generations: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    method: str = "abc"


def _need(module: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise CalibrationError(f"slsim calibrate needs {module}, which is not installed; install the calibrate extra: "
                               "pip install 'slsim[calibrate]' (./dev.sh setup does)") from None


# ---- the model as pyABC sees it -----------------------------------------------------------------

class _Model:
    """A picklable pyABC model: parameters in, the targets' statistics out (failures logged)."""

    def __init__(self, payload: dict[str, Any], failures: str | None):
        self.payload = payload
        self.failures = failures
        self.__name__ = "slsim"

    def __call__(self, pars) -> dict[str, float]:
        theta = {k: float(pars[k]) for k in self.payload["parameters"]}
        # The candidate's model seed comes from the worker's random stream, which the sampler
        # seeded for this candidate: so the same candidate always meets the same random events.
        seed = int(np.random.randint(0, 2**31 - 1))
        stats = simulate(self.payload, theta, seed)
        error = stats.pop("error", None)
        if error is not None and self.failures:
            with open(self.failures, "a") as fh:
                fh.write(json.dumps({"theta": theta, "seed": seed, "error": error}) + "\n")
        return stats


class _Distance:
    def __init__(self, sd: dict[str, float]):
        self.sd = sd

    def __call__(self, x, x0) -> float:
        return distance(x, x0, self.sd)


def _prior(cal: Calibration):
    import pyabc
    rvs = {}
    for name, p in cal.parameters.items():
        if p.prior == "uniform":
            rvs[name] = pyabc.RV("uniform", p.low, p.high - p.low)
        elif p.prior == "loguniform":
            rvs[name] = pyabc.RV("loguniform", p.low, p.high)
        else:
            a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
            rvs[name] = pyabc.RV("truncnorm", a, b, loc=p.mean, scale=p.sd)
    return pyabc.Distribution(**rvs)


# ---- a deterministic local sampler ----------------------------------------------------------------

def _task_seed(seed: int, t: int, i: int) -> int:
    return int(np.random.SeedSequence([seed, t, i]).generate_state(1, dtype=np.uint32)[0])


def _until_accepted(simulate_one, factory, seed: int):
    """Propose and simulate from one seeded stream until one candidate is accepted."""
    np.random.seed(seed)
    random.seed(seed)
    sample, n = factory(), 0
    while True:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


def _make_sampler(seed: int, workers: int, pool_holder: list):
    """A pyABC sampler whose result depends only on (seed, generation, task), not on which process
    ran what: each of the ``n`` tasks of a generation runs its own seeded stream until it accepts
    one candidate (as pyABC's MappingSampler does, but with fixed seeds)."""
    from pyabc.sampler import MappingSampler

    class _SeededSampler(MappingSampler):
        def __init__(self):
            super().__init__(map_=map, mapper_pickles=False)
            self.after = None

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            import cloudpickle
            started = time.time()
            # t is -1 for pyABC's calibration sample from the prior (the first epsilon).
            seeds = [_task_seed(seed, t + 1, i) for i in range(n)]
            if workers > 1:
                if not pool_holder:
                    ctx = multiprocessing.get_context("spawn")
                    pool_holder.append(ctx.Pool(workers))
                blob = cloudpickle.dumps((simulate_one, self.sample_factory))
                results = pool_holder[0].map(_pooled, [(blob, s) for s in seeds], chunksize=1)
            else:
                results = [_until_accepted(simulate_one, self.sample_factory, s) for s in seeds]
            self.nr_evaluations_ = sum(k for _, k in results)
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            if self.after:
                self.after(t, self.nr_evaluations_, time.time() - started)
            return sample

    return _SeededSampler()


def _pooled(args):
    import cloudpickle
    blob, seed = args
    simulate_one, factory = cloudpickle.loads(blob)
    return _until_accepted(simulate_one, factory, seed)


# ---- state of a results folder --------------------------------------------------------------------

def check_folder(out: Path, cal: Calibration, method: str,
                 allow_changed_inputs: bool = False) -> dict[str, Any] | None:
    """The folder's state when it resumes this calibration; None for a new or empty folder.

    A calibration continued on model code other than the one it started on (its record's
    ``model_sha256``, :mod:`slsim.provenance`) is refused in one line saying what changed, unless
    ``allow_changed_inputs``: then the change is appended to the record's ``allowed_changed_inputs``
    and the record takes the new version and hash."""
    state_path = out / STATE
    if out.exists() and not out.is_dir():
        raise CalibrationError(f"--out {out}: is a file, not a folder")
    if not state_path.exists():
        if out.exists() and any(out.iterdir()):
            raise CalibrationError(f"--out {out}: folder is not empty and holds no calibration; choose another "
                                   "--out")
        return None
    try:
        state = json.loads(state_path.read_text())
        old = state["sha256"], state["method"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CalibrationError(f"{state_path}: not a calibration record ({err.__class__.__name__}); "
                               "move it away or choose another --out") from None
    if old != (cal.sha256, method):
        raise CalibrationError(f"--out {out}: holds a different calibration ('{state.get('name')}', "
                               f"{state.get('method')}, content hash {str(state.get('sha256'))[:12]}; this one "
                               f"{cal.sha256[:12]}); choose another --out to start a new one")
    from slsim.provenance import model_change, stamp
    change = model_change(state)
    if change and not allow_changed_inputs:
        raise CalibrationError(f"--out {out}: {change} since this calibration started; continuing would mix "
                               f"generations of different models. Choose another --out, or pass "
                               f"--allow-changed-inputs to continue anyway (recorded in {STATE})")
    if change:
        state.setdefault("allowed_changed_inputs", []).append(change)
    return state | stamp()


def _new_state(cal: Calibration, method: str) -> dict[str, Any]:
    from slsim.provenance import stamp
    return {"name": cal.name, "sha256": cal.sha256, "method": method, "file": str(cal.path), "spec": cal.payload(),
            "status": "running", **stamp()}


@contextlib.contextmanager
def _readable_history(out: Path):
    """A history database that cannot be read (truncated, overwritten, not SQLite) is one line naming it,
    not SQLAlchemy's traceback."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error, OSError, KeyError, ValueError) as err:
        raise CalibrationError(f"{out / HISTORY}: cannot be read as this calibration's history "
                               f"({err.__class__.__name__}); move the folder away or choose another --out") from None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    from slsim.results.output import write_atomic
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str)))


def _failures(out: Path) -> int:
    path = out / FAILURES
    return sum(1 for _ in path.open()) if path.exists() else 0


# ---- ABC-SMC ------------------------------------------------------------------------------------

def fit_abc(cal: Calibration, out: Path, workers: int = 1, client=None,
            progress: Callable[[Progress], None] | None = None, generations: int | None = None,
            allow_changed_inputs: bool = False) -> FitResult:
    """ABC-SMC to ``method.generations`` generations (or ``generations``), resuming ``out`` if it
    holds this calibration's history. ``client``: a Dask client (pyABC's Dask sampler)."""
    import logging

    pyabc = _need("pyabc")
    for name in ("ABC", "Epsilon", "Distance", "Acceptor", "Sampler", "History", "Population", "Transition"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)

    m = cal.spec.method
    total = generations or m.generations
    out.mkdir(parents=True, exist_ok=True)
    state = (check_folder(out, cal, "abc", allow_changed_inputs)
             or _new_state(cal, "abc") | {"run_id": None, "generations": []})
    payload = cal.payload()
    x0 = observed_stats(payload)
    model = _Model(payload, str(out / FAILURES))
    pool: list = []
    if client is not None:
        from pyabc.sampler import DaskDistributedSampler

        class _DaskSampler(DaskDistributedSampler):
            after = None

            def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
                started = time.time()
                sample = super().sample_until_n_accepted(n, simulate_one, t, **kwargs)
                if self.after:
                    self.after(t, self.nr_evaluations_, time.time() - started)
                return sample

        sampler = _DaskSampler(dask_client=client, batch_size=1)
    else:
        sampler = _make_sampler(m.seed, workers, pool)
    db = "sqlite:///" + str((out / HISTORY).resolve())
    eps = None
    if state["run_id"] is not None:
        # Resuming: the next epsilon is the weighted median of the last population's distances,
        # exactly what an uninterrupted run would have used (pyABC would otherwise start again
        # from the prior sample's epsilon).
        from pyabc.weighted_statistics import weighted_quantile
        with _readable_history(out):
            last = pyabc.History(db, _id=state["run_id"])
            if last.max_t >= 0:
                wd = last.get_weighted_distances()
                w = wd.w.to_numpy(dtype=float)
                eps = pyabc.QuantileEpsilon(initial_epsilon=float(weighted_quantile(
                    points=wd.distance.to_numpy(), weights=w / w.sum(), alpha=0.5)))
    abc = pyabc.ABCSMC(model, _prior(cal), _Distance(observed_sd(payload)), population_size=m.population,
                       sampler=sampler, **({"eps": eps} if eps is not None else {}))
    t_start = time.time()

    def after_generation(t: int, simulations: int, seconds: float) -> None:
        if t < 0:  # pyABC's calibration sample from the prior, not a generation
            return
        gen = {"generation": t, "epsilon": float(abc.eps(t)), "simulations": simulations,
               "accepted": m.population, "seconds": seconds}
        state["generations"] = [g for g in state["generations"] if g["generation"] < t] + [gen]
        _write_json(out / STATE, state)
        if progress:
            per = (time.time() - t_start) / max(1, t + 1 - first)
            progress(Progress(t + 1, total, m.population, simulations, gen["epsilon"], seconds,
                              per * (total - t - 1)))

    sampler.after = after_generation
    if state["run_id"] is None:
        np.random.seed(m.seed)
        history = abc.new(db, x0)
        state["run_id"] = history.id
    else:
        with _readable_history(out):
            abc.load(db, state["run_id"])
    _write_json(out / STATE, state)
    first = abc.history.max_t + 1
    try:
        if first < total:
            np.random.seed(_task_seed(m.seed, first + 1, 2**31))
            abc.run(max_nr_populations=total - first, minimum_epsilon=m.min_epsilon)
    except KeyboardInterrupt:
        state["status"] = "interrupted"
        _write_json(out / STATE, state)
        raise
    finally:
        for p in pool:
            p.terminate()
            p.join()
    frame, weights = abc.history.get_distribution()
    posterior = frame.reset_index(drop=True)[list(cal.parameters)]
    posterior.columns.name = None  # pyABC names the column index; Parquet would not keep it
    posterior["weight"] = np.asarray(weights) / np.sum(weights)
    state["status"] = "done"
    state["failures"] = _failures(out)
    _write_json(out / STATE, state)
    return FitResult(posterior, state["generations"], state["failures"], time.time() - t_start, "abc")


# ---- Optuna -------------------------------------------------------------------------------------

def _evaluate(args):
    payload, theta, seed = args
    stats = simulate(payload, theta, seed)
    stats.pop("error", None)
    return stats


def fit_optuna(cal: Calibration, out: Path, workers: int = 1,
               progress: Callable[[Progress], None] | None = None, allow_changed_inputs: bool = False) -> FitResult:
    """A point fit: ``method.trials`` TPE trials minimising the same distance, in batches of
    ``workers`` evaluated in processes; resumes from ``optuna.db``."""
    optuna = _need("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    m = cal.spec.method
    out.mkdir(parents=True, exist_ok=True)
    state = check_folder(out, cal, "optuna", allow_changed_inputs) or _new_state(cal, "optuna")
    _write_json(out / STATE, state)
    payload = cal.payload()
    x0, sd = observed_stats(payload), observed_sd(payload)
    storage = "sqlite:///" + str((out / STUDY).resolve())
    study = optuna.create_study(study_name=cal.name, storage=storage, load_if_exists=True,
                                sampler=optuna.samplers.TPESampler(seed=m.seed))
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 else None
    t_start, failures, evaluated = time.time(), 0, 0
    try:
        while True:
            finished = [t for t in study.trials if t.state.is_finished()]
            for t in study.trials:  # a trial left running by a killed session is redone
                if not t.state.is_finished():
                    study.tell(t.number, state=optuna.trial.TrialState.FAIL)
            left = m.trials - len(finished)
            if left <= 0:
                break
            batch = [study.ask() for _ in range(min(workers, left))]
            thetas = []
            for trial in batch:
                thetas.append({n: (trial.suggest_float(n, p.low, p.high, log=p.prior == "loguniform"))
                               for n, p in cal.parameters.items()})
            args = [(payload, th, _task_seed(m.seed, tr.number, 0)) for th, tr in zip(thetas, batch)]
            results = pool.map(_evaluate, args) if pool else [_evaluate(a) for a in args]
            for trial, stats in zip(batch, results):
                d = distance(stats, x0, sd)
                if stats.get(FAILED):
                    failures += 1
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    study.tell(trial, d if math.isfinite(d) else 1e12)
            if progress:
                evaluated += len(batch)
                n = len(finished) + len(batch)
                rate = (time.time() - t_start) / evaluated  # seconds per trial in this session
                progress(Progress(n, m.trials, n, n, study.best_value if _has_best(study) else math.nan,
                                  time.time() - t_start, rate * (m.trials - n)))
    except KeyboardInterrupt:
        state["status"] = "interrupted"
        _write_json(out / STATE, state)
        raise
    finally:
        if pool:
            pool.terminate()
            pool.join()
    if not _has_best(study):
        raise CalibrationError(f"{out}: every Optuna trial failed; see {FAILURES} and the model's parameters")
    posterior = pd.DataFrame([study.best_params])[list(cal.parameters)]
    posterior["weight"] = 1.0
    state["status"], state["failures"] = "done", failures
    state["best_distance"] = study.best_value
    _write_json(out / STATE, state)
    return FitResult(posterior, [], failures, time.time() - t_start, "optuna")


def _has_best(study) -> bool:
    try:
        study.best_value
        return True
    except ValueError:
        return False
