"""The workshop end to end in real headless Chromium: a facilitator (1280x720) and eight players on
phone-sized contexts (390x844) at two tables run a three-round workshop to the debrief; the
computer plays the fifth seat at each table.

On the way: a name with markup shows as text; a request reaches its seat; a player reloads
mid-round and keeps their seat; a player asking to decide for another seat is refused; the
server is killed (SIGKILL) mid-round and started again on the same database, and the workshop
continues; a winter surge is thrown into round 2; between rounds the results wait for the
facilitator to start the clock; the room view shows the join address, a QR code, the computer's
seats marked and every table's path in text of at least 16 px; the debrief tells the table's
story; its curves equal ``slsim.tools.workshop.replay(...)`` at full precision. A screenshot of
each screen goes to ``test-artifacts/workshop/``, each checked for text that overflows its box
and by axe-core (no serious or critical violation).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from slsim.tools.workshop import replay  # noqa: E402
from slsim.tools.workshop.debrief import SCORECARD  # noqa: E402
from slsim.tools.workshop.store import Store  # noqa: E402

CLI = "import sys; from slsim.tools.cli import main; sys.exit(main())"  # the slsim command in a child

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workshop"
MARKUP_NAME = '<img src=x onerror="alert(1)">Ann'
T = 30_000  # ms: a page's answer on a loaded 2-core machine

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``slsim workshop`` as a subprocess in its own process group."""

    def __init__(self, db: Path, port: int, log: Path) -> None:
        self.db, self.port, self.log = db, port, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> str:
        out = self.log.open("a")
        self.proc = subprocess.Popen([sys.executable, "-c", CLI,
                                      "workshop", "--port", str(self.port), "--db", str(self.db)],
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"slsim workshop exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2) as r:
                    if r.status == 200:
                        keys = re.findall(r"facilitator\?key=(\S+)", self.log.read_text())
                        return keys[-1]
            except OSError:
                time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"slsim workshop did not answer within {timeout} s:\n{self.log.read_text()}")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=20)
        self.proc = None


@pytest.fixture
def server(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup_browser.sh")
    s = Server(tmp_path / "room.db", _free_port(), tmp_path / "server.log")
    yield s
    s.kill()
    log = s.log.read_text(errors="replace")
    assert "Traceback (most recent call last)" not in log, log[-4000:]
    assert "Could not load URL" not in log


PHONE = {"width": 390, "height": 844}
ROOM = {"width": 1280, "height": 720}

# Every visible element with text of its own whose text runs past its box (scrollWidth beyond
# clientWidth, spilled or clipped) or past the window's edges, and whether the page scrolls sideways.
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth, bad = [];
  for (const el of document.querySelectorAll('.ws-root *')) {
    if (el instanceof SVGElement) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('.ws-scroll')) continue;
    const spill = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline';
    if (spill || r.right > vw + 1 || r.left < -1) bad.push(el.className + ': ' + el.textContent.trim().slice(0, 60));
  }
  if (document.documentElement.scrollWidth > vw + 1) bad.push('the page scrolls sideways');
  return bad;
}"""


AXE: list = []  # the axe fixture's check, set by the test (conftest functions are not imported by name)


def _shot(page, name: str) -> None:
    """A full-page screenshot, after checking that no text overflows its box on this screen and
    that axe-core finds no serious or critical accessibility violation."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # Vuetify's transitions
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    bad = page.evaluate(OVERFLOW_JS)
    assert not bad, f"{name}: text overflows its box: {bad[:5]}"
    if AXE:
        found = AXE[0](page)
        assert not found, f"{name}: axe-core: {found}"


def _decide(page, choices: dict[str, str], round_no: int) -> None:
    expect(page.locator(".ws-decide h2")).to_contain_text(f"round {round_no}", timeout=T)
    for decision, choice in choices.items():
        button = page.locator(f".ws-choice-{decision}-{choice}")
        if "v-btn--active" not in (button.get_attribute("class") or ""):
            button.click()
        expect(button).to_have_class(re.compile("v-btn--active"), timeout=T)
    page.locator(".ws-submit").click()


PLAN = {  # seat -> choices in every round (the rest stay as today; failures have no today: chosen)
    "acute": {"failure_response": "joint_review", "pool_offer": "5"},
    "community": {"failure_response": "blame_person", "boundary_time": "much"},
    "social_care": {"failure_response": "blame_partner", "pool_answer": "yes"},
    "primary_care": {"failure_response": "blame_person", "citizens": "early"},
    "voluntary": {"failure_response": "blame_person", "pilot": "scale"},
}


