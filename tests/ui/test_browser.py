"""The page in a real browser: headless Chromium (Debian's, through Playwright) draws on the
drawing pad with a mouse on a desktop and with a finger on a phone, and reads what the page
shows and what it sends."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from browser import (
    CHART_DRAWN,
    HEADLINE_DIGIT,
    HEADLINE_EMPTY,
    HEAT_SHOWN,
    INK_MASK,
    canvas_frame,
    draw,
    launch_chromium,
)
from conftest import ARTIFACTS, ROOT

from cam_core.inputs.strokes import parse_drawing, render_drawing, render_strokes
from cam_core.serve.service import Pad, Service


def _sent(page, draw) -> str:
    """The pad's value sent to the server by ``draw()`` (its request, as it left the page)."""
    def is_stroke(request) -> bool:
        return "/queue/join" in request.url and '\\"strokes\\"' in (request.post_data or "")

    with page.expect_request(is_stroke, timeout=30_000) as sent:
        draw()
    return json.loads(sent.value.post_data)["data"][0]


# Where the result panels are on the page (x, y, width, height), rounded to a pixel.
# Controls a finger taps (tabs, Explain, accordion headers, choices, opacity reset, grid box)
# that are shown yet under 44 px tall or wide: their text and size.
SMALL_TAP_TARGETS = """() => [...document.querySelectorAll(['button[role=tab]', '#explain',
    '.label-wrap', 'label:has(> input[type=radio])', '.checkbox-container', '.reset-button'])]
  .map(e => [e.innerText.trim().slice(0, 20), e.getBoundingClientRect()])
  .filter(([, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
  .map(([text, r]) => `${text} ${Math.round(r.width)}×${Math.round(r.height)}`)"""
BOXES = """() => ['#headline', '#chart', '#overlay', '#model-view'].map(s => {
  const r = document.querySelector(s).getBoundingClientRect();
  return [r.x, r.y, r.width, r.height].map(Math.round); })"""
TAB_STOPS = """() => [...document.querySelectorAll('BLOCK')].flatMap(block => [
  ...block.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]).filter(
  e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length).length"""


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def _mask(page) -> np.ndarray:
    return np.array(page.evaluate(INK_MASK), bool).reshape(400, 400)


