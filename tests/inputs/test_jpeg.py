"""Large photos (cam_core.inputs.jpeg, cam_core.inputs.read): a camera's baseline JPEG is decoded
at reduced
scale; a progressive one, or one with a scan per colour, keeps the 40 MP cap; markers are read as
libjpeg reads them."""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
import pytest
from conftest import png_declaring
from pictures import png_bytes
from PIL import Image

from cam_core.inputs import read
from cam_core.inputs.jpeg import is_sequential_interleaved_jpeg
from cam_core.inputs.prepare import InputError, prepare


def test_a_48_megapixel_phone_jpeg_is_read_at_reduced_scale():
    """Phones save 48–50 MP photos; JPEG decodes them at 1/4 scale (draft mode), so they are
    read, not refused, and cost a few megapixels of memory. Other formats keep the 40 MP cap."""
    page = np.full((6000, 8000), 235, np.uint8)
    cv2.line(page, (2600, 1500), (5200, 1500), 30, 160)
    cv2.line(page, (5200, 1500), (3600, 4500), 30, 160)  # a 7 in thick marker
    data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
    opened = read.open_image(data)
    assert opened.size == (2000, 1500)  # the smallest 1/2^k scale still ≥ 1024
    prepared = prepare(data)
    assert not prepared.blank and max(prepared.size) <= read.WORK_SIDE
    with pytest.raises(InputError,
                       match=r"too many pixels for the app \(it takes up to 40 megapixels\)"):
        prepare(png_declaring(8000, 6000))


def _jpeg_declaring(width: int, height: int, progressive: bool) -> bytes:
    """A small JPEG whose frame header claims ``width``×``height`` (the rest is truncated)."""
    data = bytearray(png_bytes(Image.new("L", (80, 60), 200), format="JPEG",
                               progressive=progressive))
    start = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")  # SOF2 / SOF0
    data[start + 5:start + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_a_progressive_jpeg_keeps_the_40_megapixel_cap():
    """Draft mode saves no memory on a progressive JPEG (libjpeg holds all its coefficients
    at full size), so a large one is refused like a PNG; a baseline one is drafted."""
    with pytest.raises(InputError, match=r"8000×6000|too many pixels"):
        prepare(_jpeg_declaring(8000, 6000, progressive=True))
    assert read.open_image(_jpeg_declaring(8000, 6000, progressive=False)).size == (
        2000, 1500)


def _grey_baseline_jpeg(width: int, height: int, interleaved: bool) -> bytes:
    """A valid baseline (SOF0) 3-component JPEG of flat grey, hand-encoded (ITU-T T.81):
    one scan with every component (as cameras save), or one scan per component (legal too)."""
    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15)  # a Huffman table with one 1-bit code
    data = (b"\xff\xd8" + segment(0xFFDB, b"\x00" + b"\x01" * 64)
            + segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 3)
                      + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3)))
            + segment(0xFFC4, b"\x00" + one_code + b"\x00")  # DC: difference 0
            + segment(0xFFC4, b"\x10" + one_code + b"\x00"))  # AC: end of block
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    scans = [(1, 2, 3)] if interleaved else [(1,), (2,), (3,)]
    for scan in scans:
        bits = 2 * len(scan) * blocks  # "0" for DC, "0" for EOB, per block
        header = bytes([len(scan)]) + b"".join(bytes([c, 0]) for c in scan) + b"\x00\x3f\x00"
        data += segment(0xFFDA, header) + b"\x00" * (bits // 8) + (b"\x03" if bits % 8 else b"")
    return data + b"\xff\xd9"


def test_a_jpeg_with_a_scan_per_colour_keeps_the_40_megapixel_cap():
    """Such a baseline JPEG makes libjpeg hold every coefficient at full size (a 144 MP one
    took 833 MB at 1/8 scale), like a progressive one: it is not drafted past the cap."""
    with pytest.raises(InputError, match="too many pixels"):
        prepare(_grey_baseline_jpeg(8000, 6000, interleaved=False))
    assert read.open_image(_grey_baseline_jpeg(8000, 6000, interleaved=True)).size == (
        2000, 1500)
    small = read.open_image(_grey_baseline_jpeg(800, 600, interleaved=False))
    assert small.size == (800, 600)  # under the cap it is read as usual


def test_jpeg_markers_are_read_as_libjpeg_reads_them():
    """The draft decision must see the file as the decoder will: junk bytes before a marker
    are skipped (a phone photo with them is still drafted), and a marker the camera would not
    write before its first scan (here a restart marker, which has no length, hiding a fake
    baseline header from a naive reader in a comment) sends the file to the 40 MP guard."""
    baseline = _jpeg_declaring(8000, 6000, progressive=False)
    tables = baseline.index(b"\xff\xdb")
    padded = baseline[:tables] + b"\x00\x00" + baseline[tables:]
    assert read.open_image(padded).size == (2000, 1500)

    progressive = _jpeg_declaring(8000, 6000, progressive=True)
    app0 = progressive[2:4 + struct.unpack(">H", progressive[4:6])[0]]
    landing = 4 + 0xFFE0  # where a reader taking FF D0 for a segment with a length lands
    fake = (b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 6000, 8000, 3)
            + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
            + b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
    comment = b"\x00" * (landing - (4 + len(app0) + 4)) + fake + b"\x00" * 8
    crafted = (b"\xff\xd8\xff\xd0" + app0 + b"\xff\xfe" + struct.pack(">H", len(comment) + 2)
               + comment + progressive[2 + len(app0):])
    with pytest.raises(InputError, match="too many pixels"):
        prepare(crafted)


def test_an_mpo_phone_photo_is_drafted_like_a_jpeg():
    """Many phones save MPO (a JPEG with extra frames): it is decoded at reduced scale too."""
    page = np.full((2000, 3000, 3), 230, np.uint8)
    cv2.line(page, (1000, 500), (2000, 500), (20, 20, 20), 80)
    cv2.line(page, (2000, 500), (1300, 1600), (20, 20, 20), 80)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, "MPO", save_all=True,
                               append_images=[Image.fromarray(page)])
    opened = read.open_image(buffer.getvalue())
    assert opened.format == "MPO" and opened.size == (1500, 1000)
    assert not prepare(buffer.getvalue()).blank


def test_the_marker_scan_tells_which_jpegs_may_be_drafted():
    assert is_sequential_interleaved_jpeg(_jpeg_declaring(8000, 6000, progressive=False))
    assert is_sequential_interleaved_jpeg(_grey_baseline_jpeg(80, 60, interleaved=True))
    assert not is_sequential_interleaved_jpeg(_jpeg_declaring(8000, 6000, progressive=True))
    assert not is_sequential_interleaved_jpeg(_grey_baseline_jpeg(80, 60, interleaved=False))
    assert not is_sequential_interleaved_jpeg(png_declaring(80, 60))
    assert not is_sequential_interleaved_jpeg(b"\xff\xd8" + b"\x00" * 10)  # no frame, no scan
