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

The page is the entry point only; each room has its module: :mod:`.explore`, :mod:`.compare`,
:mod:`.learn`, with their texts in :mod:`.content`, the look in :mod:`.styles` and what they
share in :mod:`.widgets`. Words and number formats come from :mod:`slsim.present`.
"""

from __future__ import annotations

import solara

from .compare import CompareView
from .explore import ExploreView
from .learn import LearnView
from .state import Session
from .styles import CSS
from .widgets import use_ui


@solara.component
def Page():
    """The whole page: a title bar with the room tabs and presentation switch, then the rooms."""
    # One model per browser session: use_memo runs once per session (never at module level).
    session = solara.use_memo(Session, dependencies=[])
    ui = use_ui()
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
