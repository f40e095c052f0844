"""The app: the real server in a subprocess, driven through gradio_client's API calls and read
through the page configuration it serves to browsers; its handlers called in-process over the
test model. The browser drawing on the page: test_browser.py."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import HAS_MCP, ROOT, png_declaring
from PIL import Image

import app
from cam_core.serve import catalog, views
from cam_core.serve.service import SERVER_ERROR, Service
from ui.handlers import LAYER_INFO, WHY_TAB, Handlers
from ui.upload import UploadedImage

SEVEN_PHOTO = str(ROOT / "examples" / "pen_7.png")
DEFAULTS = (["prediction"], ["cam"], ["layer4"], [0.5], ["viridis"], [False])  # one request's
# controls: class, method, layer, opacity, colour map, grid


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
    assert result["digit"] is None and "no digit in this picture" in result["message"]
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    result, _overlay = client.predict(handle_file(str(text)), api_name="/explain")
    assert result["digit"] is None and "not a picture" in result["message"]
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


# ----------------------------------------------------------------------------- the page's events


def test_newer_input_or_setting_cancels_a_pending_explain(server):
    """Explain can take seconds (Score-CAM): its answer for an old drawing must not land on top
    of a newer drawing's. Every event that changes what is asked cancels it."""
    events, by_id = _events(server)
    (explaining,) = events["on_explain"]
    cancelling = [e for e in by_id.values() if explaining["id"] in e["cancels"]]
    cancelled_by = {tuple(map(tuple, e["targets"])) for e in cancelling}
    for name in ("on_draw", "on_upload", "on_setting", "on_tab"):
        assert events[name]
        for event in events[name]:
            trigger = by_id[event["trigger_after"]] if event["trigger_after"] else event
            assert tuple(map(tuple, trigger["targets"])) in cancelled_by, (name, event)


TEACHING = ("ten_maps", "why_not", "why_open", "hide", "trust", "layers", "numbers")


def test_a_new_input_empties_the_teaching_views(server):
    """After a new drawing, upload or tab, no teaching view may still show the old input's."""
    events, _ = _events(server)
    clears = events["clear_teaching"]
    triggers = {tuple(map(tuple, e["targets"])) for e in clears}
    for name in ("on_draw", "on_upload"):
        for event in events[name]:
            assert tuple(map(tuple, event["targets"])) in triggers
    cleared = {block for event in clears for block in event["outputs"]}
    for name in TEACHING:
        for event in events[name]:
            assert set(event["outputs"]) <= cleared


def test_a_new_input_cancels_teaching_views_still_computing(server):
    """A teaching view still computing for the old drawing must not land after the new
    drawing emptied the views (see the test above)."""
    events, by_id = _events(server)
    triggers = {tuple(map(tuple, e["targets"])) for e in events["clear_teaching"]}
    for name in TEACHING:
        for event in events[name]:
            cancelling = {tuple(map(tuple, e["targets"])) for e in by_id.values()
                          if event["id"] in e["cancels"]}
            assert triggers <= cancelling, name


def test_the_live_handlers_and_the_api_are_batched_across_people(server):
    events, _ = _events(server)
    for name in ("on_draw", "on_upload", "explain"):
        (event,) = events[name]
        assert event["batch"] and event["max_batch_size"] == 16


def english(prop):
    """A label as an English browser shows it: the page's labels travel as catalog keys
    (``gr.I18n``; within a string as ``__i18n__{...}``), which the browser translates."""
    labels = catalog.page_labels()["en"]
    if isinstance(prop, dict) and prop.get("__type__") == "translation_metadata":
        return labels[prop["key"]]
    if isinstance(prop, str) and "__i18n__" in prop:
        return re.sub(r"__i18n__(\{[^{}]*\})",
                      lambda found: labels[json.loads(found.group(1))["key"]], prop)
    return prop


def test_the_heatmap_offers_its_grid_and_says_why_blank_paper_can_be_evidence(server):
    """The "Show the 7×7 grid" checkbox reaches every event that draws the heatmap; the
    sentence on blank paper stands beside it; the teaching tabs read as a student asks."""
    with urllib.request.urlopen(server + "config", timeout=30) as response:
        config = json.load(response)
    components = config["components"]
    assert any(english(c["props"].get("value")) == views.BLANK_PAPER for c in components)
    (grid,) = [c for c in components if english(c["props"].get("label")) == "Show the 7×7 grid"]
    assert grid["props"]["value"] is False
    events, _ = _events(server)
    for name in ("on_draw", "on_upload", "on_setting", "on_tab", "on_explain"):
        for event in events[name]:
            assert grid["id"] in event["inputs"], name
    tabs = {english(c["props"].get("label")) for c in components if c["type"] == "tabitem"}
    assert {"All ten maps", english(str(WHY_TAB)), "Hide the evidence", "Can you trust the map?",
            "Layers", "How it is made"} <= tabs
    (scale,) = [c for c in components if english(c["props"].get("label")) == "Colours"]
    assert scale["props"]["value"] == "shared"
    # Every language's labels go to the browser, which shows its own (ui/language.py).
    assert set(catalog.LANGUAGES) <= set(config["i18n_translations"])
    assert config["i18n_translations"]["de"]["explain"] == "Erklären"


