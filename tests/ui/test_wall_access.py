"""The class pages for every student and teacher: the wall a teacher projects passes an axe-core
audit (WCAG 2.0–2.2, A and AA) with tiles, the rounds' fold, a tile's large view and a round's
summary on screen; a tile opens from the keyboard; the wall and the student's class line speak
the language asked for, the wall right to left in Arabic."""

from __future__ import annotations

import pytest
from browser import draw, launch_chromium, start_class
from test_access import SEVEN, audit

from cam_core.serve.catalog import say

ONE = [(200, 60), (200, 340)]


@pytest.mark.slow
def test_the_class_wall_passes_axe_and_speaks_arabic_right_to_left(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        projector = browser.new_context(viewport={"width": 1366, "height": 768})
        code, student_link, wall_link = start_class(projector, server)

        # A German student: the class line in German.
        student = browser.new_page(viewport={"width": 1280, "height": 800})
        student.goto(student_link + "&lang=de")
        student.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        student.wait_for_function(
            "() => document.querySelector('#class-line')?.innerText.includes('Klasse')",
            timeout=30_000)
        # The sentence itself (Gradio may show an event's timer beside it for a moment).
        line = student.locator("#class-line .prose").first.inner_text().strip()
        student.locator("#sketch canvas").scroll_into_view_if_needed()
        draw(student, SEVEN)

        wall = projector.new_page()
        wall.goto(wall_link + "&lang=ar")
        wall.wait_for_selector("#wall-grid .wall-tile", timeout=60_000)
        wall.wait_for_function("() => document.documentElement.dir === 'rtl'", timeout=30_000)
        title = wall.locator("#wall-header h1").inner_text()
        end_button = wall.locator("#wall-end").inner_text()
        found = {"tiles": audit(wall, "wall_tiles")}
        wall.locator("#wall-rounds").click()
        wall.locator("#wall-start-round").wait_for(state="visible", timeout=30_000)
        found["rounds"] = audit(wall, "wall_rounds")
        wall.locator("#wall-grid .wall-tile button.open").first.focus()  # no mouse needed
        wall.keyboard.press("Enter")
        wall.wait_for_selector("#wall-large .maps figure", timeout=30_000)
        wall.locator("#wall-close").wait_for(state="visible", timeout=30_000)
        wall.wait_for_function("() => document.activeElement?.id === 'wall-close'",
                               timeout=10_000)  # the keyboard's focus is on Close
        wall.wait_for_timeout(1_000)  # Gradio's "updating" fade ends after the event
        found["large view"] = audit(wall, "wall_large")
        wall.keyboard.press("Escape")
        wall.locator("#wall-large").wait_for(state="hidden", timeout=30_000)
        wall.wait_for_function(  # back on the tile that was opened
            "() => document.activeElement?.matches('#wall-grid button.open')",
            timeout=10_000)
        wall.locator("#wall-start-round").click()
        student.locator("#sketch [data-action=clear]").click()
        draw(student, ONE)
        student.wait_for_timeout(1_500)
        wall.locator("#wall-end-round").click()
        wall.wait_for_selector("#wall-summary .averages", timeout=30_000)
        found["summary"] = audit(wall, "wall_summary")
        browser.close()
    print(found)
    assert found == {"tiles": {}, "rounds": {}, "large view": {}, "summary": {}}
    assert line.startswith("Du bist in der Klasse")
    assert title == say("ar", "wall.wall_title", code=code)
    assert end_button == say("ar", "wall.end_class")
