"""Which pixels of a picture are ink, and whether that ink is big enough to be a digit.

:func:`extract_ink` takes a picture as :mod:`cam_core.inputs.read` gives it (uint8 grey or RGBA) and
returns the ink, 0–1: by its alpha when transparency carries the drawing, otherwise by its grey
level (polarity from the border, uneven lighting flattened, Otsu's threshold, specks removed).
:func:`too_small` holds the rules for ink too small to read, and
:func:`thicken_thin_strokes` widens strokes that would reach the model as a faint hairline.
"""

from __future__ import annotations

import cv2
import numpy as np

from cam_core.inputs.fit import FIT_SIZE

SOLID = 0.5  # ink level counted as a solid stroke pixel: at least half covered

# ----- the "too small to read" rules (see too_small)
MIN_DIGIT_EXTENT = 0.08  # ink spanning under 8% of the picture's longer side: a speck
MIN_DIGIT_STROKES = 3.0  # ink spanning fewer stroke widths than this: a dot, a dash, a blob
MIN_INK_PIXELS = 3  # fewer solid pixels than this cannot be measured as a shape at all
MIN_MODEL_STROKE = 1.5  # thinner strokes (pixels, after the fit to 28×28) are thickened

# ----- grey pictures (see _ink_from_grey)
BORDER_LIGHT = 0.5  # border's median grey above this: dark ink on light paper, so invert
MIN_LIGHTING_SIDE = 64  # smaller pictures are scans or crops: no uneven lighting to flatten
MIN_CONTRAST = 0.08  # brightest ink under this (of full scale) after flattening: a blank page
MIN_THRESHOLD = 0.15  # Otsu's threshold at least this: on a near-blank page it splits grain
RAMP_START, RAMP_WIDTH = 0.6, 0.8  # soft edge: ink 0 at 0.6×, 1 at 1.4× the threshold

# ----- lighting (see _flatten_lighting, _background)
LIGHTING_SIDE = 160  # the lighting (smooth by nature) is estimated at this side: fast at any size
FIRST_OPENING_PARTS = 12  # first opening: 1/12 of the longer side, which follows lighting well
MAX_OPENING_PARTS = 3  # widest opening: 1/3 of the longer side; wider loses the lighting
OPENING_STROKES = 3.0  # an opening this many stroke widths wide leaves no stroke core behind
WIDTH_GROWTH = 1.1  # stop widening once the wanted opening grows under 10%
LIGHTING_PASSES = 4  # at most this many widenings; the width settles in two or three
MIN_OPENING = 3  # pixels at LIGHTING_SIDE: the smallest odd elliptical kernel there is

# ----- stroke width and specks (see _stroke_width, _remove_specks)
STROKE_PERCENTILE = 95  # of distances to the paper: the stroke's core, not its thin ends
MIN_SPECK_AREA = 4  # pixels: components smaller than this are always dust
SPECK_SHARE = 0.04  # components under 4% of the largest are dust or paper grain

# ----- pictures with an alpha channel (see extract_ink)
OPAQUE_ALPHA = 250  # alpha under this: (partly) clear; over it: opaque, a little under 255
MIN_CLEAR_SHARE = 0.05  # over 5% clear pixels: the transparency is the drawing
MOSTLY_OPAQUE = 0.5  # over half the pixels opaque: a photo with a few clear pixels
PAPER_LUMA = 245  # opaque pixels lighter than this are white paper, not ink
PAPER_OPACITY = 0.98  # ... when (nearly) fully opaque
LIGHT_STROKE_SHARE = 0.99  # nearly all solid pixels that light: light strokes (dark mode)


