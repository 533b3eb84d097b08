"""The Learn room: the guided tour (its card shows above the Explore room) and the glossary."""

from __future__ import annotations

import ipyvue
import solara
import traitlets

from slsim.tools.app.content import GLOSSARY, TOUR
from slsim.tools.app.state import Session, first_scenario
from slsim.tools.app.widgets import Ui, Words


class _PageHelper(ipyvue.VueTemplate):
    """An invisible widget that runs a little JavaScript in the page: sets the document's language
    (for screen readers; Solara's template has none), lets the page zoom (the template forbids
    it), repairs ARIA that Vuetify 2 gets wrong (a select's slot is a role=button holding a
    focusable input, nested-interactive; an expansion panel's div carries aria-expanded, which only
    its header button may), and scrolls to and outlines ``target``."""

    template = traitlets.Unicode("""<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = "en";
    const vp = document.querySelector('meta[name="viewport"]');
    if (vp) vp.setAttribute('content', 'width=device-width, initial-scale=1');
    const repair = () => {
      document.querySelectorAll('.v-select .v-input__slot[role="button"]').forEach(slot => {
        const input = slot.querySelector('input');
        if (input) {
          input.setAttribute('role', 'combobox');
          input.setAttribute('aria-haspopup', 'listbox');
          input.setAttribute('aria-expanded', slot.getAttribute('aria-expanded') || 'false');
          const label = slot.querySelector('label');
          if (label && label.textContent) input.setAttribute('aria-label', label.textContent.trim());
        }
        ['role', 'aria-haspopup', 'aria-expanded', 'aria-owns'].forEach(a => slot.removeAttribute(a));
      });
      document.querySelectorAll('.v-expansion-panel[aria-expanded]').forEach(e => e.removeAttribute('aria-expanded'));
    };
    repair();
    if (!window.__slsimAria) {
      window.__slsimAria = new MutationObserver(repair);
      window.__slsimAria.observe(document.body, {subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ['role', 'aria-expanded']});
    }
    this.show();
  },
  watch: { target() { this.show(); } },
  destroyed() {
    document.querySelectorAll('.slsim-tour-target').forEach(e => e.classList.remove('slsim-tour-target'));
  },
  methods: {
    show() {
      // after the page has drawn the step (a chart group may appear in the same update)
      setTimeout(() => {
        document.querySelectorAll('.slsim-tour-target').forEach(e => e.classList.remove('slsim-tour-target'));
        const el = this.target && document.querySelector(this.target);
        if (el) {
          el.classList.add('slsim-tour-target');
          el.scrollIntoView({block: 'center'});
          // the card sticks to the top of the screen: move a target it would cover to just below it
          const card = document.querySelector('.slsim-tour');
          if (card && !card.contains(el)) {
            const below = card.getBoundingClientRect().bottom + 12, top = el.getBoundingClientRect().top;
            if (top < below) window.scrollBy(0, top - below);
          }
        }
      }, 300);
    }
  }
}
</script>""").tag(sync=True)
    target = traitlets.Unicode("").tag(sync=True)


@solara.component
def PageHelper(target: str = ""):
    """Sets the page's language and, given a CSS selector, scrolls to and outlines that element."""
    _PageHelper.element(target=target)


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
            # A step runs its weeks only the first time it is reached: Back, and Next after Back,
            # never run the model on.
            if j > ui.tour_seen.value and TOUR[j]["weeks"]:
                session.step(TOUR[j]["weeks"])
                ui.changed()
            ui.tour_seen.value = max(ui.tour_seen.value, j)
            ui.tour.value = j
        return do

    with solara.Card(f"Guided tour {i + 1}/{len(TOUR)}: {step['title']}", classes=["slsim-tour"],
                     style={"background": "#fef9e7"}):
        PageHelper(target=step.get("target", ""))
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
        ui.changed(f"guided tour: scenario '{session.spec.title}' loaded")
        ui.tour_seen.value = 0
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