# ----------------------------------------------------------------------------- the handlers


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_importing_the_app_loads_no_model():
    """Importing ``app`` (tests, tools, a Space's loader) builds nothing heavy."""
    done = subprocess.run(
        [sys.executable, "-c", "import app, cam_core.explain.engine as e; "
         "print(e.explainers_loaded(), hasattr(app, 'demo'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False"]


def test_drawing_pad_value_never_reads_a_file_on_the_server(handlers):
    """The pad's value is the browser's word: a path sent in its place is refused, politely."""
    headline, _chart, overlay, _view, _words, _table, _heat = handlers.on_draw(
        [SEVEN_PHOTO], *DEFAULTS)
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
    assert "big-digit" not in unreadable and "picture" in unreadable.lower()


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
    reason in the control's own note, highlighted; other methods keep the layer, and the note
    lists the layers they work on."""
    changed = handlers.layer_rule("cam", "layer2")
    assert changed["value"] == "layer4" and "CAM cannot use layer2" in changed["info"]
    assert changed["elem_classes"] == ["layer-switched"]
    assert handlers.layer_rule("cam", "layer4") == {"__type__": "update", "info": LAYER_INFO,
                                                    "elem_classes": []}
    kept = handlers.layer_rule("gradcam", "layer2")
    assert "value" not in kept and kept["info"].startswith("Grad-CAM: layer2 (14×14)")


SEVEN_STROKES = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})


def test_teaching_views_answer_the_drawing_on_screen_or_say_why_not(handlers):
    tiles = handlers.ten_maps("draw", SEVEN_STROKES, None, "shared", "viridis")
    assert len(tiles) == 10
    tab, _picture, student, teachers = handlers.why_not("draw", SEVEN_STROKES, None,
                                                        "prediction", "runner-up")
    assert tab["label"].startswith("Why 7 and not ") and student.startswith("**Why 7 and not")
    assert "logit gap" in teachers
    student, teachers = handlers.numbers("draw", SEVEN_STROKES, None, "prediction")
    assert "How the heatmap for 7 is made" in student and "logit" in teachers
    with pytest.warns(UserWarning, match="Draw a digit"):  # gr.Warning outside a request
        assert handlers.numbers("draw", None, None, "prediction") == ("Draw a digit first.", "")
    with pytest.warns(UserWarning, match="two different digits"):
        assert handlers.why_not("draw", SEVEN_STROKES, None, "7", "7")[1] is None
    # Opening the tab answers at once; before anything is drawn it stays quiet.
    assert handlers.why_open("draw", SEVEN_STROKES, None, "prediction", "runner-up")[0][
        "label"].startswith("Why 7 and not ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert handlers.why_open("draw", None, None, "prediction", "runner-up")[1] is None


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_hide_the_evidence_follows_the_map_chosen_in_the_controls(handlers):
    """The curves, their words and the three pictures, for the Controls' method and layer
    (CAM's layer rule applied), following the predicted digit."""
    plot, student, teachers, tiles = handlers.hide("draw", SEVEN_STROKES, None, 30, "cam",
                                                   "layer2")
    assert "map of **7** made with CAM on layer4" in student
    assert "After hiding 30% of the picture" in student and "ROAD" in teachers
    assert len(plot["value"]) == 30 and len(tiles) == 3
    assert [caption.split(":")[0] for _, caption in tiles] == ["hot", "cold", "random"]
    _, student, _, _ = handlers.hide("draw", SEVEN_STROKES, None, 20, "layercam", "layer2")
    assert "made with LayerCAM on layer2" in student


def test_scramble_the_network_checks_the_map_chosen_in_the_controls(handlers):
    """The sanity check's chart, words and seven pictures for the Controls' method and layer;
    Score-CAM (too slow to make six times) is refused with what to choose instead."""
    plot, student, teachers, tiles = handlers.scramble("draw", SEVEN_STROKES, None, "cam",
                                                       "layer2")
    assert "The map tested: CAM on layer4." in student and "Spearman" in teachers
    assert len(plot["value"]) == 12 and len(tiles) == 7
    with pytest.warns(UserWarning, match="Score-CAM is too slow"):
        assert handlers.scramble("draw", SEVEN_STROKES, None, "scorecam", "layer4") == (
            None, "", "", [])


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_the_trust_view_names_the_map_chosen_in_the_controls(handlers, monkeypatch):
    from cam_core.explain import methods
    from cam_core.serve import trust

    live = {name: methods.METHODS[name] for name in ("cam", "gradcam")}
    monkeypatch.setattr(trust, "METHODS", live)  # fewer maps: the same code, faster
    plot, student, teachers = handlers.trust("draw", SEVEN_STROKES, None, "gradcam", "layer3")
    assert "Grad-CAM layer3" in plot["value"]["map"].tolist() and "random map" in student
    assert "Grad-CAM on layer3" in student and "ROAD combined" in teachers


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


def test_every_translated_label_is_a_whole_label(untrained):
    """Gradio's front end translates a label that *is* one catalog key (``gr.I18n``); a key
    joined with other text would reach the reader as raw ``__i18n__{…}`` code."""
    import app

    whole = re.compile(r"__i18n__\{[^{}]*\}")
    found = []
    for component in app.build_demo(untrained).get_config_file()["components"]:
        for name, value in component["props"].items():
            texts = [value] if isinstance(value, str) else [
                str(choice[0]) for choice in value if isinstance(choice, list | tuple)
            ] if name == "choices" and value else []
            found += [(name, text) for text in texts
                      if "__i18n__" in text and not whole.fullmatch(text)]
    assert found == []
