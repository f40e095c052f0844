"""Input pipeline: every kind of input and every bad input has its right outcome."""

from __future__ import annotations

import base64
import io
import struct

import cv2
import numpy as np
import pytest
from conftest import png_declaring
from PIL import Image

from cam_core import read
from cam_core.fit import normalize_ink
from cam_core.ink import extract_ink, thicken_thin_strokes
from cam_core.preprocess import BLANK_MESSAGE, InputError, prepare
from cam_core.strokes import render_strokes, sketchpad_value

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


# ----------------------------------------------------------------------------- normalisation


def test_normalised_like_mnist_fit_and_centre():
    image, _to_model = normalize_ink(seven_ink())
    assert image.shape == (28, 28) and image.dtype == np.float32
    rows, cols = np.nonzero(image > 0.1)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in range(19, 23)  # longer side ≈ 20 px
    ys, xs = np.mgrid[:28, :28]
    assert abs((image * xs).sum() / image.sum() - 14) < 0.5
    assert abs((image * ys).sum() / image.sum() - 14) < 0.5


def test_affine_maps_ink_to_model_frame():
    ink = seven_ink()
    image, to_model = normalize_ink(ink)
    ys, xs = np.nonzero(ink > 0.5)
    mapped = to_model @ np.stack([xs, ys, np.ones_like(xs)])
    inside = (mapped >= -0.5) & (mapped <= 27.5)
    assert inside.all(axis=0).mean() > 0.99
    u, v = np.round(mapped).astype(int).clip(0, 27)
    assert image[v, u].mean() > 0.4  # canvas ink lands on model ink


def test_light_on_dark_and_dark_on_light_give_same_input():
    ink = seven_ink()
    dark = prepare(dark_on_light(ink)).model_input.astype(float)
    light = prepare((ink * 255).astype(np.uint8)).model_input.astype(float)
    assert np.abs(dark - light).mean() < 4


def test_blue_ink_on_paper_rgb():
    ink = seven_ink()
    rgb = np.dstack([255 - ink * 200, 255 - ink * 150, np.full_like(ink, 255)]).astype(np.uint8)
    prepared = prepare(rgb)
    assert not prepared.blank
    reference = prepare(dark_on_light(ink))
    assert np.corrcoef(prepared.model_input.ravel(), reference.model_input.ravel())[0, 1] > 0.9


def test_uneven_lighting_photo():
    ink = seven_ink()
    gradient = np.linspace(120, 255, 400)[None, :].repeat(400, 0)
    photo = np.clip(gradient - ink * 110, 0, 255).astype(np.uint8)
    prepared = prepare(photo)
    reference = prepare(dark_on_light(ink))
    assert np.corrcoef(prepared.model_input.ravel(), reference.model_input.ravel())[0, 1] > 0.85


def test_thick_strokes_of_a_tight_crop_stay_solid():
    """A digit in thick marker filling its picture: the lighting step must not take the
    strokes' cores for paper (they came out faint before the opening was sized to them)."""
    small = np.zeros((28, 28), np.float32)
    cv2.polylines(small, [np.array([[6, 5], [22, 5], [12, 24]], np.int32)], False, 1.0, 3)
    big = cv2.resize(small, None, fx=10, fy=10, interpolation=cv2.INTER_NEAREST)  # 30 px strokes
    ink, _picture = extract_ink(dark_on_light(big))
    core = cv2.erode(big, np.ones((21, 21), np.uint8)) > 0.5  # the strokes less 10 px each side
    assert ink[core].min() > 0.9
    reference = prepare(dark_on_light(small)).model_input.astype(float)
    got = prepare(dark_on_light(big)).model_input.astype(float)
    assert np.corrcoef(got.ravel(), reference.ravel())[0, 1] > 0.95


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


def test_sketchpad_value_and_example_without_layers():
    value = sketchpad_value(seven_ink())
    from_layers = prepare(value)
    assert not from_layers.blank
    value_no_layers = {"background": value["composite"], "layers": [], "composite":
                       value["composite"]}
    from_composite = prepare(value_no_layers)
    assert np.abs(from_layers.model_input.astype(float)
                  - from_composite.model_input.astype(float)).mean() < 4


def pad_data_url(ink: np.ndarray) -> str:
    """What the app's drawing pad sends: black strokes on a transparent canvas, as a PNG."""
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[:, :, 3] = (np.clip(ink, 0, 1) * 255).round().astype(np.uint8)
    return "data:image/png;base64," + base64.b64encode(png_bytes(Image.fromarray(rgba))).decode()


def test_drawing_pad_value_reads_like_the_evaluated_sketchpad_layer():
    """The pad's PNG must reach the model exactly as the evaluation's Sketchpad value does."""
    ink = seven_ink(shift=(20, -10))
    from_pad = prepare(read.pad_drawing(pad_data_url(ink)))
    from_sketchpad = prepare(sketchpad_value(ink))
    assert not from_pad.blank
    np.testing.assert_array_equal(from_pad.tensor, from_sketchpad.tensor)
    np.testing.assert_allclose(from_pad.to_model, from_sketchpad.to_model)


