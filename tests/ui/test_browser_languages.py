"""The page in a German and an Arabic browser (headless Chromium, as tests/ui/test_browser.py):
the page's labels and a drawn digit's answer in the browser's language, Arabic right to left
with the drawing pad and the pictures left to right, and the chooser switching the language."""

from __future__ import annotations

import pytest
from browser import HEADLINE_DIGIT, draw, launch_chromium

from cam_core.serve import catalog

SEVEN = [(120, 100), (280, 100), (180, 320)]
READY = "#sketch canvas[data-ready]"


def _page(playwright, server: str, locale: str, query: str = ""):
    browser = launch_chromium(playwright)
    page = browser.new_page(locale=locale, viewport={"width": 1300, "height": 1000})
    page.goto(server + query)
    page.wait_for_selector(READY, timeout=60_000)
    return browser, page


def _answer_in(page, language: str) -> str:
    """Draw a 7 and wait for the headline's "… sure" in ``language``; the headline's text."""
    sure = catalog.say(language, "answers.prob_sure", p=0.5)
    word = max(sure.replace("50", " ").replace("%", " ").split(), key=len)  # "sicher"
    draw(page, SEVEN)
    page.wait_for_function(HEADLINE_DIGIT, timeout=60_000)
    page.wait_for_function(
        "(word) => document.querySelector('#headline .prob')?.innerText.includes(word)",
        arg=word, timeout=30_000)
    return page.locator("#headline").inner_text()


@pytest.mark.slow
def test_a_german_browser_gets_the_page_and_the_answer_in_german(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser, page = _page(playwright, server, "de-DE")
        page.wait_for_function("() => document.documentElement.lang === 'de'", timeout=30_000)
        assert page.get_by_role("tab", name="Zeichnen").is_visible()
        assert page.get_by_role("tab", name="Hochladen").is_visible()
        assert "Wohin schaut das Netz?" in page.locator("#intro").inner_text()
        page.wait_for_function(
            "() => document.querySelector('#headline').innerText.includes('Zeichne eine Ziffer')",
            timeout=30_000)
        headline = _answer_in(page, "de")
        assert "sicher" in headline and "sure" not in headline
        assert page.evaluate("document.documentElement.dir") == "ltr"
        browser.close()


@pytest.mark.slow
def test_an_arabic_browser_gets_a_right_to_left_page_with_the_answer_in_arabic(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser, page = _page(playwright, server, "ar")
        page.wait_for_function("() => document.documentElement.dir === 'rtl'", timeout=30_000)
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.get_by_role("tab", name="ارسم").is_visible()
        # Text runs right to left; the pad and the chart are never mirrored.
        direction = "(s) => getComputedStyle(document.querySelector(s)).direction"
        assert page.evaluate(direction, "#headline") == "rtl"
        assert page.evaluate(direction, "#sketch canvas") == "ltr"
        assert page.evaluate(direction, "#chart") == "ltr"
        pad, chart = (page.locator(s).bounding_box() for s in ("#sketch", "#chart"))
        assert pad["x"] > chart["x"]  # the input column on the right, as Arabic reads
        headline = _answer_in(page, "ar")
        assert "متأكد" in headline and "sure" not in headline
        browser.close()


@pytest.mark.slow
def test_the_chooser_and_the_address_switch_every_sentence(server):
    """An English browser opening ?lang=it gets Italian (Gradio has no Italian of its own);
    the chooser then switches the labels, the answer and the address to Spanish."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser, page = _page(playwright, server, "en-US", "?lang=it")
        page.wait_for_function("() => document.documentElement.lang === 'it'", timeout=30_000)
        page.get_by_role("tab", name="Copri gli indizi").wait_for(timeout=30_000)
        headline = _answer_in(page, "it")
        assert "certezza" in headline
        page.locator("#language input").click()
        page.get_by_role("option", name="Español").click()
        page.wait_for_function("() => location.search.includes('lang=es')", timeout=30_000)
        page.get_by_role("tab", name="Tapar las pistas").wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('#headline .prob')?.innerText.includes('certeza')",
            timeout=30_000)
        assert page.get_by_role("tab", name="Dibujar").is_visible()
        browser.close()
