"""The ``slsim`` command: list, params, run, compare (and app, sweep, analyse when installed).

Bad input (an unknown scenario, a bad parameter, a malformed file: any
:class:`~slsim.errors.SlsimError`) prints one clear message and exits with code 2, without a
traceback; the exit codes are those of :mod:`slsim.errors`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from slsim.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, SlsimError, UserError, YamlError, print_error
from slsim.limits import MAX_REPLICATES, MAX_SEED, MAX_WEEKS

__all__ = ["EXIT_BAD_INPUT", "UserError", "build_parser", "main"]


def _parse_sets(items: list[str] | None) -> dict[str, Any]:
    """``--set name=value`` pairs; values are read as YAML (numbers, true/false, lists, mappings)
    by the one strict YAML loader."""
    from slsim import yamlfile

    out: dict[str, Any] = {}
    for item in items or []:
        name, _, value = item.partition("=")
        if not name.strip() or not _:
            raise UserError(f"--set {item!r}: expected NAME=VALUE, e.g. --set n_citizens=10000")
        if name.strip() in out:  # the last would win silently: say so instead
            raise UserError(f"--set {item!r}: {name.strip()} is already set by an earlier --set; give each "
                            f"parameter once")
        try:
            out[name.strip()] = yamlfile.parse(value, f"--set {item!r}")
        except YamlError:
            raise UserError(f"--set {item!r}: cannot read the value {value!r}") from None
    return out


def _progress(label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    progress = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), transient=True, console=_console(stderr=True))
    task = progress.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def _console(stderr: bool = False):
    import os

    from rich.console import Console
    stream = sys.stderr if stderr else sys.stdout
    # Piped into a file or a pager there is no terminal width to go by: use a width that fits the
    # tables rather than rich's 80 columns (COLUMNS, when set, still wins).
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 120
    return Console(stderr=stderr, highlight=False, width=width)


def cmd_list(args) -> int:
    from rich.table import Table

    from slsim.model.scenario import list_scenarios, resolve_scenario
    table = Table(title="slsim scenarios", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("title")
    table.add_column("timeline", justify="right")
    for name in list_scenarios():
        sc = resolve_scenario(name)
        table.add_row(name, sc.title, str(len(sc.timeline)) if sc.timeline else "")
    _console().print(table)
    if args.verbose:
        for name in list_scenarios():
            sc = resolve_scenario(name)
            _console().print(f"\n[bold]{name}[/bold]: {sc.title}\n{sc.narrative}")
    return 0


def cmd_params(args) -> int:
    from rich.table import Table

    from slsim.model.params import parameter_table
    table = Table(title="slsim parameters (pass with --set NAME=VALUE)")
    for col in ("name", "group", "default", "range", "unit", "help", "source"):
        table.add_column(col, overflow="fold")
    from slsim.results.present import parameter_range
    for row in parameter_table():
        if args.group and row["group"] != args.group:
            continue
        rng = parameter_range(row["name"])
        table.add_row(row["name"], row["group"], str(row["default"]), rng, row["unit"], row["help"], row["source"])
    _console().print(table)
    return 0


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is the house's one line (a :class:`UserError`: ``slsim: error: ...``,
    exit 2) without the usage block; ``--help`` still shows it. Sub-command parsers are of the same class."""

    def error(self, message: str):
        raise UserError(f"{message} (see '{self.prog} --help')")


def _seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1 (what JSON, Parquet and the experiments keep)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed a whole number from 0 to {MAX_SEED}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text}: allowed a whole number from 0 to {MAX_SEED}")
    return value


def _common(p: argparse.ArgumentParser, replicates: int) -> None:
    p.add_argument("--weeks", type=int, default=104, help="weeks to simulate (default 104)")
    p.add_argument("--replicates", type=int, default=replicates, help=f"replicates (default {replicates})")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the replicate seeds (default 0)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    p.add_argument("--processes", type=int, default=None, help="worker processes (default: automatic)")
    p.add_argument("--out", type=_out_path, default=Path("slsim-output"), help="output folder (default slsim-output)")
    p.add_argument("--no-figure", action="store_true", help="skip the PNG/SVG figure")


