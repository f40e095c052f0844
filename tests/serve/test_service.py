"""The request service (``cam_core.serve.service``): the controls' rules, batching and grouping,
Score-CAM waiting for Explain, and failures kept to the request they belong to. No Gradio."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

import cam_core.serve.service
from cam_core.errors import InputError
from cam_core.explain.methods import METHODS
from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.serve import views
from cam_core.serve.service import (
    SERVER_ERROR,
    Pad,
    Request,
    Service,
    Settings,
    Upload,
    layer_for,
)
from training.scribbles import random_scribble

SEVEN_PHOTO = str(ROOT / "examples" / "pen_7.png")
FIVE_PHOTO = str(ROOT / "examples" / "pen_5.png")
SEVEN_STROKES = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})


@pytest.fixture
def service(explainer) -> Service:
    return Service(explainer)


def live(source, target="prediction", method="cam", layer="layer4", opacity=0.5,
         colormap="viridis") -> Request:
    return Request(source, Settings(target, method, layer, opacity, colormap), live=True)


def test_settings_are_checked_with_a_sentence_and_cam_uses_layer4():
    assert Settings("3", "gradcam", "layer2", 0.3, "jet").checked().digit == 3
    assert Settings().checked().digit is None
    assert Settings(method="cam", layer="layer2").checked().layer == "layer4"
    assert layer_for("cam", "layer2") == ("layer4", layer_for("cam", "layer2")[1])
    assert ("CAM cannot use layer2, so the layer is now layer4: CAM can only be made from the "
            "last layer") in layer_for("cam", "layer2")[1]
    assert layer_for("gradcam", "layer2") == ("layer2", "")
    # HiResCAM is not offered on layer2 (a grid of dots): the nearest layer, with the reason.
    assert layer_for("hirescam", "layer2")[0] == "layer3"
    assert "grid of dots" in layer_for("hirescam", "layer2")[1]
    assert Settings(method="hirescam", layer="layer2").checked().layer == "layer3"
    for bad, says in [(Settings(target="12"), "not a digit"),
                      (Settings(method="magic"), "Unknown method 'magic': choose one of cam"),
                      (Settings(method="gradcam", layer="layer1"), "Unknown layer 'layer1'"),
                      (Settings(colormap="rainbow"), "Unknown colour map 'rainbow'"),
                      (Settings(opacity=1.5), "not between 0 and 1"),
                      (Settings(opacity="much"), "not between 0 and 1")]:
        with pytest.raises(InputError, match=says):
            bad.checked()


def test_a_drawing_is_rendered_once_however_often_its_settings_move(service, monkeypatch):
    """A moved slider re-sends the same strokes: they are not parsed and drawn again."""
    drawn = []
    real = cam_core.serve.service.render_drawing
    monkeypatch.setattr(cam_core.serve.service, "render_drawing",
                        lambda drawing: drawn.append(1) or real(drawing))
    for opacity in (0.2, 0.4, 0.6):
        panels = service.explain(live(Pad(SEVEN_STROKES), opacity=opacity))
        assert ">7<" in panels.headline.replace(" ", "")
    assert len(drawn) == 1
    prepared = service.read(Pad(SEVEN_STROKES))
    assert not prepared.picture.flags.writeable  # shared: nobody may draw on it
    assert service.read(Pad(None)).blank and service.read(Pad("")).blank


@pytest.fixture
def batches(service, monkeypatch) -> list[tuple[int, str]]:
    """``(inputs, method)`` of each batched pass the service asks the explainer for."""
    seen: list[tuple[int, str]] = []
    real = service.explainer.explain_batch

    def counted(images, *args):
        seen.append((len(images), args[1]))
        return real(images, *args)

    monkeypatch.setattr(service.explainer, "explain_batch", counted)
    return seen


def test_requests_with_the_same_settings_share_one_forward_pass(service, batches):
    requests = [live(Upload(SEVEN_PHOTO)), live(Pad(SEVEN_STROKES)),
                live(Upload(FIVE_PHOTO), method="gradcam", layer="layer3"),
                live(Upload(FIVE_PHOTO))]
    headlines = [p.headline.replace(" ", "") for p in service.explain_many(requests)]
    assert sorted(batches) == [(1, "gradcam"), (3, "cam")]
    assert ">7<" in headlines[0] and ">7<" in headlines[1] and ">5<" in headlines[2]


def test_score_cam_waits_for_the_explain_button(service):
    """Score-CAM (~12 s a drawing here) is not recomputed on every stroke: the live path gives
    the prediction, no heatmap, and says how to get one; Explain computes it."""
    panels = service.explain(live(Upload(SEVEN_PHOTO), method="scorecam"))
    assert "big-digit" in panels.headline and "press Explain" in panels.headline
    assert np.array_equal(panels.overlay, prepare(SEVEN_PHOTO).picture)  # no map drawn


def test_a_setting_change_shows_a_slow_map_only_once_explained(service, monkeypatch):
    """Choosing a slow method (or moving a slider) must not start it: the dropdown says
    "on Explain only". Once Explain has computed the map, settings re-render it from the cache.
    Grad-CAM stands in for Score-CAM here (same path, 12 s less)."""
    monkeypatch.setattr(METHODS["gradcam"], "live", False)
    picture = prepare(FIVE_PHOTO).picture
    settings = Settings("prediction", "gradcam", "layer3", 0.6, "viridis")
    service.explainer.clear_cache()
    waiting = service.explain(Request(Upload(FIVE_PHOTO), settings, live=True))
    assert "press Explain" in waiting.headline and np.array_equal(waiting.overlay, picture)
    explained = service.explain(Request(Upload(FIVE_PHOTO), settings))
    assert "press Explain" not in explained.headline
    assert not np.array_equal(explained.overlay, picture)
    again = service.explain(Request(Upload(FIVE_PHOTO), settings, live=True))  # a slider moved
    assert "press Explain" not in again.headline
    assert np.array_equal(again.overlay, explained.overlay)


def test_explaining_another_class_says_how_probable_it_is(service):
    """Each map fills the colour range: the headline must say when the explained class is a
    long shot, or a map of almost no evidence looks as convincing as the prediction's."""
    headline = service.explain(live(Upload(SEVEN_PHOTO), target="0")).headline
    assert "evidence for <b>0</b> (0.0% probable)" in headline and "as bright" in headline
    own = service.explain(live(Upload(SEVEN_PHOTO), target="7")).headline
    assert "probable" not in own  # the prediction itself: nothing to warn about


