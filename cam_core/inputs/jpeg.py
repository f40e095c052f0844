"""Which JPEGs may be decoded at reduced scale, read from their markers before any decoding.

libjpeg decodes a sequential JPEG whose first scan carries every colour (as cameras and phones
save them) at 1/2–1/8 scale in a few rows of memory (Pillow's draft mode), so a 48–200 MP
photo costs a few megapixels. A progressive JPEG, or a sequential one with a scan per colour,
makes it keep every DCT coefficient of the full-size image whatever the scale: such files must
meet the ordinary pixel limit. :func:`open_header` tells the two apart for
:mod:`cam_core.inputs.read`.
"""

from __future__ import annotations

import io
import re
import struct

from PIL import Image, JpegImagePlugin

_NEXT_MARKER = re.compile(rb"[^\xff]*\xff+")  # junk bytes, then a marker's 0xFF (and fill)
_SOI = b"\xff\xd8"  # start of image
_SOF_SEQUENTIAL = (0xC0, 0xC1)  # frame headers: baseline, extended sequential (Huffman)
_SOS = 0xDA  # start of scan
# Segments a camera writes before its first scan: APP0–APP15, COM, DQT, DHT, DRI.
_BEFORE_SCAN = frozenset(range(0xE0, 0xF0)) | {0xFE, 0xDB, 0xC4, 0xDD}


def open_header(handle: io.BytesIO) -> tuple[Image.Image, bool]:
    """Parse the image's header, decoding no pixels yet.

    Args:
        handle: the whole file's bytes, positioned at 0.

    Returns:
        ``(image, draftable)``: the opened, not yet loaded image and whether decoding it at
        reduced scale (draft mode) saves memory. Such a JPEG (or MPO, the JPEG with extra
        frames many phones save) is opened by its plugin directly: ``Image.open`` refuses
        anything over Pillow's pixel guard before draft mode could reduce it. Every other image
        meets that guard (set by :func:`cam_core.inputs.read.pillow_pixel_limit`).

    Raises:
        Whatever ``Image.open`` raises for a file it cannot read (``UnidentifiedImageError``,
        ``DecompressionBombError``, ``OSError``, ...); the caller turns them into messages.
    """
    with handle.getbuffer() as data:
        draftable = is_sequential_interleaved_jpeg(data)
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


def is_sequential_interleaved_jpeg(data: memoryview | bytes) -> bool:
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
    if bytes(data[:2]) != _SOI:
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
        if marker in _SOF_SEQUENTIAL:  # Nf, the frame's component count: marker + 8
            components = data[position + 8] if position + 8 < len(data) else None
        elif marker == _SOS:  # the first scan header; Ns, its component count: marker + 3
            return components is not None and data[position + 3] == components
        elif marker not in _BEFORE_SCAN:
            return False  # progressive, lossless, arithmetic-coded, or odd
        position += 1 + int.from_bytes(data[position + 1:position + 3], "big")  # its length
