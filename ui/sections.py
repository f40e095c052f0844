"""The main sections of the page, each built by one function that returns its components by name:
the input (Draw / Upload, Explain), the answer (headline, bar chart), the heatmaps, the controls
and the hidden ``/explain`` API. :mod:`ui.layout` stacks them; :mod:`ui.events` wires them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from cam_core.explain.methods import METHODS
from cam_core.explain.render import COLORMAPS
from cam_core.model.network import FEATURE_LAYERS
from cam_core.serve import views
from cam_core.serve.catalog import say
from cam_core.serve.charts import bar
from cam_core.serve.service import PREDICTION

from . import images
from .handlers import LAYER_INFO
from .images import ResultImage
from .language import label
from .pad import DrawingPad, PadHeat
from .upload import UploadedImage

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted(str(p) for p in (HERE.parent / "examples").glob("*.png"))
METHOD_CHOICES = [(m.label, m.name) for m in METHODS.values()]
TARGET_CHOICES = [(label("the_prediction"), PREDICTION)] + [(str(d), str(d)) for d in range(10)]
LAYER_CHOICES = list(FEATURE_LAYERS[1:])
# The colour maps in plain words first, the engine's name after (the value it takes).
COLORMAP_CHOICES = [(label(f"charts.colormap.{name}"), name) for name in COLORMAPS]
GRID_INFO = label("grid_info")


@dataclass(frozen=True)
class InputSection:
    """Where the person gives a digit: the pad (and its paper's heatmap) or an upload."""

    source: gr.State  # "draw" or "upload": the tab on screen
    draw_tab: gr.Tab
    upload_tab: gr.Tab
    pad: DrawingPad
    pad_heat: PadHeat
    upload: UploadedImage
    explain_button: gr.Button
    explain_status: gr.HTML

    @property
    def on_screen(self) -> list[gr.components.Component]:
        """The inputs that say what is on screen: the tab, the pad's strokes, the upload."""
        return [self.source, self.pad, self.upload]


def input_section() -> InputSection:
    """The Draw and Upload tabs, then Explain and the place its progress shows."""
    source = gr.State("draw")
    with gr.Tabs():
        with gr.Tab(label("draw_tab"), id="draw") as draw_tab:
            gr.Markdown(label("draw_hint"), elem_id="draw-hint")
            pad = DrawingPad(elem_id="sketch")
            pad_heat = PadHeat(elem_id="pad-heat")
        with gr.Tab(label("upload_tab"), id="upload") as upload_tab:
            # The file goes on unconverted and cam_core reads it (EXIF, 16-bit, size limits, a
            # clear message for what it cannot read).
            upload = UploadedImage(label=label("upload_label"), type="filepath",
                                   image_mode=None, sources=["upload", "clipboard"],
                                   elem_id="upload")
            if EXAMPLES:
                gr.Examples(EXAMPLES, inputs=upload, label=label("examples"), elem_id="examples")
    # Shown only while a map waits for it (a slow method: Score-CAM); every other map follows
    # each stroke, and a button that changes nothing on screen looks broken.
    explain_button = gr.Button(label("explain"), variant="primary", elem_id="explain",
                               visible=False)
    # Explain's progress (Score-CAM takes seconds) shows here, not over the results.
    explain_status = gr.HTML("", elem_id="explain-status")
    return InputSection(source, draw_tab, upload_tab, pad, pad_heat, upload, explain_button,
                        explain_status)


@dataclass(frozen=True)
class AnswerSection:
    """The network's answer: the headline (digit and how sure) and all ten probabilities."""

    headline: gr.HTML
    chart: gr.BarPlot
    table: gr.HTML  # the chart's ten probabilities as a table, for screen readers


def answer_section(start: views.Panels) -> AnswerSection:
    """The headline, the bar chart and its text equivalent (a table only screen readers
    read), showing ``start`` (the blank page's panels)."""
    headline = gr.HTML(start.headline, elem_id="headline")
    chart = gr.BarPlot(start.chart, x="digit", y="probability", color=bar(),
                       color_map=views.BAR_COLOURS, y_lim=[0, 1], sort=views.DIGITS,
                       # in English until the page's language is known: then in it
                       # (Handlers.on_language, ui/charts.py)
                       x_title=say("en", "charts.answer.x_title"),
                       y_title=say("en", "charts.answer.y_title"),
                       label=label("chart_label"),
                       # No legend: at this height Vega cuts its labels off, and the label
                       # above says what the red bar means.
                       colors_in_legend=[], height=260, elem_id="chart")
    table = gr.HTML(start.table, elem_id="chart-table", elem_classes=["visually-hidden"],
                    padding=False)
    return AnswerSection(headline, chart, table)


@dataclass(frozen=True)
class MapSection:
    """The heatmap over the person's picture, and the 28×28 the model saw with its map."""

    overlay: ResultImage
    model_view: ResultImage
    words: gr.HTML  # the map in words and its colour key; a live region (ui/access.js)


def map_section(start: views.Panels) -> MapSection:
    """The two heatmap pictures, the map in words with the colour key, and the line on why
    there is colour on empty paper."""
    # JPEG (quality 75, encoded by OpenCV: ui/images.py): several times faster than WebP on
    # every live update, with no visible difference on a smooth heatmap. Blank
    # paper from the start and fixed heights, so the first result moves nothing; the labels
    # sit above the pictures (page.css), and only the overlay keeps one button.
    overlay = ResultImage(start.overlay, label=label("overlay_label"), type="numpy",
                          format="jpeg", interactive=False, height=388,
                          buttons=["fullscreen"], elem_id="overlay")
    model_view = ResultImage(start.model_view, label=label("model_view_label"),
                             type="numpy", format="png", interactive=False, height=218,
                             buttons=[], elem_id="model-view")
    words = gr.HTML(start.words, elem_id="described", padding=False)
    gr.Markdown(label("answers.blank_paper"), elem_id="blank-paper")
    images.keep(start.overlay, "jpeg")  # every page load fetches these
    images.keep(start.model_view, "png")
    return MapSection(overlay, model_view, words)


@dataclass(frozen=True)
class Controls:
    """The controls of the map, in the order :class:`cam_core.serve.service.Settings` takes
    them."""

    target: gr.Radio
    method: gr.Radio
    layer: gr.Radio
    opacity: gr.Slider
    colormap: gr.Radio
    grid: gr.Checkbox

    @property
    def all(self) -> list[gr.components.Component]:
        """Every control, in ``Settings`` order."""
        return [self.target, self.method, self.layer, self.opacity, self.colormap, self.grid]


def controls_section() -> Controls:
    """The controls, folded under "More choices": a student draws first; the defaults make a
    good map. Radio buttons, not drop-down lists: every choice in sight and one tap away on a
    phone, and no list left open by Tab / Shift+Tab (Gradio's drop-downs open on focus)."""
    with gr.Accordion(label("controls"), open=False, elem_id="controls"), gr.Row():
        target = gr.Radio(TARGET_CHOICES, value=PREDICTION,
                          label=label("target_label"), elem_id="target",
                          min_width=300)
        method = gr.Radio(METHOD_CHOICES, value="cam", label=label("method_label"),
                          info=label("method_info"), elem_id="method",
                          min_width=300)
        layer = gr.Radio(LAYER_CHOICES, value="layer4", label=label("layer_label"),
                         info=LAYER_INFO, elem_id="layer")
        opacity = gr.Slider(0, 1, value=0.5, step=0.05,
                            label=label("opacity_label"))
        colormap = gr.Radio(COLORMAP_CHOICES, value="viridis", label=label("colormap_label"),
                            elem_id="colormap")
        grid = gr.Checkbox(False, label=label("grid_label"), info=GRID_INFO)
    return Controls(target, method, layer, opacity, colormap, grid)


@dataclass(frozen=True)
class ApiSection:
    """The ``/explain`` API (gradio_client, MCP): hidden components, not on the page."""

    inputs: list[gr.components.Component]
    outputs: list[gr.components.Component]
    button: gr.Button


def api_section() -> ApiSection:
    """The API's inputs (the page's controls, as drop-downs), its outputs and its trigger."""
    with gr.Row(visible=False):
        inputs = [gr.File(type="filepath", label="image"),  # cam_core reads any file
                  gr.Dropdown(TARGET_CHOICES, value=PREDICTION, label="class to explain"),
                  gr.Dropdown(METHOD_CHOICES, value="cam", label="method"),
                  gr.Dropdown(LAYER_CHOICES, value="layer4", label="layer"),
                  gr.Dropdown(list(COLORMAPS), value="viridis", label="colour map"),
                  gr.Number(0.5, minimum=0, maximum=1, label="opacity")]
        # JPEG as on the page: much faster to encode than WebP, Gradio's default.
        outputs = [gr.JSON(label="result"),
                   ResultImage(type="numpy", format="jpeg", label="overlay")]
        button = gr.Button()
    return ApiSection(inputs, outputs, button)