def test_a_deferred_heatmap_is_not_described(service):
    """With Score-CAM waiting for Explain no heatmap is shown, so the headline must not say
    what "the heatmap" shows."""
    headline = service.explain(live(Upload(SEVEN_PHOTO), target="3",
                                    method="scorecam")).headline
    assert "press Explain" in headline and "Heatmap shows" not in headline


def test_a_scribble_shows_a_greyed_best_guess_not_an_answer(explainer):
    """A scribble's top class at ~10% must not look like the answer to a real digit."""
    rng = np.random.default_rng(3)
    scribbles = [explainer.explain(prepare_ink(random_scribble(rng))) for _ in range(5)]
    flagged = [r for r in scribbles if r.not_a_digit]
    assert flagged
    for result in flagged:
        shown = views.headline(result)
        assert "big-digit guess" in shown and "best guess" in shown and "sure" not in shown
    digit = explainer.explain(SEVEN_PHOTO)
    assert not digit.not_a_digit and "% sure" in views.headline(digit)
    assert "guess" not in views.headline(digit)


def test_live_slow_method_reads_each_input_once_and_survives_a_bug(service, monkeypatch):
    """The Score-CAM check (is its map cached?) and the explanation share one reading; a bug
    met while reading becomes the server's message, not an unhandled error."""
    calls = []
    real = cam_core.serve.service.prepare
    monkeypatch.setattr(cam_core.serve.service, "prepare",
                        lambda image: calls.append(image) or real(image))
    headline = service.explain(live(Upload(SEVEN_PHOTO), method="scorecam")).headline
    assert "press Explain" in headline and len(calls) == 1

    def broken(image):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cam_core.serve.service, "prepare", broken)
    headline = service.explain(live(Upload(SEVEN_PHOTO), method="scorecam")).headline
    assert SERVER_ERROR in headline


def test_a_bug_on_one_input_fails_no_other_in_its_batch(service, monkeypatch):
    """Live requests of several people are batched: a bug met on one must give that one the
    server's message and the others their answers."""
    real = cam_core.serve.service.prepare

    def buggy(image):
        if image == FIVE_PHOTO:
            raise RuntimeError("a bug")
        return real(image)

    monkeypatch.setattr(cam_core.serve.service, "prepare", buggy)
    seven, five = service.explain_many([live(Upload(SEVEN_PHOTO)), live(Upload(FIVE_PHOTO))])
    assert ">7<" in seven.headline.replace(" ", "") and SERVER_ERROR in five.headline
    # A bug inside the batched model call: retried one by one, the good one still answered.
    real_batch = service.explainer.explain_batch

    def fails_on_two(images, *args):
        if len(images) > 1:
            raise RuntimeError("a bug in batching")
        return real_batch(images, *args)

    monkeypatch.setattr(cam_core.serve.service, "prepare", real)
    monkeypatch.setattr(service.explainer, "explain_batch", fails_on_two)
    seven, five = service.explain_many([live(Upload(SEVEN_PHOTO)), live(Upload(FIVE_PHOTO))])
    assert ">7<" in seven.headline.replace(" ", "") and ">5<" in five.headline.replace(" ", "")


