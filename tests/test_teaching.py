"""Teaching views: all ten maps, contrast, erase-the-evidence, layers, the numbers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from cam_core import teaching
from cam_core.errors import PersonError
from cam_core.preprocess import prepare, prepare_from_model_input


def test_ten_tiles_in_each_scale(explainer, mnist_test):
    result = explainer.explain(mnist_test[0][0])
    for scale in ("per_map", "shared", "signed"):
        tiles = teaching.class_map_tiles(result, scale)
        assert len(tiles) == 10
        assert all(tile.shape == (teaching.TILE, teaching.TILE, 3) for tile, _ in tiles)
        assert tiles[3][1].startswith("3:")


def test_shared_scale_differs_from_per_map(explainer, mnist_test):
    result = explainer.explain(mnist_test[0][0])
    per_map = [t for t, _ in teaching.class_map_tiles(result, "per_map")]
    shared = [t for t, _ in teaching.class_map_tiles(result, "shared")]
    assert any(not np.array_equal(a, b) for a, b in zip(per_map, shared, strict=True))


def test_contrast_is_antisymmetric(explainer, mnist_test):
    image = mnist_test[0][0]
    prepared = prepare(image)
    result = explainer.explain(prepared)
    forward, _ = teaching.contrast(result, prepared, 7, 1, opacity=1.0)
    backward, _ = teaching.contrast(result, prepared, 1, 7, opacity=1.0)
    assert forward.shape == (28, 28, 3)
    # Evidence for 7 over 1 is red one way round and blue the other way round.
    red = forward[:, :, 0].astype(int) - forward[:, :, 2] > 60
    assert red.sum() >= 5
    assert (backward[red][:, 2] > backward[red][:, 0]).all()


def test_a_diverging_colour_map_always_shows_the_signed_scale(explainer, mnist_test):
    """Blue means "against" only when the middle of coolwarm is zero evidence."""
    result = explainer.explain(mnist_test[0][0])
    signed = teaching.class_map_tiles(result, "signed", "coolwarm")
    for scale in ("per_map", "shared"):
        tiles = teaching.class_map_tiles(result, scale, "coolwarm")
        assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(tiles, signed, strict=True))


def test_runner_up_is_the_second_most_probable(explainer, mnist_test):
    result = explainer.explain(mnist_test[0][0])
    first, second = np.argsort(-result.probabilities)[:2]
    assert teaching.runner_up(result, int(first)) == second
    assert teaching.runner_up(result, int(second)) == first  # asked about the runner-up itself
    other = int(np.argsort(-result.probabilities)[5])
    assert teaching.runner_up(result, other) == first


def test_how_it_works_numbers_add_up_to_the_logit(explainer, mnist_test):
    result = explainer.explain(mnist_test[0][0])
    weights = explainer.model.fc.weight[result.target].numpy()
    total = float(weights @ result.pooled_features + explainer.model.fc.bias[result.target])
    assert total == pytest.approx(float(result.logits[result.target]), rel=1e-5, abs=1e-3)
    text = teaching.how_it_works(explainer, result)
    assert f"{float(result.logits[result.target]):.2f}" in text


def test_layer_comparison_gives_three_resolutions(explainer, mnist_test):
    prepared = prepare(mnist_test[0][0])
    views = teaching.layer_comparison(explainer, prepared, "layercam")
    assert [caption for _, caption in views] == ["layer2 (14×14)", "layer3 (7×7)",
                                                  "layer4 (7×7)"]


def test_erasing_nothing_leaves_the_probability_even_for_faint_ink(explainer):
    """The edited input is always run through the model: a faint model input (thin strokes)
    once counted as blank, and the view reported "0.0% after erasing" the model never gave."""
    drawn = explainer.explain(str(ROOT / "examples" / "pen_7.png"))
    faint = (drawn.model_input * 0.25).astype(np.uint8)  # at most 63 of 255
    result = explainer.explain(prepare_from_model_input(faint))
    assert result.digit is not None
    erased = teaching.erase_evidence(explainer, result, 0.0)
    assert erased.after_cam == pytest.approx(erased.before, abs=1e-6)
    assert erased.after_random == pytest.approx(erased.before, abs=1e-6)
    everything = teaching.erase_evidence(explainer, result, 1.0)
    assert 0.0 < everything.after_cam < 1.0  # the model's real answer on what is left


def test_erasing_blank_is_refused(explainer):
    with pytest.raises(PersonError, match="Draw a digit"):
        teaching.erase_evidence(explainer, explainer.explain(None), 0.2)


def _average_drops(explainer, images, method: str, layer: str) -> tuple[float, float]:
    """Average Drop (mean relative fall of p(class)) when erasing 20% of the ink where the map
    is hottest, and when erasing 20% of the ink at random."""
    drops_map, drops_random = [], []
    for index, image in enumerate(images):
        result = explainer.explain(image, method=method, layer=layer)
        outcome = teaching.erase_evidence(explainer, result, 0.2, seed=index)
        drops_map.append(max(0.0, outcome.before - outcome.after_cam) / outcome.before)
        drops_random.append(max(0.0, outcome.before - outcome.after_random) / outcome.before)
    return float(np.mean(drops_map)), float(np.mean(drops_random))


@pytest.mark.xfail(strict=True, reason=(
    "Known failure of the committed weights (issue 7): layer4's 7×7 CAM peaks in the middle "
    "of the digit, where erasing hurts least; erasing its hottest 20% of ink drops p(class) "
    "by 13.8%, erasing 20% at random by 19.4% (200 MNIST test digits; LayerCAM on layer2: "
    "29.7%). Strict: this test reports when a model makes it pass."))
def test_erasing_by_cam_drops_more_than_random(explainer, mnist_test):
    """Average Drop over 200 MNIST test digits: CAM-guided erasing beats random erasing."""
    by_map, at_random = _average_drops(explainer, mnist_test[0][:200], "cam", "layer4")
    assert by_map > at_random + 0.02, (by_map, at_random)


def test_erasing_by_layercam_on_layer2_drops_more_than_random(explainer, mnist_test):
    """The finer 14×14 LayerCAM of layer2 does mark decisive ink (200 MNIST test digits)."""
    by_map, at_random = _average_drops(explainer, mnist_test[0][:200], "layercam", "layer2")
    assert by_map > at_random + 0.02, (by_map, at_random)
