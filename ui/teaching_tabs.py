"""The teaching views, one tab each, built by one function that returns their components by
name: all ten maps, "why this digit and not another?", hide the evidence, how much a map can
be trusted, layers, how the heatmap is made. :mod:`ui.events` wires their buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import gradio as gr

from cam_core.serve import trust, views
from cam_core.serve.service import PREDICTION

from .handlers import RUNNER_UP, WHY_TAB
from .sections import TARGET_CHOICES


def for_teachers(words: views.Words) -> gr.Markdown:
    """The details for teachers, folded under a view: ``words.teachers`` and below it an empty
    Markdown (returned) for the numbers of the current drawing."""
    with gr.Accordion("For teachers", open=False):
        gr.Markdown(words.teachers)
        return gr.Markdown()


@dataclass(frozen=True)
class TenMaps:
    scale: gr.Radio
    button: gr.Button
    gallery: gr.Gallery


@dataclass(frozen=True)
class WhyNot:
    tab: gr.Tab
    first: gr.Dropdown
    second: gr.Dropdown
    button: gr.Button
    image: gr.Image
    text: gr.Markdown
    teachers: gr.Markdown

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What :meth:`ui.handlers.Handlers.why_not` fills, in its order."""
        return [self.tab, self.image, self.text, self.teachers]


@dataclass(frozen=True)
class Hide:
    percent: gr.Slider
    button: gr.Button
    plot: gr.LinePlot
    text: gr.Markdown
    teachers: gr.Markdown
    gallery: gr.Gallery

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What :meth:`ui.handlers.Handlers.hide` fills, in its order."""
        return [self.plot, self.text, self.teachers, self.gallery]


@dataclass(frozen=True)
class Trust:
    button: gr.Button
    plot: gr.BarPlot
    text: gr.Markdown
    teachers: gr.Markdown

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What :meth:`ui.handlers.Handlers.trust` fills, in its order."""
        return [self.plot, self.text, self.teachers]


@dataclass(frozen=True)
class Layers:
    method: gr.Radio
    button: gr.Button
    gallery: gr.Gallery


@dataclass(frozen=True)
class Numbers:
    button: gr.Button
    text: gr.Markdown
    teachers: gr.Markdown


@dataclass(frozen=True)
class TeachingViews:
    """Every teaching view's components, by tab."""

    ten_maps: TenMaps
    why_not: WhyNot
    hide: Hide
    trust: Trust
    layers: Layers
    numbers: Numbers

    def emptied(self) -> dict[gr.components.Component, Any]:
        """Each view's result emptied (a new input: none may show the previous one's), as
        Gradio's named outputs; the "Why … and not …?" tab loses the old digits."""
        empty: dict[gr.components.Component, Any] = {}
        for view in (getattr(self, f.name) for f in fields(self)):
            for component in (getattr(view, f.name) for f in fields(view)):
                if isinstance(component, gr.Gallery):
                    empty[component] = []
                elif isinstance(component, gr.Markdown):
                    empty[component] = ""
                elif isinstance(component, gr.LinePlot | gr.BarPlot | gr.Image):
                    empty[component] = None
        empty[self.why_not.tab] = gr.update(label=WHY_TAB)
        return empty