def _out_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder, e.g. --out slsim-output")
    return Path(text)


def _check_common(args) -> None:
    if not 1 <= args.weeks <= MAX_WEEKS:
        raise UserError(f"--weeks {args.weeks}: allowed 1 to {MAX_WEEKS}")
    if args.replicates < 1 or args.replicates > MAX_REPLICATES:
        raise UserError(f"--replicates {args.replicates}: allowed 1 to {MAX_REPLICATES}")
    if args.seed < 0:
        raise UserError(f"--seed {args.seed}: allowed a whole number >= 0")
    if args.processes is not None and args.processes < 1:
        raise UserError(f"--processes {args.processes}: allowed a whole number >= 1")
    _check_out(args.out)


def _check_out(out: Path) -> None:
    """The output folder must be creatable and writable: find out before any work is done, and
    leave nothing behind (the folder is made when the outputs are written)."""
    from slsim.results.output import check_writable_folder
    check_writable_folder(out, error=UserError)


def _summary_table(results, title: str):
    from rich.markup import escape
    from rich.table import Table

    from slsim.model.metrics import OUTCOMES, describe
    from slsim.results.present import label, number, scenario_label
    summ = results.summary().groupby("scenario", sort=False).mean(numeric_only=True)
    table = Table(title=title)
    table.add_column("outcome")
    table.add_column("unit", style="dim")
    for sc in summ.index:
        table.add_column(scenario_label(sc), justify="right")
    last_level = None
    for name in OUTCOMES:
        level, unit, _ = describe(name)
        if level != last_level:
            table.add_section()
            last_level = level
        table.add_row(escape(f"[{level}] {label(name)}"), unit, *[number(summ.loc[sc, name]) for sc in summ.index])
    return table


def _write_outputs(results, args, stem: str, extra: dict | None = None) -> list[Path]:
    """Data, figures and extra tables, each written atomically; the set's meta.json comes last
    with every file's checksum, so an interrupted set has no record vouching for it."""
    from slsim.results.output import begin_set, finish_set, write_atomic, write_results
    begin_set(args.out, stem)
    paths = write_results(results, args.out, stem)
    if not args.no_figure:
        import matplotlib.pyplot as plt

        from slsim.results.output import write_figure
        fig = results.plot()
        paths += write_figure(fig, args.out, stem, results.meta)
        plt.close(fig)
    for suffix, frame in (extra or {}).items():
        paths.append(write_atomic(args.out / f"{stem}.{suffix}.csv", lambda p, f=frame: f.to_csv(p, index=False)))
    return paths + [finish_set(args.out, stem, results.meta, paths)]


def _window(args) -> str:
    from slsim.results.present import window_text
    return window_text(args.weeks)


def _validate(scenarios: list[str], params: dict[str, Any], weeks: int) -> list:
    """Check scenarios and parameters before any progress display starts, so an error is the
    first and only thing printed; then say, once each, what a scenario's timeline will do to the
    run's settings (the run layer's TimelineWarnings, which the command then leaves unprinted).
    Returns the resolved scenarios, so the run does not read and validate the files again."""
    from slsim.model.scenario import resolve_scenario
    from slsim.results.runner import timeline_notes
    resolved = [resolve_scenario(name) for name in scenarios]
    for sc in resolved:
        sc.params_with(params)
    names = [sc.name for sc in resolved]
    if len(set(names)) < len(names):
        raise UserError(f"compare needs different scenarios; got the names {names} (a scenario file is "
                        f"named by its name: field)")
    for sc in resolved:
        for note in timeline_notes(sc, weeks, params):
            print(f"slsim: note: {note}", file=sys.stderr)
    return resolved


