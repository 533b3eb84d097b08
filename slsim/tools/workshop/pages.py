"""The workshop's pages (Solara): join, a player's seat, the facilitator's dashboard, the debrief.

Served by ``slsim workshop`` (``solara run slsim.tools.workshop.pages``). Rules the pages keep:

* Addresses: ``/`` the join page; ``/play?token=...`` a player's seat (a reload returns to it);
  ``/facilitator?key=...`` the facilitator. Every action goes through
  :class:`~slsim.tools.workshop.service.Service`, which checks on the server who may do it; the pages
  only show its answers. ``/play?token=...&seat=...`` asks to act for that seat, which the
  service refuses unless it is the player's own.
* Names, requests and causes are shown with ``solara.Text`` (text, never HTML). Charts and tables
  are HTML built by the tools' one chart kit, :mod:`slsim.tools.charts`, from seats, outcomes and
  numbers only, escaped.
* Views only: the pages render and call the service; they hold no state of the workshop, read no
  database and manage no thread but Solara's own polling hook (``tests/workshop/test_workshop_pages.py``
  checks). The process's one Service and its timer (which locks rounds whose minutes are up even
  when no page is open) come from :func:`slsim.tools.workshop.service.shared`.
* Pages follow the workshop by polling the service once a second (a cheap signature of phase,
  round, submissions and messages); the whole page re-renders only when it changes, the clock
  every second.
* A refused action or bad value shows its one-line message beside the control; nothing changes.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs, quote

import ipyvue
import solara
import traitlets

from slsim.model.scenario import list_scenarios
from slsim.results import present
from slsim.tools import charts
from slsim.tools.workshop import decisions as dec
from slsim.tools.workshop.debrief import (
    REFERENCE_TITLES,
    SCORECARD,
    SCORECARD_TITLES,
    headings,
    reference_sentences,
    score,
    scorecard_text,
    story,
    verdict,
)
from slsim.tools.workshop.engine import SHOCKS
from slsim.tools.workshop.service import OPEN, BadInput, Refused, workshop_label
from slsim.tools.workshop.service import shared as service

SOURCE_NOTE = {"computer": " (computer)", "carried": " (not submitted: last round's kept)"}
# A box that may scroll sideways (a wide table on a phone) must be reachable by keyboard.
SCROLL_REGION = {"tabindex": "0", "role": "region"}
POLL_S = 1.0  # seconds between a page's checks for a change worth re-rendering
# The debrief's charts are drawn in a viewBox about as wide as a phone's column, so their 12-unit
# text is about 12 px on a 390 px phone and about 18 px at the 560 px they reach on a projector.
CHART_W, CHART_H = 360, 250

CSS = """
.ws-root { font-size: 17px; max-width: 1500px; overflow-wrap: break-word; box-sizing: border-box; }
.ws-root *, .ws-root *::before, .ws-root *::after { box-sizing: border-box; }
.ws-root h1 { font-size: 26px; margin: 4px 0; line-height: 1.2; }
.ws-root h2 { font-size: 21px; margin: 10px 0 4px; line-height: 1.25; }
.ws-card { border: 1px solid #ccd; border-radius: 6px; padding: 10px; background: #fbfbfd; max-width: 100%;
  min-width: 0; }
