"""Teaching views: all ten maps, "Why 7 and not 1?", hide the evidence, how much to trust a
map, layers, how the heatmap is made — and their words, which a 14-year-old must be able to
follow (the ROAD maths itself: test_road.py)."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from conftest import ROOT

from cam_core.explain import methods, render
from cam_core.inputs.prepare import prepare, prepare_from_model_input
from cam_core.serve import hiding, teaching, trust, views
from cam_core.serve.catalog import say

SEVEN = str(ROOT / "examples" / "pen_7.png")
# Terms a student text may not use: their plain words are "score", "pattern detector",
# "lit up on average", "hide" (the precise terms are in the folded text for teachers).
JARGON = re.compile(r"logit|feature map|global average pooling|pooling|MoRF|LeRF|ROAD|"
                    r"imputation|softmax|fc layer|gradient", re.IGNORECASE)
STATIC = {"ten maps": views.TEN_MAPS, "why not": views.WHY_NOT, "hide": views.HIDE,
          "trust": views.TRUST, "layers": views.LAYERS}


@pytest.fixture(scope="module")
def seven(explainer):
    prepared = prepare(SEVEN)
    return prepared, explainer.explain(prepared)


@pytest.fixture(scope="module")
def curves(explainer, seven):
    return hiding.hide_evidence(explainer, seven[1], shown=0.2)


def _colour(tile: np.ndarray, plain: np.ndarray) -> float:
    """How much heatmap colour a tile carries: mean distance from the bare drawing."""
    return float(np.abs(tile.astype(int) - plain.astype(int)).mean())


# ----------------------------------------------------------------------------- words


@pytest.mark.parametrize("name", list(STATIC))
def test_each_view_has_plain_words_and_the_terms_for_teachers(name):
    words = STATIC[name]
    assert words.student and words.teachers
    assert not JARGON.search(words.student), JARGON.search(words.student)
    sentences = [s for s in re.split(r"(?<=[.?!:])\s+", words.student) if s]
    assert max(len(s.split()) for s in sentences) <= 25  # short sentences


def test_the_sentence_beside_the_heatmap_says_why_blank_paper_can_be_evidence():
    assert "no ink" in views.BLANK_PAPER and "a 1" in views.BLANK_PAPER
    assert not JARGON.search(views.BLANK_PAPER + views.HOW_INTRO + views.HIDE_KEY)


# ----------------------------------------------------------------------------- ten maps


def test_ten_tiles_in_each_scale(seven):
    _, result = seven
    for scale in ("per_map", "shared", "signed"):
        tiles = teaching.class_map_tiles(result, scale)
        assert len(tiles) == 10
        assert all(tile.shape == (teaching.TILE, teaching.TILE, 3) for tile, _ in tiles)
        assert tiles[3][1].startswith("3:")
    assert teaching.TILE >= 168  # the 28×28 input at least 6× enlarged, pixels kept sharp


def test_by_default_the_ten_maps_share_one_scale_so_impossible_digits_do_not_glow(seven):
    """Per-map scaling stretched every map to the full colour range: a digit at 0.0% glowed as
    brightly as the prediction. On the shared scale (the default) the prediction's map carries
    the most colour."""
    _, result = seven
    plain = render.enlarge(np.dstack([render.on_paper(result.model_input)] * 3), teaching.TILE)
    shared = [_colour(tile, plain) for tile, _ in teaching.class_map_tiles(result)]
    per_map = [_colour(tile, plain) for tile, _ in teaching.class_map_tiles(result, "per_map")]
    assert int(np.argmax(shared)) == result.digit == 7
    impossible = [d for d in range(10) if result.probabilities[d] < 0.001]
    assert max(shared[d] for d in impossible) < 0.5 * shared[7]
    assert max(per_map[d] for d in impossible) > 0.5 * per_map[7]  # what the default avoids


def test_a_diverging_colour_map_always_shows_the_signed_scale(seven):
    """Blue means "against" only when the middle of coolwarm is zero evidence."""
    _, result = seven
    signed = teaching.class_map_tiles(result, "signed", "coolwarm")
    for scale in ("per_map", "shared"):
        tiles = teaching.class_map_tiles(result, scale, "coolwarm")
        assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(tiles, signed, strict=True))


# ----------------------------------------------------------------------------- why k and not j


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


def test_why_not_is_asked_with_the_real_digits_in_plain_words(seven):
    prepared, result = seven
    _, words = teaching.contrast(result, prepared, 7, 1)
    assert teaching.why_title(7, 1) == "Why 7 and not 1?"
    assert words.student.startswith("**Why 7 and not 1?**")
    assert "sure it is a 7" in words.student and "sure it is a 1" in words.student
    assert not JARGON.search(words.student)
    gap = float(result.logits[7] - result.logits[1])
    assert f"{gap:+.2f}" in words.teachers and "logit gap" in words.teachers


def test_runner_up_is_the_second_most_probable(seven):
    _, result = seven
    first, second = np.argsort(-result.probabilities)[:2]
    assert teaching.runner_up(result, int(first)) == second
    assert teaching.runner_up(result, int(second)) == first  # asked about the runner-up itself
    other = int(np.argsort(-result.probabilities)[5])
    assert teaching.runner_up(result, other) == first


# ----------------------------------------------------------------------------- hide the evidence


def test_the_hiding_curves_start_at_the_untouched_drawing(curves):
    frame = hiding.hiding_frame(curves)
    assert list(frame.columns) == ["hidden", "sure", "line"]
    assert set(frame["line"]) == set(hiding.CURVE_COLOURS)
    for _, curve in frame.groupby("line"):
        assert curve["hidden"].tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
        assert curve["sure"].iloc[0] == pytest.approx(100 * curves.before, abs=0.05)
        assert ((curve["sure"] >= 0) & (curve["sure"] <= 100)).all()


def test_hiding_starts_from_the_probability_the_app_shows_even_for_faint_ink(explainer):
    """A faint model input (thin strokes) once counted as blank in the erase view, which then
    reported a probability the model never gave. The curves start where the app's answer is."""
    drawn = explainer.explain(SEVEN)
    faint = (drawn.model_input * 0.25).astype(np.uint8)  # at most 63 of 255
    result = explainer.explain(prepare_from_model_input(faint))
    assert result.digit is not None
    hidden = hiding.hide_evidence(explainer, result, shown=0.5)
    assert hidden.before == pytest.approx(float(result.probabilities[result.target]),
                                          abs=1e-4)


