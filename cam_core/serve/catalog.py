"""Every sentence a person reads, in their language: one catalog per language.

A catalog is the folder ``locales/<language>/``; each of its TOML files holds one part of the
page (``page.toml``: the page's labels, given to Gradio through ``gr.I18n``; ``answers.toml``,
``wall.toml``, …). A key is ``<file>.<name>`` (``answers.not_a_digit``). English is the
reference: every other language must have the same keys with the same placeholders (a test
checks), and a key missing in a language falls back to English rather than failing a class.

A value is a string with ``str.format`` placeholders, or a table of CLDR plural forms
(``one``, ``other``, and ``zero``/``two``/``few``/``many`` where the language has them), chosen
by the ``count`` argument with Babel's plural rules. Numbers are formatted for the language
with the format specs ``{p:percent}`` (a probability 0–1 → "99.6%", "99,6 %") and
``{n:number}`` (Babel's decimal format).

Example::

    from cam_core.serve.catalog import say
    say("de", "answers.sure", digit=7, p=0.996)   # "7 · zu 99,6 % sicher"

Who chooses the language. Only :mod:`cam_core.serve` (and the page above it) knows who is
reading: its functions that write a sentence take ``language`` (a code of :data:`LANGUAGES`,
default ``"en"``). The layers below it (``cam_core.inputs``, ``cam_core.explain``,
``cam_core.model``) know no languages: they name a sentence by its key with a
:class:`Message` (``Message("inputs.too_small")``; ``InputError(key="inputs.too_small")``),
which *is* its English text (``str``: logs, the CLI, ``pytest.raises(match=...)``) and carries
its key and values, so that serve says it in the reader's language with :func:`told`. This
module imports nothing from ``cam_core``, so every layer may name its sentences here without
depending on the serving code.
"""

from __future__ import annotations

import copy
import functools
import string
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

LOCALES = Path(__file__).resolve().parent / "locales"
REFERENCE = "en"
# Language code → its own name, as the chooser shows it (a person finds their language by the
# name they know it by).
LANGUAGES: dict[str, str] = {
    "en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "it": "Italiano",
    "pt": "Português", "zh": "中文（简体）", "hi": "हिन्दी", "ar": "العربية",
}
RIGHT_TO_LEFT = frozenset({"ar"})
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str | dict[str, str]]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict) and not set(value) <= PLURAL_FORMS:
            _flatten(key, value, into)
        else:
            into[key] = value


@functools.cache
def catalog(language: str) -> dict[str, str | dict[str, str]]:
    """All keys of ``language``'s catalog (``{}`` for a language without a folder).

    Returns: key → string, or key → {plural form: string}.
    Raises: tomllib.TOMLDecodeError for a malformed catalog file (a bug, found by the tests).
    """
    entries: dict[str, str | dict[str, str]] = {}
    folder = LOCALES / language
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
        with path.open("rb") as handle:
            _flatten(path.stem, tomllib.load(handle), entries)
    return entries


def language_of(asked: str | None = None, accept_language: str | None = None) -> str:
    """The language to answer in: ``asked`` (``?lang=``, the chooser) when it is one of
    :data:`LANGUAGES`, else the first of the browser's ``Accept-Language`` header that is
    (``"pt-BR,pt;q=0.9"`` → ``"pt"``), else English. Never raises on a malformed header."""
    for code in [asked or "", *_accepted(accept_language or "")]:
        base = code.strip().lower().replace("_", "-").split("-")[0]
        if base in LANGUAGES:
            return base
    return REFERENCE


def _accepted(header: str) -> list[str]:
    """The header's languages, highest quality first (``q`` missing = 1)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, code.strip()))
    return [code for _, _, code in sorted(ranked) if code and code != "*"]


class _Formatter(string.Formatter):
    """``str.format`` with the language's number formats for ``:percent`` and ``:number``."""

    def __init__(self, language: str) -> None:
        self.locale = Locale.parse(language)

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "percent":  # the language's own pattern ("99,6 %"), one decimal
            pattern = copy.copy(self.locale.percent_formats[None])
            pattern.frac_prec = (1, 1)
            return format_percent(value, pattern, locale=self.locale)
        if format_spec == "number":
            return format_decimal(value, locale=self.locale)
        return super().format_field(value, format_spec)


def plural_form(language: str, count: float) -> str:
    """The CLDR plural form (``one``, ``few``, ``other``, …) of ``count`` in ``language``."""
    return Locale.parse(language).plural_form(abs(count))