.ws-code { font-size: 44px; font-weight: bold; letter-spacing: 6px; font-family: monospace; }
.ws-clock { font-size: 30px; font-weight: bold; font-family: monospace; }
.ws-error { color: #a93226; font-weight: bold; }
.ws-ok { color: #196f3d; font-weight: bold; }
.ws-computer { color: #6c3483; font-style: italic; }
.ws-choices .v-btn-toggle { display: flex !important; flex-direction: column !important; align-items: stretch;
  background: none !important; width: 100%; }
.ws-choices .v-btn-toggle .v-btn { height: auto !important; min-height: 44px; text-transform: none !important;
  letter-spacing: normal !important; margin: 3px 0; border: 1px solid #aab !important;
  border-radius: 4px !important; font-size: 16px; width: 100%; max-width: 100%; min-width: 0 !important;
  justify-content: flex-start; }
.ws-choices .v-btn-toggle .v-btn--active { background: #1f618d !important; color: white !important; }
.ws-choices .v-btn__content { white-space: pre-line !important; text-align: left; padding: 6px 0;
  flex: 1 1 auto !important; max-width: 100%; min-width: 0; display: block !important; line-height: 1.3; }
.ws-option-note { display: block; font-size: 14px; opacity: 0.9; margin-top: 2px; }
.ws-grid { display: flex; flex-wrap: wrap; gap: 12px; }
.ws-grid > div { flex: 1 1 300px; min-width: 0; max-width: 100%; }
.ws-seatgrid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.ws-seatgrid > .ws-col { flex: 1 1 340px; min-width: 0; max-width: 100%; display: flex; flex-direction: column;
  gap: 12px; }
.ws-scroll { max-width: 100%; overflow-x: auto; }
.ws-table { border-collapse: collapse; font-size: 15px; }
.ws-table td, .ws-table th { border: 1px solid #ccd; padding: 3px 8px; text-align: left; vertical-align: top; }
.ws-chart { width: 100%; max-width: 560px; height: auto; }
.ws-root .v-input, .ws-root .v-select { max-width: 100%; }
.ws-room { font-size: 22px; }
.ws-room-address { font-size: 40px; font-weight: bold; font-family: monospace; color: #1b2631 !important;
  text-decoration: none; }
.ws-room-phase { font-size: 28px; font-weight: bold; }
.ws-room-small { font-size: 22px; }
.ws-room-seat { font-size: 20px; }
.ws-room-computer { color: #6c3483; font-style: italic; }
.ws-room-submitted { color: #196f3d; font-weight: bold; }
.ws-qr svg { width: 180px; height: 180px; }
.ws-room-chart { width: 620px; max-width: 100%; height: auto; }
.ws-room-charts > div { flex: 0 1 620px; }
@media (max-width: 600px) {
  .ws-root { font-size: 16px; padding: 8px !important; }
  .ws-code { font-size: 34px; letter-spacing: 3px; }
  .ws-clock { font-size: 24px; }
  .ws-table { font-size: 14px; }
  .ws-decisions, .ws-decisions thead, .ws-decisions tbody, .ws-decisions tr, .ws-decisions td,
  .ws-decisions th { display: block; width: 100%; }
  .ws-decisions thead { display: none; }
  .ws-decisions tr { margin-bottom: 8px; border: 1px solid #ccd; }
  .ws-decisions td { border: none; border-bottom: 1px solid #eee; }
  .ws-decisions td:first-child { font-weight: bold; }
  .ws-decisions td[data-round]::before { content: "Round " attr(data-round) ": "; font-weight: bold; }
}
"""

class _PageFixes(ipyvue.VueTemplate):
    """An invisible widget that sets the document's language (for screen readers; Solara's template
    has none), lets a phone zoom (the template forbids it), and repairs the ARIA Vuetify 2 gets wrong
    in a select (a role=button slot holding a focusable input: nested-interactive). The browser
    view has its own (``slsim.tools.app.learn``); the tools do not import each other."""

    template = traitlets.Unicode("""<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = "en";
    const vp = document.querySelector('meta[name="viewport"]');
    if (vp) vp.setAttribute('content', 'width=device-width, initial-scale=1');
    const repair = () => {
      // every select's slot, also one repaired before: Vuetify sets aria-expanded again on opening
      document.querySelectorAll('.v-select .v-input__slot[role], .v-select .v-input__slot[aria-expanded]')
          .forEach(slot => {
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
    };
    repair();
    if (!window.__wsAria) {
      window.__wsAria = new MutationObserver(repair);
      window.__wsAria.observe(document.body, {subtree: true, childList: true, attributes: true,
                                              attributeFilter: ['role', 'aria-expanded']});
    }
  }
}
</script>""").tag(sync=True)


@solara.component
def PageFixes():
    return _PageFixes.element()


def use_signature(read) -> Any:
    """Re-render when ``read()`` (a cheap signature of what the page shows) changes: polled in a
    thread once a second."""
    value = solara.use_reactive(read())

    def loop(cancel):
        while not cancel.is_set():
            cancel.wait(POLL_S)
            try:
                new = read()
            except Exception:
                continue
            if new != value.value:
                value.value = new

    solara.use_thread(loop, dependencies=[], intrusive_cancel=False)
    return value.value


def clock_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


@solara.component
def Clock(workshop_id: str):
    """The round's clock, re-rendered every second on its own."""
    sv = service()

    def read():
        phase, left = sv.clock_reading(workshop_id)
        return phase, clock_text(left)

    phase, text = use_signature(read)
    words = {"deciding": text, "paused": f"{text} (paused)", "between": f"{text} (not started)"}.get(phase, "")
    solara.Text(words, classes=["ws-clock"])


def _query(router) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(router.search or "").items()}


@solara.component
def Plain(children=[]):  # noqa: B006 (Solara's layout signature)
    """The layout of every page: one column (no app bar)."""
    return solara.Column(children=children, classes=["ws-root"], style={"padding": "12px"})


@solara.component
def Shell():
    """The page for the address: join, a player's seat, or the facilitator."""
    router = solara.use_router()
    query = _query(router)
    where = (router.path or "/").strip("/")
    solara.Style(CSS)
    PageFixes()
    if where == "room":
        solara.Title("slsim workshop: the room")
        RoomPage(query.get("key", ""), query.get("workshop"))
    elif where == "facilitator":
        solara.Title("slsim workshop: facilitator")
        FacilitatorPage(query.get("key", ""), query.get("workshop"))
    elif where == "play":
        solara.Title("slsim workshop: your seat")
        PlayerPage(query.get("token", ""), query.get("seat"))
    else:
        solara.Title("slsim workshop: join")
        JoinPage()


# ------------------------------------------------------------------ join
@solara.component
def JoinPage():
    sv = service()
    code, name, error = solara.use_reactive(""), solara.use_reactive(""), solara.use_reactive("")
    router = solara.use_router()

    def join():
        try:
            p = sv.join(code.value, name.value)
        except (BadInput, Refused) as err:
            error.value = str(err)
            return
        router.push(f"/play?token={p['token']}")

    solara.HTML(tag="h1", unsafe_innerHTML="Join the workshop")
    with solara.Card(classes=["ws-card"], style={"max-width": "560px"}):
        solara.InputText("Join code (from your facilitator)", value=code, continuous_update=True,
                         classes=["ws-join-code"])
        solara.InputText(f"Your name as others will see it (1-{40} characters)", value=name,
                         continuous_update=True, classes=["ws-join-name"])
        solara.Button("Join", on_click=join, color="primary", classes=["ws-join"])
        if error.value:
            solara.Text(error.value, classes=["ws-error", "ws-join-error"])


# ------------------------------------------------------------------ a player's seat
@solara.component
def PlayerPage(token: str, asked_seat: str | None):
    sv = service()
    router = solara.use_router()
    try:
        me = sv.player(token)
    except Refused as err:
        solara.Text(str(err), classes=["ws-error", "ws-refused"])
        solara.Button("Go to the join page", on_click=lambda: router.push("/"))
        return
    use_signature(lambda: sv.seat_signature(token))
    view = sv.seat_view(token)
    status = view["status"]
    seat = me["seat"]
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(f"Table {me['table_no']} · {dec.SEAT_LABELS[seat]} · ", classes=["ws-seat"])
        solara.Text(me["name"], classes=["ws-name"])
        solara.Text(f" · round {max(1, status['round'])} of {status['rounds']}", classes=["ws-round"])
        Clock(me["workshop"])
    phase = status["phase"]
    opening = sv.opening(me["workshop"])
    if phase == "lobby":
        solara.Text("You are seated. The facilitator will start the first round soon.", classes=["ws-waiting"])
        SeatSituation(view, opening)
        return
    if phase == "debrief":
        Debrief(me["workshop"], [me["table_no"]], names=None)
        return
    if phase == "predicting":
        Prediction(token, view)
        return
    if phase not in OPEN:
        return
    for kind in view["shocks"]:
        solara.Text(f"This round: {SHOCKS[kind][0]}.", classes=["ws-shock", f"ws-shock-{kind}"],
                    style={"display": "block", "font-weight": "bold", "color": "#7b241c"})
    # Always rendered (empty outside the pause between rounds): the elements after it keep their
    # place when the clock starts, so a player's half-made choices are not reset.
    solara.Text(f"Round {status['round'] - 1}'s results are in: see After round {status['round'] - 1}. Talk them "
                f"over with your table; the facilitator starts round {status['round']}'s clock when the room is "
                "ready. You may already choose and submit." if phase == "between" else "",
                classes=["ws-between" if phase == "between" else "ws-between-none"],
                style={"display": "block", "font-weight": "bold", "margin": "6px 0"})
    # Not solara.Columns: its columns keep their share of the width on a phone. Two flex columns
    # that wrap give one column below about 700 px, decisions first (what the player acts on).
    with solara.Div(classes=["ws-seatgrid"]):
        with solara.Div(classes=["ws-col"], style={"order": "2"}):
            SeatSituation(view, opening)
            Requests(token, view)
        with solara.Div(classes=["ws-col"], style={"order": "1"}):
            if phase == "paused":
                solara.Text("The facilitator has paused the clock; you can still change and submit your decisions. "
                            "The round does not lock until the clock runs again.", classes=["ws-paused"])
            Decide(token, view, asked_seat or seat, sv.outlook(token)).key(f"decide-{status['round']}")


def org_lines(o: dict[str, float]) -> list[str]:
    """An organisation's state in a few lines (pressure, money, staff, trust in partners)."""
    trust = [v for k, v in o.items() if k.startswith("trust_")]
    return [f"Pressure: {present.number(o['pressure'])} (demand over capacity; above 1 is over full)",
            f"Budget {present.money(o['budget'])} a week, spending {present.money(o['spend'])} a week; "
            f"running balance {present.money(o['balance'])}",
            f"Staff stress {present.amount('stress', o['stress'])}; posts vacant {present.share(o['vacancy'])}",
            f"Your trust in partners: {present.number(sum(trust) / len(trust))} on a 0-1 scale" if trust else ""]


@solara.component
def SeatSituation(view: dict[str, Any], opening: dict[str, dict[str, float]]):
    """The seat's organisation now (before round 1: the place as it is; later: after the last
    round): pressure, money, staff, trust; then the round in words."""
    seat, last = view["me"]["seat"], view["last"]
    with solara.Card(classes=["ws-card", "ws-situation"]):
        if last is None:
            solara.HTML(tag="h2", unsafe_innerHTML="Your organisation now")
            if seat in opening:
                for line in filter(None, org_lines(opening[seat])):
                    solara.Text(line, classes=["ws-fact"], style={"display": "block"})
            solara.Text("Your first decisions take effect in round 1.", style={"display": "block"})
            return
        solara.HTML(tag="h2", unsafe_innerHTML=f"After round {last['round']}")
        if seat in last["orgs"]:
            for line in filter(None, org_lines(last["orgs"][seat])):
                solara.Text(line, classes=["ws-fact"], style={"display": "block"})
        card = scorecard_text(last["weeks"])
        solara.Text("The place: " + "; ".join(f"{SCORECARD_TITLES[g].lower()}: {t}" for g, t in card.items()),
                    style={"display": "block"}, classes=["ws-place"])
        mine = [e for e in last["events"] if e[2] in (seat, "place")] if seat != dec.CITIZENS else last["events"]
        solara.HTML(tag="h2", unsafe_innerHTML="What happened")
        for week, _, _, text in (mine or last["events"])[-8:]:
            solara.Text(f"Week {week}: {text}", style={"display": "block"}, classes=["ws-event"])
        if last.get("pooled_budget"):
            solara.Text("A pooled budget between the hospital and social care was in place.",
                        style={"display": "block"})


@solara.component
def Requests(token: str, view: dict[str, Any]):
    sv = service()
    seats = {dec.SEAT_LABELS[s]: s for s in view["status"]["seats"] if s != view["me"]["seat"]}
    to, text, message = solara.use_reactive(next(iter(seats))), solara.use_reactive(""), solara.use_reactive("")

    def send():
        try:
            sv.send_request(token, seats.get(to.value, to.value), text.value)
        except (BadInput, Refused) as err:
            message.value = str(err)
            return
        message.value = "Sent."
        text.value = ""

    with solara.Card(classes=["ws-card", "ws-requests"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Asked of you by partners")
        if not view["requests"]:
            solara.Text("No requests yet.")
        for r in view["requests"]:
            solara.Text(f"Round {r['round']}, {dec.SEAT_LABELS[r['from_seat']]}: ", style={"font-weight": "bold"})
            solara.Text(r["text"], classes=["ws-request-text"], style={"display": "block"})
        solara.HTML(tag="h2", unsafe_innerHTML="Ask a partner")
        solara.Select("To", value=to, values=list(seats), classes=["ws-request-to"])
        solara.InputText("Your request (1-200 characters)", value=text, continuous_update=True,
                         classes=["ws-request-input"])
        solara.Button("Send request", on_click=send, classes=["ws-request-send"])
        if message.value:
            solara.Text(message.value, classes=["ws-error" if message.value != "Sent." else "ws-ok",
                                                "ws-request-message"])


@solara.component
def Decide(token: str, view: dict[str, Any], seat: str, outlook: dict[str, Any] | None):
    """The seat's decisions for this round, one choice each, and Submit. Under each choice, what
    the model says it may bring (:func:`~slsim.tools.workshop.decisions.outlook_note`), once the
    outlook is computed."""
    sv = service()
    own = view["me"]["seat"]
    start = view["decisions"] or dec.todays_choices(own)
    values = {name: solara.use_reactive(start.get(name)) for name in dec.decisions_for(own)}  # noqa: SH103
    message = solara.use_reactive("")

    def submit():
        missing = dec.unanswered(own, {k: v.value for k, v in values.items()})
        if missing:
            message.value = "Choose an answer first: " + "; ".join(dec.DECISION_TITLES[m] for m in missing)
            return
        try:
            sv.submit(token, seat, {k: v.value for k, v in values.items()}, round_no=view["status"]["round"])
        except (BadInput, Refused) as err:
            message.value = str(err)
            return
        message.value = "Submitted. You can change your decisions until the round locks."

    with solara.Card(classes=["ws-card", "ws-decide", "ws-choices"]):
        solara.HTML(tag="h2", unsafe_innerHTML=f"Your decisions for round {view['status']['round']}")
        if own in dec.SEATS[:-1]:
            against = "the place as it runs today" if view["status"]["round"] <= 1 else "your table's last decisions"
            solara.Text(f"Under each choice: what one run of the model gives this round for that choice alone, "
                        f"against {against}, from the same random numbers." if outlook else
                        "Working out what each choice may bring (a few seconds)...",
                        style={"display": "block"}, classes=["ws-outlook-intro" if outlook else "ws-outlook-wait"])
        for name, value in values.items():
            solara.Text(dec.decision_title(name, own, view["last"]), style={"font-weight": "bold", "display": "block"},
                        classes=[f"ws-title-{name}"])
            if name in ("pool_offer", "pool_answer") and view.get("pool"):
                solara.Text(dec.pool_sentence(own, view["pool"]), style={"display": "block"},
                            classes=["ws-pool-partner"])
            # Not mandatory while unanswered: Vuetify would then pick the first choice for the player.
            with solara.ToggleButtonsSingle(value=value, mandatory=value.value is not None,
                                            classes=[f"ws-decision-{name}"]):
                for key, words in dec.options(name).items():
                    note = dec.outlook_note(own, name, key, outlook)
                    solara.Button(f"{words}\n{note}" if note else words, value=key,
                                  classes=[f"ws-choice-{name}-{key}"])
        solara.Button("Submit decisions", on_click=submit, color="primary", classes=["ws-submit"])
        if message.value:
            solara.Text(message.value, classes=["ws-ok" if message.value.startswith("Submitted") else "ws-error",
                                                "ws-submit-message"])
        elif view["submitted"]:
            solara.Text("Submitted. You can change your decisions until the round locks.", classes=["ws-ok"])


@solara.component
def Prediction(token: str, view: dict[str, Any]):
    sv = service()
    made = view["prediction"]
    value = solara.use_reactive("" if made is None else present.value_text(made["delayed_transfers"]))
    cause = solara.use_reactive("" if made is None else made["cause"])
    message = solara.use_reactive("")

    def send():
        try:
            sv.predict(token, value.value, cause.value)
        except (BadInput, Refused) as err:
            message.value = str(err)
            return
        message.value = "Prediction saved. The facilitator reveals the last round when the room is ready."

    with solara.Card(classes=["ws-card", "ws-predict"]):
        solara.HTML(tag="h2", unsafe_innerHTML="Predict, then see")
        solara.Text("The last round has run. Before you see it: how many patients a day, medically fit to "
                    "leave, will be waiting in your table's hospital (delayed transfers, the round's mean)? "
                    "And who or what caused them?", style={"display": "block"})
        solara.InputText("Delayed transfers (patients per day)", value=value, continuous_update=True,
                         classes=["ws-predict-value"])
        solara.InputText("Who or what caused them? (1-200 characters)", value=cause, continuous_update=True,
                         classes=["ws-predict-cause"])
        solara.Button("Save prediction", on_click=send, color="primary", classes=["ws-predict-send"])
        if message.value:
            solara.Text(message.value, classes=["ws-ok" if message.value.startswith("Prediction") else "ws-error",
                                                "ws-predict-message"])


# ------------------------------------------------------------------ the facilitator
@solara.component
def FacilitatorPage(key: str, chosen: str | None):
    sv = service()
    try:
        sv.check_facilitator(key)
    except Refused as err:
        solara.Text(str(err), classes=["ws-error", "ws-refused"])
        return
    workshops = sv.workshops(key)
    current = solara.use_reactive(chosen or (workshops[-1]["id"] if workshops else None))
    creating = solara.use_reactive(not workshops)
    with solara.Row(style={"align-items": "center"}):
        solara.HTML(tag="h1", unsafe_innerHTML="Workshop: facilitator")
        if workshops:
            by_label = {workshop_label(w): w["id"] for w in workshops}
            label_of = {v: k for k, v in by_label.items()}
            solara.Select("Workshop", value=label_of.get(current.value), values=list(by_label),
                          on_value=lambda label: current.set(by_label[label]), classes=["ws-pick"])
        solara.Button("New workshop", on_click=lambda: creating.set(True), classes=["ws-new"])
    if creating.value or current.value is None:
        SetUp(key, lambda wid: (current.set(wid), creating.set(False)))
        return
    Dashboard(key, current.value)


@solara.component
def SetUp(key: str, on_created):
    sv = service()
    names = list_scenarios()
    f = {k: solara.use_reactive(v) for k, v in dict(  # noqa: SH103
        scenario="default", tables="2", rounds="8", weeks="13", minutes="10", style="default", seed="",
        citizens="5000").items()}
    seats = {s: solara.use_reactive(s != dec.CITIZENS) for s in dec.SEATS}  # noqa: SH103
    message = solara.use_reactive("")

    def create():
        try:
            w = sv.create(key, scenario=f["scenario"].value, tables=f["tables"].value, rounds=f["rounds"].value,
                          weeks_per_round=f["weeks"].value, minutes_per_round=f["minutes"].value,
                          seats_played=[s for s, v in seats.items() if v.value], computer_style=f["style"].value,
                          seed=f["seed"].value or None, n_citizens=f["citizens"].value)
        except (BadInput, Refused) as err:
            message.value = str(err)
            return
        on_created(w["id"])

    with solara.Card(classes=["ws-card", "ws-setup"], style={"max-width": "760px"}):
        solara.HTML(tag="h2", unsafe_innerHTML="Set up a workshop")
        # scenarios by their names in words, not file names
        by_label = {present.scenario_label(n): n for n in names}
        label_of = {n: lbl for lbl, n in by_label.items()}
        solara.Select("The place (scenario)", value=label_of.get(f["scenario"].value), values=list(by_label),
                      on_value=lambda lbl: f["scenario"].set(by_label[lbl]), classes=["ws-scenario"])
        for k, words in (("tables", "Tables (1-12)"), ("rounds", "Rounds (1-20)"),
                         ("weeks", "Weeks per round (1-52)"), ("minutes", "Minutes per round (0.5-60)"),
                         ("citizens", "Citizens in the place (500-50,000)"),
                         ("seed", "Seed (empty: a random one, recorded)")):
            solara.InputText(words, value=f[k], continuous_update=True, classes=[f"ws-setup-{k}"])
        solara.Text("Seats people play (the computer plays the others):", style={"display": "block"})
        with solara.Row(style={"flex-wrap": "wrap"}):
            for s, v in seats.items():
                with solara.Div(classes=[f"ws-seat-{s}"]):
                    solara.Checkbox(label=dec.SEAT_LABELS[s], value=v)
        solara.Select("The computer plays empty seats in the style of", value=label_of.get(f["style"].value),
                      values=list(by_label), on_value=lambda lbl: f["style"].set(by_label[lbl]), classes=["ws-style"])
        solara.Text("In this style the computer's seats (marked \u201ccomputer\u201d everywhere): "
                    + dec.short_text(dec.computer_choices("acute", f["style"].value)) + ".",
                    style={"display": "block"}, classes=["ws-style-words"])
        solara.Button("Create workshop", on_click=create, color="primary", classes=["ws-create"])
        if message.value:
            solara.Text(message.value, classes=["ws-error", "ws-setup-message"])


@solara.component
def Dashboard(key: str, workshop_id: str):
    sv = service()
    use_signature(lambda: sv.room_signature(workshop_id))
    w = sv.workshop(workshop_id)
    status = sv.status(workshop_id)
    message = solara.use_reactive(("", True))  # (words, whether the action succeeded)
    names = sv.names(key, workshop_id)

    def act(fn, *args):
        def go():
            try:
                fn(key, workshop_id, *args)
            except (BadInput, Refused) as err:
                message.value = (str(err), False)
                return
            message.value = ("", True)
        return go

    def export():
        try:
            out, files = sv.export(key, workshop_id)
        except (OSError, ValueError) as err:
            message.value = (f"export failed: {err}", False)
            return
        message.value = (f"Exported {len(files)} files to {out}", True)

    phase = status["phase"]
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("Join code", style={"font-size": "20px"})
        solara.Text(w["join_code"], classes=["ws-code"])
        tables = f"{w['tables']} table" + ("s" if w["tables"] != 1 else "")
        solara.Text(f"· {present.scenario_label(w['scenario'])} · seed {w['seed']} · {tables} · "
                    f"{phase} · round {max(1, status['round'])} of {w['rounds']} ({w['weeks_per_round']} weeks each)",
                    classes=["ws-phase"])
        Clock(workshop_id)
    with solara.Row(style={"flex-wrap": "wrap"}):
        if phase == "between":
            solara.Button(f"Start round {status['round']}'s clock", on_click=act(sv.pause), color="primary",
                          classes=["ws-start-clock"])
        label_next = {"lobby": "Start round 1", "deciding": "Lock the round now", "paused": "Lock the round now",
                      "between": "Lock the round now", "predicting": "Reveal the last round"}.get(phase)
        if label_next:
            solara.Button(label_next, on_click=act(sv.advance), color="primary", classes=["ws-advance"])
        if phase in ("deciding", "paused"):
            solara.Button("Resume" if phase == "paused" else "Pause", on_click=act(sv.pause), classes=["ws-pause"])
        if phase in OPEN:
            solara.Button("+1 minute", on_click=act(sv.extend), classes=["ws-extend"])
        solara.Button("Export for research", on_click=export, classes=["ws-export"])
        room = f"/room?key={quote(key)}&workshop={quote(workshop_id)}"
        solara.HTML(tag="a", unsafe_innerHTML="Room view for the projector (opens a new window)",
                    attributes={"href": room, "target": "_blank", "rel": "noopener"}, classes=["ws-room-link"],
                    style="align-self: center; margin-left: 8px")
    if phase in OPEN:
        thrown = sv.shocks(workshop_id).get(status["round"], [])
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Text(f"Shocks for round {status['round']} (every table):")
            for kind, (words, *_rest) in SHOCKS.items():
                if kind in thrown:
                    solara.Text(f"\u2713 {words}", classes=["ws-ok", f"ws-shock-thrown-{kind}"])
                else:
                    solara.Button(kind.replace("_", " "), on_click=act(sv.shock, kind), outlined=True,
                                  classes=[f"ws-shock-{kind}"])
    words, ok = message.value
    if words:
        solara.Text(words, classes=["ws-ok" if ok else "ws-error", "ws-dashboard-message"])
    if phase == "debrief":
        Debrief(workshop_id, list(range(1, w["tables"] + 1)), names=names)
        return
    if phase == "predicting":
        n = len(sv.predictions(workshop_id))
        solara.Text(f"Predictions made: {n} of {len(names)} players. Reveal when the room is ready.",
                    classes=["ws-predictions-count"])
    Tables(workshop_id, status, names)


@solara.component
def Tables(workshop_id: str, status: dict[str, Any], names: list[dict[str, Any]]):
    """Every table side by side: who sits where, who has submitted, the scorecard after the last
    round shown."""
    sv = service()
    with solara.Div(classes=["ws-grid"]):
        for t in range(1, status["tables"] + 1):
            results = sv.visible_results(workshop_id, t)
            last = results[max(results)]["weeks"] if results else None
            with solara.Card(classes=["ws-card", f"ws-table-{t}"]):
                solara.HTML(tag="h2", unsafe_innerHTML=f"Table {t}")
                for seat in status["seats"]:
                    who = next((n["name"] for n in names if n["table"] == t and n["seat"] == seat), None)
                    done = seat in status["submitted"].get(t, [])
                    mark = "submitted" if done else ("deciding" if who else "computer plays this seat")
                    with solara.Row(style={"gap": "6px"}):
                        solara.Text(f"{dec.SEAT_LABELS[seat]}:", style={"font-weight": "bold"})
                        solara.Text(who or "(computer)", classes=["ws-player-name"])
                        solara.Text(mark, classes=["ws-ok" if done else "ws-mark", f"ws-mark-{seat}"])
                if last:
                    card = scorecard_text(last)
                    for group, text in card.items():
                        solara.Text(f"{SCORECARD_TITLES[group]}: {text}",
                                    style={"display": "block"}, classes=[f"ws-score-{group}"])


# ------------------------------------------------------------------ the room (projector)
SEAT_STATE_WORDS = {"submitted": "\u2713 submitted", "deciding": "deciding\u2026", "computer": "computer plays"}
ROOM_OUTCOMES = ("delayed_transfers", "stress")


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as inline SVG (segno), or "" without segno (the address is shown anyway)."""
    try:
        import segno
    except ImportError:
        return ""
    return segno.make(text, error="m").svg_inline(scale=6, dark="#000", light="#fff", border=2)


@solara.component
def RoomPage(key: str, chosen: str | None):
    """The room's screen for the projector: the join address large with a QR code, the clock,
    which seats have submitted (people and computer told apart), and after each round every
    table's smoothed path against the reference cultures. Facilitator only (it shows no names)."""
    sv = service()
    try:
        sv.check_facilitator(key)
    except Refused as err:
        solara.Text(str(err), classes=["ws-error", "ws-refused"])
        return
    workshops = sv.workshops(key)
    wid = chosen or (workshops[-1]["id"] if workshops else None)
    if wid is None:
        solara.Text("No workshop yet: create one on the facilitator's page.")
        return
    use_signature(lambda: sv.room_signature(wid))
    w, status = sv.workshop(wid), sv.status(wid)
    address = sv.join_address()
    with solara.Div(classes=["ws-room"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "24px"}):
            if address:
                solara.HTML(tag="div", unsafe_innerHTML=qr_svg(address), classes=["ws-qr"])
            with solara.Column(style={"gap": "4px"}):
                # a link: the address can be opened from the projector's laptop too, and the page then
                # has a focusable element (a scrolling page without one cannot be scrolled by keyboard)
                solara.HTML(tag="a", unsafe_innerHTML=html.escape(f"Join at {address}" if address else
                                                                  "Join on the workshop's address"),
                            attributes={"href": address or "/"}, classes=["ws-room-address"])
                with solara.Row(style={"align-items": "baseline", "gap": "12px"}):
                    solara.Text("code", classes=["ws-room-small"])
                    solara.Text(w["join_code"], classes=["ws-code"])
                words = {"lobby": "waiting to start", "deciding": "deciding", "paused": "paused",
                         "between": "results in: talk them over", "predicting": "predict the last round",
                         "debrief": "debrief"}[status["phase"]]
                with solara.Row(style={"align-items": "baseline", "gap": "12px"}):
                    solara.Text(f"Round {max(1, status['round'])} of {w['rounds']} · {words}",
                                classes=["ws-room-phase"])
                    Clock(wid)
        states = sv.seat_states(wid)
        refs = solara.use_memo(lambda: sv.references(wid) if status["round"] > 1 or status["phase"] in (
            "predicting", "debrief") else None, dependencies=[wid, status["round"], status["phase"]])
        with solara.Div(classes=["ws-grid"]):
            for t, seats in states.items():
                with solara.Card(classes=["ws-card", f"ws-room-table-{t}"]):
                    solara.HTML(tag="h2", unsafe_innerHTML=f"Table {t}")
                    for seat, state in seats.items():
                        solara.Text(f"{dec.SEAT_LABELS[seat]}: {SEAT_STATE_WORDS[state]}",
                                    classes=[f"ws-room-seat ws-room-{state}"], style={"display": "block"})
        if refs:
            tables = []
            for t in states:
                results = sv.visible_results(wid, t)
                tables.append((f"table {t}", [row for r in sorted(results) for row in results[r]["weeks"]]))
            n = max((len(rows) for _, rows in tables), default=0)
            if n:
                svgs = []
                for outcome in ROOM_OUTCOMES:
                    svgs.append(charts.room_paths(
                        outcome, present.outcome_label(outcome).capitalize(), present.unit_text(outcome),
                        [(name, [r[outcome] for r in rows]) for name, rows in tables],
                        [(title, [r[outcome] for r in refs[s][:n]]) for s, title in REFERENCE_TITLES.items()],
                        w["weeks_per_round"]))
                solara.HTML(tag="div", unsafe_innerHTML="".join(f"<div>{x}</div>" for x in svgs),
                            classes=["ws-grid", "ws-room-charts"])


# ------------------------------------------------------------------ debrief
@solara.component
def PersonStory(workshop_id: str, table: int):
    """One citizen's weeks at this table and under a blame culture, told on request: the same
    person, the same random events (the service's table_story; names invented, shown as text)."""
    asked, set_asked = solara.use_state(False)
    result = solara.use_thread(lambda cancel: service().table_story(workshop_id, table).html() if asked else None,
                               dependencies=[asked, workshop_id, table], intrusive_cancel=False)
    solara.HTML(tag="h2", unsafe_innerHTML="One person's story")
    if not asked:
        solara.Text("The same citizen, the same random events: your table against a blame culture.",
                    style={"display": "block"})
        solara.Button("Tell their story", on_click=lambda: set_asked(True), classes=["ws-person-story-start"])
    elif result.state == solara.ResultState.FINISHED and result.value:
        solara.HTML(tag="div", unsafe_innerHTML=result.value, classes=["ws-scroll", "ws-person-story"],
                    attributes=SCROLL_REGION | {"aria-label": f"Table {table}: one person's story"})
    elif result.state == solara.ResultState.ERROR:
        solara.Text(f"The story could not be told: {result.error}", classes=["ws-error"])
    else:
        solara.Text("Running your table's rounds and a blame culture's for one place...")


@solara.component
def Debrief(workshop_id: str, tables: list[int], names):
    """Per table: decisions by round, outcome curves against the reference cultures, one sentence
    per outcome group; the room's predictions; the tables compared."""
    sv = service()
    w = sv.workshop(workshop_id)
    refs = solara.use_memo(lambda: sv.references(workshop_id), dependencies=[workshop_id])
    predictions = sv.predictions(workshop_id)
    solara.HTML(tag="h1", unsafe_innerHTML="Debrief")
    compared = []
    for t in tables:
        results = sv.visible_results(workshop_id, t)
        rows = [row for r in sorted(results) for row in results[r]["weeks"]]
        decisions = sv.decisions(workshop_id, t)
        with solara.Card(classes=["ws-card", f"ws-debrief-{t}"]):
            heads = headings(t, facilitator=names is not None)
            solara.HTML(tag="h2", unsafe_innerHTML=heads["table"])
            headers = ["Seat", *[f"Round {r}" for r in sorted(decisions)]]
            body = []
            for seat in sv.status(workshop_id)["seats"]:
                cells = [(dec.SEAT_LABELS[seat], {})]
                for r in sorted(decisions):
                    d = decisions[r].get(seat)
                    text = "" if d is None else dec.short_text(d["decisions"]) + SOURCE_NOTE.get(d["source"], "")
                    cells.append((text, {"seat": seat, "round": str(r)}))
                body.append(cells)
            solara.HTML(tag="div", unsafe_innerHTML=charts.table_html(headers, body, "ws-table ws-decisions"),
                        classes=["ws-scroll"], attributes=SCROLL_REGION | {"aria-label": f"Table {t}'s decisions"})
            svgs = []
            for group, outcome in SCORECARD.items():
                series = [("table", f"table {t}", [row[outcome] for row in rows])]
                series += [(s, title, [row[outcome] for row in refs[s]]) for s, title in REFERENCE_TITLES.items()]
                svgs.append(charts.curves(outcome, f"{SCORECARD_TITLES[group]}: {present.outcome_label(outcome)}",
                                          present.unit_text(outcome), series, w["weeks_per_round"], t,
                                          w=CHART_W, h=CHART_H))
            solara.HTML(tag="div", unsafe_innerHTML="".join(f"<div>{s}</div>" for s in svgs), classes=["ws-grid"])
            solara.Text(verdict(rows, refs, w["weeks_per_round"], facilitator=names is not None),
                        classes=["ws-verdict"], style={"display": "block", "font-weight": "bold", "margin": "8px 0"})
            solara.HTML(tag="h2", unsafe_innerHTML="Round by round")
            asked = sv.table_requests(workshop_id, t)
            for r, lines in story(results, asked).items():
                solara.Text(f"Round {r}", style={"display": "block", "font-weight": "bold"}, classes=["ws-story-round"])
                for line, quoted in lines:
                    solara.Text(line, style={"display": "block"}, classes=["ws-story"])
                    if quoted is not None:
                        solara.Text(f"\u201c{quoted}\u201d", style={"display": "block", "margin-left": "12px"},
                                    classes=["ws-story-request"])
            for level, sentence in reference_sentences(rows, refs, w["weeks_per_round"]).items():
                solara.Text(sentence, style={"display": "block"}, classes=[f"ws-sentence-{level}"])
            PersonStory(workshop_id, t)
            last = rows[-w["weeks_per_round"]:]
            actual = score(last, "delayed_transfers")
            mine = [p for p in predictions if p["table_no"] == t]
            if mine:
                solara.HTML(tag="h2", unsafe_innerHTML=heads["predictions"])
                solara.Text(f"Delayed transfers in the last round: {present.number(actual)} patients per day.",
                            classes=["ws-actual"], style={"display": "block"})
                for p in mine:
                    solara.Text(f"{dec.SEAT_LABELS[p['seat']]} predicted {present.number(p['delayed_transfers'])}, "
                                "caused by: ", style={"font-weight": "bold"})
                    solara.Text(p["cause"], classes=["ws-cause"], style={"display": "block"})
            compared.append([(f"Table {t}", {})] + [
                (present.number(score(last, o)), {"table": str(t), "outcome": o, "value": repr(score(last, o))})
                for o in SCORECARD.values()])
    if len(tables) > 1:
        weeks = w["rounds"] * w["weeks_per_round"]
        first = weeks - w["weeks_per_round"] + 1
        for s, title in REFERENCE_TITLES.items():
            ref_last = [r for r in refs[s] if r["week"] >= first]
            compared.append([(title, {})] + [(present.number(score(ref_last, o)), {"reference": s, "outcome": o})
                                             for o in SCORECARD.values()])
        solara.HTML(tag="h2", unsafe_innerHTML="The tables compared (last round)")
        solara.HTML(tag="div", unsafe_innerHTML=charts.table_html(
            ["", *[f"{SCORECARD_TITLES[g]}: {present.outcome_label(o)}" for g, o in SCORECARD.items()]], compared,
            "ws-table ws-compared"), classes=["ws-scroll"],
            attributes=SCROLL_REGION | {"aria-label": "The tables compared"})


routes = [solara.Route(path="/", component=Shell, layout=Plain),
          solara.Route(path="play", component=Shell),
          solara.Route(path="facilitator", component=Shell),
          solara.Route(path="room", component=Shell)]