@pytest.mark.slow
def test_browser_draw_erase_clear_and_draw_again(server, explainer):
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    service = Service(explainer)
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        page.wait_for_function(CHART_DRAWN, timeout=30_000)
        layout = page.evaluate(BOXES)
        # The pen is the pad's tool from the start: draw a 7 with mouse drags.
        draw(page, [(120, 100), (280, 100), (180, 320)])
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert page.locator("#headline .big-digit").inner_text().strip().isdigit()
        page.wait_for_function(CHART_DRAWN, timeout=30_000)
        page.locator("#overlay img").wait_for(timeout=30_000)
        assert page.locator("#overlay img").get_attribute("src")
        # The first result moves nothing (the panels had their size from the start), the
        # labels sit above the pictures, and the pictures add few tab stops.
        page.wait_for_timeout(500)  # the chart's own re-render
        assert page.evaluate(BOXES) == layout
        for panel in ("#overlay", "#model-view"):
            label = page.locator(f"{panel} > label").bounding_box()
            picture = page.locator(f"{panel} img").bounding_box()
            assert label["y"] + label["height"] <= picture["y"] + 0.5, panel
        assert page.evaluate(TAB_STOPS.replace("BLOCK", "#overlay, #model-view")) <= 3
        # On a desktop the big overlay panel shows the heatmap; the pad stays plain paper
        # unless asked.
        assert not page.locator("#sketch .pen-heat-toggle input").is_checked()
        assert page.locator("#sketch .pen-heat").is_hidden()
        assert page.locator("#sketch .pen-answer").is_hidden()  # the headline is beside the pad
        page.screenshot(path=str(ARTIFACTS / "browser_draw.png"), full_page=True)
        # Undo takes the only stroke away: the result empties.
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        # A 1, then the eraser across its middle leaves two pieces: still read, not a crash.
        draw(page, [(200, 60), (200, 340)])
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '1'", timeout=60_000)
        one = _mask(page)
        before = page.locator("#overlay img").get_attribute("src")
        page.locator("#sketch button[data-tool='eraser']").click()
        value = _sent(page, lambda: draw(page, [(140, 200), (260, 200)]))
        erased = _mask(page)
        assert 0.1 * one.sum() < (one & ~erased).sum() < 0.3 * one.sum()  # a band, not more
        # The server draws the pad's strokes, eraser included, as the pad showed them.
        assert [s.tool for s in parse_drawing(value).strokes] == ["pen", "eraser"]
        assert _iou(render_drawing(parse_drawing(value)) > 0.5, erased) > 0.95
        # The two halves get their own answer (a new overlay), not an error.
        page.wait_for_function("before => document.querySelector('#overlay img')?.src !== before",
                               arg=before, timeout=30_000)
        assert page.locator("#headline .big-digit").inner_text().strip().isdigit()
        # Clearing empties the canvas and the result, and gives the pen back.
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        assert not _mask(page).any()
        assert page.locator("#sketch button[data-tool='pen']").get_attribute(
            "aria-pressed") == "true"
        # A Clear by mistake is one Undo away: the drawing and its answer come back.
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert np.array_equal(_mask(page), erased)
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        # The pad's drawing reaches the model as the pixels the evaluation replays pen
        # trajectories with: render_strokes of the points drawn.
        corner = [(60.0, 50.0), (330.0, 70.0), (150.0, 360.0)]
        value = _sent(page, lambda: draw(page, corner))
        expected = render_strokes([np.array(corner)]) > 0.5
        assert _iou(service.read(Pad(value)).ink, expected) > 0.9
        assert _iou(_mask(page), expected) > 0.9  # and the pad shows the same
        # Upload and back to Draw keeps the drawing (and its strokes: Undo still works).
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        shown = _mask(page)
        page.get_by_role("tab", name="Upload").click()
        # No photo uploaded yet: the drawing's result must not stay on screen as the photo's.
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        page.get_by_role("tab", name="Draw").click()
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert np.array_equal(_mask(page), shown)
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        assert not _mask(page).any()
        # With CAM, choosing layer2 sends the Layer control back to layer4, saying why, and
        # the control stands out until the next choice (the controls: under "More choices").
        page.get_by_text("More choices (controls)").click()
        page.locator("#layer").get_by_label("layer2").click()
        page.wait_for_function("() => document.querySelector('#layer')?.innerText"
                               ".includes('CAM cannot use layer2')", timeout=30_000)
        assert page.locator("#layer input:checked").input_value() == "layer4"
        assert "layer-switched" in page.locator("#layer").get_attribute("class")
        page.locator("#method").get_by_label("LayerCAM").click()
        page.wait_for_function("() => !document.querySelector('#layer')"
                               ".classList.contains('layer-switched')", timeout=30_000)
        assert "LayerCAM: layer2 (14×14)" in page.locator("#layer").inner_text()
        browser.close()


@pytest.mark.slow
@pytest.mark.parametrize(("device", "width", "height"), [("phone", 390, 664),
                                                        ("tablet", 768, 1024)])
