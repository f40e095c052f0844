"""The page in a German and an Arabic browser (headless Chromium, as tests/ui/test_browser.py):
the page's labels and a drawn digit's answer in the browser's language, Arabic right to left
with the drawing pad and the pictures left to right, and the chooser switching the language."""

from __future__ import annotations

import pytest
from browser import HEADLINE_DIGIT, draw, launch_chromium, phone_context
from conftest import ARTIFACTS

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


TOOLS = """() => [...document.querySelectorAll('#sketch .pen-tools button')].map(b => {
  const box = b.getBoundingClientRect();
  return [Math.round(box.top), b.scrollWidth <= b.clientWidth]; })"""
# Where the badge's "%" and the number before it are drawn: [left, right] of each, CSS pixels.
PERCENT = """() => { const text = document.querySelector('#sketch .pen-answer').firstChild;
  const at = (start, end) => { const r = document.createRange(); r.setStart(text, start);
    r.setEnd(text, end); const box = r.getBoundingClientRect(); return [box.left, box.right]; };
  const found = text.textContent.match(/([0-9.,]+)%/);
  const start = found.index, end = start + found[1].length;
  return [at(end, end + 1), at(start, end)]; }"""


@pytest.mark.slow
def test_on_a_phone_the_pad_fits_every_language_and_arabic_keeps_its_percent_sign(server):
    """390×844: the pad's four tools stay on one row in all nine languages, none cut off;
    in Arabic the answer on the pad keeps "%" beside its number (right to left: on its left)."""
    from browser import start_class

    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = phone_context(browser)
        page = context.new_page()
        rows = {}
        for language in catalog.LANGUAGES:
            page.goto(f"{server}?lang={language}")
            page.wait_for_selector(READY, timeout=60_000)
            page.wait_for_function(
                "(name) => document.querySelector('#sketch [data-action=clear]')"
                ".textContent === name", arg=catalog.say(language, "access.pad_clear"),
                timeout=30_000)
            rows[language] = page.evaluate(TOOLS)
        page.locator("#sketch canvas").scroll_into_view_if_needed()
        draw(page, SEVEN)  # the last language: Arabic
        page.wait_for_function(
            "() => document.querySelector('#sketch .pen-answer')?.textContent.includes('%')"
            " && !document.querySelector('#sketch .pen-answer').hidden", timeout=60_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#sketch").screenshot(path=str(ARTIFACTS / "pad_arabic_phone.png"))
        percent, number = page.evaluate(PERCENT)
        # A class's line, under the title in every language, clear of the language chooser.
        _, link, _ = start_class(context, server)
        page.goto(link + "&lang=zh")  # the shortest title: one line
        page.locator("#class-bar").wait_for(timeout=30_000)
        page.wait_for_function("() => document.documentElement.lang === 'zh'", timeout=30_000)
        chooser, bar = (page.locator(s).bounding_box() for s in ("#language-row", "#class-bar"))
        bars = page.locator("[id=class-bar]").count()
        browser.close()
    assert list(catalog.LANGUAGES)[-1] == "ar"
    for language, row in rows.items():
        assert len({top for top, _ in row}) == 1 and all(fits for _, fits in row), (language, row)
    assert abs(percent[1] - number[0]) < 2  # "%" touches its number, on the number's left
    assert bars == 1 and bar["y"] >= chooser["y"] + chooser["height"]
