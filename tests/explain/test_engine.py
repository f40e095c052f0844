"""CAM engine: exact, matches pytorch-grad-cam, oriented right, thread-safe, blank-safe."""

from __future__ import annotations

import gc
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch
from conftest import ROOT

from cam_core.errors import SettingsError
from cam_core.explain import engine, render
from cam_core.explain.batching import BatchedRunner, Merger, model_pass
from cam_core.explain.engine import Explainer
from cam_core.explain.methods import CAM, METHODS, get_method, reporting_waiting, target_map
from cam_core.inputs.fit import to_tensor
from cam_core.inputs.prepare import prepare
from cam_core.inputs.strokes import render_strokes
from cam_core.model.logits import LogitsOnly, logits_of


class FakeRunner:
    """A model runner for tests: runs each pass on the model (as the default runner does,
    without merging), records the size of each, and on request waits for ``hold`` before
    computing, stands CAM's maths in for the method's (``as_cam``: the gate does not look at
    the maths), or raises ``fail``. Counts how many passes overlap."""

    def __init__(self, model, hold: threading.Event | None = None, as_cam: bool = False,
                 fail: Exception | None = None, pause: float = 0.0) -> None:
        self.model, self.hold, self.as_cam, self.fail, self.pause = (model, hold, as_cam,
                                                                      fail, pause)
        self.sizes: list[int] = []
        self.started = threading.Event()
        self.running = self.most = 0
        self.lock = threading.Lock()

    def run(self, tensors, method, layer, targets):
        with self.lock:
            self.sizes.append(len(tensors))
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.set()
        try:
            if self.hold is not None:
                self.hold.wait(10)
            time.sleep(self.pause)  # so that overlap, when allowed, is certain
            if self.fail is not None:
                raise self.fail
            if self.as_cam:
                method, layer = "cam", "layer4"
            return model_pass(self.model, tensors, method, layer, targets)
        finally:
            with self.lock:
                self.running -= 1

    def logits(self, tensors):
        return logits_of(self.model, tensors), False


def random_inputs(count: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(count, 1, 28, 28, generator=generator)


def test_class_cams_are_exact_for_random_inputs(untrained: Explainer):
    model = untrained.model
    inputs = random_inputs(4)
    with torch.no_grad():
        logits, features = model(inputs)
        cams = CAM.all_classes(features, model.fc.weight)  # (4, 10, 7, 7)
    rebuilt = cams.mean(dim=(2, 3)) + model.fc.bias
    assert torch.allclose(rebuilt, logits, atol=1e-4)


def test_class_cams_are_exact_for_real_digits(explainer: Explainer, mnist_test):
    images, _ = mnist_test
    for image in images[:8]:
        result = explainer.explain(image)
        rebuilt = result.class_cams.mean(axis=(1, 2)) + explainer.model.fc.bias.numpy()
        np.testing.assert_allclose(rebuilt, result.logits, rtol=1e-5, atol=1e-4)


ORACLE = {"gradcam": "GradCAM", "gradcam++": "GradCAMPlusPlus", "hirescam": "HiResCAM",
          "layercam": "LayerCAM", "scorecam": "ScoreCAM"}


@pytest.mark.parametrize("layer", ["layer2", "layer3", "layer4"])
# Score-CAM: one extra forward pass per channel, 20-40 s: in the slow tier.
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name == "scorecam"
                                  else name for name in ORACLE])
def test_methods_match_pytorch_grad_cam(untrained: Explainer, name: str, layer: str):
    if name == "scorecam" and layer != "layer4":
        pytest.skip("Score-CAM is checked on layer4 only (one extra pass per channel)")
    if layer not in get_method(name, "layer4").layers:
        pytest.skip(f"{name} is not offered on {layer} (test_hirescam_is_not_offered_on_layer2)")
    import pytorch_grad_cam
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    model = untrained.model
    inputs = random_inputs(2, seed=1)
    targets = [3, 7]
    oracle_class = getattr(pytorch_grad_cam, ORACLE[name])
    wrapped = LogitsOnly(model)
    with torch.enable_grad():
        model.requires_grad_(True)  # pytorch-grad-cam needs .backward() through the weights
        try:
            with oracle_class(model=wrapped, target_layers=[getattr(model, layer)]) as oracle:
                expected = oracle(inputs, [ClassifierOutputTarget(t) for t in targets])
        finally:
            model.requires_grad_(False)
            model.zero_grad(set_to_none=True)
    _, raw = target_map(model, inputs, torch.tensor(targets), get_method(name, layer), layer)
    for index in range(2):
        # pytorch-grad-cam: min-max, cv2.resize to the input size, min-max again.
        ours = render.normalize_map(render.feature_to_model(render.normalize_map(
            raw[index].numpy())))
        np.testing.assert_allclose(ours, expected[index], atol=1e-4)


