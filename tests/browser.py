"""Helpers for the browser tests: Debian's Chromium through Playwright (never a downloaded
browser), the pad's canvas frame, mouse and finger strokes, and what the page shows."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")


def launch_chromium(playwright):
    """Debian's Chromium, headless; the test is skipped without it (CI must have it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def canvas_frame(page) -> tuple[float, float, float]:
    """(left, top, CSS pixels per canvas pixel) of the pad's bitmap on the page."""
    box = page.locator("#sketch canvas").bounding_box()
    left, top, width, bitmap = page.evaluate(
        "() => { const c = document.querySelector('#sketch canvas');"
        " return [c.clientLeft, c.clientTop, c.clientWidth, c.width]; }")
    return box["x"] + left, box["y"] + top, width / bitmap


def draw(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through ``points`` given in the pad's canvas pixels (400×400)."""
    left, top, scale = canvas_frame(page)
    page.mouse.move(left + points[0][0] * scale, top + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + x * scale, top + y * scale, steps=30)
    page.mouse.up()

def finger_stroke(context, page, points: list[tuple[float, float]]) -> None:
    """One finger stroke (touch events, as a phone sends them) through ``points`` given in the
    pad's canvas pixels (400×400), straight lines between them."""
    left, top, scale = canvas_frame(page)
    touch = context.new_cdp_session(page)

    def send(kind: str, x: float = 0, y: float = 0) -> None:
        where = [] if kind == "touchEnd" else [{"x": left + x * scale, "y": top + y * scale}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": where})

    send("touchStart", *points[0])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for t in np.linspace(0, 1, 16)[1:]:
            send("touchMove", x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
    send("touchEnd")


INK_MASK = """() => {
  const canvas = document.querySelector('#sketch canvas');
  const alpha = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return Array.from({length: alpha.length / 4}, (_, i) => alpha[4 * i + 3] > 127 ? 1 : 0);
}"""
HEADLINE_EMPTY = "() => document.querySelector('#headline')?.innerText.includes('Draw a digit')"
HEADLINE_DIGIT = "() => document.querySelector('#headline .big-digit')?.innerText.trim()"
CHART_DRAWN = ("() => document.querySelectorAll('#chart .mark-rect path, #chart .mark-rect rect,"
               " #chart g.mark-rect > path').length >= 10")
HEAT_SHOWN = """() => { const heat = document.querySelector('#sketch .pen-heat');
  return heat && !heat.hidden && heat.complete && heat.naturalWidth > 0; }"""


def start_class(context, server: str) -> tuple[str, str, str]:
    """A teacher starts a class on the page's "For teachers" fold (a new page of
    ``context``): (the class code, the students' link, the teacher's wall link)."""
    teacher = context.new_page()
    teacher.goto(server)
    teacher.locator("#class-teachers").click()
    teacher.locator("#class-start").click()
    teacher.wait_for_selector("#class-teacher-link", timeout=30_000)
    student_link = teacher.locator("#class-student-link").get_attribute("href")
    wall_link = teacher.locator("#class-teacher-link").get_attribute("href")
    return student_link.rsplit("=", 1)[1], student_link, wall_link


def phone_context(browser, **options):
    """A phone's browser context: 390×844, touch, twice the pixels."""
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                               has_touch=True, device_scale_factor=2, **options)


def open_app(browser, url: str, language: str | None = None, phone: bool = False,
             size: tuple[int, int] = (1280, 800)):
    """The app at ``url`` in a new page of an English browser (``?lang=language`` when
    given), once its pad is ready and the page has taken the language: ``(context, page)``."""
    context = (phone_context(browser, locale="en-US") if phone else browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="en-US"))
    page = context.new_page()
    page.goto(url + (f"?lang={language}" if language else ""))
    page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
    if language:
        page.wait_for_function("(code) => document.documentElement.lang === code",
                               arg=language, timeout=30_000)
    return context, page