def test_the_hidden_pictures_are_large_sharp_and_captioned_whole(curves):
    tiles = hiding.hiding_tiles(curves)
    assert [caption.split(":")[0] for _, caption in tiles] == ["hot", "cold", "random"]
    for (tile, caption), name in zip(tiles, ("hottest", "coldest", "random"), strict=True):
        assert tile.shape == (hiding.HIDING_TILE, hiding.HIDING_TILE, 3)
        # "hottest: 15.7%" was cut to "hottest: 1…" in a gallery of three on a phone.
        assert hiding.HIDING_TILE >= 168 and len(caption) <= 11
        assert re.fullmatch(r"[a-z]+: \d{1,3}%", caption)
        # Nearest-neighbour enlargement: every 7×7 block is one model pixel, no blur.
        step = hiding.HIDING_TILE // 28
        blocks = tile[:, :, 0].reshape(28, step, 28, step)
        assert (blocks == blocks[:, :1, :, :1]).all()
        assert np.array_equal(blocks[:, 0, :, 0], render.on_paper(curves.tiles[name]))


def test_the_curves_are_read_for_the_student_in_plain_words(curves):
    words = hiding.hiding_words(curves, "CAM on layer4")
    step = int(np.argmin(np.abs(curves.hidden - 0.2)))
    for curve in (curves.hottest_first, curves.coldest_first, curves.random_order):
        sure = views.shown(float(curve[step]))
        assert say("en", "describe.chart.percent", p=sure) in words.student
    assert "map of **7** made with CAM on layer4" in words.student
    assert f"average of {len(curves.random_runs)} tries" in words.student
    assert f"took away {round(100 * curves.drop)} points" in words.student
    assert not JARGON.search(words.student)
    assert f"{curves.trust:.3f}" in words.teachers and "LeRF" in words.teachers


def test_the_grey_line_is_the_average_of_several_seeded_random_orders(curves):
    assert curves.random_runs.shape == (2 * trust.RANDOM_MAPS, len(curves.hidden))
    assert 8 <= len(curves.random_runs) <= 16
    assert np.allclose(curves.random_order, curves.random_runs.mean(axis=0))
    assert curves.random_runs.std(axis=0).max() > 0  # different orders, not one run copied


