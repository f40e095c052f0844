"""The drawing pad: a ``gr.HTML`` component whose value is the drawing's strokes.

A plain HTML canvas (pen, eraser, undo, clear; mouse, finger or stylus through pointer events)
instead of ``gr.Sketchpad``: measured in headless Chromium, the Sketchpad spent ~700 ms after
each pen-up exporting three PNGs and uploading them before the request left the page
(pen-up → overlay p50 1,355 ms). This pad sends its strokes with the change event itself, on
each pen-up. Its behaviour is ``pad.js`` and its look ``pad.css``, beside this file.

Without a pointer (WCAG 2.2, 2.5.7 Dragging Movements): the canvas takes the keyboard focus;
Enter or Space puts a pen down and lifts it, the arrow keys move it (Shift: bigger steps), a
ring on the paper shows where it is, and a stroke is sent when the pen lifts, as on a pen-up.
The canvas's accessible name says so, and points to the Upload tab.

On a phone the overlay panel is a screen away from the pad, so the pad can show the heatmap
itself, beneath the strokes ("Show the heatmap on my drawing", on by default on screens up to
900 px wide), and the answer in a few words in the paper's corner (screens up to 900 px wide:
the headline is below the pad there, off a phone's first screen). The live handlers send them
to a :class:`PadHeat` beside the pad, an invisible output whose value is a small JPEG of the
map on white paper and the answer's words, with the checksum of the strokes they belong to; it
hands the value to the pad in the page (a DOM event). So the pad's value stays the strokes, and
no pad update (Gradio rebuilds a component for each prop update) is made per request.

The value is JSON text, ``""`` when nothing is drawn::

    {"width": 400, "height": 400,
     "strokes": [{"tool": "pen" | "eraser", "size": 24, "points": [[x, y], ...]}, ...]}

in canvas pixels (x right, y down). The server checks it with
:func:`cam_core.inputs.strokes.parse_drawing` and draws it with
:func:`cam_core.inputs.strokes.render_drawing`, the function training and evaluation draw pen
trajectories with: the model sees what it was evaluated on.
"""

from __future__ import annotations

import html
import zlib
from pathlib import Path
from typing import Any

import gradio as gr

from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE, ERASER_WIDTH
from cam_core.serve.catalog import REFERENCE, say

HERE = Path(__file__).resolve().parent
HEAT_EVENT = "digit-cam:pad-heat"  # the DOM event that carries a heatmap to the pad
HEAT_JS = f"""watch('value', () => document.dispatchEvent(
  new CustomEvent('{HEAT_EVENT}', {{detail: props.value}})));"""
# The pad's words for screen readers and keyboards (catalog ``access``), put into the template
# in English; ui/access.js says them in the page's language (<html lang>) and on each change.
WORDS = {name: html.escape(say(REFERENCE, f"access.{name}"), quote=True)
         for name in ("pad_label", "pad_keys", "pen_down", "pen_up")}
TEMPLATE = """<div class="pen-pad">
<div class="pen-paper">
<img class="pen-heat" alt="" hidden>
<p class="pen-answer" dir="auto" aria-hidden="true" hidden></p>
<canvas width="${side}" height="${side}" role="application" tabindex="0"
  style="touch-action: none" aria-label="PAD_LABEL" aria-describedby="pen-keys"></canvas>
<div class="pen-cursor" aria-hidden="true" hidden></div>
</div>
<p id="pen-keys" class="pen-keys" dir="auto">PAD_KEYS</p>
<p class="pen-said" role="status" data-down="PEN_DOWN" data-up="PEN_UP"></p>
<div class="pen-tools">
<button type="button" data-tool="pen" aria-pressed="true">✏ Pen</button>
<button type="button" data-tool="eraser" aria-pressed="false">Eraser</button>
<button type="button" data-action="undo" aria-label="Undo">↶ Undo</button>
<button type="button" data-action="clear" aria-label="Clear canvas">Clear</button>
</div>
<label class="pen-heat-toggle"><input type="checkbox"> Show the heatmap on my drawing</label>
</div>""".replace("PAD_LABEL", WORDS["pad_label"]).replace("PAD_KEYS", WORDS["pad_keys"]).replace(
    "PEN_DOWN", WORDS["pen_down"]).replace("PEN_UP", WORDS["pen_up"])


class DrawingPad(gr.HTML):
    """A square drawing canvas; its value is the strokes as JSON text (see the module).

    Args:
        value: a drawing's JSON text to start with ("" or None: empty).
        side: the canvas's side in pixels (the server renders strokes on this canvas).
        brush, eraser: the pen's and the eraser's diameter, canvas pixels.
        **kwargs: passed to ``gr.HTML`` (``elem_id``, ``visible``, …).
    """

    def __init__(self, value: str | None = "", *, side: int = CANVAS_SIZE,
                 brush: float = BRUSH_WIDTH, eraser: float = ERASER_WIDTH, **kwargs: Any) -> None:
        super().__init__(value, html_template=TEMPLATE,
                         css_template=(HERE / "pad.css").read_text(encoding="utf-8"),
                         js_on_load=(HERE / "pad.js").read_text(encoding="utf-8"),
                         padding=False, side=side, brush=brush, eraser=eraser, **kwargs)

    def preprocess(self, payload: Any) -> str | None:
        """The strokes' JSON text as the browser sent it (checked later, per request, so that
        one bad drawing fails no other of its batch); None when nothing is drawn."""
        if payload is None or payload == "":
            return None
        return payload if isinstance(payload, str) else "(not text)"  # refused as not JSON

    def postprocess(self, value: str | None) -> str | None:
        """A drawing's JSON text to show (None or "": the empty pad)."""
        return value

    def api_info(self) -> dict[str, Any]:
        return {"type": "string", "description": "the drawing's strokes as JSON: {width, "
                "height, strokes: [{tool: pen|eraser, size, points: [[x, y], ...]}]}"}


class PadHeat(gr.HTML):
    """Invisible: carries the heatmap and the short answer for the drawing pad's paper (see
    the module). Its value is ``{"src": data URL or "", "for": crc32 of the drawing's text,
    "answer": a few words or "", "guess": bool}``; :meth:`of` makes it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(self.of(None, ""), html_template="", js_on_load=HEAT_JS,
                         visible="hidden", **kwargs)

    @staticmethod
    def of(drawing: str | None, picture: str, answer: str = "", guess: bool = False) -> dict:
        """The value that shows ``picture`` (a ``data:`` URL; "" for none) beneath the strokes
        of ``drawing`` (the pad's value it was computed from), and ``answer`` (plain text, e.g.
        ``views.short_answer``; greyed when ``guess``) in the paper's corner on screens up to
        900 px wide, where the headline is out of sight. The pad shows them only while its
        strokes are still that drawing's (crc32 of the text), so an answer that lands after a
        newer stroke or Clear is not shown over the wrong drawing."""
        if not drawing:
            return {"src": "", "for": 0, "answer": "", "guess": False}
        return {"src": picture, "for": zlib.crc32(drawing.encode("utf-8", "replace")),
                "answer": answer, "guess": guess}

    def preprocess(self, payload: Any) -> Any:
        return payload

    def postprocess(self, value: Any) -> Any:
        return value

    def api_info(self) -> dict[str, Any]:
        return {"type": "object", "description": "the heatmap shown on the drawing pad"}