def cmd_run(args) -> int:
    from slsim.results.runner import TimelineWarning, run
    _check_common(args)
    params = _parse_sets(args.set)
    [scenario] = _validate([args.scenario], params, args.weeks)
    progress, update = _progress(f"running {args.scenario}")
    with progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", TimelineWarning)  # said above, once, as notes
        res = run(scenario, weeks=args.weeks, replicates=args.replicates, seed=args.seed, params=params,
                  processes=args.processes, progress=update)
    con = _console()
    con.print(_summary_table(res, f"{args.scenario}: mean of {_window(args)} over {args.replicates} "
                                  f"replicate(s)"))
    stem = Path(args.scenario).stem
    for p in _write_outputs(res, args, stem):
        con.print(f"wrote {p}")
    return 0


def cmd_follow(args) -> int:
    from rich.table import Table

    from slsim.results.story import follow
    _check_common(args)
    params = _parse_sets(args.set)
    a, b = _validate([args.a, args.b], params, args.weeks)
    if args.citizen is not None and not 0 <= args.citizen < a.params_with(params).n_citizens:
        raise UserError(f"--citizen {args.citizen}: allowed a row from 0 to {a.params_with(params).n_citizens - 1}")
    story = follow(a, b, seed=args.seed, weeks=args.weeks, citizen=args.citizen, params=params)
    console = _console()
    console.print(f"[bold]{story.name}[/bold], {story.age} (citizen {story.row}), seed {args.seed}: "
                  f"the same person, the same random events, two cultures.")
    table = Table(show_lines=True)
    for title, delayed in zip(story.titles, story.weeks_delayed):
        table.add_column(f"{title}\n{delayed} week{'s' * (delayed != 1)} fit but in a hospital bed", overflow="fold")
    left, right = ([e.sentence() for e in eps] for eps in story.episodes)
    for i in range(max(len(left), len(right))):
        table.add_row(left[i] if i < len(left) else "", right[i] if i < len(right) else "")
    console.print(table)
    return 0


def cmd_compare(args) -> int:
    from slsim.results.runner import TimelineWarning, compare
    _check_common(args)
    if len(args.scenarios) < 2:
        raise UserError("compare needs at least two scenarios, e.g. slsim compare blame_culture systems_leadership")
    params = _parse_sets(args.set)
    scenarios = _validate(args.scenarios, params, args.weeks)
    posterior = None
    if args.posterior is not None:
        from slsim.results.posterior import load_posterior
        posterior = load_posterior(args.posterior)
        both = sorted(set(posterior.parameters) & set(params))
        if both:
            raise UserError(f"--set {', '.join(both)}: also drawn from the posterior; set it or draw it, not both")
    progress, update = _progress("comparing " + " vs ".join(args.scenarios))
    with progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", TimelineWarning)  # said above, once, as notes
        cmp_ = compare(scenarios, weeks=args.weeks, replicates=args.replicates, seed=args.seed, params=params,
                       processes=args.processes, progress=update, posterior=posterior)
    con = _console()
    con.print(_difference_table(cmp_, _window(args)))
    if posterior is not None:
        con.print(f"Intervals carry parameter uncertainty and seed noise: each replicate drew "
                  f"{', '.join(posterior.parameters)} from the posterior '{posterior.name}' ({len(posterior.frame)} "
                  f"weighted sets), the same draw for every scenario.")
    else:
        con.print("Intervals carry seed noise only (the parameters are fixed); --posterior DIR adds a "
                  "calibration's parameter uncertainty.")
    stem = "_vs_".join(Path(s).stem for s in args.scenarios)
    paths = _write_outputs(cmp_, args, stem, extra={"differences": cmp_.differences()})
    for p in paths:
        con.print(f"wrote {p}")
    return 0


