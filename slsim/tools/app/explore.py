"""The Explore room: one scenario's place week by week, the set-up, a trainer's interventions.

Rules: a set-up change restarts the run at week 0; a refused value leaves a message beside its
control and the model as it was; an intervention acts from the next week on and is marked on
every chart; every number drawn is read from the session's model (see :mod:`slsim.tools.app.state`).

The room's widget tree is the same in both modes: presentation mode only changes CSS classes
(the set-up column hides, the trainer controls become a drawer, the headline charts appear).
Rebuilding the tree on a toggle used to close the download buttons' widgets under the browser,
whose first click then did nothing ("Syncing error: no comm channel defined").
"""

from __future__ import annotations

import math

import solara

from slsim.model.metrics import LEVEL_TITLES, columns_by_level
from slsim.model.params import LEADERSHIP_FIELDS, ParameterError, Params
from slsim.model.scenario import ScenarioError
from slsim.results import present
from slsim.results.present import label, parameter_label, value_text
from slsim.tools import charts
from slsim.tools.app.learn import TourCard
from slsim.tools.app.state import APP_MAX, INTERVENTION_PARAMS, MAIN_PARAMS, MAX_WEEKS, PARAM_INFO, Session
from slsim.tools.app.widgets import Ui, Words, esc, grid, scenario_names, scenario_titles

EVENT_KINDS = ["blame", "joint review", "pilot started", "pilot scaled", "pilot stopped", "timeline", "intervention"]
MESSAGE_WEEKS = 4  # an action's message shows until the run is this many weeks further on
PLAY_DELAY_S = 0.25  # four weeks a second: fast enough to watch a year unfold, slow enough to follow


def _is_bool(name: str) -> bool:
    return Params.model_fields[name].annotation is bool


def _slider_step(lo: float, hi: float) -> float:
    """About a hundred steps over the range, at a round value (0.01 for 0-1)."""
    return 10 ** math.floor(math.log10((hi - lo) / 100)) if hi > lo else 0.01


def _help(name: str) -> str:
    info = PARAM_INFO[name]
    return info["help"] + (f" Source: {info['source']}" if info.get("source") else "")


@solara.component
def HelpText(text: str, summary: str = "What is this?"):
    """Help that opens on a tap as well as on a click (a tooltip never shows on a touch screen)."""
    solara.HTML(tag="details", unsafe_innerHTML=f"<summary>{esc(summary)}</summary>{esc(text)}",
                classes=["slsim-help"])


@solara.component
def ParamInput(session: Session, ui: Ui, name: str):
    """One set-up control in words: a switch for yes/no, a slider with a box for exact values for
    a range, a box for a count; the range and unit in the label and in any refusal alike, a
    sentence of help below, and a refused value's message right beside it (the model keeps its
    previous value)."""
    info = PARAM_INFO[name]
    text, set_text = solara.use_state(present.input_text(session.setup_value(name)))
    error, set_error = solara.use_state("")

    def on_value(new):
        if isinstance(new, float):  # a slider's float noise (0.7000000000000001) is not the user's value
            new = round(new, 6)
        set_text(value_text(new) if isinstance(new, (bool, float)) else (new or ""))
        try:
            value = session.set_param(name, new)
        except (ParameterError, ScenarioError) as err:
            set_error(f"{err}; kept {value_text(session.setup_value(name))}")
            return
        set_text(present.input_text(value))
        set_error("")
        ui.playing.value = False
        ui.changed(f"{parameter_label(name)} set to {value_text(value)}: the run restarted at week 0")

    allowed = present.allowed_text(name, APP_MAX.get(name))
    with solara.Column(gap="0px", classes=["slsim-param", f"slsim-param-{name}"]):
        if _is_bool(name):
            solara.Switch(label=f"{parameter_label(name)} (yes or no)", value=bool(session.setup_value(name)),
                          on_value=on_value, classes=[f"slsim-switch-{name}"])
        elif info["min"] is not None and info["max"] is not None and Params.model_fields[name].annotation is float:
            lo, hi = float(info["min"]), float(APP_MAX.get(name, info["max"]))
            current = float(session.setup_value(name))
            with solara.Div(classes=["slsim-slider", f"slsim-slider-{name}"]):
                solara.SliderFloat(parameter_label(name), value=current, min=lo, max=hi, step=_slider_step(lo, hi),
                                   on_value=on_value, thumb_label=False)
            # its own name in the box's label too: a screen reader announces the box alone
            solara.InputText(f"{parameter_label(name)}, exact: {allowed}", value=text, on_value=on_value,
                             error=bool(error),
                             dense=True, classes=[f"slsim-input-{name}"])
        else:
            solara.InputText(f"{parameter_label(name)}: {allowed}", value=text, on_value=on_value,
                             error=bool(error), dense=True, classes=[f"slsim-input-{name}"])
        if error:
            solara.Text(error, classes=["slsim-error", f"slsim-error-{name}"])
        HelpText(_help(name))


