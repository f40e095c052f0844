"""Say what is on screen: a map of a digit that is not the answer says so; two or more digits
drawn side by side are read (as one picture) with a sentence that says one at a time."""

from __future__ import annotations

import numpy as np
from conftest import ROOT

from cam_core.inputs.count import digit_count
from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.inputs.strokes import render_strokes
from cam_core.serve import views
from training.scribbles import pen_ink, place_pen_strokes

SEVEN = str(ROOT / "examples" / "pen_7.png")


def test_the_map_of_another_digit_names_the_digit_and_the_answer(explainer):
    assert views.other_digit_line(explainer.explain(SEVEN)) == ""
    other = explainer.explain(SEVEN, target=1)
    assert other.digit == 7
    assert views.other_digit_line(other) == ("The colours show the evidence for 1, not for "
                                             "the answer 7.")
    assert views.other_digit_line(explainer.explain(None)) == ""
    # The pad's corner on a phone (the headline is a screen away) says it in a few words.
    assert views.short_answer(other) == "7 · colours show 1"
    assert views.short_answer(explainer.explain(SEVEN)).endswith("sure")


def _side_by_side(pendigits, labels: list[int]) -> np.ndarray:
    """Pen digits written next to each other on a wide pad, as a student writes "12"."""
    picks = [next(d for d in pendigits if d.label == label and d.writer >= 26)
             for label in labels]
    canvas = (400, 400 * len(picks))
    strokes = [stroke for i, d in enumerate(picks)
               for stroke in place_pen_strokes(d.strokes, 0.6, ((i + 0.5) / len(picks), 0.5),
                                               canvas)]
    return render_strokes(strokes, canvas)


def test_two_or_three_digits_side_by_side_are_read_and_said(explainer, pendigits):
    for labels in ([1, 2], [4, 7], [3, 5, 8]):
        prepared = prepare_ink(_side_by_side(pendigits, labels))
        assert digit_count(prepared.ink) == len(labels)
        result = explainer.explain(prepared)
        assert result.digit is not None  # still read, not refused
        assert views.several_digits_line(prepared) == (
            f"I see {len(labels)} digits; I read one at a time: draw one.")


def test_one_digit_in_several_strokes_is_one_digit(pendigits, mnist_test):
    """A 4 or a 5 drawn in strokes that do not touch is still one digit."""
    held_back = [d for d in pendigits if d.writer >= 26][:300]
    counts = [digit_count(prepare_ink(pen_ink(d.strokes, 0.7, (0.5, 0.5))).ink)
              for d in held_back]
    assert counts.count(1) == len(held_back)
    uploaded = [digit_count(prepare(255 - image).ink) for image in mnist_test[0][:300]]
    assert uploaded.count(1) == 300
    assert views.several_digits_line(prepare_ink(pen_ink(held_back[0].strokes, 0.7,
                                                         (0.5, 0.5)))) == ""


def test_dust_beside_a_digit_is_not_a_second_digit():
    ink = np.zeros((200, 200), np.float32)
    ink[40:160, 90:100] = 1  # a 1
    ink[150:154, 150:154] = 1  # a speck
    ink[100:102, 20:40] = 1  # a dash
    assert digit_count(ink) == 1
    assert digit_count(np.zeros((10, 10))) == 0


def test_the_answer_to_two_uploaded_digits_says_one_at_a_time(explainer, mnist_test):
    """"12" uploaded: the page still answers (one digit for the whole picture) and says it
    sees two digits; a single digit's answer does not."""
    from cam_core.serve.service import Request, Service, Settings, Upload

    images, _ = mnist_test
    pair = np.full((60, 120), 255, np.uint8)
    pair[16:44, 20:48], pair[16:44, 72:100] = 255 - images[2], 255 - images[1]
    service = Service(explainer)
    two = service.explain(Request(Upload(pair), Settings(), live=True)).headline
    assert "big-digit" in two and "I see 2 digits; I read one at a time: draw one." in two
    one = service.explain(Request(Upload(255 - images[0]), Settings(), live=True)).headline
    assert "I see" not in one
