"""The teaching views, one tab each, built by one function that returns their components by
name: all ten maps, "why this digit and not another?", hide the evidence, how much a map can
be trusted, layers, how the heatmap is made. :mod:`ui.events` wires their buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from cam_core.serve import hiding, trust
from cam_core.serve.catalog import say
from cam_core.serve.charts import bar, line
from cam_core.serve.service import PREDICTION

from .handlers import RUNNER_UP, WHY_TAB, Handlers
from .language import label
from .sections import TARGET_CHOICES, Controls


def for_teachers(view: str, key: str | None = None) -> gr.Markdown:
    """The details for teachers, folded under a view: the view's words for teachers
    (``views.<view>.teachers`` in the catalog, or ``key``) and below them an empty Markdown
    (returned) for the numbers of the current drawing."""
    with gr.Accordion(label("for_teachers"), open=False, elem_classes=["for-teachers"]):
        gr.Markdown(label(key or f"views.{view}.teachers"))
        return gr.Markdown()


@dataclass(frozen=True)
class View:
    """One experiment: its button, what it reads besides the input on screen, what it fills.
    ``name`` is the :class:`ui.handlers.Handlers` method that computes it."""

    name: str
    button: gr.Button
    inputs: list[gr.components.Component]
    outputs: list[gr.components.Component]

    def run(self, handlers: Handlers, values: list[Any]) -> list[Any]:
        """The view computed for ``values`` (the input on screen, then :attr:`inputs`), one
        value per output."""
        result = getattr(handlers, self.name)(*values)
        return list(result) if len(self.outputs) > 1 else [result]


@dataclass(frozen=True)
class TeachingViews:
    """Every experiment by name, the contrast tab (titled with the digits it compares),
    ``asked``: the experiment the student ran last, which runs again on each new input, and
    ``again``: per input ("draw", "upload"), a hidden signal whose change runs it again (set
    only while an experiment is open, so a new input with none open sends nothing more)."""

    views: tuple[View, ...]
    why_tab: gr.Tab
    asked: gr.State
    again: dict[str, gr.Textbox]

    def by_name(self) -> dict[str, View]:
        return {view.name: view for view in self.views}

    @property
    def inputs(self) -> set[gr.components.Component]:
        return {component for view in self.views for component in view.inputs}

    @property
    def outputs(self) -> list[gr.components.Component]:
        return list(dict.fromkeys(c for view in self.views for c in view.outputs))

    def emptied(self) -> dict[gr.components.Component, Any]:
        """Each view's result emptied, as Gradio's named outputs; the "Why … and not …?" tab
        loses the old digits."""
        empty: dict[gr.components.Component, Any] = {}
        for component in self.outputs:
            if isinstance(component, gr.Gallery):
                empty[component] = []
            elif isinstance(component, gr.Markdown):
                empty[component] = ""
            elif isinstance(component, gr.LinePlot | gr.BarPlot | gr.Image):
                empty[component] = None
        empty[self.why_tab] = gr.update(label=WHY_TAB)
        return empty


def teaching_section(controls: Controls, language: gr.State | None = None) -> TeachingViews:
    """The experiments, open from the start (on a phone they sit right under the answer, see
    page.css). Tabs that wrap onto a second row: each view is one tap away (the default hid
    most of them behind a "•••" menu). ``language``: the page's language (a ``gr.State``),
    given last to each view's handler for its notices."""
    with gr.Accordion(label("experiments"), open=True,
                      elem_id="teaching"), gr.Tabs(overflow_behavior="wrap"):
        with gr.Tab(label("ten_maps_tab")):
            gr.Markdown(label("views.ten_maps.student"), elem_classes=["view-words"])
            scale = gr.Radio([(label("scale_shared"), "shared"),
                              (label("scale_per_map"), "per_map"),
                              (label("scale_signed"), "signed")],
                             value="shared", label=label("scale_label"))
            ten_button = gr.Button(label("ten_maps_button"), elem_classes=["view-run"])
            ten_gallery = gr.Gallery(columns=5, height="auto", label=label("ten_maps_gallery"),
                                     elem_id="ten-maps", elem_classes=["whole-gallery"])
            for_teachers("ten_maps")
        with gr.Tab(WHY_TAB) as why_tab:
            gr.Markdown(label("views.why_not.student"), elem_classes=["view-words"])
            with gr.Row():
                first = gr.Dropdown(TARGET_CHOICES, value=PREDICTION, label=label("why_first"))
                second = gr.Dropdown([(label("second_guess"), RUNNER_UP)]
                                     + [(str(d), str(d)) for d in range(10)],
                                     value=RUNNER_UP, label=label("why_second"))
            contrast_button = gr.Button(label("compare"), elem_classes=["view-run"])
            contrast_image = gr.Image(type="numpy", interactive=False,
                                      label=label("contrast_label"))
            contrast_text = gr.Markdown()
            contrast_teachers = for_teachers("why_not")
        with gr.Tab(label("hide_tab")):
            gr.Markdown(label("views.hide.student"), elem_classes=["view-words"])
            percent = gr.Slider(10, 90, value=20, step=10,
                                label=label("hide_percent"))
            hide_button = gr.Button(label("hide_button"), elem_classes=["view-run"])
            gr.Markdown(label("views.hide_key"))
            with gr.Row(equal_height=False):
                hide_plot = gr.LinePlot(x="hidden", y="sure", color=line(),
                                        color_map=hiding.CURVE_COLOURS,
                                        x_title=say("en", "teaching.hide.x_title"),
                                        y_title=say("en", "teaching.hide.y_title"),
                                        x_lim=[0, 90], y_lim=[0, 100], height=320,
                                        min_width=300,
                                        # No legend (Vega drops its entries here): the key
                                        # above the chart says what each line is.
                                        colors_in_legend=[], label=label("hide_plot"),
                                        elem_classes=["chart"])
                hide_text = gr.Markdown()
            hide_gallery = gr.Gallery(columns=3, height="auto", object_fit="scale-down",
                                      label=label("hide_gallery"),
                                      elem_classes=["whole-gallery"])
            hide_teachers = for_teachers("hide")
        with gr.Tab(label("trust_tab")):
            gr.Markdown(label("views.trust.student"), elem_classes=["view-words"])
            trust_button = gr.Button(label("trust_button"), elem_classes=["view-run"])
            trust_plot = gr.BarPlot(x="map", y="points", color=bar(),
                                    color_map=trust.TRUST_COLOURS, sort="-y",
                                    # English until the first result brings the reader's
                                    # (ui/charts.py); the plot shows no axes before it.
                                    x_title=say("en", "charts.trust.x_title"),
                                    y_title=say("en", "charts.trust.y_title"),
                                    x_label_angle=-90, height=420,
                                    colors_in_legend=[],
                                    label=label("trust_plot"), elem_classes=["chart"])
            trust_text = gr.Markdown()
            trust_teachers = for_teachers("trust")
        with gr.Tab(label("scramble_tab")):
            gr.Markdown(label("teaching.scramble.intro"), elem_classes=["view-words"])
            scramble_button = gr.Button(label("teaching.scramble.button"),
                                        elem_classes=["view-run"])
            with gr.Row(equal_height=False):
                scramble_plot = gr.LinePlot(x="scrambled", y="alike", color=line(),
                                            x_title=say("en", "teaching.scramble.x_title"),
                                            y_title=say("en", "teaching.scramble.y_title"),
                                            x_lim=[0, 5], y_lim=[-1, 1], height=320,
                                            min_width=300,
                                            label=label("teaching.scramble.title"),
                                            elem_classes=["chart"])
                scramble_text = gr.Markdown()
            scramble_gallery = gr.Gallery(columns=4, height="auto", object_fit="scale-down",
                                          label=label("teaching.scramble.gallery"),
                                          elem_classes=["whole-gallery"])
            scramble_teachers = for_teachers("scramble", "teaching.scramble.intro_teachers")
        with gr.Tab(label("layers_tab")):
            gr.Markdown(label("views.layers.student"), elem_classes=["view-words"])
            layer_method = gr.Radio([("Grad-CAM", "gradcam"), ("LayerCAM", "layercam")],
                                    value="gradcam", label=label("layers_method"))
            layer_button = gr.Button(label("layers_button"), elem_classes=["view-run"])
            layer_gallery = gr.Gallery(columns=3, height="auto",
                                       label=label("layers_gallery"),
                                       elem_classes=["whole-gallery"])
            for_teachers("layers")
        with gr.Tab(label("how_tab")):
            gr.Markdown(label("views.how_intro"), elem_classes=["view-words"])
            numbers_button = gr.Button(label("how_button"), elem_classes=["view-run"])
            numbers_text = gr.Markdown()
            with gr.Accordion(label("for_teachers"), open=False, elem_classes=["for-teachers"]):
                numbers_teachers = gr.Markdown()
    views = (View("ten_maps", ten_button, [scale, controls.colormap], [ten_gallery]),
         View("why_not", contrast_button, [first, second],
              [why_tab, contrast_image, contrast_text, contrast_teachers]),
         View("hide", hide_button, [percent, controls.method, controls.layer],
              [hide_plot, hide_text, hide_teachers, hide_gallery]),
         View("trust", trust_button, [controls.method, controls.layer],
              [trust_plot, trust_text, trust_teachers]),
         View("scramble", scramble_button, [controls.method, controls.layer],
              [scramble_plot, scramble_text, scramble_teachers, scramble_gallery]),
         View("layers", layer_button, [layer_method, controls.colormap], [layer_gallery]),
         View("numbers", numbers_button, [controls.target], [numbers_text, numbers_teachers]))
    if language is not None:  # the page's language, last: each handler's ``language``
        views = tuple(replace(view, inputs=[*view.inputs, language]) for view in views)
    # Hidden, yet in the page: a change of their value in the browser is what fires the run.
    again = {name: gr.Textbox("", visible="hidden", elem_id=f"again-{name}",
                              elem_classes=["again-signal"])
             for name in ("draw", "upload")}
    return TeachingViews(views, why_tab, gr.State(None), again)
