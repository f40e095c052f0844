"""Which event calls which handler: the page's sections (:mod:`ui.sections`,
:mod:`ui.teaching_tabs`) wired to :class:`ui.handlers.Handlers`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from . import language as page_language
from .handlers import Handlers
from .sections import AnswerSection, ApiSection, Controls, InputSection, MapSection
from .teaching_tabs import TeachingViews

MAX_BATCH = 16  # live requests of different people explained in one forward pass
PRIVATE = dict(api_visibility="private")


def wire(handlers: Handlers, given: InputSection, answer: AnswerSection, maps: MapSection,
         controls: Controls, teaching: TeachingViews, api: ApiSection,
         language: gr.State, member: gr.State | None = None) -> None:
    """Connect every event of the page; call inside the page's ``gr.Blocks``. ``language``:
    the page's language, given to every handler that writes a sentence. ``member``: the
    person's class membership (:mod:`ui.class_bar`), sent with each drawing and upload."""
    # Always an input (None outside a class), so the page's language comes after it.
    member = member if member is not None else gr.State(None)
    outputs = [answer.headline, answer.chart, maps.overlay, maps.model_view, maps.words,
               answer.table]
    shown = [*outputs, given.pad_heat]  # and the heatmap on the pad's paper, for a drawing
    on_screen = given.on_screen
    teaching_clicks = _wire_teaching(handlers, on_screen, teaching)
    # Explain's answer can take seconds (Score-CAM): any newer drawing, upload, setting or tab
    # cancels it, so that it cannot land on the newer input's answer. A newer input also
    # cancels the teaching views still computing for the old one.
    explaining = given.explain_button.click(handlers.on_explain,
                                            [*on_screen, *controls.all, language], shown,
                                            show_progress_on=given.explain_status, **PRIVATE)
    newer = dict(cancels=[explaining], **PRIVATE)
    new_input = dict(cancels=[explaining, *teaching_clicks], **PRIVATE)
    # A tab switch changes what is on screen: show that input's result, not the other's.
    for tab, name in ((given.draw_tab, "draw"), (given.upload_tab, "upload")):
        chosen = gr.State(name)
        tab.select(handlers.on_tab, [chosen, *on_screen, *controls.all, language],
                   [given.source, *shown], show_progress="hidden", **new_input)
    live = dict(batch=True, max_batch_size=MAX_BATCH, show_progress="hidden",
                trigger_mode="always_last", **new_input)
    # Callable by name but not in the API docs: benchmarks/classroom.py sends the pad's own
    # event as the browser does.
    given.pad.change(handlers.on_draw, inputs=[given.pad, *controls.all, member, language],
                     outputs=shown,
                     **live | dict(api_name="on_draw", api_visibility="undocumented"))
    given.upload.change(handlers.on_upload,
                        inputs=[given.upload, *controls.all, member, language],
                        outputs=outputs, **live)
    # A person's choice only (.input): the rule's own change of the layer keeps its note.
    controls.method.change(handlers.layer_rule, [controls.method, controls.layer, language],
                           controls.layer, **PRIVATE)
    controls.layer.input(handlers.layer_rule, [controls.method, controls.layer, language],
                         controls.layer, **PRIVATE)
    for control in controls.all:
        control.change(handlers.on_setting, [*on_screen, *controls.all, language], shown,
                       show_progress="hidden", trigger_mode="always_last", **newer)
    # Explain only while a map waits for it (a slow method), so it never seems to do nothing.
    controls.method.change(handlers.explain_shown, controls.method, given.explain_button,
                           queue=False, **PRIVATE)
    _wire_new_input(handlers, given, controls, teaching, language,
                    cancels=[explaining, *teaching_clicks])
    api.button.click(handlers.explain, api.inputs, api.outputs, api_name="explain",
                     batch=True, max_batch_size=MAX_BATCH)


