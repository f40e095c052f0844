"""ZeroGPU: live work never borrows the GPU (each ``spaces.GPU`` call is charged to the
visitor's quota, and a class behind one address shares one); Score-CAM and the teaching views'
ROAD do, once each; a refused lease gives the CPU's answer and a note, never an error. Off
ZeroGPU (here, with the real ``spaces`` package installed) nothing changes.

A stand-in ``spaces`` module counts the decorated calls and can refuse them."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest

from cam_core.explain import zerogpu
from cam_core.explain.batching import BatchedRunner
from cam_core.explain.engine import Explainer, load_explainer
from cam_core.explain.methods import METHODS
from cam_core.serve import hiding, trust, views
from cam_core.serve.catalog import say
from cam_core.serve.service import Pad, Request, Service, Settings

NOTE = say("en", "gpu.cpu_instead")


class FakeSpaces(types.ModuleType):
    """``spaces`` as ZeroGPU has it: ``GPU(duration=...)`` decorates; each call of a decorated
    function is one lease (counted in ``calls`` with its duration), or raises ``refuse``
    (what ``spaces`` does when the visitor's quota is used up)."""

    def __init__(self) -> None:
        super().__init__("spaces")
        self.calls: list[tuple[str, int]] = []
        self.refuse: Exception | None = None

    def GPU(self, task=None, *, duration=None):
        def wrap(function):
            def leased(*args, **kwargs):
                self.calls.append((function.__name__, duration))
                if self.refuse is not None:
                    raise self.refuse
                return function(*args, **kwargs)
            return leased
        return wrap if task is None else wrap(task)


@pytest.fixture
def spaces(monkeypatch) -> FakeSpaces:
    fake = FakeSpaces()
    monkeypatch.setitem(sys.modules, "spaces", fake)
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    return fake


@pytest.fixture
def on_zerogpu(spaces, explainer) -> Explainer:
    """The trained model behind a ZeroGPU runner (its "GPU" copy is a second CPU copy here)."""
    return Explainer(explainer.model, explainer.device,
                     runner=zerogpu.ZeroGPURunner(explainer.model))


def strokes(i: int) -> str:
    """A different pen-up each time: a 7 whose corner moves."""
    return json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 24,
         "points": [[110 + i % 10, 80 + i // 10], [290, 80 + i % 7], [170, 330]]}]})


class Counting:
    """A runner around another that counts the passes asked of it."""

    def __init__(self, inner) -> None:
        self.inner, self.runs = inner, 0

    def run(self, tensors, method, layer, targets):
        self.runs += 1
        return self.inner.run(tensors, method, layer, targets)

    def logits(self, tensors):
        return self.inner.logits(tensors)


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_a_hundred_live_pen_ups_borrow_the_gpu_zero_times(spaces, explainer):
    """A hundred pen-ups, CAM and Grad-CAM as the pad asks: each runs the model (no cache
    here), none borrows the GPU."""
    runner = Counting(zerogpu.ZeroGPURunner(explainer.model))
    on_zerogpu = Explainer(explainer.model, explainer.device, cache_size=0, runner=runner)
    prepared = Service(on_zerogpu).read(Pad(strokes(0)))
    for i in range(100):
        method, layer = ("cam", "layer4") if i % 2 else ("gradcam", "layer3")
        result = on_zerogpu.explain(prepared, method=method, layer=layer)
        assert result.digit is not None and not result.gpu_refused
    assert runner.runs == 100
    assert spaces.calls == []


@pytest.mark.slow
def test_a_hundred_live_pen_ups_through_the_service_borrow_the_gpu_zero_times(spaces,
                                                                             on_zerogpu):
    service = Service(on_zerogpu)
    for i in range(100):
        method, layer = ("cam", "layer4") if i % 2 else ("gradcam", "layer3")
        panels = service.explain(Request(Pad(strokes(i)), Settings("prediction", method, layer),
                                         live=True))
        assert "big-digit" in panels.headline and NOTE not in panels.headline
    assert spaces.calls == []


def test_score_cam_borrows_the_gpu_once_for_its_duration(spaces, on_zerogpu, monkeypatch):
    # Grad-CAM stands in for Score-CAM (the runner goes by the method's ``live`` flag; the
    # real Score-CAM is the slow test below).
    monkeypatch.setattr(METHODS["gradcam"], "live", False)
    service = Service(on_zerogpu)
    panels = service.explain(Request(Pad(strokes(0)), Settings("prediction", "gradcam",
                                                               "layer3")))
    assert spaces.calls == [("_gpu_pass", zerogpu.SLOW_SECONDS)]
    assert "big-digit" in panels.headline and NOTE not in panels.headline
    service.explain(Request(Pad(strokes(0)), Settings("prediction", "gradcam", "layer3",
                                                      colormap="jet")))
    assert len(spaces.calls) == 1  # a control change re-renders from the cache


@pytest.mark.slow
def test_real_score_cam_borrows_the_gpu_once(spaces, on_zerogpu):
    result = on_zerogpu.explain(np.pad(np.eye(60, dtype=np.uint8) * 255, 20),
                                method="scorecam")
    assert spaces.calls == [("_gpu_pass", zerogpu.SLOW_SECONDS)]
    assert result.digit is not None and not result.gpu_refused


def test_a_refused_lease_gives_the_cpu_answer_and_a_note(spaces, on_zerogpu, explainer,
                                                         monkeypatch):
    monkeypatch.setattr(METHODS["gradcam"], "live", False)
    spaces.refuse = RuntimeError("You have exceeded your GPU quota (60s requested vs. 0s "
                                 "left). Try again in 23:59:00")
    request = Request(Pad(strokes(3)), Settings("prediction", "gradcam", "layer3"))
    panels = Service(on_zerogpu).explain(request)
    assert len(spaces.calls) == 1
    assert NOTE in panels.headline and "big-digit" in panels.headline
    assert "quota" not in panels.headline and "Traceback" not in panels.headline
    prepared = Service(on_zerogpu).read(request.source)
    refused = on_zerogpu.explain(prepared, method="gradcam", layer="layer3")
    plain = Explainer(explainer.model, explainer.device).explain(prepared, method="gradcam",
                                                                 layer="layer3")
    np.testing.assert_allclose(refused.probabilities, plain.probabilities, atol=1e-4)
    np.testing.assert_allclose(refused.target_map, plain.target_map, atol=1e-4)
    # Cached: asked again, the map is answered at once, without a lease and without the note.
    again = Service(on_zerogpu).explain(request)
    assert len(spaces.calls) == 1 and NOTE not in again.headline


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_hide_the_evidence_borrows_the_gpu_once_and_falls_back_with_a_note(spaces,
                                                                           on_zerogpu):
    result = on_zerogpu.explain(Service(on_zerogpu).read(Pad(strokes(5))))
    curves = hiding.hide_evidence(on_zerogpu, result)
    assert spaces.calls == [("_gpu_logits", zerogpu.VIEW_SECONDS)]  # the map: on the CPU
    assert not curves.gpu_refused
    assert NOTE not in hiding.hiding_words(curves, "CAM on layer4").student
    spaces.refuse = RuntimeError("ZeroGPU quota exceeded")
    refused = hiding.hide_evidence(on_zerogpu, result)
    assert len(spaces.calls) == 2 and refused.gpu_refused
    assert hiding.hiding_words(refused, "CAM on layer4").student.startswith(NOTE)
    # The CPU's curves are the borrowed copy's (the same weights; on CUDA to float rounding).
    np.testing.assert_allclose(refused.hottest_first, curves.hottest_first, atol=1e-4)
    assert refused.trust == pytest.approx(curves.trust, abs=1e-4)


@pytest.mark.slow
def test_trust_by_method_borrows_the_gpu_once_and_falls_back_with_a_note(spaces, on_zerogpu):
    prepared = Service(on_zerogpu).read(Pad(strokes(5)))
    rows = trust.trust_by_method(on_zerogpu, prepared)
    assert spaces.calls == [("_gpu_logits", zerogpu.VIEW_SECONDS)]  # the maps: on the CPU
    assert not rows.gpu_refused and NOTE not in trust.trust_words(rows).student
    spaces.refuse = RuntimeError("ZeroGPU quota exceeded")
    refused = trust.trust_by_method(on_zerogpu, prepared)
    assert len(spaces.calls) == 2
    assert refused.gpu_refused and trust.trust_words(refused).student.startswith(NOTE)
    assert [r[:2] for r in refused] == [r[:2] for r in rows]
    np.testing.assert_allclose([r[2] for r in refused], [r[2] for r in rows], atol=1e-4)


def test_on_zerogpu_the_engine_model_stays_on_the_cpu(spaces):
    explainer = load_explainer()
    assert isinstance(explainer.runner, zerogpu.ZeroGPURunner)
    assert explainer.device.type == "cpu"
    assert next(explainer.model.parameters()).device.type == "cpu"
    assert explainer.runner.gpu_model is not explainer.model
    explainer.explain(np.pad(np.eye(60, dtype=np.uint8) * 255, 20), method="gradcam")
    assert spaces.calls == []


def test_with_the_real_spaces_package_and_no_zerogpu_nothing_changes(explainer, monkeypatch):
    import spaces  # installed from requirements.txt; a no-op off ZeroGPU

    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    assert not zerogpu.on_zerogpu()
    assert isinstance(explainer.runner, BatchedRunner)  # load_explainer's default runner

    def plain(x):
        return x

    assert spaces.GPU(duration=5)(plain) is plain  # nothing is leased
    drawing = np.pad(np.eye(60, dtype=np.uint8) * 255, 20)
    # Even a ZeroGPU runner built here changes no answer.
    runner = zerogpu.ZeroGPURunner(explainer.model)
    wrapped = Explainer(explainer.model, explainer.device, runner=runner)
    for method, layer in (("cam", "layer4"), ("gradcam", "layer3")):
        ours = wrapped.explain(drawing, method=method, layer=layer)
        theirs = Explainer(explainer.model, explainer.device).explain(drawing, method=method,
                                                                      layer=layer)
        np.testing.assert_allclose(ours.probabilities, theirs.probabilities, atol=1e-4)
        assert not ours.gpu_refused
    logits, refused = runner.logits(np.stack([explainer.explain(drawing).model_input
                                              .astype(np.float32)[None]]))
    assert logits.shape == (1, 10) and not refused
    assert views.gpu_note(False) == "" and views.gpu_note(True) == NOTE
