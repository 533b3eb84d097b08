"""The browser view (Solara): explore a scenario, compare two, intervene mid-run, learn the terms.

Start it with ``slsim app`` (or ``solara run slsim.tools.app.page``). Rules the view keeps:

* Each browser session gets its own :class:`~slsim.tools.app.state.Session` (``solara.use_memo`` in
  :func:`Page`): one user's changes never reach another's. Mesa's module-level pattern would share
  one model among all sessions.
* A reload keeps the session: after every change its snapshot (scenario, seed, set-up,
  interventions, week, and the view's mode) is kept under the browser's Solara session id, and a
  page opened with that id rebuilds the session from it (:func:`~slsim.tools.app.state.session_for`).
* Play runs in a thread (``solara.use_thread`` without intrusive cancel, which would slow Python
  code down by tracing it); a comparison's replicates run in worker processes through the
  execution layer, as on the command line, so one session's comparison does not stall the others.
* Every number comes from the run layer's model and seeding (see :mod:`slsim.tools.app.state`).
* Values typed into controls are refused with a message beside the control, never half-applied.

The page is the entry point only; each room has its module: :mod:`.explore`, :mod:`.compare`,
:mod:`.learn`, with their texts in :mod:`.content`, the look in :mod:`.styles` and what they
share in :mod:`.widgets`. Words and number formats come from :mod:`slsim.results.present`.
"""

from __future__ import annotations

import solara

from slsim.tools.app.compare import CompareView
from slsim.tools.app.explore import ExploreView
from slsim.tools.app.learn import LearnView, PageHelper
from slsim.tools.app.state import save_snapshot, session_for
from slsim.tools.app.styles import CSS
from slsim.tools.app.widgets import use_ui, view_state


@solara.component
def Page():
    """The whole page: a title bar with the room tabs and presentation switch, then the rooms."""
    # One model per browser session: use_memo runs once per page (never at module level); a
    # reload finds the snapshot kept under the browser's session id.
    key = solara.get_session_id()
    session, view = solara.use_memo(lambda: session_for(key), dependencies=[])
    ui = use_ui(view)
    present = ui.present.value
    kept = solara.use_memo(lambda: {"view": view_state(ui)}, dependencies=[])

    def save(s):
        save_snapshot(key, {**s.snapshot(), "view": kept["view"]})

    session.on_change = save

    def view_changed():
        kept["view"] = view_state(ui)
        save(session)

    solara.use_effect(view_changed, [ui.present.value, ui.tab.value, ui.smooth.value, ui.staff_ties.value])
    solara.Title("slsim: systems leadership simulator")
    solara.Style(CSS)
    with solara.Column(classes=["slsim-root"] + (["slsim-present"] if present else []), style={"padding": "8px"}):
        PageHelper()
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, classes=["slsim-header"]):
            solara.HTML(tag="h1", unsafe_innerHTML="slsim &middot; systems leadership simulator")
            solara.ToggleButtonsSingle(value=ui.tab, values=["Explore", "Compare", "Learn"], classes=["slsim-tabs"])
            solara.Switch(label="Presentation mode", value=ui.present, classes=["slsim-present-switch"])
        # All three stay mounted (hidden when not chosen): a comparison keeps running and keeps its
        # result while the user explores.
        for name, view in (("Explore", ExploreView), ("Compare", CompareView), ("Learn", LearnView)):
            # A plain div: Vuetify's d-flex on a Column would override display:none (!important).
            hidden = [] if ui.tab.value == name else ["slsim-hidden"]
            with solara.Div(classes=[f"slsim-view-{name.lower()}", *hidden]):
                view(session, ui)
