"""The explainer: one forward pass → prediction, calibrated probabilities, all ten class
activation maps, and the picture of the chosen one over the person's own drawing.

Thread-safe by construction: the model is read-only (eval mode, gradients off), gradient
methods take ``torch.autograd.grad`` on a leaf tensor inside the call, and the only shared
state is a small LRU of model results guarded by a lock (and a gate that lets one slow
Score-CAM run compute at a time). The passes themselves are run by a
:class:`~cam_core.explain.batching.ModelRunner` (default: one batched pass on the model's
device; on a ZeroGPU Space live work on the CPU and heavy work on a borrowed GPU).

Example::

    from cam_core.explain.engine import load_explainer
    result = load_explainer().explain("photo_of_a_7.png")
    result.digit, result.probabilities.round(3), result.overlay.shape
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cam_core.errors import ServerBusy
from cam_core.explain import render, zerogpu
from cam_core.explain.batching import BatchedRunner, ModelResult, ModelRunner
from cam_core.explain.explanation import CacheInfo, Explanation
from cam_core.explain.methods import get_method, report_waiting
from cam_core.explain.settings import check_settings
from cam_core.inputs.fit import MODEL_SIZE
from cam_core.inputs.prepare import InputError, Prepared, prepare
from cam_core.model import calibrate
from cam_core.model.network import DigitResNet
from cam_core.model.weights import load_model, resolve_device
from cam_core.serve.catalog import Message

NOT_A_DIGIT_MESSAGE = Message("explain.not_a_digit")  # by its key: see cam_core.serve.catalog
CACHE_SIZE = 128
# Score-CAM runs at most this many at once per process (each takes the CPU for 12–20 s): the
# server's concurrency limit does not hold them, because a request cancelled by a newer one
# frees its slot while its thread goes on computing (Python threads cannot be stopped).
SLOW_RUNS = 1
# Slow runs admitted (computing or waiting) per process; more are refused with ServerBusy.
# Cancelled requests keep their place (their threads wait on), so without a bound abandoned
# runs could pile up without end.
SLOW_WAITING = 4
SLOW_SECONDS = 15.0  # a Score-CAM run on 2 CPU cores, until one has been timed here


class Explainer:
    """Explains digits with one model. Build it with :func:`load_explainer` (cached).

    Args:
        model: a trained :class:`~cam_core.model.network.DigitResNet` in eval mode.
        device: where the model lives.
        cache_size: model results kept in the LRU (0 turns the cache off).
        slow_runs: how many runs of a slow method (``live`` False: Score-CAM) may compute
            at once; the others wait (at most ``SLOW_WAITING`` admitted in all), then find
            their map in the cache if it was the same. A call whose maps are all cached
            never waits.
        runner: what runs the model passes (:class:`~cam_core.explain.batching.ModelRunner`);
            default :class:`~cam_core.explain.batching.BatchedRunner` on ``model``.
    """

    def __init__(self, model: DigitResNet, device: torch.device,
                 cache_size: int = CACHE_SIZE, slow_runs: int = SLOW_RUNS,
                 runner: ModelRunner | None = None) -> None:
        self.model = model
        self.cache_size = cache_size
        self.device = device
        self.runner: ModelRunner = runner if runner is not None else BatchedRunner(model)
        self.temperature = float(model.metadata.get("temperature", 1.0))
        self.ood_threshold = float(model.metadata.get("ood_threshold", "inf"))
        self._cache: OrderedDict[tuple, ModelResult] = OrderedDict()
        self._lock = threading.Lock()
        self._slow_gate = threading.BoundedSemaphore(slow_runs)
        self._waiting, self._waiting_lock = 0, threading.Lock()
        self._slow_seconds = SLOW_SECONDS  # how long a slow run took last (a guess at first)

    # ------------------------------------------------------------------ model side

    def _cached(self, prepared: Sequence[Prepared], method: str, layer: str,
                targets: Sequence[int | None]) -> list[ModelResult]:
        """Answer from the LRU where the same input, method and layer were seen before; run
        the model for the rest (a slow method behind the gate, see ``SLOW_RUNS``)."""
        keys = [_cache_key(p, method, layer) for p in prepared]
        results = self._lookup(keys, targets)
        if None not in results or get_method(method, layer).live:
            return self._fill(results, prepared, keys, method, layer, targets)
        with self._waiting_lock:
            if self._waiting >= SLOW_WAITING:
                raise ServerBusy(key="explain.busy", method=get_method(method, layer).label)
            ahead = self._waiting  # admitted before this one: computing or waiting
            self._waiting += 1
        try:
            if ahead:  # the person sees their place in line and about how long it takes
                report_waiting(ahead + 1, ahead * self._slow_seconds)
            with self._slow_gate:
                started = time.monotonic()
                # The run this one waited behind may have been for the same input.
                found = self._lookup(keys, targets)
                answered = self._fill(found, prepared, keys, method, layer, targets)
                if None in found:  # it computed: the next estimates use its duration
                    self._slow_seconds = max(1.0, time.monotonic() - started)
                return answered
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _lookup(self, keys: Sequence[tuple], targets: Sequence[int | None],
                ) -> list[ModelResult | None]:
        """The cached result of each key (None where missing), marked as recently used."""
        results: list[ModelResult | None] = []
        with self._lock:
            for key, target in zip(keys, targets, strict=True):
                hit = self._hit(key, target)
                if hit is not None:
                    self._cache.move_to_end(key)
                results.append(hit)
        return results

    def _fill(self, results: list[ModelResult | None], prepared: Sequence[Prepared],
              keys: Sequence[tuple], method: str, layer: str,
              targets: Sequence[int | None]) -> list[ModelResult]:
        """Run the model for the missing results in one batch and cache them."""
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            fresh = self.runner.run(np.stack([prepared[i].tensor for i in missing]), method,
                                    layer, [targets[i] for i in missing])
            with self._lock:
                for i, result in zip(missing, fresh, strict=True):
                    old = self._cache.get(keys[i])
                    # Cached without the refusal: a later hit borrows nothing, so says nothing.
                    kept = replace(result, gpu_refused=False)
                    if old is not None:  # keep maps of other targets for the same input
                        kept = replace(kept, maps={**old.maps, **kept.maps})
                        result = replace(result, maps=kept.maps)
                    self._cache[keys[i]] = kept
                    self._cache.move_to_end(keys[i])
                    while len(self._cache) > self.cache_size:
                        self._cache.popitem(last=False)
                    results[i] = result
        return results  # type: ignore[return-value]

    def _hit(self, key: tuple, target: int | None) -> ModelResult | None:
        """The cached result for ``key`` if it holds the map of ``target`` (None: the
        prediction); CAM's entries hold all ten classes. Call with the lock held."""
        hit = self._cache.get(key)
        if hit is None or key[1] == "cam":
            return hit
        wanted = int(np.argmax(hit.logits)) if target is None else target
        return hit if wanted in hit.maps else None

    # ------------------------------------------------------------------ public API

    @property
    def slow_waiting(self) -> int:
        """Slow-method runs admitted now (computing or waiting at the gate), at most
        ``SLOW_WAITING``."""
        with self._waiting_lock:
            return self._waiting

    def cache_info(self) -> CacheInfo:
        """How full the LRU of model results is."""
        with self._lock:
            return CacheInfo(len(self._cache), self.cache_size)

    def clear_cache(self) -> None:
        """Forget every cached model result (the next call of each input runs the model)."""
        with self._lock:
            self._cache.clear()

    def logits(self, tensors: np.ndarray) -> tuple[np.ndarray, bool]:
        """Logits of many ``(M, 1, 28, 28)`` float32 normalised inputs at once (ROAD's copies
        of a drawing): ``(M, 10)`` float32, and True when a GPU lease was refused and the CPU
        computed them (see :meth:`cam_core.explain.batching.ModelRunner.logits`). Not cached."""
        return self.runner.logits(tensors)

    def needs_model(self, image: Any, target: int | None = None, method: str = "cam",
                    layer: str = "layer4") -> bool:
        """Whether :meth:`explain` with these arguments would run the network: False when its
        result is in the cache, when the input is blank, or when it is unreadable (``explain``
        then raises at once). Lets a caller hold back a slow method (Score-CAM) unless its map
        is already known. Preprocesses ``image`` (a few ms; up to ~30 ms for a large photo)."""
        try:
            prepared = image if isinstance(image, Prepared) else prepare(image)
        except InputError:
            return False
        if prepared.blank:
            return False
        with self._lock:
            return self._hit(_cache_key(prepared, method, layer), target) is None


    def explain(self, image: Any, target: int | None = None, method: str = "cam",
                layer: str = "layer4", colormap: str = "viridis", opacity: float = 0.5,
                ) -> Explanation:
        """Explain one input.

        Args:
            image: anything :func:`cam_core.inputs.prepare.prepare` accepts (PIL image, numpy
                array, path, bytes), or an already :class:`Prepared` input (the drawing pad's
                strokes: :meth:`cam_core.serve.service.Service.read`).
            target: the class 0–9 to explain; None = the predicted digit.
            method: ``cam``, ``gradcam``, ``gradcam++``, ``hirescam``, ``layercam``, ``scorecam``.
            layer: ``layer4`` (7×7; CAM needs it), ``layer3`` (7×7) or ``layer2`` (14×14).
            colormap: ``viridis`` (default), ``inferno``, ``jet`` or ``coolwarm``.
            opacity: heatmap opacity in [0, 1].

        Returns: an :class:`Explanation`.

        Raises:
            cam_core.inputs.prepare.InputError: unreadable input (message meant for the person).
            cam_core.errors.SettingsError: unknown method/layer/colour map, ``target`` not in
                0–9 or ``opacity`` outside [0, 1] (all checked before the model runs; also a
                ``ValueError``).
            ServerBusy: a slow method's map is not cached and ``SLOW_WAITING`` runs of slow
                methods are already admitted (message meant for the person).
        """
        return self.explain_batch([image], target, method, layer, colormap, opacity)[0]

    def explain_batch(self, images: Sequence[Any], target: int | None = None,
                      method: str = "cam", layer: str = "layer4", colormap: str = "viridis",
                      opacity: float = 0.5) -> list[Explanation]:
        """Explain several inputs with one batched forward pass; arguments as :meth:`explain`."""
        # Fail early with a clear message, before the model runs.
        target, opacity = check_settings(target, method, layer, colormap, opacity)
        prepared = [p if isinstance(p, Prepared) else prepare(p) for p in images]
        live = [i for i, p in enumerate(prepared) if not p.blank]
        results = self._cached([prepared[i] for i in live], method, layer,
                               [target] * len(live)) if live else []
        by_index = dict(zip(live, results, strict=True))
        return [self._compose(p, by_index.get(i), target, method, layer, colormap, opacity)
                for i, p in enumerate(prepared)]

    def _compose(self, prepared: Prepared, result: ModelResult | None, target: int | None,
                 method: str, layer: str, colormap: str, opacity: float) -> Explanation:
        """Model result + prepared input → Explanation (rendering only, no model call)."""
        if result is None:
            return blank_explanation(prepared, method, layer)
        scaled = result.logits / self.temperature
        probabilities = calibrate.softmax(scaled[None])[0]
        digit = int(np.argmax(result.logits))
        chosen = digit if target is None else int(target)
        raw = result.maps[chosen] if method != "cam" else result.class_cams[chosen]
        scale = render.scale_for(colormap)
        unit = render.normalize_map(raw, scale)
        cam = render.feature_to_canvas(unit, prepared.to_model, prepared.size,
                                       fill=0.5 if scale == "signed" else 0.0)
        ood = float(calibrate.energy_score(scaled[None])[0])
        not_a_digit = ood > self.ood_threshold
        return Explanation(
            digit=digit, probabilities=probabilities, target=chosen,
            class_cams=result.class_cams, target_map=raw, cam=cam,
            cam_model=render.feature_to_model(unit),
            overlay=render.overlay(prepared.picture, cam, opacity, colormap),
            model_input=prepared.model_input, logits=result.logits,
            pooled_features=result.pooled, ood_score=ood,
            not_a_digit=not_a_digit, method=method, layer=layer,
            message=NOT_A_DIGIT_MESSAGE if not_a_digit else "", gpu_refused=result.gpu_refused)