def test_empty_pad_and_damaged_data_urls():
    def from_pad(value: str):
        return prepare(read.pad_drawing(value))

    empty = from_pad("")
    assert empty.blank and empty.message == BLANK_MESSAGE
    assert from_pad(pad_data_url(np.zeros((400, 400), np.float32))).blank
    with pytest.raises(InputError, match="cannot read"):
        from_pad("data:text/html;base64,PGI+aGk8L2I+")
    with pytest.raises(InputError, match="damaged"):
        from_pad("data:image/png;base64,not*base64!")
    with pytest.raises(InputError, match="not an image"):
        from_pad("data:image/png;base64," + base64.b64encode(b"hello").decode())
    with pytest.raises(InputError, match="too large"):
        from_pad("data:image/png;base64," + "A" * (read.MAX_PAD_URL + 4))


def test_drawing_pad_value_is_a_drawing_never_a_server_path(tmp_path):
    """The pad's value comes from the browser: a path must not make the server read a file."""
    on_disk = tmp_path / "seven.png"
    Image.fromarray(dark_on_light(seven_ink())).save(on_disk)
    for value in (str(on_disk), "/etc/hostname", "x" * 5000, 42):
        with pytest.raises(InputError, match="not a drawing"):
            read.pad_drawing(value)
    assert read.pad_drawing("") is None and read.pad_drawing(None) is None
    url = pad_data_url(seven_ink())
    assert read.pad_drawing(" DATA:IMAGE/PNG;BASE64," + url.split(",", 1)[1])[:4] == (
        b"\x89PNG")
    with pytest.raises(InputError, match="damaged"):
        read.pad_drawing("data:image/png;base64,é" + url.split(",", 1)[1])
    with pytest.raises(InputError, match="too large"):
        read.pad_drawing("data:image/png;base64," + "A" * (read.MAX_PAD_URL + 4))
    # A name too long for the file system is "no file", not an OSError.
    with pytest.raises(InputError, match="No file"):
        prepare("y" * 5000)


def test_pil_path_and_bytes(tmp_path):
    image = Image.fromarray(dark_on_light(seven_ink()))
    path = tmp_path / "seven.png"
    image.save(path)
    for source in (image, str(path), path, path.read_bytes()):
        assert not prepare(source).blank


# ----------------------------------------------------------------------------- bad input


def blank_cases():
    transparent = np.zeros((300, 300, 4), np.uint8)
    speck = np.full((400, 400), 255, np.uint8)
    speck[200:203, 200:203] = 0  # 9 px of 160,000: under 0.5%
    return {
        "none": None,
        "cleared canvas": {"background": None, "layers": [], "composite": None},
        "cleared with white background": {"background": np.full((400, 400, 4), 255, np.uint8),
                                          "layers": [np.zeros((400, 400, 4), np.uint8)],
                                          "composite": np.full((400, 400, 4), 255, np.uint8)},
        "blank white": np.full((280, 280, 3), 255, np.uint8),
        "blank transparent": transparent,
        "speck": speck,
        "1x1": np.zeros((1, 1), np.uint8),
    }


@pytest.mark.parametrize("name", list(blank_cases()))
def test_blank_inputs_say_draw_a_digit(name):
    prepared = prepare(blank_cases()[name])
    assert prepared.blank
    assert "Draw a digit" in prepared.message or "too small" in prepared.message
    assert np.isfinite(prepared.tensor).all()


@pytest.mark.parametrize("side, pen", [(1000, 3), (2500, 6)])
def test_thin_pen_on_a_large_page_is_a_full_weight_digit(side, pen):
    """A ballpoint 7 on a photo of a page: a tiny share of the pixels, strokes far thinner than
    MNIST's once fitted to 20 px. It must not be called too small, nor reach the model faint."""
    ink = render_strokes([s * side / 400 for s in SEVEN], (side, side), brush=pen)
    prepared = prepare(dark_on_light(ink))
    assert not prepared.blank, prepared.message
    strokes = prepared.model_input > 127
    assert prepared.model_input.max() >= 200  # was at most ~50: a faint line
    # Like the app's own brush (24 px on the 400 px pad), within a factor of about 1.5.
    reference = (prepare(sketchpad_value(seven_ink())).model_input > 127).sum()
    assert 0.65 * reference <= strokes.sum() <= 1.5 * reference


def test_normal_strokes_are_not_thickened():
    """The app's own brush and MNIST-weight strokes go through unchanged."""
    ink = seven_ink()
    solid = ink > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    extent = int(rows[-1] - rows[0] + 1)
    assert thicken_thin_strokes(ink, solid, extent) is ink


def test_a_dot_is_too_small_and_says_what_to_do():
    dot = np.full((400, 400), 255, np.uint8)
    cv2.circle(dot, (200, 200), 12, 0, -1)  # one dab of the app's brush
    prepared = prepare(dot)
    assert prepared.blank and "too small" in prepared.message and "larger" in prepared.message


def test_blank_message_for_nothing_drawn():
    assert prepare(None).message == BLANK_MESSAGE


