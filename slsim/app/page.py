"""The browser view (Solara): explore a scenario, compare two, intervene mid-run, learn the terms.

Start it with ``slsim app`` (or ``solara run slsim.app.page``). Rules the view keeps:

* Each browser session gets its own :class:`~slsim.app.state.Session` (``solara.use_memo`` in
  :func:`Page`): one user's changes never reach another's. Mesa's module-level pattern would share
  one model among all sessions.
* Play and comparisons run in threads (``solara.use_thread`` without intrusive cancel, which would
  slow Python code down by tracing it), so one session's comparison does not freeze the others.
  Comparisons large enough to be worth it run in worker processes (the run layer decides).
* Every number comes from the run layer's model and seeding (see :mod:`slsim.app.state`).
* Values typed into controls are refused with a message beside the control, never half-applied.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import solara

from ..metrics import LEVEL_TITLES, OUTCOMES, columns_by_level
from ..params import LEADERSHIP_FIELDS, ParameterError
from ..scenario import ScenarioError, list_scenarios, resolve_scenario
from . import charts
from .state import (
    APP_MAX,
    INTERVENTION_PARAMS,
    MAIN_PARAMS,
    MAX_WEEKS,
    PARAM_INFO,
    Session,
    allowed_text,
    first_scenario,
    format_value,
    label,
    outcome_help,
    parse_value,
    run_comparison,
    summary_sentences,
)

LEVELS = list(columns_by_level())
EVENT_KINDS = ["blame", "joint review", "pilot started", "pilot scaled", "pilot stopped", "timeline", "intervention"]
PLAY_DELAY_S = 0.25  # four weeks a second: fast enough to watch a year unfold, slow enough to follow

GLOSSARY: dict[str, str] = {
    "Delayed transfer of care": "A patient who is medically fit to leave hospital but is still in an acute bed, "
                                "usually waiting for an assessment, a care package or a place in step-down or "
                                "residential care. Counted here as 'delayed transfers'; the bed-days they use are "
                                "'delayed bed days'.",
    "Ceded leadership": "Leaders hand decisions to the people closest to the work: frontline teams, partner "
                        "organisations and citizens. It raises agency, so fewer staff wait for instruction.",
    "Co-production": "Designing support with the citizen from the start rather than consulting them on a "
                     "finished plan. Shown as 'early involvement share'.",
    "Psychological safety": "The shared belief in a team that it is safe to speak up, admit a mistake or report "
                            "an error without being punished for it.",
    "Systems leadership": "Leading across organisations that no one leader controls: by influence, a shared "
                          "ambition, ceding control and answering failure with joint review rather than blame.",
    "Blame culture": "Failures are answered by finding a person or another organisation at fault. People learn "
                     "to cover themselves and retreat behind their organisation's boundary.",
    "Defensiveness": "Retreat behind one's own boundary under threat: keeping to one's own targets, escalating "
                     "instead of acting, spending time on covering oneself (threat rigidity).",
    "Cross-boundary trust": "How far two organisations expect each other to act in good faith. It builds slowly "
                            "through small joint wins and collapses quickly when one blames the other.",
    "Working ties": "Relationships between staff of different organisations that make joint work easier. They "
                    "form from successful joint work and decay under blame.",
    "Trusted assessor": "A person from one organisation whose assessment another organisation accepts, so a "
                        "patient need not wait to be assessed twice before leaving hospital.",
    "Pilot (experiment)": "A small trial of a new way of working with an uncertain pay-off. It may be stopped, or "
                          "scaled when it works well enough.",
    "Clumsy solution": "An imperfect answer to a wicked problem that many parties can live with (Grint). "
                       "Leaders who accept partial gains scale such pilots instead of waiting for a perfect one.",
    "Step-down care": "Short-term community care (intermediate care) between hospital and home.",
    "Eligibility threshold": "The level of care need above which the council pays for home care. It rises when "
                             "money is short, so people with moderate needs go without.",
    "Pooled budget": "Part of the hospital's and the council's money held in common, so it can be spent where it "
                     "helps the whole place (e.g. home care that frees a hospital bed).",
    "Outsiders and insiders": "Citizens on the outside (marginalised, with least access to voice) are heard only "
                              "when staff reach out; insiders are heard more easily.",
    "Replicate": "One run of the same scenario with a different random seed. Several replicates show how much of "
                 "a result is luck.",
    "Same seeds (common random numbers)": "Two scenarios compared with the same seeds meet the same random events, "
                                          "so their difference reflects leadership, not luck.",
    "90% interval": "The range that holds the true average difference with 90% confidence, from the paired "
                    "replicates. An interval that crosses zero means no clear difference.",
    "Intervention": "A change made by a trainer mid-run (leadership style, pressure, budgets). It acts from the "
                    "next week on and is marked on every chart.",
}

TOUR: list[dict[str, Any]] = [
    {"title": "Welcome", "weeks": 0,
     "text": "This is the first scenario of the library: read its story on the left. The place has a hospital, "
             "community health, adult social care, primary care and the voluntary sector, serving a few thousand "
             "citizens. Press Next to run the first half-year (26 weeks)."},
    {"title": "The place as a network", "weeks": 26,
     "text": "Each big circle is an organisation, each dot a member of staff, coloured from blue (open) to red "
             "(defensive). The bands between organisations grow as their staff form working ties and are coloured "
             "by trust, red for low and green for high."},
    {"title": "How people think", "weeks": 0,
     "text": "The first group of charts: systems mindset, defensiveness, psychological safety and trust across "
             "boundaries. These move first when leadership changes."},
    {"title": "How people behave", "weeks": 0,
     "text": "The second group: time spent working across boundaries, citizens involved from the start, blame "
             "events, pilots started and scaled, staff waiting for instruction."},
    {"title": "What happens on the ground", "weeks": 0,
     "text": "The third group: delayed transfers of care, cancelled operations, home-care visit length, unmet "
             "need, staff turnover and money. These follow behaviour, with a lag."},
    {"title": "Why: the event log", "weeks": 0,
     "text": "Below the charts, the event log says in words what happened each week. Click a week to highlight "
             "it on every chart; filter by kind (blame, joint review, pilots...)."},
    {"title": "What to try next", "weeks": 0,
     "text": "In 'Intervene now', switch this place to another leadership style, then Play and watch what "
             "follows: the change is marked on every chart. Or open Compare to run two scenarios with the same "
             "seeds and see the bands and the differences in one sentence per group."},
]

CSS = """
.slsim-root { font-size: 14px; }
.slsim-hidden { display: none !important; }
.slsim-grid { display: flex; flex-wrap: wrap; gap: 8px; }
.slsim-cell { width: 250px; border: 1px solid #e5e7e9; border-radius: 4px; background: white; }
.slsim-cell svg, .slsim-net svg { width: 100%; height: auto; display: block; }
.slsim-net { width: 540px; max-width: 100%; border: 1px solid #e5e7e9; border-radius: 4px; }
.slsim-help { font-size: 12px; color: #566573; margin: -4px 0 10px 0; }
.slsim-error { color: #b03a2e; font-size: 13px; font-weight: 600; display: block; margin-bottom: 8px; }
.slsim-msg { color: #1e8449; font-size: 13px; }
.slsim-week { font-size: 22px; font-weight: 700; margin: 0 12px; }
.slsim-log { max-height: 360px; overflow-y: auto; font-size: 13px; }
.slsim-log table { border-collapse: collapse; width: 100%; }
.slsim-log td { padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.slsim-log tr.hl td { background: #fcf3cf; }
.slsim-sentence { font-size: 16px; margin: 4px 0; display: block; }
.slsim-code { font-family: monospace; font-size: 12px; background: #f4f6f7; padding: 6px; display: block;
              white-space: pre-wrap; word-break: break-all; }
.slsim-diff table { border-collapse: collapse; font-size: 12px; }
.slsim-diff td, .slsim-diff th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
.slsim-diff td:first-child, .slsim-diff th:first-child { text-align: left; }
.slsim-present { font-size: 22px; }
.slsim-present .slsim-cell { width: 420px; }
.slsim-present .slsim-net { width: 860px; }
.slsim-present .slsim-week { font-size: 36px; }
.slsim-present .slsim-sentence { font-size: 26px; }
.slsim-present .slsim-log { font-size: 20px; max-height: 600px; }
.slsim-present .v-btn { font-size: 18px !important; }
.slsim-present h2, .slsim-present h3 { font-size: 150%; }
"""


@dataclass(eq=False)
class Ui:
    """Per-session view state (all ``solara.Reactive``, made with ``use_reactive`` in Page)."""

    version: solara.Reactive[int]         # bumped whenever the model changes: charts re-read it
    setup_gen: solara.Reactive[int]       # bumped when set-up values are replaced (scenario pick, reset)
    highlight: solara.Reactive[Any]       # week highlighted on every chart, or None
    playing: solara.Reactive[bool]
    present: solara.Reactive[bool]
    tab: solara.Reactive[str]
    message: solara.Reactive[str]
    tour: solara.Reactive[Any]            # index into TOUR, or None
    hidden_kinds: solara.Reactive[list]  # event kinds switched off in the log
    only_week: solara.Reactive[bool]

    def changed(self, message: str | None = None) -> None:
        self.version.value = self.version.value + 1
        if message is not None:
            self.message.value = message


# ------------------------------------------------------------------------------------ explore
def _esc(text: str) -> str:
    import html
    return html.escape(str(text))


def _num(x: float) -> str:
    """A range end for a label: 50,000 rather than 5e+04."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _scenario_names() -> list[str]:
    names = list_scenarios()
    return names if "default" in names else names + ["default"]


@solara.component
def Words(html_text: str, classes: list[str] | None = None):
    """Text with simple HTML (no solara.Markdown: it fetches mermaid from a public CDN, which fails
    offline and would leave 'Could not load URL' in the server log)."""
    solara.HTML(tag="div", unsafe_innerHTML=html_text, classes=classes or [])


@solara.component
def ParamInput(session: Session, ui: Ui, name: str):
    """One labelled set-up control: unit and range in the label, a sentence of help below, and a
    refused value's message right beside it (the model keeps its previous value)."""
    info = PARAM_INFO[name]
    text, set_text = solara.use_state(format_value(session.setup_value(name)))
    error, set_error = solara.use_state("")

    def on_value(new: str | None):
        set_text(new or "")
        try:
            value = session.set_param(name, new)
        except (ParameterError, ScenarioError) as err:
            set_error(f"{err}; kept {format_value(session.setup_value(name))}")
            return
        set_error("")
        ui.playing.value = False
        ui.changed(f"{label(name)} set to {format_value(value)}: the run restarted at week 0")

    unit = f", {info['unit']}" if info["unit"] else ""
    hi = APP_MAX.get(name, info["max"])
    rng = f" {_num(info['min'])}-{_num(hi)}" if info["min"] is not None else ""
    with solara.Column(gap="0px", classes=[f"slsim-param-{name}"]):
        solara.InputText(f"{label(name)} ({rng.strip()}{unit})", value=text, on_value=on_value, error=bool(error),
                         dense=True, classes=[f"slsim-input-{name}"])
        if error:
            solara.Text(error, classes=["slsim-error", f"slsim-error-{name}"])
        tip = info["help"] + (f" Source: {info['source']}" if info.get("source") else "")
        with solara.Tooltip(tip):
            solara.Text(info["help"], classes=["slsim-help"])


@solara.component
def SetupPanel(session: Session, ui: Ui):
    gen = ui.setup_gen.value
    names = _scenario_names()
    seed_error, set_seed_error = solara.use_state("")

    def pick(name):
        session.set_scenario(name)
        ui.playing.value = False
        ui.highlight.value = None
        ui.setup_gen.value += 1
        ui.changed(f"scenario '{name}' loaded at week 0")

    def set_seed(text):
        try:
            session.set_seed(text)
        except ParameterError as err:
            set_seed_error(f"{err}; kept {session.seed}")
            return
        set_seed_error("")
        ui.playing.value = False
        ui.changed(f"seed {session.seed}: the run restarted at week 0")

    sc = resolve_scenario(session.scenario)
    with solara.Column(gap="6px"):
        solara.Select("Scenario", values=names, value=session.scenario, on_value=pick, classes=["slsim-scenario"])
        Words(f"<b>{_esc(sc.title)}</b><br>{_esc(sc.narrative)}", classes=["slsim-narrative"])
        with solara.Tooltip("The same seed gives the same run, here and in slsim.run(..., seed=...)"):
            solara.InputText("Seed (whole number from 0)", value=str(session.seed), on_value=set_seed,
                             error=bool(seed_error), dense=True, classes=["slsim-input-seed"])
        if seed_error:
            solara.Text(seed_error, classes=["slsim-error", "slsim-error-seed"])
        Words("<b>Set-up</b>: changing a value restarts the run at week 0.")
        with solara.Details("Leadership style", expand=True):
            for name in LEADERSHIP_FIELDS:
                ParamInput(session, ui, name).key(f"{name}-{gen}")
        with solara.Details("Pressure, money and size", expand=False):
            for name in MAIN_PARAMS:
                if name not in LEADERSHIP_FIELDS:
                    ParamInput(session, ui, name).key(f"{name}-{gen}")


@solara.component
def RunBar(session: Session, ui: Ui):
    """Step, play, pause, reset, and the week. Play steps in a thread until paused or MAX_WEEKS."""
    ui.version.value  # re-render with each week
    playing = ui.playing.value

    def loop(cancel):
        while playing and not cancel.is_set():
            if session.week >= MAX_WEEKS:
                ui.playing.value = False
                return
            session.step(1)
            ui.changed()
            cancel.wait(PLAY_DELAY_S)

    solara.use_thread(loop, dependencies=[playing], intrusive_cancel=False)

    def step(n):
        def go():
            session.step(n)
            ui.changed()
        return go

    def reset():
        ui.playing.value = False
        session.reset()
        ui.highlight.value = None
        ui.changed("reset to week 0 (interventions removed)")

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(f"Week {session.week}", classes=["slsim-week"])
        solara.Button("Step", on_click=step(1), color="primary", classes=["slsim-step"], disabled=playing)
        solara.Button("+13 weeks", on_click=step(13), classes=["slsim-step13"], disabled=playing)
        if playing:
            solara.Button("Pause", on_click=lambda: ui.playing.set(False), color="warning", classes=["slsim-pause"])
        else:
            solara.Button("Play", on_click=lambda: ui.playing.set(True), color="success", classes=["slsim-play"])
        solara.Button("Reset", on_click=reset, outlined=True, classes=["slsim-reset"])
        if ui.message.value:
            solara.Text(ui.message.value, classes=["slsim-msg"])


@solara.component
def TrainerPanel(session: Session, ui: Ui):
    """Intervene now: change leadership style, pressure or budgets from the next week on."""
    ui.version.value
    name, set_name = solara.use_state("ceding")
    text, set_text = solara.use_state("")
    error, set_error = solara.use_state("")
    styles = [n for n in _scenario_names() if n != "default"]
    style, set_style = solara.use_state("systems_leadership" if "systems_leadership" in styles else styles[0])

    def apply(changes_fn, what):
        try:
            iv = changes_fn()
        except ParameterError as err:
            set_error(str(err))
            return
        set_error("")
        ui.changed(f"intervention from week {iv.week}: {what}")

    def apply_typed():
        def do():
            value = parse_value(name, text)
            return session.intervene({name: value})
        apply(do, f"{label(name)} = {text}")

    info = PARAM_INFO[name]
    with solara.Card("Intervene now", subtitle="Acts from the next week on and is marked on every chart"):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Select("Parameter", values=list(INTERVENTION_PARAMS), value=name,
                          on_value=lambda v: (set_name(v), set_error("")), classes=["slsim-iv-param"],
                          style={"max-width": "300px"})
            solara.InputText(f"new value ({allowed_text(name)})", value=text, on_value=set_text,
                             continuous_update=True, error=bool(error), classes=["slsim-iv-value"],
                             style={"max-width": "320px"})
            solara.Button("Apply", on_click=apply_typed, color="primary", classes=["slsim-iv-apply"])
        solara.Text(f"now: {format_value(session.value(name))}. {info['help']}", classes=["slsim-help"])
        if error:
            solara.Text(error, classes=["slsim-error", "slsim-error-intervention"])
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Select("Leadership style of scenario", values=styles, value=style, on_value=set_style,
                          classes=["slsim-adopt-select"], style={"max-width": "300px"})
            solara.Button("Adopt this style", on_click=lambda: apply(lambda: session.switch_style(style),
                                                                     f"leadership style of '{label(style)}'"),
                          color="primary", classes=["slsim-adopt"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Cut social care budget 8%/yr", outlined=True, classes=["slsim-cut"],
                          on_click=lambda: apply(lambda: session.intervene(
                              {"social_care_budget_change_per_year": -0.08}, "social care budget cut by 8% a year"),
                              "social care budget cut"))
            solara.Button("Winter surge (crises +50%)", outlined=True, classes=["slsim-surge"],
                          on_click=lambda: apply(lambda: session.intervene(
                              {"crisis_rate": min(0.5, session.value("crisis_rate") * 1.5)},
                              "winter surge: crisis rate up by half"), "winter surge"))
            solara.Button("Pool budgets", outlined=True, classes=["slsim-pool"],
                          on_click=lambda: apply(lambda: session.intervene({"pooled_budget": True},
                                                                           "acute and social care pool budgets"),
                                                 "pooled budget"))
        if session.interventions:
            Words("Applied: " + "; ".join(f"week {iv.week}: {_esc(iv.note)}" for iv in session.interventions),
                  classes=["slsim-applied"])


@solara.component
def NetworkView(session: Session, ui: Ui):
    ui.version.value
    with session.lock:
        svg = charts.network_svg(session.model)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["slsim-net"])


@solara.component
def OutcomeCharts(session: Session, ui: Ui):
    """Every outcome of the live run, grouped thinking / behaving / on the ground."""
    ui.version.value
    highlight = ui.highlight.value
    res = session.results()
    marks = session.marks()
    weeks = res["week"].to_numpy() if len(res) else []
    for level, names in columns_by_level().items():
        cells = []
        for name in names:
            _, unit, _ = OUTCOMES[name]
            values = res[name].to_numpy() if len(res) else []
            svg = charts.line_chart(name, label(name), unit, outcome_help(name), weeks, values, marks, highlight)
            cells.append(f'<div class="slsim-cell">{svg}</div>')
        solara.HTML(tag="h3", unsafe_innerHTML=LEVEL_TITLES[level])
        solara.HTML(tag="div", unsafe_innerHTML="".join(cells), classes=["slsim-grid", f"slsim-level-{level}"])


@solara.component
def EventLog(session: Session, ui: Ui):
    """What happened, in words; a week button highlights that week on every chart."""
    ui.version.value
    highlight = ui.highlight.value
    log = session.events()
    # Kinds the model adds later appear too: the filter remembers what was switched OFF.
    all_kinds = EVENT_KINDS + sorted(set(log["kind"]) - set(EVENT_KINDS)) if len(log) else list(EVENT_KINDS)
    hidden = set(ui.hidden_kinds.value)
    kinds = [k for k in all_kinds if k not in hidden]
    shown = log[~log["kind"].isin(hidden)] if len(log) else log
    if ui.only_week.value and highlight is not None and len(shown):
        shown = shown[shown["week"] == highlight]
    with solara.Card("Event log", subtitle="Click a week to highlight it on every chart"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.SelectMultiple("Kinds shown", values=kinds, all_values=all_kinds,
                                  on_value=lambda chosen: ui.hidden_kinds.set(
                                      [k for k in all_kinds if k not in chosen]),
                                  classes=["slsim-kinds"])
            solara.Checkbox(label="only the highlighted week", value=ui.only_week)
            if highlight is not None:
                solara.Button(f"Clear highlight (week {highlight})", text=True, on_click=lambda: ui.highlight.set(None),
                              classes=["slsim-clear-hl"])
        if not len(shown):
            solara.Text("No events of these kinds yet.", classes=["slsim-help"])
            return
        weeks = sorted(shown["week"].unique(), reverse=True)[:12]
        with solara.Row(style={"flex-wrap": "wrap"}):
            for w in weeks:
                solara.Button(f"week {w}", text=True, on_click=lambda w=int(w): ui.highlight.set(w),
                              classes=["slsim-week-btn", f"slsim-week-btn-{w}"],
                              color="warning" if highlight == w else None)
        rows = []
        import html as _html
        for r in shown.iloc[::-1].head(200).itertuples():
            cls = ' class="hl"' if r.week == highlight else ""
            rows.append(f'<tr{cls} data-week="{r.week}" data-kind="{r.kind}"><td>{r.week}</td><td>{r.kind}</td>'
                        f"<td>{_html.escape(str(r.text))}</td></tr>")
        solara.HTML(tag="div", unsafe_innerHTML="<table>" + "".join(rows) + "</table>", classes=["slsim-log"])


@solara.component
def Reproduce(session: Session, ui: Ui):
    ui.version.value
    solara.Text("The same numbers from Python: import slsim; " + session.reproduce(), classes=["slsim-code"])


@solara.component
def ExportPanel(session: Session, ui: Ui):
    """Downloads are computed when clicked, from the session's state at that moment."""
    stem = f"slsim-{session.scenario}-seed{session.seed}"

    def png():
        return charts.run_png(session.results(), columns_by_level(), LEVEL_TITLES, session.marks(),
                              ui.highlight.value, f"{resolve_scenario(session.scenario).title} (seed {session.seed})",
                              large=ui.present.value)

    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: session.results().to_csv(index=False), filename=f"{stem}.csv",
                            label="Data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: session.events().to_csv(index=False), filename=f"{stem}-events.csv",
                            label="Event log (CSV)", mime_type="text/csv")
        solara.FileDownload(png, filename=f"{stem}.png", label="Charts (PNG)", mime_type="image/png")


@solara.component
def TourCard(session: Session, ui: Ui):
    i = ui.tour.value
    if i is None:
        return
    step = TOUR[i]

    def go(j):
        def do():
            if j is None or j >= len(TOUR):
                ui.tour.value = None
                return
            if TOUR[j]["weeks"]:
                session.step(TOUR[j]["weeks"])
                ui.changed()
            ui.tour.value = j
        return do

    with solara.Card(f"Guided tour {i + 1}/{len(TOUR)}: {step['title']}", classes=["slsim-tour"],
                     style={"background": "#fef9e7"}):
        Words(step["text"], classes=["slsim-tour-text"])
        with solara.Row():
            solara.Button("Back", on_click=go(i - 1), disabled=i == 0, classes=["slsim-tour-back"])
            solara.Button("Next" if i + 1 < len(TOUR) else "Finish", on_click=go(i + 1), color="primary",
                          classes=["slsim-tour-next"])
            solara.Button("Close", on_click=go(None), text=True)


@solara.component
def ExploreView(session: Session, ui: Ui):
    present = ui.present.value

    def main():
        TourCard(session, ui)
        RunBar(session, ui)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            NetworkView(session, ui)
            with solara.Column(style={"flex": "1", "min-width": "420px"}):
                TrainerPanel(session, ui)
                ExportPanel(session, ui)
                Reproduce(session, ui)
        OutcomeCharts(session, ui)
        EventLog(session, ui)

    if present:  # presentation: no set-up column, everything larger
        with solara.Column():
            main()
    else:
        with solara.Columns([1, 3]):
            with solara.Column():
                SetupPanel(session, ui)
            with solara.Column():
                main()


# ------------------------------------------------------------------------------------ compare
@dataclass(frozen=True)
class CompareRequest:
    baseline: str
    other: str
    weeks: int
    replicates: int
    seed: int
    nonce: float


@solara.component
def CompareView(session: Session, ui: Ui):
    """Two scenarios, same seeds, replicates as bands, one sentence per outcome group."""
    names = _scenario_names()
    base, set_base = solara.use_state("blame_culture" if "blame_culture" in names else names[0])
    other, set_other = solara.use_state("systems_leadership" if "systems_leadership" in names else names[-1])
    weeks_text, set_weeks = solara.use_state("104")
    reps_text, set_reps = solara.use_state("10")
    seed_text, set_seed = solara.use_state(str(session.seed))
    error, set_error = solara.use_state("")
    request, set_request = solara.use_state(None)
    progress = solara.use_reactive("")

    def start():
        try:
            weeks, reps, seed = (_whole(weeks_text, "weeks", 1, MAX_WEEKS), _whole(reps_text, "replicates", 2, 100),
                                 _whole(seed_text, "seed", 0, 2**63))
            if base == other:
                raise ParameterError("pick two different scenarios to compare")
        except ParameterError as err:
            set_error(str(err))
            return
        set_error("")
        set_request(CompareRequest(base, other, weeks, reps, seed, time.time()))

    def work(cancel):
        if request is None:
            return None
        t0 = time.perf_counter()
        progress.value = "running..."

        def tick(done, total):
            progress.value = f"running: {done} of {total} runs done"
        cmp_ = run_comparison(request.baseline, request.other, request.weeks, request.replicates, request.seed,
                              progress=tick)
        progress.value = ""
        return cmp_, time.perf_counter() - t0

    result = solara.use_thread(work, dependencies=[request], intrusive_cancel=False)

    with solara.Column():
        Words("<h3>Compare two scenarios</h3>Both run with the same seeds (common random numbers), so their "
              "difference reflects leadership, not luck. Bands: 5-95% of replicates; line: median.")
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "baseline"}):
            solara.Select("Baseline", values=names, value=base, on_value=set_base, classes=["slsim-cmp-a"],
                          style={"max-width": "260px"})
            solara.Select("Compared with", values=names, value=other, on_value=set_other, classes=["slsim-cmp-b"],
                          style={"max-width": "260px"})
            solara.InputText("weeks (1-520)", value=weeks_text, on_value=set_weeks, continuous_update=True,
                             classes=["slsim-cmp-weeks"], style={"max-width": "140px"})
            solara.InputText("replicates (2-100)", value=reps_text, on_value=set_reps, continuous_update=True,
                             classes=["slsim-cmp-reps"], style={"max-width": "160px"})
            solara.InputText("seed", value=seed_text, on_value=set_seed, continuous_update=True,
                             classes=["slsim-cmp-seed"], style={"max-width": "140px"})
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
    sentences = summary_sentences(comparison)
    scen = comparison.scenarios
    stem = "_vs_".join(scen)
    solara.Text(f"{request.replicates} replicates of {request.weeks} weeks each, seed {request.seed}, "
                f"{seconds:.1f} s. Same numbers from Python: slsim.compare({scen!r}, weeks={request.weeks}, "
                f"replicates={request.replicates}, seed={request.seed})",
                classes=["slsim-cmp-status", "slsim-cmp-done"])
    legend = " ".join(f'<span style="color:{charts.SCENARIO_COLOURS[i]};font-weight:bold">&#9632; {label(s)}</span>'
                      for i, s in enumerate(scen))
    solara.HTML(tag="div", unsafe_innerHTML=legend)
    for level, names in columns_by_level().items():
        solara.Text(sentences[level], classes=["slsim-sentence", f"slsim-sentence-{level}"])
    diffs = comparison.differences()
    for level, names in columns_by_level().items():
        cells = []
        for name in names:
            _, unit, _ = OUTCOMES[name]
            cells.append('<div class="slsim-cell">' + charts.band_chart(
                name, label(name), unit, outcome_help(name), comparison.band(name), scen) + "</div>")
        solara.HTML(tag="h3", unsafe_innerHTML=LEVEL_TITLES[level])
        solara.HTML(tag="div", unsafe_innerHTML="".join(cells), classes=["slsim-grid", f"slsim-cmp-level-{level}"])
    rows = ["<tr><th>outcome</th><th>unit</th><th>" + label(comparison.baseline) + "</th><th>" + label(scen[1])
            + "</th><th>change</th><th>90% interval</th></tr>"]
    for r in diffs.itertuples():
        pct = f"{r.percent:+.0f}%" if r.percent == r.percent else f"{r.difference:+.3g}"
        ci = (f"{r.percent_lo:+.0f}% to {r.percent_hi:+.0f}%" if r.percent_lo == r.percent_lo
              else (f"{r.lo:+.3g} to {r.hi:+.3g}" if r.lo == r.lo else "-"))
        rows.append(f'<tr data-outcome="{r.outcome}"><td>{label(r.outcome)}</td><td>{r.unit}</td>'
                    f"<td>{charts.fmt(r.baseline_mean)}</td><td>{charts.fmt(r.scenario_mean)}</td><td>{pct}</td>"
                    f"<td>{ci}</td></tr>")
    with solara.Details("All differences (mean of the last 26 weeks)", expand=False):
        solara.HTML(tag="div", unsafe_innerHTML="<table>" + "".join(rows) + "</table>", classes=["slsim-diff"])
    with solara.Row():
        solara.FileDownload(lambda: comparison.frame.to_csv(index=False), filename=f"{stem}.csv",
                            label="Data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: diffs.to_csv(index=False), filename=f"{stem}.differences.csv",
                            label="Differences (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: charts.comparison_png(comparison), filename=f"{stem}.png",
                            label="Charts (PNG)", mime_type="image/png")


# ------------------------------------------------------------------------------------ learn
@solara.component
def LearnView(session: Session, ui: Ui):
    def start_tour():
        session.set_scenario(first_scenario())
        ui.setup_gen.value += 1
        ui.playing.value = False
        ui.highlight.value = None
        ui.changed(f"guided tour: scenario '{session.scenario}' loaded")
        ui.tour.value = 0
        ui.tab.value = "Explore"

    with solara.Column():
        Words("<h3>Learn</h3>A short guided tour of the first scenario shows what each chart means and "
                        "what to try next. Hover over a chart or a control's help for plain-language help.")
        solara.Button("Start the guided tour", on_click=start_tour, color="primary", classes=["slsim-start-tour"])
        Words("<h3>Glossary</h3>")
        solara.HTML(tag="dl", unsafe_innerHTML="".join(
            f"<dt><b>{term}</b></dt><dd style='margin:0 0 10px 16px'>{text}</dd>" for term, text in GLOSSARY.items()),
            classes=["slsim-glossary"])


# ------------------------------------------------------------------------------------ page
@solara.component
def Page():
    # One model per browser session: use_memo runs once per session (never at module level).
    session = solara.use_memo(Session, dependencies=[])
    ui = Ui(version=solara.use_reactive(0), setup_gen=solara.use_reactive(0), highlight=solara.use_reactive(None),
            playing=solara.use_reactive(False), present=solara.use_reactive(False),
            tab=solara.use_reactive("Explore"), message=solara.use_reactive(""), tour=solara.use_reactive(None),
            hidden_kinds=solara.use_reactive([]), only_week=solara.use_reactive(False))
    ui = solara.use_memo(lambda: ui, dependencies=[])
    present = ui.present.value
    solara.Title("slsim: systems leadership simulator")
    solara.Style(CSS)
    with solara.Column(classes=["slsim-root"] + (["slsim-present"] if present else []), style={"padding": "8px"}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(tag="h2", unsafe_innerHTML="slsim &middot; systems leadership simulator")
            solara.ToggleButtonsSingle(value=ui.tab, values=["Explore", "Compare", "Learn"], classes=["slsim-tabs"])
            solara.Switch(label="Presentation mode", value=ui.present, classes=["slsim-present-switch"])
        # All three stay mounted (hidden when not chosen): a comparison keeps running and keeps its
        # result while the user explores.
        for name, view in (("Explore", ExploreView), ("Compare", CompareView), ("Learn", LearnView)):
            # A plain div: Vuetify's d-flex on a Column would override display:none (!important).
            hidden = [] if ui.tab.value == name else ["slsim-hidden"]
            with solara.Div(classes=[f"slsim-view-{name.lower()}", *hidden]):
                view(session, ui)
