"""Class activation maps → pictures: scaling, upsampling, back to the canvas, colour, overlay.

Normalisation policy (see DESIGN.md):

- Raw maps are kept signed; :func:`normalize_map` turns them into a view.
- ``"per_map"`` (default): min–max of the one map to [0, 1] with an epsilon; a constant map
  becomes all zeros, never NaN.
- ``"shared"``: one min–max over all maps given together (pass ``low``/``high``), so maps of
  different classes compare.
- ``"signed"``: ``0.5 + 0.5·x / max|x|`` so 0.5 is zero evidence (for a diverging colour map).

Upsampling is bilinear with cv2's pixel-centre convention; ``cv2`` sizes are (width, height).
Colour maps come out RGB, never BGR.
"""

from __future__ import annotations

import cv2
import numpy as np

from cam_core.inputs.fit import MODEL_SIZE

EPSILON = 1e-8
# Moreland's "coolwarm" diverging map (K. Moreland, "Diverging Color Maps for Scientific
# Visualization", ISVC 2009; matplotlib's coolwarm), RGB at 17 evenly spaced points: blue for
# 0, light grey for 0.5, red for 1. OpenCV has no diverging map (its "twilight" is cyclic: 0
# and 1 would look the same, the strongest evidence against like the strongest for).
_COOLWARM_RGB = [
    (59, 76, 192), (78, 104, 216), (98, 130, 234), (119, 154, 247), (141, 176, 254),
    (163, 194, 254), (185, 208, 249), (204, 217, 237), (221, 220, 220), (236, 211, 197),
    (245, 196, 172), (247, 176, 147), (244, 152, 122), (235, 125, 98), (221, 95, 75),
    (202, 59, 55), (180, 4, 38)]


def _lookup_table(anchors_rgb: list[tuple[int, int, int]]) -> np.ndarray:
    """Evenly spaced RGB anchors → ``(256, 1, 3)`` uint8 BGR table for ``cv2.applyColorMap``."""
    anchors = np.asarray(anchors_rgb, np.float64)[:, ::-1]  # OpenCV tables are BGR
    positions = np.linspace(0.0, 255.0, len(anchors))
    table = np.stack([np.interp(np.arange(256), positions, anchors[:, c]) for c in range(3)], 1)
    return table.round().astype(np.uint8)[:, None, :]


COLORMAPS: dict[str, int | np.ndarray] = {
    "viridis": cv2.COLORMAP_VIRIDIS,  # perceptually uniform: the default
    "inferno": cv2.COLORMAP_INFERNO,
    "jet": cv2.COLORMAP_JET,
    "coolwarm": _lookup_table(_COOLWARM_RGB),  # diverging, for signed maps
}
SCALES = ("per_map", "shared", "signed")
DIVERGING = frozenset({"coolwarm"})  # colour maps whose middle means zero evidence


def scale_for(colormap: str, scale: str = "per_map") -> str:
    """The scale to draw a map with ``colormap``: ``"signed"`` for a diverging map, else ``scale``.

    Why: a diverging map says "blue against, red for" only if its middle is zero evidence.
    Min–max scaling puts the middle wherever the map's range does (on a drawn 7, 36 of the 47
    cells with positive evidence for 7 came out blue).
    """
    return "signed" if colormap in DIVERGING else scale


