"""The model pass and who runs it: one batched forward pass over model inputs (and, for a
gradient method, a backward pass from the target classes) → logits, pooled features, all ten
class activation maps and the method's map.

The engine (:class:`cam_core.explain.engine.Explainer`) asks a :class:`ModelRunner` for its
passes; that is the one seam between caching and computing. :class:`BatchedRunner` (the
default) runs them on one model and device, merging the live passes that threads ask for at
the same moment (:class:`Merger`); on a ZeroGPU Space
:class:`cam_core.explain.zerogpu.ZeroGPURunner` keeps live work on the CPU and lends the GPU
to heavy work only. Tests give the engine their own runner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from cam_core.explain.methods import CAM, get_method, target_map
from cam_core.model.logits import logits_of
from cam_core.model.network import FEATURE_LAYERS, DigitResNet


@dataclass(frozen=True)
class ModelResult:
    """What one forward pass (plus gradients) gives for one model input; cached.

    ``gpu_refused``: True when the pass was meant for a borrowed GPU (ZeroGPU), the lease was
    refused or failed, and the CPU computed it instead (same numbers, slower).
    """

    logits: np.ndarray  # (10,)
    pooled: np.ndarray  # (512,) global average pooling of layer4
    class_cams: np.ndarray  # (10, 7, 7) raw CAM of every class
    maps: dict[int, np.ndarray]  # target → raw (h, w) map of the method (CAM: from class_cams)
    gpu_refused: bool = False


class ModelRunner(Protocol):
    """What the engine needs from whatever runs the network. Implementations must be safe to
    call from several threads at once.

    - ``run(tensors, method, layer, targets)``: ``(N, 1, 28, 28)`` float32 normalised inputs,
      a method name and layer (:func:`cam_core.explain.methods.get_method`), one target per
      input (a class 0–9, or None for the prediction) → N :class:`ModelResult` (arrays
      read-only), in order. Errors propagate to the caller.
    - ``logits(tensors)``: many inputs at once (ROAD's hidden-pixel copies) → ``((M, 10)``
      float32 logits, ``gpu_refused``), see :attr:`ModelResult.gpu_refused`.
    """

    def run(self, tensors: np.ndarray, method: str, layer: str,
            targets: Sequence[int | None]) -> list[ModelResult]: ...

    def logits(self, tensors: np.ndarray) -> tuple[np.ndarray, bool]: ...


def model_pass(model: DigitResNet, tensors: np.ndarray, method: str, layer: str,
               targets: Sequence[int | None]) -> list[ModelResult]:
    """One batched forward pass for ``(N, 1, 28, 28)`` float32 inputs on ``model``'s device:
    logits, pooled features, all ten CAMs, and ``method``'s map on ``layer`` for each target
    (None = the prediction). Returns N :class:`ModelResult` of read-only CPU arrays.

    Raises: ValueError for an unknown method or a layer it does not work on.
    """
    chosen = get_method(method, layer)
    device = next(model.parameters()).device
    inputs = torch.from_numpy(np.ascontiguousarray(tensors)).to(device)
    # no_grad, not inference_mode: a gradient method starts its backward pass from these
    # feature maps instead of running the trunk a second time (inference tensors cannot
    # take part in autograd).
    with torch.no_grad():
        by_layer = model.features(inputs)  # layer1 … layer4
        features = by_layer[-1]  # (N, 512, 7, 7)
        logits = model.head(features)  # (N, 10)
        class_cams = CAM.all_classes(features, model.fc.weight)  # (N, 10, 7, 7)
    logits_np = logits.float().cpu().numpy()
    pooled_np = features.mean(dim=(2, 3)).float().cpu().numpy()  # (N, 512)
    cams_np = class_cams.float().cpu().numpy()
    picked = [int(np.argmax(logits_np[i])) if t is None else int(t)
              for i, t in enumerate(targets)]
    if chosen.name == "cam":
        raw_np = cams_np[np.arange(len(picked)), picked]  # (N, 7, 7), a copy
    else:
        _, raw = target_map(model, inputs, torch.tensor(picked, device=device),
                            chosen, layer, by_layer[FEATURE_LAYERS.index(layer)])
        raw_np = raw.float().cpu().numpy()
    # Cached and handed to every caller of the same input: read-only (before any view is
    # taken, as views keep their own flag), so that a caller editing one in place cannot
    # change what the next caller is told.
    for array in (logits_np, pooled_np, cams_np, raw_np):
        array.setflags(write=False)
    maps = [{t: raw_np[i]} for i, t in enumerate(picked)]
    return [ModelResult(logits_np[i], pooled_np[i], cams_np[i], maps[i])
            for i in range(len(picked))]


class BatchedRunner:
    """The default :class:`ModelRunner`: every pass on ``model`` (on its own device), live
    methods' passes merged with other threads' at the same moment (:class:`Merger`); a slow
    method's pass (Score-CAM) runs alone (the engine's gate admits one at a time).

    Args:
        model: a :class:`~cam_core.model.network.DigitResNet` in eval mode.
        max_images: most inputs in one merged live pass.
    """

    def __init__(self, model: DigitResNet, max_images: int = 32) -> None:
        self.model = model
        self.merger = Merger(self._pass, max_images)

    def _pass(self, tensors: np.ndarray, method: str, layer: str,
              targets: Sequence[int | None]) -> list[ModelResult]:
        return model_pass(self.model, tensors, method, layer, targets)

    def run(self, tensors: np.ndarray, method: str, layer: str,
            targets: Sequence[int | None]) -> list[ModelResult]:
        """See :class:`ModelRunner`."""
        if get_method(method, layer).live:
            return self.merger.run(tensors, method, layer, targets)
        return self._pass(tensors, method, layer, targets)

    def logits(self, tensors: np.ndarray) -> tuple[np.ndarray, bool]:
        """See :class:`ModelRunner`; never refused (no GPU is borrowed)."""
        return logits_of(self.model, tensors), False


@dataclass
class _Pass:
    """One caller's share of a merged model pass (see :class:`Merger`)."""

    tensors: np.ndarray  # (n, 1, 28, 28)
    method: str
    layer: str
    targets: list[int | None]
    results: list[ModelResult] | None = None
    error: BaseException | None = None