def test_transparent_rgba_with_black_stroke_is_the_digit():
    ink = seven_ink()
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[:, :, 3] = (ink * 255).astype(np.uint8)  # black stroke, transparent elsewhere
    prepared = prepare(rgba)
    assert not prepared.blank
    assert np.corrcoef(prepared.model_input.ravel(),
                       prepare(dark_on_light(ink)).model_input.ravel())[0, 1] > 0.9


def test_white_strokes_on_transparent_background_are_the_digit():
    """A dark-mode drawing app exports light strokes on a clear background."""
    ink = seven_ink()
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = (ink * 255).round().astype(np.uint8)
    prepared = prepare(rgba)
    assert not prepared.blank
    reference = prepare(dark_on_light(ink))
    assert np.corrcoef(prepared.model_input.ravel(), reference.model_input.ravel())[0, 1] > 0.95
    assert prepared.picture[ink > 0.9].min() > 200 and prepared.picture[ink == 0].max() == 0


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


def test_a_48_megapixel_phone_jpeg_is_read_at_reduced_scale():
    """Phones save 48–50 MP photos; JPEG decodes them at 1/4 scale (draft mode), so they are
    read, not refused, and cost a few megapixels of memory. Other formats keep the 40 MP cap."""
    page = np.full((6000, 8000), 235, np.uint8)
    cv2.line(page, (2600, 1500), (5200, 1500), 30, 160)
    cv2.line(page, (5200, 1500), (3600, 4500), 30, 160)  # a 7 in thick marker
    data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
    opened = read._open_pil(data)
    assert opened.size == (2000, 1500)  # the smallest 1/2^k scale still ≥ 1024
    prepared = prepare(data)
    assert not prepared.blank and max(prepared.size) <= read.WORK_SIDE
    with pytest.raises(InputError, match=r"too many pixels to read safely \(at most 40"):
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
    assert read._open_pil(_jpeg_declaring(8000, 6000, progressive=False)).size == (
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
    assert read._open_pil(_grey_baseline_jpeg(8000, 6000, interleaved=True)).size == (
        2000, 1500)
    small = read._open_pil(_grey_baseline_jpeg(800, 600, interleaved=False))
    assert small.size == (800, 600)  # under the cap it is read as usual


def test_jpeg_markers_are_read_as_libjpeg_reads_them():
    """The draft decision must see the file as the decoder will: junk bytes before a marker
    are skipped (a phone photo with them is still drafted), and a marker the camera would not
    write before its first scan (here a restart marker, which has no length, hiding a fake
    baseline header from a naive reader in a comment) sends the file to the 40 MP guard."""
    baseline = _jpeg_declaring(8000, 6000, progressive=False)
    tables = baseline.index(b"\xff\xdb")
    padded = baseline[:tables] + b"\x00\x00" + baseline[tables:]
    assert read._open_pil(padded).size == (2000, 1500)

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


def test_an_mpo_phone_photo_is_drafted_like_a_jpeg():
    """Many phones save MPO (a JPEG with extra frames): it is decoded at reduced scale too."""
    page = np.full((2000, 3000, 3), 230, np.uint8)
    cv2.line(page, (1000, 500), (2000, 500), (20, 20, 20), 80)
    cv2.line(page, (2000, 500), (1300, 1600), (20, 20, 20), 80)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, "MPO", save_all=True,
                               append_images=[Image.fromarray(page)])
    opened = read._open_pil(buffer.getvalue())
    assert opened.format == "MPO" and opened.size == (1500, 1000)
    assert not prepare(buffer.getvalue()).blank


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
    with pytest.raises(InputError, match="damaged or truncated"):
        prepare(data[: len(data) // 2])


def test_text_file_named_png(tmp_path):
    path = tmp_path / "digit.png"
    path.write_text("this is not an image")
    with pytest.raises(InputError, match="not an image"):
        prepare(path)


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


@pytest.mark.parametrize("shape", [(1, 400), (400, 1), (2, 640), (3, 1000), (2, 5000),
                                   (3000, 3)])
def test_long_thin_strips_are_read_not_a_crash(shape):
    """A strip 64 px or more long and under about 1/320 as wide used to shrink to zero rows in
    the lighting estimate (OpenCV error, 'Something went wrong' in the app)."""
    strip = np.full(shape, 255, np.uint8)
    strip[shape[0] // 2, :] = 0
    prepared = prepare(strip)
    assert prepared.tensor.shape == (1, 28, 28) and np.isfinite(prepared.tensor).all()


def test_digit_far_right_of_wide_canvas_maps_back_right():
    ink = seven_ink(canvas=(300, 600), shift=(330, -20), scale=0.8)
    prepared = prepare(dark_on_light(ink))
    inverse_x = np.linalg.inv(np.vstack([prepared.to_model, [0, 0, 1]]))[0] @ [14, 14, 1]
    assert inverse_x > 400  # the model's centre is on the right of the canvas


def test_large_photo_is_downscaled_early():
    big = np.full((3000, 2000), 255, np.uint8)
    big[500:2500, 900:1100] = 0  # a thick "1"
    prepared = prepare(big)
    assert max(prepared.size) <= read.WORK_SIDE
    assert not prepared.blank
