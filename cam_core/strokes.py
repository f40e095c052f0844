"""Pen strokes onto a canvas the way the app's drawing pad draws them, and random scribbles.

Used to replay the pendigits trajectories through the app's own path (evaluation, tests,
training) and to make "not a digit" scribbles for the out-of-distribution checks.
"""

from __future__ import annotations

import cv2
import numpy as np

CANVAS_SIZE = 400  # the app's drawing pad canvas, pixels (square)
BRUSH_WIDTH = 24  # the app's brush diameter on that canvas, pixels
_SUBPIXEL = 4  # cv2 drawing with 2 fractional bits for smooth anti-aliased lines


def render_strokes(strokes: list[np.ndarray] | tuple[np.ndarray, ...],
                   canvas: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE),
                   brush: float = BRUSH_WIDTH) -> np.ndarray:
    """Draw polylines in canvas pixel coordinates (x right, y down) as round-capped strokes.

    Args:
        strokes: each ``(N, 2)`` float points in canvas pixels.
        canvas: ``(height, width)`` of the canvas, pixels.
        brush: stroke diameter, pixels.

    Returns:
        ink ``(height, width)`` float32 in [0, 1] — the alpha of the drawn layer.
    """
    ink = np.zeros(canvas, np.uint8)
    thickness = max(1, round(brush))
    for points in strokes:
        fixed = np.round(np.asarray(points, np.float64) * _SUBPIXEL).astype(np.int32)
        if len(fixed) == 1:
            fixed = np.vstack([fixed, fixed])
        cv2.polylines(ink, [fixed.reshape(-1, 1, 2)], False, 255, thickness, cv2.LINE_AA,
                      shift=2)
    return ink.astype(np.float32) / 255.0


def place_pen_strokes(strokes: tuple[np.ndarray, ...], height_fraction: float = 0.7,
                      centre: tuple[float, float] = (0.5, 0.5),
                      canvas: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> list[np.ndarray]:
    """Map tablet strokes (y up) into canvas pixels (y down), the digit's height a fraction of
    the canvas height, its bounding-box centre at ``centre`` (fractions of width, height)."""
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    scale = height_fraction * canvas[0] / max(float(high[1] - low[1]), 1.0)
    middle = (low + high) / 2
    placed = []
    for stroke in strokes:
        xy = (stroke - middle) * scale
        xy[:, 1] = -xy[:, 1]  # tablet y points up; canvas y points down
        placed.append(xy + np.array([centre[0] * canvas[1], centre[1] * canvas[0]]))
    return placed


def random_scribble(rng: np.random.Generator,
                    canvas: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE),
                    brush: float = BRUSH_WIDTH) -> np.ndarray:
    """A random non-digit drawing: tangles, zigzags, hatching, spirals or star/box shapes.

    Returns ink ``(height, width)`` float32 in [0, 1] on a canvas of the app's size.
    """
    height, width = canvas
    kind = rng.integers(5)
    strokes: list[np.ndarray] = []
    if kind == 0:  # tangles: smooth curves through many random points
        for _ in range(rng.integers(2, 4)):
            knots = rng.uniform(0.1, 0.9, (rng.integers(6, 10), 2)) * (width, height)
            strokes.append(_smooth(knots))
    elif kind == 1:  # zigzag / scrawl across the box
        count = rng.integers(7, 14)
        xs = np.linspace(0.1, 0.9, count) + rng.normal(0, 0.03, count)
        ys = np.where(np.arange(count) % 2, 0.2, 0.8) + rng.normal(0, 0.08, count)
        strokes.append(np.stack([xs * width, ys * height], 1))
    elif kind == 2:  # hatching: several crossing straight strokes
        for _ in range(rng.integers(4, 8)):
            ends = rng.uniform(0.1, 0.9, (2, 2)) * (width, height)
            strokes.append(ends)
    elif kind == 3:  # spiral with several turns
        turns = rng.uniform(2.0, 3.5)
        t = np.linspace(0, turns * 2 * np.pi, 200)
        radius = np.linspace(0.05, 0.4, t.size)
        strokes.append(np.stack([0.5 + radius * np.cos(t), 0.5 + radius * np.sin(t)], 1)
                       * (width, height))
    else:  # star, or boxes with a cross
        if rng.random() < 0.5:
            points = rng.integers(5, 8)
            angles = np.arange(points + 1) * (2 * np.pi * 2 / points) + rng.uniform(0, 6.3)
            strokes.append(np.stack([0.5 + 0.4 * np.cos(angles), 0.5 + 0.4 * np.sin(angles)], 1)
                           * (width, height))
        else:
            box = np.array([[0.15, 0.15], [0.85, 0.15], [0.85, 0.85], [0.15, 0.85], [0.15, 0.15]])
            strokes.append(box * (width, height))
            strokes.append(np.array([[0.15, 0.15], [0.85, 0.85]]) * (width, height))
            strokes.append(np.array([[0.85, 0.15], [0.15, 0.85]]) * (width, height))
    wobble = [s + rng.normal(0, 0.01 * width, s.shape) for s in strokes]
    return render_strokes(wobble, canvas, brush * rng.uniform(0.6, 1.6))


def _smooth(knots: np.ndarray, per_segment: int = 16) -> np.ndarray:
    """Catmull–Rom curve through ``knots`` (K, 2) → points (M, 2)."""
    padded = np.vstack([knots[:1], knots, knots[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    pieces = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        pieces.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                             + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    pieces.append(knots[-1:])
    return np.vstack(pieces)


def pen_ink(strokes: tuple[np.ndarray, ...], height_fraction: float = 0.7,
            centre: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Tablet strokes replayed on the app's canvas with the app's brush: ink ``(400, 400)``
    float32 in [0, 1], what the drawing pad's strokes render to on the server."""
    return render_strokes(place_pen_strokes(strokes, height_fraction, centre))


def pen_sketchpad_value(strokes: tuple[np.ndarray, ...], height_fraction: float = 0.7,
                        centre: tuple[float, float] = (0.5, 0.5)) -> dict:
    """Tablet strokes replayed on the app's canvas with the app's brush, as a Sketchpad value."""
    return sketchpad_value(render_strokes(place_pen_strokes(strokes, height_fraction, centre)))


def sketchpad_value(ink: np.ndarray) -> dict:
    """The value a Gradio Sketchpad (``type="numpy"``) sends for a drawing whose layer alpha is
    ``ink``: a white background, one RGBA layer of black strokes, and their composite. The
    app's drawing pad sends that layer's pixels as a PNG: both reach the model identically.

    Args: ink ``(H, W)`` float in [0, 1]. Returns a dict of ``(H, W, 4)`` uint8 arrays.
    """
    alpha = (np.clip(ink, 0, 1) * 255).round().astype(np.uint8)
    height, width = alpha.shape
    layer = np.zeros((height, width, 4), np.uint8)
    layer[:, :, 3] = alpha
    background = np.full((height, width, 4), 255, np.uint8)
    composite = background.copy()
    composite[:, :, :3] = (255 - alpha)[:, :, None]
    return {"background": background, "layers": [layer], "composite": composite}
