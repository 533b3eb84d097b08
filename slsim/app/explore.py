"""The Explore room: one scenario's place week by week, the set-up, a trainer's interventions.

Rules: a set-up change restarts the run at week 0; a refused value leaves a message beside its
control and the model as it was; an intervention acts from the next week on and is marked on
every chart; every number drawn is read from the session's model (see :mod:`slsim.app.state`).
"""

from __future__ import annotations

import solara

from .. import present
from ..metrics import LEVEL_TITLES, columns_by_level
from ..params import LEADERSHIP_FIELDS, ParameterError
from ..present import label, value_text
from ..scenario import ScenarioError
from . import charts
from .learn import TourCard
from .state import APP_MAX, INTERVENTION_PARAMS, MAIN_PARAMS, MAX_WEEKS, PARAM_INFO, Session
from .widgets import Ui, Words, esc, grid, scenario_names

EVENT_KINDS = ["blame", "joint review", "pilot started", "pilot scaled", "pilot stopped", "timeline", "intervention"]
PLAY_DELAY_S = 0.25  # four weeks a second: fast enough to watch a year unfold, slow enough to follow


@solara.component
def ParamInput(session: Session, ui: Ui, name: str):
    """One labelled set-up control: unit and range in the label, a sentence of help below, and a
    refused value's message right beside it (the model keeps its previous value)."""
    info = PARAM_INFO[name]
    text, set_text = solara.use_state(value_text(session.setup_value(name)))
    error, set_error = solara.use_state("")

    def on_value(new: str | None):
        set_text(new or "")
        try:
            value = session.set_param(name, new)
        except (ParameterError, ScenarioError) as err:
            set_error(f"{err}; kept {value_text(session.setup_value(name))}")
            return
        set_error("")
        ui.playing.value = False
        ui.changed(f"{label(name)} set to {value_text(value)}: the run restarted at week 0")

    unit = f", {info['unit']}" if info["unit"] else ""
    rng = present.parameter_range(name, APP_MAX.get(name))
    with solara.Column(gap="0px", classes=[f"slsim-param-{name}"]):
        solara.InputText(f"{label(name)} ({rng}{unit})", value=text, on_value=on_value, error=bool(error),
                         dense=True, classes=[f"slsim-input-{name}"])
        if error:
            solara.Text(error, classes=["slsim-error", f"slsim-error-{name}"])
        tip = info["help"] + (f" Source: {info['source']}" if info.get("source") else "")
        with solara.Tooltip(tip):
            solara.Text(info["help"], classes=["slsim-help"])


@solara.component
def SetupPanel(session: Session, ui: Ui):
    """Scenario, its story, the seed and the set-up controls (read from the session, no file)."""
    gen = ui.setup_gen.value
    names = scenario_names()
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

    sc = session.spec
    with solara.Column(gap="6px"):
        solara.Select("Scenario", values=names, value=session.scenario, on_value=pick, classes=["slsim-scenario"])
        Words(f"<b>{esc(sc.title)}</b><br>{esc(sc.narrative)}", classes=["slsim-narrative"])
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
    styles = [n for n in scenario_names() if n != "default"]
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
        apply(lambda: session.intervene_typed(name, text), f"{label(name)} = {text}")

    info = PARAM_INFO[name]
    with solara.Card("Intervene now", subtitle="Acts from the next week on and is marked on every chart"):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Select("Parameter", values=list(INTERVENTION_PARAMS), value=name,
                          on_value=lambda v: (set_name(v), set_error("")), classes=["slsim-iv-param"],
                          style={"max-width": "300px"})
            solara.InputText(f"new value ({present.allowed_text(name)})", value=text, on_value=set_text,
                             continuous_update=True, error=bool(error), classes=["slsim-iv-value"],
                             style={"max-width": "320px"})
            solara.Button("Apply", on_click=apply_typed, color="primary", classes=["slsim-iv-apply"])
        solara.Text(f"now: {value_text(session.value(name))}. {info['help']}", classes=["slsim-help"])
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
            Words("Applied: " + "; ".join(f"week {iv.week}: {esc(iv.note)}" for iv in session.interventions),
                  classes=["slsim-applied"])


@solara.component
def NetworkView(session: Session, ui: Ui):
    """The place as a network at the current week (see :func:`.charts.network_svg`)."""
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
        cells = [charts.line_chart(name, label(name), present.unit(name), present.outcome_help(name), weeks,
                                   res[name].to_numpy() if len(res) else [], marks, highlight) for name in names]
        solara.HTML(tag="h3", unsafe_innerHTML=present.level_title(level))
        grid(cells, [f"slsim-level-{level}"])


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
        for r in shown.iloc[::-1].head(200).itertuples():
            cls = ' class="hl"' if r.week == highlight else ""
            rows.append(f'<tr{cls} data-week="{r.week}" data-kind="{r.kind}"><td>{r.week}</td><td>{r.kind}</td>'
                        f"<td>{esc(r.text)}</td></tr>")
        solara.HTML(tag="div", unsafe_innerHTML="<table>" + "".join(rows) + "</table>", classes=["slsim-log"])


@solara.component
def Reproduce(session: Session, ui: Ui):
    """The Python call that gives exactly the numbers on screen."""
    ui.version.value
    solara.Text("The same numbers from Python: import slsim; " + session.reproduce(), classes=["slsim-code"])


@solara.component
def ExportPanel(session: Session, ui: Ui):
    """Downloads are computed when clicked, from the session's state at that moment."""
    stem = f"slsim-{session.scenario}-seed{session.seed}"

    def png():
        return charts.run_png(session.results(), columns_by_level(), LEVEL_TITLES, session.marks(),
                              ui.highlight.value, f"{session.spec.title} (seed {session.seed})",
                              large=ui.present.value)

    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: session.results().to_csv(index=False), filename=f"{stem}.csv",
                            label="Data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: session.events().to_csv(index=False), filename=f"{stem}-events.csv",
                            label="Event log (CSV)", mime_type="text/csv")
        solara.FileDownload(png, filename=f"{stem}.png", label="Charts (PNG)", mime_type="image/png")


@solara.component
def ExploreView(session: Session, ui: Ui):
    """The whole room; presentation mode drops the set-up column and enlarges the rest."""
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
