"""The Compare room: two scenarios, or the live run against its own baseline, with the same seeds;
bands, one sentence per outcome group.

The comparison is waited for in a background thread (``solara.use_thread``) while its replicates
run in worker processes through the execution layer (as ``slsim compare`` does), so the user can
keep exploring and other sessions keep stepping; its words and formats come from :mod:`slsim.results.present`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import solara

from slsim.limits import MAX_SEED
from slsim.model.metrics import columns_by_level
from slsim.model.params import ParameterError
from slsim.results import present
from slsim.results.posterior import shipped_posterior
from slsim.results.present import label
from slsim.tools import charts
from slsim.tools.app.state import MAX_WEEKS, Session, run_comparison, run_live_comparison
from slsim.tools.app.widgets import Ui, Words, grid, scenario_names, scenario_titles

SCENARIOS, LIVE = "Two scenarios", "Your live run and its baseline"


@dataclass(frozen=True)
class CompareRequest:
    """One press of "Run comparison"; ``nonce`` makes pressing again with the same values rerun it."""

    baseline: str
    other: str
    weeks: int
    replicates: int
    seed: int
    nonce: float
    live: bool = False
    uncertain: bool = False  # replicates draw parameters from the shipped calibration's posterior


@solara.component
def CompareView(session: Session, ui: Ui):
    """Two scenarios, same seeds, replicates as bands, one sentence per outcome group."""
    names = scenario_names()
    titles = scenario_titles(names)
    by_title = {t: n for n, t in titles.items()}
    what, set_what = solara.use_state(SCENARIOS)
    base, set_base = solara.use_state("blame_culture" if "blame_culture" in names else names[0])
    other, set_other = solara.use_state("systems_leadership" if "systems_leadership" in names else names[-1])
    weeks_text, set_weeks = solara.use_state("104")
    # Five paired replicates: each person's random events are common to both scenarios, so five give
    # a narrower interval on delays than ten did before (docs/model.md, section 5).
    reps_text, set_reps = solara.use_state("5")
    seed_text, set_seed = solara.use_state(str(session.seed))
    error, set_error = solara.use_state("")
    request, set_request = solara.use_state(None)
    progress = solara.use_reactive("")
    posterior = solara.use_memo(shipped_posterior, dependencies=[])
    uncertain, set_uncertain = solara.use_state(False)

    def start():
        try:
            weeks, reps, seed = (_whole(weeks_text, "weeks", 1, MAX_WEEKS), _whole(reps_text, "replicates", 2, 100),
                                 _whole(seed_text, "seed", 0, MAX_SEED))
            live = what == LIVE
            if live:
                from slsim.tools.app.state import live_changes
                if not live_changes(session) and not (session.interventions or session.scheduled):
                    raise ParameterError("your live run has no set-up change or intervention yet: nothing to "
                                         "compare with its baseline")
            elif base == other:
                raise ParameterError("pick two different scenarios to compare")
        except ParameterError as err:
            set_error(str(err))
            return
        set_error("")
        set_request(CompareRequest(session.scenario if live else base, "live" if live else other, weeks, reps, seed,
                                   time.time(), live, uncertain and posterior is not None))

    def work(cancel):
        if request is None:
            return None
        t0 = time.perf_counter()
        progress.value = "running..."

        def tick(done, total):
            progress.value = f"running: {done} of {total} runs done"
        drawn = posterior if request.uncertain else None
        if request.live:
            cmp_ = run_live_comparison(session, request.weeks, request.replicates, request.seed, progress=tick,
                                       posterior=drawn)
        else:
            cmp_ = run_comparison(request.baseline, request.other, request.weeks, request.replicates, request.seed,
                                  progress=tick, posterior=drawn)
        progress.value = ""
        return cmp_, time.perf_counter() - t0

    result = solara.use_thread(work, dependencies=[request], intrusive_cancel=False)

    with solara.Column():
        Words("<h3>Compare two scenarios</h3>Both run with the same seeds (common random numbers), so their "
              "difference reflects leadership, not luck. Bands: 5-95% of replicates; line: median.")
        solara.ToggleButtonsSingle(value=what, values=[SCENARIOS, LIVE], on_value=set_what, classes=["slsim-cmp-what"])
        if what == LIVE:
            Words(f"Your live run ({len(session.interventions) + len(session.scheduled)} interventions, "
                  f"{len(session.overrides)} set-up changes) against <b>{titles.get(session.scenario, '')}</b> as the "
                  "library has it, in the same place and with the same seeds.", classes=["slsim-cmp-live"])
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "baseline"}):
            if what == SCENARIOS:
                solara.Select("Baseline", values=list(titles.values()), value=titles[base],
                              on_value=lambda t: set_base(by_title.get(t, base)), classes=["slsim-cmp-a"],
                              style={"max-width": "320px"})
                solara.Select("Compared with", values=list(titles.values()), value=titles[other],
                              on_value=lambda t: set_other(by_title.get(t, other)), classes=["slsim-cmp-b"],
                              style={"max-width": "320px"})
            solara.InputText(f"weeks: a whole number from 1 to {MAX_WEEKS}", value=weeks_text, on_value=set_weeks,
                             continuous_update=True,
                             classes=["slsim-cmp-weeks"], style={"max-width": "260px"})
            solara.InputText("replicates: a whole number from 2 to 100", value=reps_text, on_value=set_reps,
                             continuous_update=True,
                             classes=["slsim-cmp-reps"], style={"max-width": "280px"})
            solara.InputText("seed: a whole number from 0", value=seed_text, on_value=set_seed, continuous_update=True,
                             classes=["slsim-cmp-seed"], style={"max-width": "220px"})
            if posterior is not None:
                solara.Switch(label="Include parameter uncertainty (England calibration)", value=uncertain,
                              on_value=set_uncertain, classes=["slsim-cmp-uncertain"])
            solara.Button("Run comparison", on_click=start, color="primary", classes=["slsim-cmp-run"],
                          disabled=result.state == solara.ResultState.RUNNING)
        if error:
            solara.Text(error, classes=["slsim-error", "slsim-error-compare"])
        if result.state == solara.ResultState.RUNNING:
            solara.ProgressLinear(True)
            solara.Text(progress.value or "running...", classes=["slsim-cmp-status"])
        elif result.state == solara.ResultState.ERROR:
            solara.Text(f"The comparison failed: {result.error}", classes=["slsim-error"])
        elif result.value is not None:
            CompareResult(*result.value, request=request)


def _whole(text: str, what: str, lo: int, hi: int) -> int:
    raw = (text or "").strip()
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ParameterError(f"{what}: '{raw}' is not allowed; a whole number from {lo} to {hi}")
    return int(raw)


@solara.component
def CompareResult(comparison, seconds: float, request: CompareRequest):
    """A finished comparison: how it was run, sentences, band charts, the table and downloads."""
    sentences = present.summary_sentences(comparison)
    scen = comparison.scenarios
    stem = "_vs_".join(scen)
    python = ("" if request.live else f" Same numbers from Python: slsim.compare({scen!r}, weeks={request.weeks}, "
              f"replicates={request.replicates}, seed={request.seed})")
    solara.Text(f"{request.replicates} replicates of {request.weeks} weeks each, seed {request.seed}, "
                f"{seconds:.1f} s.{python}", classes=["slsim-cmp-status", "slsim-cmp-done"])
    drawn = comparison.meta.get("posterior")
    solara.Text("Bands carry parameter uncertainty and seed noise: each replicate drew "
                f"{', '.join(drawn['parameters'])} from the England calibration's posterior."
                if drawn else "Bands carry seed noise only: every replicate has the same parameters.",
                classes=["slsim-cmp-uncertainty"])
    legend = " ".join(f'<span style="color:{present.colour(i)};font-weight:bold">&#9632; '
                      f'{present.scenario_label(s)}</span>' for i, s in enumerate(scen))
    solara.HTML(tag="div", unsafe_innerHTML=legend)
    for level, names in columns_by_level().items():
        solara.Text(sentences[level], classes=["slsim-sentence", f"slsim-sentence-{level}"])
    diffs = comparison.differences()
    for level, names in columns_by_level().items():
        cells = [charts.band_chart(name, label(name), present.unit_text(name), present.outcome_help(name),
                                   comparison.band(name), scen) for name in names]
        solara.HTML(tag="h3", unsafe_innerHTML=present.level_title(level))
        grid(cells, [f"slsim-cmp-level-{level}"])
    with solara.Details(f"All differences (mean of {present.window_text(request.weeks)})", expand=False):
        solara.HTML(tag="div", unsafe_innerHTML=differences_table(comparison.baseline, scen[1], diffs),
                    classes=["slsim-diff"])
    if not request.live:
        StoryPanel(request)
    with solara.Row():
        solara.FileDownload(lambda: comparison.frame.to_csv(index=False), filename=f"{stem}.csv",
                            label="Data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: diffs.to_csv(index=False), filename=f"{stem}.differences.csv",
                            label="Differences (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: charts.comparison_png(comparison), filename=f"{stem}.png",
                            label="Charts (PNG)", mime_type="image/png")


@solara.component
def StoryPanel(request: CompareRequest):
    """One citizen's weeks under both scenarios, on the comparison's seed: told on request (it runs the
    place twice more, a few seconds at the demo's size)."""
    asked, set_asked = solara.use_state(False)

    def work(cancel):
        return story_html(request.baseline, request.other, request.seed, request.weeks) if asked else None

    result = solara.use_thread(work, dependencies=[asked, request], intrusive_cancel=False)
    with solara.Details("One person's story: the same citizen, the same random events, under both", expand=False):
        if not asked:
            solara.Button("Tell one person's story", on_click=lambda: set_asked(True), classes=["slsim-story-start"])
        elif result.state == solara.ResultState.FINISHED and result.value:
            solara.HTML(tag="div", unsafe_innerHTML=result.value, classes=["slsim-story"])
        elif result.state == solara.ResultState.ERROR:
            solara.Text(f"The story failed: {result.error}", classes=["slsim-error"])
        else:
            solara.Text("Running the place under both scenarios...", classes=["slsim-cmp-status"])


def story_html(baseline: str, other: str, seed: int, weeks: int) -> str:
    """The citizen whose weeks in a hospital bed differ most, told side by side as an HTML table
    (from ``slsim.follow``; names are invented and escaped as text)."""
    from slsim.results.story import follow
    return follow(baseline, other, seed=seed, weeks=weeks).html()


def differences_table(baseline: str, other: str, diffs) -> str:
    """The differences as an HTML table, one row per outcome, in the command line's formats."""
    rows = [f"<tr><th>outcome</th><th>unit</th><th>{present.scenario_label(baseline)}</th>"
            f"<th>{present.scenario_label(other)}</th><th>change</th><th>90% interval</th></tr>"]
    for _, r in diffs.iterrows():
        change, interval = present.change_cells(r)
        rows.append(f'<tr data-outcome="{r.outcome}"><td>{label(r.outcome)}</td><td>{r.unit}</td>'
                    f"<td>{present.number(r.baseline_mean)}</td><td>{present.number(r.scenario_mean)}</td>"
                    f"<td>{change}</td><td>{interval}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"
