"""A class opening the page at once: eight phone pages load together and each draws at the
first moment its pad says it is ready (while Gradio may still be connecting); every first
stroke must get its answer, none lost."""

from __future__ import annotations

import time

import pytest
from browser import HEADLINE_DIGIT, finger_stroke, launch_chromium

PHONES = 8
SEVEN = [(110, 80), (290, 80), (170, 330)]


@pytest.mark.slow
def test_every_first_stroke_of_eight_phones_opening_at_once_gets_its_answer(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        phones = []
        for _ in range(PHONES):
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          is_mobile=True, has_touch=True)
            page = context.new_page()
            page.goto(server, wait_until="commit")  # all eight load at the same time
            phones.append((context, page))
        waiting, deadline = list(phones), time.monotonic() + 120
        while waiting and time.monotonic() < deadline:
            for context, page in list(waiting):
                if page.locator("#sketch canvas[data-ready]").count():  # the pad says ready
                    finger_stroke(context, page, SEVEN)  # the first moment: draw
                    waiting.remove((context, page))
            page.wait_for_timeout(20)
        assert not waiting, f"{len(waiting)} pads never said they were ready"
        for _, page in phones:  # every first stroke answered, none lost
            page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '7'", timeout=90_000)
        browser.close()
