"""The page, top to bottom as it appears: the intro · input (Draw / Upload) · the answer and its
bar chart · the heatmaps · controls · teaching views. Each section is built by one function
(:mod:`ui.sections`, :mod:`ui.teaching_tabs`) and :mod:`ui.events` wires them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gradio as gr

from cam_core.serve import catalog
from cam_core.serve.classes import Classes

from . import class_bar, events, language
from .handlers import Handlers
from .sections import answer_section, api_section, controls_section, input_section, map_section
from .teaching_tabs import teaching_section
from .wall import add_wall_page

HERE = Path(__file__).resolve().parent
INTRO = language.label("intro")  # in the reader's language: see ui/language.py

# Run by the page's load event, once Gradio has connected its events: the drawing pad then
# sends again a drawing made before (ui/pad.js), so a stroke drawn while the page was still
# loading is not lost.
APP_READY_JS = """() => { document.documentElement.dataset.digitCamReady = 'true';
  document.dispatchEvent(new Event('digit-cam:app-ready')); }"""


def page_css() -> str:
    """The page's own styles (``page.css``, and ``class.css`` for the class pages; the pad's
    are its component's), and the language chooser's and a right-to-left page's
    (:data:`ui.language.PAGE_CSS`)."""
    return "\n".join((HERE / name).read_text(encoding="utf-8")
                     for name in ("page.css", "class.css")) + language.PAGE_CSS


def build(handlers: Handlers, banner: Callable[[str], str] | None = None,
          classes: Classes | None = None,
          fixed_url: str | None = None) -> gr.Blocks:
    """The whole page, wired to ``handlers``; queue set for a class sharing one server.
    ``banner``: language → the HTML shown first (classroom mode: the address to open, see
    ui/classroom.py; said again in the reader's language when the page loads; not shown to
    students who came with a class link). ``classes``: the server's classes (the student's
    class line, the teachers' fold and the wall page, :mod:`ui.class_bar`, :mod:`ui.wall`);
    ``fixed_url``: the address students open (classroom mode)."""
    with gr.Blocks(title=language.title(catalog.REFERENCE)) as demo:
        gr.Navbar(visible=False)  # the wall's page is reached by its link only
        shown_banner = gr.HTML(banner("en"), elem_id="classroom") if banner else None
        with gr.Row(elem_id="language-row"):
            chosen, chooser = language.chooser()
        gr.Markdown(INTRO, elem_id="intro")
        bar = class_bar.class_bar() if classes is not None else None
        start = handlers.service.blank()
        # On a phone the columns stack: page.css then puts the prediction right under the pad,
        # whose paper shows the heatmap and the answer in a few words (ui/pad.py).
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=1, min_width=320, elem_id="input-column"):
                given = input_section()
            with gr.Column(scale=1, min_width=280, elem_id="result-column"):
                answer = answer_section(start)
            with gr.Column(scale=1, min_width=280, elem_id="map-column"):
                maps = map_section(start)
        controls = controls_section()
        teaching = teaching_section(controls, chosen)
        api = api_section()
        events.wire(handlers, given, answer, maps, controls, teaching, api, chosen,
                    member=bar.member if bar else None)
        plots = [c for c in teaching.outputs if isinstance(c, gr.LinePlot | gr.BarPlot)]
        events.wire_language(handlers, demo, chosen, chooser, given, answer, maps, controls,
                             plots)
        demo.load(None, js=APP_READY_JS)
        if classes is not None and bar is not None:
            class_bar.wire(class_bar.ClassPage(classes, fixed_url, banner), bar,
                           class_bar.teacher_fold(), demo, chosen, shown_banner)
    if classes is not None:
        add_wall_page(demo, classes, fixed_url)
    return demo.queue(max_size=128, default_concurrency_limit=4)
