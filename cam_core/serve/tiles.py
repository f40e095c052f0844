"""The class wall's pictures, made from answers the server already computed (no model pass):
a drawing's small tile, its ten class maps for the large view, and a class's average map of a
digit. Plain numpy in and out; no Gradio here.

Maps follow the project's normalisation policy: each class activation map (CAM; Zhou et al.,
*Learning Deep Features for Discriminative Localization*, CVPR 2016) is min–max scaled to
[0, 1] on its own (a constant map becomes zeros), except the large view's ten maps, which share
one scale from zero evidence to the largest value so that they compare.
"""

from __future__ import annotations

import base64

import cv2
import numpy as np

from cam_core.explain import render
from cam_core.explain.engine import Explanation
from cam_core.serve.catalog import say
from cam_core.serve.views import shown

TILE_SIDE = 160  # a wall tile: 6 across at 1366 px, 9 at 1920
MAP_SIDE = 168  # a large-view or average-map picture: the 28×28 model frame 6× enlarged
OPACITY = 0.6
COLORMAP = "viridis"
JPEG_QUALITY = 80


def fit_square(picture: np.ndarray, side: int = TILE_SIDE) -> np.ndarray:
    """``picture`` shrunk (area averaging) or enlarged to fit a ``side``×``side`` square,
    keeping its aspect, centred on white.

    Args:
        picture: ``(H, W, 3)`` uint8 RGB (or ``(H, W)`` grey).
    Returns: ``(side, side, 3)`` uint8 RGB.
    """
    if picture.ndim == 2:
        picture = np.dstack([picture] * 3)
    height, width = picture.shape[:2]
    scale = side / max(height, width, 1)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = cv2.resize(np.ascontiguousarray(picture, np.uint8), size,
                        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    square = np.full((side, side, 3), 255, np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    square[top:top + size[1], left:left + size[0]] = fitted
    return square


def model_tile(model_input: np.ndarray, unit_map: np.ndarray, side: int = MAP_SIDE,
               colormap: str = COLORMAP) -> np.ndarray:
    """A map over the 28×28 model input, dark ink on white paper, enlarged.

    Args:
        model_input: ``(28, 28)`` uint8, white ink on black (what the network saw).
        unit_map: ``(28, 28)`` or ``(h, w)`` (a 7×7 layer4 map: upsampled bilinearly) float in
            [0, 1].
    Returns: ``(side, side, 3)`` uint8 RGB.
    """
    unit = np.asarray(unit_map, np.float32)
    if unit.shape != model_input.shape:
        unit = render.feature_to_model(unit)
    picture = render.overlay(render.on_paper(np.asarray(model_input, np.uint8)), unit, OPACITY,
                             colormap)
    return cv2.resize(picture, (side, side), interpolation=cv2.INTER_NEAREST)


def tile_picture(result: Explanation, private: bool) -> np.ndarray:
    """A drawing's wall tile: its overlay (the map over the person's own picture) fitted into
    ``TILE_SIDE``; with ``private`` (an uploaded photo the teacher has not allowed) only the
    28×28 picture the network saw, with its map, so no photo reaches the projector.

    Returns: ``(TILE_SIDE, TILE_SIDE, 3)`` uint8 RGB.
    """
    if private:
        return model_tile(result.model_input, result.cam_model, TILE_SIDE)
    return fit_square(result.overlay, TILE_SIDE)


def unit_cams(class_cams: np.ndarray) -> np.ndarray:
    """Each of the ten raw class CAMs min–max scaled to [0, 1] on its own.

    Args: class_cams: ``(10, h, w)`` float, raw signed CAMs.
    Returns: ``(10, h, w)`` float32 in [0, 1]; a constant map becomes zeros.
    """
    return render.normalize_map(np.asarray(class_cams, np.float32), "per_map")


def ten_maps(model_input: np.ndarray, class_cams: np.ndarray, probabilities: np.ndarray,
             language: str = "en") -> list[tuple[np.ndarray, str]]:
    """The large view's ten maps, one per digit, on one shared scale (zero evidence to the
    largest value of any map, so a digit without evidence shows no colour).

    Args:
        model_input: ``(28, 28)`` uint8; class_cams: ``(10, 7, 7)`` float raw CAMs;
        probabilities: ``(10,)`` float in [0, 1].
    Returns: ten ``((MAP_SIDE, MAP_SIDE, 3) uint8 RGB, caption "d: p%")``, the percentage
    written as ``language`` writes it ("7: 99,9 %"), never 100% short of 1.
    """
    cams = np.asarray(class_cams, np.float32)
    high = max(float(cams.max()), 0.0)
    return [(model_tile(model_input, render.normalize_map(cam, "shared", 0.0, high)),
             f"{digit}: " + say(language, "describe.chart.percent",
                                p=shown(float(probabilities[digit]))))
            for digit, cam in enumerate(cams)]


def average_picture(mean_unit: np.ndarray, mean_input: np.ndarray) -> np.ndarray:
    """A class's average map of one digit over its average drawing of it.

    Args:
        mean_unit: ``(h, w)`` float in [0, 1], the mean of the drawings' normalised CAMs of
            that digit (:func:`unit_cams`); scaled again to [0, 1] for display.
        mean_input: ``(28, 28)`` float in [0, 255], the mean model input of those drawings.
    Returns: ``(MAP_SIDE, MAP_SIDE, 3)`` uint8 RGB.
    """
    unit = render.normalize_map(np.asarray(mean_unit, np.float32), "per_map")
    drawing = np.clip(np.asarray(mean_input, np.float32), 0, 255).round().astype(np.uint8)
    return model_tile(drawing, unit)


def data_url(picture: np.ndarray) -> str:
    """``picture`` (uint8 RGB) as a JPEG ``data:`` URL, for a page that shows many small
    pictures from memory (nothing written to disk). "" when it cannot be encoded."""
    bgr = cv2.cvtColor(np.ascontiguousarray(picture, np.uint8), cv2.COLOR_RGB2BGR)
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode() if ok else ""
