"""``slsim sweep EXPERIMENT`` and ``slsim analyse RESULTS``.

Bad input (a malformed experiment, an unknown factor, an unreachable scheduler, a folder holding a
different experiment or changed inputs, a design above ``--max-runs``, a folder another sweep is
running into: any :class:`~slsim.errors.SlsimError`) prints one ``slsim: error: ...`` line and
returns 2, having written nothing. A lost Dask cluster (the scheduler gone, or no worker for
``--worker-timeout`` seconds) prints one line and returns 2; the session is "interrupted" and the
same command resumes. Ctrl-C and SIGTERM (what batch schedulers send) keep every finished run,
mark the session interrupted, print how many runs are saved and return 130 (143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slsim.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, SlsimError, print_error
from slsim.execution import ClusterLost
from slsim.limits import DEFAULT_MAX_RUNS, DEFAULT_WORKER_TIMEOUT

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "main", "register"]
INTERRUPTED = "slsim: interrupted; finished runs are saved; run the same command to resume"


def register(sub) -> None:
    """Add the ``sweep`` and ``analyse`` sub-commands to the main parser."""
    p = sub.add_parser("sweep", help="run an experiment (parameter sweep, sensitivity analysis); resumable",
                       description="Run an experiment file from experiments/. Results stream to --out as Parquet "
                                   "parts; running the same command again resumes and skips finished runs.")
    p.add_argument("experiment", type=Path, help="experiment YAML file")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--processes", type=int, default=None,
                       help="local worker processes (default: all cores; 1 runs in this process)")
    where.add_argument("--workers", type=int, default=None, help="start a local Dask cluster of N workers")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster: tcp://host:port or a scheduler file")
    # text, not Path: Path('') would quietly mean the current folder
    p.add_argument("--out", default=None, help="results folder (default sweeps/NAME)")
    p.add_argument("--retry-failed", action="store_true", help="run recorded failures again")
    p.add_argument("--dry-run", action="store_true",
                   help="validate, print the design's size and first points; build and run nothing more")
    p.add_argument("--max-runs", type=_whole, default=DEFAULT_MAX_RUNS, metavar="N",
                   help=f"refuse a design of more than N runs, before building it (default {DEFAULT_MAX_RUNS:,})")
    p.add_argument("--allow-changed-inputs", action="store_true",
                   help="resume although scenario files or resolved parameters changed (recorded in the manifest)")
    p.add_argument("--worker-timeout", type=_seconds, default=DEFAULT_WORKER_TIMEOUT, metavar="SECONDS",
                   help=f"on Dask, stop when no worker has been there for this long "
                        f"(default {DEFAULT_WORKER_TIMEOUT:g})")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("analyse", aliases=["analyze"], help="tables and figures from a sweep's results",
                       description="Write tables (CSV) and figures (PNG) into RESULTS/analysis: tipping "
                                   "heatmaps, outcome bands by factor level, Sobol or Morris indices, "
                                   "scenario discovery, recovery after a switch.")
    p.add_argument("results", type=Path, help="results folder written by slsim sweep")
    p.add_argument("--out", default=None, help="analysis folder (default RESULTS/analysis)")
    p.add_argument("--outcome", action="append", default=None, help="outcome to analyse (repeatable)")
    p.set_defaults(func=cmd_analyse)


def _whole(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed a whole number >= 1") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed a whole number >= 1")
    return n


def _seconds(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if not 0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: allowed a number of seconds > 0")
    return x


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the sweep's Ctrl-C path: finished runs saved, session interrupted."""

    signal_name = "SIGTERM"


def _on_sigterm(signum, frame):
    raise _Terminated


def _dry_run(args) -> int:
    from slsim.results.present import plural
    from slsim.tools.sweep.core import check_size
    from slsim.tools.sweep.design import preview_points
    from slsim.tools.sweep.experiment import load_experiment
    exp = load_experiment(args.experiment)
    points, n = check_size(exp, args.max_runs)
    s = exp.spec
    print(f"{exp.name}: design {s.design}, {plural(points, 'point')} x {plural(s.replicates, 'replicate')} = "
          f"{plural(n, 'run')} of {plural(s.weeks, 'week')}; factors: {', '.join(exp.factor_names)}")
    shown = preview_points(exp, 3)
    for i, point in enumerate(shown):
        print(f"  point {i}: " + ", ".join(f"{k}={v}" for k, v in point.items()))
    if points > len(shown):
        print(f"  ... and {plural(points - len(shown), 'more point')} (not built by --dry-run)")
    return 0


