"""Digit CAM demo: draw a digit, see what a ResNet34 reads and where it found the evidence.

``python app.py [--host 127.0.0.1] [--port 7860] [--share]``. ``demo`` is built at import (for
Hugging Face Spaces and tests); the server starts only under ``__main__``. Layout top to bottom
as on the page: input (Draw / Upload) · prediction and bar chart · heatmap and model input ·
controls. All image maths lives in ``cam_core``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio.data_classes import ImageData

from cam_core import render, teaching, views
from cam_core.engine import load_explainer
from cam_core.errors import PersonError
from cam_core.methods import METHODS
from cam_core.model import FEATURE_LAYERS, WeightsError
from cam_core.preprocess import InputError, Prepared, prepare
from cam_core.read import pad_drawing
from cam_core.render import COLORMAPS
from cam_core.strokes import BRUSH_WIDTH, CANVAS_SIZE

LOG = logging.getLogger("digit-cam")
EXAMPLES = sorted(str(p) for p in (Path(__file__).parent / "examples").glob("*.png"))
PREDICTION = "prediction"
METHOD_CHOICES = [(m.label, m.name) for m in METHODS.values()]
TARGET_CHOICES = [("the prediction", PREDICTION)] + [(str(d), str(d)) for d in range(10)]
MAX_BATCH = 16
SERVER_ERROR = "Something went wrong on the server; please try again."
# Failures whose message is written for the person (bad input or settings, server busy);
# any other exception is a bug: logged, and the person gets SERVER_ERROR.
PERSON_ERRORS = (PersonError,)
# The drawing pad: a plain HTML canvas instead of gr.Sketchpad. Measured in headless Chromium,
# the Sketchpad spent ~700 ms after each pen-up exporting three PNGs through PixiJS and
# uploading them before the request even left the page (pen-up → overlay p50 1,355 ms); this
# pad sends one PNG data URL with the event itself. It draws what the model was evaluated on:
# black strokes, round caps, BRUSH_WIDTH pixels wide on a transparent CANVAS_SIZE² canvas, so
# the PNG's alpha is the ink (cam_core.strokes.sketchpad_value gives the same pixels).
PEN_HTML = f"""<div class="pen-pad">
<canvas width="{CANVAS_SIZE}" height="{CANVAS_SIZE}" role="img" style="touch-action: none"
  aria-label="Drawing area: draw one digit with the mouse, a finger or a pen"></canvas>