def _made(curves, hottest: float, runs: list[float]):
    """``curves`` with flat hottest-first and random curves at the given levels."""
    from dataclasses import replace

    steps = len(curves.hidden)
    return replace(curves, before=0.99, hottest_first=np.full(steps, hottest),
                   random_runs=np.array([np.full(steps, level) for level in runs]),
                   verdict=trust.road.beyond_chance(
                       0.99 - hottest, [0.99 - level for level in runs], trust.CLEAR_GAP))


def test_a_map_that_hurts_as_much_as_random_orders_is_no_better_than_chance(curves):
    """The day's 7: random order 12.2%, hottest first 11.4%, and the words said "the map
    points at real evidence". Against the random runs' spread it did no better than chance."""
    made = _made(curves, 0.114, [0.122, 0.30, 0.08, 0.15, 0.20, 0.11, 0.05, 0.25])
    student = hiding.hiding_words(made, "CAM on layer4").student
    assert made.verdict == 0
    assert "On your drawing this map did no better than chance" in student
    assert "real evidence" not in student


def test_a_map_that_beats_every_random_order_clearly_points_at_real_evidence(curves):
    made = _made(curves, 0.02, [0.60, 0.55, 0.70, 0.65, 0.58, 0.62, 0.66, 0.61])
    student = hiding.hiding_words(made, "CAM on layer4").student
    assert "hurt clearly more than all 8 random tries: the map points at real evidence" in student
    lucky = _made(curves, 0.50, [0.60, 0.55, 0.70, 0.65, 0.58, 0.62, 0.66, 0.52])
    assert lucky.verdict == 0  # beats them all, but by less than their spread


def test_a_map_that_hurts_less_than_random_points_at_the_wrong_places(curves):
    made = _made(curves, 0.95, [0.30, 0.35, 0.28, 0.40, 0.33, 0.31, 0.36, 0.29])
    assert "points at the wrong places" in hiding.hiding_words(made, "CAM on layer4").student


def test_the_verdict_needs_the_spread_of_several_random_runs():
    assert trust.road.beyond_chance(0.9, [0.1, 0.2, 0.15], 0.05) == 1
    assert trust.road.beyond_chance(0.24, [0.1, 0.2, 0.15], 0.05) == 0  # above all, not clearly
    assert trust.road.beyond_chance(-0.5, [0.1, 0.2, 0.15], 0.05) == -1
    assert trust.road.beyond_chance(0.9, [0.1, 0.8, -0.6], 0.05) == 0  # wide spread
    with pytest.raises(ValueError):
        trust.road.beyond_chance(0.9, [0.1], 0.05)


def test_on_the_drawn_seven_the_map_beats_random_orders_and_a_map_of_empty_paper_does_not(
        explainer, seven, curves):
    """CAM on a clear 7 clearly beats the random orders; a "map" that is hottest on the empty
    paper, far from the ink, must never be said to point at real evidence."""
    assert curves.verdict == 1
    _, result = seven
    # Hottest far from the ink (no ties: a flat map would hide all the paper at once).
    paper = cv2.distanceTransform((result.model_input < 26).astype(np.uint8), cv2.DIST_L2, 5)
    inside_out = hiding.hide_evidence_of_map(explainer, result.model_input, paper, 7)
    assert inside_out.verdict <= 0
    assert "real evidence" not in hiding.hiding_words(inside_out, "paper").student


def test_hiding_blank_is_refused(explainer):
    from cam_core.errors import PersonError

    with pytest.raises(PersonError, match="Draw a digit"):
        hiding.hide_evidence(explainer, explainer.explain(None), 0.2)


# ----------------------------------------------------------------------------- trust


RANDOM_ROWS = [("random map", "—", score) for score in (0.07, 0.02, -0.03, 0.0, 0.04, -0.01)]
ROWS = sorted([("LayerCAM", "layer2", 0.25), ("CAM", "layer4", 0.16), ("Grad-CAM", "layer4", 0.08),
               ("Grad-CAM", "layer2", -0.2), *RANDOM_ROWS], key=lambda row: -row[2])


def test_the_trust_chart_shows_points_best_first_and_the_best_random_map_to_beat():
    frame = trust.trust_frame(ROWS)
    assert frame["map"].tolist() == ["LayerCAM layer2", "CAM layer4", "Grad-CAM layer4",
                                     "random (best of 6)", "Grad-CAM layer2"]
    assert frame["points"].tolist() == [50.0, 32.0, 16.0, 14.0, -40.0]  # 200 × the score
    assert frame["bar"].tolist() == [trust.METHOD_MAP] * 3 + [trust.RANDOM_MAP,
                                                                  trust.METHOD_MAP]


