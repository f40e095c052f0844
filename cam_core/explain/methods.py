"""The class activation map family, each a small class that says how to weight feature maps.

All methods share one shape: given the feature maps ``A`` of a layer, ``(B, K, h, w)``, and for
gradient methods the gradient ``G = ∂ y_c / ∂ A`` of the target logit ``y_c``, return a map
``(B, h, w)``. Gradients come from ``torch.autograd.grad`` inside the call, never from a module
hook, so nothing stays attached to the model and concurrent calls do not interfere.

Maps are returned raw: CAM signed; the gradient methods after their ReLU as in their papers
(and as pytorch-grad-cam computes them), before any min–max scaling.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

import torch

from cam_core.model.network import FEATURE_LAYERS, DigitResNet
from cam_core.serve.catalog import Message

Scorer = Callable[[torch.Tensor], torch.Tensor]
Progress = Callable[[int, int], None]  # (done, total): e.g. masked inputs scored so far
_PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("cam_progress",
                                                                          default=None)


@contextlib.contextmanager
def reporting_progress(report: Progress | None) -> Iterator[None]:
    """Within the block, a slow method (Score-CAM) run by this thread calls ``report(done,
    total)`` as it goes (after each chunk of masked inputs). Nothing is reported where the
    model runs in another process (ZeroGPU's worker). Example::

        with reporting_progress(lambda done, total: print(f"{done}/{total}")):
            explainer.explain(image, method="scorecam")
    """
    token = _PROGRESS.set(report)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


Waiting = Callable[[int, float], None]  # (place in line, seconds to wait, estimated)
_WAITING: contextvars.ContextVar[Waiting | None] = contextvars.ContextVar("cam_waiting",
                                                                         default=None)


@contextlib.contextmanager
def reporting_waiting(report: Waiting | None) -> Iterator[None]:
    """Within the block, a slow method's run (Score-CAM) that has to wait behind others calls
    ``report(place, seconds)`` before it waits: its place in line (2 = one run ahead of it)
    and an estimate of the wait in seconds (the runs ahead × the last runs' duration)."""
    token = _WAITING.set(report)
    try:
        yield
    finally:
        _WAITING.reset(token)


def report_waiting(place: int, seconds: float) -> None:
    """Tell this thread's :func:`reporting_waiting` callback, if any, its place in line."""
    report = _WAITING.get()
    if report is not None:
        report(place, seconds)


class Method:
    """A CAM method. Subclasses set ``name``, ``label``, ``uses_gradients`` and ``layers`` and
    override :meth:`map` (or :meth:`channel_weights` for weighted sums of feature maps).
    ``live`` is False for a method too slow to recompute on every pen stroke."""

    name = ""
    label = ""
    uses_gradients = True
    live = True
    layers: tuple[str, ...] = FEATURE_LAYERS[1:]

    def channel_weights(self, features: torch.Tensor, gradients: torch.Tensor) -> torch.Tensor:
        """``(B, K, h, w)`` features and gradients → ``(B, K)`` channel weights."""
        raise NotImplementedError

    def map(self, features: torch.Tensor, gradients: torch.Tensor | None,
            context: MethodContext) -> torch.Tensor:
        """The map ``(B, h, w)`` for the target class: ReLU(Σ_k w_k A_k) by default."""
        weights = self.channel_weights(features, gradients)  # (B, K)
        return torch.relu(torch.einsum("bk,bkhw->bhw", weights, features))


class MethodContext:
    """What a method may need besides features and gradients: the model input, the target
    classes and a function scoring inputs for those classes (Score-CAM)."""

    def __init__(self, inputs: torch.Tensor, targets: torch.Tensor, score: Scorer) -> None:
        self.inputs, self.targets, self.score = inputs, targets, score


class CAM(Method):
    """Class activation map — Zhou et al., "Learning Deep Features for Discriminative
    Localization", CVPR 2016, https://arxiv.org/abs/1512.04150.

    ``M_c(x, y) = Σ_k w_{c,k} · A_k(x, y)`` with ``w_c`` the ``fc`` weights of class c and ``A`` the
    ``layer4`` feature maps that global average pooling reads. Exact: ``mean(M_c) + b_c`` is the
    logit of class c. Signed; no gradient, no extra pass. Only defined on ``layer4``.
    """

    name, label, uses_gradients, layers = "cam", "CAM", False, ("layer4",)

    @staticmethod
    def all_classes(features: torch.Tensor, fc_weight: torch.Tensor) -> torch.Tensor:
        """All class maps at once: features (B, K, h, w), fc weight (C, K) → (B, C, h, w)."""
        return torch.einsum("ck,bkhw->bchw", fc_weight, features)


class GradCAM(Method):
    """Grad-CAM — Selvaraju et al., ICCV 2017, https://arxiv.org/abs/1610.02391.

    ``w_k = mean_{x,y} G_k(x, y)``; map ``= ReLU(Σ_k w_k A_k)``. On ``layer4`` of this network
    (global average pooling then ``fc``) ``G_k = w_{c,k} / (h·w)``, so Grad-CAM = ReLU(CAM)/(h·w).
    """

    name, label = "gradcam", "Grad-CAM"

    def channel_weights(self, features: torch.Tensor, gradients: torch.Tensor) -> torch.Tensor:
        return gradients.mean(dim=(2, 3))  # (B, K)


class GradCAMPlusPlus(Method):
    """Grad-CAM++ — Chattopadhyay et al., WACV 2018, https://arxiv.org/abs/1710.11063, eq. 19.

    ``α_k(x, y) = G² / (2G² + Σ_{x,y} A_k · G³)``, ``w_k = Σ_{x,y} α · ReLU(G)``, using the
    exponential-output simplification of the paper (as pytorch-grad-cam does).
    """

    name, label = "gradcam++", "Grad-CAM++"

    def channel_weights(self, features: torch.Tensor, gradients: torch.Tensor) -> torch.Tensor:
        squared, cubed = gradients ** 2, gradients ** 3
        total = features.sum(dim=(2, 3), keepdim=True)  # (B, K, 1, 1)
        alpha = squared / (2 * squared + total * cubed + 1e-6)
        alpha = torch.where(gradients != 0, alpha, torch.zeros_like(alpha))
        return (torch.relu(gradients) * alpha).sum(dim=(2, 3))  # (B, K)


class HiResCAM(Method):
    """HiResCAM — Draelos & Carin, 2020, https://arxiv.org/abs/2011.08891.

    Map ``= ReLU(Σ_k G_k ⊙ A_k)``: element-wise, faithful to the model's computation.
    Not offered on ``layer2``: there the gradient arrives through layer3's stride-2
    convolutions, which reach every second position more often, and the element-wise product
    paints a regular grid of dots over blank paper (the checkerboard of strided convolutions,
    Odena et al., Distill 2016); Grad-CAM averages the gradient over space and LayerCAM keeps
    only its positive part, so neither shows it.
    """

    name, label = "hirescam", "HiResCAM"
    layers = ("layer3", "layer4")

    def map(self, features: torch.Tensor, gradients: torch.Tensor | None,
            context: MethodContext) -> torch.Tensor:
        return torch.relu((gradients * features).sum(dim=1))  # (B, h, w)


class LayerCAM(Method):
    """LayerCAM — Jiang et al., IEEE TIP 2021, https://ieeexplore.ieee.org/document/9462463.

    Map ``= ReLU(Σ_k ReLU(G_k) ⊙ A_k)``: works on shallow layers too, for finer maps.
    """

    name, label = "layercam", "LayerCAM"

    def map(self, features: torch.Tensor, gradients: torch.Tensor | None,
            context: MethodContext) -> torch.Tensor:
        return torch.relu((torch.relu(gradients) * features).sum(dim=1))  # (B, h, w)


class ScoreCAM(Method):
    """Score-CAM — Wang et al., CVPR Workshops 2020, https://arxiv.org/abs/1910.01279.

    Each feature map, upsampled to the input and min–max scaled, masks the input; the target
    logit of each masked input, softmaxed over channels, weights the maps. No gradients, but one
    extra forward pass per channel (512 on ``layer4``): slow, not for live drawing.
    """

    name, label, uses_gradients, live = "scorecam", "Score-CAM", False, False
    batch_size = 64

    def map(self, features: torch.Tensor, gradients: torch.Tensor | None,
            context: MethodContext) -> torch.Tensor:
        inputs = context.inputs  # (B, 1, H, W)
        upsampled = torch.nn.functional.interpolate(
            features, size=inputs.shape[-2:], mode="bilinear", align_corners=True)
        flat = upsampled.flatten(2)
        low, high = flat.min(-1).values[..., None, None], flat.max(-1).values[..., None, None]
        masks = (upsampled - low) / (high - low + 1e-8)  # (B, K, H, W)
        weights = []
        report = _PROGRESS.get()
        total, done = inputs.shape[0] * masks.shape[1], 0
        if report is not None:
            report(done, total)
        for index in range(inputs.shape[0]):
            masked = inputs[index] * masks[index][:, None]  # (K, 1, H, W)
            target = context.targets[index: index + 1]
            scores = []
            for chunk in masked.split(self.batch_size):
                scores.append(context.score(chunk)[:, target].flatten())
                done += len(chunk)
                if report is not None:
                    report(done, total)
            weights.append(torch.softmax(torch.cat(scores), dim=0))
        return torch.relu(torch.einsum("bk,bkhw->bhw", torch.stack(weights), features))


METHODS: dict[str, Method] = {m.name: m for m in
                              (CAM(), GradCAM(), GradCAMPlusPlus(), HiResCAM(), LayerCAM(),
                               ScoreCAM())}


# Why a method is not offered on a layer, in words the app shows beside the Layer control
# (catalog keys ``explain.why_not_layer.<name>``; cam_core.serve says them in the reader's
# language). Plain words: the note is read by students. (Why, for developers: CAM weighs
# layer4's feature maps by the fc weights, which see only layer4; HiResCAM on layer2 shows the
# strided convolutions' checkerboard, not evidence.)
WHY_NOT_LAYER = {name: Message(f"explain.why_not_layer.{name}") for name in ("cam", "hirescam")}


def why_not_layer(name: str) -> Message:
    """Why method ``name`` is not offered on every layer: its own reason, else the layers it
    works on (a catalog ``Message``, English as ``str``).

    Raises: KeyError for a method not in :data:`METHODS`.
    """
    method = METHODS[name]
    return WHY_NOT_LAYER.get(name) or Message("explain.works_on", method=method.label,
                                              layers=", ".join(method.layers))


def get_method(name: str, layer: str) -> Method:
    """The method called ``name`` checked against ``layer``.

    Raises ValueError (with what to pass instead) for an unknown method or a layer it cannot use.
    """
    if name not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {name!r}")
    method = METHODS[name]
    if layer not in method.layers:
        reason = f": {WHY_NOT_LAYER[name]}" if name in WHY_NOT_LAYER else "."
        raise ValueError(f"{method.label} works on {', '.join(method.layers)}, not {layer!r}"
                         + reason)
    return method


def target_map(model: DigitResNet, inputs: torch.Tensor, targets: torch.Tensor,
               method: Method, layer: str, features: torch.Tensor | None = None,
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the model once and return ``(logits (B, 10), map (B, h, w))`` for ``targets``.

    The trunk runs to ``layer`` without gradients; from there the rest of the network runs with
    the layer's features as a leaf tensor, so ``torch.autograd.grad`` gives ∂y_c/∂A without any
    hook or any ``.grad`` left on parameters. ``features``: ``layer``'s feature maps
    ``(B, K, h, w)`` of ``inputs`` when the caller already has them (computed without gradient
    tracking, not in inference mode); the trunk is then not run again.
    """
    if features is None:
        with torch.no_grad():
            features = model.features(inputs, upto=layer)[-1]  # (B, K, h, w)
    if not method.uses_gradients:
        with torch.no_grad():
            logits = _rest(model, features, layer)
            context = MethodContext(inputs, targets, lambda x: model(x)[0])
            return logits, method.map(features, None, context)
    leaf = features.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = _rest(model, leaf, layer)  # (B, 10)
        chosen = logits.gather(1, targets[:, None]).sum()
        (gradients,) = torch.autograd.grad(chosen, leaf)
    context = MethodContext(inputs, targets, lambda x: model(x)[0])
    with torch.no_grad():
        return logits.detach(), method.map(features, gradients, context)


def _rest(model: DigitResNet, features: torch.Tensor, layer: str) -> torch.Tensor:
    """Logits from the features of ``layer``: the remaining layers, pooling and ``fc``."""
    x = features
    for name in FEATURE_LAYERS[FEATURE_LAYERS.index(layer) + 1:]:
        x = getattr(model, name)(x)
    return model.head(x)
