"""The page, top to bottom as it appears: input (Draw / Upload) · prediction and bar chart ·
heatmap and model input · controls · teaching views; then which event calls which handler.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from cam_core.explain.methods import METHODS
from cam_core.explain.render import COLORMAPS
from cam_core.model.network import FEATURE_LAYERS
from cam_core.serve import trust, views
from cam_core.serve.service import PREDICTION

from . import images
from .handlers import LAYER_INFO, RUNNER_UP, WHY_TAB, Handlers
from .images import ResultImage
from .pad import DrawingPad, PadHeat
from .upload import UploadedImage

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted(str(p) for p in (HERE.parent / "examples").glob("*.png"))
METHOD_CHOICES = [(m.label, m.name) for m in METHODS.values()]
TARGET_CHOICES = [("the prediction", PREDICTION)] + [(str(d), str(d)) for d in range(10)]
LAYER_CHOICES = list(FEATURE_LAYERS[1:])
MAX_BATCH = 16  # live requests of different people explained in one forward pass
GRID_INFO = "The squares the map is made of (14×14 on layer2)"


def page_css() -> str:
    """The page's own styles (``page.css``; the pad's are its component's)."""
    return (HERE / "page.css").read_text(encoding="utf-8")


def _for_teachers(words: views.Words) -> gr.Markdown:
    """The details for teachers, folded under a view: ``words.teachers`` and below it an empty
    Markdown (returned) for the numbers of the current drawing."""
    with gr.Accordion("For teachers", open=False):
        gr.Markdown(words.teachers)
        return gr.Markdown()


