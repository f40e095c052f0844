"""Any drawing or photo → an MNIST-style 28×28 model input, with its canvas transform.

MNIST digits are white ink on black, fitted into a 20×20 box keeping the aspect ratio,
anti-aliased, and placed in a 28×28 field with the centre of mass at the centre (LeCun et al.,
"Gradient-based learning applied to document recognition", 1998, and the MNIST page). A drawing
that is not normalised the same way is misread, so this module is the one place that does it:
the app, the CLI, the evaluation *and* the training augmentation all call :func:`normalize_ink`.

The path: :func:`load_image` (any input → RGBA/grey array) → :func:`extract_ink` (which pixels
are ink, 0–1) → :func:`normalize_ink` (crop, fit, centre) → :class:`Prepared`, which keeps the
affine transform from the input's pixel frame to the 28×28 frame so a CAM can be drawn back over
the person's own drawing.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import math
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin, UnidentifiedImageError

from .errors import InputError
from .fit import MODEL_SIZE, normalize_ink, to_tensor
from .ink import SOLID, extract_ink, ink_extent, thicken_thin_strokes, too_small

MAX_PIXELS = 40_000_000  # refuse larger images before decoding them (decompression bombs)
# Baseline JPEGs are decoded at 1/2–1/8 scale when that still leaves WORK_SIDE (libjpeg's DCT
# scaling, Pillow's draft mode), so a phone's 48–200 MP photo costs a few megapixels of memory;
# the decoded size is then held to MAX_PIXELS like any other image. Progressive JPEGs, and
# those with one scan per colour, are not: libjpeg keeps every coefficient of the full-size
# image while it decodes them, at any scale (see _is_sequential_interleaved_jpeg).
MAX_JPEG_PIXELS = 256_000_000
MAX_PAD_URL = 2_000_000  # the pad's 400×400 PNG is 5–30 KB; far more is not from the pad
MAX_DATA_URL = 14_000_000  # other data URLs: the app's 10 MB upload limit, as base64
WORK_SIDE = 1024  # photos are downscaled to at most this side before any processing
_SIZE_LIMITS = (f"at most {MAX_PIXELS // 1_000_000} megapixels; a JPEG as cameras save it "
                f"(baseline) up to {MAX_JPEG_PIXELS // 1_000_000}")
BLANK_MESSAGE = "Draw a digit (or upload a photo of one) to see what the network sees."

# Pillow warns above this and raises DecompressionBombError above 2× this = MAX_PIXELS: the
# guard for decoders that open images inside images (an ICO's embedded PNG) and for Pillow used
# by libraries (Gradio). _open_pil refuses too-large images first, with a message that says
# their size, and opens baseline JPEGs past this guard so that they can be drafted.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2


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
        message: a sentence for the person; empty when all went well.

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


# ----------------------------------------------------------------------------- reading


def _open_pil(source: str | os.PathLike | bytes) -> Image.Image:
    try:  # read the bytes first so no file handle outlives the call
        handle = io.BytesIO(source if isinstance(source, bytes | bytearray)
                            else Path(source).read_bytes())
    except OSError as error:
        raise InputError(f"Could not open {source!s}: {error.strerror}.") from error
    try:
        # No warnings filter for Pillow's bomb warning: it is process-global (not thread-safe
        # under concurrent requests), and the size check below refuses such images first.
        image, draftable = _open_header(handle)
        width, height = image.size  # read from the header, before decoding
        if draftable and width * height <= MAX_JPEG_PIXELS:
            scale = WORK_SIDE / max(width, height)
            if scale < 0.5:  # decode at the smallest 1/2^k scale still ≥ WORK_SIDE
                image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
                width, height = image.size
        if width * height > MAX_PIXELS:
            raise InputError(
                f"The image is {width}×{height} pixels, too large to read safely "
                f"({_SIZE_LIMITS}). Send a smaller photo.")
        if getattr(image, "is_animated", False):
            image = next(ImageSequence.Iterator(image))  # first frame of a GIF/APNG
        image.load()
        return image
    except InputError:
        raise
    except Image.DecompressionBombError as error:
        raise InputError(f"The image declares too many pixels to read safely "
                         f"({_SIZE_LIMITS}). Send a smaller photo.") from error
    except UnidentifiedImageError as error:
        raise InputError("That file is not an image Pillow can read. Send a PNG or JPEG "
                         "of a digit.") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError(f"The image file is damaged or truncated ({error}). "
                         "Save it again and re-send it.") from error


def _open_header(handle: io.BytesIO) -> tuple[Image.Image, bool]:
    """Parse the image's header, decoding no pixels yet.

    Returns the image and whether decoding it at reduced scale (draft mode) saves memory. Such
    a JPEG (or MPO, the JPEG with extra frames many phones save) is opened by its plugin
    directly: ``Image.open`` refuses anything over the global MAX_PIXELS guard before draft
    mode could reduce it. Every other image meets that guard.
    """
    with handle.getbuffer() as data:
        draftable = _is_sequential_interleaved_jpeg(data)
    if draftable:
        try:
            image = JpegImagePlugin.jpeg_factory(handle)
        except (SyntaxError, IndexError, TypeError, ValueError, OSError, struct.error):
            image = None  # a damaged header: Image.open below reports it as usual
        # Pillow's own reading of the header must agree (a second guard on progressive).
        if image is not None and not (image.info.get("progressive")
                                      or image.info.get("progression")):
            return image, True
        handle.seek(0)
    return Image.open(handle), False


_NEXT_MARKER = re.compile(rb"[^\xff]*\xff+")  # junk bytes, then a marker's 0xFF (and fill)


def _is_sequential_interleaved_jpeg(data: memoryview) -> bool:
    """Whether ``data`` is a sequential (baseline or extended) JPEG whose first scan carries
    every colour component of the frame.

    Only then does libjpeg decode at reduced scale in a few rows of memory. A progressive
    JPEG, or a sequential one with a scan per component, makes it keep every DCT coefficient
    of the full-size image (2 bytes per pixel per component) whatever the scale. Markers are
    read as libjpeg reads them (bytes before a marker skipped, as ``next_marker`` does); layout
    from ITU-T T.81, B.1.1.2 (markers), B.2.2 (frame header: Nf at byte 9), B.2.3 (scan header:
    Ns at byte 4). Only the segments a camera writes before its first scan are accepted;
    anything else answers False (the safe side: the image then meets the 40 MP guard).
    """
    if bytes(data[:2]) != b"\xff\xd8":  # start of image
        return False
    position, components = 2, None
    while True:
        found = _NEXT_MARKER.match(data, position)  # at C speed: a 10 MB upload is all junk
        if found is None or found.end() + 3 > len(data):
            return False
        position = found.end()
        marker = data[position]
        if marker == 0x00:  # a stuffed zero: junk too
            continue
        if marker in (0xC0, 0xC1):  # sequential DCT frame header
            components = data[position + 8] if position + 8 < len(data) else None
        elif marker == 0xDA:  # the first scan header
            return components is not None and data[position + 3] == components
        elif not (0xE0 <= marker <= 0xEF or marker in (0xFE, 0xDB, 0xC4, 0xDD)):
            return False  # not APPn, COM, DQT, DHT or DRI: progressive, lossless, odd
        position += 1 + int.from_bytes(data[position + 1:position + 3], "big")


def _pil_to_array(image: Image.Image) -> np.ndarray:
    """PIL image (any mode) → uint8 array (H, W) grey or (H, W, 4) RGBA, EXIF-upright."""
    # Damaged EXIF metadata: read the pixels as stored rather than refuse the photo.
    with contextlib.suppress(SyntaxError, ValueError, OSError, KeyError, TypeError):
        image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return _to_uint8(np.asarray(image))  # 16-bit grey: rescale, not clip
    if image.mode == "F":
        return _to_uint8(np.asarray(image, dtype=np.float32))
    if image.mode in ("L", "1"):
        return np.asarray(image.convert("L"))
    if image.mode == "LA" or "transparency" in image.info or image.mode in ("RGBA", "PA", "P"):
        return np.asarray(image.convert("RGBA"))
    return np.asarray(image.convert("RGBA"))  # RGB, CMYK, YCbCr, …


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Rescale any numeric array to uint8 0–255 by its dtype's natural range."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer):
        top = 65535 if array.max(initial=0) > 255 else 255
        return np.clip(array.astype(np.float64) * (255.0 / top), 0, 255).round().astype(np.uint8)
    values = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = 255.0 if values.max(initial=0.0) > 1.0 else 1.0  # floats: [0, 1] or [0, 255]
    return np.clip(values * (255.0 / top), 0, 255).round().astype(np.uint8)


def load_image(source: Any) -> np.ndarray:
    """Read any supported input into a uint8 array, grey ``(H, W)`` or RGBA ``(H, W, 4)``.

    Accepts PIL images, numpy arrays ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` in uint8,
    uint16, bool or float (``[0, 1]`` or ``[0, 255]``), file paths, bytes and base64 image
    ``data:`` URLs (:func:`data_url_bytes`; the drawing pad's value goes through
    :func:`pad_drawing` first). EXIF orientation
    is applied, 16-bit images are rescaled (not clipped), animated images give their first frame.

    Raises:
        InputError: unreadable, damaged, too large, or of an unsupported shape.
    """
    if isinstance(source, str) and source[:5].lower() == "data:":
        return _pil_to_array(_open_pil(data_url_bytes(source)))
    if isinstance(source, str | os.PathLike | bytes | bytearray):
        if isinstance(source, str | os.PathLike) and not _is_file(source):
            raise InputError(f"No file at {str(source)[:200]}.")
        return _pil_to_array(_open_pil(source))
    if isinstance(source, Image.Image):
        width, height = source.size
        if width * height > MAX_PIXELS:
            raise InputError(f"The image is {width}×{height} pixels, too large to process.")
        return _pil_to_array(source)
    if isinstance(source, np.ndarray):
        array = _to_uint8(source)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim == 3 and array.shape[2] == 3:
            array = np.dstack([array, np.full(array.shape[:2], 255, np.uint8)])
        if array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 4):
            if array.size == 0:
                raise InputError("The image is empty (0 pixels).")
            return np.ascontiguousarray(array)
        raise InputError(f"An image array must be (H, W), (H, W, 3) or (H, W, 4); "
                         f"got shape {source.shape}.")
    raise InputError(f"Cannot read a {type(source).__name__} as an image; send a PNG or JPEG "
                     "file, a PIL image or a numpy array.")


def _is_file(path: str | os.PathLike) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def pad_drawing(value: Any) -> bytes | None:
    """The app's drawing pad value → the PNG's bytes (for :func:`prepare`), None when empty.

    The pad sends ``""`` (empty) or a ``data:image/png;base64,…`` URL (prefix in any case) of
    at most ``MAX_PAD_URL`` characters. Anything else is refused: the value comes from the
    browser, and a plain string must never be taken for a file path on the server.

    Raises:
        InputError: not an image data URL, too long, or damaged; the message is for the person.
    """
    if value is None or value == "":
        return None
    url = value.strip() if isinstance(value, str) else ""
    if url[:5].lower() != "data:":
        raise InputError("The drawing pad sent something that is not a drawing; reload the "
                         "page and draw again.")
    return data_url_bytes(url, MAX_PAD_URL, "drawing")


def data_url_bytes(url: str, max_chars: int = MAX_DATA_URL, name: str = "image") -> bytes:
    """The bytes of a ``data:image/…;base64,…`` URL (prefix in any case; line breaks in the
    base64, as MIME wraps it, are allowed).

    Args:
        url: the data URL.
        max_chars: longest base64 part accepted, characters.
        name: what the messages call it ("image", "drawing").

    Raises:
        InputError: not a base64 image data URL, too long, or damaged; the message is for
            the person.
    """
    header, _, payload = url.strip().partition(",")
    header = header.lower()
    if not (header.startswith("data:image/") and header.endswith(";base64")):
        raise InputError(f"The {name} arrived in a form this app cannot read (expected a "
                         "base64 image data URL); send it again.")
    too_large = InputError(f"The {name} is too large to process (over {max_chars:,} "
                           "base64 characters).")
    if len(payload) > max_chars * 1.1:  # room for line breaks, checked exactly below
        raise too_large
    damaged = f"The {name} arrived damaged (bad base64); send it again."
    try:
        compact = payload.encode("ascii").translate(None, b" \t\r\n")  # not one copy per line
    except UnicodeEncodeError as error:
        raise InputError(damaged) from error
    if len(compact) > max_chars:
        raise too_large
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InputError(damaged) from error


# ----------------------------------------------------------------------------- ink


def _downscale(array: np.ndarray, max_side: int = WORK_SIDE) -> np.ndarray:
    height, width = array.shape[:2]
    if max(height, width) <= max_side:
        return array
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def _blank(ink: np.ndarray, picture: np.ndarray, message: str = BLANK_MESSAGE) -> Prepared:
    empty = np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32)
    height, width = ink.shape
    scale = MODEL_SIZE / max(height, width)
    return Prepared(tensor=to_tensor(empty), model_input=empty.astype(np.uint8),
                    to_model=np.array([[scale, 0, 0], [0, scale, 0]]), ink=ink > SOLID,
                    picture=picture, blank=True, message=message)


def prepare_ink(ink: np.ndarray, picture: np.ndarray | None = None) -> Prepared:
    """Ink ``(H, W)`` float32 in [0, 1] (1 = full ink) → :class:`Prepared`.

    Blank, with a message a person can act on, when there is no ink or it is too small to read
    (:func:`cam_core.ink.too_small`: a dot, dust, a dash, a blob).
    Strokes that would come out thinner than ``MIN_MODEL_STROKE`` px are thickened first.
    ``picture`` ``(H, W, 3)`` uint8 is what the person sees (the ink in black on white if None).
    """
    if picture is None:
        picture = np.dstack([(255 - ink * 255).astype(np.uint8)] * 3)
    solid = ink > SOLID
    if not solid.any():
        return _blank(ink, picture)
    extent = ink_extent(solid)
    if too_small(solid, extent):
        return _blank(ink, picture, "That is too small to read: draw the digit larger, "
                                    "filling most of the box, or crop the photo to the digit.")
    normalised = normalize_ink(thicken_thin_strokes(ink, solid, extent))
    if normalised is None:
        return _blank(ink, picture)
    image, to_model = normalised
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
        raise InputError(f"A model input must be 28×28, got {image.shape}.")
    unit = image.astype(np.float32) / 255.0
    return Prepared(tensor=to_tensor(unit), model_input=image.astype(np.uint8),
                    to_model=np.array([[1.0, 0, 0], [0, 1.0, 0]]), ink=unit > SOLID,
                    picture=np.dstack([255 - image.astype(np.uint8)] * 3), blank=False)


def _from_editor(value: dict) -> np.ndarray | None:
    """Gradio Sketchpad/ImageEditor value → RGBA array of the drawing, or None if empty."""
    layers = [layer for layer in (value.get("layers") or []) if layer is not None]
    if layers:
        arrays = [load_image(layer) for layer in layers]
        arrays = [a if a.ndim == 3 else np.dstack([a] * 3 + [np.full(a.shape, 255, np.uint8)])
                  for a in arrays]
        drawn = arrays[0].astype(np.float32)
        for layer in arrays[1:]:  # alpha-composite the layers, top last
            alpha = layer[:, :, 3:4].astype(np.float32) / 255.0
            drawn[:, :, :3] = layer[:, :, :3] * alpha + drawn[:, :, :3] * (1 - alpha)
            drawn[:, :, 3:4] = 255 * (alpha + drawn[:, :, 3:4] / 255.0 * (1 - alpha))
        if drawn[:, :, 3].max() > 0:
            return drawn.round().astype(np.uint8)
    # No strokes in the layers: an example was loaded, or only a background was given.
    for key in ("composite", "background"):
        if value.get(key) is not None:
            return load_image(value[key])
    return None


def prepare(image: Any) -> Prepared:
    """Turn any supported input into a :class:`Prepared` model input.

    Args:
        image: a Gradio Sketchpad/ImageEditor value (dict with ``background``, ``layers``,
            ``composite``; ``None`` after Clear), a PIL image, a numpy array ``(H, W)``,
            ``(H, W, 3)`` or ``(H, W, 4)`` (uint8, uint16, bool or float), a file path or bytes.

    Returns:
        A :class:`Prepared`; ``blank`` with a message for nothing drawn, a blank page or a speck.

    Raises:
        InputError: the input cannot be read (damaged file, not an image, too large, wrong
            shape); its message is meant for the person.
    """
    if image is None:
        empty = np.zeros((MODEL_SIZE, MODEL_SIZE), np.float32)
        return _blank(empty, np.full((MODEL_SIZE, MODEL_SIZE, 3), 255, np.uint8))
    if isinstance(image, dict):
        array = _from_editor(image)
        if array is None:
            return prepare(None)
    else:
        array = load_image(image)
    array = _downscale(array)
    ink, picture = extract_ink(array)
    return prepare_ink(ink, picture)
