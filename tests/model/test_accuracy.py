"""The trained model through the app's own path: photos, pen replays, polarity, not-a-digit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cam_core.inputs.prepare import prepare_ink
from cam_core.inputs.strokes import render_strokes
from training import augment
from training.scribbles import pen_ink, place_pen_strokes, random_scribble


def test_every_photo_is_read_right(explainer, photos):
    wrong = []
    for path, label in photos:
        result = explainer.explain(path)
        if result.digit != label:
            wrong.append(f"{path.parent.name}/{path.name}: {result.digit} (is {label})")
    assert not wrong, wrong


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_pen_digit_same_top1_at_3_sizes_and_4_positions(explainer, pendigits):
    held_back = [d for d in pendigits if d.writer >= 26]
    rng = np.random.default_rng(0)
    stable = 0
    picks = [held_back[i] for i in rng.choice(len(held_back), 20, replace=False)]
    for digit in picks:
        answers = set()
        for height in (0.35, 0.6, 0.85):
            # Four corners of the room the digit has on the canvas (never cut off).
            low, high = height / 2 + 0.03, 1 - height / 2 - 0.03
            for centre in ((low, low), (high, low), (low, high), (high, high)):
                drawn = prepare_ink(pen_ink(digit.strokes, height, centre))  # as the pad's
                answers.add(explainer.explain(drawn).digit)
        stable += answers == {digit.label}
    assert stable >= 19, f"only {stable}/20 pen digits gave the right top-1 in all 12 placements"


@pytest.mark.slow
def test_thin_pen_on_large_paper_reads_like_the_app_brush(explainer, pendigits):
    """Held-back pen digits written with a 4 px pen on a 2000 px page (a phone photo of a
    ballpoint digit). Before strokes were thickened, 60% came out "too small" and the rest faint."""
    held_back = [d for d in pendigits if d.writer >= 26][::12]
    right = 0
    for digit in held_back:
        placed = place_pen_strokes(digit.strokes, 0.7, canvas=(2000, 2000))
        paper = (255 - 200 * render_strokes(placed, (2000, 2000), brush=4)).astype(np.uint8)
        right += explainer.explain(paper).digit == digit.label
    assert right >= 0.96 * len(held_back), f"{right}/{len(held_back)} thin-pen digits read right"


def test_light_on_dark_and_dark_on_light_agree(explainer, mnist_test):
    images, _labels = mnist_test
    agree = sum(explainer.explain(image).digit == explainer.explain(255 - image).digit
                for image in images[:50])
    assert agree == 50


@pytest.mark.slow
def test_upscaled_digits_read_like_the_originals(explainer, mnist_test):
    """MNIST digits enlarged 10× as dark-on-light pictures (a tight, high-resolution scan):
    their strokes, 20–40 px wide, must survive the lighting step."""
    images, labels = mnist_test
    right = sum(explainer.explain(255 - cv2.resize(image, None, fx=10, fy=10,
                                                   interpolation=cv2.INTER_CUBIC)).digit == label
                for image, label in zip(images[:200], labels[:200], strict=True))
    assert right >= 196, f"{right}/200 upscaled MNIST digits read right"


def test_scribbles_are_flagged_and_digits_are_not(explainer, mnist_test):
    rng = np.random.default_rng(7)
    flagged = sum(explainer.explain(prepare_ink(random_scribble(rng))).not_a_digit
                  for _ in range(40))
    digits_flagged = sum(explainer.explain(image).not_a_digit for image in mnist_test[0][:100])
    assert flagged >= 30, f"only {flagged}/40 scribbles flagged"
    assert digits_flagged <= 4, f"{digits_flagged}/100 real digits flagged"


@pytest.mark.slow
def test_real_digits_through_the_apps_path_are_rarely_called_not_a_digit(explainer, mnist_test):
    """The threshold is fitted on held-back digits as the app sees them (re-fitted by
    prepare()), so about 1% of unseen real digits, not more, are flagged 'not a digit'."""
    images = mnist_test[0][:1500]
    flagged = sum(explainer.explain(image).not_a_digit for image in images)
    assert flagged <= 0.015 * len(images), f"{flagged}/{len(images)} real digits flagged"


@pytest.mark.slow
def test_small_scans_of_unseen_digits_are_read_and_rarely_called_not_a_digit(explainer,
                                                                            mnist_test):
    """MNIST test digits as small size-normalised scans (16–20 px, thick strokes, grey paper,
    either polarity: :func:`training.augment.small_scan_picture`), given to the app as uploads.
    The threshold is fitted on such scans of the held-back digits too (99% kept; these are
    other writers, so a little more is flagged): 13 of these 600 flagged with it, 26 with the
    threshold fitted without the scans (which flagged 2.9% of USPS's real scans, now 1.2%)."""
    rng = np.random.default_rng(11)  # not the calibration's seed
    images, labels = mnist_test
    right = flagged = 0
    for image, label in zip(images[:600], labels[:600], strict=True):
        result = explainer.explain(augment.small_scan_picture(rng, image / np.float32(255)))
        right += result.digit == label
        flagged += result.not_a_digit
    assert right >= 0.98 * 600, f"{right}/600 small scans read right"
    assert flagged <= 0.03 * 600, f"{flagged}/600 small scans of real digits flagged"