def normalize_map(raw: np.ndarray, scale: str = "per_map", low: float | None = None,
                  high: float | None = None) -> np.ndarray:
    """Map raw CAM values to [0, 1] following the normalisation policy above.

    Args:
        raw: ``(..., h, w)`` float, signed raw values.
        scale: ``"per_map"``, ``"shared"`` (uses ``low``/``high``, defaulting to ``raw``'s own
            range) or ``"signed"``.

    Returns: float32 array of the same shape in [0, 1]; never NaN.

    Raises: ValueError for an unknown ``scale``.
    """
    values = np.nan_to_num(np.asarray(raw, np.float32))
    if scale == "signed":
        extent = float(np.abs(values).max()) if values.size else 0.0
        return (0.5 + 0.5 * values / (extent + EPSILON)).astype(np.float32)
    if scale == "per_map":
        low_v = values.min(axis=(-2, -1), keepdims=True)
        high_v = values.max(axis=(-2, -1), keepdims=True)
    elif scale == "shared":
        low_v = np.float32(values.min() if low is None else low)
        high_v = np.float32(values.max() if high is None else high)
    else:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    span = high_v - low_v
    out = np.where(span > EPSILON, (values - low_v) / np.maximum(span, EPSILON), 0.0)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def feature_to_model(feature_map: np.ndarray, size: tuple[int, int] = (MODEL_SIZE, MODEL_SIZE),
                     ) -> np.ndarray:
    """Bilinear upsampling of a ``(h, w)`` map to the model input ``size`` (height, width)."""
    height, width = size
    return cv2.resize(np.asarray(feature_map, np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR)


def model_to_canvas(model_map: np.ndarray, to_model: np.ndarray, canvas: tuple[int, int],
                    fill: float = 0.0) -> np.ndarray:
    """Carry a map in the model frame back to the input's own pixel frame.

    Args:
        model_map: ``(mh, mw)`` float32, in the model-input frame (28×28, or the feature grid
            when ``to_model`` already includes that scale).
        to_model: ``(2, 3)`` affine from canvas pixels to ``model_map`` pixels.
        canvas: ``(height, width)`` of the output.
        fill: value outside the region the model saw.

    Returns: ``(height, width)`` float32, sampled bilinearly.
    """
    height, width = canvas
    # WARP_INVERSE_MAP: the matrix maps output (canvas) pixels to source (model) pixels.
    return cv2.warpAffine(np.asarray(model_map, np.float32), np.asarray(to_model, np.float64),
                          (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def feature_to_canvas(feature_map: np.ndarray, to_model: np.ndarray,
                      canvas: tuple[int, int], fill: float = 0.0) -> np.ndarray:
    """A ``(h, w)`` feature-grid map in [0, 1] → the canvas frame, in one bilinear warp.

    The feature cell ``i`` covers model pixels ``[s·i, s·(i+1))`` with ``s = 28 / h``, so model
    pixel ``u`` is feature coordinate ``(u + 0.5) / s − 0.5`` (cv2's pixel-centre convention).
    Canvas pixels outside the model's view get ``fill``: 0, or 0.5 for a signed map (no
    evidence). Returns ``(H, W)`` float32 for ``canvas`` = ``(H, W)``.
    """
    stride_y = MODEL_SIZE / feature_map.shape[0]
    stride_x = MODEL_SIZE / feature_map.shape[1]
    to_feature = np.array([[1 / stride_x, 0, 0.5 / stride_x - 0.5],
                           [0, 1 / stride_y, 0.5 / stride_y - 0.5]])
    composed = to_feature[:, :2] @ np.asarray(to_model, np.float64)
    composed[:, 2] += to_feature[:, 2]
    # Pad by one cell replicating the edge so bilinear sampling at the 28×28 border is smooth,
    # while the canvas beyond the model's view stays at 0.
    padded = cv2.copyMakeBorder(np.asarray(feature_map, np.float32), 1, 1, 1, 1,
                                cv2.BORDER_REPLICATE)
    composed[:, 2] += 1.0
    out = model_to_canvas(padded, composed, canvas)
    # Fade out over half a feature cell at the edge of what the model saw, instead of a hard
    # step: a hard step drew the model frame's rectangle around every heatmap.
    inside = _model_window(to_model, canvas).astype(np.float32)
    cell = stride_x / max(abs(float(to_model[0][0])), EPSILON)  # canvas px per feature cell
    inside = cv2.GaussianBlur(inside, (0, 0), max(0.5, cell / 4)) * inside
    return (inside * out + (1 - inside) * fill).astype(np.float32)


def grid_lines(to_model: np.ndarray, canvas: tuple[int, int], cells: tuple[int, int]
               ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The borders of a ``cells`` = ``(h, w)`` feature grid (the 7×7 cells a layer4 CAM is made
    of) in canvas pixels: ``((x0, y0), (x1, y1))`` line segments, for drawing over a picture.

    Feature cell ``i`` covers model pixels ``[s·i, s·(i+1))``, ``s = 28 / cells``; its border is
    at model coordinate ``s·i − 0.5`` (pixel-centre convention), mapped back by ``to_model``.
    """
    inverse = cv2.invertAffineTransform(np.asarray(to_model, np.float64))  # model → canvas
    rows, cols = cells
    low, high = -0.5, MODEL_SIZE - 0.5  # the model frame's outer edges
    ends = [((u, low), (u, high)) for u in MODEL_SIZE / cols * np.arange(cols + 1) - 0.5]
    ends += [((low, v), (high, v)) for v in MODEL_SIZE / rows * np.arange(rows + 1) - 0.5]
    height, width = canvas
    segments = []
    for start, end in ends:
        (x0, x1), (y0, y1) = inverse @ np.array([[start[0], end[0]], [start[1], end[1]], [1, 1]])
        inside, a, b = cv2.clipLine((0, 0, width, height), (round(x0), round(y0)),
                                    (round(x1), round(y1)))
        if inside:
            segments.append((a, b))
    return segments


def draw_grid(picture: np.ndarray, to_model: np.ndarray, cells: tuple[int, int],
              colour: tuple[int, int, int] = (110, 110, 110)) -> np.ndarray:
    """``picture`` ``(H, W, 3)`` uint8 RGB with the feature grid's borders drawn on a copy
    (1 px lines, 2 px on pictures over 600 px). See :func:`grid_lines`."""
    out = picture.copy()
    thickness = 1 if max(picture.shape[:2]) <= 600 else 2
    for start, end in grid_lines(to_model, picture.shape[:2], cells):
        cv2.line(out, start, end, colour, thickness, cv2.LINE_AA)
    return out


def _model_window(to_model: np.ndarray, canvas: tuple[int, int]) -> np.ndarray:
    """Bool (H, W): canvas pixels that fall inside the 28×28 model input."""
    ones = np.ones((MODEL_SIZE, MODEL_SIZE), np.float32)
    return model_to_canvas(ones, to_model, canvas) > 0.5


def colorize(unit_map: np.ndarray, colormap: str = "viridis") -> np.ndarray:
    """``(H, W)`` float in [0, 1] → ``(H, W, 3)`` uint8 **RGB** through a named colour map.

    Raises: ValueError for an unknown colour map name.
    """
    if colormap not in COLORMAPS:
        raise ValueError(f"colormap must be one of {sorted(COLORMAPS)}, got {colormap!r}")
    byte = (np.clip(np.nan_to_num(unit_map), 0.0, 1.0) * 255).round().astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(byte, COLORMAPS[colormap]), cv2.COLOR_BGR2RGB)


def overlay(picture: np.ndarray, unit_map: np.ndarray, opacity: float = 0.5,
            colormap: str = "viridis") -> np.ndarray:
    """Blend a colour-mapped ``unit_map`` over ``picture``, each pixel as opaque as its
    evidence is strong: ``opacity × unit`` (a diverging map: ``opacity × |2·unit − 1|``, so
    zero evidence at 0.5 is clear). Why: weak evidence stays see-through, so blank paper keeps
    its colour and no coloured frame marks the edge of what the model saw.

    Args:
        picture: ``(H, W, 3)`` uint8 RGB, or ``(H, W)`` uint8 grey.
        unit_map: ``(H, W)`` float in [0, 1].
        opacity: 0 (picture only) … 1 (the strongest evidence drawn fully opaque).

    Returns: ``(H, W, 3)`` uint8 RGB.

    Raises: ValueError when the sizes differ or ``opacity`` is outside [0, 1].
    """
    if picture.ndim == 2:
        picture = np.dstack([picture] * 3)
    if picture.shape[:2] != unit_map.shape:
        raise ValueError(f"picture {picture.shape[:2]} and map {unit_map.shape} differ in size")
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be in [0, 1], got {opacity}")
    heat = colorize(unit_map, colormap).astype(np.float32)
    unit = np.clip(np.nan_to_num(unit_map.astype(np.float32)), 0.0, 1.0)
    strength = np.abs(2 * unit - 1) if colormap in DIVERGING else unit
    alpha = (opacity * strength)[..., None]
    blended = (1.0 - alpha) * picture.astype(np.float32) + alpha * heat
    return blended.round().clip(0, 255).astype(np.uint8)


def on_white(unit_map: np.ndarray, side: int, opacity: float = 0.5,
             colormap: str = "viridis") -> np.ndarray:
    """The heatmap alone on white paper, shrunk to ``side``×``side``: what the drawing pad
    shows beneath the person's strokes (the strokes drawn over it keep their own colour).

    The same blend as :func:`overlay` with a white picture, so it matches the overlay panel's
    paper; shrunk by area averaging (the map is smooth: the browser enlarges it again).

    Args:
        unit_map: ``(H, W)`` float in [0, 1], in the canvas frame (``Explanation.cam``).
        side: the output's side in pixels.
        opacity, colormap: as :func:`overlay`.

    Returns: ``(side, side, 3)`` uint8 RGB.
    """
    small = cv2.resize(np.asarray(unit_map, np.float32), (side, side),
                       interpolation=cv2.INTER_AREA)
    return overlay(np.full((side, side, 3), 255, np.uint8), small, opacity, colormap)


def on_paper(model_input: np.ndarray) -> np.ndarray:
    """A model-frame image (white ink on black, uint8) as dark ink on white paper, same shape."""
    return 255 - model_input


def enlarge(image: np.ndarray, side: int = 196) -> np.ndarray:
    """Nearest-neighbour enlargement of a small image (e.g. the 28×28 model input) for display."""
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_NEAREST)