class Merger:
    """Runs the live model passes that several threads ask for at once as one batched pass.

    Gradio batches the requests of one event (the pad's strokes, an upload, the API), up to
    four events computing at once; each would run its own forward pass. Here the first caller
    runs the model while the others wait; when it is done, one of them runs every pass that
    has arrived meanwhile for the same method and layer (up to ``max_images`` inputs) in one
    batch. So a class's strokes, uploads and API calls share passes, at most one pass uses
    the cores at a time (two at once on two cores only slow each other), and a lone request
    runs at once, as before.

    Args:
        run: the model pass, ``run(tensors, method, layer, targets) -> list[ModelResult]``.
        max_images: most inputs in one merged pass.
    """

    def __init__(self, run: Callable[..., list[ModelResult]], max_images: int = 32) -> None:
        self._run = run
        self._max_images = max_images
        self._waiting: list[_Pass] = []
        self._busy = False
        self._turn = threading.Condition()

    @property
    def waiting(self) -> int:
        """How many callers' passes are waiting for their turn (not yet taken into a pass)."""
        with self._turn:
            return len(self._waiting)

    def run(self, tensors: np.ndarray, method: str, layer: str,
            targets: Sequence[int | None]) -> list[ModelResult]:
        """``run``'s results for these inputs, computed in one pass with the inputs other
        threads ask for meanwhile (same method and layer); ``run``'s error if it fails."""
        mine = _Pass(tensors, method, layer, list(targets))
        with self._turn:
            self._waiting.append(mine)
            while self._busy and mine.results is None and mine.error is None:
                self._turn.wait()
            if mine.results is None and mine.error is None:
                self._busy = True
                batch = self._take(mine)
            else:
                batch = []
        if batch:
            try:
                self._compute(batch)
            finally:
                with self._turn:
                    self._busy = False
                    self._turn.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.results  # type: ignore[return-value]

    def _take(self, mine: _Pass) -> list[_Pass]:
        """``mine`` and the waiting passes of the same method and layer, oldest first, up to
        ``max_images`` inputs; removed from the waiting list. Call with the lock held."""
        batch, count = [mine], len(mine.tensors)
        for other in self._waiting:
            if other is mine or (other.method, other.layer) != (mine.method, mine.layer):
                continue
            if count + len(other.tensors) > self._max_images:
                break
            batch.append(other)
            count += len(other.tensors)
        self._waiting = [w for w in self._waiting if not any(w is b for b in batch)]
        return batch

    def _compute(self, batch: list[_Pass]) -> None:
        """One pass for the whole batch; each caller gets its own results or the error."""
        try:
            results = self._run(np.concatenate([b.tensors for b in batch]), batch[0].method,
                                batch[0].layer, [t for b in batch for t in b.targets])
        except BaseException as error:  # every caller of the batch sees the failure
            for share in batch:
                share.error = error
            return
        start = 0
        for share in batch:
            share.results = results[start:start + len(share.tensors)]
            start += len(share.tensors)

