"""The app: the real server in a subprocess, driven through gradio_client's API calls, read
through the page configuration it serves, and drawn on by a headless Chromium (desktop mouse
and a phone's finger); its handlers called in-process on a demo built over the test model."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTIFACTS, ROOT, png_declaring, weights_path
from PIL import Image

import app
from cam_core.service import SERVER_ERROR, Pad, Service
from cam_core.strokes import parse_drawing, render_drawing, render_strokes
from ui.handlers import LAYER_INFO, Handlers
from ui.upload import UploadedImage

CHROMIUM = Path("/usr/bin/chromium")
SEVEN_PHOTO = str(ROOT / "examples" / "pen_7.png")
HAS_MCP = importlib.util.find_spec("mcp") is not None
DEFAULTS = (["prediction"], ["cam"], ["layer4"], [0.5], ["viridis"])  # one request's controls


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "DIGIT_CAM_WEIGHTS": str(weights_path())}
    command = [sys.executable, str(ROOT / "app.py"), "--port", str(port)]
    process = subprocess.Popen(command + (["--mcp"] if HAS_MCP else []), cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)  # polling for the server to answer, not a timing assumption
    else:
        process.kill()
        pytest.fail("app.py did not answer within 180 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def handlers(explainer) -> Handlers:
    return Handlers(Service(explainer))


def _events(server: str) -> tuple[dict[str, list[dict]], dict[int, dict]]:
    """The page's events as the server tells the browser (its ``/config``): by handler name,
    and by event id."""
    with urllib.request.urlopen(server + "config", timeout=30) as response:
        config = json.load(response)
    by_name: dict[str, list[dict]] = {}
    for event in config["dependencies"]:
        by_name.setdefault((event["api_name"] or "").rstrip("_0123456789"), []).append(event)
    return by_name, {event["id"]: event for event in config["dependencies"]}


# ----------------------------------------------------------------------------- the API


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


def test_api_takes_the_page_controls_by_name_and_names_its_outputs(server):
    """/explain offers what the page offers: class, method, layer, colour map and opacity,
    with the page's defaults; outputs are named; a bad value is a sentence, not a traceback."""
    from gradio_client import Client, handle_file

    client = Client(server, verbose=False)
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(api) == ["/explain"]  # the page's own events are private
    parameters = {p["parameter_name"]: p for p in api["/explain"]["parameters"]}
    assert list(parameters) == ["image", "target", "method", "layer", "colormap", "opacity"]
    assert [parameters[n]["parameter_default"] for n in list(parameters)[1:]] == [
        "prediction", "cam", "layer4", "viridis", 0.5]
    assert [r["label"] for r in api["/explain"]["returns"]] == ["result", "overlay"]
    result, overlay = client.predict(handle_file(SEVEN_PHOTO), target="3", method="gradcam",
                                     layer="layer2", colormap="coolwarm", opacity=0.9,
                                     api_name="/explain")
    assert result["digit"] == 7 and result["target"] == 3 and Path(overlay).exists()
    # Values the page's controls would not take are refused with a sentence naming them.
    with pytest.raises(Exception, match=r"magic.* not in the list of choices"):
        client.predict(handle_file(SEVEN_PHOTO), method="magic", api_name="/explain")
    with pytest.raises(Exception, match=r"3\.0 is greater than maximum value 1"):
        client.predict(handle_file(SEVEN_PHOTO), opacity=3.0, api_name="/explain")


def test_mcp_server_on_request(server):
    """``--mcp`` serves /explain as an MCP tool with the same six inputs."""
    if not HAS_MCP:
        pytest.skip("needs gradio's mcp extra (pip install 'gradio[mcp]')")
    with urllib.request.urlopen(server + "gradio_api/mcp/schema", timeout=30) as response:
        tools = json.load(response)
    tool = next(t for t in tools if t["name"].endswith("explain"))
    assert set(tool["inputSchema"]["properties"]) == {"image", "target", "method", "layer",
                                                      "colormap", "opacity"}
    assert "class activation map" in tool["description"]


# ----------------------------------------------------------------------------- the browser


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


# ----------------------------------------------------------------------------- the page's events


def test_newer_input_or_setting_cancels_a_pending_explain(server):
    """Explain can take seconds (Score-CAM): its answer for an old drawing must not land on top
    of a newer drawing's. Every event that changes what is asked cancels it."""
    events, by_id = _events(server)
    (explaining,) = events["on_explain"]
    cancelling = [e for e in by_id.values() if explaining["id"] in e["cancels"]]
    cancelled_by = {tuple(map(tuple, e["targets"])) for e in cancelling}
    for name in ("on_draw", "on_upload", "on_setting"):
        assert events[name]
        for event in events[name]:
            trigger = by_id[event["trigger_after"]] if event["trigger_after"] else event
            assert tuple(map(tuple, trigger["targets"])) in cancelled_by, (name, event)


def test_a_new_input_empties_and_cancels_the_teaching_views(server, handlers):
    """After a new drawing, upload or tab, no teaching view may still show the old input's,
    nor land later from a computation started for the old one."""
    events, by_id = _events(server)
    clears = events["clear_teaching"]
    triggers = {tuple(map(tuple, e["targets"])) for e in clears}
    for name in ("on_draw", "on_upload"):
        for event in events[name]:
            assert tuple(map(tuple, event["targets"])) in triggers
    cleared = {block for event in clears for block in event["outputs"]}
    for name in ("ten_maps", "why_not", "erase", "layers", "numbers"):
        (button,) = events[name]
        assert set(button["outputs"]) <= cleared
        cancelling = {tuple(map(tuple, e["targets"])) for e in by_id.values()
                      if button["id"] in e["cancels"]}
        assert triggers <= cancelling, name
    for event in clears:
        assert len(handlers.clear_teaching()) == len(event["outputs"])


