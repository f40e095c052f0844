"""The page's script for screen readers and keyboards (``access.js``, beside this file): a live
region for the map in words, the heatmaps' alt text, one Tab stop a radio group, named
examples, headings. Its words come from the catalog (``access.toml``); it goes in the page's
``<head>`` (``launch(head=access.head())``)."""

from __future__ import annotations

import json
from pathlib import Path

from cam_core.serve.catalog import LANGUAGES, REFERENCE, catalog

HERE = Path(__file__).resolve().parent


def words(language: str = REFERENCE) -> dict[str, str]:
    """The ``access`` part of ``language``'s catalog (English where it lacks a key): name →
    text with its ``{placeholders}`` left for the script to fill."""
    english = catalog(REFERENCE)
    chosen = catalog(language)
    return {key.removeprefix("access."): str(chosen.get(key, text))
            for key, text in english.items() if key.startswith("access.")}


def head() -> str:
    """The ``<script>`` element for the page's ``<head>``, with every language's words: the
    script speaks the page's language (``<html lang>``, set by ui/language.py)."""
    script = (HERE / "access.js").read_text(encoding="utf-8")
    # JSON is a JavaScript literal; "<" escaped so no word can end the <script> element.
    literal = json.dumps({language: words(language) for language in LANGUAGES}).replace(
        "<", "\\u003c")
    return f"<script>\n{script.replace('ACCESS_WORDS', literal)}</script>"
