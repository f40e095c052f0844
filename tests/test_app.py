"""The app: the real server in a subprocess (gradio_client API calls, a headless Chromium
drawing), and one in-process check of the Sketchpad's blob store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTIFACTS, ROOT, weights_path
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "DIGIT_CAM_WEIGHTS": str(weights_path())}
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("app.py did not answer within 180 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_api_reads_a_photo(server, photos):
    from gradio_client import Client, handle_file

    client = Client(server, verbose=False)
    path, label = photos[0]
    result, overlay = client.predict(handle_file(str(path)), api_name="/explain")
    assert result["digit"] == label
    assert len(result["probabilities"]) == 10
    assert abs(sum(result["probabilities"]) - 1) < 1e-4
    assert overlay and Path(overlay).exists()


def test_api_blank_and_bad_files(server, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(server, verbose=False)
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200), 255, np.uint8)).save(blank)
    result, _ = client.predict(handle_file(str(blank)), api_name="/explain")
    assert result["digit"] is None and "Draw a digit" in result["message"]
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    result, _overlay = client.predict(handle_file(str(text)), api_name="/explain")
    assert result["digit"] is None and "not an image" in result["message"]
    # The server is still serving after bad input.
    result, _ = client.predict(handle_file(str(blank)), api_name="/explain")
    assert result["digit"] is None


def _launch_chromium(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def _draw(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through ``points`` given as fractions of the Sketchpad's canvas."""
    box = page.locator("#sketch canvas").first.bounding_box()
    side = min(box["width"], box["height"])
    left = box["x"] + (box["width"] - side) / 2
    top = box["y"] + (box["height"] - side) / 2
    page.mouse.move(left + side * points[0][0], top + side * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + side * x, top + side * y, steps=20)
    page.mouse.up()


BRUSH_READY = "() => !document.querySelector('#sketch')?.innerText.includes('select the draw')"


def test_browser_draw_clear_and_draw_again(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = _launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.wait_for_selector("#sketch canvas", timeout=60_000)
        # The app selects the brush on load; wait for that, then draw a 7 with mouse drags.
        page.wait_for_function(BRUSH_READY, timeout=30_000)
        _draw(page, [(0.3, 0.25), (0.7, 0.25), (0.45, 0.8)])
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        digit = page.locator("#headline .big-digit").inner_text().strip()
        assert digit.isdigit()
        page.wait_for_function(
            "() => document.querySelectorAll('#chart .mark-rect path, #chart .mark-rect rect,"
            " #chart g.mark-rect > path').length >= 10", timeout=30_000)
        overlay = page.locator("#overlay img")
        overlay.wait_for(timeout=30_000)
        assert overlay.get_attribute("src")
        page.screenshot(path=str(ARTIFACTS / "browser_draw.png"), full_page=True)
        # Clearing empties the result, and the brush is ready again without hunting for it.
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        page.wait_for_function(
            "() => document.querySelector('#headline')?.innerText.includes('Draw a digit')",
            timeout=30_000)
        page.wait_for_function(BRUSH_READY, timeout=10_000)
        _draw(page, [(0.5, 0.15), (0.5, 0.85)])
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert page.locator("#headline .big-digit").inner_text().strip().isdigit()
        browser.close()


def test_sketchpad_exports_nobody_reads_are_forgotten():
    """Superseded live events never read their canvas export; the store must not grow forever."""
    from gradio.components.image_editor import AcceptBlobs

    import app

    png = (ROOT / "examples" / "pen_7.png").read_bytes()
    store = app.sketch.blob_storage
    store.clear()
    try:
        for n in range(store.limit + 200):  # one composite export a stroke, never read
            app.sketch.accept_blobs(AcceptBlobs(
                data={"type": "composite", "index": None, "file": b"", "id": f"stroke-{n}"},
                files=[("file", png)]))
        assert len(store) == store.limit
        newest = f"stroke-{store.limit + 199}"
        assert "stroke-0" not in store and newest in store
        # The newest export is still there for its event to read, and reading it frees it.
        value = app.sketch.preprocess(app.sketch.data_model(id=newest))
        assert value["composite"] is not None and newest not in store
    finally:
        store.clear()
