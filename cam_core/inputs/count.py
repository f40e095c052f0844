"""How many digits are drawn side by side? Students write "12" on the pad; the network reads
one digit (the whole drawing squeezed into 20×20), so the app says it sees several.

Ink is split into connected components; components whose columns overlap (or nearly touch)
belong to one digit, so a 5 whose top bar does not touch its body, or a 4 drawn in two strokes,
stays one. A group counts as a digit only when it is digit-sized: at least half as tall as the
tallest group (a dot, a dash or dust does not count).
"""

from __future__ import annotations

import cv2
import numpy as np

GAP = 0.08  # groups closer than this share of the tallest group's height are one digit
TALL = 0.5  # a digit is at least this share of the tallest group's height


def digit_count(ink: np.ndarray) -> int:
    """The number of digit-sized groups of ink side by side (0 for no ink).

    Args:
        ink: ``(H, W)`` bool or float (> 0.5 = ink), e.g. ``Prepared.ink``.

    Returns: 0 for no ink, else ≥ 1.
    """
    solid = (np.asarray(ink) > 0.5).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    boxes = sorted((int(x), int(x + w), int(y), int(y + h))
                   for x, y, w, h, _ in stats[1:count])  # (left, right, top, bottom), by left
    if not boxes:
        return 0
    tallest = max(bottom - top for _, _, top, bottom in boxes)
    groups: list[list[int]] = []  # [left, right, top, bottom]
    for left, right, top, bottom in boxes:
        if groups and left <= groups[-1][1] + GAP * tallest:  # overlaps or nearly touches
            last = groups[-1]
            last[1], last[2], last[3] = max(last[1], right), min(last[2], top), max(last[3],
                                                                                     bottom)
        else:
            groups.append([left, right, top, bottom])
    high = max(bottom - top for _, _, top, bottom in groups)
    return sum(bottom - top >= TALL * high for _, _, top, bottom in groups)