@solara.component
def SetupPanel(session: Session, ui: Ui):
    """Scenario (by its title), its story, the seed and the set-up controls (read from the session, no file)."""
    gen = ui.setup_gen.value
    names = scenario_names()
    titles = scenario_titles(names)
    by_title = {t: n for n, t in titles.items()}
    seed_error, set_seed_error = solara.use_state("")

    def pick(title):
        name = by_title.get(title, title)
        session.set_scenario(name)
        ui.playing.value = False
        ui.highlight.value = None
        ui.setup_gen.value += 1
        ui.changed(f"scenario '{titles.get(name, name)}' loaded at week 0")

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
        solara.Select("Scenario", values=list(titles.values()), value=titles.get(session.scenario, sc.title),
                      on_value=pick, classes=["slsim-scenario"])
        Words(f"<b>{esc(sc.title)}</b><br>{esc(sc.narrative)}", classes=["slsim-narrative"])
        solara.InputText("Seed (a whole number from 0)", value=str(session.seed), on_value=set_seed,
                         error=bool(seed_error), dense=True, classes=["slsim-input-seed"])
        if seed_error:
            solara.Text(seed_error, classes=["slsim-error", "slsim-error-seed"])
        HelpText("The same seed gives the same run, here and in slsim.run(..., seed=...).")
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
    """Step, play, pause, reset, undo, the week, and (in presentation mode) the drawer's button."""
    ui.version.value  # re-render with each week
    playing = ui.playing.value

    def loop(cancel):
        while playing and not cancel.is_set():
            if session.week >= MAX_WEEKS:
                ui.playing.value = False
                return
            ui.rendered.clear()
            session.step(1)
            ui.changed()
            # the next week only once this one is drawn (Solara gives up on a render loop that
            # another thread keeps changing), then the pause that sets the pace
            ui.rendered.wait(timeout=10)
            cancel.wait(PLAY_DELAY_S)

    solara.use_thread(loop, dependencies=[playing], intrusive_cancel=False)
    solara.use_effect(ui.rendered.set, [ui.version.value])  # effects run once the render is done

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

    def undo():
        try:
            iv = session.undo()
        except ParameterError as err:
            ui.changed(str(err))
            return
        ui.changed(f"undone: {iv.note.removeprefix('Trainer: ')} (week {iv.week}); the run is back at week "
                   f"{session.week} without it")

    smooth = ui.smooth_on()
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, classes=["slsim-runbar"]):
        solara.Text(f"Week {session.week}", classes=["slsim-week"])
        solara.Button("Step", on_click=step(1), color="primary", classes=["slsim-step"], disabled=playing)
        solara.Button("+13 weeks", on_click=step(13), classes=["slsim-step13"], disabled=playing)
        if playing:
            solara.Button("Pause", on_click=lambda: ui.playing.set(False), classes=["slsim-pause"])
        else:
            solara.Button("Play", on_click=lambda: ui.playing.set(True), classes=["slsim-play"])
        solara.Button("Reset", on_click=reset, outlined=True, classes=["slsim-reset"])
        solara.Button("Undo last intervention", on_click=undo, outlined=True, classes=["slsim-undo"],
                      disabled=playing or not (session.interventions or session.scheduled))
        solara.Switch(label="Smooth weekly counts", value=smooth, on_value=lambda v: ui.smooth.set(bool(v)),
                      classes=["slsim-smooth-switch"])
        solara.Button("Trainer controls", on_click=lambda: ui.drawer.set(not ui.drawer.value), outlined=True,
                      classes=["slsim-drawer-btn"])
        # a message says what the last action did; once the run is MESSAGE_WEEKS on, it is old news
        # (on a projector it read as if it had just happened)
        said_at = solara.use_memo(lambda: session.week, [ui.message.value])
        if ui.message.value and session.week - said_at <= MESSAGE_WEEKS:
            solara.Text(ui.message.value, classes=["slsim-msg"])


