"""The page's charts follow the reader's language: the handlers that fill a plot send its axis
titles and its colours' names with its data; the colour-map choices are page labels."""

from __future__ import annotations

import json

import pytest

from cam_core.explain.render import COLORMAPS
from cam_core.serve import catalog
from cam_core.serve.service import Service
from ui.handlers import Handlers
from ui.language import SET_LANGUAGE, title
from ui.sections import COLORMAP_CHOICES

SEVEN_STROKES = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
CONTROLS = ("prediction", "cam", "layer4", 0.5, "viridis", False)


@pytest.fixture(scope="module")
def handlers(explainer) -> Handlers:
    return Handlers(Service(explainer))


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_scramble_plot_comes_with_the_readers_axis_titles_and_line_names(handlers,
                                                                           language):
    plot, student, _, tiles = handlers.scramble("draw", SEVEN_STROKES, None, "cam", "layer4",
                                                language)
    assert plot["x_title"] == catalog.say(language, "teaching.scramble.x_title")
    assert plot["y_title"] == catalog.say(language, "teaching.scramble.y_title")
    assert plot["x_title"] != catalog.say("en", "teaching.scramble.x_title")
    assert plot["color"] == catalog.say(language, "charts.line") in plot["value"].columns
    lines = {catalog.say(language, f"teaching.scramble.line_{name}") for name in ("map", "edges")}
    assert set(plot["value"][plot["color"]]) == lines
    assert catalog.say(language, "charts.map_name", method="CAM", layer="layer4") in student
    assert tiles[0][1] == catalog.say(language, "teaching.scramble.caption_trained")


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_chosen_language_gives_the_answer_chart_its_titles_and_bar_names(handlers, language):
    said = handlers.on_language(language, "draw", SEVEN_STROKES, None, *CONTROLS)
    assert said[0] == language and said[2] is None  # emptied, to be drawn afresh
    chart = handlers.answer_chart("draw", SEVEN_STROKES, None, *CONTROLS, language)
    assert chart["x_title"] == catalog.say(language, "charts.answer.x_title") != "digit"
    assert chart["y_title"] == catalog.say(language, "charts.answer.y_title")
    assert chart["color"] == catalog.say(language, "charts.bar")
    kinds = set(chart["value"][chart["color"]])
    assert kinds == set(chart["color_map"])
    assert catalog.say(language, "charts.answer.prediction") in kinds


def test_the_colour_maps_are_offered_by_plain_words_and_passed_on_by_name():
    assert [value for _, value in COLORMAP_CHOICES] == list(COLORMAPS)
    assert [shown.key for shown, _ in COLORMAP_CHOICES] == [
        f"charts.colormap.{name}" for name in COLORMAPS]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_browser_tab_is_titled_in_the_readers_language(language):
    assert title("en") == "What does the network look at?"
    assert title(language) != title("en") and title(language) in SET_LANGUAGE