def test_browser_phone_and_tablet_show_digit_and_heatmap_on_the_first_screen(
        server, device, width, height):
    """A phone (390×664: an iPhone 12's page below the browser's bars) and a 768×1024 tablet,
    portrait, in Chromium's mobile emulation: a finger stroke on the pad draws (the page does
    not scroll), and the answer and the heatmap, both on the pad's own paper, are on the first
    screen after it (on the tablet the headline too), with no sideways scrolling.
    Clear gives plain paper and the pen back; every teaching view is one tap away, and all
    ten maps fit the screen's width."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=True, has_touch=True, device_scale_factor=2)
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        page.locator("#sketch canvas").scroll_into_view_if_needed()
        scrolled = page.evaluate("() => window.scrollY")
        left, top, scale = canvas_frame(page)
        touch = context.new_cdp_session(page)

        def finger(kind: str, x: float = 0, y: float = 0) -> None:
            points = [] if kind == "touchEnd" else [{"x": left + x * scale,
                                                     "y": top + y * scale}]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        def draw_seven() -> None:
            """A 7 in one stroke: across, then down (a scroll gesture on any other page)."""
            corners = [(110, 80), (290, 80), (170, 330)]
            finger("touchStart", *corners[0])
            for (x0, y0), (x1, y1) in itertools.pairwise(corners):
                for t in np.linspace(0, 1, 16)[1:]:
                    finger("touchMove", float(x0 + (x1 - x0) * t), float(y0 + (y1 - y0) * t))
            finger("touchEnd")

        draw_seven()
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '7'", timeout=60_000)
        assert page.evaluate("() => window.scrollY") == scrolled
        assert _mask(page)[75:85, 120:280].mean() > 0.9  # the bar of the 7 is drawn
        # The heatmap lights up the pad's paper beneath the strokes.
        page.wait_for_function(HEAT_SHOWN, timeout=30_000)
        heat = page.locator("#sketch .pen-heat").bounding_box()
        canvas = page.locator("#sketch canvas").bounding_box()
        assert abs(heat["width"] - canvas["width"]) < 1 and abs(heat["y"] - canvas["y"]) < 1
        if device == "phone":  # every control under the pad is a finger's size
            for control in ("#sketch .pen-tools button", "#sketch .pen-heat-toggle",
                            "#overlay .icon-button"):
                box = page.locator(control).first.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, (control, box)
            assert page.evaluate(SMALL_TAP_TARGETS) == []  # and every other control too
        # The answer in the paper's corner, for the drawing on the pad.
        said = page.locator("#sketch .pen-answer")
        said.wait_for(state="visible", timeout=30_000)
        assert said.inner_text().startswith("7 · ") and "sure" in said.inner_text()
        # On the first screen, as they are: no scrolling, not sideways either.
        boxes = [heat, said.bounding_box()]
        if device == "tablet":
            boxes.append(page.locator("#headline .big-digit").bounding_box())
        for box in boxes:
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (device, box)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"browser_{device}.png"))
        # Clear: plain paper at once, and the pen back.
        page.locator("#sketch button[aria-label='Clear canvas']").tap()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        assert page.locator("#sketch .pen-heat").is_hidden() and not _mask(page).any()
        assert said.is_hidden()
        assert page.locator("#sketch button[data-tool='pen']").get_attribute(
            "aria-pressed") == "true"
        # Every teaching view is one tap away: the tabs wrap, none hides behind a menu.
        tabs = page.locator("#teaching [role='tab']")
        tabs.first.wait_for(timeout=30_000)
        assert tabs.count() == 7 and all(tabs.nth(i).is_visible() for i in range(7))
        assert not page.locator("#teaching button[aria-label='More tabs']").is_visible()
        tabs.nth(6).tap()  # the last: How it is made
        page.get_by_role("button", name="Show the numbers for my drawing").wait_for(
            timeout=30_000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        # All ten maps of a new 7 fit the screen's width (five 100 px columns did not).
        page.locator("#sketch canvas").scroll_into_view_if_needed()
        left, top, scale = canvas_frame(page)
        draw_seven()
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '7'", timeout=60_000)
        ten_maps = page.get_by_role("button", name="Show all ten maps")
        for _ in range(3):  # the new drawing re-labels a tab: a tap during that can be lost
            page.get_by_role("tab", name="All ten maps").tap()
            try:
                ten_maps.wait_for(timeout=5_000)
                break
            except playwright_api.TimeoutError:
                continue
        ten_maps.tap()
        maps = page.locator("#teaching .grid-container img")
        page.wait_for_function("() => document.querySelectorAll("
                               "'#teaching .grid-container img').length === 10", timeout=60_000)
        for i in range(10):
            box = maps.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (device, i, box)
        # All of them, captions included, without scrolling inside the gallery.
        assert page.evaluate("() => { const wrap = document.querySelector('#ten-maps "
                             ".grid-wrap'); return wrap.scrollHeight <= wrap.clientHeight + 1; }")
        if device == "phone":
            # A photo has no pad to show its heatmap: on a phone the heatmap over the photo
            # comes right under the digit, and starts on the first screen of a 390×844 page
            # (on a 664-px page it starts below it: README, known limits).
            height = 844
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => window.scrollTo(0, 0)")
            page.get_by_role("tab", name="Upload").tap()
            page.locator("#upload input[type=file]").set_input_files(
                str(ROOT / "examples" / "photo_4.png"))
            page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '4'", timeout=60_000)
            page.evaluate("() => window.scrollTo(0, 0)")
            digit = page.locator("#headline").bounding_box()
            overlay = page.locator("#overlay").bounding_box()
            assert 0 <= overlay["y"] - (digit["y"] + digit["height"]) < 40, (digit, overlay)
            assert overlay["y"] + 100 < height, overlay
        browser.close()