def test_gradcam_on_layer4_is_relu_cam_up_to_scale(untrained: Explainer):
    model = untrained.model
    inputs = random_inputs(1, seed=2)
    with torch.no_grad():
        _, features = model(inputs)
        cam = CAM.all_classes(features, model.fc.weight)[0, 5]
    _, grad = target_map(model, inputs, torch.tensor([5]), get_method("gradcam", "layer4"),
                         "layer4")
    np.testing.assert_allclose(grad[0].numpy() * 49, torch.relu(cam).numpy(), rtol=1e-5, atol=1e-4)


def test_hirescam_is_not_offered_on_layer2():
    with pytest.raises(ValueError, match="grid of dots"):
        get_method("hirescam", "layer2")
    assert get_method("hirescam", "layer3").name == "hirescam"


def test_cam_refuses_other_layers():
    with pytest.raises(ValueError, match="layer4"):
        get_method("cam", "layer2")
    with pytest.raises(ValueError, match="method must be one of"):
        get_method("magic", "layer4")


def test_corner_blob_on_non_square_canvas_peaks_in_that_corner(untrained: Explainer):
    canvas = (300, 500)  # height 300, width 500
    # A small 7 in the corner (a blob that size is refused as too small since stroke widths
    # count: it spans under three of them).
    ink = render_strokes([np.array([[420.0, 210.0], [480.0, 210.0], [440, 290]])], canvas, 10)
    prepared = prepare((255 - ink * 255).astype(np.uint8))
    # A map hot in the bottom-right feature cell must come back bottom-right on the canvas.
    unit = np.zeros((7, 7), np.float32)
    unit[6, 6] = 1.0
    cam = render.feature_to_canvas(unit, prepared.to_model, canvas)
    y, x = np.unravel_index(np.argmax(cam), cam.shape)
    assert cam.shape == canvas and x > 400 and y > 200


def test_engine_cam_peaks_on_the_ink_of_a_far_right_digit(untrained: Explainer):
    canvas = (300, 600)
    ink = render_strokes([np.array([[480, 60], [560, 60], [500, 260]], float)], canvas)
    result = untrained.explain((255 - ink * 255).astype(np.uint8))
    assert result.cam.shape == canvas
    assert result.cam[:, :350].max() == 0  # nothing the model saw is on the left
    assert result.cam[:, 400:].max() > 0.5


def test_hot_top_left_renders_red_in_rgb():
    unit = np.zeros((10, 10), np.float32)
    unit[:3, :3] = 1.0
    coloured = render.colorize(unit, "jet")
    red, _green, blue = coloured[0, 0].astype(int)
    assert red > 100 and red > blue + 50  # jet's hot end is red; BGR would make it blue
    cold = coloured[9, 9].astype(int)
    assert cold[2] > cold[0]  # cold end blue


def test_signed_colour_map_tells_for_from_against():
    """coolwarm is diverging: strongest against (0) blue, none (0.5) grey, strongest for (1)
    red; a cyclic map would paint 0 and 1 alike."""
    against, neutral, for_ = render.colorize(np.array([[0.0, 0.5, 1.0]]), "coolwarm")[0].astype(int)
    assert against[2] > against[0] + 100 and for_[0] > for_[2] + 100
    assert neutral.max() - neutral.min() < 10 and neutral.min() > 200


def test_coolwarm_overlay_puts_zero_evidence_in_the_middle(explainer):
    """With a diverging colour map the overlay's map is signed: cells with evidence for the
    target are above 0.5 (red side), against it below (blue), outside the model's view 0.5."""
    small_seven = render_strokes([np.array([[150, 150], [250, 150], [180, 280]], float)])
    result = explainer.explain(255 - (255 * small_seven).astype(np.uint8), target=3,
                               colormap="coolwarm")
    raw = render.feature_to_model(result.target_map)
    clear = np.abs(raw) > 1e-3 * np.abs(raw).max()
    assert (raw[clear] > 0).any() and (raw[clear] < 0).any()
    assert np.array_equal(raw[clear] > 0, result.cam_model[clear] > 0.5)
    assert result.cam[0, 0] == pytest.approx(0.5)  # a corner of the pad the model never saw


