"""Regional digit styles, student marks and the too-small rule measured in stroke widths."""

from __future__ import annotations

import numpy as np
import pytest

from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.inputs.strokes import BRUSH_WIDTH, render_strokes
from training import augment, evaluate, marks, styles
from training.scribbles import place_pen_strokes

SEVEN = (np.array([[0.0, 100], [60, 100], [20, 0]]),)  # tablet frame, y up
ONE = (np.array([[30.0, 0], [30, 100]]),)


def _placed(strokes):
    return place_pen_strokes(strokes, height_fraction=0.7)


def _box(strokes):
    points = np.concatenate(strokes)
    return points.min(0), points.max(0)


def test_one_with_flag_adds_a_stroke_down_left_of_its_top():
    placed = _placed(ONE)
    restyled = styles.one_with_flag(np.random.default_rng(0), placed)
    assert len(restyled) == 2
    flag = restyled[0]
    top = placed[0][placed[0][:, 1].argmin()]
    np.testing.assert_allclose(flag[-1], top)
    assert flag[0][0] < top[0] and flag[0][1] > top[1]  # starts left of and below the top


def test_one_with_base_crosses_its_foot_horizontally():
    placed = _placed(ONE)
    base = styles.one_with_base(np.random.default_rng(0), placed)[-1]
    foot = placed[0][placed[0][:, 1].argmax()]
    assert base[0][0] < foot[0] < base[-1][0]
    assert abs(base[0][1] - foot[1]) < 0.05 * 280 and abs(base[-1][1] - foot[1]) < 0.05 * 280


def test_seven_crossbar_crosses_the_stem_at_mid_height():
    placed = _placed(SEVEN)
    low, high = _box(placed)
    bar = styles.seven_with_crossbar(np.random.default_rng(0), placed)[-1]
    middle_y = bar[:, 1].mean()
    assert low[1] + 0.4 * (high[1] - low[1]) < middle_y < low[1] + 0.65 * (high[1] - low[1])
    # the stem's x at that height lies between the bar's ends
    stem = placed[0][1:]
    t = (middle_y - stem[0, 1]) / (stem[1, 1] - stem[0, 1])
    stem_x = stem[0, 0] + t * (stem[1, 0] - stem[0, 0])
    assert bar[0][0] < stem_x < bar[-1][0]


def test_every_style_keeps_the_digit_on_the_canvas_and_leaves_input_unchanged(pendigits):
    rng = np.random.default_rng(3)
    for label, named in styles.STYLES.items():
        digit = next(d for d in pendigits if d.label == label)
        placed = _placed(digit.strokes)
        before = [s.copy() for s in placed]
        for name, edit in named.items():
            restyled = edit(rng, placed)
            low, high = _box(restyled)
            assert (low > -1).all() and (high < 401).all(), name
            assert render_strokes(restyled).sum() > render_strokes(placed).sum() * 0.5, name
        for a, b in zip(placed, before, strict=True):
            np.testing.assert_array_equal(a, b)


def test_restyle_leaves_digits_without_styles_as_they_are():
    placed = _placed(SEVEN)
    out = styles.restyle(np.random.default_rng(0), placed, 3)
    assert len(out) == len(placed)
    for a, b in zip(out, placed, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", marks.TINY_KINDS)
def test_tiny_marks_with_the_apps_brush_are_mostly_too_small_to_read(kind):
    rng = np.random.default_rng(11)
    refused = sum(prepare_ink(render_strokes(marks.tiny_mark(rng, kind, (0.02, 0.09)))).blank
                  for _ in range(40))
    assert refused >= 32, f"{kind}: only {refused}/40 refused"


@pytest.mark.parametrize("kind", ["dash", "wiggle"])
def test_dashes_and_wiggles_are_never_upright_because_an_upright_line_is_a_one(kind):
    rng = np.random.default_rng(3)
    for _ in range(500):
        stroke = marks.tiny_mark(rng, kind)[0]
        dx, dy = np.abs(stroke[-1] - stroke[0])
        # A wiggle's wave (±15% of its length) turns the line from end to end by up to 17°.
        slack = 17.5 if kind == "wiggle" else 1e-6
        assert np.degrees(np.arctan2(dx, dy)) >= marks.UPRIGHT_DEGREES - slack


def test_a_dash_is_too_small_at_any_scale_but_a_long_line_is_not():
    for scale in (1, 5):  # the rule is in stroke widths, not in pad fractions
        dash = render_strokes([np.array([[100.0, 200], [120, 200]]) * scale],
                              canvas=(400 * scale, 400 * scale), brush=BRUSH_WIDTH * scale)
        prepared = prepare_ink(dash)
        assert prepared.blank and "too small" in prepared.message
    line = render_strokes([np.array([[200.0, 60], [200, 340]])])
    assert not prepare_ink(line).blank


def test_small_drawn_digits_and_thick_scans_are_not_refused(pendigits, mnist_test):
    held = [d for d in pendigits if d.writer >= 26][:200]
    refused = sum(prepare_ink(render_strokes(place_pen_strokes(d.strokes, 0.25))).blank
                  for d in held)
    assert refused == 0
    images, _ = mnist_test
    assert not any(prepare(i).blank for i in images[:300])


def test_random_marks_cover_every_kind_and_fit_as_the_app_fits():
    rng = np.random.default_rng(5)
    pen = [SEVEN, ONE]
    kinds = {marks.random_mark(rng, pen)[1] for _ in range(300)}
    assert kinds == set(marks.TINY_KINDS) | set(marks.DRAWING_KINDS) | {"crossed-out digit"}
    sample = augment.random_outlier(rng, None, marks_share=1.0, pen_digits=pen)
    assert sample.shape == (28, 28) and sample.dtype == np.float32
    assert sample.min() >= 0 and sample.max() <= 1 and sample.max() > 0.5


def test_face_has_outline_two_eyes_and_a_mouth():
    strokes = marks.face(np.random.default_rng(2))
    assert len(strokes) == 4
    outline = strokes[0]
    centre = outline.mean(0)
    for part in strokes[1:]:  # eyes and mouth sit inside the outline
        assert np.linalg.norm(part.mean(0) - centre) < np.ptp(outline[:, 0]) / 2


def test_the_evaluations_one_stroke_ones_are_upright_and_never_too_small():
    for points, brush in evaluate.straight_ones(np.random.default_rng(0), 60):
        dx, dy = np.abs(points[-1] - points[0])
        assert np.degrees(np.arctan2(dx, dy)) < marks.UPRIGHT_DEGREES  # a 1, not a dash
        assert not prepare_ink(render_strokes([points], brush=brush)).blank
