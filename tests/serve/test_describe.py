"""The heatmap in words (cam_core.serve.describe): where the map puts the evidence, said in the
drawing's own terms, for five drawings on the trained network and for constructed maps whose
answer is known; and the bar chart as a table."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from cam_core.serve import describe
from cam_core.serve.catalog import catalog, say
from cam_core.serve.service import Pad, Service

REGION_WORDS = [text for key, text in catalog("en").items()
                if key.startswith(("describe.region.", "describe.line."))]


def _pad(*strokes) -> str:
    return json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 24, "points": [list(map(float, p)) for p in points]}
        for points in strokes]})


DRAWINGS = {
    "seven": _pad([(110, 80), (290, 80), (170, 330)]),
    "one": _pad([(200, 60), (200, 340)]),
    "zero": _pad([(200 + 110 * np.cos(t), 200 + 150 * np.sin(t))
                  for t in np.linspace(0, 2 * np.pi, 40)]),
    "blank": None,
    "stray": _pad([(300, 300), (330, 320)]),
}


@pytest.fixture(scope="module")
def sentences(explainer) -> dict[str, str]:
    service = Service(explainer)
    return {name: describe.describe(explainer.explain(service.read(Pad(text))))
            for name, text in DRAWINGS.items()}


def _named(sentence: str) -> list[str]:
    """The region phrases of ``sentence``, in order ("at the top left" is not "at the top")."""
    pattern = "|".join(re.escape(words) for words in sorted(REGION_WORDS, key=len, reverse=True))
    return re.findall(pattern, sentence)


def test_five_drawings_are_described_in_the_drawings_own_terms(sentences):
    for name, sentence in sentences.items():
        print(f"{name}: {sentence}")  # the sentences, for the record (-s)
    seven, one, zero = sentences["seven"], sentences["one"], sentences["zero"]
    assert seven.startswith("Most of the evidence for 7 is ")
    assert one.startswith("Most of the evidence for 1 is ")
    assert zero.startswith("Most of the evidence for 0 is ")
    # The network reads a 1 by the empty paper beside its stem, a 0 by its hole, a 7 by the
    # paper inside its corner, right of the stem: said as places, on paper, not on the lines
    # (measured with the weights in weights/; a retrained network may look elsewhere).
    assert _named(one)[0] in ("on the right side", "on the left side")
    assert "on the empty paper" in one
    assert _named(zero)[0] in ("in the middle", "across the middle")
    assert "on the empty paper" in zero
    assert "on the right side" in _named(seven)[:2] and "on the empty paper" in seven
    assert sentences["blank"] == say("en", "describe.blank")
    # A stray mark gets the network's guess described like any map (the headline names it
    # a guess), with a place and where that is.
    assert re.match(r"Most of the evidence for \d is ", sentences["stray"])
    for sentence in (seven, one, zero, sentences["stray"]):
        assert 1 <= len(_named(sentence)) <= 3 and len(sentence) < 200


def _seven_ink() -> np.ndarray:
    ink = np.zeros((28, 28), np.uint8)
    ink[5:8, 6:22] = 255  # the top bar
    for y in range(8, 24):  # the stem, slanting down to the left
        x = 21 - (y - 8) * 8 // 16
        ink[y, x - 1:x + 2] = 255
    return ink


def test_a_map_on_the_top_bar_is_said_to_be_across_the_top_on_the_lines():
    ink = _seven_ink()
    unit = np.zeros((28, 28), np.float32)
    unit[4:9, 6:22] = 1.0
    assert describe.describe_map(unit, ink, 7) == (
        "Most of the evidence for 7 is across the top, on your lines.")


def test_evidence_on_paper_beside_a_stem_is_on_the_empty_paper_at_that_side():
    ink = np.zeros((28, 28), np.uint8)
    ink[4:24, 13:15] = 255  # a 1: two pixels wide, twenty tall
    unit = np.zeros((28, 28), np.float32)
    unit[11:17, 18:22] = 1.0  # right of the stem
    unit[11:17, 6:9] = 0.8  # and some left of it
    sentence = describe.describe_map(unit, ink, 1)
    assert sentence.startswith("Most of the evidence for 1 is on the right side, on the empty "
                               "paper.")
    assert sentence.endswith("Some is on the left side, on the empty paper.")


def test_evidence_spread_evenly_is_called_spread_and_a_flat_map_points_nowhere():
    ink = _seven_ink()
    spread = np.full((28, 28), 0.9, np.float32)
    spread[0, 0] = 0.0
    assert describe.describe_map(spread, ink, 7).startswith(
        "The evidence for 7 is spread over the whole drawing; the strongest part is ")
    assert describe.describe_map(np.zeros((28, 28)), ink, 7) == say("en", "describe.flat",
                                                                     digit=7)


def test_shares_add_up_and_mismatched_shapes_are_refused():
    rng = np.random.default_rng(0)
    found = describe.regions(rng.random((28, 28)), _seven_ink())
    assert len(found) == 9 and abs(sum(r.share for r in found) - 1) < 1e-9
    assert [r.share for r in found] == sorted((r.share for r in found), reverse=True)
    assert all(0 <= r.on_ink <= 1 for r in found)
    with pytest.raises(ValueError, match="same 2-D shape"):
        describe.regions(np.zeros((7, 7)), _seven_ink())


def test_the_bar_chart_as_a_table_gives_all_ten_probabilities():
    probabilities = np.array([0.01, 0.02, 0, 0, 0, 0, 0, 0.953, 0.017, 0], np.float32)
    table = describe.probability_table(probabilities, 7)
    rows = re.findall(r"<tr( class='predicted')?><th scope='row'>(\d)</th><td>([^<]*)</td>",
                      table)
    assert [digit for _, digit, _ in rows] == [str(d) for d in range(10)]
    assert rows[7] == (" class='predicted'", "7", "95.3%")
    assert [marked for marked, _, _ in rows].count(" class='predicted'") == 1
    assert "<caption>" in table and describe.probability_table(probabilities, None) == ""


def test_the_colour_key_runs_from_less_to_more_evidence_in_the_maps_own_colours():
    from cam_core.explain import render

    key = describe.legend("viridis")
    assert "less evidence" in key and "more evidence" in key and "aria-hidden='true'" in key
    first, last = render.colorize(np.array([[0.0, 1.0]]), "viridis")[0]
    assert f"rgb({first[0]}, {first[1]}, {first[2]})" in key
    assert key.rstrip().count("rgb(") == describe.LEGEND_STOPS
    assert f"rgb({last[0]}, {last[1]}, {last[2]})" in key
    signed = describe.legend("coolwarm")
    assert re.findall(
        r"<span>([^<]*)</span>", signed) == ["evidence against", "none", "evidence for"]
    with pytest.raises(ValueError):
        describe.legend("rainbow")


def test_a_refused_speck_gets_its_own_message_and_no_contradicting_sentence(explainer):
    speck = explainer.explain(Service(explainer).read(Pad(_pad([(200, 200), (203, 201)]))))
    assert speck.digit is None and speck.message.key == "inputs.too_small"
    assert describe.describe(speck) == ""