def test_constant_map_gives_zeros_not_nan():
    assert np.array_equal(render.normalize_map(np.full((7, 7), 3.0)), np.zeros((7, 7)))
    signed = render.normalize_map(np.zeros((7, 7)), "signed")
    assert np.isfinite(signed).all()


def test_blank_input_no_digit_no_nan(explainer: Explainer):
    for blank, says in ((None, "Draw a digit"), (np.full((200, 200), 255, np.uint8),
                                                   "no digit in this picture")):
        result = explainer.explain(blank)
        assert result.digit is None and result.target is None
        assert says in result.message
        for array in (result.probabilities, result.cam, result.class_cams, result.cam_model):
            assert np.isfinite(array).all()


def test_explanation_fields(explainer: Explainer, mnist_test):
    images, labels = mnist_test
    result = explainer.explain(images[0])
    assert result.probabilities.shape == (10,) and result.probabilities.dtype == np.float32
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert result.class_cams.shape == (10, 7, 7)
    assert result.cam.shape == (28, 28) and 0 <= result.cam.min() <= result.cam.max() <= 1
    assert result.overlay.shape == (28, 28, 3) and result.overlay.dtype == np.uint8
    assert result.model_input.shape == (28, 28) and result.model_input.dtype == np.uint8
    assert result.digit == labels[0] and result.target == result.digit


def test_target_class_can_be_chosen_and_is_checked(explainer: Explainer, mnist_test):
    image = mnist_test[0][0]
    chosen = explainer.explain(image, target=3)
    assert chosen.target == 3
    np.testing.assert_array_equal(chosen.target_map, chosen.class_cams[3])
    with pytest.raises(SettingsError, match="Class to explain 12 is not a digit"):
        explainer.explain(image, target=12)


def test_bad_settings_are_refused_before_the_model_runs(untrained: Explainer):
    """One check for the engine and the page's controls: each bad value is named with what to
    choose instead, and no model pass is spent on it."""
    runner = FakeRunner(untrained.model)
    fresh = Explainer(untrained.model, untrained.device, runner=runner)
    drawing = np.pad(np.eye(60, dtype=np.uint8) * 255, 20)
    for arguments, says in ((dict(method="magic"), "Unknown method 'magic'"),
                            (dict(method="gradcam", layer="layer1"), "Unknown layer 'layer1'"),
                            (dict(method="cam", layer="layer2"),
                             "CAM can only be made from the last layer"),
                            (dict(colormap="rainbow"), "Unknown colour map 'rainbow'"),
                            (dict(opacity=1.5), "not between 0 and 1"),
                            (dict(target=True), "is not a digit")):
        with pytest.raises(SettingsError, match=says):
            fresh.explain(drawing, **arguments)
    assert runner.sizes == []


def test_control_changes_do_not_run_the_model(explainer: Explainer, mnist_test):
    image = mnist_test[0][0]
    runner = FakeRunner(explainer.model)
    fresh = Explainer(explainer.model, explainer.device, runner=runner)
    fresh.explain(image, method="gradcam", layer="layer3")
    assert runner.sizes == [1]
    fresh.explain(image, method="gradcam", layer="layer3", colormap="jet", opacity=0.9)
    assert runner.sizes == [1]  # colours and opacity: re-render only
    fresh.explain(image, method="cam", target=None)
    assert runner.sizes == [1, 1]  # another method: one pass
    fresh.explain(image, method="cam", target=4)  # another class: re-render only
    fresh.explain(image, method="cam", colormap="inferno", opacity=0.2)
    assert runner.sizes == [1, 1]
    assert fresh.cache_info() == (2, engine.CACHE_SIZE)
    fresh.clear_cache()
    assert fresh.cache_info().size == 0
    fresh.explain(image, method="cam")
    assert runner.sizes == [1, 1, 1]  # forgotten: the model runs again


