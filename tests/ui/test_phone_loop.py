"""The phone loop in a real browser (Chromium's mobile emulation, 390×844): after drawing, the
first experiment's button is on the first screen and its result starts within one screen of
it; a new drawing runs the open experiment again instead of emptying it; Explain appears only
when a map waits for it."""

from __future__ import annotations

import pytest
from browser import CHART_DRAWN, HEADLINE_DIGIT, finger_stroke, launch_chromium, open_app
from conftest import SCREENSHOTS

SEVEN = [(110, 80), (290, 80), (170, 330)]
ONE = [(200, 70), (200, 330)]
TEN_MAPS_SHOWN = "() => document.querySelectorAll('#ten-maps img').length === 10"
FIRST_TILE = "() => document.querySelector('#ten-maps img')?.getAttribute('src')"


@pytest.mark.slow
def test_phone_experiments_are_one_thumb_away_and_follow_each_drawing(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context, page = open_app(browser, server, phone=True)
        page.wait_for_function(CHART_DRAWN, timeout=30_000)
        assert page.evaluate("() => window.scrollY") == 0
        assert not page.locator("#explain").is_visible()  # CAM follows each stroke
        finger_stroke(context, page, SEVEN)
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '7'", timeout=60_000)
        button = page.get_by_role("button", name="Show all ten maps")
        box = button.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, box  # on the first screen
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "phone-loop.png"))
        scrolled = page.evaluate("() => window.scrollY")
        button.tap()
        page.wait_for_function(TEN_MAPS_SHOWN, timeout=60_000)
        gallery = page.locator("#ten-maps").bounding_box()
        moved = page.evaluate("() => window.scrollY") - scrolled
        assert gallery["y"] + moved - box["y"] <= 844, (gallery, box)  # within one screen
        first = page.evaluate(FIRST_TILE)
        # A new drawing: the open experiment runs again on it (it is not emptied).
        page.locator("#sketch button[aria-label='Clear canvas']").tap()
        finger_stroke(context, page, ONE)
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '1'", timeout=60_000)
        page.wait_for_function(f"() => ({TEN_MAPS_SHOWN})() && ({FIRST_TILE})() !== "
                               f"{first!r}", timeout=60_000)
        # Explain appears only once a map waits for it (Score-CAM, under More choices).
        page.get_by_text("More choices (controls)").tap()
        page.locator("#method label", has_text="Score-CAM").tap()
        page.locator("#explain").wait_for(state="visible", timeout=30_000)
        browser.close()
