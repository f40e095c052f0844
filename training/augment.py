"""Training samples that look like what the app will be sent, all through the app's own
normalisation (:func:`cam_core.inputs.prepare.normalize_ink`), so training and serving agree.

Digits: MNIST with random affine warps (rotation, aspect, shear), stroke thickness changes and
hard/soft edges; pendigits pen trajectories replayed with the app's brush at random sizes, and
optionally bent by a smooth displacement of their points. Pen replays may be restyled the way
writers elsewhere write (:mod:`training.styles`).
Outliers (for outlier exposure, Hendrycks et al., ICLR 2019): Fashion-MNIST items, random
scribbles, letters that do not look like digits, and what students leave on a pad
(:mod:`training.marks`: dots, dashes, faces, hearts, stars, crossed-out digits).
"""

from __future__ import annotations

import cv2
import numpy as np

from cam_core.inputs.fit import MODEL_SIZE, normalize_ink
from cam_core.inputs.ink import mean_stroke_width
from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE, render_strokes
from training import marks, styles
from training.datasets import PenDigit
from training.scribbles import place_pen_strokes, random_scribble

UPSAMPLE = 4  # MNIST is warped at 112×112 so thickness changes are gentler than one 28-px step
LETTERS = "AEFHKMNPRUVWXYaefhkmnrtuvwxy"  # letters unlike any digit (no O, I, S, Z, B, G, …)


def fit_ink(ink: np.ndarray) -> np.ndarray:
    """Ink ``(H, W)`` float32 in [0, 1] → the ``(28, 28)`` float32 MNIST-style image
    (:func:`cam_core.inputs.fit.normalize_ink`); all zeros when there is no ink."""
    normalised = normalize_ink(ink)
    return np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32) if normalised is None else normalised[0]


def _fit_as_app(ink: np.ndarray) -> np.ndarray:
    """Pad ink → the 28×28 image the app's ``prepare_ink`` gives (thin pens thickened); a mark
    the app would refuse as too small is fitted anyway (what the network would see of it)."""
    prepared = prepare_ink(ink)
    return fit_ink(ink) if prepared.blank else prepared.model_input / np.float32(255)


def _random_affine(rng: np.random.Generator, size: int, strength: float = 1.0) -> np.ndarray:
    angle = np.deg2rad(rng.uniform(-18, 18) * strength)
    shear = np.deg2rad(rng.uniform(-18, 18) * strength)
    aspect = np.exp(rng.uniform(-0.3, 0.3) * strength)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = rotation @ np.array([[1.0, np.tan(shear)], [0.0, 1.0]]) @ np.diag([aspect, 1 / aspect])
    linear *= 0.7  # shrink so the warped digit stays inside the canvas
    centre = np.array([size / 2, size / 2])
    return np.hstack([linear, (centre - linear @ centre)[:, None]])


def _thickness(rng: np.random.Generator, ink: np.ndarray, scale: float) -> np.ndarray:
    """Thin or thicken strokes by up to ``scale`` pixels (at the working resolution)."""
    radius = round(rng.uniform(-1.0, 1.6) * scale)
    if radius == 0:
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1,) * 2)
    changed = cv2.dilate(ink, kernel) if radius > 0 else cv2.erode(ink, kernel)
    return changed if changed.max() > 0.3 else ink  # never erase the digit entirely


def augment_mnist(rng: np.random.Generator, image: np.ndarray, low_res_share: float = 0.0,
                  scan_share: float = 0.0) -> np.ndarray:
    """MNIST digit (28, 28) uint8 → augmented, re-normalised (28, 28) float32 in [0, 1].

    With probability ``low_res_share`` the digit is also seen at a low resolution (12–20 px
    across, then enlarged): blocky, blurred strokes as a coarse scanner or a small photo of a
    digit gives them (:func:`low_resolution`). With probability ``scan_share`` it is instead
    made a small scan filling its box and read by the app's upload path (:func:`small_scan`)."""
    size = MODEL_SIZE * UPSAMPLE
    ink = cv2.resize(image.astype(np.float32) / 255.0, (size, size),
                     interpolation=cv2.INTER_CUBIC).clip(0, 1)
    ink = cv2.warpAffine(ink, _random_affine(rng, size), (size, size), flags=cv2.INTER_LINEAR)
    # Drawn only when asked, so older recipes replay their exact random stream.
    if scan_share > 0 and rng.random() < scan_share:
        return small_scan(rng, ink)  # its own stroke widths: a thick stroke in 16 px is a blob
    ink = _thickness(rng, ink, scale=UPSAMPLE * 1.5)
    if rng.random() < 0.5:  # hard-edged like a drawn stroke, then the fit anti-aliases it
        ink = (ink > rng.uniform(0.3, 0.6)).astype(np.float32)
    # Drawn only when asked, so older recipes replay their exact random stream.
    if low_res_share > 0 and rng.random() < low_res_share:
        ink = low_resolution(rng, ink)
    return fit_ink(ink)


