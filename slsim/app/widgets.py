"""What the browser view's rooms share: the per-session view state and a few small widgets."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import solara

from ..scenario import list_scenarios


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

    def changed(self, message: str | None = None) -> None:
        self.version.value = self.version.value + 1
        if message is not None:
            self.message.value = message


def use_ui() -> Ui:
    """A component's hook: the session's Ui, made once per session (hooks in a fixed order)."""
    ui = Ui(version=solara.use_reactive(0), setup_gen=solara.use_reactive(0), highlight=solara.use_reactive(None),
            playing=solara.use_reactive(False), present=solara.use_reactive(False),
            tab=solara.use_reactive("Explore"), message=solara.use_reactive(""), tour=solara.use_reactive(None),
            hidden_kinds=solara.use_reactive([]), only_week=solara.use_reactive(False))
    return solara.use_memo(lambda: ui, dependencies=[])


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
