"""Small test pictures shared by the preprocessing tests: a drawn 7 and its encodings."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from cam_core.inputs.strokes import render_strokes

SEVEN = [np.array([[110, 80], [290, 80], [170, 330]], float)]


def seven_ink(canvas=(400, 400), shift=(0, 0), scale=1.0) -> np.ndarray:
    strokes = [s * scale + np.array(shift) for s in SEVEN]
    return render_strokes(strokes, canvas)


def dark_on_light(ink: np.ndarray) -> np.ndarray:
    return (255 - ink * 255).round().astype(np.uint8)


def png_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=params.pop("format", "PNG"), **params)
    return buffer.getvalue()


def png_data_url(ink: np.ndarray) -> str:
    """A drawing as a PNG ``data:`` URL: black strokes on a transparent canvas."""
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[:, :, 3] = (np.clip(ink, 0, 1) * 255).round().astype(np.uint8)
    return "data:image/png;base64," + base64.b64encode(png_bytes(Image.fromarray(rgba))).decode()
