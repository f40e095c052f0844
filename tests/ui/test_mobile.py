"""What phones and tablets need from the server: the heatmap for the pad's own paper (small,
cheap, for the drawing it explains), Score-CAM's progress, the Layer control's reasons.
The page itself on a phone and a tablet: test_browser.py."""

from __future__ import annotations

import base64
import json
import time
import zlib

import cv2
import numpy as np
import pytest
import torch

from cam_core.explain import render
from cam_core.explain.methods import METHODS, MethodContext, reporting_progress
from cam_core.serve import views
from cam_core.serve.service import Pad, Service
from ui.handlers import Handlers, layer_note
from ui.pad import PadHeat

SEVEN = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
DEFAULTS = (["prediction"], ["cam"], ["layer4"], [0.5], ["viridis"], [False])


@pytest.fixture(scope="module")
def handlers(explainer) -> Handlers:
    return Handlers(Service(explainer))


def _picture(data_url: str) -> np.ndarray:
    head, payload = data_url.split(",", 1)
    assert head == "data:image/jpeg;base64"
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(payload), np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def test_heat_on_white_is_the_overlay_of_blank_paper_shrunk():
    unit = np.zeros((400, 400), np.float32)
    unit[:200, :200] = 1.0  # evidence top-left
    small = render.on_white(unit, 100, 0.5, "viridis")
    assert small.shape == (100, 100, 3) and small.dtype == np.uint8
    assert (small[75:, 75:] == 255).all()  # no evidence: white paper
    expected = render.overlay(np.full((1, 1, 3), 255, np.uint8), np.ones((1, 1), np.float32))
    assert np.abs(small[10, 10].astype(int) - expected[0, 0]).max() <= 1


def test_each_drawing_gets_its_heatmap_for_the_pad_and_a_blank_pad_none(handlers):
    """The live handler returns, per person, the heatmap for the pad's paper, tagged with the
    crc32 of the strokes it explains (the pad shows it only over those strokes)."""
    *columns, heat = handlers.on_draw([SEVEN, None], *(column * 2 for column in DEFAULTS))
    assert len(columns) == 6 and len(heat) == 2
    seven, blank = heat
    assert seven["for"] == zlib.crc32(SEVEN.encode())
    assert blank == {"src": "", "for": 0, "answer": "", "guess": False}
    # The answer in a few words, for the pad's corner on a phone: the headline's digit.
    assert seven["answer"].startswith("7 · ") and seven["answer"].endswith("% sure")
    assert seven["guess"] is False
    picture = _picture(seven["src"])
    assert picture.shape == (views.PAD_HEAT_SIDE, views.PAD_HEAT_SIDE, 3)
    assert len(seven["src"]) < 8_000  # a few KB on every stroke
    assert picture.min() < 200 and picture[0, 0].min() > 240  # heat on the ink, paper at the edge
    # An upload leaves the pad's heatmap alone; a drawing's setting change sends a new one.
    assert len(handlers.on_upload([None], *DEFAULTS)) == 6
    moved = handlers.on_setting("draw", SEVEN, None, "prediction", "cam", "layer4", 0.9,
                                "inferno")[-1]
    assert moved["for"] == seven["for"] and moved["src"] != seven["src"]
    assert handlers.on_setting("upload", SEVEN, None, "prediction", "cam", "layer4", 0.5,
                               "viridis")[-1] == {"__type__": "update"}


def test_a_slow_method_waiting_for_explain_clears_the_pad_heatmap(handlers):
    heat = handlers.on_setting("draw", SEVEN, None, "prediction", "scorecam", "layer4", 0.5,
                               "viridis")[-1]
    assert heat["for"] == PadHeat.of(SEVEN, "")["for"] and heat["src"] == ""
    assert heat["answer"].startswith("7 · ")  # the prediction is known before Explain


def test_the_pads_short_answer_says_digit_guess_or_too_small(handlers):
    """The corner of the pad on a phone: the digit and how sure; for a face, a guess named as
    one (greyed); for a dot, what to do; for nothing drawn, nothing."""
    face = json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 6, "points": [[200 + 150 * np.cos(t), 200 + 150 * np.sin(t)]
                                              for t in np.linspace(0, 2 * np.pi, 60)]},
        {"tool": "pen", "size": 6, "points": [[150, 150], [151, 151]]},
        {"tool": "pen", "size": 6, "points": [[250, 150], [251, 151]]},
        {"tool": "pen", "size": 6, "points": [[130 + 140 * t, 250 + 50 * np.sin(np.pi * t)]
                                              for t in np.linspace(0, 1, 20)]}]})
    dot = json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 24, "points": [[200, 200]]}]})
    heat = handlers.on_draw([face, dot, None], *(column * 3 for column in DEFAULTS))[-1]
    assert heat[0]["answer"].startswith("Not a digit? Best guess ") and heat[0]["guess"]
    assert heat[1]["answer"] == "Too small: draw it bigger" and heat[1]["src"] == ""
    assert heat[2]["answer"] == ""


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_explain_on_a_live_map_says_it_is_already_up_to_date(handlers, monkeypatch):
    """Explain with CAM changes nothing on screen (the map follows each stroke): a note says
    so; with Score-CAM (not live) Explain makes the map and says nothing of the kind."""
    from ui import handlers as module

    said = []
    monkeypatch.setattr(module.gr, "Info", lambda message, **_: said.append(message))
    live = handlers.on_explain("draw", SEVEN, None, "prediction", "cam", "layer4", 0.5,
                               "viridis", progress=lambda *a, **k: None)
    assert said == [module.EXPLAIN_IS_FOR_SLOW_MAPS] and live[-1]["src"]
    handlers.on_explain("draw", SEVEN, None, "prediction", "scorecam", "layer4", 0.5,
                        "viridis", progress=lambda *a, **k: None)
    assert said == [module.EXPLAIN_IS_FOR_SLOW_MAPS]


def test_heatmap_for_the_pad_costs_about_a_millisecond(explainer):
    result = explainer.explain(Service(explainer).read(Pad(SEVEN)))
    views.pad_heat(result)
    start = time.perf_counter()
    for _ in range(20):
        views.pad_heat(result)
    assert (time.perf_counter() - start) / 20 < 0.010  # ~0.7 ms here; loose for a busy CI


def test_score_cam_reports_its_progress_only_when_asked():
    """Score-CAM scores one masked copy of the input per channel: it says how many are done
    after each chunk, to whoever asked in this thread."""
    method = METHODS["scorecam"]
    features = torch.rand(2, 130, 4, 4)
    context = MethodContext(torch.rand(2, 1, 8, 8), torch.tensor([3, 5]),
                            lambda x: torch.zeros(len(x), 10))
    calls: list[tuple[int, int]] = []
    with reporting_progress(lambda done, total: calls.append((done, total))):
        method.map(features, None, context)
    assert calls[0] == (0, 260) and calls[-1] == (260, 260)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) == 1 + 2 * 3  # 130 channels in chunks of 64: 3 chunks per input
    calls.clear()
    method.map(features, None, context)  # nobody asked: nothing reported
    assert calls == []


def test_the_layer_control_names_the_layers_each_method_works_on():
    assert layer_note("cam") == "CAM: layer4 (7×7)"
    assert layer_note("hirescam") == "HiResCAM: layer3 (7×7), layer4 (7×7)"
    assert "layer2 (14×14)" in layer_note("layercam")
    switched = Handlers.layer_rule("hirescam", "layer2")
    assert switched["value"] == "layer3" and "grid of dots" in switched["info"]
    assert switched["elem_classes"] == ["layer-switched"]