def decimal(language: str, value: float, places: int, signed: bool = False) -> str:
    """``value`` rounded to ``places`` decimals as ``language`` writes it ("0,35" in German,
    "0.35" in English), with the language's minus sign; ``signed``: its plus sign before a
    positive value too ("+0,35"), for a score that can fall either side of zero."""
    locale = Locale.parse(language if language in LANGUAGES else REFERENCE)
    rounded = round(float(value), places)
    digits = format_decimal(abs(rounded), format="0." + "0" * places if places else "0",
                            locale=locale)
    symbols = locale.number_symbols["latn"]
    if rounded < 0:
        return symbols["minusSign"] + digits
    return symbols["plusSign"] + digits if signed else digits


def decimals(language: str) -> tuple[Callable[[float, int], str], Callable[[float, int], str]]:
    """``(number, signed)``: :func:`decimal` in ``language``, without and with the plus sign
    (``number(0.346, 2)`` → "0,35" in German; ``signed(0.346, 2)`` → "+0,35")."""
    return (lambda value, places: decimal(language, value, places),
            lambda value, places: decimal(language, value, places, signed=True))


# Languages that write sentences one after another without a space between them.
UNSPACED = frozenset({"zh"})


def sentences(language: str, parts: list[str]) -> str:
    """Sentences one after another as ``language`` writes them: a space between them, none in
    Chinese ("…纸上。还有…"); empty parts left out."""
    return ("" if language in UNSPACED else " ").join(part for part in parts if part)


def say_list(language: str, items: list[str]) -> str:
    """``items`` as a list in ``language`` ("4, 7 and 9"; "4、7和9"; "4 و7 و9"): CLDR's list
    patterns through Babel. ``""`` for no items."""
    return format_list(list(items), locale=language if language in LANGUAGES else REFERENCE) \
        if items else ""


def say(language: str, key: str, /, **values: Any) -> str:
    """The sentence ``key`` in ``language`` (English where that language lacks it), with
    ``values`` put in its placeholders; a plural table picks its form by ``values["count"]``.

    Raises: KeyError when no catalog has ``key`` (a bug: every key is in English).
    """
    language = language if language in LANGUAGES else REFERENCE
    entry = catalog(language).get(key)
    if entry is None:
        language, entry = REFERENCE, catalog(REFERENCE)[key]
    if isinstance(entry, dict):
        form = plural_form(language, values.get("count", 0))
        entry = entry.get(form, entry["other"])
    return _Formatter(language).format(entry, **values)


class Message(str):
    """A sentence named by its catalog key: the ``str`` is its English text; ``key`` and
    ``values`` let :func:`told` say it in any language. Values may be Messages themselves
    (said in the same language).

    Raises: KeyError when English has no ``key``.
    """

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Message:
        text = super().__new__(cls, say(REFERENCE, key, **values))
        text.key, text.values = key, values
        return text

    def __reduce__(self) -> tuple:  # pickled by key (a ZeroGPU worker, a copy)
        return _message, (self.key, self.values)


def _message(key: str, values: dict[str, Any]) -> Message:
    return Message(key, **values)


def told(language: str, text: str) -> str:
    """``text`` for a reader of ``language``: a :class:`Message` said in that language, any
    other string as it is (a sentence from outside the catalog stays as written)."""
    if not isinstance(text, Message):
        return str(text)
    values = {name: told(language, value) if isinstance(value, Message) else value
              for name, value in text.values.items()}
    return say(language, text.key, **values)


def placeholders(text: str | dict[str, str]) -> set[str]:
    """The placeholder names of a catalog entry (all plural forms together)."""
    texts = text.values() if isinstance(text, dict) else [text]
    return {name for t in texts for _, name, _, _ in string.Formatter().parse(t) if name}


# Besides ``page.*``, the fixed Markdown blocks the page shows from the start, the class
# pages' labels and the colour-map choices (by full key).
PAGE_BLOCKS = ("views.", "answers.blank_paper", "teaching.scramble.", "wall.", "charts.colormap.")
# The codes Gradio's front end may pick for a browser (its own language list) → ours.
GRADIO_CODES = {"zh-CN": "zh", "pt-BR": "pt"}


def page_labels() -> dict[str, dict[str, str]]:
    """The page's labels of every catalog, as ``gr.I18n(**page_labels())`` takes it: language →
    {key: text}, with the ``page`` part under its names without ``page.`` (``"explain"``) and
    the fixed Markdown blocks (:data:`PAGE_BLOCKS`) under their full keys
    (``"views.hide.student"``); also under the codes Gradio may pick (:data:`GRADIO_CODES`).
    Gradio shows them in the browser's language and falls back to English (a chooser can
    switch it: see ``ui/language.py``)."""
    labels = {}
    for language in LANGUAGES:
        entries = catalog(language)
        labels[language] = {key.removeprefix("page."): str(text)
                            for key, text in entries.items() if key.startswith("page.")}
        labels[language].update({key: str(text) for key, text in entries.items()
                                 if key.startswith(PAGE_BLOCKS) and isinstance(text, str)})
    return labels | {code: labels[language] for code, language in GRADIO_CODES.items()}
