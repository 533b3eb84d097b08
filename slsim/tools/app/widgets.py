"""What the browser view's rooms share: the per-session view state and a few small widgets."""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from typing import Any

import solara

from slsim.model.scenario import list_scenarios


@dataclass(eq=False)
class Ui:
    """Per-session view state (all ``solara.Reactive``, made with :func:`use_ui` in Page)."""

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
    smooth: solara.Reactive[Any]          # smooth weekly counts: True/False, or None for "as the mode says"
    drawer: solara.Reactive[bool]         # presentation mode's trainer drawer is open
    staff_ties: solara.Reactive[bool]     # draw the staff ties on the network (organisation ties always)
    tour_seen: solara.Reactive[int]       # the furthest tour step shown: going back to it never runs weeks
    # set once the page has drawn the latest week: play waits for it before the next step, so a
    # slow (loaded) machine plays more slowly instead of piling renders on renders
    rendered: threading.Event = field(default_factory=threading.Event)

    def smooth_on(self) -> bool:
        """Whether weekly counts are smoothed: the user's choice, else on in presentation mode only."""
        return bool(self.present.value) if self.smooth.value is None else bool(self.smooth.value)

    def changed(self, message: str | None = None) -> None:
        self.version.value = self.version.value + 1
        if message is not None:
            self.message.value = message


VIEW_KEYS = ("present", "tab", "smooth", "staff_ties")  # the view state a reload keeps


def use_ui(view: dict[str, Any] | None = None) -> Ui:
    """A component's hook: the session's Ui, made once per session (hooks in a fixed order);
    ``view`` holds the values of ``VIEW_KEYS`` kept from before a reload."""
    view = view or {}
    ui = Ui(version=solara.use_reactive(0), setup_gen=solara.use_reactive(0), highlight=solara.use_reactive(None),
            playing=solara.use_reactive(False), present=solara.use_reactive(bool(view.get("present", False))),
            tab=solara.use_reactive(view.get("tab", "Explore")), message=solara.use_reactive(""),
            tour=solara.use_reactive(None), hidden_kinds=solara.use_reactive([]), only_week=solara.use_reactive(False),
            smooth=solara.use_reactive(view.get("smooth")), drawer=solara.use_reactive(False),
            staff_ties=solara.use_reactive(bool(view.get("staff_ties", False))), tour_seen=solara.use_reactive(0))
    return solara.use_memo(lambda: ui, dependencies=[])


def view_state(ui: Ui) -> dict[str, Any]:
    """The view state a reload keeps (see ``VIEW_KEYS``)."""
    return {key: getattr(ui, key).value for key in VIEW_KEYS}


def scenario_titles(names: list[str]) -> dict[str, str]:
    """Each scenario's title (what menus show), by name; a broken scenario file shows its name."""
    from slsim.model.scenario import ScenarioError, resolve_scenario_cached
    out = {}
    for name in names:
        try:
            out[name] = resolve_scenario_cached(name).title
        except ScenarioError:
            out[name] = name
    return out


def esc(text: Any) -> str:
    """Text made safe to put inside HTML."""
    return html.escape(str(text))


def scenario_names() -> list[str]:
    """The scenarios a user can pick: the library's, and always ``default``."""
    names = list_scenarios()
    return names if "default" in names else names + ["default"]


@solara.component
def Words(html_text: str, classes: list[str] | None = None):
    """Text with simple HTML (no solara.Markdown: it fetches mermaid from a public CDN, which fails
    offline and would leave 'Could not load URL' in the server log)."""
    solara.HTML(tag="div", unsafe_innerHTML=html_text, classes=classes or [])


def grid(cells: list[str], classes: list[str]) -> None:
    """Chart cells (SVG strings) side by side, wrapping."""
    solara.HTML(tag="div", unsafe_innerHTML="".join(f'<div class="slsim-cell">{c}</div>' for c in cells),
                classes=["slsim-grid", *classes])
