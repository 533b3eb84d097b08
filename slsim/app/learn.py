"""The Learn room: the guided tour (its card shows above the Explore room) and the glossary."""

from __future__ import annotations

import solara

from .content import GLOSSARY, TOUR
from .state import Session, first_scenario
from .widgets import Ui, Words


@solara.component
def TourCard(session: Session, ui: Ui):
    """The current tour step, if a tour is on: its text, and Back / Next / Close."""
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
def LearnView(session: Session, ui: Ui):
    """Start the tour (it loads the first scenario and opens Explore); the glossary."""
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
