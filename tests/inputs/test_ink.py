"""Finding the ink (cam_core.inputs.ink): polarity, lighting, transparency, thin strokes thickened,
and
ink too small to read refused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pictures import SEVEN, dark_on_light, seven_ink

from cam_core.inputs.ink import extract_ink, thicken_thin_strokes
from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.inputs.strokes import render_strokes


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


@pytest.mark.parametrize("shape", [(1, 400), (400, 1), (2, 640), (3, 1000), (2, 5000),
                                   (3000, 3)])
def test_long_thin_strips_are_read_not_a_crash(shape):
    """A strip 64 px or more long and under about 1/320 as wide used to shrink to zero rows in
    the lighting estimate (OpenCV error, 'Something went wrong' in the app)."""
    strip = np.full(shape, 255, np.uint8)
    strip[shape[0] // 2, :] = 0
    prepared = prepare(strip)
    assert prepared.tensor.shape == (1, 28, 28) and np.isfinite(prepared.tensor).all()


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
    reference = (prepare_ink(seven_ink()).model_input > 127).sum()
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