def _cache_key(prepared: Prepared, method: str, layer: str) -> tuple[bytes, str, str]:
    """The LRU key: a digest of the model input, the method and the layer."""
    return hashlib.blake2b(prepared.tensor.tobytes(), digest_size=16).digest(), method, layer


def blank_explanation(prepared: Prepared, method: str, layer: str) -> Explanation:
    """The explanation of a blank input (nothing to explain, no model pass): no digit, zero
    probabilities and maps, the person's picture unchanged and ``prepared.message``."""
    height, width = prepared.size
    return Explanation(
        digit=None, probabilities=np.zeros(10, np.float32), target=None,
        class_cams=np.zeros((10, 7, 7), np.float32), target_map=np.zeros((7, 7), np.float32),
        cam=np.zeros((height, width), np.float32),
        cam_model=np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32),
        overlay=prepared.picture.copy(), model_input=prepared.model_input,
        logits=np.zeros(10, np.float32), pooled_features=np.zeros(512, np.float32),
        ood_score=0.0, not_a_digit=False, method=method,
        layer=layer, message=prepared.message)


@functools.lru_cache(maxsize=4)
def _explainer(weights: str | None, device: str, zero_gpu: bool) -> Explainer:
    model = load_model(weights, device)
    # On ZeroGPU the engine's model stays on the CPU (live work); the runner keeps a CUDA
    # copy for the work it lends the GPU to.
    runner = zerogpu.ZeroGPURunner(model) if zero_gpu else None
    explainer = Explainer(model, torch.device(device), runner=runner)
    with torch.inference_mode():  # warm-up: first calls allocate and pick kernels
        model(torch.zeros(2, 1, MODEL_SIZE, MODEL_SIZE, device=device))
    return explainer


def explainers_loaded() -> int:
    """How many explainers :func:`load_explainer` holds in this process (0 until one is
    asked for: importing the app builds nothing heavy)."""
    return _explainer.cache_info().currsize


def load_explainer(weights: str | Path | None = None,
                   device: str | torch.device | None = None) -> Explainer:
    """The process-wide :class:`Explainer` for ``weights`` on ``device`` (CUDA when available).

    The model is loaded and warmed up once per (weights, device). On a ZeroGPU Space
    (:func:`cam_core.explain.zerogpu.on_zerogpu`) with ``device`` None the model is on the
    CPU and the runner is a :class:`~cam_core.explain.zerogpu.ZeroGPURunner`.

    Raises: cam_core.model.network.WeightsError when the weights are missing or corrupt.
    """
    zero_gpu = device in (None, "auto") and zerogpu.on_zerogpu()
    return _explainer(None if weights is None else str(Path(weights).resolve()),
                      "cpu" if zero_gpu else str(resolve_device(device)), zero_gpu)
