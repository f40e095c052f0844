"""Pen strokes onto a canvas the way the app's drawing pad draws them, and random scribbles.

One drawing has one form from the pad to the model: its strokes (points and tool). The pad
sends them as JSON (:func:`parse_drawing` checks it) and the server renders them with
:func:`render_drawing`, the same maths (:func:`render_strokes`) that replays the pendigits
trajectories for evaluation, tests and training. Also makes "not a digit" scribbles for the
out-of-distribution checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import cv2
import numpy as np

from cam_core.errors import InputError

CANVAS_SIZE = 400  # the app's drawing pad canvas, pixels (square)
BRUSH_WIDTH = 24  # the app's brush diameter on that canvas, pixels
ERASER_WIDTH = 2 * BRUSH_WIDTH  # the pad's eraser diameter, pixels
_SUBPIXEL = 4  # cv2 drawing with 2 fractional bits for smooth anti-aliased lines
# Limits on a drawing sent by a browser: far above any hand-drawn digit (a few hundred points,
# its strokes' length × width a fraction of the canvas area), far below a payload that could
# keep the server busy (drawing cost grows with length × width).
MAX_DRAWING_CHARS = 1_000_000
MAX_STROKES = 1_000
MAX_POINTS = 50_000  # in all strokes together
MAX_COVER = 100  # Σ stroke length × size, in canvas areas
MIN_SIDE, MAX_SIDE = 16, 1024  # canvas width and height, pixels
MIN_SIZE, MAX_SIZE = 1.0, 200.0  # stroke diameter, pixels
MAX_COORDINATE = 100_000.0  # |x| and |y|; a stroke may leave the canvas, not go to infinity
TOOLS = ("pen", "eraser")


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
    for points in strokes:
        _stroke(ink, points, brush, 255)
    return ink.astype(np.float32) / 255.0


def _stroke(ink: np.ndarray, points: np.ndarray, size: float, value: int) -> None:
    """Draw one round-capped anti-aliased polyline of ``value`` into uint8 ``ink`` in place."""
    fixed = np.round(np.asarray(points, np.float64) * _SUBPIXEL).astype(np.int32)
    if len(fixed) == 1:
        fixed = np.vstack([fixed, fixed])
    cv2.polylines(ink, [fixed.reshape(-1, 1, 2)], False, value, max(1, round(size)),
                  cv2.LINE_AA, shift=2)


@dataclass(frozen=True)
class Stroke:
    """One stroke of the drawing pad.

    Attributes:
        tool: ``"pen"`` (adds ink) or ``"eraser"`` (removes it).
        size: diameter, canvas pixels.
        points: ``(N, 2)`` float64, N ≥ 1, canvas pixels (x right, y down).
    """

    tool: str
    size: float
    points: np.ndarray


@dataclass(frozen=True)
class Drawing:
    """What the drawing pad holds: its canvas size and its strokes in drawing order."""

    width: int
    height: int
    strokes: tuple[Stroke, ...]


def render_drawing(drawing: Drawing) -> np.ndarray:
    """Draw a pad's strokes in order, as the pad draws them: pen strokes add ink, eraser strokes
    remove it (drawn with value 0 into the same canvas), all round-capped, with the maths of
    :func:`render_strokes` (a drawing of pen strokes only gives exactly its pixels).

    Returns: ink ``(height, width)`` float32 in [0, 1], for
    :func:`cam_core.inputs.prepare.prepare_ink`.
    """
    ink = np.zeros((drawing.height, drawing.width), np.uint8)
    for stroke in drawing.strokes:
        _stroke(ink, stroke.points, stroke.size, 255 if stroke.tool == "pen" else 0)
    return ink.astype(np.float32) / 255.0


def parse_drawing(text: str | bytes) -> Drawing:
    """The drawing pad's value → :class:`Drawing`, checked: the value comes from a browser.

    The value is JSON: ``{"width": 400, "height": 400, "strokes": [{"tool": "pen" | "eraser",
    "size": 24, "points": [[x, y], ...]}, ...]}`` in canvas pixels (x right, y down). Limits:
    ``MAX_DRAWING_CHARS`` characters, ``MAX_STROKES`` strokes, ``MAX_POINTS`` points in all,
    sides ``MIN_SIDE``–``MAX_SIDE``, sizes ``MIN_SIZE``–``MAX_SIZE``, finite coordinates of at
    most ``MAX_COORDINATE``.

    Raises:
        InputError: not such JSON, or outside the limits; the message says what to do.
    """
    if len(text) > MAX_DRAWING_CHARS:
        raise InputError(key="inputs.drawing_too_large", limit=MAX_DRAWING_CHARS)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, NaN, nesting
        raise _damaged("it is not JSON") from error
    if not isinstance(value, dict) or not isinstance(value.get("strokes"), list):
        raise _damaged("no list of strokes")
    width, height = (_number(value.get(k), k, MIN_SIDE, MAX_SIDE) for k in ("width", "height"))
    if len(value["strokes"]) > MAX_STROKES:
        raise InputError(key="inputs.too_many_strokes", limit=MAX_STROKES)
    strokes, total, cover = [], 0, 0.0
    for stroke in value["strokes"]:
        if not isinstance(stroke, dict) or stroke.get("tool") not in TOOLS:
            raise _damaged("a stroke is neither pen nor eraser")
        points = stroke.get("points")
        if not isinstance(points, list) or not points:
            raise _damaged("a stroke has no points")
        total += len(points)
        if total > MAX_POINTS:
            raise InputError(key="inputs.too_many_points", limit=MAX_POINTS)
        if not all(isinstance(p, list) and len(p) == 2 for p in points):
            raise _damaged("a point is not an [x, y] pair")
        if not all(type(v) in (int, float) for p in points for v in p):  # not bool, not str
            raise _damaged("a coordinate is not a number")
        xy = np.array(points, np.float64)  # (N, 2); a huge integer becomes a huge float
        if not (np.isfinite(xy).all() and np.abs(xy).max() <= MAX_COORDINATE):
            raise _damaged(f"a point lies beyond {MAX_COORDINATE:g} pixels")
        size = _number(stroke.get("size"), "size", MIN_SIZE, MAX_SIZE)
        cover += size * (size + float(np.hypot(*np.diff(xy, axis=0).T).sum()))
        if cover > MAX_COVER * width * height:
            raise InputError(key="inputs.too_much_ink")
        strokes.append(Stroke(stroke["tool"], size, xy))
    return Drawing(int(width), int(height), tuple(strokes))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _number(value: object, name: str, low: float, high: float) -> float:
    """``value`` as a float if it is a finite JSON number in [low, high]; else InputError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _damaged(f"{name} is not a number")
    if not low <= value <= high:  # NaN fails too; a huge integer compares without overflow
        raise _damaged(f"{name} is outside {low:g}–{high:g}")
    return float(value)


def _damaged(why: str) -> InputError:
    return InputError(key="inputs.not_a_drawing", why=why)
