"""Training augmentations: the low-resolution view of a digit, small scans, bent pen strokes,
and recipes that replay."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from conftest import ROOT

from training import augment


def _stroke_digit() -> np.ndarray:
    """A 28×28 uint8 '7': a bar and a diagonal, 2 px strokes, ink bright."""
    image = np.zeros((28, 28), np.uint8)
    image[6:8, 8:21] = 255
    for row in range(8, 23):
        column = 20 - (row - 8) * 10 // 14
        image[row, column - 1:column + 1] = 255
    return image


def _centre(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.indices(ink.shape)
    return np.array([(rows * ink).sum(), (cols * ink).sum()]) / ink.sum()


def test_low_resolution_blurs_the_ink_but_keeps_it_in_place():
    size = 112
    ink = np.zeros((size, size), np.float32)
    ink[20:90, 54:58] = 1.0  # a sharp 4-px upright bar, 70 px tall
    low = augment.low_resolution(np.random.default_rng(0), ink)
    assert low.shape == ink.shape and low.dtype == np.float32
    assert low.min() >= 0.0 and low.max() <= 1.0
    assert np.abs(_centre(low) - _centre(ink)).max() < 2.0  # same place
    # Seen 12–20 px across, a 4-px bar is under one low-res pixel wide: its edges spread.
    edge = lambda image: np.abs(np.diff(image, axis=1)).max()  # noqa: E731
    assert edge(low) < 0.6 * edge(ink)
    assert ((low > 0.05) & (ink == 0)).sum() > 100  # ink bled beside the bar
    assert augment.low_resolution(np.random.default_rng(0), np.zeros((8, 8), np.float32)).max() == 0


def test_low_resolution_share_zero_replays_the_old_random_stream():
    image = _stroke_digit()
    before = augment.augment_mnist(np.random.default_rng(5), image)
    assert np.array_equal(before, augment.augment_mnist(np.random.default_rng(5), image, 0.0))
    blurred = [augment.augment_mnist(np.random.default_rng(seed), image, 1.0)
               for seed in range(5)]
    plain = [augment.augment_mnist(np.random.default_rng(seed), image) for seed in range(5)]
    assert all(b.shape == (28, 28) and b.min() >= 0 and b.max() <= 1 for b in blurred)
    assert any(not np.array_equal(b, p) for b, p in zip(blurred, plain, strict=True))


def _box(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(image > 0.3)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_small_scan_widens_a_narrow_digit_and_reads_it_the_app_way():
    size = 112
    bar = np.zeros((size, size), np.float32)
    bar[20:90, 54:61] = 1.0  # an upright '1': 7 px wide, 70 px tall (MNIST's 10% at 4×)
    fitted = augment.fit_ink(bar)
    scans = [augment.small_scan(np.random.default_rng(seed), bar) for seed in range(30)]
    for scan in scans:
        assert scan.shape == (28, 28) and scan.dtype == np.float32
        assert scan.min() >= 0.0 and scan.max() <= 1.0
        # The app's fit: longer side 20 px (± 1 for soft edges under a half-pixel shift).
        assert abs(_box(fitted)[0] - 20) <= 1 and abs(_box(scan)[0] - 20) <= 1
    # Widened by up to 1.6× and thickened: in the scanned picture the bar's width over its
    # height is larger than the drawn bar's 0.1, on average, and random.
    ratios = []
    for seed in range(30):
        picture = augment.small_scan_picture(np.random.default_rng(seed), bar).astype(float)
        paper = np.median(np.concatenate([picture[:, 0], picture[:, -1]]))
        ink = np.abs(picture - paper) > 0.5 * np.abs(picture - paper).max()
        height, width = _box(ink.astype(np.float32))
        ratios.append(width / height)
    assert np.mean(ratios) > 1.15 * 0.1  # 1.27× measured: 2–3 px of 16–20 quantise it
    assert max(ratios) > min(ratios)  # a random width, not one fixed look
    # Only drawn when asked: a scan share of 0 replays the old random stream exactly.
    image = _stroke_digit()
    before = augment.augment_mnist(np.random.default_rng(5), image, 0.0)
    assert np.array_equal(before, augment.augment_mnist(np.random.default_rng(5), image, 0.0, 0.0))
    scanned = augment.augment_mnist(np.random.default_rng(5), image, 0.0, 1.0)
    assert scanned.shape == (28, 28) and not np.array_equal(scanned, before)
    assert augment.small_scan(np.random.default_rng(0), np.zeros((8, 8), np.float32)).max() == 0


def test_data_folders_can_be_moved_through_the_environment(tmp_path):
    code = ("from training import datasets; print(datasets.SHARED_DATA); "
            "print(datasets.FASHION_DIR); print(datasets.load_usps.__defaults__[0])")
    env = {**os.environ, "CAM_SHARED_DATA": str(tmp_path / "data"),
           "CAM_FASHION_DIR": str(tmp_path / "fashion")}
    lines = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert lines == [str(tmp_path / "data"), str(tmp_path / "fashion"),
                     str(tmp_path / "data" / "usps" / "zip.train.gz")]


def test_bent_strokes_move_smoothly_and_no_further_than_asked():
    from training import datasets

    rng = np.random.default_rng(3)
    t = np.linspace(0, 1, 60)[:, None]
    strokes = [np.hstack([100 + 200 * t, 80 + 0 * t]), np.hstack([300 - 150 * t, 80 + 240 * t])]
    size = 240.0  # the two strokes of this '7' span 200 × 240 px
    for amount in (0.05, 0.18):
        bent = augment.bend_strokes(rng, strokes, amount)
        assert [b.shape for b in bent] == [s.shape for s in strokes]
        moves = [b - s for b, s in zip(bent, strokes, strict=True)]
        assert max(np.abs(m).max() for m in moves) <= amount * size + 1e-6
        assert max(np.abs(m).max() for m in moves) > 0.02 * amount * size  # it did bend
        # Smooth: points 3.4 px apart along a stroke move alike (no jitter, one brush wide).
        assert max(np.abs(np.diff(m, axis=0)).max() for m in moves) < 0.2 * amount * size
    digit = datasets.PenDigit(label=7, writer=1, strokes=tuple(strokes))
    before = augment.replay_pendigit(np.random.default_rng(9), digit, 0.0)
    again = augment.replay_pendigit(np.random.default_rng(9), digit, 0.0, 0.0)
    assert np.array_equal(before, again)
    bent = augment.replay_pendigit(np.random.default_rng(9), digit, 0.0, 1.0)
    assert bent.shape == (28, 28) and not np.array_equal(bent, before)
