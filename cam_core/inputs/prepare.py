"""Any drawing or photo → an MNIST-style 28×28 model input, with its canvas transform.

The path, one call a step (a 28×28 upload that already is an MNIST-format input,
:func:`mnist_like`, goes to the network as it is):

1. :func:`cam_core.inputs.read.read_input` — any input (pad, file, bytes, data URL, PIL image,
   array) read safely → a uint8 grey or RGBA picture, at most 1024 px on its longer side;
2. :func:`cam_core.inputs.ink.extract_ink` — which pixels are ink, 0–1; :mod:`cam_core.inputs.ink`
also
   refuses ink too small to read and thickens hairline strokes;
3. :func:`cam_core.inputs.fit.normalize_ink` — crop, fit into 20×20, centre of mass at (14, 14), as
   MNIST was made; :func:`cam_core.inputs.fit.to_tensor` normalises it with MNIST's mean and std;
4. :class:`Prepared`, which keeps the affine transform from the input's pixel frame to the
   28×28 frame so a CAM can be drawn back over the person's own drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from cam_core.errors import InputError
from cam_core.inputs.fit import BOX_LEVEL, CENTRE, FIT_SIZE, MODEL_SIZE, normalize_ink, to_tensor
from cam_core.inputs.ink import SOLID, extract_ink, ink_extent, thicken_thin_strokes, too_small
from cam_core.inputs.read import read_input
from cam_core.serve.catalog import Message

__all__ = ["BLANK_MESSAGE", "NO_DIGIT_MESSAGE", "TOO_SMALL_MESSAGE", "InputError", "Prepared",
           "mnist_like", "prepare", "prepare_from_model_input", "prepare_ink"]

# Sentences by their catalog keys (English as str; cam_core.serve says them in any language).
BLANK_MESSAGE = Message("inputs.blank")
# A picture was sent but holds no ink: "Draw a digit" would read as if nothing had arrived.
NO_DIGIT_MESSAGE = Message("inputs.no_digit")
TOO_SMALL_MESSAGE = Message("inputs.too_small")
# An upload that already is an MNIST-format 28×28 (see :func:`mnist_like`) goes in unchanged.
DARK, BRIGHT = 0.1, 0.5  # its median is dark paper; its brightest pixel is ink
MNIST_MIN_BOX = 14  # its ink's longer side, px (MNIST: 16–20 above BOX_LEVEL)
MNIST_CENTRE_TOLERANCE = 1.5  # px from (14, 14) (MNIST test: at most 0.7)


@dataclass(frozen=True)
class Prepared:
    """One input ready for the model.

    Attributes:
        tensor: ``(1, 28, 28)`` float32, the model input normalised with MNIST's mean and std
            (all background when ``blank``).
        model_input: ``(28, 28)`` uint8, white ink on black: what the model sees.
        to_model: ``(2, 3)`` float64 affine from the input's pixel frame (x right, y down,
            pixel centres at integers) to the 28×28 frame; when ``blank``, a plain scale by
            28 / the longer side.
        ink: ``(H, W)`` bool, which input pixels are ink.
        picture: ``(H, W, 3)`` uint8 RGB, the input as a person sees it (for the overlay).
        blank: True when there is no digit to classify (nothing drawn or a speck).
        message: a sentence for the person (a catalog ``Message``: English as ``str``, said
            in the reader's language by ``cam_core.serve``); empty when all went well.

    The input's pixel frame is that of the picture as read, except that photos larger than
    ``WORK_SIDE`` (1024) pixels on their longer side are first downscaled to it: ``ink``,
    ``picture`` (and so the CAM and overlay drawn from them) then have the downscaled size.
    """

    tensor: np.ndarray
    model_input: np.ndarray
    to_model: np.ndarray
    ink: np.ndarray
    picture: np.ndarray
    blank: bool
    message: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """``(height, width)`` of the input frame, pixels."""
        return self.ink.shape[0], self.ink.shape[1]


def _blank(ink: np.ndarray, picture: np.ndarray, message: Message = BLANK_MESSAGE) -> Prepared:
    """A :class:`Prepared` with nothing to classify: all-background input, ``message`` set."""
    empty = np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32)
    height, width = ink.shape
    scale = MODEL_SIZE / max(height, width)
    return Prepared(tensor=to_tensor(empty), model_input=empty.astype(np.uint8),
                    to_model=np.array([[scale, 0, 0], [0, scale, 0]]), ink=ink > SOLID,
                    picture=picture, blank=True, message=message)


def prepare(image: Any) -> Prepared:
    """Turn any supported input into a :class:`Prepared` model input.

    Args:
        image: ``None`` (nothing sent), a PIL image, a numpy array ``(H, W)``,
            ``(H, W, 3)`` or ``(H, W, 4)`` (uint8, uint16, bool or float), a file path, bytes
            or a base64 image ``data:`` URL (see :func:`cam_core.inputs.read.load_image`). The
            drawing pad's strokes go to :func:`prepare_ink` instead, rendered as in training.

    Returns:
        A :class:`Prepared`; ``blank`` with a message for nothing drawn, a blank page or a speck.

    Raises:
        InputError: the input cannot be read (damaged file, not an image, too large, wrong
            shape); its message is meant for the person.
    """
    array = read_input(image)  # uint8 (H, W) or (H, W, 4), at most WORK_SIDE
    if array is None:  # nothing drawn
        empty = np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32)
        return _blank(empty, np.full((MODEL_SIZE, MODEL_SIZE, 3), 255, np.uint8))
    already = mnist_like(array)
    if already is not None:  # an MNIST-format picture: re-fitting it would only blur it
        return prepare_from_model_input(already)
    ink, picture = extract_ink(array)  # (H, W) float32 in [0, 1], (H, W, 3) uint8
    prepared = prepare_ink(ink, picture)
    if prepared.blank and prepared.message == BLANK_MESSAGE:
        return replace(prepared, message=NO_DIGIT_MESSAGE)
    return prepared


def mnist_like(array: np.ndarray) -> np.ndarray | None:
    """The picture itself when it already is an MNIST-style model input, else None.

    MNIST-style (as :func:`cam_core.inputs.fit.normalize_ink` makes them, and as MNIST was
    made): 28×28, grey (or opaque RGBA with equal channels), light ink on a dark background
    (median ≤ ``DARK``, brightest pixel ≥ ``BRIGHT``), the ink's bounding box (level above
    ``BOX_LEVEL``) at most 20 px and at least ``MNIST_MIN_BOX`` px on its longer side, and its
    centre of mass within ``MNIST_CENTRE_TOLERANCE`` px of (14, 14). All 10,000 MNIST test
    digits qualify; a dark-on-light, off-centre, too large or too small 28×28 does not.

    Args: ``array``: uint8 ``(H, W)`` or ``(H, W, 4)``, as :func:`read_input` returns it.
    Returns: ``(28, 28)`` uint8 white ink on black, or None.
    """
    if array.shape[:2] != (MODEL_SIZE, MODEL_SIZE):
        return None
    if array.ndim == 3:
        rgb, alpha = array[..., :3], array[..., 3]
        if (alpha < 255).any() or (rgb != rgb[..., :1]).any():
            return None
        array = rgb[..., 0]
    grey = array.astype(np.float32) / 255.0
    if np.median(grey) > DARK or grey.max() < BRIGHT:
        return None
    ink = grey > BOX_LEVEL
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    longer = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    if not MNIST_MIN_BOX <= longer <= FIT_SIZE:
        return None
    ys, xs = np.mgrid[0:MODEL_SIZE, 0:MODEL_SIZE]
    mass = float(grey.sum())
    off = np.hypot((grey * xs).sum() / mass - CENTRE, (grey * ys).sum() / mass - CENTRE)
    return array.astype(np.uint8) if off <= MNIST_CENTRE_TOLERANCE else None


def prepare_ink(ink: np.ndarray, picture: np.ndarray | None = None) -> Prepared:
    """Ink ``(H, W)`` float32 in [0, 1] (1 = full ink) → :class:`Prepared`.

    Blank, with a message a person can act on, when there is no ink or it is too small to read
    (:func:`cam_core.inputs.ink.too_small`: a dot, dust, a dash, a blob). Strokes that would come
    out
    thinner than ``MIN_MODEL_STROKE`` px are thickened first.
    ``picture`` ``(H, W, 3)`` uint8 is what the person sees (the ink in black on white if None).
    """
    if picture is None:
        picture = np.dstack([(255 - ink * 255).astype(np.uint8)] * 3)
    solid = ink > SOLID  # (H, W) bool
    if not solid.any():
        return _blank(ink, picture)
    extent = ink_extent(solid)  # pixels
    if too_small(solid, extent):
        return _blank(ink, picture, TOO_SMALL_MESSAGE)
    normalised = normalize_ink(thicken_thin_strokes(ink, solid, extent))
    if normalised is None:
        return _blank(ink, picture)
    image, to_model = normalised  # (28, 28) float32 in [0, 1], (2, 3) float64
    return Prepared(tensor=to_tensor(image), model_input=(image * 255).round().astype(np.uint8),
                    to_model=to_model, ink=solid, picture=picture, blank=False)


def prepare_from_model_input(image: np.ndarray) -> Prepared:
    """A 28×28 uint8 model input (white ink on black) used as is, without re-normalising.

    For experiments that edit what the model sees (erasing evidence): re-centring the edited
    image would move the remaining ink and change the experiment. Never ``blank``: the model
    is run on whatever is left, faint or even all black, because that is the measurement (a
    blank result would report probabilities of 0 that the network never gave).

    Raises: InputError when ``image`` is not ``(28, 28)``.
    """
    if image.shape != (MODEL_SIZE, MODEL_SIZE):
        raise InputError(key="inputs.model_input_size", shape=image.shape)
    unit = image.astype(np.float32) / 255.0
    return Prepared(tensor=to_tensor(unit), model_input=image.astype(np.uint8),
                    to_model=np.array([[1.0, 0, 0], [0, 1.0, 0]]), ink=unit > SOLID,
                    picture=np.dstack([255 - image.astype(np.uint8)] * 3), blank=False)
