"""End-to-end: the real app (``slsim app``) in real headless Chromium, driven by Playwright.

Numbers are never hard-coded (the model is still being calibrated): what the page shows is checked
against the run layer (`slsim.run` / `slsim.compare`) for the same scenario, seed and settings.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

import slsim
from slsim.results.present import HEADLINE_OUTCOMES, parameter_label, summary_sentences

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EXPLORE = ".slsim-view-explore"


# How much taller than the window the page's content is: Solara scrolls inside its own container,
# so the document itself never grows and Playwright's full_page alone captures one window.
HIDDEN_HEIGHT_JS = """() => Math.max(0, ...[...document.querySelectorAll('*')]
    .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
    .map(e => e.scrollHeight - e.clientHeight))"""


def shot(page, name: str) -> None:
    """Save a screenshot of the whole page, content below the fold included."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    extra = min(int(page.evaluate(HIDDEN_HEIGHT_JS)), 8000)  # a cap keeps the image a sane size
    if extra:
        page.set_viewport_size({"width": size["width"], "height": size["height"] + extra})
        page.wait_for_timeout(200)  # let the charts lay themselves out at the new height
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        if extra:
            page.set_viewport_size(size)


def wait_week(page, week: int) -> None:
    page.locator(".slsim-week").filter(has_text=f"Week {week}").wait_for()
    # the charts carry the week they show: wait until they have caught up
    page.wait_for_function(
        "w => { const c = document.querySelectorAll('.slsim-view-explore svg.slsim-chart');"
        " return c.length > 0 && [...c].every(e => e.dataset.week == String(w)); }", arg=week)


def chart_values(page) -> dict[str, tuple[int, float]]:
    rows = page.eval_on_selector_all(f"{EXPLORE} svg.slsim-chart",
                                     "els => els.map(e => [e.dataset.outcome, e.dataset.week, e.dataset.value])")
    return {name: (int(week), float(value)) for name, week, value in rows}


def pick(page, select_class: str, option: str) -> None:
    """Choose an option of a Vuetify select (its menu opens detached from the field)."""
    page.locator(f".{select_class}").click()
    page.locator(".menuable__content__active .v-list-item").get_by_text(option, exact=True).click()


def type_into(page, input_class: str, text: str) -> None:
    box = page.locator(f".{input_class} input")
    box.fill(text)
    box.press("Enter")


def assert_matches_run_layer(page, scenario, weeks, seed, params=None, timeline=None) -> None:
    expected = slsim.run(scenario, weeks=weeks, replicates=1, seed=seed, params=params, timeline=timeline).frame
    last = expected[expected["week"] == weeks].iloc[0]
    shown = chart_values(page)
    assert set(shown) == set(slsim.OUTCOMES), "one chart per outcome"
    for name, (week, value) in shown.items():
        assert week == weeks
        want = float(last[name])
        assert value == want or (math.isnan(value) and math.isnan(want)), f"{name}: page {value} != run layer {want}"


def test_explore_pick_set_step_matches_run_layer(new_page):
    page = new_page()
    wait_week(page, 0)
    pick(page, "slsim-scenario", "Shared, ceded systems leadership")  # scenarios by their titles
    page.locator(".slsim-narrative").filter(has_text="lead by influence").wait_for()
    type_into(page, "slsim-input-ceding", "0.55")
    page.locator(".slsim-msg").filter(has_text=f"{parameter_label('ceding')} set to 0.55").wait_for()
    type_into(page, "slsim-input-seed", "7")
    page.locator(".slsim-msg").filter(has_text="seed 7").wait_for()
    page.locator(".slsim-step").click()
    wait_week(page, 1)
    first = chart_values(page)
    net_ties_1 = int(page.locator("svg.slsim-network").get_attribute("data-ties"))
    page.locator(".slsim-step13").click()
    wait_week(page, 14)
    page.locator(".slsim-step").click()
    wait_week(page, 15)
    later = chart_values(page)
    assert sum(first[n][1] != later[n][1] for n in first) >= 5, "charts and numbers update as weeks pass"
    assert page.locator("svg.slsim-network").get_attribute("data-week") == "15"
    assert int(page.locator("svg.slsim-network").get_attribute("data-ties")) != net_ties_1 or net_ties_1 > 0
    assert_matches_run_layer(page, "systems_leadership", 15, 7, params={"ceding": 0.55})
    code = page.locator(".slsim-code").inner_text()
    assert "slsim.run('systems_leadership', weeks=15, replicates=1, seed=7, params={'ceding': 0.55})" in code
    shot(page, "explore")


