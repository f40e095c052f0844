"""The page for people who use a screen reader, a keyboard only, or cannot tell red from green:
an axe-core audit (WCAG 2.0, 2.1 and 2.2, levels A and AA) after drawing a 7 on a desktop and on
a phone finds nothing; a 7 drawn with the keyboard alone is answered in the live region."""

from __future__ import annotations

import collections
import json

import pytest
from browser import draw, launch_chromium, open_app
from conftest import ARTIFACTS

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SEVEN = [(110, 80), (290, 80), (170, 330)]  # canvas pixels (400×400): across, then down
DIGIT = "() => document.querySelector('#headline .big-digit')?.innerText.trim()"


def audit(page, name: str = "") -> dict[str, int]:
    """axe-core's violations on the page: rule → number of elements."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    found = result.response["violations"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe_{name or page.viewport_size['width']}.json").write_text(
        json.dumps([{"id": v["id"], "impact": v["impact"],
                     "nodes": [n["target"] for n in v["nodes"]],
                     "summary": [n["failureSummary"] for n in v["nodes"]]} for v in found],
                   indent=1))
    return dict(collections.Counter({v["id"]: len(v["nodes"]) for v in found}))


@pytest.mark.slow
@pytest.mark.parametrize(("device", "width", "height"), [("desktop", 1280, 800),
                                                        ("phone", 390, 844)])
def test_axe_finds_no_wcag_violation_after_drawing_a_seven(server, device, width, height):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        phone = device == "phone"
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=phone, has_touch=phone,
                                      device_scale_factor=3 if phone else 1)
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        page.locator("#sketch canvas").scroll_into_view_if_needed()
        draw(page, SEVEN)
        page.wait_for_function(f"() => ({DIGIT})() === '7'", timeout=60_000)
        page.wait_for_timeout(1_000)  # the chart's and pictures' own re-render
        violations = audit(page)
        print(device, violations)
        # Each part of the page has a heading; the heatmaps' pictures say what they show.
        headings = page.locator("h2").all_inner_texts()
        alt = page.locator("#overlay img").get_attribute("alt")
        # The Upload tab: its examples are named by their digit, and it passes the audit too.
        page.get_by_role("tab", name="Upload").click()
        page.locator("#examples button").first.wait_for(timeout=30_000)
        examples = [page.locator("#examples button").nth(i).get_attribute("aria-label")
                    for i in range(page.locator("#examples button").count())]
        upload_violations = audit(page)
        print(device, "upload tab", upload_violations)
        browser.close()
    assert violations == {} and upload_violations == {}
    assert len(headings) >= 5
    assert alt.startswith("Heatmap over your picture. ") and "evidence for 7" in alt
    assert sorted(examples) == [f"Example: the digit {d}" for d in (2, 4, 5, 7, 9)]


def test_the_heatmap_starts_in_viridis_never_jet(server):
    """Colours a red-green colour-blind student can read: every colour map choice on the
    page and in the API starts as viridis (perceptually uniform); jet is only ever chosen."""
    import urllib.request

    with urllib.request.urlopen(server + "config", timeout=30) as response:
        components = json.load(response)["components"]
    chooser = [c for c in components
               if "jet" in json.dumps(c["props"].get("choices") or [])]
    assert len(chooser) >= 2  # the page's Colours and the API's colour map
    assert all(c["props"]["value"] == "viridis" for c in chooser)


LIVE = "() => document.querySelector('#spoken[aria-live=polite]')?.textContent ?? ''"
FOCUSED = """() => { const e = document.activeElement;
  return [e.tagName, e.getAttribute('aria-label') || e.value || e.innerText || '',
          e.closest('[id]')?.id ?? '']; }"""


def saying(words: str) -> str:
    """A page function: whether the live region says ``words``."""
    return f"() => ({LIVE})().includes({json.dumps(words)})"


def tab_to(page, found, limit: int = 60) -> list[str]:
    """Press Tab until ``found(tag, name, block id)`` holds for the focused element; returns
    what was focused on the way (fails after ``limit`` presses)."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if found(*focused):
            return passed
        passed.append(focused)
    pytest.fail(f"not reached with {limit} Tabs; passed {passed}")


def keys(page, *presses: str) -> None:
    for key in presses:
        page.keyboard.press(key)