<div class="pen-tools">
<button type="button" data-tool="pen" aria-pressed="true">✏ Pen</button>
<button type="button" data-tool="eraser" aria-pressed="false">Eraser</button>
<button type="button" data-action="undo" aria-label="Undo">↶ Undo</button>
<button type="button" data-action="clear" aria-label="Clear canvas">Clear</button>
</div></div>"""
PEN_CSS = """
.pen-pad {display: flex; flex-direction: column; align-items: center; gap: 0.5em;}
.pen-pad canvas {width: 100%; max-width: 480px; aspect-ratio: 1; background: #fff;
  border: 2px solid #888; border-radius: 8px; touch-action: none; cursor: crosshair;}
.pen-tools {display: flex; gap: 0.4em; flex-wrap: wrap; justify-content: center;}
.pen-tools button {font-size: 1.05em; padding: 0.35em 0.9em; border-radius: 6px;
  border: 1px solid #888; background: #f4f4f4; color: #222; cursor: pointer;}
.pen-tools button[aria-pressed="true"] {background: #ffd8a8; border-color: #c25e00;}
"""
# Strokes are kept as point lists, so Undo redraws the rest. Setting props.value sends the
# change event (one per pen-up); "" means an empty canvas.
PEN_JS = """
const canvas = element.querySelector('canvas');
const pad = canvas.getContext('2d');
const BRUSH = __BRUSH__, ERASER = 2 * __BRUSH__;
let tool = 'pen', strokes = [], current = null, restored = null;
function draw(stroke) {
  pad.globalCompositeOperation = stroke.tool === 'eraser' ? 'destination-out' : 'source-over';
  pad.lineWidth = stroke.tool === 'eraser' ? ERASER : BRUSH;
  pad.lineCap = pad.lineJoin = 'round';
  pad.strokeStyle = '#000';
  pad.beginPath();
  pad.moveTo(...stroke.points[0]);
  for (const point of stroke.points) pad.lineTo(...point);
  if (stroke.points.length === 1) pad.lineTo(stroke.points[0][0] + 0.01, stroke.points[0][1]);
  pad.stroke();
}
function redraw() {
  pad.globalCompositeOperation = 'source-over';
  pad.clearRect(0, 0, canvas.width, canvas.height);
  if (restored) pad.drawImage(restored, 0, 0);
  strokes.forEach(draw);
}
function send() {
  props.value = strokes.length || restored ? canvas.toDataURL('image/png') : '';
}
function at(event) {  // page pixels → bitmap pixels (inside the border)
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left - canvas.clientLeft) * canvas.width / canvas.clientWidth,
          (event.clientY - box.top - canvas.clientTop) * canvas.height / canvas.clientHeight];
}
canvas.addEventListener('pointerdown', event => {
  if (!event.isPrimary || event.button !== 0 || current) return;  // no right-click strokes
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  current = {tool, points: [at(event)], id: event.pointerId};
  strokes.push(current);
  draw(current);
});
canvas.addEventListener('pointermove', event => {
  if (!current || event.pointerId !== current.id) return;
  if (event.buttons === 0) return finish(event);  // the release was lost (outside the window)
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  const from = current.points.length - 1;
  for (const e of events.length ? events : [event]) current.points.push(at(e));
  draw({tool: current.tool, points: current.points.slice(from)});  // only the new piece
});
function finish(event) {
  if (!current || event.pointerId !== current.id) return;
  current = null;
  redraw();  // one clean pass, exactly the strokes the model was evaluated on
  send();
}
canvas.addEventListener('pointerup', finish);
canvas.addEventListener('pointercancel', finish);
canvas.addEventListener('lostpointercapture', finish);
element.querySelectorAll('[data-tool]').forEach(button => button.addEventListener('click', () => {
  tool = button.dataset.tool;
  element.querySelectorAll('[data-tool]').forEach(
    b => b.setAttribute('aria-pressed', String(b === button)));
}));
element.querySelector('[data-action="undo"]').addEventListener('click', () => {
  if (strokes.length) strokes.pop();
  else if (restored) restored = null;  // a drawing brought back after a remount: one step
  else return;
  redraw();
  send();
});
element.querySelector('[data-action="clear"]').addEventListener('click', () => {
  strokes = [];
  restored = null;
  redraw();
  send();
});
// Mounted again with a drawing already sent (e.g. the page re-rendered): show it again.
if (typeof props.value === 'string' && props.value.startsWith('data:image/')) {
  const image = new Image(), sent = props.value;
  // Not if the person drew or cleared meanwhile.
  image.onload = () => {
    if (props.value === sent && !strokes.length) { restored = image; redraw(); }
  };
  image.src = sent;
}
""".replace("__BRUSH__", str(BRUSH_WIDTH))
CSS = """
.digit-card {text-align: center; padding: 0.5em;}
.big-digit {font-size: 6em; font-weight: 700; line-height: 1; display: block;}
.big-digit.guess {font-size: 3.5em; color: #9e9e9e;}
.prob {font-size: 1.4em;}
.warn {color: #b3261e; font-weight: 600;}
.hint {color: #555; font-size: 1.1em;}
"""


def _cap_malloc_arenas(arenas: int = 2) -> None:
    """Keep the server's memory flat under a classroom burst (glibc only; elsewhere a no-op).

    glibc gives threads their own malloc arenas (up to 8 per core) and an arena keeps what is
    freed in it. Gradio runs handlers on a pool of up to 40 threads, so the model's buffers
    spread over many arenas. Measured with the load test (1,591 requests): RSS grew 233 MB
    with the default and 77.5 MB with this cap (18.5 MB of it after the burst).
    Called before the model's warm-up starts torch's threads and before Gradio's
    workers exist, so every arena made later obeys the cap.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX in <malloc.h>


_cap_malloc_arenas()


class UploadedImage(gr.Image):
    """``gr.Image`` (``type="filepath"``) whose upload reaches the handler unopened, readable
    or not, so that ``cam_core`` can say what is wrong with it.

    Why: ``gr.Image`` opens every upload with PIL before any handler runs. A file PIL cannot
    read (a renamed document, a HEIC photo) then failed the event with a bare "Error" and,
    the live handler being batched, failed every other upload in the same batch with it.
    Readable files are passed on exactly as ``gr.Image`` passes them (its path, unconverted).
    """

    is_template = True  # drawn by the browser's Image component, like gr.Sketchpad's base

    def preprocess(self, payload: ImageData | None) -> str | None:
        """The uploaded file's path on the server (as ``gr.Image`` gives it), or the image's
        ``data:`` URL as sent (an API client may): cam_core decodes and checks it, where
        gr.Image would decode it with PIL before any check. None if empty."""
        url = (payload.url or "") if payload is not None else ""
        if url[:5].lower() == "data:":
            return url
        if payload is not None and payload.path:
            return str(payload.path)
        return super().preprocess(payload)


try:  # load once at start; a missing file fails early, naming the training command
    explainer = load_explainer(os.environ.get("DIGIT_CAM_WEIGHTS") or None)
except WeightsError as error:
    raise SystemExit(str(error)) from None


def _explain_many(images: list, targets: list[str], methods: list[str], layers: list[str],
                  opacities: list[float], colormaps: list[str], live: bool = False,
                  ) -> list[views.Panels]:
    """Explain a batch of requests; each failure becomes its own message, never a traceback.

    ``live`` (a pen stroke, a new upload, a control changed): a method too slow to follow the
    pen (Score-CAM, 12–20 s a drawing on 2 CPU cores) gives the prediction without a heatmap and
    says to press Explain, unless its map is already cached; otherwise one student's choice
    would hold a worker of the whole class for minutes.
    """
    panels: list[views.Panels | None] = [None] * len(images)
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(targets, methods, layers, opacities, colormaps, strict=True)):
        groups.setdefault(key, []).append(i)
    for (target, method, layer, opacity, colormap), indices in groups.items():
        chosen = None if target in (None, "", PREDICTION) else int(target)
        if method == "cam" and layer != "layer4":
            layer = "layer4"  # CAM reads the fc weights, which see only layer4
        if live and method in METHODS and not METHODS[method].live:
            # A map already computed (on Explain) is shown; the others wait for Explain.
            # Each input is read once here; one that cannot be read waits too (its explain
            # then says why, and never runs the slow method live).
            images = [_prepared(image) if i in indices else image
                      for i, image in enumerate(images)]
            waiting = [i for i in indices if not isinstance(images[i], Prepared)
                       or explainer.needs_model(images[i], chosen, method, layer)]
            note = f"{METHODS[method].label} is slow: press Explain to compute its heatmap."
            _explain_group(images, [i for i in indices if i not in waiting], chosen, method,
                           layer, float(opacity), colormap, "", panels)
            # The prediction only (CAM's pass, no map shown) and the note.
            _explain_group(images, waiting, chosen, "cam", "layer4", 0.0, colormap, note,
                           panels)
        else:
            _explain_group(images, indices, chosen, method, layer, float(opacity), colormap,
                           "", panels)
    return panels  # type: ignore[return-value]


def _prepared(image: Any) -> Prepared | Any:
    """``prepare(image)``, or ``image`` unchanged when that fails (explain reports why)."""
    try:
        return prepare(image)
    except Exception:  # explain meets the same error in its own handler and reports it
        return image


def _explain_group(images: list, indices: list[int], target: int | None, method: str,
                   layer: str, opacity: float, colormap: str, note: str,
                   panels: list[views.Panels | None]) -> None:
    """Explain ``images[i]`` for ``i`` in ``indices`` in one batch, filling ``panels[i]``."""
    if not indices:
        return
    try:
        results = explainer.explain_batch([images[i] for i in indices], target, method, layer,
                                          colormap, opacity)
        for i, result in zip(indices, results, strict=True):
            panels[i] = views.panels(result, opacity, colormap, note)
    except Exception as error:
        if len(indices) == 1:
            panels[indices[0]] = _failure_panels(error)
            return
        if not isinstance(error, PERSON_ERRORS):
            LOG.exception("explain failed for a batch; retrying its inputs one by one")
        for i in indices:  # one bad file or one bug must fail no other input of the batch
            panels[i] = _explain_one(images[i], target, method, layer, opacity, colormap, note)


def _explain_one(image, target: int | None, method: str, layer: str, opacity: float,
                 colormap: str, note: str = "") -> views.Panels:
    """One request on its own: its own message on bad input, a generic one on a server bug."""
    try:
        result = explainer.explain(image, target, method, layer, colormap, float(opacity))
        return views.panels(result, float(opacity), colormap, note)
    except Exception as error:
        return _failure_panels(error)


def _failure_panels(error: Exception) -> views.Panels:
    """What the person sees when explaining failed: the message meant for them (bad input,
    server busy), or a generic one for a bug (logged with its traceback; call inside the
    ``except`` block)."""
    if isinstance(error, PERSON_ERRORS):
        return views.error_panels(str(error))
    LOG.exception("explain failed")
    return views.error_panels(SERVER_ERROR)


def _on_screen(source: str, sketch: str | None, upload: str | None) -> bytes | str | None:
    """The input shown now: the pad's PNG bytes (None when empty) or the upload (its path on
    the server, or the data: URL an API client sent).

    Raises InputError when the pad's value is not a drawing (see ``pad_drawing``).
    """
    return pad_drawing(sketch) if source == "draw" else upload


def _columns(panels: list[views.Panels]) -> tuple[list, list, list, list]:
    return ([p.headline for p in panels], [p.chart for p in panels],
            [p.overlay for p in panels], [p.model_view for p in panels])


def on_draw(values, targets, methods, layers, opacities, colormaps):
    """Batched live handler of the drawing pad: lists in, one list per output component out.

    Each value is checked first: it comes from the browser and must be a drawing, never a
    path on the server."""
    images, refused = [], {}
    for i, value in enumerate(values):
        try:
            images.append(pad_drawing(value))
        except InputError as error:
            images.append(None)
            refused[i] = views.error_panels(str(error))
    panels = _explain_many(images, targets, methods, layers, opacities, colormaps, live=True)
    return _columns([refused.get(i, panel) for i, panel in enumerate(panels)])


def on_upload(paths, targets, methods, layers, opacities, colormaps):
    """Batched live handler of the Upload tab (Gradio's own upload files)."""
    return _columns(_explain_many(paths, targets, methods, layers, opacities, colormaps,
                                  live=True))


def on_explain(source, sketch, upload, target, method, layer, opacity, colormap,
               live: bool = False):
    """Explain pressed: explain the input on screen with every control as set, Score-CAM too."""
    try:
        image = _on_screen(source, sketch, upload)
    except InputError as error:
        p = views.error_panels(str(error))
    else:
        p = _explain_many([image], [target], [method], [layer], [opacity], [colormap],
                          live=live)[0]
    return p.headline, p.chart, p.overlay, p.model_view


def on_setting(source, sketch, upload, target, method, layer, opacity, colormap):
    """A control changed or a tab was selected: re-render the input on screen (the engine's
    cache skips the model). A slow method's map not yet computed waits for Explain, as after
    a stroke."""
    return on_explain(source, sketch, upload, target, method, layer, opacity, colormap,
                      live=True)


# ----------------------------------------------------------------------------- teaching views


def cam_needs_layer4(method: str, layer: str) -> dict:
    """CAM reads the fc weights, which see only layer4: with CAM the Layer control goes back
    there, so it never names a layer the map is not from."""
    return gr.update(value="layer4") if method == "cam" and layer != "layer4" else gr.update()


def _current(source: str, sketch, upload, target: str = PREDICTION, method: str = "cam",
             layer: str = "layer4"):
    """(prepared input, explanation) of what is on screen now; raises PersonError."""
    prepared = prepare(_on_screen(source, sketch, upload))
    if prepared.blank:
        raise PersonError(prepared.message)
    chosen = None if target in (None, "", PREDICTION) else int(target)
    return prepared, explainer.explain(prepared, target=chosen, method=method, layer=layer)


def clear_teaching() -> tuple:
    """A new input: every teaching view empties, so none shows results of the previous one."""
    return [], None, "", "", [], [], ""


def _guarded(handler):
    """Run a teaching-view handler; bad input becomes a notice, never a traceback."""
    @functools.wraps(handler)
    def run(*args):
        try:
            return handler(*args)
        except PersonError as error:
            gr.Warning(str(error))
        except Exception:
            LOG.exception("teaching view failed")
            gr.Warning(SERVER_ERROR)
        return handler.empty
    return run


def ten_maps(source, sketch, upload, scale: str, colormap: str) -> list:
    """All ten class maps of the current input as gallery tiles."""
    _, result = _current(source, sketch, upload)
    return teaching.class_map_tiles(result, scale, "coolwarm" if scale == "signed" else colormap)


ten_maps.empty = []


def why_not(source, sketch, upload, first: str, second: str) -> tuple[np.ndarray, str]:
    """Contrast map CAM[first] − CAM[second] and its caption."""
    prepared, result = _current(source, sketch, upload)
    first_digit = result.digit if first == PREDICTION else int(first)
    second_digit = (teaching.runner_up(result, first_digit) if second == "runner-up"
                    else int(second))
    if first_digit == second_digit:
        raise PersonError("Pick two different digits to compare.")
    return teaching.contrast(result, prepared, first_digit, second_digit)


why_not.empty = (None, "")


def erase(source, sketch, upload, percent: float, followed: str) -> tuple[str, list]:
    """Erase the map's hottest ink and as much at random; report both probabilities."""
    method, layer = followed.split(":")
    _, result = _current(source, sketch, upload, method=method, layer=layer)
    outcome = teaching.erase_evidence(explainer, result, percent / 100)
    text = (f"Probability of **{outcome.target}**: {100 * outcome.before:.1f}% before · "
            f"**{100 * outcome.after_cam:.1f}%** after erasing the {percent:.0f}% of the ink "
            f"the heatmap marks hottest · {100 * outcome.after_random:.1f}% after erasing "
            f"{percent:.0f}% of the ink at random. If the heatmap points at real evidence, "
            f"the first drop is the larger. Try both heatmaps: the coarse 7×7 CAM of layer4 "
            f"often marks the middle of the digit, where erasing hurts least.")
    return text, [(render.on_paper(outcome.cam_erased), "erased where the heatmap is hottest"),
                  (render.on_paper(outcome.random_erased), "erased at random")]


erase.empty = ("", [])


def layers(source, sketch, upload, method: str, colormap: str) -> list:
    """The chosen method's maps of layer2, layer3 and layer4 side by side."""
    prepared, _ = _current(source, sketch, upload)
    return teaching.layer_comparison(explainer, prepared, method, colormap=colormap)


layers.empty = []


def numbers(source, sketch, upload, target: str) -> str:
    """The CAM formula with the current drawing's own numbers (Markdown)."""
    _, result = _current(source, sketch, upload, target)
    return teaching.how_it_works(explainer, result)


numbers.empty = "Draw a digit first."


def api_explain(image_path: str | None) -> tuple[dict, np.ndarray | None]:
    """The ``/explain`` API: an image file → (result JSON, overlay image)."""
    try:
        result = explainer.explain(image_path)
    except PersonError as error:
        return {"digit": None, "probabilities": [0.0] * 10, "message": str(error)}, None
    return ({"digit": result.digit, "probabilities": [float(p) for p in result.probabilities],
             "target": result.target, "message": result.message,
             "ood_score": result.ood_score, "not_a_digit": result.not_a_digit},
            result.overlay)


with gr.Blocks(title="What does the network look at?") as demo:
    gr.Markdown("# What does the network look at?\nDraw a digit (or upload a photo of one). "
                "A ResNet34 trained on MNIST says which digit it sees; the heatmap — a "
                "*class activation map* — shows where in your drawing it found the evidence.")
    source = gr.State("draw")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=320):
            with gr.Tabs():
                with gr.Tab("Draw", id="draw") as draw_tab:
                    gr.Markdown("**Draw one digit, large.** The result follows each stroke.")
                    # Its value is the drawing as a PNG data URL ("" when empty).
                    sketch = gr.HTML("", html_template=PEN_HTML, css_template=PEN_CSS,
                                     js_on_load=PEN_JS, elem_id="sketch", padding=False)
                with gr.Tab("Upload", id="upload") as upload_tab:
                    # The file goes on unconverted and cam_core reads it (EXIF, 16-bit,
                    # size limits, a clear message for what it cannot read).
                    upload = UploadedImage(label="Photo or image of a digit", type="filepath",
                                           image_mode=None, sources=["upload", "clipboard"],
                                           elem_id="upload")
                    if EXAMPLES:
                        gr.Examples(EXAMPLES, inputs=upload, label="Examples")
            explain_button = gr.Button("Explain", variant="primary")
        with gr.Column(scale=1, min_width=280):
            headline = gr.HTML(views.headline(explainer.explain(None)), elem_id="headline")
            chart = gr.BarPlot(views.probability_frame(np.zeros(10), None), x="digit",
                               y="probability", color="kind", color_map=views.BAR_COLOURS,
                               y_lim=[0, 1], sort=views.DIGITS, x_title="digit",
                               y_title="probability",
                               label="All ten probabilities (red: the prediction)",
                               # No legend: at this height Vega cuts its labels off, and the
                               # label above says what the red bar means.
                               colors_in_legend=[], height=260, elem_id="chart")
        with gr.Column(scale=1, min_width=280):
            # JPEG (PIL's default quality 75): encoded in under 2 ms against WebP's 15-19 ms,
            # on every live update. Against the exact overlay the mean error is 1.1 of 255 for
            # JPEG and 1.0 for WebP: no visible difference on a smooth heatmap.
            overlay = gr.Image(label="Class activation map over your drawing", type="numpy",
                               format="jpeg", interactive=False, elem_id="overlay")
            model_view = gr.Image(label="What the model sees (28×28) with its map",
                                  type="numpy", interactive=False, height=190,
                                  elem_id="model-view")
    with gr.Accordion("Controls", open=True), gr.Row():
        target = gr.Dropdown(TARGET_CHOICES, value=PREDICTION, label="Class to explain")
        method = gr.Dropdown(METHOD_CHOICES, value="cam", label="Method",
                             info="Score-CAM is slow: on Explain only")
        layer = gr.Dropdown(list(FEATURE_LAYERS[1:]), value="layer4", label="Layer",
                            info="CAM needs layer4")
        opacity = gr.Slider(0, 1, value=0.5, step=0.05, label="Heatmap opacity")
        colormap = gr.Dropdown(list(COLORMAPS), value="viridis", label="Colour map")
    with gr.Accordion("Teaching views: experiments with your drawing", open=False), gr.Tabs():
        with gr.Tab("All ten maps"):
            gr.Markdown("Where would the network see each digit? One forward pass gives "
                        "all ten class activation maps.")
            scale = gr.Radio([("each map its own scale", "per_map"),
                              ("one shared scale", "shared"),
                              ("signed (blue against, red for)", "signed")],
                             value="per_map", label="Scale")
            ten_button = gr.Button("Show all ten maps")
            ten_gallery = gr.Gallery(columns=5, height="auto", label="Class maps")
        with gr.Tab("Why k and not j?"):
            with gr.Row():
                first = gr.Dropdown(TARGET_CHOICES, value=PREDICTION, label="Evidence for")
                second = gr.Dropdown([("the runner-up", "runner-up")]
                                     + [(str(d), str(d)) for d in range(10)],
                                     value="runner-up", label="against")
            contrast_button = gr.Button("Compare")
            contrast_image = gr.Image(type="numpy", interactive=False, label="Contrast map")
            contrast_text = gr.Markdown()
        with gr.Tab("Erase the evidence"):
            with gr.Row():
                percent = gr.Slider(5, 60, value=20, step=5, label="Ink to erase (%)")
                followed = gr.Radio([("CAM, layer4 (7×7)", "cam:layer4"),
                                     ("LayerCAM, layer2 (14×14)", "layercam:layer2")],
                                    value="cam:layer4", label="Heatmap to follow")
            erase_button = gr.Button("Erase and run again")
            erase_text = gr.Markdown()
            erase_gallery = gr.Gallery(columns=2, height="auto", label="What the model saw")
        with gr.Tab("Layers"):
            layer_method = gr.Radio([("Grad-CAM", "gradcam"), ("LayerCAM", "layercam")],
                                    value="gradcam", label="Method")
            layer_button = gr.Button("Compare layer2, layer3, layer4")
            layer_gallery = gr.Gallery(columns=3, height="auto",
                                       label="Early layers: sharper; late: more meaning")
        with gr.Tab("How it works"):
            numbers_button = gr.Button("Show the numbers for my drawing")
            numbers_text = gr.Markdown()

    controls = [target, method, layer, opacity, colormap]
    outputs = [headline, chart, overlay, model_view]

    current = [source, sketch, upload]
    private = dict(api_visibility="private")
    teaching_clicks = [
        ten_button.click(_guarded(ten_maps), [*current, scale, colormap], ten_gallery,
                         **private),
        contrast_button.click(_guarded(why_not), [*current, first, second],
                              [contrast_image, contrast_text], **private),
        erase_button.click(_guarded(erase), [*current, percent, followed],
                           [erase_text, erase_gallery], **private),
        layer_button.click(_guarded(layers), [*current, layer_method, colormap], layer_gallery,
                           **private),
        numbers_button.click(_guarded(numbers), [*current, target], numbers_text, **private),
    ]

    # Explain's answer can take seconds (Score-CAM): any newer drawing, upload, setting or tab
    # cancels it, so that it cannot land on top of the newer input's answer. A newer input
    # also cancels the teaching views still computing for the old one.
    explaining = explain_button.click(on_explain, [source, sketch, upload, *controls], outputs,
                                      api_visibility="private")
    newer = dict(cancels=[explaining], api_visibility="private")
    new_input = dict(cancels=[explaining, *teaching_clicks], api_visibility="private")
    # A tab switch changes what is on screen: show that input's result, not the other tab's.
    for tab, name in ((draw_tab, "draw"), (upload_tab, "upload")):
        tab.select(lambda name=name: name, None, source, **new_input).then(
            on_setting, [source, sketch, upload, *controls], outputs, show_progress="hidden",
            api_visibility="private")
    live = dict(outputs=outputs, batch=True, max_batch_size=MAX_BATCH,
                show_progress="hidden", trigger_mode="always_last", **new_input)
    sketch.change(on_draw, inputs=[sketch, *controls], **live)
    upload.change(on_upload, inputs=[upload, *controls], **live)
    for control in (method, layer):
        control.change(cam_needs_layer4, [method, layer], layer, api_visibility="private")
    for control in controls:
        control.change(on_setting, [source, sketch, upload, *controls], outputs,
                       show_progress="hidden", trigger_mode="always_last", **newer)

    teaching_views = [ten_gallery, contrast_image, contrast_text, erase_text, erase_gallery,
                      layer_gallery, numbers_text]
    for changed in (sketch.change, upload.change, draw_tab.select, upload_tab.select):
        changed(clear_teaching, None, teaching_views, queue=False, show_progress="hidden",
                api_visibility="private")

    with gr.Row(visible=False):  # the /explain API for gradio_client, not shown on the page
        api_image = gr.File(type="filepath")  # any file: cam_core says what is wrong with it
        api_json, api_overlay = gr.JSON(), gr.Image(type="numpy")
        api_button = gr.Button()
    api_button.click(api_explain, api_image, [api_json, api_overlay], api_name="explain")

demo.queue(max_size=128, default_concurrency_limit=4)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the digit CAM demo.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get(
        "GRADIO_SERVER_PORT", os.environ.get("PORT", 7860))))
    parser.add_argument("--share", action="store_true", help="make a public gradio.live link")
    args = parser.parse_args()
    demo.launch(server_name=args.host, server_port=args.port, share=args.share,
                max_file_size="10mb", css=CSS, footer_links=["api"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