def test_bad_values_refused_with_message(new_page):
    page = new_page()
    page.locator(".slsim-step").click()
    wait_week(page, 1)
    type_into(page, "slsim-input-ceding", "lots")
    err = page.locator(".slsim-error-ceding")
    err.wait_for()
    assert "'lots' is not allowed" in err.inner_text() and "0 to 1" in err.inner_text()
    type_into(page, "slsim-input-ceding", "1.5")
    page.locator(".slsim-error-ceding").filter(has_text="'1.5' is not allowed").wait_for()
    assert page.locator(".slsim-week").inner_text() == "Week 1", "a refused value does not restart the run"
    page.get_by_text("Pressure, money and size").click()
    type_into(page, "slsim-input-n_citizens", "2500.5")
    page.locator(".slsim-error-n_citizens").filter(has_text="whole number").wait_for()
    type_into(page, "slsim-input-seed", "-3")
    page.locator(".slsim-error-seed").filter(has_text="whole number").wait_for()
    page.locator(".slsim-iv-value input").fill("abc")
    page.locator(".slsim-iv-apply").click()
    page.locator(".slsim-error-intervention").filter(has_text="'abc' is not allowed").wait_for()
    assert "params=" not in page.locator(".slsim-code").inner_text() and "timeline=" not in page.locator(
        ".slsim-code").inner_text(), "nothing refused reached the model"
    # a good value clears the message
    type_into(page, "slsim-input-ceding", "0.2")
    page.locator(".slsim-msg").filter(has_text=f"{parameter_label('ceding')} set to 0.2").wait_for()
    page.locator(".slsim-error-ceding").wait_for(state="detached")
    shot(page, "bad-values")


