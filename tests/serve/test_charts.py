"""The charts and the names of maps in the reader's language: axis titles, the names of the
lines and bars (legend, tooltips, colours), "Grad-CAM on layer4", and the colour-map choices of
the controls. Every word a German or Arabic reader sees there is theirs, not English."""

from __future__ import annotations

import numpy as np
import pytest

from cam_core.explain import sanity as maths
from cam_core.serve import catalog, hiding, sanity, trust, views
from cam_core.serve.charts import Chart, bar, map_name

READERS = ("de", "ar")
RANDOM_ROWS = [(trust.RANDOM_MAP, "—", score) for score in (0.07, 0.02, -0.03, 0.0, 0.04, -0.01)]
ROWS = sorted([("LayerCAM", "layer2", 0.25), ("CAM", "layer4", 0.16), ("Grad-CAM", "layer4", 0.08),
               *RANDOM_ROWS], key=lambda row: -row[2])


def _curves() -> hiding.HidingCurves:
    """Made-up hiding curves (the chart's words do not depend on the numbers)."""
    hidden = np.linspace(0.1, 0.9, 9)
    tile = np.zeros((28, 28), np.uint8)
    return hiding.HidingCurves(
        target=7, before=0.99, hidden=hidden, hottest_first=1 - hidden,
        coldest_first=np.full(9, 0.95), random_runs=np.tile(1 - hidden / 2, (4, 1)),
        trust=0.2, random_trusts=np.array([0.01, -0.02]), verdict=1,
        tiles={"hottest": tile, "coldest": tile, "random": tile}, shown=0.2)


def _cascade() -> maths.Cascade:
    flat = np.zeros((28, 28), np.float32)
    return maths.Cascade(trained=flat, scrambled=np.zeros((5, 28, 28), np.float32),
                         similarity=np.array([0.9, 0.5, 0.2, 0.1, 0.0]), edges=flat,
                         edge_similarity=0.3)


def _assert_not_english(chart: Chart, english: Chart) -> None:
    """Axis titles, the colour column's name (tooltips, legend) and every name in it differ
    from English; the colours (if any) are keyed by exactly the names the chart shows."""
    assert chart.x_title != english.x_title and chart.y_title != english.y_title
    assert chart.colour in chart.frame.columns and chart.colour != english.colour
    shown, english_names = set(chart.frame[chart.colour]), set(english.frame[english.colour])
    assert shown.isdisjoint(english_names), shown & english_names
    if english.colours:
        assert set(chart.colours) == shown
        assert sorted(chart.colours.values()) == sorted(english.colours.values())


@pytest.mark.parametrize("language", READERS)
def test_the_hiding_chart_speaks_the_readers_language(language):
    chart, english = hiding.hiding_chart(_curves(), language), hiding.hiding_chart(_curves())
    assert english.x_title == "hidden (%)" and set(english.frame["line"]) == {
        hiding.HOTTEST, hiding.COLDEST, hiding.RANDOM}
    assert english.colours == hiding.CURVE_COLOURS
    _assert_not_english(chart, english)
    assert chart.x_title == catalog.say(language, "teaching.hide.x_title")
    hottest = catalog.say(language, "charts.hide.hottest")
    assert chart.colours[hottest] == hiding.CURVE_COLOURS[hiding.HOTTEST]  # red stays red


@pytest.mark.parametrize("language", READERS)
def test_the_trust_chart_speaks_the_readers_language(language):
    chart, english = trust.trust_chart(ROWS, language), trust.trust_chart(ROWS)
    assert (english.x_title, english.y_title) == ("map", "score (points)")
    assert english.colours == trust.TRUST_COLOURS
    _assert_not_english(chart, english)
    bars = chart.frame["map"].tolist()
    assert bars[:2] == ["LayerCAM layer2", "CAM layer4"]  # names only: no English word
    assert catalog.say(language, "teaching.trust.random_bar", count=6) in bars


@pytest.mark.parametrize("language", READERS)
def test_the_scramble_chart_speaks_the_readers_language(language):
    chart, english = sanity.scramble_chart(_cascade(), language), sanity.scramble_chart(_cascade())
    assert english.x_title == "steps of scrambling"
    assert set(english.frame["line"]) == {"this map", "edge finder"}
    _assert_not_english(chart, english)


@pytest.mark.parametrize("language", READERS)
def test_the_answer_chart_speaks_the_readers_language(language):
    chart, english = views.answer_chart(language), views.answer_chart()
    assert (english.x_title, english.colours) == ("digit", views.BAR_COLOURS)
    _assert_not_english(chart, english)
    frame = views.probability_frame(np.full(10, 0.1), 3, language)
    assert frame[bar(language)][3] == catalog.say(language, "charts.answer.prediction")
    assert set(frame[bar(language)]) == set(chart.colours)


@pytest.mark.parametrize("language", READERS)
def test_a_map_is_named_in_the_readers_language(language):
    assert map_name("Grad-CAM", "layer4") == "Grad-CAM on layer4"
    name = map_name("Grad-CAM", "layer4", language)
    assert "Grad-CAM" in name and "layer4" in name and " on " not in name
    words = trust.trust_words(ROWS, ("CAM", "layer4"), language)
    assert map_name("LayerCAM", "layer2", language) in words.student
    assert " on " not in words.student + words.teachers
    assert set(trust.trust_verdicts(ROWS, language)) == {
        map_name(label, layer, language) for label, layer, _ in ROWS[:3]}
    hidden = hiding.hiding_words(_curves(), name, language)
    assert name in hidden.student and " on " not in hidden.student


@pytest.mark.parametrize("language", READERS)
def test_the_colour_maps_are_offered_in_plain_words_of_the_readers_language(language):
    from cam_core.explain.render import COLORMAPS

    labels, english = catalog.page_labels()[language], catalog.page_labels()["en"]
    for name in COLORMAPS:
        key = f"charts.colormap.{name}"
        assert english[key].endswith(f"({name})") or f"({name}," in english[key]
        assert name in labels[key] and labels[key] != english[key]
        assert "{" not in labels[key]  # Gradio reads page labels as ICU messages
