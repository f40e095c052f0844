"""Untrusted input → a uint8 picture, safely: files, bytes, ``data:`` URLs, PIL images, arrays.

Everything a person sends is read here and nowhere else, with its limits: no image over
``MAX_PIXELS`` is decoded (decompression bombs), a camera's baseline JPEG is decoded at reduced
scale (draft mode) so a 48–200 MP photo costs a few megapixels, EXIF orientation is applied,
and 16-bit images are rescaled. (The drawing pad sends strokes, read by
:func:`cam_core.inputs.strokes.parse_drawing`, never a picture or a path.)
Every failure is an :class:`~cam_core.errors.InputError` whose message a person can act on.

Nothing here changes Pillow's settings at import: its pixel guard is set only while this module
opens a file (:func:`pillow_pixel_limit`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import math
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from cam_core.errors import InputError
from cam_core.inputs.jpeg import open_header

MAX_PIXELS = 40_000_000  # refuse larger images before decoding them (decompression bombs)
# Baseline JPEGs are decoded at 1/2–1/8 scale when that still leaves WORK_SIDE (libjpeg's DCT
# scaling, Pillow's draft mode), so a phone's 48–200 MP photo costs a few megapixels of memory;
# the decoded size is then held to MAX_PIXELS like any other image. Progressive JPEGs, and
# those with one scan per colour, are not: libjpeg keeps every coefficient of the full-size
# image while it decodes them, at any scale (see cam_core.inputs.jpeg).
MAX_JPEG_PIXELS = 256_000_000
MAX_DATA_URL = 14_000_000  # data URLs: the app's 10 MB upload limit, as base64
WORK_SIDE = 1024  # photos are downscaled to at most this side before any processing
# Plain words for a student: the larger limit for a camera's JPEG (draft mode) stays unsaid.
_MEGAPIXELS = MAX_PIXELS // 1_000_000

_limit_lock = threading.Lock()
_limit_users = 0  # reads in progress, all threads; the guard is restored when the last ends
_limit_saved: int | None = None  # Pillow's value before the first of them


@contextlib.contextmanager
def pillow_pixel_limit() -> Iterator[None]:
    """Hold Pillow's decompression-bomb guard at ``MAX_PIXELS`` while the block runs.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and raises ``DecompressionBombError`` above
    twice that; it checks inside ``Image.open`` and while decoding images inside images (an
    ICO's embedded PNG, a GIF's frames), where no check of ours can run first. So the guard is
    set to ``MAX_PIXELS // 2`` during a read, or kept when the process set a stricter one.

    The guard is one process-wide value and requests are read on many threads: the first read
    to start sets it, the last to end restores what it was, so no read runs unguarded and the
    process keeps its own setting once no read is in progress. (A change another library makes
    to the guard while a read is in progress is undone when the reads end.)
    """
    global _limit_users, _limit_saved
    with _limit_lock:
        if _limit_users == 0:
            _limit_saved = Image.MAX_IMAGE_PIXELS
            limit = MAX_PIXELS // 2
            Image.MAX_IMAGE_PIXELS = limit if _limit_saved is None else min(_limit_saved, limit)
        _limit_users += 1
    try:
        yield
    finally:
        with _limit_lock:
            _limit_users -= 1
            if _limit_users == 0:
                Image.MAX_IMAGE_PIXELS = _limit_saved


def open_image(source: str | os.PathLike | bytes) -> Image.Image:
    """Open and decode an image file or its bytes within the size limits.

    Returns a loaded PIL image (the first frame of an animation; a large baseline JPEG at the
    smallest 1/2^k scale whose longer side is still at least ``WORK_SIDE``).

    Raises:
        InputError: unreadable, not an image, damaged or truncated, or too large.
    """
    try:  # read the bytes first so no file handle outlives the call
        handle = io.BytesIO(source if isinstance(source, bytes | bytearray)
                            else Path(source).read_bytes())
    except OSError as error:
        raise InputError(key="inputs.cannot_open", source=str(source),
                         reason=error.strerror) from error
    try:
        # No warnings filter for Pillow's bomb warning: it is process-global (not thread-safe
        # under concurrent requests), and the size check below refuses such images first.
        with pillow_pixel_limit():
            image, draftable = open_header(handle)
            width, height = image.size  # read from the header, before decoding
            if draftable and width * height <= MAX_JPEG_PIXELS:
                scale = WORK_SIDE / max(width, height)
                if scale < 0.5:  # decode at the smallest 1/2^k scale still ≥ WORK_SIDE
                    image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
                    width, height = image.size
            if width * height > MAX_PIXELS:
                raise InputError(key="inputs.too_many_pixels_sized", width=width,
                                 height=height, megapixels=_MEGAPIXELS)
            if getattr(image, "is_animated", False):
                image = next(ImageSequence.Iterator(image))  # first frame of a GIF/APNG
            image.load()
        return image
    except InputError:
        raise
    except Image.DecompressionBombError as error:
        raise InputError(key="inputs.too_many_pixels", megapixels=_MEGAPIXELS) from error
    except UnidentifiedImageError as error:
        raise InputError(key="inputs.not_a_picture") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError(key="inputs.damaged_file") from error


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
    return np.asarray(image.convert("RGBA"))  # RGB(A), P, PA, LA, CMYK, YCbCr, …


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Rescale any numeric array to uint8 0–255 by its dtype's natural range: bool ×255,
    integers above 255 from 0–65535, floats from [0, 1] or [0, 255] (NaN and ±inf as 0)."""
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
    ``data:`` URLs (:func:`data_url_bytes`). EXIF orientation is applied, 16-bit images are
    rescaled (not clipped), animated images give their first frame.

    Raises:
        InputError: unreadable, damaged, too large, or of an unsupported shape.
    """
    if isinstance(source, str) and source[:5].lower() == "data:":
        return _pil_to_array(open_image(data_url_bytes(source)))
    if isinstance(source, str | os.PathLike | bytes | bytearray):
        if isinstance(source, str | os.PathLike) and not _is_file(source):
            raise InputError(key="inputs.no_file", path=str(source)[:200])
        return _pil_to_array(open_image(source))
    if isinstance(source, Image.Image):
        width, height = source.size
        if width * height > MAX_PIXELS:
            raise InputError(key="inputs.image_too_large", width=width, height=height)
        return _pil_to_array(source)
    if isinstance(source, np.ndarray):
        array = _to_uint8(source)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim == 3 and array.shape[2] == 3:
            array = np.dstack([array, np.full(array.shape[:2], 255, np.uint8)])
        if array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 4):
            if array.size == 0:
                raise InputError(key="inputs.empty_image")
            return np.ascontiguousarray(array)
        raise InputError(key="inputs.array_shape", shape=source.shape)
    raise InputError(key="inputs.unknown_type", kind=type(source).__name__)


def _is_file(path: str | os.PathLike) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def data_url_bytes(url: str, max_chars: int = MAX_DATA_URL) -> bytes:
    """The bytes of a ``data:image/…;base64,…`` URL (prefix in any case; line breaks in the
    base64, as MIME wraps it, are allowed).

    Args:
        url: the data URL.
        max_chars: longest base64 part accepted, characters.

    Raises:
        InputError: not a base64 image data URL, too long, or damaged; the message is for
            the person.
    """
    header, _, payload = url.strip().partition(",")
    header = header.lower()
    if not (header.startswith("data:image/") and header.endswith(";base64")):
        raise InputError(key="inputs.data_url_form")
    too_large = InputError(key="inputs.data_url_too_large", limit=max_chars)
    if len(payload) > max_chars * 1.1:  # room for line breaks, checked exactly below
        raise too_large
    try:
        compact = payload.encode("ascii").translate(None, b" \t\r\n")  # not one copy per line
    except UnicodeEncodeError as error:
        raise InputError(key="inputs.data_url_damaged") from error
    if len(compact) > max_chars:
        raise too_large
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InputError(key="inputs.data_url_damaged") from error


def _downscale(array: np.ndarray, max_side: int = WORK_SIDE) -> np.ndarray:
    """Shrink (area-averaged) so the longer side is at most ``max_side``; smaller unchanged."""
    height, width = array.shape[:2]
    if max(height, width) <= max_side:
        return array
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # cv2: (w, h)
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def read_input(source: Any) -> np.ndarray | None:
    """Any input ``prepare`` accepts → the picture to find ink in, None when nothing is drawn.

    Args:
        source: ``None`` (nothing sent), or anything :func:`load_image` reads.

    Returns:
        uint8 grey ``(H, W)`` or RGBA ``(H, W, 4)``, downscaled to at most ``WORK_SIDE``
        (1024) pixels on its longer side; None for ``None``.

    Raises:
        InputError: unreadable, damaged, too large, or of an unsupported shape.
    """
    if source is None:
        return None
    return _downscale(load_image(source))
