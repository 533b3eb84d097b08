"""``slsim calibrate FILE``: fit a calibration file's parameters to its observations.

Bad input (a malformed calibration file, an unknown target output, a bad prior, an unreachable
scheduler, an ``--out`` holding a different calibration) prints one ``slsim: error: ...`` line and
returns 2, having written nothing. Ctrl-C (or SIGTERM, as batch schedulers send) keeps every finished
generation, marks the calibration interrupted and returns 130 (143 for SIGTERM); the same command resumes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from slsim.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, SlsimError, print_error

INTERRUPTED = "slsim: interrupted; finished generations are saved; run the same command to resume"


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    cores = os.cpu_count() or 1
    if not 1 <= n <= 4 * cores:
        raise argparse.ArgumentTypeError(f"{n}: allowed from 1 to {4 * cores} (4 per core of this machine)")
    return n


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to observed data (ABC-SMC posterior or Optuna point fit)",
                       description="Fit a calibration file's parameters to its observed targets. ABC-SMC (pyABC) "
                                   "by default; the history is kept in --out, so the same command resumes.")
    p.add_argument("calibration", help="calibration YAML file, or the name of a shipped one (calibrations/)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default: calibration-NAME)")
    p.add_argument("--method", choices=("abc", "optuna"), default=None,
                   help="override the file's method: abc (posterior) or optuna (point fit, faster)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None,
                       help="local processes (default: the machine's cores)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster (tcp://host:port or a scheduler file), through "
                            "pyABC's Dask sampler")
    p.add_argument("--seed", type=int, default=None, help="override the file's method seed")
    p.add_argument("--generations", type=int, default=None, help="override the file's number of generations")
    p.add_argument("--population", type=int, default=None, help="override the file's population size")
    p.add_argument("--allow-changed-inputs", action="store_true",
                   help="continue a calibration although the model's code changed since it started (recorded in "
                        "calibration.json)")
    p.set_defaults(func=main)


def _line(pr) -> str:
    from slsim.results.present import share
    left = f", about {pr.seconds_left / 60:.1f} min left" if pr.seconds_left else ""
    return (f"generation {pr.generation}/{pr.generations}: epsilon {pr.epsilon:.3g}, acceptance "
            f"{share(pr.acceptance)} ({pr.accepted} of {pr.simulations} runs), {pr.seconds:.0f} s{left}")


def main(args) -> int:
    from slsim.tools.calibration.fit import check_folder, fit_abc, fit_optuna
    from slsim.tools.calibration.report import write_outputs
    from slsim.tools.calibration.spec import CalibrationError, calibration_from_dict, load_calibration

    try:
        cal = load_calibration(args.calibration)
        overrides = {k: v for k, v in (("name", args.method), ("seed", args.seed), ("generations", args.generations),
                                       ("population", args.population)) if v is not None}
        if overrides:
            data = cal.spec.model_dump(mode="json")
            data["method"].update(overrides)
            cal = calibration_from_dict(data, cal.path)
        method = cal.spec.method.name
        out = args.out or Path(f"calibration-{cal.name}")
        check_folder(out, cal, method, args.allow_changed_inputs)
        client = None
        if args.scheduler:
            from slsim.execution.cluster import DaskExecutor
            client = DaskExecutor(scheduler=args.scheduler, error=CalibrationError).client
        workers = args.workers or os.cpu_count() or 1
    except SlsimError as err:
        return print_error(err)
    print(f"calibrating {cal.name} ({method}) into {out}: {len(cal.parameters)} parameter(s), "
          f"{sum(len(t.observed) for t in cal.targets())} observation(s)", file=sys.stderr)
    t0 = time.time()

    terminated = []

    def _terminate(signum, frame):  # a batch scheduler's SIGTERM: stop as Ctrl-C does, keeping what is done
        terminated.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if method == "abc":
            result = fit_abc(cal, out, workers=workers, client=client, allow_changed_inputs=args.allow_changed_inputs,
                             progress=lambda pr: print(_line(pr), file=sys.stderr, flush=True))
        else:
            result = fit_optuna(cal, out, workers=workers, allow_changed_inputs=args.allow_changed_inputs,
                                progress=lambda pr: print(f"trial {pr.generation}/{pr.generations}: best distance "
                                                          f"{pr.epsilon:.3g}", file=sys.stderr, flush=True))
        meta = {"method": method, "generations": len(result.generations) or None,
                "simulations": sum(g["simulations"] for g in result.generations) or None,
                "failures": result.failures, "seconds": time.time() - t0,
                "final_epsilon": result.generations[-1]["epsilon"] if result.generations else None}
        print("drawing from the posterior for the fit figure and the hold-out ...", file=sys.stderr, flush=True)
        paths = write_outputs(cal, out, result.posterior, meta, workers=workers, client=client)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except SlsimError as err:
        return print_error(err)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if client is not None:
            client.close()
    print((out / "report.md").read_text())
    print(f"wrote {', '.join(p.name for p in paths.values())} in {out}", file=sys.stderr)
    return 0


__all__ = ["register", "main", "EXIT_BAD_INPUT"]
