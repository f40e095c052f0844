"""What the explainer returns: :class:`Explanation` (everything the app shows for one input)
and :class:`CacheInfo`. Plain data; made by :mod:`cam_core.explain.engine`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


@dataclass(frozen=True)
class Explanation:
    """Everything the app shows for one input.

    Attributes:
        digit: the predicted class 0–9, or None when the input is blank.
        probabilities: ``(10,)`` float32, calibrated (temperature-scaled) softmax summing to 1;
            all zeros when blank.
        target: the class the map explains (the prediction unless asked), None when blank.
        class_cams: ``(10, h, w)`` float32 raw signed CAMs of every class (``layer4``, 7×7);
            zeros when blank.
        target_map: ``(h, w)`` float32 raw map of ``method`` on ``layer`` for ``target``.
        cam: ``(H, W)`` float32 in [0, 1], the target's map in the input's own pixel frame
            (``Prepared.picture``'s size: a photo over 1024 px is downscaled to 1024 first);
            min–max scaled, or for a diverging colour map signed, 0.5 = zero evidence
            (``render.scale_for``).
        cam_model: ``(28, 28)`` float32 in [0, 1], the same map over the model input.
        overlay: ``(H, W, 3)`` uint8 RGB, the map over the person's picture.
        model_input: ``(28, 28)`` uint8, what the model saw (white ink on black).
        logits: ``(10,)`` float32, raw logits.
        pooled_features: ``(512,)`` float32, global average pooling of the layer4 feature
            maps (what ``fc`` reads: ``logits = fc.weight @ pooled_features + fc.bias``).
            ``logits``, ``pooled_features``, ``class_cams`` and ``target_map`` are shared with
            the engine's cache and read-only (copy them to edit).
        ood_score: energy score of the temperature-scaled logits (higher = less digit-like).
        not_a_digit: True when ``ood_score`` is above the threshold stored with the weights.
        method, layer: the map's method name and layer.
        message: a sentence for the person (blank input, not a digit), else "".
        gpu_refused: True when this call's model pass was meant for a borrowed GPU (ZeroGPU),
            the lease was refused or failed, and the CPU computed it instead.
    """

    digit: int | None
    probabilities: np.ndarray
    target: int | None
    class_cams: np.ndarray
    target_map: np.ndarray
    cam: np.ndarray
    cam_model: np.ndarray
    overlay: np.ndarray
    model_input: np.ndarray
    logits: np.ndarray
    pooled_features: np.ndarray
    ood_score: float
    not_a_digit: bool
    method: str
    layer: str
    message: str
    gpu_refused: bool = False


class CacheInfo(NamedTuple):
    """The LRU of model results: ``size`` entries held, ``capacity`` the most it keeps."""

    size: int
    capacity: int
