"""Reading untrusted input (cam_core.inputs.read): every kind of input and every bad input has its
right
outcome; no decompression bomb is decoded; Pillow's settings are left as found."""

from __future__ import annotations

import base64
import io
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import ROOT, png_declaring
from pictures import dark_on_light, png_bytes, png_data_url, seven_ink
from PIL import Image

from cam_core.inputs import read
from cam_core.inputs.prepare import InputError, prepare


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64, bool])
def test_array_dtypes(dtype):
    ink = seven_ink() > 0.5
    if dtype is bool:
        array = ink
    elif dtype is np.uint16:
        array = (ink * 65535).astype(np.uint16)
    elif dtype is np.uint8:
        array = (ink * 255).astype(np.uint8)
    else:
        array = ink.astype(dtype)
    assert not prepare(array).blank


@pytest.mark.parametrize("channels", [3, 4])
def test_array_channels(channels):
    grey = dark_on_light(seven_ink())
    array = np.dstack([grey] * channels)
    if channels == 4:
        array[:, :, 3] = 255
    assert not prepare(array).blank


def test_a_picture_as_a_data_url_and_damaged_data_urls():
    """A base64 image ``data:`` URL is read like the file it holds; anything else in that
    form gets a sentence, never a traceback."""
    ink = seven_ink(shift=(20, -10))
    from_url = prepare(png_data_url(ink))
    from_array = prepare(dark_on_light(ink))
    assert not from_url.blank
    assert np.abs(from_url.model_input.astype(int) - from_array.model_input).mean() < 4
    assert prepare(png_data_url(np.zeros((400, 400), np.float32))).blank
    assert not prepare("DATA:IMAGE/PNG;BASE64," + png_data_url(ink).split(",", 1)[1]).blank
    with pytest.raises(InputError, match="cannot read"):
        prepare("data:text/html;base64,PGI+aGk8L2I+")
    with pytest.raises(InputError, match="damaged"):
        prepare("data:image/png;base64,not*base64!")
    with pytest.raises(InputError, match="not a picture"):
        prepare("data:image/png;base64," + base64.b64encode(b"hello").decode())
    with pytest.raises(InputError, match="too large"):
        prepare("data:image/png;base64," + "A" * (read.MAX_DATA_URL + 4))


def test_what_is_no_picture_gets_a_sentence():
    """A Sketchpad-style dict, a number: refused with a sentence (the pad sends strokes, read
    by cam_core.inputs.strokes). A name too long for the file system is "no file", not an
    OSError."""
    for value in ({"background": None, "layers": [], "composite": None}, 42):
        with pytest.raises(InputError, match="Cannot read a"):
            prepare(value)
    with pytest.raises(InputError, match="No file"):
        prepare("y" * 5000)


def test_pil_path_and_bytes(tmp_path):
    image = Image.fromarray(dark_on_light(seven_ink()))
    path = tmp_path / "seven.png"
    image.save(path)
    for source in (image, str(path), path, path.read_bytes()):
        assert not prepare(source).blank


def test_16_bit_png_is_scaled_not_clipped():
    ink = seven_ink()
    grey16 = (20000 + (1 - ink) * 40000).astype(np.uint16)  # dark ink on light, all > 255
    data = png_bytes(Image.fromarray(grey16))
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    array = read.load_image(data)
    assert array.dtype == np.uint8 and array.max() < 255 and array.min() > 50  # scaled
    prepared = prepare(data)
    assert not prepared.blank
    assert np.corrcoef(prepared.model_input.ravel(),
                       prepare(dark_on_light(ink)).model_input.ravel())[0, 1] > 0.9


def test_palette_png_with_transparent_index():
    ink = seven_ink() > 0.5
    indexed = Image.fromarray(ink.astype(np.uint8), mode="L").convert("P")
    indexed.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    data = png_bytes(indexed, transparency=0)  # index 0 (background) transparent
    prepared = prepare(data)
    assert not prepared.blank
    assert prepared.ink.mean() == pytest.approx(ink.mean(), abs=0.02)


def test_cmyk_jpeg():
    rgb = Image.fromarray(dark_on_light(seven_ink())).convert("RGB")
    data = png_bytes(rgb.convert("CMYK"), format="JPEG", quality=95)
    assert not prepare(data).blank


def test_jpeg_with_exif_orientation_6_is_turned_upright():
    upright = Image.fromarray(dark_on_light(seven_ink(canvas=(400, 300))))  # 300 wide
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = png_bytes(stored.convert("RGB"), format="JPEG", quality=95, exif=exif)
    prepared = prepare(data)
    assert prepared.size == (400, 300)
    reference = prepare(np.asarray(upright))
    assert np.corrcoef(prepared.model_input.ravel(), reference.model_input.ravel())[0, 1] > 0.9


