"""Ink → MNIST's frame: the fit every image the model sees goes through.

MNIST digits are white ink on black, fitted into a 20×20 box keeping the aspect ratio,
anti-aliased, and placed in a 28×28 field with the centre of mass at the centre (LeCun et al.,
"Gradient-based learning applied to document recognition", 1998, and the MNIST page). A drawing
that is not normalised the same way is misread, so this module is the one place that does it:
the app, the CLI, the evaluation *and* the training augmentation all call :func:`normalize_ink`.
"""

from __future__ import annotations

import cv2
import numpy as np

MODEL_SIZE = 28  # side of the model input, pixels
FIT_SIZE = 20  # MNIST fits the digit's longer side into this many pixels
CENTRE = 14.0  # MNIST's mean centre of mass, (x, y) in pixel-index coordinates
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of MNIST train pixels in [0, 1]
BOX_LEVEL = 0.1  # ink above this level counts for the bounding box (faint anti-aliasing: not)


def normalize_ink(ink: np.ndarray, threshold: float = BOX_LEVEL,
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Fit ink into MNIST's frame: crop, longer side to 20 px keeping aspect, centre of mass
    at (14, 14) of a 28×28 field.

    Args:
        ink: ``(H, W)`` float32 in [0, 1], 1 = full ink, any size.
        threshold: ink level that counts for the bounding box.

    Returns:
        ``(image, to_model)`` — image ``(28, 28)`` float32 in [0, 1], white ink on black;
        ``to_model`` ``(2, 3)`` float64, the affine from ``ink``'s pixel frame to the 28×28 frame
        (pixel centres at integer coordinates). ``None`` when there is no ink above ``threshold``.
    """
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        return None
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[y0:y1, x0:x1].astype(np.float32)  # (h, w)
    height, width = crop.shape
    scale = FIT_SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    # INTER_AREA anti-aliases when shrinking; linear when a tiny input is enlarged.
    shrinking = new_w <= width and new_h <= height
    patch = cv2.resize(crop, (new_w, new_h),  # (new_h, new_w); cv2 takes (width, height)
                       interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    mass = float(patch.sum())
    ys, xs = np.mgrid[0:new_h, 0:new_w]
    cx = float((patch * xs).sum() / mass) if mass > 0 else (new_w - 1) / 2
    cy = float((patch * ys).sum() / mass) if mass > 0 else (new_h - 1) / 2
    shift = np.array([[1.0, 0.0, CENTRE - cx], [0.0, 1.0, CENTRE - cy]])
    image = cv2.warpAffine(patch, shift, (MODEL_SIZE, MODEL_SIZE), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)  # (28, 28)
    # Pixel-centre convention of cv2.resize: u = sx (x - x0 + 0.5) - 0.5.
    sx, sy = new_w / width, new_h / height
    to_model = np.array([[sx, 0.0, sx * (0.5 - x0) - 0.5 + CENTRE - cx],
                         [0.0, sy, sy * (0.5 - y0) - 0.5 + CENTRE - cy]])
    return np.clip(image, 0.0, 1.0), to_model


def to_tensor(image: np.ndarray) -> np.ndarray:
    """``(28, 28)`` float in [0, 1] (white ink on black) → ``(1, 28, 28)`` float32, normalised
    with MNIST's mean and standard deviation (background ≈ −0.42, full ink ≈ 2.82)."""
    return ((image.astype(np.float32) - MNIST_MEAN) / MNIST_STD)[None]
