"""The page in a real browser: headless Chromium (Debian's, through Playwright) draws on the
drawing pad with a mouse on a desktop and with a finger on a phone, and reads what the page
shows and what it sends."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTIFACTS

from cam_core.service import Pad, Service
from cam_core.strokes import parse_drawing, render_drawing, render_strokes

CHROMIUM = Path("/usr/bin/chromium")


def _launch_chromium(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def _canvas_frame(page) -> tuple[float, float, float]:
    """(left, top, CSS pixels per canvas pixel) of the pad's bitmap on the page."""
    box = page.locator("#sketch canvas").bounding_box()
    left, top, width, bitmap = page.evaluate(
        "() => { const c = document.querySelector('#sketch canvas');"
        " return [c.clientLeft, c.clientTop, c.clientWidth, c.width]; }")
    return box["x"] + left, box["y"] + top, width / bitmap


def _draw(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through ``points`` given in the pad's canvas pixels (400×400)."""
    left, top, scale = _canvas_frame(page)
    page.mouse.move(left + points[0][0] * scale, top + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + x * scale, top + y * scale, steps=30)
    page.mouse.up()


def _sent(page, draw) -> str:
    """The pad's value sent to the server by ``draw()`` (its request, as it left the page)."""
    def is_stroke(request) -> bool:
        return "/queue/join" in request.url and '\\"strokes\\"' in (request.post_data or "")

    with page.expect_request(is_stroke, timeout=30_000) as sent:
        draw()
    return json.loads(sent.value.post_data)["data"][0]


INK_MASK = """() => {
  const canvas = document.querySelector('#sketch canvas');
  const alpha = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return Array.from({length: alpha.length / 4}, (_, i) => alpha[4 * i + 3] > 127 ? 1 : 0);
}"""
HEADLINE_EMPTY = "() => document.querySelector('#headline')?.innerText.includes('Draw a digit')"
HEADLINE_DIGIT = "() => document.querySelector('#headline .big-digit')?.innerText.trim()"


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
        browser = _launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.wait_for_selector("#sketch canvas", timeout=60_000)
        # The pen is the pad's tool from the start: draw a 7 with mouse drags.
        _draw(page, [(120, 100), (280, 100), (180, 320)])
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert page.locator("#headline .big-digit").inner_text().strip().isdigit()
        page.wait_for_function(
            "() => document.querySelectorAll('#chart .mark-rect path, #chart .mark-rect rect,"
            " #chart g.mark-rect > path').length >= 10", timeout=30_000)
        page.locator("#overlay img").wait_for(timeout=30_000)
        assert page.locator("#overlay img").get_attribute("src")
        page.screenshot(path=str(ARTIFACTS / "browser_draw.png"), full_page=True)
        # Undo takes the only stroke away: the result empties.
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        # A 1, then the eraser across its middle leaves two pieces: still read, not a crash.
        _draw(page, [(200, 60), (200, 340)])
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '1'", timeout=60_000)
        one = _mask(page)
        before = page.locator("#overlay img").get_attribute("src")
        page.locator("#sketch button[data-tool='eraser']").click()
        value = _sent(page, lambda: _draw(page, [(140, 200), (260, 200)]))
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
        # The pad's drawing reaches the model as the pixels the evaluation replays pen
        # trajectories with: render_strokes of the points drawn.
        corner = [(60.0, 50.0), (330.0, 70.0), (150.0, 360.0)]
        value = _sent(page, lambda: _draw(page, corner))
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
        # With CAM, choosing layer2 sends the Layer control back to layer4, saying why.
        page.locator("#layer input").click()
        page.get_by_role("option", name="layer2").click()
        page.wait_for_function("() => document.querySelector('#layer')?.innerText"
                               ".includes('switched from layer2')", timeout=30_000)
        assert page.locator("#layer input").input_value() == "layer4"
        browser.close()


@pytest.mark.slow
def test_browser_phone_draws_with_a_finger(server):
    """A 390×844 phone: a finger stroke on the pad draws (the page does not scroll) and the
    result follows."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = _launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=3)
        page = context.new_page()
        page.goto(server)
        page.wait_for_selector("#sketch canvas", timeout=60_000)
        page.locator("#sketch canvas").scroll_into_view_if_needed()
        scrolled = page.evaluate("() => window.scrollY")
        left, top, scale = _canvas_frame(page)
        touch = context.new_cdp_session(page)

        def finger(kind: str, x: float = 0, y: float = 0) -> None:
            points = [] if kind == "touchEnd" else [{"x": left + x * scale,
                                                     "y": top + y * scale}]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        finger("touchStart", 200, 50)  # a 1, top to bottom: a scroll gesture on any page
        for y in np.linspace(50, 350, 25)[1:]:
            finger("touchMove", 200, float(y))
        finger("touchEnd")
        page.wait_for_function(f"() => ({HEADLINE_DIGIT})() === '1'", timeout=60_000)
        assert page.evaluate("() => window.scrollY") == scrolled
        assert _mask(page)[60:340, 190:210].mean() > 0.9
        page.locator("#overlay img").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "browser_phone.png"), full_page=True)
        browser.close()