def teaching_section() -> TeachingViews:
    """The teaching views' fold. Tabs that wrap onto a second row: on a phone each view is one
    tap away (the default hid most of them behind a "•••" menu)."""
    with gr.Accordion("Teaching views: experiments with your drawing", open=False,
                      elem_id="teaching"), gr.Tabs(overflow_behavior="wrap"):
        with gr.Tab("All ten maps"):
            gr.Markdown(views.TEN_MAPS.student)
            scale = gr.Radio([("the same scale for all (compare them)", "shared"),
                              ("each its own scale (weak maps look as bright as strong)",
                               "per_map"),
                              ("for and against (red for, blue against)", "signed")],
                             value="shared", label="Colours")
            ten_button = gr.Button("Show all ten maps")
            ten_gallery = gr.Gallery(columns=5, height="auto", label="One map per digit",
                                     elem_id="ten-maps", elem_classes=["whole-gallery"])
            for_teachers(views.TEN_MAPS)
        with gr.Tab(WHY_TAB) as why_tab:
            gr.Markdown(views.WHY_NOT.student)
            with gr.Row():
                first = gr.Dropdown(TARGET_CHOICES, value=PREDICTION, label="Why this digit")
                second = gr.Dropdown([("its second guess", RUNNER_UP)]
                                     + [(str(d), str(d)) for d in range(10)],
                                     value=RUNNER_UP, label="and not this one?")
            contrast_button = gr.Button("Compare")
            contrast_image = gr.Image(type="numpy", interactive=False,
                                      label="Red: more like the first · blue: the second")
            contrast_text = gr.Markdown()
            contrast_teachers = for_teachers(views.WHY_NOT)
        with gr.Tab("Hide the evidence"):
            gr.Markdown(views.HIDE.student)
            percent = gr.Slider(10, 90, value=20, step=10,
                                label="How much to hide in the pictures (%)")
            hide_button = gr.Button("Hide and test")
            gr.Markdown(views.HIDE_KEY)
            with gr.Row(equal_height=False):
                hide_plot = gr.LinePlot(x="hidden", y="sure", color="order",
                                        color_map=trust.CURVE_COLOURS,
                                        x_title="% of the picture hidden",
                                        y_title="how sure (%)", x_lim=[0, 90], y_lim=[0, 100],
                                        height=320, min_width=300,
                                        # No legend (Vega drops its entries here), and the x
                                        # title is cut off: HIDE_KEY says both.
                                        colors_in_legend=[], label="How sure the network stays")
                hide_text = gr.Markdown()
            hide_gallery = gr.Gallery(columns=3, height="auto", object_fit="scale-down",
                                      label="What the network saw after hiding",
                                      elem_classes=["whole-gallery"])
            hide_teachers = for_teachers(views.HIDE)
        with gr.Tab("How much can you trust this map?"):
            gr.Markdown(views.TRUST.student)
            trust_button = gr.Button("Test every map on my drawing")
            trust_plot = gr.BarPlot(x="map", y="points", color="kind",
                                    color_map=trust.TRUST_COLOURS, sort="-y", x_title="map",
                                    y_title="score (points)", x_label_angle=-90, height=420,
                                    colors_in_legend=[],
                                    label="Score of each map on your drawing (grey: the random "
                                          "map)")
            trust_text = gr.Markdown()
            trust_teachers = for_teachers(views.TRUST)
        with gr.Tab("Layers"):
            gr.Markdown(views.LAYERS.student)
            layer_method = gr.Radio([("Grad-CAM", "gradcam"), ("LayerCAM", "layercam")],
                                    value="gradcam", label="Way of making the map")
            layer_button = gr.Button("Compare layer2, layer3, layer4")
            layer_gallery = gr.Gallery(columns=3, height="auto",
                                       label="Early layer (sharp) → late layer (whole shapes)",
                                       elem_classes=["whole-gallery"])
            for_teachers(views.LAYERS)
        with gr.Tab("How the heatmap is made"):
            gr.Markdown(views.HOW_INTRO)
            numbers_button = gr.Button("Show the numbers for my drawing")
            numbers_text = gr.Markdown()
            with gr.Accordion("For teachers", open=False):
                numbers_teachers = gr.Markdown()
    return TeachingViews(
        TenMaps(scale, ten_button, ten_gallery),
        WhyNot(why_tab, first, second, contrast_button, contrast_image, contrast_text,
               contrast_teachers),
        Hide(percent, hide_button, hide_plot, hide_text, hide_teachers, hide_gallery),
        Trust(trust_button, trust_plot, trust_text, trust_teachers),
        Layers(layer_method, layer_button, layer_gallery),
        Numbers(numbers_button, numbers_text, numbers_teachers))