def _difference_table(cmp_, window: str = "the last 26 weeks"):
    from rich.table import Table

    from slsim.results.present import change_cells, label, level_title, number, scenario_label
    diffs = cmp_.differences()
    reps = int(diffs["replicates"].max()) if len(diffs) else 0
    others = [s for s in cmp_.scenarios if s != cmp_.baseline]
    table = Table(title=f"Mean of {window}, {reps} paired replicates (same seeds); change against "
                        f"{scenario_label(cmp_.baseline)} with 90% interval", title_justify="left")
    table.add_column("outcome")
    table.add_column(scenario_label(cmp_.baseline), justify="right")
    for sc in others:
        table.add_column(scenario_label(sc), justify="right")
        table.add_column("change", justify="right")
        table.add_column("90% interval", justify="right", style="dim")
    last = None
    for name, g in diffs.groupby("outcome", sort=False):
        first = g.iloc[0]
        if first["level"] != last:
            table.add_section()
            table.add_row(f"[bold]{level_title(first['level'])}[/bold]")
            last = first["level"]
        cells = [label(name), number(first["baseline_mean"])]
        for sc in others:
            r = g[g["scenario"] == sc].iloc[0]
            cells += [number(r["scenario_mean"]), *change_cells(r)]
        table.add_row(*cells)
    return table


def build_parser() -> argparse.ArgumentParser:
    from slsim import __version__
    parser = OneLineParser(prog="slsim", description="The systems leadership simulator.")
    parser.add_argument("--version", action="version", version=f"slsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("list", help="list the built-in scenarios")
    p.add_argument("-v", "--verbose", action="store_true", help="also print each narrative")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("params", help="list every parameter with its default, range, unit and help")
    from slsim.model.processes import BLOCKS
    p.add_argument("--group", choices=("place", "behaviour", "leadership", *(b.name for b in BLOCKS)),
                   help="only one group: the place, behaviour, leadership, or the coefficients of one process or "
                        "shared rule (e.g. hospital)")
    p.set_defaults(func=cmd_params)
    p = sub.add_parser("run", help="run one scenario (name or path to a YAML file)")
    p.add_argument("scenario")
    _common(p, replicates=5)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="run scenarios with the same seeds and show their differences")
    p.add_argument("scenarios", nargs="+")
    # Five paired replicates: with common random numbers per person they give a narrower interval on
    # delayed transfers than ten did before (benchmarks/bench_crn.py, docs/model.md).
    _common(p, replicates=5)
    p.add_argument("--posterior", type=Path, default=None, metavar="DIR",
                   help="a calibration's results folder: replicates draw the fitted parameters from its posterior")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("follow", help="one citizen's weeks under two scenarios, same place, same random events")
    p.add_argument("a", metavar="A", help="the first scenario (e.g. blame_culture)")
    p.add_argument("b", metavar="B", help="the second scenario (e.g. systems_leadership)")
    p.add_argument("--citizen", type=int, default=None, metavar="ROW",
                   help="a citizen's row (default: the one whose weeks waiting in a hospital bed differ most)")
    p.add_argument("--weeks", type=int, default=104, help="weeks to simulate (default 104)")
    p.add_argument("--seed", type=int, default=1, help="the place's seed (default 1)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    p.set_defaults(func=cmd_follow, replicates=1, processes=None, out=Path("."))
    _register_optional(sub)
    return parser


def _register_optional(sub) -> None:
    """Sub-commands from the optional parts (browser app, sweeps), when their modules exist."""
    import importlib
    for module in ("slsim.tools.app.cli", "slsim.tools.sweep.cli", "slsim.tools.calibration.cli",
                   "slsim.tools.workshop.cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name and (err.name == module or module.startswith(err.name + ".")):
                continue
            raise
        mod.register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except SlsimError as err:
        return print_error(err)
    except OSError as err:  # a file or folder the command was pointed at cannot be read or written
        return print_error(err)
    except KeyboardInterrupt:
        print("slsim: interrupted; files already written are complete, nothing half-written was kept",
              file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