def test_decompression_bomb_refused_before_decoding():
    with pytest.raises(InputError, match=r"too large|too many pixels"):
        prepare(png_declaring(20000, 20000))


def test_data_urls_read_mime_line_breaks_and_say_what_is_wrong():
    photo = png_bytes(Image.fromarray(dark_on_light(seven_ink())))
    encoded = base64.b64encode(photo).decode()
    wrapped = "data:image/png;base64," + "\r\n".join(
        encoded[i:i + 76] for i in range(0, len(encoded), 76))
    assert read.data_url_bytes(wrapped, max_chars=len(encoded)) == photo  # breaks free
    with pytest.raises(InputError, match="too large"):
        read.data_url_bytes(wrapped, max_chars=len(encoded) - 4)
    with pytest.raises(InputError, match="bad base64"):
        read.data_url_bytes("data:image/png;base64,iVBORw0K\u00e9GgoA")
    with pytest.raises(InputError, match="cannot read"):
        read.data_url_bytes("data:text/plain;base64,aGVsbG8=")
    assert not prepare(wrapped).blank  # prepare takes data URLs as they come


def test_an_image_inside_an_image_is_held_to_the_cap():
    """An ICO's size says 256×256 but its embedded PNG may declare 48 MP: Pillow decodes that
    inside ``Image.open``, where only Pillow's own guard (set to MAX_PIXELS) can refuse it."""
    png = png_declaring(8000, 6000)
    ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32,
                                                     len(png), 22) + png
    with pytest.raises(InputError, match="too many pixels"):
        prepare(ico)


def test_truncated_png():
    data = png_bytes(Image.fromarray(dark_on_light(seven_ink())))
    with pytest.raises(InputError, match="damaged or cut short"):
        prepare(data[: len(data) // 2])


def test_text_file_named_png(tmp_path):
    path = tmp_path / "digit.png"
    path.write_text("this is not an image")
    with pytest.raises(InputError, match="not a picture this app can read") as refused:
        prepare(path)
    assert "Pillow" not in str(refused.value)  # plain words: no library names


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="No file"):
        prepare(tmp_path / "nothing.png")


def test_animated_gif_uses_first_frame():
    first = Image.fromarray(dark_on_light(seven_ink()))
    second = Image.new("L", first.size, 255)  # a blank second frame
    buffer = io.BytesIO()
    first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=100)
    assert not prepare(buffer.getvalue()).blank


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 2)), np.zeros((0, 5)), "not an image", 42])
def test_unsupported_values_raise_input_error(bad):
    with pytest.raises(InputError):
        prepare(bad)


def test_large_photo_is_downscaled_early():
    big = np.full((3000, 2000), 255, np.uint8)
    big[500:2500, 900:1100] = 0  # a thick "1"
    prepared = prepare(big)
    assert max(prepared.size) <= read.WORK_SIDE
    assert not prepared.blank


def test_importing_leaves_pillow_settings_alone():
    """cam_core sets Pillow's pixel guard only while it reads a file, never at import."""
    code = ("from PIL import Image; before = Image.MAX_IMAGE_PIXELS; "
            "import cam_core.inputs.prepare, cam_core.inputs.read; "
            "assert Image.MAX_IMAGE_PIXELS == before, Image.MAX_IMAGE_PIXELS")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_pixel_guard_holds_during_a_read_and_is_restored_after(monkeypatch):
    """A process that turned Pillow's guard off still has its uploads guarded, and gets its
    own setting back; a stricter setting of its own is kept during reads."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(InputError, match="too many pixels"):
        prepare(png_declaring(8000, 6000))
    assert Image.MAX_IMAGE_PIXELS is None
    assert not prepare(png_bytes(Image.fromarray(dark_on_light(seven_ink())))).blank
    assert Image.MAX_IMAGE_PIXELS is None
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with read.pillow_pixel_limit():
        assert Image.MAX_IMAGE_PIXELS == 1000
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_a_read_ending_on_another_thread_leaves_the_guard_on():
    """Requests are read on many threads: one read's end must not unguard another's."""
    before = Image.MAX_IMAGE_PIXELS
    small = png_bytes(Image.fromarray(dark_on_light(seven_ink())))
    with read.pillow_pixel_limit():
        worker = threading.Thread(target=read.load_image, args=(small,))
        worker.start()
        worker.join()
        assert Image.MAX_IMAGE_PIXELS == read.MAX_PIXELS // 2
        with pytest.raises(InputError, match="too many pixels"):
            read.load_image(png_declaring(8000, 6000))
    assert before == Image.MAX_IMAGE_PIXELS

    failures = []

    def upload_both() -> None:
        for _ in range(5):
            try:
                read.load_image(png_declaring(8000, 6000))
                failures.append("a 48 MP PNG was decoded")
            except InputError:
                pass
            read.load_image(small)

    threads = [threading.Thread(target=upload_both) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and before == Image.MAX_IMAGE_PIXELS
