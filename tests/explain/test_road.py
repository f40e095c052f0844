"""ROAD (Rong et al., ICML 2022): our imputation against pytorch-grad-cam's, and the acceptance
test that the layer4 CAM is faithful by the field's measure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pytorch_grad_cam.metrics.perturbation_confidence import (
    RemoveLeastRelevantFirst,
    RemoveMostRelevantFirst,
)
from pytorch_grad_cam.metrics.road import NoisyLinearImputer

from cam_core.errors import PersonError
from cam_core.explain import road
from cam_core.inputs.prepare import prepare
from cam_core.serve import hiding, trust


@pytest.mark.parametrize("percentile", [10, 50, 80, 90])
@pytest.mark.parametrize("most_first", [True, False])
def test_imputation_matches_pytorch_grad_cam(percentile, most_first):
    rng = np.random.default_rng(percentile)
    image = rng.normal(size=(28, 28)).astype(np.float32)
    relevance = rng.random((28, 28)).astype(np.float32)
    oracle_step = (RemoveMostRelevantFirst if most_first else RemoveLeastRelevantFirst)(
        percentile, NoisyLinearImputer(noise=0.0))
    expected = oracle_step(torch.from_numpy(image)[None], torch.from_numpy(relevance))[0]
    hidden = road.hidden_mask(relevance, percentile, most_first)
    ours = road.impute(image, hidden, noise=0.0)
    np.testing.assert_allclose(ours, expected.numpy(), atol=1e-5)
    assert hidden.mean() == pytest.approx(1 - percentile / 100, abs=0.01)
    np.testing.assert_array_equal(ours[~hidden], image[~hidden])  # kept pixels untouched


def test_imputation_fills_a_hole_in_a_smooth_ramp_exactly():
    ramp = np.tile(np.linspace(0, 1, 28, dtype=np.float32), (28, 1))  # linear: the mean of
    hidden = np.zeros((28, 28), bool)  # symmetric neighbours reproduces it
    hidden[10:18, 10:18] = True
    np.testing.assert_allclose(road.impute(ramp, hidden, noise=0.0), ramp, atol=1e-5)


def test_road_scores_a_map_that_points_at_the_evidence_above_a_random_one():
    # A toy "model": class 1's probability is the mean of the left half (the evidence there).
    def probabilities(inputs: np.ndarray) -> np.ndarray:
        left = inputs[:, 0, :, :14].mean(axis=(1, 2))
        p1 = 1 / (1 + np.exp(-4 * (left - 0.5)))
        return np.stack([1 - p1] + [p1] + [np.zeros_like(p1)] * 8, 1)

    inputs = np.zeros((3, 1, 28, 28), np.float32)
    inputs[:, :, :, :14] = 1.0
    right = np.zeros((28, 28), np.float32)
    right[:, :14] = 1.0  # the true evidence
    maps = np.stack([right, 1 - right, road.random_smooth_maps(1, seed=3)[0]])
    scores = road.road(probabilities, inputs, maps, [1, 1, 1], seed=0)
    assert scores.morf.shape == scores.lerf.shape == (3, len(road.PERCENTILES))
    assert scores.combined[0] > 0.1 > abs(scores.combined[2])
    assert scores.combined[1] < -0.1  # the wrong map scores below zero
    assert (scores.morf[0] <= scores.lerf[0] + 1e-6).all()


def test_road_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="same N inputs"):
        road.road(lambda x: x, np.zeros((2, 1, 28, 28), np.float32),
                  np.zeros((3, 28, 28)), [0, 0])


def test_hiding_the_evidence_of_a_drawing_gives_three_curves(explainer):
    result = explainer.explain(prepare(np.pad(np.eye(60, dtype=np.uint8) * 255, 20)))
    assert result.digit is not None
    curves = hiding.hide_evidence(explainer, result, shown=0.3)
    assert curves.hidden.tolist() == sorted(curves.hidden.tolist())
    for curve in (curves.hottest_first, curves.coldest_first, curves.random_order):
        assert curve.shape == (9,) and ((curve >= 0) & (curve <= 1)).all()
    assert set(curves.tiles) == {"hottest", "coldest", "random"}
    for tile in curves.tiles.values():
        assert tile.shape == (28, 28) and tile.dtype == np.uint8
    with pytest.raises(PersonError, match="Draw a digit"):
        hiding.hide_evidence(explainer, explainer.explain(None))


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_trust_table_lists_every_live_method_and_the_random_map(explainer, mnist_test):
    rows = trust.trust_by_method(explainer, prepare(mnist_test[0][0]))
    labels = {label for label, _, _ in rows}
    assert {"CAM", "Grad-CAM", "LayerCAM", "random map"} <= labels
    assert [s for _, _, s in rows] == sorted((s for _, _, s in rows), reverse=True)


@pytest.mark.slow
def test_cam_layer4_is_faithful_by_road_over_200_mnist_digits(explainer, mnist_test):
    """Acceptance (issue 24): over 200 MNIST test digits, ROAD's combined score of the layer4
    CAM is at least 5× a random smooth map's (which is ≈ 0 by symmetry), and hiding the
    hottest pixels first hurts more than hiding the coldest first."""
    prepared = [prepare(image) for image in mnist_test[0][:200]]
    results = explainer.explain_batch(prepared)
    inputs = np.stack([p.tensor for p in prepared])
    targets = [r.target for r in results]
    probabilities = trust.probabilities_of(explainer)
    cam = road.road(probabilities, inputs,
                    np.stack([trust.map_over_input(r) for r in results]), targets)
    random = road.road(probabilities, inputs, road.random_smooth_maps(200), targets)
    assert cam.morf.mean() < cam.lerf.mean()
    assert cam.combined.mean() >= 5 * abs(random.combined.mean())
    assert cam.combined.mean() > 0.1
