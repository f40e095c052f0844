"""The charts and the colour-map choices in the reader's language, in a browser (headless
Chromium, as tests/ui/test_browser_languages.py): an English browser opening ?lang=de gets
German axis titles and line names on the answer chart and on "Scramble the network"'s chart;
the chooser then switches them (and the bars keep their colours); the colour maps are offered
in plain words of the language."""

from __future__ import annotations

import pytest
from browser import HEADLINE_DIGIT, draw, launch_chromium, open_app

from cam_core.serve.catalog import say
from ui.language import title

SEVEN = [(120, 100), (280, 100), (180, 320)]
# True once some chart's SVG (Vega draws the plots as SVG) shows the text ``arg``.
CHART_SAYS = """(text) => [...document.querySelectorAll('svg text')]
  .some((node) => node.textContent.trim() === text)"""
CHART_TEXT = "() => [...document.querySelectorAll('svg text')].map((n) => n.textContent.trim())"


@pytest.mark.slow
def test_the_charts_and_the_colour_maps_follow_the_chosen_language(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        _, page = open_app(browser, server, "de", size=(1300, 1000))
        page.wait_for_function("(title) => document.title === title", arg=title("de"),
                               timeout=30_000)  # the browser tab's title too
        draw(page, SEVEN)
        page.wait_for_function(HEADLINE_DIGIT, timeout=60_000)
        for key in ("charts.answer.x_title", "charts.answer.y_title"):
            page.wait_for_function(CHART_SAYS, arg=say("de", key), timeout=30_000)
        assert "digit" not in page.evaluate(CHART_TEXT)

        page.get_by_role("tab", name=say("de", "page.scramble_tab")).click()
        page.get_by_role("button", name=say("de", "teaching.scramble.button")).click()
        for key in ("teaching.scramble.x_title", "teaching.scramble.line_edges"):
            page.wait_for_function(CHART_SAYS, arg=say("de", key), timeout=90_000)
        shown = page.evaluate(CHART_TEXT)
        assert not {"steps of scrambling", "edge finder", "this map"} & set(shown), shown

        # The chooser: the answer's bars in Spanish, in their colours (red: the prediction).
        page.locator("#language input").click()
        page.get_by_role("option", name="Español").click()
        prediction = say("es", "charts.answer.prediction")
        page.wait_for_function(
            "(name) => [...document.querySelectorAll('#chart svg [aria-label]')].some("
            "(bar) => bar.getAttribute('aria-label').endsWith(': ' + name)"
            " && getComputedStyle(bar).fill === 'rgb(209, 73, 91)')",
            arg=prediction, timeout=30_000)
        page.get_by_role("button", name=say("es", "teaching.scramble.button")).click()
        page.wait_for_function(CHART_SAYS, arg=say("es", "teaching.scramble.line_edges"),
                               timeout=90_000)
        language = "es"

        page.get_by_text(say(language, "page.controls")).click()
        for name in ("viridis", "inferno", "jet", "coolwarm"):
            choice = page.get_by_label(say(language, f"charts.colormap.{name}"), exact=True)
            choice.wait_for(timeout=30_000)
        assert page.get_by_label("viridis", exact=True).count() == 0
        browser.close()
