"""Which event calls which handler: the page's sections (:mod:`ui.sections`,
:mod:`ui.teaching_tabs`) wired to :class:`ui.handlers.Handlers`."""

from __future__ import annotations

import gradio as gr

from .handlers import Handlers
from .sections import AnswerSection, ApiSection, Controls, InputSection, MapSection
from .teaching_tabs import TeachingViews

MAX_BATCH = 16  # live requests of different people explained in one forward pass
PRIVATE = dict(api_visibility="private")


def wire(handlers: Handlers, given: InputSection, answer: AnswerSection, maps: MapSection,
         controls: Controls, teaching: TeachingViews, api: ApiSection) -> None:
    """Connect every event of the page; call inside the page's ``gr.Blocks``."""
    outputs = [answer.headline, answer.chart, maps.overlay, maps.model_view]
    shown = [*outputs, given.pad_heat]  # and the heatmap on the pad's paper, for a drawing
    on_screen = given.on_screen
    teaching_clicks = _wire_teaching(handlers, on_screen, controls, teaching)
    # Explain's answer can take seconds (Score-CAM): any newer drawing, upload, setting or tab
    # cancels it, so that it cannot land on the newer input's answer. A newer input also
    # cancels the teaching views still computing for the old one.
    explaining = given.explain_button.click(handlers.on_explain, [*on_screen, *controls.all],
                                            shown, show_progress_on=given.explain_status,
                                            **PRIVATE)
    newer = dict(cancels=[explaining], **PRIVATE)
    new_input = dict(cancels=[explaining, *teaching_clicks], **PRIVATE)
    # A tab switch changes what is on screen: show that input's result, not the other's.
    for tab, name in ((given.draw_tab, "draw"), (given.upload_tab, "upload")):
        tab.select(lambda name=name: name, None, given.source, **new_input).then(
            handlers.on_setting, [*on_screen, *controls.all], shown, show_progress="hidden",
            **PRIVATE)
    live = dict(batch=True, max_batch_size=MAX_BATCH, show_progress="hidden",
                trigger_mode="always_last", **new_input)
    # Callable by name but not in the API docs: benchmarks/classroom.py sends the pad's own
    # event as the browser does.
    given.pad.change(handlers.on_draw, inputs=[given.pad, *controls.all], outputs=shown,
                     **live | dict(api_name="on_draw", api_visibility="undocumented"))
    given.upload.change(handlers.on_upload, inputs=[given.upload, *controls.all],
                        outputs=outputs, **live)
    # A person's choice only (.input): the rule's own change of the layer keeps its note.
    controls.method.change(handlers.layer_rule, [controls.method, controls.layer],
                           controls.layer, **PRIVATE)
    controls.layer.input(handlers.layer_rule, [controls.method, controls.layer],
                         controls.layer, **PRIVATE)
    for control in controls.all:
        control.change(handlers.on_setting, [*on_screen, *controls.all], shown,
                       show_progress="hidden", trigger_mode="always_last", **newer)
    emptied = teaching.emptied()

    def clear_teaching() -> dict:
        """Every teaching view emptied, by name: a new input must not show the old one's."""
        return emptied

    for changed in (given.pad.change, given.upload.change, given.draw_tab.select,
                    given.upload_tab.select):
        changed(clear_teaching, None, list(emptied), queue=False, show_progress="hidden",
                **PRIVATE)
    api.button.click(handlers.explain, api.inputs, api.outputs, api_name="explain",
                     batch=True, max_batch_size=MAX_BATCH)


def _wire_teaching(handlers: Handlers, on_screen: list, controls: Controls,
                   teaching: TeachingViews) -> list[gr.events.Dependency]:
    """The teaching views' buttons; returns their events (a newer input cancels them)."""
    why = teaching.why_not
    contrast = dict(inputs=[*on_screen, why.first, why.second], outputs=why.outputs, **PRIVATE)
    ten, hide, trust, layers, numbers = (teaching.ten_maps, teaching.hide, teaching.trust,
                                         teaching.layers, teaching.numbers)
    return [
        ten.button.click(handlers.ten_maps, [*on_screen, ten.scale, controls.colormap],
                         ten.gallery, **PRIVATE),
        why.button.click(handlers.why_not, **contrast),
        why.tab.select(handlers.why_open, **contrast),  # answered at once, with its digits
        hide.button.click(handlers.hide, [*on_screen, hide.percent, controls.method,
                                          controls.layer], hide.outputs, **PRIVATE),
        trust.button.click(handlers.trust, [*on_screen, controls.method, controls.layer],
                           trust.outputs, **PRIVATE),
        layers.button.click(handlers.layers, [*on_screen, layers.method, controls.colormap],
                            layers.gallery, **PRIVATE),
        numbers.button.click(handlers.numbers, [*on_screen, controls.target],
                             [numbers.text, numbers.teachers], **PRIVATE),
    ]
