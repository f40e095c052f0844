"""The whole path (cam_core.inputs.prepare): read -> ink -> fit, and what a person is told when
there
is nothing to classify."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import dark_on_light, seven_ink

from cam_core.inputs.prepare import BLANK_MESSAGE, prepare


def blank_cases():
    transparent = np.zeros((300, 300, 4), np.uint8)
    speck = np.full((400, 400), 255, np.uint8)
    speck[200:203, 200:203] = 0  # 9 px of 160,000: under 0.5%
    return {
        "none": None,
        "transparent canvas": np.zeros((400, 400, 4), np.uint8),
        "blank white": np.full((280, 280, 3), 255, np.uint8),
        "blank transparent": transparent,
        "speck": speck,
        "1x1": np.zeros((1, 1), np.uint8),
    }


@pytest.mark.parametrize("name", list(blank_cases()))
def test_blank_inputs_say_draw_a_digit(name):
    """Nothing sent: "Draw a digit"; a picture without ink: "no digit in this picture" (an
    upload of a blank page must not read as if nothing had arrived); a speck: too small."""
    prepared = prepare(blank_cases()[name])
    assert prepared.blank
    expected = {"none": "Draw a digit", "speck": "too small"}.get(name, "no digit in this")
    assert expected in prepared.message
    assert np.isfinite(prepared.tensor).all()


def test_blank_message_for_nothing_drawn():
    assert prepare(None).message == BLANK_MESSAGE


def test_digit_far_right_of_wide_canvas_maps_back_right():
    ink = seven_ink(canvas=(300, 600), shift=(330, -20), scale=0.8)
    prepared = prepare(dark_on_light(ink))
    inverse_x = np.linalg.inv(np.vstack([prepared.to_model, [0, 0, 1]]))[0] @ [14, 14, 1]
    assert inverse_x > 400  # the model's centre is on the right of the canvas


@pytest.mark.parametrize("side", [16, 20, 40])
@pytest.mark.parametrize("paper", [180, 200, 230])
def test_two_level_small_picture_on_grey_paper_reads_like_on_white(side, paper):
    """A digit in flat dark ink (30) filling a small picture of flat grey paper (no noise, no
    anti-aliasing: a paint program's or a binarised scan's). Before the paper's level was
    subtracted, it became Otsu's threshold, turned half ink, and the digit was refused."""
    yy, xx = np.mgrid[:side, :side] / (side - 1) * 2 - 1
    ring = np.abs(np.hypot(xx / 0.75, yy / 0.95) - 0.8) < 0.18  # a 0 filling the box
    on_grey = np.where(ring, 30, paper).astype(np.uint8)
    on_white = np.where(ring, 30, 255).astype(np.uint8)
    read, reference = prepare(on_grey), prepare(on_white)
    assert not read.blank, read.message
    np.testing.assert_allclose(read.model_input, reference.model_input, atol=1)
