"""The app: the real server in a subprocess, driven through gradio_client's API calls and by
a headless Chromium drawing on the page's drawing pad."""

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
from conftest import ARTIFACTS, ROOT, png_declaring, weights_path
from PIL import Image

from cam_core.strokes import render_strokes

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
    """One mouse stroke through ``points`` given as fractions of the drawing pad's canvas."""
    box = page.locator("#sketch canvas").first.bounding_box()
    side = min(box["width"], box["height"])
    left = box["x"] + (box["width"] - side) / 2
    top = box["y"] + (box["height"] - side) / 2
    page.mouse.move(left + side * points[0][0], top + side * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + side * x, top + side * y, steps=20)
    page.mouse.up()


def _draw_bitmap(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through ``points`` given in the pad's bitmap pixels (400×400)."""
    box = page.locator("#sketch canvas").bounding_box()
    inner = page.evaluate("() => { const c = document.querySelector('#sketch canvas');"
                          " return [c.clientLeft, c.clientTop, c.clientWidth, c.width]; }")
    left, top, width, bitmap = inner
    scale = width / bitmap
    page.mouse.move(box["x"] + left + points[0][0] * scale, box["y"] + top + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + left + x * scale, box["y"] + top + y * scale, steps=30)
    page.mouse.up()


INK_PIXELS = """() => {
  const canvas = document.querySelector('#sketch canvas');
  const alpha = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 3; i < alpha.length; i += 4) if (alpha[i] > 128) count++;
  return count;
}"""
INK_MASK = """() => {
  const canvas = document.querySelector('#sketch canvas');
  const alpha = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return Array.from({length: alpha.length / 4}, (_, i) => alpha[4 * i + 3] > 127 ? 1 : 0);
}"""
HEADLINE_EMPTY = "() => document.querySelector('#headline')?.innerText.includes('Draw a digit')"


def test_browser_draw_clear_and_draw_again(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = _launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.wait_for_selector("#sketch canvas", timeout=60_000)
        # The pen is the pad's tool from the start: draw a 7 with mouse drags.
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
        # Undo takes the only stroke away: the result empties.
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        # A 1, then the eraser across its middle leaves two pieces: still read, not a crash.
        _draw(page, [(0.5, 0.15), (0.5, 0.85)])
        page.wait_for_function("() => document.querySelector('#headline .big-digit')"
                               "?.innerText.trim() === '1'", timeout=60_000)
        one = page.evaluate(INK_PIXELS)
        before = page.locator("#overlay img").get_attribute("src")
        page.locator("#sketch button[data-tool='eraser']").click()
        _draw(page, [(0.35, 0.5), (0.65, 0.5)])
        page.locator("#sketch button[data-tool='pen']").click()
        erased = one - page.evaluate(INK_PIXELS)
        assert 0.1 * one < erased < 0.3 * one  # a band of the eraser's width, the rest stays
        # The two halves get their own answer (a new overlay), not an error.
        page.wait_for_function("before => document.querySelector('#overlay img')?.src !== before",
                               arg=before, timeout=30_000)
        assert page.locator("#headline .big-digit").inner_text().strip().isdigit()
        # Clearing empties the canvas and the result.
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        assert page.evaluate(INK_PIXELS) == 0
        # The pad draws what the evaluation replays: strokes.render_strokes' pixels.
        corner = [(60.0, 50.0), (330.0, 70.0), (150.0, 360.0)]
        _draw_bitmap(page, corner)
        drawn = np.array(page.evaluate(INK_MASK), bool).reshape(400, 400)
        expected = render_strokes([np.array(corner)]) > 0.5
        overlap = (drawn & expected).sum() / (drawn | expected).sum()
        assert overlap > 0.9, f"pad vs render_strokes: IoU {overlap:.3f}"
        # Upload and back to Draw keeps the drawing (and its strokes: Undo still works).
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        ink = page.evaluate(INK_PIXELS)
        page.get_by_role("tab", name="Upload").click()
        # No photo uploaded yet: the drawing's result must not stay on screen as the photo's.
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        page.get_by_role("tab", name="Draw").click()
        page.wait_for_selector("#headline .big-digit", timeout=60_000)
        assert page.evaluate(INK_PIXELS) == ink
        page.locator("#sketch button[aria-label='Undo']").click()
        page.wait_for_function(HEADLINE_EMPTY, timeout=30_000)
        assert page.evaluate(INK_PIXELS) == 0
        browser.close()


def test_drawing_pad_value_never_reads_a_file_on_the_server():
    """The pad's value is the browser's word: a path sent in its place is refused, politely."""
    import app

    photo = str(ROOT / "examples" / "pen_7.png")  # a real image the server could read
    headline, _chart, overlay, _model_view = app.on_draw(
        [photo], ["prediction"], ["cam"], ["layer4"], [0.5], ["viridis"])
    assert "not a drawing" in headline[0] and (overlay[0] == 255).all()  # a blank page
    assert "not a drawing" in app.on_explain("draw", photo, None, "prediction", "cam",
                                             "layer4", 0.5, "viridis")[0]
    # The same file through the Upload tab is read.
    assert "big-digit" in app.on_upload([photo], ["prediction"], ["cam"], ["layer4"], [0.5],
                                        ["viridis"])[0][0]


def test_an_unreadable_upload_gets_its_own_message_and_spares_its_batch(tmp_path):
    """gr.Image opened every upload with PIL before the handler: one unreadable file failed
    the whole live batch, other students' good photos included, with a bare "Error"."""
    import asyncio

    import app

    bad = tmp_path / "homework.png"
    bad.write_text("a text file with an image's name")
    files = [{"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
             for path in (ROOT / "examples" / "pen_7.png", bad)]
    handler = next(fn for fn in app.demo.fns.values() if fn.fn is app.on_upload)
    assert handler.batch  # the case that matters: both files in one call
    inputs = [files, ["prediction"] * 2, ["cam"] * 2, ["layer4"] * 2, [0.5] * 2, ["viridis"] * 2]
    output = asyncio.run(app.demo.process_api(handler, inputs, state=None, explicit_call=True))
    good_headline, bad_headline = output["data"][0]
    assert "big-digit" in good_headline and ">7<" in good_headline.replace(" ", "")
    assert "big-digit" not in bad_headline and "image" in bad_headline.lower()


def test_score_cam_waits_for_the_explain_button():
    """Score-CAM (~12 s a drawing here) is not recomputed on every stroke: the live path gives
    the prediction, no heatmap, and says how to get one; Explain computes it."""
    import app

    photo = str(ROOT / "examples" / "pen_7.png")
    headline, _chart, overlay, _view = app.on_upload([photo], ["prediction"], ["scorecam"],
                                                     ["layer4"], [0.5], ["viridis"])
    assert "big-digit" in headline[0] and "press Explain" in headline[0]
    picture = app.prepare(photo).picture
    assert np.array_equal(overlay[0], picture)  # the drawing without a map
    assert app.cam_needs_layer4("cam", "layer2") == {"__type__": "update", "value": "layer4"}
    assert app.cam_needs_layer4("gradcam", "layer2") == {"__type__": "update"}


def test_a_setting_change_shows_a_slow_map_only_once_explained(monkeypatch):
    """Choosing a slow method (or moving a slider) must not start it: the dropdown says
    "on Explain only". Once Explain has computed the map, settings re-render it from the cache.
    Grad-CAM stands in for Score-CAM here (same path, 12 s less)."""
    import app

    monkeypatch.setattr(app.METHODS["gradcam"], "live", False)
    photo = str(ROOT / "examples" / "pen_5.png")
    picture = app.prepare(photo).picture
    settings = ("upload", None, photo, "prediction", "gradcam", "layer3", 0.6, "viridis")
    app.explainer._cache.clear()
    headline, _chart, overlay, _view = app.on_setting(*settings)
    assert "press Explain" in headline and np.array_equal(overlay, picture)
    headline, _chart, overlay, _view = app.on_explain(*settings)
    assert "press Explain" not in headline and not np.array_equal(overlay, picture)
    shown = overlay
    headline, _chart, overlay, _view = app.on_setting(*settings)  # e.g. the colour map moved
    assert "press Explain" not in headline and np.array_equal(overlay, shown)


def test_newer_input_or_setting_cancels_a_pending_explain():
    """Explain can take seconds (Score-CAM): its answer for an old drawing must not land on top
    of a newer drawing's. Every event that changes what is asked cancels it."""
    import app

    fns = list(app.demo.fns.values())
    explaining = next(fn for fn in fns if fn.fn is app.on_explain)
    cancelling = {tuple(fn.targets) for fn in fns if explaining._id in fn.cancels}
    by_id = {fn._id: fn for fn in fns}
    for handler in (app.on_draw, app.on_upload, app.on_setting):
        uses = [fn for fn in fns if fn.fn is handler]
        assert uses
        for fn in uses:
            trigger = by_id[fn.trigger_after] if fn.trigger_after is not None else fn
            assert tuple(trigger.targets) in cancelling, (handler.__name__, fn.targets)


def test_explaining_another_class_says_how_probable_it_is():
    """Each map fills the colour range: the headline must say when the explained class is a
    long shot, or a map of almost no evidence looks as convincing as the prediction's."""
    import app

    photo = str(ROOT / "examples" / "pen_7.png")
    headline = app.on_upload([photo], ["0"], ["cam"], ["layer4"], [0.5], ["viridis"])[0][0]
    assert "evidence for <b>0</b> (0.0% probable)" in headline and "as bright" in headline
    own = app.on_upload([photo], ["7"], ["cam"], ["layer4"], [0.5], ["viridis"])[0][0]
    assert "probable" not in own  # the prediction itself: nothing to warn about


def test_a_scribble_shows_a_greyed_best_guess_not_an_answer():
    """A scribble's top class at ~10% must not look like the answer to a real digit."""
    import app
    from cam_core import views
    from cam_core.strokes import random_scribble, sketchpad_value

    rng = np.random.default_rng(3)
    scribbles = [app.explainer.explain(sketchpad_value(random_scribble(rng))) for _ in range(5)]
    flagged = [r for r in scribbles if r.not_a_digit]
    assert flagged
    for result in flagged:
        shown = views.headline(result)
        assert "big-digit guess" in shown and "best guess" in shown and "sure" not in shown
    digit = app.explainer.explain(str(ROOT / "examples" / "pen_7.png"))
    assert not digit.not_a_digit and "% sure" in views.headline(digit)
    assert "guess" not in views.headline(digit)


def test_a_new_input_empties_the_teaching_views():
    """After a new drawing, upload or tab, no teaching view may still show the old input's."""
    import app

    fns = list(app.demo.fns.values())
    clears = [fn for fn in fns if fn.fn is app.clear_teaching]
    triggers = {tuple(fn.targets) for fn in clears}
    for handler in (app.on_draw, app.on_upload):
        for fn in (f for f in fns if f.fn is handler):
            assert tuple(fn.targets) in triggers
    teaching_outputs = {block._id for fn in clears for block in fn.outputs}
    for handler in (app.ten_maps, app.why_not, app.erase, app.layers, app.numbers):
        button = next(fn for fn in fns if getattr(fn.fn, "__wrapped__", None) is handler)
        assert {block._id for block in button.outputs} <= teaching_outputs
    for fn in clears:
        assert len(app.clear_teaching()) == len(fn.outputs)


def test_a_new_input_cancels_teaching_views_still_computing():
    """A teaching view still computing for the old drawing must not land after the new
    drawing emptied the views (see the test above)."""
    import app

    fns = list(app.demo.fns.values())
    for handler in (app.ten_maps, app.why_not, app.erase, app.layers, app.numbers):
        button = next(fn for fn in fns if getattr(fn.fn, "__wrapped__", None) is handler)
        cancelling = {tuple(fn.targets) for fn in fns if button._id in fn.cancels}
        for clear in (fn for fn in fns if fn.fn is app.clear_teaching):
            assert tuple(clear.targets) in cancelling, (handler.__name__, clear.targets)


def test_live_slow_method_reads_each_input_once_and_survives_a_bug(monkeypatch):
    """The Score-CAM check (is its map cached?) and the explanation share one decoding; a
    bug met while reading becomes the server's message, not an unhandled error."""
    import app
    import cam_core.engine

    photo = str(ROOT / "examples" / "pen_7.png")
    calls = []

    real = app.prepare

    def counted(image):
        calls.append(image)
        return real(image)

    monkeypatch.setattr(app, "prepare", counted)
    monkeypatch.setattr(cam_core.engine, "prepare", counted)
    headline = app.on_upload([photo], ["prediction"], ["scorecam"], ["layer4"], [0.5],
                             ["viridis"])[0][0]
    assert "press Explain" in headline and len(calls) == 1

    def broken(image):
        raise RuntimeError("a bug")

    monkeypatch.setattr(app, "prepare", broken)
    monkeypatch.setattr(cam_core.engine, "prepare", broken)
    headline = app.on_upload([photo], ["prediction"], ["scorecam"], ["layer4"], [0.5],
                             ["viridis"])[0][0]
    assert app.SERVER_ERROR in headline


def test_a_deferred_heatmap_is_not_described():
    """With Score-CAM waiting for Explain no heatmap is shown, so the headline must not say
    what "the heatmap" shows."""
    import app

    photo = str(ROOT / "examples" / "pen_7.png")
    headline = app.on_upload([photo], ["3"], ["scorecam"], ["layer4"], [0.5], ["viridis"])[0][0]
    assert "press Explain" in headline and "Heatmap shows" not in headline


def test_an_image_sent_as_a_data_url_is_read_by_cam_core():
    """gr.Image decodes a data: URL with PIL before any check; the upload hands it to cam_core
    instead, which reads MIME-wrapped base64 and says what is wrong with a bad one."""
    import base64
    import textwrap

    from gradio.data_classes import ImageData

    import app

    component = app.UploadedImage(type="filepath")
    photo = base64.b64encode((ROOT / "examples" / "pen_7.png").read_bytes()).decode()
    wrapped = "data:image/png;base64," + "\r\n".join(textwrap.wrap(photo, 76))
    assert component.preprocess(ImageData(url=wrapped)) == wrapped

    def headline(url: str) -> str:
        return app.on_upload([component.preprocess(ImageData(url=url))], ["prediction"],
                             ["cam"], ["layer4"], [0.5], ["viridis"])[0][0]

    assert ">7<" in headline(wrapped).replace(" ", "")
    assert "bad base64" in headline("data:image/png;base64,@@@")
    bomb = base64.b64encode(png_declaring(8000, 6000)).decode()
    assert "too many pixels" in headline("data:image/png;base64," + bomb)


def test_a_bug_on_one_input_fails_no_other_in_its_batch(monkeypatch):
    """The live handlers batch several people's inputs: a bug met on one must give that one
    the server's message and the others their answers."""
    import app
    import cam_core.engine

    good = str(ROOT / "examples" / "pen_7.png")
    bad = str(ROOT / "examples" / "pen_5.png")
    real = cam_core.engine.prepare

    def buggy(image):
        if image == bad:
            raise RuntimeError("a bug")
        return real(image)

    monkeypatch.setattr(cam_core.engine, "prepare", buggy)
    headlines = app.on_upload([good, bad], ["prediction"] * 2, ["cam"] * 2, ["layer4"] * 2,
                              [0.5] * 2, ["viridis"] * 2)[0]
    assert ">7<" in headlines[0].replace(" ", "") and app.SERVER_ERROR in headlines[1]


def test_an_unreadable_upload_leaves_its_batchmates_their_score_cam_note(tmp_path):
    """With Score-CAM waiting for Explain, one unreadable file in a live batch must not take
    the "press Explain" note from the other people's answers."""
    import app

    bad = tmp_path / "homework.png"
    bad.write_text("not an image")
    headlines = app.on_upload([str(ROOT / "examples" / "pen_7.png"), str(bad)],
                              ["prediction"] * 2, ["scorecam"] * 2, ["layer4"] * 2, [0.5] * 2,
                              ["viridis"] * 2)[0]
    assert "press Explain" in headlines[0] and "not an image" in headlines[1]


def test_a_single_failed_request_is_not_run_twice(monkeypatch):
    """Retrying one by one is for batches: a lone request that failed (after a 15 s Score-CAM,
    say) gets its message at once instead of a second run."""
    import app

    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.explainer, "explain_batch", failing)
    headline = app.on_explain("upload", None, str(ROOT / "examples" / "pen_7.png"),
                              "prediction", "cam", "layer4", 0.5, "viridis")[0]
    assert app.SERVER_ERROR in headline and len(calls) == 1