@pytest.mark.slow
def test_a_seven_drawn_with_the_keyboard_alone_is_answered_in_the_live_region(server):
    """No mouse: Tab to the pad (its name says how to draw with keys and where Upload is),
    Enter puts the pen down, arrows draw a 7, Space lifts the pen and sends the stroke; the
    answer and the map in words arrive in the live region and as the heatmap's alt text. Then
    a radio group is one Tab stop whose choice the arrow keys change."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server)
        page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        page.wait_for_function(saying("Nothing is drawn yet"), timeout=30_000)
        tab_to(page, lambda tag, name, block: tag == "CANVAS")
        name = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert "arrow keys" in name and "Upload" in name
        # The pen starts in the middle (200, 200) and moves 10 px a key, 40 with Shift.
        keys(page, *["Shift+ArrowLeft"] * 2, "ArrowLeft", *["Shift+ArrowUp"] * 3)  # (110, 80)
        page.keyboard.press("Enter")  # pen down
        assert page.locator("#sketch .pen-said").inner_text() == "Pen down"
        keys(page, *["Shift+ArrowRight"] * 4, *["ArrowRight"] * 2)  # the bar, to (290, 80)
        for step in range(25):  # the stem, down to (170, 330): 12 steps left among 25 down
            keys(page, "ArrowDown", *(["ArrowLeft"] if step % 2 == 0 and step < 24 else []))
        page.keyboard.press(" ")  # pen up: the stroke is sent
        page.wait_for_function(saying("The network reads 7,"), timeout=60_000)
        spoken = page.evaluate(LIVE)
        assert "Most of the evidence for 7" in spoken or "The evidence for 7" in spoken
        alt = page.locator("#overlay img").get_attribute("alt")
        assert alt.startswith("Heatmap over your picture. ") and "evidence for 7" in alt
        assert page.locator("#sketch .pen-said").inner_text().startswith("Pen up")
        # Controls (folded: Enter opens them): each radio group is one Tab stop; the arrow
        # keys choose within it.
        tab_to(page, lambda tag, name, block: block == "controls")
        page.keyboard.press("Enter")
        tab_to(page, lambda tag, name, block: block == "target")
        assert page.evaluate(FOCUSED)[1] == "prediction"
        page.keyboard.press("ArrowRight")
        assert page.locator("#target input:checked").input_value() == "0"
        page.wait_for_function(saying("evidence for 0"), timeout=60_000)
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)[2] == "method"  # the other ten digits were skipped
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)[2] == "layer"
        browser.close()


@pytest.mark.slow
def test_the_pads_words_and_the_headings_follow_the_chosen_language(server):
    """An English browser opening ?lang=es: the pad's name, its keys' help (which says where
    the pen starts) and what is said as the pen goes down and up are Spanish, and so are the
    parts' headings; the chooser switches all of them to German."""
    from cam_core.serve.catalog import say

    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        _, page = open_app(browser, server, "es")
        said = {}
        for language in ("es", "de"):
            if language == "de":
                page.locator("#language input").click()
                page.get_by_role("option", name="Deutsch").click()
                page.wait_for_function("() => document.documentElement.lang === 'de'",
                                       timeout=30_000)
            words = {key: say(language, f"access.{key}") for key in (
                "pad_label", "pad_keys", "pen_down", "pen_up", "draw_heading")}
            page.wait_for_function(
                "(name) => document.querySelector('#sketch canvas')"
                ".getAttribute('aria-label') === name", arg=words["pad_label"], timeout=30_000)
            page.locator("#sketch canvas").focus()
            page.keyboard.press("Enter")
            down = page.locator("#sketch .pen-said").inner_text()
            page.keyboard.press("Escape")
            said[language] = {
                "pad_label": page.locator("#sketch canvas").get_attribute("aria-label"),
                "pad_keys": page.locator("#pen-keys").inner_text(),  # shown while focused
                "pen_down": down, "pen_up": page.locator("#sketch .pen-said").inner_text(),
                "draw_heading": page.locator("h2").all_inner_texts()[0]}
            assert said[language] == words
        browser.close()
    assert "centro" in said["es"]["pad_keys"] and "Mitte" in said["de"]["pad_keys"]
    assert said["es"]["draw_heading"] == "Tu número"
    assert said["de"]["draw_heading"] == "Deine Ziffer"


def test_the_pages_script_carries_the_catalogs_words_safely():
    """The script for screen readers and keyboards gets its words from the catalog, as a
    JavaScript literal that no word can end early (no "</script>" inside)."""
    from cam_core.serve.catalog import catalog
    from ui import access

    head = access.head()
    assert head.startswith("<script>") and head.count("</script>") == 1
    assert json.dumps(catalog("en")["access.overlay"]) in head  # "{described}" left for the page
    assert "ACCESS_WORDS" not in head
    assert json.dumps(catalog("de")["access.pad_clear"]) in head  # every language's words
    assert access.words()["example"] == "Example: the digit {digit}"


def test_choosing_the_tab_already_on_screen_changes_nothing(explainer):
    """The keyboard selects a tab as Tab passes over it: for the tab already on screen that
    must send nothing (an answer for the pad as it was could land after a newer drawing's);
    the other tab switches the source and answers for its input."""
    from cam_core.serve.service import Service
    from ui.handlers import Handlers

    handlers = Handlers(Service(explainer))
    controls = ("prediction", "cam", "layer4", 0.5, "viridis", False)
    same = handlers.on_tab("draw", "draw", None, None, *controls)
    assert all(isinstance(value, dict) and value.get("__type__") == "update"
               for value in same) and len(same) == 8
    switched = handlers.on_tab("upload", "draw", None, None, *controls)
    assert switched[0] == "upload" and "Draw a digit" in switched[1]
