"""The drawing pad's value: strokes as JSON, checked, and rendered as training and evaluation
render pen trajectories."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from cam_core.errors import InputError
from cam_core.inputs import strokes
from cam_core.inputs.prepare import prepare_ink
from cam_core.inputs.strokes import parse_drawing, render_drawing, render_strokes
from cam_core.serve.service import Pad, Service

SEVEN = [[110.0, 80.0], [290.0, 80.0], [170.0, 330.0]]


def pad_json(*marks: tuple[str, list], side: int = 400) -> str:
    """What the pad sends for ``(tool, points)`` strokes drawn in order."""
    sizes = {"pen": strokes.BRUSH_WIDTH, "eraser": strokes.ERASER_WIDTH}
    return json.dumps({"width": side, "height": side, "strokes": [
        {"tool": tool, "size": sizes[tool], "points": points} for tool, points in marks]})


def test_pen_strokes_render_as_the_evaluation_renders_them():
    """A drawing of pen strokes gives exactly render_strokes' pixels (the evaluation's and
    training's replays), and reaches the model as that ink does through the page's service."""
    one = [[200.0, 60.0], [205.0, 340.0]]
    drawing_text = pad_json(("pen", SEVEN), ("pen", one))
    drawing = parse_drawing(drawing_text)
    ink = render_drawing(drawing)
    np.testing.assert_array_equal(ink, render_strokes([np.array(SEVEN), np.array(one)]))
    served = Service(explainer=None).read(Pad(drawing_text))  # reading needs no model
    evaluated = prepare_ink(render_strokes([np.array(SEVEN), np.array(one)]))
    np.testing.assert_array_equal(served.tensor, evaluated.tensor)
    np.testing.assert_allclose(served.to_model, evaluated.to_model)


def test_the_eraser_removes_ink_in_drawing_order():
    seven = render_drawing(parse_drawing(pad_json(("pen", SEVEN))))
    across = [[0.0, 200.0], [400.0, 200.0]]
    erased = render_drawing(parse_drawing(pad_json(("pen", SEVEN), ("eraser", across))))
    rows = np.abs(np.arange(400) - 200)  # distance of each row from the eraser's path
    under, away = rows <= strokes.ERASER_WIDTH / 2 - 1, rows > strokes.ERASER_WIDTH / 2 + 2
    assert seven[under].max() == 1.0 and erased[under].max() == 0.0  # gone under the eraser
    np.testing.assert_array_equal(erased[away], seven[away])  # untouched elsewhere
    # Ink drawn after the eraser stays: order matters, as on the canvas.
    redrawn = render_drawing(parse_drawing(pad_json(("pen", SEVEN), ("eraser", across),
                                                    ("pen", SEVEN))))
    np.testing.assert_array_equal(redrawn[under], seven[under])
    # A single tap of the pen is a dot, not nothing.
    assert render_drawing(parse_drawing(pad_json(("pen", [[50, 50]])))).sum() > 100


@pytest.mark.parametrize(("value", "says"), [
    ("", "not JSON"),
    (str(ROOT / "examples" / "pen_7.png"), "not JSON"),  # never read as a path on the server
    ("data:image/png;base64,iVBORw0KGgo=", "not JSON"),  # the old pad's value
    ('{"width": 400, "height": 400}', "no list of strokes"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "brush", "size": 24, '
     '"points": [[1, 2]]}]}', "neither pen nor eraser"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, "points": []}]}',
     "no points"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [[1, 2, 3]]}]}', "not an \\[x, y\\] pair"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [[NaN, 2]]}]}', "not JSON"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [[1e999, 2]]}]}', "beyond"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [["1", 2]]}]}', "not a number"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [[true, 2]]}]}', "not a number"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 24, '
     '"points": [[' + "9" * 40 + ', 2]]}]}', "beyond"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 0, '
     '"points": [[1, 2]]}]}', "size is outside"),
    ('{"width": 400, "height": 400, "strokes": [{"tool": "pen", "size": 1e308, '
     '"points": [[1, 2]]}]}', "size is outside"),
    ('{"width": 99999, "height": 400, "strokes": []}', "width is outside"),
    ('{"width": "400", "height": 400, "strokes": []}', "width is not a number"),
    ("[" * 100_000, "not JSON"),
])
def test_a_bad_drawing_is_refused_with_a_sentence(value, says):
    with pytest.raises(InputError, match=says) as caught:
        parse_drawing(value)
    assert "reload the page and draw again" in str(caught.value)


def test_drawings_beyond_the_limits_are_refused_before_drawing():
    tap = {"tool": "pen", "size": 24, "points": [[200, 200]]}
    with pytest.raises(InputError, match="over 1,000 strokes"):
        parse_drawing(json.dumps({"width": 400, "height": 400, "strokes": [tap] * 1001}))
    with pytest.raises(InputError, match="over 50,000 points"):
        parse_drawing(json.dumps({"width": 400, "height": 400, "strokes": [
            {"tool": "pen", "size": 1, "points": [[1, 1]] * 25_001}] * 2}))
    with pytest.raises(InputError, match="too large"):
        parse_drawing(" " * (strokes.MAX_DRAWING_CHARS + 1))
    # Long fat strokes across the canvas, again and again: refused, whatever the count.
    across = {"tool": "eraser", "size": 200, "points": [[0, 0], [400, 400], [0, 400]]}
    with pytest.raises(InputError, match="too many long strokes"):
        parse_drawing(json.dumps({"width": 400, "height": 400, "strokes": [across] * 100}))
    # A busy but human drawing (40 strokes of 300 points) is read.
    rng = np.random.default_rng(0)
    busy = [{"tool": "pen", "size": 24,
             "points": (200 + np.cumsum(rng.normal(0, 2, (300, 2)), 0)).round(2).tolist()}
            for _ in range(40)]
    assert len(parse_drawing(json.dumps({"width": 400, "height": 400,
                                         "strokes": busy})).strokes) == 40