def _progress_bar():
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task):
            return Text(f"{task.speed:.2f} runs/s" if task.speed else "- runs/s")

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                        console=Console(stderr=True, highlight=False),
                        transient=True)  # gone when it stops: an error or the summary is what stays
    task = progress.add_task("runs", total=None)

    def update(done: int, total: int) -> None:
        # started on the first report, so a bad-input error is never drawn under an empty bar
        if not progress.live.is_started:
            progress.start()
        progress.update(task, completed=done, total=total)

    return progress, update


def cmd_sweep(args) -> int:
    import signal

    from rich.console import Console

    from slsim.tools.sweep.core import SweepInterrupted, run_sweep
    con = Console(stderr=True, highlight=False)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)  # a batch scheduler's stop: as Ctrl-C
    try:
        if args.dry_run:
            return _dry_run(args)
        progress, update = _progress_bar()
        try:
            summary = run_sweep(args.experiment, args.out, processes=args.processes, workers=args.workers,
                                scheduler=args.scheduler, retry_failed=args.retry_failed, progress=update,
                                max_runs=args.max_runs, allow_changed_inputs=args.allow_changed_inputs,
                                worker_timeout=args.worker_timeout)
        finally:
            if progress.live.is_started:
                progress.stop()
    except SlsimError as err:
        return print_error(err)
    except ClusterLost as err:
        return print_error(err, EXIT_BAD_INPUT)
    except SweepInterrupted as err:
        # handled here, not by the main command's generic Ctrl-C message: say what was kept
        how = f" by {err.signal_name}" if err.signal_name else ""
        print(f"slsim: interrupted{how}; {err.describe()}; run the same command to resume", file=sys.stderr)
        return EXIT_TERMINATED if err.signal_name else EXIT_INTERRUPTED
    except KeyboardInterrupt as err:  # before the sweep started, or a second Ctrl-C while saving
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_TERMINATED if isinstance(err, _Terminated) else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_summary(con, summary)
    return 0


def _print_summary(con, s) -> None:
    from slsim.results.present import plural
    if s.quarantined:
        con.print(f"set aside {plural(len(s.quarantined), 'damaged or foreign part')} in quarantine/ "
                  f"({', '.join(s.quarantined)}); their runs ran again")
    con.print(f"[bold]{s.experiment}[/bold]: {plural(s.total, 'run')}; {s.completed} completed now, "
              f"{len(s.failed)} failed, {s.skipped} skipped as already done"
              + (f" (retried {plural(len(s.retried), 'earlier failure')})" if s.retried else "")
              + f"; {s.seconds:.1f} s on {s.executor}")
    if s.failed:
        con.print(f"[bold red]{plural(len(s.failed), 'failed run')}[/bold red] (their parameters and errors are in "
                  f"{s.out}/runs; rerun them with --retry-failed):")
        for f in s.failed[:20]:
            con.print(f"  run {f['run_id']} (point {f['point']}, replicate {f['replicate']}, {f['params']}): "
                      f"{f['error'].splitlines()[-1] if f['error'] else ''}")
        if len(s.failed) > 20:
            con.print(f"  ... and {len(s.failed) - 20} more")
    con.print(f"results: {s.out}  (load with slsim.tools.sweep.load_results('{s.out}'); analyse with "
              f"`slsim analyse {s.out}`)")


def cmd_analyse(args) -> int:
    from slsim.tools.sweep.analysis import analyse
    try:
        report = analyse(args.results, args.out, outcomes=args.outcome)
    except SlsimError as err:
        return print_error(err)
    for line in report.lines:
        print(line)
    for p in report.files:
        print(f"wrote {p}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m slsim.tools.sweep.cli``), same as ``slsim sweep|analyse``."""
    parser = argparse.ArgumentParser(prog="slsim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
