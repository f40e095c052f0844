"""Pen strokes for training and evaluation: tablet digits placed on the pad's canvas
(:func:`place_pen_strokes`, :func:`pen_ink`) and random scribbles that are not digits
(:func:`random_scribble`, outliers for training and tests). All drawn with
:func:`cam_core.inputs.strokes.render_strokes`, the renderer the drawing pad's strokes use.
"""

from __future__ import annotations

import numpy as np

from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE, render_strokes


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