@solara.component
def TrainerPanel(session: Session, ui: Ui):
    """Intervene now: change leadership style, pressure or budgets from the next week on."""
    ui.version.value
    by_label = {parameter_label(n): n for n in INTERVENTION_PARAMS}
    name, set_name = solara.use_state("ceding")
    text, set_text = solara.use_state("")
    error, set_error = solara.use_state("")
    styles = [n for n in scenario_names() if n != "default"]
    titles = scenario_titles(styles)
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
        apply(lambda: session.intervene_typed(name, text), f"{parameter_label(name)} = {text}")

    with solara.Card("Intervene now", subtitle="Acts from the next week on and is marked on every chart",
                     classes=["slsim-trainer"]):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Select("What to change", values=list(by_label), value=parameter_label(name),
                          on_value=lambda v: (set_name(by_label.get(v, name)), set_text(""), set_error("")),
                          classes=["slsim-iv-param"], style={"max-width": "320px"})
            if _is_bool(name):
                solara.Switch(label="yes", value=bool(session.value(name)),
                              on_value=lambda v: apply(lambda: session.intervene({name: bool(v)}),
                                                       f"{parameter_label(name)} = {value_text(bool(v))}"),
                              classes=["slsim-iv-switch"])
            else:
                solara.InputText(f"new value: {present.allowed_text(name)}", value=text, on_value=set_text,
                                 continuous_update=True, error=bool(error), classes=["slsim-iv-value"],
                                 style={"max-width": "340px"})
                solara.Button("Apply", on_click=apply_typed, color="primary", classes=["slsim-iv-apply"])
        solara.Text(f"now: {value_text(session.value(name))}.", classes=["slsim-now"])
        HelpText(_help(name))
        if error:
            solara.Text(error, classes=["slsim-error", "slsim-error-intervention"])
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Select("Leadership style of", values=[titles[n] for n in styles], value=titles[style],
                          on_value=lambda t: set_style(next((n for n in styles if titles[n] == t), style)),
                          classes=["slsim-adopt-select"], style={"max-width": "320px"})
            solara.Button("Adopt this style", on_click=lambda: apply(lambda: session.switch_style(style),
                                                                     f"leadership style of '{titles[style]}'"),
                          color="primary", classes=["slsim-adopt"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Cut social care budget 8%/yr", outlined=True, classes=["slsim-cut"],
                          on_click=lambda: apply(lambda: session.intervene(
                              {"social_care_budget_change_per_year": -0.08}, "social care budget cut by 8% a year"),
                              "social care budget cut"))
            solara.Button("Winter surge (as the scenario's)", outlined=True, classes=["slsim-surge"],
                          on_click=lambda: apply(session.winter_surge, "winter surge"))
            solara.Button("Pool budgets", outlined=True, classes=["slsim-pool"],
                          on_click=lambda: apply(lambda: session.intervene({"pooled_budget": True},
                                                                           "acute and social care pool budgets"),
                                                 "pooled budget"))
        every = session.interventions + session.scheduled
        if every:
            Words("Applied: " + "; ".join(f"week {iv.week}: {esc(iv.note)}"
                                          + (" (to come)" if iv in session.scheduled else "") for iv in every),
                  classes=["slsim-applied"])


@solara.component
def NetworkView(session: Session, ui: Ui):
    """The place as a network at the current week (see :func:`.charts.network_svg`); staff ties on demand."""
    ui.version.value
    with session.lock:
        svg = charts.network_svg(session.model, staff_ties=ui.staff_ties.value)
    with solara.Div(classes=["slsim-net-box"]):
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["slsim-net"])
        solara.Switch(label="show staff ties", value=ui.staff_ties, classes=["slsim-staff-ties-box"])
        if ui.present.value:
            HeadlineNotes(session, ui)


def _chart(name: str, res, marks, highlight, smooth: bool, w: int = 260, h: int = 170) -> str:
    weeks = res["week"].to_numpy() if len(res) else []
    return charts.line_chart(name, label(name), present.unit_text(name), present.outcome_help(name), weeks,
                             res[name].to_numpy() if len(res) else [], marks, highlight, w=w, h=h, smooth=smooth)


@solara.component
def HeadlineCharts(session: Session, ui: Ui):
    """Presentation mode's charts: the headline outcomes, each with its sentence."""
    ui.version.value
    res = session.results()
    marks = session.marks()
    smooth = ui.smooth_on()
    cells = []
    for name in present.HEADLINE_OUTCOMES:
        svg = _chart(name, res, marks, ui.highlight.value, smooth, w=220, h=140)
        first = float(res[name].iloc[0]) if len(res) else math.nan
        # the sentence reads the number the chart's line ends on: a weekly count's trailing mean
        # when the charts are smoothed, else the week's own value
        averaged = smooth and present.is_weekly_count(name) and len(res) > 2
        now = (float(charts.smoothed(res[name].to_numpy())[-1]) if averaged else
               float(res[name].iloc[-1]) if len(res) else math.nan)
        sentence = present.trend_sentence(name, first, now, session.week, int(res["week"].iloc[0]) if len(res) else 0,
                                          averaged_weeks=charts.SMOOTH_WEEKS if averaged else 0)
        cells.append(f'{svg}<p class="slsim-headline-sentence" data-outcome="{name}">{esc(sentence)}</p>')
    grid(cells, ["slsim-headline"])