def test_batch_equals_single(explainer: Explainer, mnist_test):
    images = list(mnist_test[0][:5])
    batch = explainer.explain_batch(images)
    for image, result in zip(images, batch, strict=True):
        single = explainer.explain(image)
        np.testing.assert_allclose(single.logits, result.logits, atol=1e-4)


def _bn_state(model) -> list[bytes]:
    return [buffer.numpy().tobytes() for name, buffer in model.named_buffers()]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.slow
def test_thread_safety_and_no_state_left(untrained: Explainer):
    digits = [to_tensor(np.roll(np.eye(28, dtype=np.float32), shift, axis=1))
              for shift in range(-6, 7)]
    fresh = Explainer(untrained.model, untrained.device, cache_size=0)  # every call runs it
    expected = {}
    for index, tensor in enumerate(digits):
        prepared = prepare((tensor[0] * 0.3081 + 0.1307).clip(0, 1))
        expected[index] = (prepared, fresh.explain(prepared, method="gradcam", layer="layer3"))
    bn_before = _bn_state(untrained.model)
    hooks_before = sum(len(m._forward_hooks) + len(m._backward_hooks)
                       + len(m._forward_pre_hooks) for m in untrained.model.modules())
    errors: list[str] = []

    def worker(offset: int) -> None:
        for call in range(100):
            index = (call + offset) % len(digits)
            method = "gradcam" if call % 2 else "cam"
            prepared, reference = expected[index]
            result = fresh.explain(prepared, method=method,
                                   layer="layer3" if method == "gradcam" else "layer4")
            if not np.allclose(result.logits, reference.logits, atol=1e-4):
                errors.append(f"logits differ for input {index}")
            # 1e-4 as between a batch and single inputs: the engine merges passes asked for
            # at once (cam_core.explain.batching.Merger), and a batch's float rounding differs from
            # batch 1's
            # (here up to 6e-5 on maps of about 1).
            if method == "gradcam" and not np.allclose(result.target_map, reference.target_map,
                                                       atol=1e-4, rtol=0):
                errors.append(f"map differs for input {index}")

    threads = [threading.Thread(target=worker, args=(k * 5,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    gc.collect()
    rss_before = _rss_mb()
    for call in range(800):  # with the 200 above, 1000 calls
        fresh.explain(expected[call % len(digits)][0])
    gc.collect()
    assert untrained.model.training is False
    assert _bn_state(untrained.model) == bn_before
    assert all(p.grad is None for p in untrained.model.parameters())
    hooks_after = sum(len(m._forward_hooks) + len(m._backward_hooks)
                      + len(m._forward_pre_hooks) for m in untrained.model.modules())
    assert hooks_after == hooks_before == 0
    assert _rss_mb() - rss_before < 50


def test_all_methods_run_on_a_drawing(untrained: Explainer):
    ink = render_strokes([np.array([[100, 80], [300, 80], [180, 330]], float)], (400, 400))
    for name, method in METHODS.items():
        if name == "scorecam":
            continue  # covered by the oracle test; slow
        for layer in method.layers:
            result = untrained.explain((255 - ink * 255).astype(np.uint8), method=name,
                                       layer=layer)
            assert result.cam.shape == (400, 400) and np.isfinite(result.cam).all()


def test_cached_results_cannot_be_changed_by_a_caller(explainer):
    """The arrays an explanation shares with the cache are read-only: a notebook that edits
    them in place must not change what the next caller of the same drawing is told."""
    drawing = render_strokes([np.array([[110, 80], [290, 80], [170, 330]], float)])
    first = explainer.explain(255 - (255 * drawing).astype(np.uint8), method="gradcam")
    for shared in (first.logits, first.class_cams, first.target_map, first.pooled_features):
        with pytest.raises(ValueError, match="read-only"):
            shared[...] = 0
    again = explainer.explain(255 - (255 * drawing).astype(np.uint8), method="gradcam")
    assert again.digit == first.digit and np.array_equal(again.logits, first.logits)


def test_every_method_runs_the_trunk_once(untrained: Explainer):
    """Gradient methods start their backward pass from the features of the one forward pass
    that gave the prediction and the ten CAMs; they used to run the whole network twice."""
    fresh = Explainer(untrained.model, untrained.device, cache_size=0)
    drawing = render_strokes([np.array([[110, 80], [290, 80], [170, 330]], float)])
    calls = []
    handle = untrained.model.conv1.register_forward_hook(lambda *_: calls.append(1))
    try:
        for method, layer in (("cam", "layer4"), ("gradcam", "layer4"), ("gradcam", "layer2"),
                              ("layercam", "layer3"), ("hirescam", "layer4")):
            calls.clear()
            fresh.explain(255 - (255 * drawing).astype(np.uint8), method=method, layer=layer)
            assert len(calls) == 1, f"{method} on {layer} ran the trunk {len(calls)} times"
    finally:
        handle.remove()


def test_needs_model_says_when_explain_would_run_the_network(untrained: Explainer):
    fresh = Explainer(untrained.model, untrained.device)
    drawing = 255 - (255 * render_strokes([np.array([[110, 80], [290, 80], [170, 330]],
                                                    float)])).astype(np.uint8)
    assert fresh.needs_model(drawing, None, "gradcam", "layer3")
    fresh.explain(drawing, method="gradcam", layer="layer3")
    assert not fresh.needs_model(drawing, None, "gradcam", "layer3")  # the predicted class
    predicted = fresh.explain(drawing, method="gradcam", layer="layer3").digit
    other = (predicted + 1) % 10
    assert fresh.needs_model(drawing, other, "gradcam", "layer3")  # another class's map
    assert fresh.needs_model(drawing, None, "gradcam", "layer2")  # another layer
    assert fresh.needs_model(drawing, other, "cam", "layer4")
    fresh.explain(drawing, method="cam")
    assert not fresh.needs_model(drawing, other, "cam", "layer4")  # CAM caches all ten classes
    assert not fresh.needs_model(np.full((50, 50), 255, np.uint8), None, "scorecam")  # blank
    assert not fresh.needs_model(b"not an image", None, "scorecam")  # explain raises at once


def _drawings(count: int) -> list[np.ndarray]:
    return [255 - (255 * render_strokes([np.array([[110, 80 + 20 * i], [290, 80], [170, 330]],
                                                  float)])).astype(np.uint8)
            for i in range(count)]


def _count_concurrent_runs(untrained: Explainer, method: str, threads: int = 4) -> int:
    """How many model passes overlapped when ``threads`` requests for different drawings
    arrived at once (each pass held 0.3 s; CAM's maths stands in for the method's)."""
    runner = FakeRunner(untrained.model, as_cam=True, pause=0.3)
    fresh = Explainer(untrained.model, untrained.device, runner=runner)
    workers = [threading.Thread(target=fresh.explain, args=(d,), kwargs=dict(method=method))
               for d in _drawings(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(runner.sizes) == threads  # each drawing ran once (no merging in this runner)
    return runner.most


def test_slow_method_runs_one_at_a_time(untrained: Explainer):
    """A cancelled Explain frees its place in the server's queue while its thread goes on
    computing Score-CAM: the engine itself must keep such runs from piling up on the CPU."""
    assert _count_concurrent_runs(untrained, "scorecam") == 1
    # Live methods are not held back (the count above is the gate's doing, not the test's).
    assert _count_concurrent_runs(untrained, "cam") > 1


def test_a_cached_slow_map_never_waits_and_the_queue_is_bounded(untrained: Explainer):
    """The gate is for computing: a Score-CAM map already cached is answered at once while
    another drawing's run computes, and beyond SLOW_WAITING admitted runs the next is told the
    server is busy (cancelled requests keep their threads, so they must not pile up)."""
    release = threading.Event()
    runner = FakeRunner(untrained.model, hold=release, as_cam=True)
    fresh = Explainer(untrained.model, untrained.device, runner=runner)
    drawings = _drawings(engine.SLOW_WAITING + 2)
    release.set()
    fresh.explain(drawings[0], method="scorecam")  # cached from now on
    release.clear()
    workers = [threading.Thread(target=fresh.explain, args=(d,), kwargs=dict(method="scorecam"))
               for d in drawings[1:engine.SLOW_WAITING + 1]]
    for worker in workers:
        worker.start()
    deadline = time.time() + 5
    while fresh.slow_waiting < engine.SLOW_WAITING and time.time() < deadline:
        time.sleep(0.01)
    try:
        passes, answers = len(runner.sizes), []
        cached = threading.Thread(target=lambda: answers.append(
            fresh.explain(drawings[0], method="scorecam")))
        cached.start()
        cached.join(5)  # the held runs wait 10 s for the test: a call behind them still waits
        assert answers and answers[0].digit is not None  # answered past the held runs
        assert len(runner.sizes) == passes  # from the cache
        with pytest.raises(engine.ServerBusy, match="press Explain again"):
            fresh.explain(drawings[-1], method="scorecam")
    finally:
        release.set()
        for worker in workers:
            worker.join()
    assert fresh.slow_waiting == 0
    fresh.explain(drawings[-1], method="scorecam")  # room again once they are done


def test_a_slow_run_waiting_in_line_is_told_its_place_and_the_wait(untrained: Explainer):
    """Several students press Explain for Score-CAM at once: each run that has to wait is told
    its place in line and an estimate of the wait before it waits; the first is not."""
    release = threading.Event()
    runner = FakeRunner(untrained.model, hold=release, as_cam=True)
    fresh = Explainer(untrained.model, untrained.device, runner=runner)
    drawings, told = _drawings(3), []

    def explain(drawing, i: int) -> None:
        with reporting_waiting(lambda place, seconds: told.append((i, place, seconds))):
            fresh.explain(drawing, method="scorecam")

    workers = []
    for i, drawing in enumerate(drawings):
        workers.append(threading.Thread(target=explain, args=(drawing, i)))
        workers[-1].start()
        deadline = time.time() + 5
        while fresh.slow_waiting < i + 1 and time.time() < deadline:
            time.sleep(0.01)
    release.set()
    for worker in workers:
        worker.join()
    assert [(i, place) for i, place, _ in told] == [(1, 2), (2, 3)]
    assert all(seconds > 0 for _, _, seconds in told)
    assert told[1][2] > told[0][2]  # two runs ahead: a longer wait than one


def test_overlay_leaves_paper_clear_where_there_is_no_evidence():
    paper = np.full((4, 4, 3), 255, np.uint8)
    unit = np.zeros((4, 4), np.float32)
    unit[0, 0] = 1.0
    out = render.overlay(paper, unit, opacity=1.0, colormap="viridis")
    assert (out[1:, 1:] == 255).all()  # zero evidence: the paper as it is
    np.testing.assert_array_equal(out[0, 0], render.colorize(unit, "viridis")[0, 0])
    signed = render.overlay(paper, np.full((4, 4), 0.5, np.float32), 1.0, "coolwarm")
    assert (signed == 255).all()  # a diverging map's middle is zero evidence


def test_heatmap_has_no_hard_edge_at_the_model_frame():
    canvas = (400, 400)
    ink = render_strokes([np.array([[180.0, 60], [220, 60], [200, 340]])], canvas)
    prepared = prepare((255 - ink * 255).astype(np.uint8))
    cam = render.feature_to_canvas(np.ones((7, 7), np.float32), prepared.to_model, canvas)
    row = cam[200]  # across the narrow digit: the model frame's left and right edges
    assert np.abs(np.diff(row)).max() < 0.2  # a fade, not a step from 1 to 0


def test_grid_lines_mark_the_seven_by_seven_cells():
    canvas = (300, 500)
    ink = render_strokes([np.array([[200.0, 90], [300, 90], [240, 210]])], canvas, 12)
    prepared = prepare((255 - ink * 255).astype(np.uint8))
    lines = render.grid_lines(prepared.to_model, canvas, (7, 7))
    assert len(lines) == 16
    vertical = sorted(a[0] for a, b in lines if a[0] == b[0])
    steps = np.diff(vertical)
    assert len(vertical) == 8 and steps.max() - steps.min() <= 2  # evenly spaced cells
    drawn = render.draw_grid(np.full((*canvas, 3), 255, np.uint8), prepared.to_model, (7, 7))
    assert (drawn[:, vertical[3]] < 255).any()


def test_live_passes_asked_for_at_once_are_merged_and_each_gets_its_own(untrained: Explainer):
    """Several Gradio workers explaining at once (strokes, uploads, API calls of different
    students) share one forward pass: while one pass runs, the passes asked for meanwhile
    wait and then run together, and each caller gets the results of its own inputs."""
    release = threading.Event()
    held = FakeRunner(untrained.model, hold=release)
    merger = Merger(held.run)

    class MergingRunner:  # the default runner's merging, over a pass the test can hold
        run = staticmethod(merger.run)
        logits = staticmethod(held.logits)

    fresh = Explainer(untrained.model, untrained.device, cache_size=0, runner=MergingRunner())
    drawings = [255 - (255 * render_strokes([np.array([[110 + 15 * i, 80], [290, 80 + 10 * i],
                                                       [170, 330]], float)])).astype(np.uint8)
                for i in range(5)]
    results: dict[int, object] = {}

    def explain(i: int) -> None:
        results[i] = fresh.explain(drawings[i])

    first = threading.Thread(target=explain, args=(0,))
    first.start()
    assert held.started.wait(10)  # the first pass runs until every other caller is waiting
    others = [threading.Thread(target=explain, args=(i,)) for i in range(1, 5)]
    for worker in others:
        worker.start()
    deadline = time.time() + 10
    while merger.waiting < 4 and time.time() < deadline:
        time.sleep(0.01)
    release.set()
    for worker in [first, *others]:
        worker.join()
    assert held.sizes == [1, 4]  # the four waiting callers: one pass
    for i, drawing in enumerate(drawings):
        alone = untrained.explain(drawing)
        np.testing.assert_allclose(results[i].logits, alone.logits, atol=1e-4)


def test_the_default_runner_merges_live_passes_only(untrained: Explainer):
    """BatchedRunner: a live method's pass goes through its merger, Score-CAM's does not
    (the engine's gate admits one slow run at a time), and both give model_pass's numbers."""
    runner = BatchedRunner(untrained.model)
    tensors = np.stack([prepare(d).tensor for d in _drawings(2)])
    merged = runner.run(tensors, "gradcam", "layer3", [None, 4])
    direct = model_pass(untrained.model, tensors, "gradcam", "layer3", [None, 4])
    for ours, theirs in zip(merged, direct, strict=True):
        np.testing.assert_allclose(ours.logits, theirs.logits, atol=1e-5)
        assert ours.maps.keys() == theirs.maps.keys() and not ours.gpu_refused
    logits, refused = runner.logits(tensors)
    assert logits.shape == (2, 10) and not refused
    np.testing.assert_allclose(logits, np.stack([r.logits for r in direct]), atol=1e-4)
    assert runner.merger.waiting == 0


def test_a_failed_merged_pass_fails_each_of_its_callers(untrained: Explainer):
    broken = FakeRunner(untrained.model, fail=RuntimeError("out of memory"))
    merger = Merger(broken.run)

    class MergingRunner:
        run = staticmethod(merger.run)
        logits = staticmethod(broken.logits)

    fresh = Explainer(untrained.model, untrained.device, cache_size=0, runner=MergingRunner())
    with pytest.raises(RuntimeError, match="out of memory"):
        fresh.explain(np.eye(28, dtype=np.uint8) * 255)
    assert merger.waiting == 0
    broken.fail = None  # the merger is ready for the next pass, not stuck busy
    assert fresh.explain(np.eye(28, dtype=np.uint8) * 255).digit is not None


def test_one_logits_helper_batches_without_changing_the_numbers(untrained: Explainer):
    inputs = random_inputs(7, seed=3).numpy()
    whole = logits_of(untrained.model, inputs, batch_size=7)
    np.testing.assert_allclose(logits_of(untrained.model, inputs, batch_size=3), whole,
                               atol=1e-4)
    np.testing.assert_allclose(logits_of(untrained.model, iter(inputs), batch_size=2), whole,
                               atol=1e-4)
    assert logits_of(untrained.model, inputs[:0]).shape == (0, 10)
    with pytest.raises(ValueError, match="batch_size"):
        logits_of(untrained.model, inputs, batch_size=0)


@pytest.mark.slow
def test_the_server_lets_idle_torch_threads_sleep():
    """``app.py`` sets OpenMP's wait policy before torch loads: spinning threads burned ~6×
    the CPU of a forward pass on two shared cores. A value set by the user is kept."""
    code = "import app, os, sys; print(os.environ['OMP_WAIT_POLICY'], 'torch' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.stdout.split() == ["PASSIVE", "True"], done.stderr
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          env={**env, "OMP_WAIT_POLICY": "ACTIVE"}, text=True, timeout=300)
    assert done.stdout.split()[0] == "ACTIVE", done.stderr
