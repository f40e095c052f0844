"""Regional digit styles made from pen strokes: a 1 with a flag or a base, a 7 with a crossbar,
a 2 with a loop, a closed-top 4, a 9 with a straight or a hooked tail.

Why: pendigits' 30 writers and MNIST's mostly write these digits one way. Writers elsewhere
add a flag and a base to their 1 (read as 7, 2 or 4 before), loop their 2 (read as 7 or 8),
write 9 with a straight or short tail (read as 5, 3 or 8). Each style is an edit of a real
writer's strokes, so the rest of the digit keeps that writer's hand. Training uses the
writers 1–25; the evaluation's "regional styles" set uses the held-back writers 26–30 only.

All coordinates are canvas pixels, x right, y down (as :func:`strokes.place_pen_strokes` gives).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Strokes = list[np.ndarray]


def _box(strokes: Strokes) -> tuple[np.ndarray, np.ndarray, float]:
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    return low, high, max(float(high[1] - low[1]), 1.0)


def _line(start: np.ndarray, end: np.ndarray, count: int = 8) -> np.ndarray:
    return np.linspace(start, end, count)


def one_with_flag(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 1 with a flag: a stroke from the top down-left, 25–65° below horizontal."""
    points = np.concatenate(strokes)
    _, _, height = _box(strokes)
    top = points[points[:, 1].argmin()]
    angle = np.deg2rad(rng.uniform(25, 65))
    length = rng.uniform(0.25, 0.45) * height
    start = top + length * np.array([-np.cos(angle), np.sin(angle)])
    return [_line(start, top), *strokes]


def one_with_base(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 1 with a base serif: a short horizontal stroke across its foot."""
    points = np.concatenate(strokes)
    _, _, height = _box(strokes)
    foot = points[points[:, 1].argmax()]
    half = rng.uniform(0.18, 0.35) * height
    tilt = rng.uniform(-0.04, 0.04) * height
    return [*strokes, _line(foot + np.array((-half, -tilt)), foot + np.array((half, tilt)))]


def one_with_flag_and_base(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 1 with both a flag and a base, as written across much of Europe."""
    return one_with_base(rng, one_with_flag(rng, strokes))


def seven_with_crossbar(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 7 with a short bar across the middle of its stem."""
    points = np.concatenate(strokes)
    low, _, height = _box(strokes)
    level = low[1] + rng.uniform(0.45, 0.6) * height
    near = points[np.abs(points[:, 1] - level) < 0.08 * height]
    x = float(np.median(near[:, 0])) if len(near) else float(points[:, 0].mean())
    half = rng.uniform(0.12, 0.22) * height
    tilt = rng.uniform(-0.03, 0.03) * height
    return [*strokes, _line(np.array([x - half, level - tilt]), np.array([x + half, level + tilt]))]


def two_with_loop(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 2 with a small loop where the diagonal meets the base (bottom-left corner)."""
    low, high, height = _box(strokes)
    span = np.maximum(high - low, 1.0)
    best = max(((i, j) for i, s in enumerate(strokes) for j in range(len(s))),
               key=lambda ij: ((strokes[ij[0]][ij[1]] - low) / span) @ (-1.0, 1.0))
    index, at = best
    corner = strokes[index][at]
    radius = rng.uniform(0.07, 0.13) * height
    centre = corner + radius * np.array([0.2, -1.0])
    turn = np.linspace(0, 2 * np.pi, 24)
    start = np.arctan2(*(corner - centre)[::-1])
    loop = centre + radius * np.stack([np.cos(start - turn), np.sin(start - turn)], 1)
    stroke = strokes[index]
    restyled = np.vstack([stroke[: at + 1], loop, stroke[at:]])
    return [restyled if i == index else s for i, s in enumerate(strokes)]


def four_closed(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A closed-top 4: the top of the left arm joined to the top of the upright."""
    points = np.concatenate(strokes)
    low, high, _ = _box(strokes)
    middle = (low[0] + high[0]) / 2
    left, right = points[points[:, 0] < middle], points[points[:, 0] >= middle]
    if not len(left) or not len(right):
        return strokes
    arm_top = left[left[:, 1].argmin()]
    upright_top = right[right[:, 1].argmin()]
    return [*strokes, _line(arm_top, upright_top + rng.normal(0, 2, 2))]


def _nine_head(strokes: Strokes, cut: float) -> tuple[Strokes, np.ndarray]:
    """Strokes above height ``cut`` (the loop) and the lowest point of its right side."""
    head = [s[s[:, 1] <= cut] for s in strokes]
    head = [s for s in head if len(s)]
    points = np.concatenate(head)
    right = points[points[:, 0] >= np.percentile(points[:, 0], 70)]
    return head, right[right[:, 1].argmax()]


def nine_straight_tail(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 9 whose tail is a straight, near-vertical stroke (long or short)."""
    low, _, height = _box(strokes)
    head, join = _nine_head(strokes, low[1] + rng.uniform(0.45, 0.55) * height)
    end = np.array([join[0] - rng.uniform(-0.05, 0.12) * height,
                    low[1] + rng.uniform(0.8, 1.05) * height])
    return [*head, _line(join, end)]


def nine_hooked_tail(rng: np.random.Generator, strokes: Strokes) -> Strokes:
    """A 9 whose tail goes down and curls to the left at the bottom."""
    low, _, height = _box(strokes)
    head, join = _nine_head(strokes, low[1] + rng.uniform(0.45, 0.55) * height)
    bottom = low[1] + rng.uniform(0.85, 1.05) * height
    radius = rng.uniform(0.1, 0.2) * height
    down = _line(join, np.array([join[0], bottom - radius]))
    arc = np.linspace(0, np.pi * rng.uniform(0.6, 0.9), 10)
    hook = np.stack([join[0] - radius + radius * np.cos(arc),
                     bottom - radius + radius * np.sin(arc)], 1)
    return [*head, np.vstack([down, hook])]


STYLES: dict[int, dict[str, Callable[[np.random.Generator, Strokes], Strokes]]] = {
    1: {"1 with flag": one_with_flag, "1 with base": one_with_base,
        "1 with flag and base": one_with_flag_and_base},
    2: {"2 with loop": two_with_loop},
    4: {"4 closed top": four_closed},
    7: {"7 with crossbar": seven_with_crossbar},
    9: {"9 straight tail": nine_straight_tail, "9 hooked tail": nine_hooked_tail},
}
"""Digit label → {style name: edit}. Each edit maps placed strokes to restyled strokes."""


def restyle(rng: np.random.Generator, strokes: Strokes, label: int) -> Strokes:
    """One random regional style of digit ``label`` (the strokes as they are if it has none).

    Args:
        rng: the random source; strokes: ``(N, 2)`` float arrays in canvas pixels, y down;
        label: the digit 0–9.

    Returns: a new list of strokes; the input is not changed.
    """
    styles = list(STYLES.get(label, {}).values())
    if not styles:
        return list(strokes)
    return styles[rng.integers(len(styles))](rng, list(strokes))
