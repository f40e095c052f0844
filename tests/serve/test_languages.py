"""The page's sentences in the reader's language, through the serving functions: what the layers
below name by key (a blank page, a speck, a damaged drawing, not a digit) is said in German and
Arabic, and the English text stays what logs, the CLI and the API read."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from conftest import ROOT

from cam_core.errors import InputError
from cam_core.inputs.prepare import TOO_SMALL_MESSAGE, prepare, prepare_ink
from cam_core.serve import catalog, views
from cam_core.serve.catalog import Message, told
from cam_core.serve.service import SERVER_ERROR, Pad, Request, Service, Settings, Upload, layer_for
from training.scribbles import random_scribble

SEVEN_STROKES = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
SPECK = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 6, "points": [[200, 200], [203, 201]]}]})


def arabic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\u0600" <= c <= "\u06ff" for c in letters) / max(len(letters), 1)


@pytest.fixture(scope="module")
def service(explainer) -> Service:
    return Service(explainer)


def test_a_message_is_its_english_sentence_and_keeps_its_key():
    too_small = prepare(np.pad(np.ones((3, 3)), 100)).message
    assert too_small == TOO_SMALL_MESSAGE and "larger" in too_small
    assert isinstance(too_small, Message) and too_small.key == "inputs.too_small"
    assert copy.deepcopy(too_small).key == "inputs.too_small"  # the reduce protocol keeps it
    error = InputError(key="inputs.too_many_strokes", limit=1000)
    assert str(error) == "The drawing has over 1,000 strokes; press Clear and draw one digit."
    assert told("de", error.message).startswith("Die Zeichnung hat über 1.000 Striche")
    assert told("de", "a sentence from elsewhere") == "a sentence from elsewhere"


def test_the_answer_to_a_drawing_is_written_in_german_and_arabic(service):
    english, german, arabic = (service.explain(Request(Pad(SEVEN_STROKES), language=language))
                               for language in ("en", "de", "ar"))
    assert ">7<" in english.headline and "sure" in english.answer
    assert german.answer.startswith("7 · zu ") and german.answer.endswith("\xa0% sicher")
    assert "sicher" in german.headline and "sure" not in german.headline
    assert arabic.answer.startswith("7 · متأكدة بنسبة")
    assert "متأكد" in arabic.headline and "sure" not in arabic.headline


def test_blank_speck_and_damaged_inputs_are_told_in_the_readers_language(service):
    blank_de = service.blank("de")
    assert "Zeichne eine Ziffer" in blank_de.headline
    assert arabic_share(service.blank("ar").headline.split(">", 2)[2]) > 0.9
    speck = service.explain(Request(Pad(SPECK), language="de"))
    assert speck.answer == "Zu klein: Zeichne die Ziffer größer"
    assert "zu klein zum Lesen" in speck.headline
    damaged = service.explain(Request(Pad('{"width": 400'), language="ar"))
    assert "لوحة الرسم" in damaged.headline  # "the drawing pad sent something that is not…"
    english = service.explain(Request(Pad('{"width": 400'), language="en"))
    assert "The drawing pad sent something that is not a drawing" in english.headline
    settings = service.explain(Request(Upload(None), Settings(opacity=2), language="de"))
    assert "Deckkraft" in settings.headline


def test_a_server_error_is_said_in_the_readers_language(service, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(service.explainer, "explain_batch", broken)
    shown = service.explain(Request(Pad(SEVEN_STROKES), language="de"))
    assert catalog.say("de", "answers.server_error") in shown.headline
    assert SERVER_ERROR not in shown.headline


def test_not_a_digit_the_target_and_the_layer_rule_follow_the_language(service, explainer):
    rng = np.random.default_rng(3)
    flagged = next(r for r in (explainer.explain(prepare_ink(random_scribble(rng)))
                               for _ in range(10)) if r.not_a_digit)
    german = views.headline(flagged, language="de")
    assert "beste Vermutung" in german and "wie eine Ziffer, die ich kenne" in german
    assert views.short_answer(flagged, "ar").startswith("ليس رقمًا؟")
    seven = explainer.explain(str(ROOT / "examples" / "pen_7.png"), target=1)
    assert "Die Heatmap zeigt die Hinweise auf die <b>1</b>" in views.headline(seven,
                                                                              language="de")
    chosen, why = layer_for("cam", "layer2", "de")
    assert chosen == "layer4" and why.startswith("CAM kann layer2 nicht nutzen")
    assert layer_for("cam", "layer2")[1].startswith("CAM cannot use layer2")
    result = service.explainer.explain(None)
    assert views.headline(result, language="ar") != views.headline(result)


@pytest.mark.parametrize("language", sorted(catalog.LANGUAGES))
def test_every_teaching_view_has_its_words_in_every_language(language):
    for view in views.VIEWS:
        words = views.words(view, language)
        assert words.student and words.teachers
        if language != "en":
            assert words.student != views.words(view).student, (language, view)
    assert views.hide_key(language) and views.how_intro(language) and views.blank_paper(language)


def test_the_pages_handlers_answer_in_the_pages_language(service, monkeypatch):
    """The live handlers, the layer rule and a teaching view's notices follow the language the
    page keeps (ui.handlers; the page's chooser and Accept-Language set it)."""
    from ui.handlers import Handlers

    handlers = Handlers(service)
    defaults = (["prediction"], ["cam"], ["layer4"], [0.5], ["viridis"], [False])
    (headline,), *_ = handlers.on_draw([SEVEN_STROKES], *defaults, None, ["ar"])
    assert "متأكد" in headline
    assert "Deckkraft" in handlers.on_setting("draw", SEVEN_STROKES, None, "prediction", "cam",
                                              "layer4", 7, "viridis", False, "de")[0]
    assert handlers.layer_rule("cam", "layer2", "fr")["info"].startswith("CAM ne peut pas")
    with pytest.warns(UserWarning, match="Zeichne eine Ziffer"):
        assert handlers.numbers("draw", None, None, "prediction", "de") == (
            "Zeichne zuerst eine Ziffer.", "")
    with pytest.warns(UserWarning, match="Elige dos números distintos"):
        handlers.why_not("draw", SEVEN_STROKES, None, "7", "7", "es")
