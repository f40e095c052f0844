"""The words catalog: every language has every key with the same placeholders; numbers and
plurals follow the language; the browser's language is understood."""

from __future__ import annotations

import pytest

from cam_core.serve import catalog


@pytest.mark.parametrize("language", sorted(catalog.LANGUAGES))
def test_every_language_has_every_key_with_the_same_placeholders(language):
    reference = catalog.catalog(catalog.REFERENCE)
    translated = catalog.catalog(language)
    assert translated, f"no catalog for {language}"
    missing = sorted(set(reference) - set(translated))
    assert not missing, f"{language} lacks {missing}"
    extra = sorted(set(translated) - set(reference))
    assert not extra, f"{language} has keys English lacks: {extra}"
    differ = [k for k in reference
              if catalog.placeholders(reference[k]) != catalog.placeholders(translated[k])]
    assert not differ, f"{language}: placeholders differ from English in {differ}"


def test_numbers_are_written_as_the_language_writes_them():
    assert catalog.say("en", "answers.sure", digit=7, p=0.996) == "7 · 99.6% sure"
    assert catalog.say("de", "answers.sure", digit=7, p=0.996) == "7 · zu 99,6\xa0% sicher"


def test_the_browser_language_is_understood_and_falls_back_to_english():
    assert catalog.language_of(None, "pt-BR,pt;q=0.9,en;q=0.8") == "pt"
    assert catalog.language_of(None, "xx, de;q=0.5, fr;q=0.7") == "fr"
    assert catalog.language_of("ar", "de") == "ar"
    assert catalog.language_of("klingon", "nonsense;q=abc") == "en"
    assert catalog.language_of(None, None) == "en"


def test_a_missing_translation_falls_back_to_english_and_an_unknown_key_is_a_bug():
    assert catalog.say("hi", "answers.sure", digit=3, p=0.5).startswith("3 ·")
    with pytest.raises(KeyError):
        catalog.say("en", "answers.no_such_key")


def test_plural_forms_follow_the_language_rules():
    assert catalog.plural_form("en", 1) == "one" and catalog.plural_form("en", 2) == "other"
    assert catalog.plural_form("ar", 3) == "few" and catalog.plural_form("ar", 0) == "zero"


def test_lists_are_joined_the_languages_way():
    digits = ["4", "7", "9"]
    assert catalog.say_list("en", digits) == "4, 7, and 9"
    assert catalog.say_list("de", digits) == "4, 7 und 9"
    assert catalog.say_list("zh", digits) == "4、7和9"
    assert catalog.say_list("ar", digits).count("و") == 2
    assert catalog.say_list("fr", ["4"]) == "4" and catalog.say_list("fr", []) == ""


def test_decimals_are_written_the_languages_way():
    assert catalog.decimal("en", 0.3456, 2) == "0.35"
    assert catalog.decimal("de", 0.3456, 2, signed=True) == "+0,35"
    assert catalog.decimal("fr", -1.25, 1).endswith("1,2")  # the language's minus sign
    assert catalog.decimal("fr", -1.25, 1) != "1,2"
    assert catalog.decimal("de", -0.0001, 2, signed=True) == "+0,00"  # no "−0,00"
    number, signed = catalog.decimals("es")
    assert (number(12.345, 1), signed(0.5, 2)) == ("12,3", "+0,50")


def test_sentences_follow_one_another_as_the_language_writes_them():
    assert catalog.sentences("en", ["One.", "", "Two."]) == "One. Two."
    assert catalog.sentences("zh", ["一。", "二。"]) == "一。二。"
