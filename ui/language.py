"""The page in the reader's language: which language, the chooser, and the page's labels.

- **Which language.** ``?lang=xx`` in the address, else the browser's ``Accept-Language``
  (read from ``gr.Request`` when the page loads), else English
  (:func:`cam_core.serve.catalog.language_of`). The chooser (the languages by their own names)
  changes it at any time; the choice is kept in a ``gr.State`` that every handler writing a
  sentence receives, and in the address (``?lang=``), so a reload keeps it.
- **Sentences the server writes** (the answer, messages, notes) are said in that language by
  ``cam_core.serve`` (``language=``).
- **Gradio's own labels** (tabs, buttons, component labels, folds, fixed Markdown) come from
  the catalogs' ``page`` part through ``gr.I18n`` (:func:`page_i18n`, given to
  ``launch(i18n=...)``). Gradio's front end picks their language from the browser alone (it
  knows no ``?lang=``, and has no Italian of its own, so an Italian browser would get English).
  :data:`SET_LANGUAGE` therefore also switches Gradio's front end to the chosen language,
  through the ``changeLocale`` function that Gradio's own settings panel uses, loaded from
  Gradio's ``core`` script. That script's name is not a public API: should a Gradio version
  rename it, the labels fall back to following the browser's language (everything the server
  writes still follows the chooser).
- **Right to left.** For Arabic the page's root gets ``dir="rtl"`` (and ``lang`` always);
  drawings, heatmaps and charts stay left to right (:data:`PAGE_CSS`): a picture
  is never mirrored.
"""

from __future__ import annotations

import json

import gradio as gr
from gradio.i18n import I18nData

from cam_core.serve import catalog

I18N = gr.I18n(**catalog.page_labels())


def title(language: str) -> str:
    """The page's title (the browser's tab) in ``language``: the intro's heading."""
    return text(language, "intro").split("\n")[0].lstrip("# ").strip()


CHOICES = [(name, code) for code, name in catalog.LANGUAGES.items()]

# Runs in the browser when the language is set (page load, the chooser): the page's lang and
# dir, the address's ?lang=, and Gradio's labels. Returns its argument (the chosen code).
SET_LANGUAGE = """(language, ...rest) => {
  const rtl = RIGHT_TO_LEFT;
  const root = document.documentElement;
  root.lang = language;
  root.dir = rtl.includes(language) ? "rtl" : "ltr";
  document.title = TITLES[language] || document.title;
  const address = new URL(window.location.href);
  if (address.searchParams.get("lang") !== language) {
    address.searchParams.set("lang", language);
    window.history.replaceState(null, "", address);
  }
  const core = performance.getEntriesByType("resource").map((entry) => entry.name)
    .find((name) => /\\/core-[^/]*\\.js$/.test(name));
  if (core) {
    import(core).then((gradio) => gradio.changeLocale && gradio.changeLocale(language))
      .catch(() => {});
  }
  return [language, ...rest];
}""".replace("RIGHT_TO_LEFT", json.dumps(sorted(catalog.RIGHT_TO_LEFT)))

# Appended to page.css: the chooser small, in the page's top corner (above the title's end,
# which leaves it room), so it costs no screen height on a phone. On a right-to-left page the
# text runs right to left (Gradio marks each block dir="ltr"), but the pad, the pictures and
# the charts keep their left-to-right order: a picture is never mirrored.
PAGE_CSS = """
#language-row { position: absolute; top: 0.25rem; inset-inline-end: 0.5rem; z-index: 10;
  width: auto; min-width: 0; }
#language { width: 9.5rem; }
#intro h1 { padding-inline-end: 10rem; }
#intro { min-height: 3rem; }  /* a one-line title ("网络在看哪里？") still clears the chooser */
[dir="rtl"] #intro, [dir="rtl"] #intro h1 { text-align: right; }
[dir="rtl"] [dir="ltr"] { direction: rtl; }
[dir="rtl"] #sketch, [dir="rtl"] #sketch *, [dir="rtl"] #pad-heat, [dir="rtl"] #pad-heat *,
[dir="rtl"] #overlay, [dir="rtl"] #overlay *, [dir="rtl"] #model-view,
[dir="rtl"] #model-view *, [dir="rtl"] #chart, [dir="rtl"] #chart *,
[dir="rtl"] .whole-gallery, [dir="rtl"] .whole-gallery *, [dir="rtl"] .chart,
[dir="rtl"] .chart * { direction: ltr; }
"""


def page_i18n() -> gr.I18n:
    """The page's labels in every language, for ``demo.launch(i18n=...)``."""
    return I18N


def label(key: str) -> I18nData:
    """The page label ``page.<key>`` (or a fixed block by its full key), translated by the
    browser: see :func:`cam_core.serve.catalog.page_labels`."""
    return I18N(key)


def text(language: str, key: str) -> str:
    """The page label :func:`label` names, said on the server in ``language``."""
    return catalog.say(language, key if "." in key else f"page.{key}")


def tab_labels(blocks: gr.Blocks) -> list[tuple[gr.Tab, str]]:
    """The tabs of ``blocks`` labelled from the catalog, with their keys. Gradio's front end
    does not re-label the tabs not on screen when its language changes, so the server sends
    their labels again (see :func:`ui.events.wire_language`)."""
    return [(block, block.label.key) for block in blocks.blocks.values()
            if isinstance(block, gr.Tab) and isinstance(block.label, I18nData)]


def chooser() -> tuple[gr.State, gr.Dropdown]:
    """The language kept for this page (a ``gr.State``, English until the page has loaded)
    and the chooser that shows and changes it."""
    language = gr.State(catalog.REFERENCE)
    choose = gr.Dropdown(CHOICES, value=catalog.REFERENCE, label=label("language"),
                         show_label=False, container=False, elem_id="language",
                         min_width=120, scale=0)
    return language, choose


def language_of(request: gr.Request | None) -> str:
    """The language a page asked for: ``?lang=``, else the browser's ``Accept-Language``."""
    if request is None:
        return catalog.REFERENCE
    return catalog.language_of(request.query_params.get("lang"),
                               request.headers.get("accept-language"))


# The browser tab's title in every language, for SET_LANGUAGE.
SET_LANGUAGE = SET_LANGUAGE.replace(
    "TITLES", json.dumps({code: title(code) for code in catalog.LANGUAGES}, ensure_ascii=False))