def test_a_room_runs_a_workshop_to_the_debrief(server, tmp_path, browser, axe):
    # pytest-playwright's browser: one per test process, shared with the app's browser tests (a second
    # sync_playwright in a process that already runs one fails).
    AXE[:] = [axe]
    key = server.start()
    base = f"http://127.0.0.1:{server.port}"
    contexts = [browser.new_context(viewport=ROOM if i == 0 else PHONE) for i in range(10)]
    fac = contexts[0].new_page()
    fac.goto(f"{base}/facilitator?key={key}")
    fac.locator(".ws-create").wait_for(timeout=T)
    fac.locator(".ws-setup-tables input").fill("2")
    fac.locator(".ws-setup-rounds input").fill("3")
    fac.locator(".ws-setup-weeks input").fill("4")
    fac.locator(".ws-setup-citizens input").fill("1000")
    fac.locator(".ws-setup-seed input").fill("17")
    _shot(fac, "1-facilitator-setup")
    fac.locator(".ws-create").click()
    code = fac.locator(".ws-code")
    code.wait_for(timeout=T)
    join_code = code.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", join_code)

    # A wrong key sees nothing of the workshop.
    intruder = contexts[9].new_page()
    intruder.goto(f"{base}/facilitator?key=wrong")
    expect(intruder.locator(".ws-refused")).to_contain_text("only the facilitator", timeout=T)
    assert intruder.locator(".ws-code").count() == 0
    intruder.close()

    players = {}  # (table, seat) -> page; 8 players fill 4 seats at each of 2 tables, the computer the fifth
    for i, name in enumerate([MARKUP_NAME, "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"]):
        page = contexts[i + 1].new_page()
        page.goto(f"{base}/")
        page.locator(".ws-join-code input").fill(join_code.lower())
        page.locator(".ws-join-name input").fill(name)
        page.locator(".ws-join").click()
        expect(page.locator(".ws-seat")).to_be_visible(timeout=T)
        seat_text = page.locator(".ws-seat").inner_text()
        seat = next(s for s, label in (("acute", "acute hospital"), ("community", "community health"),
                                       ("social_care", "adult social care"), ("primary_care", "primary care"),
                                       ("voluntary", "voluntary")) if label in seat_text)
        players[(int(re.search(r"Table (\d+)", seat_text).group(1)), seat)] = page
        if i == 0:
            _shot(page, "2-player-joined")
    assert {s for _, s in players} == set(PLAN) - {"voluntary"} and {t for t, _ in players} == {1, 2}
    # The markup name is text: shown as typed, and no element made from it.
    ann = players[(1, "acute")]
    expect(ann.locator(".ws-name")).to_have_text(MARKUP_NAME)
    assert ann.locator("img[src=x]").count() == 0
    expect(fac.locator(".ws-player-name").first).to_have_text(MARKUP_NAME, timeout=T)
    assert fac.locator("img[src=x]").count() == 0

    fac.locator(".ws-advance").click()  # start round 1
    expect(fac.locator(".ws-phase")).to_contain_text("round 1 of 3", timeout=T)
    _shot(fac, "3-facilitator-dashboard")

    # Round 1: a request across the boundary, then everyone decides.
    ann.locator(".ws-decide").wait_for(timeout=T)
    ann.locator(".ws-request-to").click()
    ann.get_by_role("option", name="Director, adult social care").click()
    ann.locator(".ws-request-input input").fill("Please <b>assess</b> our delayed patients by Friday")
    ann.locator(".ws-request-send").click()
    expect(ann.locator(".ws-request-message")).to_have_text("Sent.", timeout=T)
    social = players[(1, "social_care")]
    expect(social.locator(".ws-request-text").first).to_have_text(
        "Please <b>assess</b> our delayed patients by Friday", timeout=T)
    # Each choice shows what the model's run of the round gives it: a pooled budget costs the hospital.
    expect(ann.locator(".ws-outlook-intro")).to_be_visible(timeout=T)
    expect(ann.locator(".ws-choice-pool_offer-10")).to_contain_text("your balance \u2212", timeout=T)
    _shot(ann, "4-player-seat")
    for (_, seat), page in players.items():
        _decide(page, PLAN[seat], 1)
    for page in players.values():
        expect(page.locator(".ws-round")).to_contain_text("round 2 of 3", timeout=T)
    # Between rounds: results shown, the clock waits for the facilitator.
    expect(social.locator(".ws-between")).to_be_visible(timeout=T)
    _shot(social, "5-player-after-round-1")
    room = contexts[0].new_page()
    room.goto(base + fac.locator(".ws-room-link").get_attribute("href"))
    room.locator(".ws-room-chart").first.wait_for(timeout=T)
    expect(room.locator(".ws-room-computer")).to_have_count(2)  # the voluntary seat at each table
    expect(room.locator(".ws-room-computer").first).to_contain_text("computer plays")
    assert room.locator(".ws-qr svg").count() == 1
    assert room.locator(".ws-room-label").count() == 4 * 2  # two tables and two references, on two charts
    smallest = room.evaluate("""() => Math.min(...[...document.querySelectorAll('.ws-room text, .ws-room span')]
        .filter(e => e.getBoundingClientRect().width > 0)
        .map(e => e instanceof SVGElement ? parseFloat(e.getAttribute('font-size')) * e.getScreenCTM().a
                                          : parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 16, f"room view text of {smallest:.1f} px at 1280x720"
    _shot(room, "5b-room-view")
    # A shock for round 2: every table's players see it.
    fac.locator(".ws-shock-winter_surge").click()
    expect(fac.locator(".ws-shock-thrown-winter_surge")).to_be_visible(timeout=T)
    expect(social.locator(".ws-shock-winter_surge")).to_contain_text("winter surge", timeout=T)
    expect(players[(2, "acute")].locator(".ws-shock-winter_surge")).to_be_visible(timeout=T)
    _shot(fac, "5c-facilitator-between-rounds-shock")
    fac.locator(".ws-start-clock").click()
    expect(fac.locator(".ws-phase")).to_contain_text("deciding", timeout=T)

    # Round 2: a reload keeps the seat; asking to decide for another seat is refused.
    bo = players[(1, "community")]
    bo.reload()
    expect(bo.locator(".ws-seat")).to_contain_text("community health", timeout=T)
    expect(bo.locator(".ws-round")).to_contain_text("round 2 of 3", timeout=T)
    cy = players[(1, "social_care")]
    own = cy.url
    cy.goto(own + "&seat=acute")
    cy.locator(".ws-submit").click()
    expect(cy.locator(".ws-submit-message")).to_contain_text("cannot decide for another seat", timeout=T)
    _shot(cy, "6-player-refused-another-seat")
    cy.goto(own)
    for (_, seat), page in players.items():
        _decide(page, PLAN[seat], 2)
    for page in players.values():
        expect(page.locator(".ws-round")).to_contain_text("round 3 of 3", timeout=T)
    fac.locator(".ws-start-clock").click()
    expect(fac.locator(".ws-phase")).to_contain_text("deciding", timeout=T)
    room.close()

    # Round 3: two seats submit, then the server is killed and started again.
    for who in ((1, "acute"), (1, "community")):
        _decide(players[who], PLAN[who[1]], 3)
        expect(players[who].locator(".ws-submit-message")).to_contain_text("Submitted", timeout=T)
    before = Store(server.db).round_results(Store(server.db).workshop_ids()[0], 1)
    server.kill()
    assert server.start() == key, "the facilitator's address survives a restart"
    for page in players.values():
        page.goto(page.url.split("&")[0])
        expect(page.locator(".ws-round")).to_contain_text("round 3 of 3", timeout=T)
    expect(ann.locator(".ws-ok").first).to_contain_text("Submitted", timeout=T)
    for who in sorted(set(players) - {(1, "acute"), (1, "community")}):
        _decide(players[who], PLAN[who[1]], 3)

    # Predict, then reveal.
    for i, ((_, seat), page) in enumerate(players.items()):
        page.locator(".ws-predict").wait_for(timeout=T)
        page.locator(".ws-predict-value input").fill(str(2 + i))
        page.locator(".ws-predict-cause input").fill(f"{seat} <i>waited</i> for the others")
        page.locator(".ws-predict-send").click()
        expect(page.locator(".ws-predict-message")).to_contain_text("Prediction saved", timeout=T)
    _shot(players[(2, "primary_care")], "7-player-prediction")
    fac.goto(f"{base}/facilitator?key={key}")
    expect(fac.locator(".ws-predictions-count")).to_contain_text("8 of 8", timeout=T)
    fac.locator(".ws-advance").click()
    fac.locator(".ws-debrief-1").wait_for(timeout=T)
    fac.locator(".ws-line").first.wait_for(state="attached", timeout=T)
    _shot(fac, "8-facilitator-debrief")
    expect(ann.locator(".ws-debrief-1")).to_be_visible(timeout=T)
    _shot(ann, "9-player-debrief")
    assert fac.locator(".ws-cause").first.inner_text().endswith("<i>waited</i> for the others")
    # The debrief tells the story: the request in the players' words (as text), and a verdict.
    expect(fac.locator(".ws-debrief-1 .ws-story-request").first).to_contain_text("Please <b>assess</b>")
    expect(fac.locator(".ws-debrief-1 .ws-verdict")).to_contain_text("people a day")

    drawn = {}
    for outcome in SCORECARD.values():
        line = fac.locator(f'.ws-line[data-series="table"][data-outcome="{outcome}"][data-table="1"]')
        drawn[outcome] = [float(v) for v in json.loads(line.get_attribute("data-values"))]
    for context in contexts:
        context.close()

    again = replay(server.db, 1)
    assert list(again.frame["week"]) == list(range(1, 13))
    for outcome, values in drawn.items():
        assert values == list(again.frame[outcome]), f"{outcome}: the debrief differs from replay()"
    store = Store(server.db)
    wid = store.workshop_ids()[0]
    assert {r: again.rounds[r] for r in before} == before, "rounds computed before the kill replay identically"
    assert store.round_results(wid, 1) == again.rounds
    sources = {(r, s): d["source"] for r, seats in store.decisions(wid, 1).items() for s, d in seats.items()}
    assert {k: v for k, v in sources.items() if k[1] != "voluntary"} == {k: "player" for k in sources
                                                                         if k[1] != "voluntary"}, sources
    assert {v for k, v in sources.items() if k[1] == "voluntary"} == {"computer"}
    assert store.decisions(wid, 1)[3]["acute"]["decisions"]["failure_response"] == "joint_review"
