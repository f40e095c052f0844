"""What students leave on the pad that is not a digit: tiny marks (dots, dashes, ticks, short
wiggles, blobs), drawings (faces, hearts, stars, triangles, squares, arrows) and crossed-out
digits.

Used for outlier exposure in training (Hendrycks et al., ICLR 2019: the network learns to give
these a flat distribution, so the energy score flags them) and, from a fixed seed and the
held-back pen writers, for the evaluation's figures. Strokes are canvas pixels, x right, y
down, drawn with :func:`strokes.render_strokes` at the app's brush or a thinner pen.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE, render_strokes
from training.scribbles import place_pen_strokes

Strokes = list[np.ndarray]
TINY_KINDS = ("dot", "dash", "tick", "wiggle", "blob")
DRAWING_KINDS = ("face", "heart", "star", "triangle", "square", "arrow")
# Why: an upright line is how most people write 1, so a dash or wiggle within this many degrees
# of vertical is a digit, not a mark (as outliers they taught the network that 1s are not digits).
UPRIGHT_DEGREES = 35.0


def _circle(centre: np.ndarray, radius: float, start: float = 0.0, stop: float = 2 * np.pi,
            count: int = 40, squash: float = 1.0) -> np.ndarray:
    t = np.linspace(start, stop, count)
    return centre + radius * np.stack([np.cos(t), squash * np.sin(t)], 1)


def _place(rng: np.random.Generator, size: float) -> tuple[np.ndarray, float]:
    """A random centre that keeps a shape of ``size`` px inside the canvas, and ``size``."""
    margin = size / 2 + 4
    return rng.uniform(margin, CANVAS_SIZE - margin, 2), size


def tiny_mark(rng: np.random.Generator, kind: str, span: tuple[float, float] = (0.02, 0.25)
              ) -> Strokes:
    """A dot, dash, tick, short wiggle or blob spanning ``span`` (fractions) of the pad; dashes
    and wiggles are never within ``UPRIGHT_DEGREES`` of vertical (that is a 1)."""
    centre, size = _place(rng, rng.uniform(*span) * CANVAS_SIZE)
    if kind == "dot":
        return [centre[None] + rng.normal(0, 1, (1, 2))]
    # One draw over the half-turn minus the upright band, so the random stream keeps its length.
    band = np.deg2rad(UPRIGHT_DEGREES)
    angle = rng.uniform(0, np.pi - 2 * band)
    angle += 2 * band if angle > np.pi / 2 - band else 0.0
    direction = np.array([np.cos(angle), np.sin(angle)])
    if kind == "dash":
        return [np.linspace(centre - direction * size / 2, centre + direction * size / 2, 6)]
    if kind == "tick":
        corner = centre + np.array((0, size / 4))
        return [np.array([corner + np.array((-size / 3, -size / 3)), corner,
                          corner + np.array((size / 2, -size))])]
    if kind == "wiggle":
        t = np.linspace(-0.5, 0.5, 20)[:, None]
        normal = np.array([-direction[1], direction[0]])
        wave = np.sin(t * rng.uniform(8, 16)) * size * 0.15
        return [centre + t * size * direction + wave * normal]
    # blob: a tight scribble filling a small area
    return [centre + rng.normal(0, size / 5, (12, 2))]


def face(rng: np.random.Generator) -> Strokes:
    """A round face with two eyes and a smiling, sad or straight mouth."""
    centre, size = _place(rng, rng.uniform(0.35, 0.9) * CANVAS_SIZE)
    radius = size / 2
    squash = rng.uniform(0.85, 1.15)
    eye_y = centre[1] - radius * rng.uniform(0.2, 0.35)
    eye_dx = radius * rng.uniform(0.25, 0.45)
    eyes = [np.array([[centre[0] + side * eye_dx, eye_y]]) for side in (-1, 1)]
    if rng.random() < 0.3:  # open eyes: small circles
        eyes = [_circle(e[0], radius * 0.08, count=12) for e in eyes]
    mouth_kind = rng.integers(3)
    mouth_centre = centre + np.array((0, radius * (0.05 if mouth_kind == 0 else 0.55)))
    width = radius * rng.uniform(0.4, 0.6)
    if mouth_kind == 0:  # smile: lower half of a circle
        mouth = _circle(mouth_centre, width, 0.15 * np.pi, 0.85 * np.pi, 16)
    elif mouth_kind == 1:  # sad: upper half
        mouth = _circle(mouth_centre, width, 1.15 * np.pi, 1.85 * np.pi, 16)
    else:  # straight
        mouth = np.array([mouth_centre - np.array((width, 0)), mouth_centre + np.array((width, 0))])
    return [_circle(centre, radius, squash=squash, count=48), *eyes, mouth]


def heart(rng: np.random.Generator) -> Strokes:
    """A heart (the classic parametric curve), one stroke."""
    centre, size = _place(rng, rng.uniform(0.3, 0.85) * CANVAS_SIZE)
    t = np.linspace(0, 2 * np.pi, 60)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [centre + np.stack([x, y], 1) * size / 34]


def star(rng: np.random.Generator) -> Strokes:
    """A five-pointed star drawn in one stroke, or an outlined one with ten corners."""
    centre, size = _place(rng, rng.uniform(0.3, 0.85) * CANVAS_SIZE)
    turn = rng.uniform(0, 2 * np.pi)
    if rng.random() < 0.5:
        angles = turn + np.arange(6) * 4 * np.pi / 5
        radii = np.full(6, size / 2)
    else:
        angles = turn + np.arange(11) * np.pi / 5
        radii = np.where(np.arange(11) % 2, size * 0.2, size / 2)
    return [centre + radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], 1)]


def polygon(rng: np.random.Generator, corners: int) -> Strokes:
    """A triangle or a square, slightly rotated."""
    centre, size = _place(rng, rng.uniform(0.3, 0.85) * CANVAS_SIZE)
    angles = rng.uniform(-0.2, 0.2) - np.pi / 2 + np.arange(corners + 1) * 2 * np.pi / corners
    if corners == 4:
        angles += np.pi / 4
    return [centre + size / 2 * np.stack([np.cos(angles), np.sin(angles)], 1)]


def arrow(rng: np.random.Generator) -> Strokes:
    """A straight arrow in any direction with a two-stroke head."""
    centre, size = _place(rng, rng.uniform(0.35, 0.85) * CANVAS_SIZE)
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    tip, tail = centre + direction * size / 2, centre - direction * size / 2
    head = []
    for side in (-1, 1):
        back = angle + np.pi + side * np.deg2rad(30)
        head.append(np.array([tip, tip + size * 0.25 * np.array([np.cos(back), np.sin(back)])]))
    return [np.array([tail, tip]), *head]


def crossed_out(rng: np.random.Generator, digit_strokes: tuple[np.ndarray, ...]) -> Strokes:
    """A pen digit crossed out: a big X, or hatching over it (the student changed their mind)."""
    placed = place_pen_strokes(digit_strokes, height_fraction=rng.uniform(0.4, 0.85),
                               centre=tuple(rng.uniform(0.35, 0.65, 2)))
    points = np.concatenate(placed)
    low, high = points.min(0) - 10, points.max(0) + 10
    if rng.random() < 0.5:
        marks = [np.array([low, high]), np.array([[low[0], high[1]], [high[0], low[1]]])]
    else:
        rows = np.linspace(low[1], high[1], rng.integers(4, 8))
        tilt = rng.uniform(-0.3, 0.3) * (high[0] - low[0])
        marks = [np.array([[low[0], y - tilt], [high[0], y + tilt]]) for y in rows]
    return [*placed, *marks]


DRAWINGS: dict[str, Callable[[np.random.Generator], Strokes]] = {
    "face": face, "heart": heart, "star": star, "arrow": arrow,
    "triangle": lambda rng: polygon(rng, 3), "square": lambda rng: polygon(rng, 4),
}


def render_mark(rng: np.random.Generator, strokes: Strokes) -> np.ndarray:
    """Strokes with a little hand wobble, at the app's brush or a thinner pen (¼× to 1.5×).

    Returns ink ``(400, 400)`` float32 in [0, 1], the pad's canvas.
    """
    wobble = [s + rng.normal(0, 1.5, s.shape) for s in strokes]
    return render_strokes(wobble, brush=BRUSH_WIDTH * rng.uniform(0.25, 1.5))


def random_mark(rng: np.random.Generator,
                pen_digits: list[tuple[np.ndarray, ...]] | None = None) -> tuple[np.ndarray, str]:
    """One random non-digit: a tiny mark (40%), a drawing (45%) or a crossed-out digit (15%,
    when ``pen_digits`` strokes are given). Returns ``(ink (400, 400) float32, kind)``."""
    pick = rng.random()
    if pen_digits and pick < 0.15:
        digit = pen_digits[rng.integers(len(pen_digits))]
        return render_mark(rng, crossed_out(rng, digit)), "crossed-out digit"
    if pick < 0.55:
        kind = TINY_KINDS[rng.integers(len(TINY_KINDS))]
        return render_mark(rng, tiny_mark(rng, kind)), kind
    kind = DRAWING_KINDS[rng.integers(len(DRAWING_KINDS))]
    return render_mark(rng, DRAWINGS[kind](rng)), kind