def small_scan(rng: np.random.Generator, ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) float32 in [0, 1] → (28, 28) float32 in [0, 1]: the digit as a small scan
    (:func:`small_scan_picture`) read by the app's upload path
    (:func:`cam_core.inputs.prepare.prepare`); the ink merely fitted when that finds no digit."""
    picture = small_scan_picture(rng, ink)
    if picture is None:
        return fit_ink(ink)
    prepared = prepare(picture)
    return fit_ink(ink) if prepared.blank else prepared.model_input / np.float32(255)


def small_scan_picture(rng: np.random.Generator, ink: np.ndarray) -> np.ndarray | None:
    """Ink (H, W) float32 in [0, 1] → the digit as a small scan of a form or an envelope:
    a square uint8 picture 14–22 px a side, or ``None`` when there is no ink.

    Scanned digit sets are often size-normalised to fill a small box (USPS: 16×16; LeCun et
    al., NIPS 1989): strokes thickened to 9–16% of the digit's height (thinner ones break up
    at 16 px), the digit 14–20 px tall, narrow digits widened by up to 1.6× (a 1 becomes a
    thick bar), centred in a square box it touches or nearly touches, grey ink on grey paper
    with scanner noise, dark on light or light on dark. Enlarged to MNIST's 20 px box such a
    digit has thick, soft strokes the drawn and warped digits never have; without them the
    network flagged 3.5% of USPS's real digits as "not a digit" (0s and 1s most)."""
    rows, cols = np.nonzero(ink > 0.1)
    if len(rows) == 0:
        return None
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = crop.shape
    # Strokes 9–16% of the digit's height (MNIST: ~12%): thick enough to survive ~16 px.
    wanted = rng.uniform(0.09, 0.16) * height
    grow = round((wanted - mean_stroke_width(crop > 0.5)) / 2)  # radius: both sides grow
    if grow > 0:
        crop = cv2.dilate(crop, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    scale_y = rng.uniform(14, 20) / height
    scale_x = min(scale_y * height / width, scale_y * rng.uniform(1.0, 1.6))
    small = cv2.resize(crop, (max(1, round(width * scale_x)), max(1, round(height * scale_y))),
                       interpolation=cv2.INTER_AREA)
    # Centred in a square box (a 1 has paper on both sides) with 0–2 px to spare.
    side = max(small.shape) + int(rng.integers(0, 3))
    left, top = (side - small.shape[1]) // 2, (side - small.shape[0]) // 2
    small = cv2.copyMakeBorder(small, top, side - small.shape[0] - top, left,
                               side - small.shape[1] - left, cv2.BORDER_CONSTANT, value=0.0)
    paper, dark = rng.uniform(0.7, 1.0), rng.uniform(0.0, 0.3)
    grey = paper - (paper - dark) * small + rng.normal(0, rng.uniform(0, 0.04), small.shape)
    picture = (grey.clip(0, 1) * 255).round().astype(np.uint8)
    if rng.random() < 0.5:
        picture = 255 - picture  # light ink on dark, as some scans are stored
    return picture


def low_resolution(rng: np.random.Generator, ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) float32 in [0, 1] → the same size, as if captured 12–20 px across its ink
    and enlarged again (area-averaged down, bilinear or bicubic up, clipped to [0, 1])."""
    rows, cols = np.nonzero(ink > 0.1)
    if len(rows) == 0:
        return ink
    span = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    factor = min(1.0, rng.uniform(12, 20) / span)
    small = cv2.resize(ink, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    method = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[rng.integers(2)]
    return cv2.resize(small, ink.shape[::-1], interpolation=method).clip(0, 1)


def bend_strokes(rng: np.random.Generator, strokes: list[np.ndarray], amount: float = 0.1
                 ) -> list[np.ndarray]:
    """Stroke points (K, 2) in canvas pixels → the same strokes bent by a smooth random
    displacement field: each of x and y moves by a sum of three sinusoids of position, with
    0.4–1.4 cycles across the digit and a peak of up to ``amount`` × the digit's larger side.

    An elastic distortion (Simard, Steinkraus & Platt, "Best practices for convolutional neural
    networks applied to visual document analysis", ICDAR 2003) applied to the pen trajectory
    rather than to pixels, so the stroke stays one brush wide: a straight top of a 7 curves, a
    9's tail hooks or straightens, loops open or close a little. Other writers' versions of the
    few pen digits we have, so the network does not learn the 25 training writers by heart.
    """
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    size = max(float((high - low).max()), 1.0)
    centre = (low + high) / 2
    waves = []
    for _axis in range(2):
        direction = rng.normal(size=(3, 2))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        frequency = 2 * np.pi * rng.uniform(0.4, 1.4, 3) / size
        waves.append((direction * frequency[:, None], rng.uniform(0, 2 * np.pi, 3),
                      rng.uniform(-1, 1, 3) * amount * size / 3))

    def displaced(xy: np.ndarray) -> np.ndarray:
        shift = [np.sin((xy - centre) @ k.T + phase) @ height for k, phase, height in waves]
        return xy + np.stack(shift, axis=1)

    return [displaced(stroke) for stroke in strokes]


def replay_pendigit(rng: np.random.Generator, digit: PenDigit, style_share: float = 0.0,
                    bend_share: float = 0.0) -> np.ndarray:
    """Pen strokes replayed with the app's brush at a random size, place and slant; with
    probability ``style_share`` restyled as writers elsewhere write that digit, and with
    probability ``bend_share`` bent by a smooth random displacement (:func:`bend_strokes`)."""
    placed = place_pen_strokes(digit.strokes, height_fraction=rng.uniform(0.3, 0.9),
                               centre=tuple(rng.uniform(0.3, 0.7, 2)))
    # Drawn only when asked, so older recipes replay their exact random stream.
    if style_share > 0 and digit.label in styles.STYLES and rng.random() < style_share:
        placed = styles.restyle(rng, placed, digit.label)
    if bend_share > 0 and rng.random() < bend_share:
        placed = bend_strokes(rng, placed, amount=rng.uniform(0.05, 0.18))
    matrix = _random_affine(rng, CANVAS_SIZE, strength=0.6)
    matrix[:, :2] /= 0.7  # no shrink needed for strokes: they are warped as points
    matrix[:, 2] = (np.eye(2) - matrix[:, :2]) @ np.array([CANVAS_SIZE / 2] * 2)
    warped = [points @ matrix[:, :2].T + matrix[:, 2] for points in placed]
    brush = BRUSH_WIDTH * rng.uniform(0.6, 1.5)
    return fit_ink(render_strokes(warped, brush=brush))


def augment_fashion(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """A Fashion-MNIST item as an outlier, through the same fit as a digit."""
    ink = image.astype(np.float32) / 255.0
    if rng.random() < 0.5:
        ink = ink[:, ::-1]
    if rng.random() < 0.3:  # outline only, like a person drawing a shirt
        edges = cv2.Canny((ink * 255).astype(np.uint8), 50, 150).astype(np.float32) / 255.0
        if edges.max() > 0:
            ink = cv2.dilate(edges, np.ones((2, 2), np.uint8))
    return fit_ink(np.ascontiguousarray(ink))


def random_letter(rng: np.random.Generator) -> np.ndarray:
    """A handwritten-looking letter that is not digit-like (Hershey fonts, warped)."""
    size = 112
    canvas = np.zeros((size, size), np.uint8)
    letter = LETTERS[rng.integers(len(LETTERS))]
    font = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
            cv2.FONT_HERSHEY_COMPLEX)[rng.integers(3)]
    cv2.putText(canvas, letter, (20, 85), font, 2.5, 255, int(rng.integers(4, 10)), cv2.LINE_AA)
    ink = cv2.warpAffine(canvas.astype(np.float32) / 255.0, _random_affine(rng, size, 0.8),
                         (size, size))
    return fit_ink(ink)


def random_outlier(rng: np.random.Generator, fashion: np.ndarray | None,
                   marks_share: float = 0.0,
                   pen_digits: list[tuple[np.ndarray, ...]] | None = None) -> np.ndarray:
    """One outlier sample (28, 28) float32 in [0, 1]: with probability ``marks_share`` a mark a
    student leaves (``pen_digits`` strokes give the crossed-out digits), else Fashion-MNIST
    (when given), a scribble or a letter."""
    if marks_share > 0 and rng.random() < marks_share:
        ink, _ = marks.random_mark(rng, pen_digits)
        return _fit_as_app(ink)
    pick = rng.random()
    if fashion is not None and pick < 0.45:
        return augment_fashion(rng, fashion[rng.integers(len(fashion))])
    if pick < 0.85:
        return fit_ink(random_scribble(rng))
    return random_letter(rng)
