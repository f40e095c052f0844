"""The MNIST-style fit (cam_core.inputs.fit): longer side to 20 px, centre of mass at (14, 14), and
the affine from the input frame to the 28×28 frame."""

from __future__ import annotations

import numpy as np
from pictures import seven_ink

from cam_core.inputs.fit import normalize_ink


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