@solara.component
def HeadlineNotes(session: Session, ui: Ui):
    """Presentation mode's legend of the marks and smoothing note, under the network: the room
    beside the charts is taken by their sentences, and below them is off a 720 px screen."""
    ui.version.value
    legend = charts.marks_legend(session.marks(), session.week)
    if legend:
        solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["slsim-headline-legend"])
    solara.Text(charts.smoothing_note(ui.smooth_on()), classes=["slsim-help", "slsim-smoothing-note"])


@solara.component
def OutcomeCharts(session: Session, ui: Ui):
    """Every outcome of the live run, grouped thinking / behaving / on the ground, and the marks' legend."""
    ui.version.value
    highlight = ui.highlight.value
    res = session.results()
    marks = session.marks()
    smooth = ui.smooth_on()
    legend = charts.marks_legend(marks, session.week)
    solara.Text(charts.smoothing_note(smooth), classes=["slsim-help", "slsim-smoothing-note"])
    if legend:
        solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["slsim-legend-all"])
    for level, names in columns_by_level().items():
        cells = [_chart(name, res, marks, highlight, smooth) for name in names]
        helps = [f'<details class="slsim-help"><summary>{esc(label(n))}: what is this?</summary>'
                 f'{esc(present.outcome_help(n))} {esc(present.better_text(n))}</details>' for n in names]
        solara.HTML(tag="h3", unsafe_innerHTML=present.level_title(level))
        grid([c + h for c, h in zip(cells, helps)], [f"slsim-level-{level}"])


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
    with solara.Card("Event log", subtitle="Click a week to highlight it on every chart", classes=["slsim-eventlog"]):
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
        # focusable and named: a region that scrolls must be reachable by keyboard (axe-core's
        # scrollable-region-focusable; the rows hold no control of their own)
        solara.HTML(tag="div", unsafe_innerHTML="<table>" + "".join(rows) + "</table>", classes=["slsim-log"],
                    attributes={"tabindex": "0", "role": "region", "aria-label": "Event log, newest first"})


@solara.component
def Reproduce(session: Session, ui: Ui):
    """The Python call that gives exactly the numbers on screen."""
    ui.version.value
    call = session.reproduce()
    solara.Text("The same numbers from Python: import slsim; " + call if call else
                "No week run yet: step a week and the Python call that gives the same numbers shows here.",
                classes=["slsim-code"])


@solara.component
def ExportPanel(session: Session, ui: Ui):
    """Downloads are computed when clicked, from the session's state at that moment."""
    stem = f"slsim-{session.scenario}-seed{session.seed}"

    def png():
        with session.lock:
            made = [(iv.week, iv.note) for iv in session.interventions]
            title = charts.png_title(session.spec.title, session.seed, session.week, made)
        return charts.run_png(session.results(), columns_by_level(), LEVEL_TITLES, session.marks(),
                              ui.highlight.value, title, large=ui.present.value, smooth=ui.smooth_on())

    with solara.Row(style={"flex-wrap": "wrap"}, classes=["slsim-exports"]):
        solara.FileDownload(lambda: session.results().to_csv(index=False), filename=f"{stem}.csv",
                            label="Data (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: session.events().to_csv(index=False), filename=f"{stem}-events.csv",
                            label="Event log (CSV)", mime_type="text/csv")
        solara.FileDownload(png, filename=f"{stem}.png", label="Charts (PNG)", mime_type="image/png")


@solara.component
def ExploreView(session: Session, ui: Ui):
    """The whole room. Presentation mode: the week, the network, the headline charts with their
    sentences on one screen; the set-up column hidden; trainer controls in a drawer."""
    present_mode = ui.present.value
    drawer = ["slsim-drawer-open"] if ui.drawer.value else []
    with solara.Div(classes=["slsim-explore"] + (["slsim-present-mode"] if present_mode else [])):
        with solara.Div(classes=["slsim-setup"]):
            SetupPanel(session, ui)
        with solara.Div(classes=["slsim-main"]):
            TourCard(session, ui)
            RunBar(session, ui)
            with solara.Div(classes=["slsim-stage"]):
                NetworkView(session, ui)
                with solara.Div(classes=["slsim-headline-box"]):
                    if present_mode:
                        HeadlineCharts(session, ui)
                with solara.Div(classes=["slsim-controls", *drawer]):
                    with solara.Row(classes=["slsim-drawer-head"]):
                        solara.Text("Trainer controls", classes=["slsim-drawer-title"])
                        solara.Button("Close", on_click=lambda: ui.drawer.set(False), text=True,
                                      classes=["slsim-drawer-close"])
                    TrainerPanel(session, ui)
                    ExportPanel(session, ui)
                    Reproduce(session, ui)
            with solara.Div(classes=["slsim-all-charts"]):
                if not present_mode:
                    OutcomeCharts(session, ui)
            EventLog(session, ui)
