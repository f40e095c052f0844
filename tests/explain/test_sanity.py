"""Scramble the network: the sanity check for saliency maps (Adebayo et al., NeurIPS 2018,
cascading model randomisation) on a copy of the network, never the served one; its words."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from conftest import ROOT

from cam_core.explain import sanity as maths
from cam_core.explain.methods import METHODS
from cam_core.inputs.prepare import prepare
from cam_core.serve import sanity

SEVEN = str(ROOT / "examples" / "pen_7.png")
JARGON = re.compile(r"logit|feature map|Spearman|correlation|gradient|BatchNorm|initiali",
                    re.IGNORECASE)


@pytest.fixture(scope="module")
def seven(explainer):
    return explainer.explain(prepare(SEVEN))


@pytest.fixture(scope="module")
def checked(explainer, seven):
    return sanity.scramble(explainer, seven)


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    first, second = a.state_dict(), b.state_dict()
    return all(torch.equal(first[k], second[k]) for k in first)


def test_scrambling_copies_the_network_and_leaves_the_served_one_alone(explainer):
    before = {k: v.clone() for k, v in explainer.model.state_dict().items()}
    scrambled = maths.scrambled(explainer.model, ("fc", "layer4"), seed=1)
    after = explainer.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not _same(scrambled.layer4, explainer.model.layer4)
    assert not _same(scrambled.fc, explainer.model.fc)
    assert _same(scrambled.layer3, explainer.model.layer3)  # below the cascade's step: kept
    bn = scrambled.layer4[0].bn1  # BatchNorm too: weight 1, bias 0, statistics 0 and 1
    assert torch.equal(bn.weight, torch.ones_like(bn.weight))
    assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean))
    assert torch.equal(bn.running_var, torch.ones_like(bn.running_var))


def test_scrambling_is_seeded_and_cascades_from_the_top(explainer):
    one = maths.scrambled(explainer.model, ("fc", "layer4"), seed=3)
    again = maths.scrambled(explainer.model, ("fc", "layer4"), seed=3)
    other = maths.scrambled(explainer.model, ("fc", "layer4"), seed=4)
    assert _same(one, again) and not _same(one.fc, other.fc)
    state = torch.random.get_rng_state()
    networks = maths.cascade_networks(explainer.model, seed=3)
    first = next(networks)
    assert _same(first, one)  # one copy scrambled further: the same weights as a fresh copy
    second = next(networks)
    assert _same(second.fc, one.fc) and not _same(second.layer3, explainer.model.layer3)
    assert torch.equal(state, torch.random.get_rng_state())  # the global random state kept
    with pytest.raises(ValueError, match="blocks"):
        maths.scrambled(explainer.model, ("layer9",))


def test_cam_changes_when_the_network_is_scrambled_on_a_drawn_seven(checked, seven):
    assert checked.trained.shape == checked.edges.shape == (28, 28)
    assert checked.scrambled.shape == (len(maths.STEPS), 28, 28)
    assert checked.similarity.shape == (len(maths.STEPS),)
    assert (np.abs(checked.similarity) <= 1).all()
    assert checked.similarity[-1] < maths.PASSES
    words = sanity.scramble_words(checked, "CAM on layer4")
    assert "it shows what the network learnt" in words.student
    assert not JARGON.search(words.student)
    assert "Spearman" in words.teachers and "| 5 |" in words.teachers


def test_a_map_that_barely_changes_is_said_to_show_the_drawing(explainer, seven):
    """LayerCAM on layer4 keeps the positive-weighted channels' activity, which follows the
    ink in any network: scrambled, its map stays alike (docs/measurements.md)."""
    layercam = explainer.explain(prepare(SEVEN), method="layercam")
    checked = sanity.scramble(explainer, layercam)
    assert checked.similarity[-1] >= maths.PASSES
    student = sanity.scramble_words(checked, "LayerCAM on layer4").student
    assert "shows your drawing, not what the network learnt" in student


def test_the_pictures_captions_and_chart_of_the_check(checked, seven):
    tiles = sanity.scramble_tiles(checked, seven.model_input)
    assert len(tiles) == len(maths.STEPS) + 2
    assert [caption.split(":")[0] for _, caption in tiles] == [
        "trained", "step 1", "step 2", "step 3", "step 4", "step 5", "edges"]
    assert all(tile.shape == (sanity.TILE, sanity.TILE, 3) and len(caption) <= 13
               for tile, caption in tiles)
    frame = sanity.scramble_frame(checked)
    assert list(frame.columns) == ["scrambled", "alike", "line"]
    assert frame["scrambled"].tolist() == list(range(6)) * 2
    assert frame["alike"].iloc[0] == 1.0  # the trained map is the same as itself


def test_the_check_refuses_a_blank_page_and_the_slow_method(explainer):
    from cam_core.errors import PersonError

    with pytest.raises(PersonError, match="Draw a digit"):
        sanity.scramble(explainer, explainer.explain(None))
    with pytest.raises(PersonError, match="Score-CAM is too slow"):
        sanity.check_method("scorecam")
    sanity.check_method("layercam")  # a live method is fine


def test_the_edge_map_knows_only_the_drawing():
    picture = np.zeros((28, 28), np.uint8)
    picture[8:20, 12:16] = 255
    edges = maths.edge_map(picture)
    assert edges[14, 11] > 0 and edges[14, 13] == 0 and edges[2, 2] == 0
    assert maths.rank_correlation(edges, np.zeros((28, 28))) == 0.0  # nothing to rank


@pytest.mark.slow
def test_cam_passes_the_sanity_check_over_200_mnist_digits(explainer, mnist_test, capsys):
    images, _ = mnist_test
    prepared = [prepare(image) for image in images[:200]]
    results = explainer.explain_batch(prepared)
    names = [m.name for m in METHODS.values() if m.live]
    table = maths.similarities(explainer.model, np.stack([p.model_input for p in prepared]),
                               np.stack([p.tensor for p in prepared]),
                               [r.digit for r in results], names)
    means = {name: table[name].mean(axis=0) for name in names}
    with capsys.disabled():
        print("\nmean Spearman with the trained map, steps 1-5 then the edge map:")
        for name, row in means.items():
            print(f"{METHODS[name].label:>11}: " + " ".join(f"{m:+.2f}" for m in row))
    assert means["cam"][len(maths.STEPS) - 1] < maths.PASSES