def test_an_unreadable_upload_leaves_its_batchmates_their_score_cam_note(service, tmp_path):
    """With Score-CAM waiting for Explain, one unreadable file in a live batch must not take
    the "press Explain" note from the other people's answers."""
    bad = tmp_path / "homework.png"
    bad.write_text("not an image")
    good, unreadable = service.explain_many([live(Upload(SEVEN_PHOTO), method="scorecam"),
                                             live(Upload(str(bad)), method="scorecam")])
    assert "press Explain" in good.headline and "not a picture" in unreadable.headline


def test_a_single_failed_request_is_not_run_twice(service, monkeypatch):
    """Retrying one by one is for batches: a lone request that failed (after a 15 s Score-CAM,
    say) gets its message at once instead of a second run."""
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("a bug")

    monkeypatch.setattr(service.explainer, "explain_batch", failing)
    headline = service.explain(Request(Upload(SEVEN_PHOTO))).headline
    assert SERVER_ERROR in headline and len(calls) == 1


def test_the_api_answers_a_record_and_says_what_is_wrong(service):
    record, result = service.api(Upload(SEVEN_PHOTO), Settings("3", "gradcam", "layer2", 0.8,
                                                               "inferno"))
    assert record["digit"] == 7 and record["target"] == 3 and result.layer == "layer2"
    assert abs(sum(record["probabilities"]) - 1) < 1e-4
    record, result = service.api(Upload(SEVEN_PHOTO), Settings(method="magic"))
    assert result is None and record["digit"] is None
    assert record["message"].startswith("Unknown method 'magic'")
    record, _ = service.api(Upload(None), Settings())
    assert record["digit"] is None and "Draw a digit" in record["message"]


def test_the_api_batches_many_clients_files_and_keeps_failures_apart(service, batches,
                                                                     tmp_path):
    """/explain is batched as the page's live events are: files of several clients with the
    same settings share one forward pass; an unreadable one gets its own message."""
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    cam, gradcam = Settings(), Settings("3", "gradcam", "layer3", 0.5, "viridis")
    answers = service.api_many([Upload(SEVEN_PHOTO), Upload(FIVE_PHOTO), Upload(str(bad)),
                                Upload(FIVE_PHOTO)], [cam, cam, cam, gradcam])
    assert sorted(batches) == [(1, "gradcam"), (2, "cam")]
    (seven, r7), (five, _), (unreadable, none), (explained, rg) = answers
    assert seven["digit"] == 7 and five["digit"] == 5 and r7.overlay.shape[2] == 3
    assert unreadable["digit"] is None and "not a picture" in unreadable["message"]
    assert none is None
    assert explained["digit"] == 5 and explained["target"] == 3 and rg.method == "gradcam"
    assert np.allclose(five["probabilities"], explained["probabilities"], atol=1e-4)


def test_the_grid_the_map_is_made_of_is_drawn_on_request(service):
    """"Show the 7×7 grid": the squares of the map's layer over the heatmap and the model view
    (14×14 on layer2), nothing else changed; off by default."""
    def shown(**settings) -> views.Panels:
        return service.explain(Request(Pad(SEVEN_STROKES), Settings(**settings), live=True))

    def drawn(plain: np.ndarray, gridded: np.ndarray) -> np.ndarray:
        return (plain != gridded).any(axis=2)

    assert Settings().grid is False
    plain, gridded = shown(), shown(grid=True)
    assert gridded.headline == plain.headline
    coarse = drawn(plain.overlay, gridded.overlay)
    assert 0.01 < coarse.mean() < 0.1  # thin lines
    # 8 borders each way (one may fall off the canvas): runs of columns a line runs down.
    columns = np.concatenate([[False], coarse.mean(axis=0) > 0.5])
    assert 7 <= (columns[1:] & ~columns[:-1]).sum() <= 8
    assert drawn(plain.model_view, gridded.model_view).any()
    fine = drawn(shown(method="layercam", layer="layer2").overlay,
                 shown(method="layercam", layer="layer2", grid=True).overlay)
    assert fine.sum() > 1.6 * coarse.sum()  # 15 borders each way instead of 8


def test_only_a_drawing_gets_the_heatmap_for_the_pad(service):
    """The pad's paper shows the map beneath the strokes; an upload has no pad, so its answer
    carries no pad picture (nothing encoded for it)."""
    drawn, uploaded = service.explain_many([Request(Pad(SEVEN_STROKES), Settings(), live=True),
                                            Request(Upload(SEVEN_PHOTO), Settings(), live=True)])
    assert drawn.heat.startswith("data:image/jpeg;base64,")
    assert uploaded.heat == ""