def _background(grey: np.ndarray, side: float) -> np.ndarray:
    """Paper brightness under uneven lighting: a morphological opening that removes bright
    structures narrower than ``side`` pixels (the strokes), then a blur.

    Args:
        grey: ``(H, W)`` float32 in [0, 1], ink bright.
        side: opening diameter in pixels of ``grey``; it must exceed the stroke width, or the
            strokes' cores are kept as "background" and come out faint.

    Returns: ``(H, W)`` float32 background estimate. Computed at ``LIGHTING_SIDE``: lighting is
    smooth, and an opening costs in proportion to its diameter (≈0.4 s at full size).
    """
    height, width = grey.shape
    scale = min(1.0, LIGHTING_SIDE / max(height, width))
    # At least one pixel each way: a 5000×2 strip would otherwise shrink to zero rows.
    small = grey if scale == 1.0 else cv2.resize(
        grey, (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA)
    diameter = max(MIN_OPENING, int(side * scale)) | 1  # odd: the kernel has a centre
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
    background = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    background = cv2.GaussianBlur(background, (0, 0), diameter / 2)  # sigma: half the opening
    if scale != 1.0:
        background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return background


def _stroke_width(ink: np.ndarray) -> float:
    """Typical stroke width in pixels of bright ink ``(H, W)`` float (any scale): twice the
    ``STROKE_PERCENTILE`` (95th) percentile of the distance from an ink pixel (Otsu mask) to
    the nearest non-ink pixel; 0.0 when there is no ink."""
    byte = (ink / max(float(ink.max()), 1e-6) * 255).astype(np.uint8)  # 1e-6: no 0/0
    _, mask = cv2.threshold(byte, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if not mask.any():
        return 0.0
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_5)  # 5×5 approximation
    return 2.0 * float(np.percentile(distance[mask > 0], STROKE_PERCENTILE))


def mean_stroke_width(solid: np.ndarray) -> float:
    """Mean stroke width in pixels of a boolean ink mask ``(H, W)``: 2 × area / perimeter
    (outer and hole contours). A stroke of length L and width w has area ≈ Lw and perimeter
    ≈ 2L; a filled blob of diameter D gives D/2. Unlike the distance-transform width, crossings
    and small filled loops barely raise it, so a small 8 is not taken for a blob."""
    mask = solid.astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * float(mask.sum()) / max(perimeter, 1.0)


def _flatten_lighting(grey: np.ndarray) -> np.ndarray:
    """Subtract the paper's uneven lighting from grey ``(H, W)`` float32 in [0, 1], ink bright.

    Why several passes: an opening 1/12 of the image wide follows lighting closely, but a
    tightly cropped digit in thick marker (or an enlarged MNIST or USPS digit) has strokes wider
    than that, which the opening keeps as background, leaving only faint outlines. So the
    stroke width is measured on what a pass leaves and the opening is widened to three stroke
    widths (at most 1/3 of the image: wider loses the lighting); as outlines underestimate the
    width, this repeats until the width stops growing.

    Returns: ``(H, W)`` float32 in [0, 1], ink bright on a flat black background.
    """
    longest = max(grey.shape)
    side = longest / FIRST_OPENING_PARTS
    flat = np.clip(grey - _background(grey, side), 0.0, 1.0)
    for _ in range(LIGHTING_PASSES):
        wanted = min(OPENING_STROKES * _stroke_width(flat), longest / MAX_OPENING_PARTS)
        if wanted <= WIDTH_GROWTH * side:
            break
        side = wanted
        flat = np.clip(grey - _background(grey, side), 0.0, 1.0)
    return flat


def _ink_from_grey(grey: np.ndarray) -> np.ndarray:
    """Grey uint8 (H, W) → ink float32 in [0, 1], for light-on-dark or dark-on-light pictures.

    Why this way: uneven lighting on paper photos is flattened by subtracting an estimate of the
    background (:func:`_flatten_lighting`; on pictures under 64 px, the border's level); the
    polarity is decided by the border, which is background in any framed digit; Otsu's
    threshold then separates ink from paper, and the ink keeps a soft edge for anti-aliasing.
    """
    grey = grey.astype(np.float32) / 255.0
    height, width = grey.shape
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > BORDER_LIGHT:  # dark ink on light paper: make ink bright
        grey = 1.0 - grey
        border = 1.0 - border
    if max(height, width) >= MIN_LIGHTING_SIDE:
        grey = _flatten_lighting(grey)
    else:
        # A small scan or crop has even paper: subtract its level. Left in, grey paper of a
        # two-level picture (no noise, no anti-aliasing) became Otsu's threshold itself, the
        # ramp made it half ink, and a digit filling its box was refused as "too small".
        grey = np.clip(grey - float(np.median(border)), 0.0, 1.0)
    top = float(grey.max())
    if top < MIN_CONTRAST:  # no contrast at all: a blank page
        return np.zeros_like(grey)
    grey /= top
    byte = (grey * 255).astype(np.uint8)
    threshold, _ = cv2.threshold(byte, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(threshold / 255.0, MIN_THRESHOLD)
    # Soft ramp around the threshold keeps anti-aliased edges; paper grain falls to zero.
    ink = np.clip((grey - RAMP_START * threshold) / (RAMP_WIDTH * threshold), 0.0, 1.0)
    return _remove_specks(ink)


def _remove_specks(ink: np.ndarray) -> np.ndarray:
    """Keep only the solid strokes of ink ``(H, W)`` float32 in [0, 1]: drop components much
    smaller than the largest one (dust, paper grain) and the faint ink that belongs to no solid
    stroke (shading near the edges). Returns ``(H, W)`` float32 in [0, 1]."""
    mask = (ink > SOLID).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros_like(ink)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, bool)
    keep[1:] = areas >= max(MIN_SPECK_AREA, SPECK_SHARE * areas.max())
    # Grow kept components by a pixel (a 3×3 dilation) so their soft edges stay.
    kept = cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(kept, ink, 0.0).astype(np.float32)


def extract_ink(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decide which pixels are ink.

    Args:
        array: uint8 grey ``(H, W)`` or RGBA ``(H, W, 4)`` from
        :func:`cam_core.inputs.read.read_input`.

    Returns:
        ``(ink, picture)``: ink ``(H, W)`` float32 in [0, 1] (1 = full ink) and the picture as
        a person sees it, ``(H, W, 3)`` uint8 RGB (transparent parts shown white).

    A partly transparent image (a sketchpad layer, a PNG stroke on a clear background) is read
    by its alpha: what is opaque is ink. Otherwise the grey level is used, light-on-dark or
    dark-on-light decided from the border, after flattening uneven lighting.
    """
    if array.ndim == 2:
        picture = np.dstack([array] * 3)
        return _ink_from_grey(array), picture
    rgb, alpha = array[:, :, :3], array[:, :, 3]  # (H, W, 3), (H, W)
    white = np.full_like(rgb, 255)
    weight = alpha[:, :, None].astype(np.float32) / 255.0  # (H, W, 1)
    picture = (rgb * weight + white * (1 - weight)).round().astype(np.uint8)
    if (alpha.min() < OPAQUE_ALPHA and alpha.max() > 0
            and (alpha < OPAQUE_ALPHA).mean() > MIN_CLEAR_SHARE):
        # Transparency carries the drawing: ink is what is opaque (and not pure white paper).
        lum = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
        opaque = alpha.astype(np.float32) / 255.0
        if (alpha > OPAQUE_ALPHA).mean() > MOSTLY_OPAQUE:  # a photo with a few clear pixels
            return _ink_from_grey(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)), picture
        solid = opaque > SOLID
        if (solid & (lum > PAPER_LUMA)).sum() > LIGHT_STROKE_SHARE * solid.sum():
            # Light strokes on a clear background (a dark-mode drawing app): the opaque pixels
            # are the ink; shown on black, or the person would see a blank picture.
            return opaque.astype(np.float32), (rgb * weight).round().astype(np.uint8)
        paper = (lum > PAPER_LUMA) & (opaque > PAPER_OPACITY)  # opaque white around dark ink
        return np.where(paper, 0.0, opaque).astype(np.float32), picture
    if alpha.max() == 0:
        return np.zeros(alpha.shape, np.float32), picture
    return _ink_from_grey(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)), picture


def ink_extent(solid: np.ndarray) -> int:
    """The longer side, pixels, of the bounding box of a boolean ink mask ``(H, W)`` with at
    least one True pixel: the length that the fit scales to ``FIT_SIZE``."""
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    return int(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)


def too_small(solid: np.ndarray, extent: int) -> bool:
    """Whether ink too small to read as a digit (a dot, dust, a dash, a blob).

    Args:
        solid: ``(H, W)`` bool, the solid ink (``ink > SOLID``), at least one pixel.
        extent: :func:`ink_extent` of ``solid``, pixels.

    True when the ink spans under ``MIN_DIGIT_EXTENT`` of the picture's longer side, has under
    ``MIN_INK_PIXELS`` pixels, or spans under ``MIN_DIGIT_STROKES`` of its own mean stroke
    widths. Why the extent and not the amount of ink: a thin pen on a large photo covers a tiny
    share of the pixels yet is a full-size digit; a dot is small in both. And in stroke widths:
    a dash one or two brush widths long becomes a fat oval once fitted into 20×20 and was read
    as a confident 0; every digit is several strokes long.
    """
    return bool(extent < MIN_DIGIT_EXTENT * max(solid.shape) or solid.sum() < MIN_INK_PIXELS
                or extent < MIN_DIGIT_STROKES * mean_stroke_width(solid))


def thicken_thin_strokes(ink: np.ndarray, solid: np.ndarray, extent: int) -> np.ndarray:
    """Widen strokes that would be thinner than ``MIN_MODEL_STROKE`` pixels in the 28×28 frame.

    Why: MNIST's strokes are 2–3 px wide after its fit; a thin pen on a large photo (or a fine
    brush on a big canvas) shrinks to a faint sub-pixel line the network was not trained on.
    Measured on pendigits' held-back writers drawn as dark pen on 1000×1000 paper: a 3 px pen
    gave 96.8% (model input at most 48/255) against 98.7% for the app's brush. Growing the ink
    by the missing width restores a stroke of normal weight; normal strokes are left as they are.

    Args:
        ink: ``(H, W)`` float32 in [0, 1]; solid: ``ink > SOLID``; extent: the ink's longer side
            in pixels (the length fitted into ``FIT_SIZE``).

    Returns: ``(H, W)`` float32 in [0, 1], ``ink`` itself when its strokes are wide enough.
    """
    needed = MIN_MODEL_STROKE * extent / FIT_SIZE  # stroke width in ink pixels that fits
    grow = round(needed - _stroke_width(solid.astype(np.float32)))
    if grow < 1:  # under half a pixel missing: leave the ink as it is
        return ink
    # Everything within grow/2 px of solid ink becomes ink, with a 1 px soft edge. A distance
    # transform costs the same for any width (a dilation's cost grows with its kernel).
    distance = cv2.distanceTransform((~solid).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.maximum(ink, np.clip(grow / 2 + 0.5 - distance, 0.0, 1.0)).astype(np.float32)
