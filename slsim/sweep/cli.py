"""``slsim sweep EXPERIMENT`` and ``slsim analyse RESULTS``.

Bad input (a malformed experiment, an unknown factor, an unreachable scheduler, a folder holding a
different experiment: any :class:`~slsim.errors.SlsimError`) prints one ``slsim: error: ...`` line
and returns 2, having written nothing; a lost Dask cluster returns 1.
Ctrl-C keeps every finished run, marks the session interrupted, prints how many runs are saved
and returns 130; the same command resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, SlsimError, print_error
from ..execution import ClusterLost

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
    p.add_argument("--dry-run", action="store_true", help="validate and print the plan; run nothing")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("analyse", aliases=["analyze"], help="tables and figures from a sweep's results",
                       description="Write tables (CSV) and figures (PNG) into RESULTS/analysis: tipping "
                                   "heatmaps, outcome bands by factor level, Sobol or Morris indices, "
                                   "scenario discovery, recovery after a switch.")
    p.add_argument("results", type=Path, help="results folder written by slsim sweep")
    p.add_argument("--out", default=None, help="analysis folder (default RESULTS/analysis)")
    p.add_argument("--outcome", action="append", default=None, help="outcome to analyse (repeatable)")
    p.set_defaults(func=cmd_analyse)


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
                        console=Console(stderr=True, highlight=False))
    task = progress.add_task("runs", total=None)

    def update(done: int, total: int) -> None:
        # started on the first report, so a bad-input error is never drawn under an empty bar
        if not progress.live.is_started:
            progress.start()
        progress.update(task, completed=done, total=total)

    return progress, update


def cmd_sweep(args) -> int:
    from rich.console import Console

    from .core import SweepInterrupted, plan, run_sweep
    con = Console(stderr=True, highlight=False)
    try:
        if args.dry_run:
            exp, design, runs = plan(args.experiment)
            print(f"{exp.name}: design {design.kind}, {len(design.points)} points x {exp.spec.replicates} "
                  f"replicates = {len(runs)} runs of {exp.spec.weeks} weeks; factors: {', '.join(exp.factor_names)}")
            return 0
        progress, update = _progress_bar()
        try:
            summary = run_sweep(args.experiment, args.out, processes=args.processes, workers=args.workers,
                                scheduler=args.scheduler, retry_failed=args.retry_failed, progress=update)
        finally:
            if progress.live.is_started:
                progress.stop()
    except SlsimError as err:
        return print_error(err)
    except ClusterLost as err:
        return print_error(err, EXIT_FAILED)
    except SweepInterrupted as err:
        # handled here, not by the main command's generic Ctrl-C message: say what was kept
        print(f"slsim: interrupted; {err.describe()}; run the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:  # before the sweep started, or a second Ctrl-C while saving
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    _print_summary(con, summary)
    return 0


def _print_summary(con, s) -> None:
    con.print(f"[bold]{s.experiment}[/bold]: {s.total} runs; {s.completed} completed now, "
              f"{len(s.failed)} failed, {s.skipped} skipped as already done"
              + (f" (retried {len(s.retried)} earlier failures)" if s.retried else "")
              + f"; {s.seconds:.1f} s on {s.executor}")
    if s.failed:
        con.print(f"[bold red]{len(s.failed)} failed run(s)[/bold red] (their parameters and errors are in "
                  f"{s.out}/runs; rerun them with --retry-failed):")
        for f in s.failed[:20]:
            con.print(f"  run {f['run_id']} (point {f['point']}, replicate {f['replicate']}, {f['params']}): "
                      f"{f['error'].splitlines()[-1] if f['error'] else ''}")
        if len(s.failed) > 20:
            con.print(f"  ... and {len(s.failed) - 20} more")
    con.print(f"results: {s.out}  (load with slsim.sweep.load_results('{s.out}'); analyse with "
              f"`slsim analyse {s.out}`)")


def cmd_analyse(args) -> int:
    from .analysis import analyse
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
    """Stand-alone entry (``python -m slsim.sweep.cli``), same as ``slsim sweep|analyse``."""
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