def test_the_trust_scores_are_read_in_plain_words_against_the_random_maps():
    words = trust.trust_words(ROWS, ("CAM", "layer4"))
    assert "Best on your drawing: **LayerCAM on layer2**, 50 points." in words.student
    assert "The map chosen in Controls, CAM on layer4: 32 points." in words.student
    assert "6 random maps got -6 to 14 points." in words.student
    assert "Clearly better than every random map: LayerCAM on layer2 and CAM on layer4." in (
        words.student)
    # 16 points beats the best random map (14) but not by 5 points: chance, like −40.
    assert ("No better than chance on your drawing: Grad-CAM on layer4 and Grad-CAM on layer2."
            in words.student)
    assert not JARGON.search(words.student)
    assert "| CAM on layer4 | +0.160 |" in words.teachers
    slow = trust.trust_words(ROWS, ("Score-CAM", "layer4")).student
    assert "Score-CAM on layer4 is not tested here" in slow
    lucky = trust.trust_words([*RANDOM_ROWS[:1], ("CAM", "layer4", 0.05), *RANDOM_ROWS[1:]])
    assert "no way of making the map did clearly better than the random maps" in lucky.student
    assert "Clearly better" not in lucky.student


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_the_trust_table_includes_the_map_chosen_in_the_controls(explainer, seven,
                                                                monkeypatch):
    live = {name: methods.METHODS[name] for name in ("cam", "gradcam", "scorecam")}
    monkeypatch.setattr(trust, "METHODS", live)  # fewer maps: the same code, faster
    prepared, _ = seven
    rows = trust.trust_by_method(explainer, prepared, include=("gradcam", "layer3"))
    assert {(label, layer) for label, layer, _ in rows} == {
        ("CAM", "layer4"), ("Grad-CAM", "layer2"), ("Grad-CAM", "layer4"),
        ("Grad-CAM", "layer3"), ("random map", "—")}
    assert sum(label == "random map" for label, _, _ in rows) == trust.RANDOM_MAPS
    assert trust.trust_verdicts(rows)["CAM on layer4"] == 1  # a clear 7: CAM beats chance
    for slow_or_unknown in (("scorecam", "layer4"), ("gradcam", "layer1"), ("magic", "x")):
        again = trust.trust_by_method(explainer, prepared, include=slow_or_unknown)
        assert len(again) == 3 + trust.RANDOM_MAPS


# ----------------------------------------------------------------------------- layers, numbers


def test_layer_comparison_gives_three_resolutions(seven, explainer):
    prepared, _ = seven
    shown = teaching.layer_comparison(explainer, prepared, "layercam")
    assert [caption for _, caption in shown] == ["layer2: 14×14 squares", "layer3: 7×7 squares",
                                                 "layer4: 7×7 squares"]


def test_how_the_heatmap_is_made_adds_up_to_the_score_in_plain_words(explainer, seven):
    _, result = seven
    weights = explainer.model.fc.weight[result.target].numpy()
    total = float(weights @ result.pooled_features + explainer.model.fc.bias[result.target])
    assert total == pytest.approx(float(result.logits[result.target]), rel=1e-5, abs=1e-3)
    words = teaching.how_it_works(explainer, result)
    assert f"scored **{float(result.logits[7]):.1f}**" in words.student
    assert "so the network says 7" in words.student
    assert not JARGON.search(words.student)
    assert f"z_7 = {float(result.logits[7]):.2f}" in words.teachers
    for term in ("feature maps", "global average pooling", "logit"):
        assert term in words.teachers
    assert teaching.how_it_works(explainer, explainer.explain(None)).student.startswith(
        "Draw a digit")


def test_the_numbers_for_teachers_are_written_the_readers_way(curves):
    english = hiding.hiding_words(curves, "CAM on layer4").teachers
    german = hiding.hiding_words(curves, "CAM auf layer4", language="de").teachers
    decimals = re.compile(r"\d[.,]\d{3}")  # the scores, three decimals each
    assert {found[1] for found in decimals.findall(english)} == {"."}
    assert {found[1] for found in decimals.findall(german)} == {","}
