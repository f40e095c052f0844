"""Hide the evidence on 20 drawn digits (pen replays of held-back writers, as the pad draws
them): the verdict is judged against several random orders, so a map whose hottest-first order
hurts no more than a random order is never said to "point at real evidence", and a map that
clearly beats them is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cam_core.explain import road
from cam_core.inputs.prepare import prepare_ink
from cam_core.serve import hiding, trust
from training.scribbles import pen_ink

POSITIVE = "the map points at real evidence"


@pytest.fixture(scope="module")
def drawn(explainer, pendigits):
    held_back = [d for d in pendigits if d.writer >= 26]
    rng = np.random.default_rng(3)
    picks = [held_back[i] for i in rng.choice(len(held_back), 20, replace=False)]
    return [explainer.explain(prepare_ink(pen_ink(d.strokes, 0.7, (0.5, 0.5)))) for d in picks]


@pytest.mark.slow
def test_a_map_that_hurts_as_much_as_a_random_order_is_never_said_to_point_at_evidence(
        explainer, drawn):
    """The map tested is one of the random orders it is judged against (hiding in its order
    hurts exactly as much as hiding in a random order): the words must say "no better than
    chance", on every digit."""
    said = []
    for result in drawn:
        same = road.random_smooth_maps(trust.RANDOM_MAPS, seed=0)[0]
        curves = hiding.hide_evidence_of_map(explainer, result.model_input, same, result.target)
        student = hiding.hiding_words(curves, "a random map").student
        assert POSITIVE not in student
        said.append("no better than chance" in student)
    assert all(said), f"{sum(said)}/20 said no better than chance"


@pytest.mark.slow
def test_hiding_the_ink_first_is_judged_better_than_chance_on_most_digits(explainer, drawn,
                                                                          capsys):
    """Hiding the ink first (a map that is the drawing, blurred a little) hurts far more than
    random orders on most digits. On a thin pen digit even a random order breaks the strokes
    quickly, so not on all."""
    verdicts = []
    for result in drawn:
        ink = cv2.GaussianBlur(result.model_input.astype(np.float32), (0, 0), 1)
        curves = hiding.hide_evidence_of_map(explainer, result.model_input, ink, result.target)
        verdicts.append(curves.verdict)
        assert (POSITIVE in hiding.hiding_words(curves, "the ink").student) == (
            curves.verdict == 1)
    with capsys.disabled():
        print(f"\nink map on 20 pen digits: {verdicts.count(1)} real evidence, "
              f"{verdicts.count(0)} chance, {verdicts.count(-1)} wrong places")
    assert verdicts.count(1) >= 5 and verdicts.count(-1) == 0
