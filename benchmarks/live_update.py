"""Live-update latency in a real browser: ``python benchmarks/live_update.py [--strokes 20]``.

Starts the app, opens it in headless Chromium (Debian's ``/usr/bin/chromium`` through
Playwright), and draws 7s stroke by stroke with the mouse on the drawing pad. For each stroke it
measures, with the page's own clock, the time from releasing the mouse to the last new overlay
image finishing loading within a settle window: what a student waits for after lifting the
pen. The browser's resource timings split it: pen-up → the request joins the queue (browser
work: the pad's strokes as JSON and the request; with gr.Sketchpad this was ~1 s of PixiJS
exports and uploads), queue join → its results streamed back (the server: queue, rendering the
strokes, preprocessing, model, rendering the map, encoding). Prints JSON.
Bounded: loopback only, a fixed number of strokes, a settle window per stroke.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve import running_app

CHROMIUM = "/usr/bin/chromium"
SETTLE_MS = 2500
# Records pointer releases and overlay image loads, in page time.
RECORDER = """() => {
  const marks = window.__marks = {up: [], overlay: []};
  performance.setResourceTimingBufferSize(100000);  // the default keeps only 250 requests
  window.addEventListener('pointerup', () => marks.up.push(performance.now()), true);
  const watch = () => document.querySelectorAll('#overlay img').forEach(img => {
    if (img.__watched) return;
    img.__watched = true;
    img.addEventListener('load', () => marks.overlay.push(performance.now()));
  });
  new MutationObserver(watch).observe(document.querySelector('#overlay'),
                                      {subtree: true, childList: true, attributes: true});
  watch();
}"""
RESOURCES = ("() => performance.getEntriesByType('resource')"
             ".map(e => [e.name, e.startTime, e.responseEnd])")
SEVEN = [[(0.3, 0.25), (0.7, 0.25)], [(0.7, 0.25), (0.45, 0.8)]]


def _last_after(times: list[float], start: float) -> float | None:
    later = [t for t in times if start < t <= start + SETTLE_MS]
    return max(later) - start if later else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strokes", type=int, default=20, help="strokes to time (two per 7)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {"pen_up_to_overlay_loaded": [],
                                       "pen_up_to_queue_join": [], "queue_join_to_result": []}
    with running_app() as (_, url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#sketch canvas[data-ready]", timeout=60_000)
        page.evaluate(RECORDER)
        box = page.locator("#sketch canvas").first.bounding_box()
        side = min(box["width"], box["height"])
        left = box["x"] + (box["width"] - side) / 2
        top = box["y"] + (box["height"] - side) / 2
        rng = np.random.default_rng(0)
        for index in range(args.strokes):
            if index % 2 == 0 and index:
                page.locator("#sketch button[aria-label='Clear canvas']").click()
                page.wait_for_timeout(SETTLE_MS)
            shift = rng.normal(0, 0.03, 2)
            points = [(x + shift[0], y + shift[1]) for x, y in SEVEN[index % 2]]
            page.mouse.move(left + side * points[0][0], top + side * points[0][1])
            page.mouse.down()
            for x, y in points[1:]:
                page.mouse.move(left + side * x, top + side * y, steps=15)
            page.mouse.up()
            page.wait_for_timeout(SETTLE_MS)
            marks = page.evaluate("() => window.__marks")
            up = marks["up"][-1]
            waited = _last_after(marks["overlay"], up)
            if waited is not None:
                figures["pen_up_to_overlay_loaded"].append(waited)
            requests = page.evaluate(RESOURCES)
            joins = [r for r in requests if "/queue/join" in r[0] and r[1] > up]
            if joins:
                figures["pen_up_to_queue_join"].append(joins[0][1] - up)
                data = [r for r in requests if "/queue/data" in r[0] and r[1] >= joins[0][1]]
                if data:
                    figures["queue_join_to_result"].append(data[0][2] - joins[0][1])
        browser.close()

    def summary(samples: list[float]) -> dict:
        if not samples:
            return {"n": 0}
        return {"p50_ms": round(statistics.median(samples), 1),
                "p95_ms": round(float(np.percentile(samples, 95)), 1), "n": len(samples)}

    print(json.dumps({"strokes": args.strokes}
                     | {name: summary(samples) for name, samples in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