def _wire_new_input(handlers: Handlers, given: InputSection, controls: Controls,
                    teaching: TeachingViews, language: gr.State, cancels: list) -> None:
    """A new drawing, upload or tab: the experiment the student opened last runs again on the
    new input (so a student can draw, look, draw again); every other view empties, so none
    shows the previous input's result.

    One pen-up costs the answer and one unqueued call that empties the views; only while an
    experiment is open does that call also set the input's hidden signal
    (``teaching.again``), whose change queues the experiment's run with the new input and the
    views' settings (the drawing alone on a pen-up, the upload alone on an upload)."""
    emptied = teaching.emptied()
    asked, views = teaching.asked, teaching.by_name()
    serial = itertools.count(1)  # each run its own signal value: a change every time

    def emptier(signal: gr.Textbox | None = None) -> Callable[..., dict]:
        """The function a new input (``signal``: its hidden signal) or a tab calls."""

        def clear_teaching(last: str | None = None) -> dict:
            """Every view emptied, by name, but the one that runs again on the new input; and
            the input's signal set anew when one does (nothing more is sent when none is
            open)."""
            keep = set(views[last].outputs) if last in views else set()
            cleared = {component: value for component, value in emptied.items()
                       if component not in keep}
            if keep and signal is not None:
                cleared[signal] = str(next(serial))
            return cleared

        return clear_teaching

    settings = list(dict.fromkeys(c for view in views.values() for c in view.inputs))
    for name, given_input in (("draw", given.pad), ("upload", given.upload)):
        signal = teaching.again[name]

        def rerun(last: str | None, value: str | None, *values: Any, name: str = name) -> dict:
            """The last experiment again, on the new input (nothing if none is open)."""
            view = views.get(last)
            if view is None:  # every view as it is ({} would be one output's value)
                return {component: gr.skip() for component in teaching.outputs}
            chosen = dict(zip(settings, values, strict=True))
            on_screen = [name, value, None] if name == "draw" else [name, None, value]
            results = view.run(handlers, [*on_screen, *(chosen[c] for c in view.inputs)])
            return dict(zip(view.outputs, results, strict=True))

        given_input.change(emptier(signal), asked, [*emptied, signal], queue=False,
                           show_progress="hidden", **PRIVATE)
        signal.change(rerun, [asked, given_input, *settings], teaching.outputs,
                      trigger_mode="always_last", show_progress="hidden", cancels=cancels,
                      **PRIVATE)
    # A tab switch: the other input's answer comes back, the experiments start empty.
    for tab in (given.draw_tab, given.upload_tab):
        tab.select(emptier(), None, list(emptied), queue=False, show_progress="hidden",
                   **PRIVATE)
    # Another language: the experiments' words were in the old one; they start empty (the
    # next drawing runs the open one again, in the new language).
    language.change(emptier(), None, list(emptied), queue=False, show_progress="hidden",
                    cancels=cancels, **PRIVATE)


def _wire_teaching(handlers: Handlers, on_screen: list,
                   teaching: TeachingViews) -> list[gr.events.Dependency]:
    """The experiments' buttons (each also remembered as the one to run again on a new
    input); returns their events: a newer input cancels them."""
    events = []
    for view in teaching.views:
        events.append(view.button.click(getattr(handlers, view.name),
                                        [*on_screen, *view.inputs], view.outputs, **PRIVATE))
        view.button.click(lambda name=view.name: name, None, teaching.asked, queue=False,
                          **PRIVATE)
    why = teaching.by_name()["why_not"]  # answered at once when its tab opens, with its digits
    events.append(teaching.why_tab.select(handlers.why_open, [*on_screen, *why.inputs],
                                          why.outputs, **PRIVATE))
    # Opening it counts as asking: it runs again on each new drawing, as a button's view does.
    teaching.why_tab.select(lambda: "why_not", None, teaching.asked, queue=False, **PRIVATE)
    return events


def wire_language(handlers: Handlers, demo: gr.Blocks, language: gr.State,
                  chooser: gr.Dropdown, given: InputSection, answer: AnswerSection,
                  maps: MapSection, controls: Controls,
                  plots: Sequence[gr.components.Component] = ()) -> None:
    """The page's language (:mod:`ui.language`): found when the page loads (``?lang=``, the
    browser's), changed by the chooser; each change sets the page's ``lang``/``dir`` and
    Gradio's labels in the browser, keeps the language and says the answer again in it (and
    the tabs' labels, which Gradio's front end does not re-label off screen). ``plots``: the
    teaching views' charts, emptied when the language changes."""
    tabs = page_language.tab_labels(demo)

    def on_language(*values: Any) -> tuple:
        said = handlers.on_language(*values)
        return (*said, *(gr.update(label=page_language.text(said[0], key)) for _, key in tabs))

    def redrawn(*values: Any) -> tuple:
        return (handlers.answer_chart(*values), *(None for _ in plots))

    demo.load(handlers.on_load, None, chooser, queue=False, **PRIVATE)
    chooser.change(on_language, [chooser, *given.on_screen, *controls.all],
                   [language, answer.headline, answer.chart, maps.overlay, maps.model_view,
                    maps.words, answer.table, given.pad_heat, controls.layer,
                    *(tab for tab, _ in tabs)],
                   js=page_language.SET_LANGUAGE, show_progress="hidden",
                   trigger_mode="always_last", **PRIVATE
                   # Gradio's front end redraws a plot whose axis titles change with the data
                   # it had (dropping the data sent with them), but draws an empty plot afresh:
                   # the answer's chart is emptied, then drawn with the new words; the teaching
                   # views' charts are emptied (their next result draws them afresh).
                   ).then(redrawn, [*given.on_screen, *controls.all, language],
                          [answer.chart, *plots], show_progress="hidden", **PRIVATE)