def test_mid_run_intervention_marked_and_reproducible(new_page, axe):
    page = new_page()
    page.locator(".slsim-step13").click()
    wait_week(page, 13)
    page.locator(".slsim-iv-value input").fill("0.9")
    page.locator(".slsim-iv-apply").click()
    page.locator(".slsim-msg").filter(has_text="intervention from week 14").wait_for()
    page.locator(".slsim-step13").click()
    wait_week(page, 26)
    n = len(slsim.OUTCOMES)
    marks = page.locator(f'{EXPLORE} svg.slsim-chart line.slsim-mark[data-kind="intervention"][data-week="14"]')
    assert marks.count() == n, "the intervention is marked on every chart"
    timeline = [{"week": 14, "set": {"ceding": 0.9}, "note": "Trainer: ceding = 0.9"}]  # notes do not change numbers
    assert_matches_run_layer(page, "blame_culture", 26, 0, timeline=timeline)
    # adopt another scenario's style, then explain a week from the log
    page.locator(".slsim-adopt").click()
    page.locator(".slsim-msg").filter(has_text="intervention from week 27").wait_for()
    page.locator(".slsim-step").click()
    wait_week(page, 27)
    assert page.locator(f'{EXPLORE} line.slsim-mark[data-week="27"]').count() == n
    row = page.locator(".slsim-log tr").filter(has_text="Trainer:").first
    row.wait_for()
    # half a year of events: the log scrolls, so it must be reachable by keyboard (axe: serious)
    assert page.eval_on_selector(".slsim-log", "e => e.scrollHeight > e.clientHeight"), "the log scrolls"
    assert not axe(page), axe(page)
    week = int(row.get_attribute("data-week"))
    page.locator(f".slsim-week-btn-{week}").click()
    # every chart highlights the week (the three groups update one after the other)
    page.wait_for_function("([w, n]) => document.querySelectorAll('.slsim-view-explore svg.slsim-chart "
                           "rect.slsim-highlight[data-week=\"' + w + '\"]').length == n", arg=[week, n])
    page.locator(f'.slsim-log tr.hl[data-week="{week}"]').first.wait_for()  # and its rows in the log
    # filter the log by kind: only interventions left
    page.locator(".slsim-kinds").click()
    menu = page.locator(".menuable__content__active")
    menu.locator(".v-list-item").first.wait_for()
    for kind in menu.locator(".v-list-item").all_inner_texts():
        if kind.strip() != "intervention":
            menu.locator(".v-list-item").get_by_text(kind.strip(), exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => { const r = [...document.querySelectorAll('.slsim-log tr')];"
                           " return r.length == 2 && r.every(x => x.dataset.kind == 'intervention'); }")
    shot(page, "intervention")


def test_sessions_are_isolated_and_not_frozen(new_page):
    a, b = new_page(), new_page()
    a.locator(".slsim-step13").click()
    wait_week(a, 13)
    type_into(a, "slsim-input-blame_response", "0.3")
    a.locator(".slsim-msg").filter(has_text=f"{parameter_label('blame_response')} set to 0.3").wait_for()
    a.locator(".slsim-step").click()
    wait_week(a, 1)
    assert b.locator(".slsim-week").inner_text() == "Week 0"
    assert b.locator(".slsim-input-blame_response input").input_value() == "0.85", "B keeps its own set-up"
    b.locator(".slsim-step").click()
    wait_week(b, 1)
    b.locator(".slsim-step").click()
    wait_week(b, 2)
    assert a.locator(".slsim-week").inner_text() == "Week 1"
    assert_matches_run_layer(a, "blame_culture", 1, 0, params={"blame_response": 0.3})
    assert_matches_run_layer(b, "blame_culture", 2, 0)
    # a long comparison in A must not freeze B
    a.get_by_role("button", name="Compare", exact=True).click()
    a.locator(".slsim-cmp-run").click()
    a.locator(".slsim-cmp-status").first.wait_for()
    t0 = time.perf_counter()
    b.locator(".slsim-step").click()
    wait_week(b, 3)
    waited = time.perf_counter() - t0
    still_running = a.locator(".slsim-cmp-done").count() == 0
    assert waited < 3.0, f"B's step took {waited:.1f} s while A compared"
    assert still_running or waited < 1.0
    shot(b, "session-b")
    # generous: the comparison's workers yield the cores, and a shared CI machine may be busy
    a.locator(".slsim-cmp-done").wait_for(timeout=240_000)


def test_compare_same_seeds_bands_and_sentences(new_page):
    page = new_page()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.locator(".slsim-view-explore").wait_for(state="hidden")
    assert page.locator(".slsim-view-learn").is_hidden() and page.locator(".slsim-cmp-run").is_visible()
    # a bad value first: refused beside the controls
    page.locator(".slsim-cmp-reps input").fill("1")
    page.locator(".slsim-cmp-run").click()
    page.locator(".slsim-error-compare").filter(has_text="replicates").wait_for()
    page.locator(".slsim-cmp-weeks input").fill("30")
    page.locator(".slsim-cmp-reps input").fill("4")
    page.locator(".slsim-cmp-seed input").fill("3")
    page.locator(".slsim-cmp-run").click()
    page.locator(".slsim-cmp-done").wait_for(timeout=60_000)
    expected = summary_sentences(slsim.compare(["blame_culture", "systems_leadership"], weeks=30, replicates=4,
                                               seed=3))
    for level, sentence in expected.items():
        assert page.locator(f".slsim-sentence-{level}").inner_text() == sentence
    page.wait_for_function("n => document.querySelectorAll('.slsim-view-compare polygon.slsim-band').length == n",
                           arg=2 * len(slsim.OUTCOMES))
    with page.expect_download() as dl:
        page.get_by_role("button", name="Differences (CSV)").click()
    text = Path(dl.value.path()).read_text()
    assert text.splitlines()[0].startswith("outcome,level,unit") and len(text.splitlines()) == 1 + len(slsim.OUTCOMES)
    shot(page, "compare")


def test_tour_glossary_presentation_and_exports(new_page):
    page = new_page()
    page.get_by_role("button", name="Learn", exact=True).click()
    glossary = page.locator(".slsim-glossary")
    for term in ("Delayed transfer of care", "Ceded leadership", "Co-production", "Psychological safety"):
        assert term in glossary.inner_text()
    page.locator(".slsim-start-tour").click()
    page.locator(".slsim-tour").filter(has_text="1/").wait_for()
    page.locator(".slsim-tour-next").click()
    page.locator(".slsim-tour").filter(has_text="The place as a network").wait_for()
    wait_week(page, 26)
    page.locator(".slsim-net-box.slsim-tour-target").wait_for()  # the tour outlines what it describes
    page.locator(".slsim-tour-back").click()  # Back, then Next again, never runs the model on
    page.locator(".slsim-tour").filter(has_text="Welcome").wait_for()
    page.locator(".slsim-tour-next").click()
    page.locator(".slsim-tour").filter(has_text="The place as a network").wait_for()
    page.wait_for_timeout(500)
    assert page.locator(".slsim-week").inner_text() == "Week 26"
    shot(page, "tour")
    # play runs on by itself; pause stops it; reset goes back to week 0
    page.locator(".slsim-play").click()
    page.wait_for_function("() => parseInt(document.querySelector('.slsim-week').innerText.split(' ')[1]) >= 29")
    page.locator(".slsim-pause").click()
    page.locator(".slsim-play").wait_for()
    page.wait_for_timeout(300)  # a week already being stepped when Pause was pressed may still land
    stopped = page.locator(".slsim-week").inner_text()
    page.wait_for_timeout(800)  # three play ticks
    assert page.locator(".slsim-week").inner_text() == stopped
    page.locator(".slsim-reset").click()
    wait_week(page, 0)
    page.locator(".slsim-tour-next").click()  # the tour's next step leaves the week alone
    page.locator(".slsim-tour").filter(has_text="How people think").wait_for()
    page.locator(".slsim-tour-target").first.wait_for()
    page.wait_for_timeout(400)  # the scroll to the target
    # the card (its text and Next) stays on screen while the page scrolls to what it describes
    card = page.locator(".slsim-tour-next").bounding_box()
    target = page.locator(".slsim-tour-target").first.bounding_box()
    height = page.viewport_size["height"]
    assert 0 <= card["y"] and card["y"] + card["height"] <= height, card
    tour = page.locator(".slsim-tour").bounding_box()
    assert target["y"] >= tour["y"] + tour["height"] or target["y"] > height / 3, (tour, target)
    page.locator(".slsim-step13").click()
    page.locator(".slsim-step13").click()
    wait_week(page, 26)
    page.locator(".slsim-present-switch").click()
    page.locator(".slsim-present").wait_for()
    page.locator(".slsim-scenario").wait_for(state="hidden")  # presentation mode hides the set-up column
    big = page.eval_on_selector(".slsim-present", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert big >= 20
    shot(page, "presentation")
    page.locator(".slsim-drawer-btn").click()  # the downloads are in the trainer drawer
    with page.expect_download() as dl:
        page.get_by_role("button", name="Data (CSV)").click()
    lines = Path(dl.value.path()).read_text().splitlines()
    assert lines[0].startswith("week,") and len(lines) == 1 + 26
    with page.expect_download() as dl:
        page.get_by_role("button", name="Charts (PNG)").click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------- a trainer in front of a room
IN_VIEW_JS = """sel => [...document.querySelectorAll(sel)].map(e => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; })"""
# Rendered size of every chart text: its font size times how much its SVG is scaled on screen.
SMALLEST_CHART_TEXT_JS = """sel => Math.min(...[...document.querySelectorAll(sel)].filter(s => s.clientWidth > 0)
    .flatMap(s => { const k = s.clientWidth / s.viewBox.baseVal.width;
                    return [...s.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * k); }))"""
WIDEST_RIGHT_EDGE_JS = """() => Math.max(...[...document.querySelectorAll('.slsim-root *')]
    .map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0 && r.height > 0).map(r => r.right))"""


def assert_on_one_screen(page) -> None:
    """The week, the network, every headline chart and its sentence lie inside the window."""
    size = page.viewport_size
    boxes = {sel: page.evaluate(IN_VIEW_JS, sel) for sel in
             (".slsim-week", ".slsim-net svg", ".slsim-headline svg.slsim-chart", ".slsim-headline-sentence",
              ".slsim-headline-legend")}
    assert len(boxes[".slsim-headline svg.slsim-chart"]) == len(HEADLINE_OUTCOMES)
    assert len(boxes[".slsim-headline-sentence"]) == len(HEADLINE_OUTCOMES)
    for sel, rects in boxes.items():
        for left, top, right, bottom in rects:
            assert left >= 0 and top >= 0 and right <= size["width"] + 1 and bottom <= size["height"] + 1, \
                f"{sel} at {left:.0f},{top:.0f}-{right:.0f},{bottom:.0f} leaves the " \
                f"{size['width']}x{size['height']} screen"
    assert page.locator(".slsim-code").is_hidden() and page.locator(".slsim-trainer").is_hidden(), \
        "no code and no trainer controls on screen until the drawer is opened"


def download_first_click(page, name: str) -> bytes:
    """Click a download button once; the file must come (a second click must never be needed)."""
    with page.expect_download(timeout=30_000) as dl:
        page.get_by_role("button", name=name).click()
    return Path(dl.value.path()).read_bytes()


def test_projector_exports_reload_and_accessibility(new_page, axe):
    """One page, as a trainer uses it: presentation mode on one 1280x720 (and 1920x1080) screen,
    every download on its first click after each toggle, accessibility (axe-core) in each view,
    "200,000" citizens read as two hundred thousand, and a reload that keeps everything."""
    page = new_page()
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.get_by_text("This website runs on").count() == 0, "no Solara badge over the charts"
    assert not axe(page), axe(page)
    # words, not identifiers: "200,000" is two hundred thousand, refused above the browser's cap
    page.get_by_text("Pressure, money and size").click()
    type_into(page, "slsim-input-n_citizens", "200,000")
    err = page.locator(".slsim-error-n_citizens")
    err.wait_for()
    assert "'200,000' is not allowed" in err.inner_text() and "from 100 to 50,000" in err.inner_text()
    type_into(page, "slsim-input-n_citizens", "2,000")
    page.locator(".slsim-msg").filter(has_text=f"{parameter_label('n_citizens')} set to 2000").wait_for()
    page.locator(".slsim-step13").click()
    wait_week(page, 13)
    page.locator(".slsim-iv-value input").fill("0.9")
    page.locator(".slsim-iv-apply").click()
    page.locator(".slsim-msg").filter(has_text="intervention from week 14").wait_for()
    page.locator(".slsim-surge").click()
    page.locator(".slsim-msg").filter(has_text="winter surge").wait_for()
    page.locator(".slsim-surge").click()  # twice: refused, never compounded
    page.locator(".slsim-error-intervention").filter(has_text="already on").wait_for()
    page.locator(".slsim-step").click()
    wait_week(page, 14)
    assert page.evaluate(SMALLEST_CHART_TEXT_JS, f"{EXPLORE} svg.slsim-chart") >= 12
    for name in ("Data (CSV)", "Event log (CSV)"):
        assert download_first_click(page, name)
    # presentation mode on a projector
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".slsim-present-switch").click()
    page.locator(".slsim-headline svg.slsim-chart").nth(len(HEADLINE_OUTCOMES) - 1).wait_for()
    assert_on_one_screen(page)
    assert page.evaluate(SMALLEST_CHART_TEXT_JS, ".slsim-headline svg.slsim-chart") >= 12
    marks = page.locator('.slsim-headline line.slsim-mark[data-kind="intervention"]')
    assert marks.count() >= len(HEADLINE_OUTCOMES), "interventions marked on the headline charts"
    assert page.locator(".slsim-headline-legend li").count() == 3, "each mark numbered in the legend"
    assert page.eval_on_selector(".slsim-headline-sentence", "e => parseFloat(getComputedStyle(e).fontSize)") >= 18
    assert not axe(page), axe(page)
    shot(page, "projector-1280x720")
    page.locator(".slsim-drawer-btn").click()
    page.locator(".slsim-trainer").wait_for()
    assert download_first_click(page, "Data (CSV)").startswith(b"week,")
    png = download_first_click(page, "Charts (PNG)")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert download_first_click(page, "Event log (CSV)").startswith(b"week,")
    page.locator(".slsim-drawer-close").click()
    page.locator(".slsim-trainer").wait_for(state="hidden")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(300)
    assert_on_one_screen(page)
    shot(page, "projector-1920x1080")
    # a reload (F5) keeps scenario, set-up, interventions, week and the mode
    page.reload()
    page.locator(".slsim-week").filter(has_text="Week 14").wait_for()
    page.locator(".slsim-headline svg.slsim-chart").first.wait_for()
    assert page.locator('.slsim-headline line.slsim-mark[data-kind="intervention"][data-week="14"]').count() \
        == 2 * len(HEADLINE_OUTCOMES), "both interventions of week 14 are back after the reload"
    page.locator(".slsim-present-switch").click()  # back to the desk: downloads still work first time
    page.locator(".slsim-headline").wait_for(state="detached")
    page.set_viewport_size({"width": 1600, "height": 1000})
    assert_matches_run_layer(page, "blame_culture", 14, 0, params={"n_citizens": 2000},
                             timeline=[{"week": 14, "set": {"ceding": 0.9}},
                                       {"week": 14, "set": {"crisis_surge": 1.4}}])
    for name in ("Data (CSV)", "Event log (CSV)"):
        assert download_first_click(page, name).startswith(b"week,")
    # undo one intervention at a time: the surge (and its scheduled end) first
    page.locator(".slsim-undo").click()
    page.locator(".slsim-msg").filter(has_text="undone: winter surge").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.slsim-view-explore line.slsim-mark"
                           "[data-kind=\"intervention\"]').length == " + str(len(slsim.OUTCOMES)))
    assert_matches_run_layer(page, "blame_culture", 14, 0, params={"n_citizens": 2000},
                             timeline=[{"week": 14, "set": {"ceding": 0.9}}])
    # a phone: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate(WIDEST_RIGHT_EDGE_JS) <= 390 + 1
    shot(page, "phone-390")
    page.set_viewport_size({"width": 1600, "height": 1000})
    for tab in ("Compare", "Learn"):
        page.get_by_role("button", name=tab, exact=True).click()
        page.locator(f".slsim-view-{tab.lower()}").wait_for()
        assert not axe(page), (tab, axe(page))