def test_the_live_handlers_are_batched_across_people(server):
    events, _ = _events(server)
    for name in ("on_draw", "on_upload"):
        (event,) = events[name]
        assert event["batch"] and event["max_batch_size"] == 16


# ----------------------------------------------------------------------------- the handlers


def test_importing_the_app_loads_no_model():
    """Importing ``app`` (tests, tools, a Space's loader) builds nothing heavy."""
    done = subprocess.run(
        [sys.executable, "-c", "import app, cam_core.engine as e; "
         "print(e._explainer.cache_info().currsize, hasattr(app, 'demo'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False"]


def test_drawing_pad_value_never_reads_a_file_on_the_server(handlers):
    """The pad's value is the browser's word: a path sent in its place is refused, politely."""
    headline, _chart, overlay, _view = handlers.on_draw([SEVEN_PHOTO], *DEFAULTS)
    assert "not a drawing" in headline[0] and (overlay[0] == 255).all()  # a blank page
    assert "not a drawing" in handlers.on_explain("draw", SEVEN_PHOTO, None, "prediction",
                                                  "cam", "layer4", 0.5, "viridis")[0]
    # The same file through the Upload tab is read.
    assert "big-digit" in handlers.on_upload([SEVEN_PHOTO], *DEFAULTS)[0][0]


def test_an_unreadable_upload_gets_its_own_message_and_spares_its_batch(handlers, tmp_path):
    """gr.Image opened every upload with PIL before the handler: one unreadable file failed
    the whole live batch, other students' good photos included, with a bare "Error"."""
    from gradio.data_classes import FileData, ImageData

    bad = tmp_path / "homework.png"
    bad.write_text("a text file with an image's name")
    component = UploadedImage(type="filepath", render=False)
    paths = [component.preprocess(ImageData(**FileData(path=str(p)).model_dump()))
             for p in (Path(SEVEN_PHOTO), bad)]
    assert paths == [SEVEN_PHOTO, str(bad)]  # passed on unopened, readable or not
    good, unreadable = handlers.on_upload(paths, *(column * 2 for column in DEFAULTS))[0]
    assert "big-digit" in good and ">7<" in good.replace(" ", "")
    assert "big-digit" not in unreadable and "image" in unreadable.lower()


def test_an_image_sent_as_a_data_url_is_read_by_cam_core(handlers):
    """gr.Image decodes a data: URL with PIL before any check; the upload hands it to cam_core
    instead, which reads MIME-wrapped base64 and says what is wrong with a bad one."""
    from gradio.data_classes import ImageData

    component = UploadedImage(type="filepath", render=False)
    photo = base64.b64encode(Path(SEVEN_PHOTO).read_bytes()).decode()
    wrapped = "data:image/png;base64," + "\r\n".join(textwrap.wrap(photo, 76))
    assert component.preprocess(ImageData(url=wrapped)) == wrapped

    def headline(url: str) -> str:
        return handlers.on_upload([component.preprocess(ImageData(url=url))], *DEFAULTS)[0][0]

    assert ">7<" in headline(wrapped).replace(" ", "")
    assert "bad base64" in headline("data:image/png;base64,@@@")
    bomb = base64.b64encode(png_declaring(8000, 6000)).decode()
    assert "too many pixels" in headline("data:image/png;base64," + bomb)


def test_the_layer_control_says_why_it_went_back_to_layer4(handlers):
    """CAM reads only layer4: choosing another layer with it sends the control back, with the
    reason in the control's own note; other methods keep the layer and the usual note."""
    changed = handlers.layer_rule("cam", "layer2")
    assert changed["value"] == "layer4" and "switched from layer2" in changed["info"]
    assert handlers.layer_rule("cam", "layer4") == {"__type__": "update"}
    assert handlers.layer_rule("gradcam", "layer2") == {"__type__": "update",
                                                        "info": LAYER_INFO}


def test_teaching_views_answer_the_drawing_on_screen_or_say_why_not(handlers):
    seven = json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
    tiles = handlers.ten_maps("draw", seven, None, "per_map", "viridis")
    assert len(tiles) == 10
    text, pictures = handlers.erase("draw", seven, None, 20, "cam:layer4")
    assert "Probability of **7**" in text and len(pictures) == 2
    with pytest.warns(UserWarning, match="Draw a digit"):  # gr.Warning outside a request
        assert handlers.numbers("draw", None, None, "prediction") == "Draw a digit first."


def test_a_bug_in_a_teaching_view_is_logged_and_the_person_told_generically(handlers,
                                                                            monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(handlers.service, "current", broken)
    with pytest.warns(UserWarning, match=SERVER_ERROR.split(";")[0]):
        assert handlers.layers("upload", None, SEVEN_PHOTO, "gradcam", "viridis") == []


def test_build_demo_over_any_explainer(untrained):
    """The page is built over the explainer it is given (tests, other weights): no global."""
    demo = app.build_demo(untrained)
    assert demo.title == "What does the network look at?"