def build(handlers: Handlers, banner: str | None = None) -> gr.Blocks:
    """The whole page, wired to ``handlers``; queue set for a class sharing one server.
    ``banner``: HTML shown first (classroom mode: the address to open, see ui/classroom.py)."""
    with gr.Blocks(title="What does the network look at?") as demo:
        if banner:
            gr.HTML(banner, elem_id="classroom")
        gr.Markdown("# What does the network look at?\nDraw a digit (or upload a photo of "
                    "one). A neural network that learnt from 60,000 handwritten digits says "
                    "which digit it sees; the heatmap shows where in your drawing it found the "
                    "evidence<span class='intro-terms'> (a ResNet34 trained on MNIST; the "
                    "heatmap is a <i>class activation map</i>)</span>.", elem_id="intro")
        source = gr.State("draw")
        # On a phone the columns stack: page.css then puts the prediction right under the pad,
        # whose paper shows the heatmap and the answer in a few words (ui/pad.py).
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=1, min_width=320, elem_id="input-column"):
                with gr.Tabs():
                    with gr.Tab("Draw", id="draw") as draw_tab:
                        gr.Markdown("**Draw one digit, large.** The result follows each "
                                    "stroke.")
                        pad = DrawingPad(elem_id="sketch")
                        pad_heat = PadHeat(elem_id="pad-heat")
                    with gr.Tab("Upload", id="upload") as upload_tab:
                        # The file goes on unconverted and cam_core reads it (EXIF, 16-bit,
                        # size limits, a clear message for what it cannot read).
                        upload = UploadedImage(label="Photo or image of a digit",
                                               type="filepath", image_mode=None,
                                               sources=["upload", "clipboard"],
                                               elem_id="upload")
                        if EXAMPLES:
                            gr.Examples(EXAMPLES, inputs=upload, label="Examples",
                                        elem_id="examples")
                explain_button = gr.Button("Explain", variant="primary", elem_id="explain")
                # Explain's progress (Score-CAM takes seconds) shows here, not over the results.
                explain_status = gr.HTML("", elem_id="explain-status")
            with gr.Column(scale=1, min_width=280, elem_id="result-column"):
                start = handlers.service.blank()
                headline = gr.HTML(start.headline, elem_id="headline")
                chart = gr.BarPlot(start.chart, x="digit", y="probability", color="kind",
                                   color_map=views.BAR_COLOURS, y_lim=[0, 1],
                                   sort=views.DIGITS, x_title="digit", y_title="probability",
                                   label="All ten probabilities (red: the prediction)",
                                   # No legend: at this height Vega cuts its labels off, and
                                   # the label above says what the red bar means.
                                   colors_in_legend=[], height=260, elem_id="chart")
            with gr.Column(scale=1, min_width=280, elem_id="map-column"):
                # JPEG (quality 75, encoded by OpenCV: ui/images.py) in under 2 ms against
                # WebP's 15-19 ms, on every live update; mean error 1.1 of 255 against the
                # exact overlay: no visible difference on a smooth heatmap. Blank paper from the
                # start and fixed heights, so the first result moves nothing; the labels sit
                # above the pictures (page.css), and only the overlay keeps one button.
                overlay = ResultImage(start.overlay,
                                      label="Heatmap over your picture",
                                      type="numpy", format="jpeg", interactive=False,
                                      height=388, buttons=["fullscreen"], elem_id="overlay")
                model_view = ResultImage(start.model_view,
                                         label="What the model sees (28×28) with its map",
                                         type="numpy", format="png", interactive=False,
                                         height=218, buttons=[], elem_id="model-view")
                gr.Markdown(views.BLANK_PAPER, elem_id="blank-paper")
                images.keep(start.overlay, "jpeg")  # every page load fetches these
                images.keep(start.model_view, "png")
        # Radio buttons, not drop-down lists: every choice in sight and one tap away on a
        # phone, and no list left open by Tab / Shift+Tab (Gradio's drop-downs open on focus).
        with gr.Accordion("Controls", open=True, elem_id="controls"), gr.Row():
            target = gr.Radio(TARGET_CHOICES, value=PREDICTION,
                              label="Show the evidence for (class to explain)",
                              elem_id="target", min_width=300)
            method = gr.Radio(METHOD_CHOICES, value="cam",
                              label="Way of making the map (method)",
                              info="Score-CAM is slow: on Explain only", elem_id="method",
                              min_width=300)
            layer = gr.Radio(LAYER_CHOICES, value="layer4",
                             label="How deep in the network (layer)", info=LAYER_INFO,
                             elem_id="layer")
            opacity = gr.Slider(0, 1, value=0.5, step=0.05,
                                label="How strongly the heatmap shows (opacity)")
            colormap = gr.Radio(list(COLORMAPS), value="viridis", label="Colours (colour map)",
                                elem_id="colormap")
            grid = gr.Checkbox(False, label="Show the 7×7 grid", info=GRID_INFO)
        # Tabs that wrap onto a second row: on a phone each view is one tap away (the default
        # hid most of them behind a "•••" menu).
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
                _for_teachers(views.TEN_MAPS)
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
                contrast_teachers = _for_teachers(views.WHY_NOT)
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
                                            y_title="how sure (%)", x_lim=[0, 90],
                                            y_lim=[0, 100], height=320, min_width=300,
                                            # No legend (Vega drops its entries here), and
                                            # the x title is cut off: HIDE_KEY says both.
                                            colors_in_legend=[],
                                            label="How sure the network stays")
                    hide_text = gr.Markdown()
                hide_gallery = gr.Gallery(columns=3, height="auto", object_fit="scale-down",
                                          label="What the network saw after hiding",
                                          elem_classes=["whole-gallery"])
                hide_teachers = _for_teachers(views.HIDE)
            with gr.Tab("How much can you trust this map?"):
                gr.Markdown(views.TRUST.student)
                trust_button = gr.Button("Test every map on my drawing")
                trust_plot = gr.BarPlot(x="map", y="points", color="kind",
                                        color_map=trust.TRUST_COLOURS, sort="-y",
                                        x_title="map", y_title="score (points)",
                                        x_label_angle=-90, height=420, colors_in_legend=[],
                                        label="Score of each map on your drawing (grey: "
                                              "the random map)")
                trust_text = gr.Markdown()
                trust_teachers = _for_teachers(views.TRUST)
            with gr.Tab("Layers"):
                gr.Markdown(views.LAYERS.student)
                layer_method = gr.Radio([("Grad-CAM", "gradcam"), ("LayerCAM", "layercam")],
                                        value="gradcam", label="Way of making the map")
                layer_button = gr.Button("Compare layer2, layer3, layer4")
                layer_gallery = gr.Gallery(columns=3, height="auto",
                                           label="Early layer (sharp) → late layer (whole "
                                                 "shapes)", elem_classes=["whole-gallery"])
                _for_teachers(views.LAYERS)
            with gr.Tab("How the heatmap is made"):
                gr.Markdown(views.HOW_INTRO)
                numbers_button = gr.Button("Show the numbers for my drawing")
                numbers_text = gr.Markdown()
                with gr.Accordion("For teachers", open=False):
                    numbers_teachers = gr.Markdown()
        with gr.Row(visible=False):  # the /explain API (gradio_client, MCP), not on the page
            api_inputs = [gr.File(type="filepath", label="image"),  # cam_core reads any file
                          gr.Dropdown(TARGET_CHOICES, value=PREDICTION,
                                      label="class to explain"),
                          gr.Dropdown(METHOD_CHOICES, value="cam", label="method"),
                          gr.Dropdown(LAYER_CHOICES, value="layer4", label="layer"),
                          gr.Dropdown(list(COLORMAPS), value="viridis", label="colour map"),
                          gr.Number(0.5, minimum=0, maximum=1, label="opacity")]
            # JPEG as on the page: encoded in under 1 ms (WebP, Gradio's default, ~9 ms).
            api_outputs = [gr.JSON(label="result"),
                           ResultImage(type="numpy", format="jpeg", label="overlay")]
            api_button = gr.Button()

        # ---------------------------------------------------------------- events
        controls = [target, method, layer, opacity, colormap, grid]
        outputs = [headline, chart, overlay, model_view]
        shown = [*outputs, pad_heat]  # and the heatmap on the pad's paper, for a drawing
        on_screen = [source, pad, upload]
        private = dict(api_visibility="private")
        teaching_views = [ten_gallery, why_tab, contrast_image, contrast_text,
                          contrast_teachers, hide_plot, hide_text, hide_teachers, hide_gallery,
                          trust_plot, trust_text, trust_teachers, layer_gallery, numbers_text,
                          numbers_teachers]
        contrast = dict(inputs=[*on_screen, first, second],
                        outputs=[why_tab, contrast_image, contrast_text, contrast_teachers],
                        **private)
        teaching_clicks = [
            ten_button.click(handlers.ten_maps, [*on_screen, scale, colormap], ten_gallery,
                             **private),
            contrast_button.click(handlers.why_not, **contrast),
            why_tab.select(handlers.why_open, **contrast),  # answered at once, with its digits
            hide_button.click(handlers.hide, [*on_screen, percent, method, layer],
                              [hide_plot, hide_text, hide_teachers, hide_gallery], **private),
            trust_button.click(handlers.trust, [*on_screen, method, layer],
                               [trust_plot, trust_text, trust_teachers], **private),
            layer_button.click(handlers.layers, [*on_screen, layer_method, colormap],
                               layer_gallery, **private),
            numbers_button.click(handlers.numbers, [*on_screen, target],
                                 [numbers_text, numbers_teachers], **private),
        ]
        # Explain's answer can take seconds (Score-CAM): any newer drawing, upload, setting or
        # tab cancels it, so that it cannot land on the newer input's answer. A newer input
        # also cancels the teaching views still computing for the old one.
        explaining = explain_button.click(handlers.on_explain, [*on_screen, *controls],
                                          shown, show_progress_on=explain_status, **private)
        newer = dict(cancels=[explaining], **private)
        new_input = dict(cancels=[explaining, *teaching_clicks], **private)
        # A tab switch changes what is on screen: show that input's result, not the other's.
        for tab, name in ((draw_tab, "draw"), (upload_tab, "upload")):
            tab.select(lambda name=name: name, None, source, **new_input).then(
                handlers.on_setting, [*on_screen, *controls], shown, show_progress="hidden",
                **private)
        live = dict(batch=True, max_batch_size=MAX_BATCH, show_progress="hidden",
                    trigger_mode="always_last", **new_input)
        # Callable by name but not in the API docs: benchmarks/classroom.py sends the pad's
        # own event as the browser does.
        pad.change(handlers.on_draw, inputs=[pad, *controls], outputs=shown,
                   **live | dict(api_name="on_draw", api_visibility="undocumented"))
        upload.change(handlers.on_upload, inputs=[upload, *controls], outputs=outputs, **live)
        # A person's choice only (.input): the rule's own change of the layer keeps its note.
        method.change(handlers.layer_rule, [method, layer], layer, **private)
        layer.input(handlers.layer_rule, [method, layer], layer, **private)
        for control in controls:
            control.change(handlers.on_setting, [*on_screen, *controls], shown,
                           show_progress="hidden", trigger_mode="always_last", **newer)
        for changed in (pad.change, upload.change, draw_tab.select, upload_tab.select):
            changed(handlers.clear_teaching, None, teaching_views, queue=False,
                    show_progress="hidden", **private)
        api_button.click(handlers.explain, api_inputs, api_outputs, api_name="explain",
                         batch=True, max_batch_size=MAX_BATCH)
    return demo.queue(max_size=128, default_concurrency_limit=4)
