"""The drawing pad: a ``gr.HTML`` component whose value is the drawing's strokes.

A plain HTML canvas (pen, eraser, undo, clear; mouse, finger or stylus through pointer events)
instead of ``gr.Sketchpad``: measured in headless Chromium, the Sketchpad spent ~700 ms after
each pen-up exporting three PNGs and uploading them before the request left the page
(pen-up → overlay p50 1,355 ms). This pad sends its strokes with the change event itself, on
each pen-up. Its behaviour is ``pad.js`` and its look ``pad.css``, beside this file.

The value is JSON text, ``""`` when nothing is drawn::

    {"width": 400, "height": 400,
     "strokes": [{"tool": "pen" | "eraser", "size": 24, "points": [[x, y], ...]}, ...]}

in canvas pixels (x right, y down). The server checks it with
:func:`cam_core.strokes.parse_drawing` and draws it with
:func:`cam_core.strokes.render_drawing`, the function training and evaluation draw pen
trajectories with: the model sees what it was evaluated on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from cam_core.strokes import BRUSH_WIDTH, CANVAS_SIZE, ERASER_WIDTH

HERE = Path(__file__).resolve().parent
TEMPLATE = """<div class="pen-pad">
<canvas width="${side}" height="${side}" role="img" style="touch-action: none"
  aria-label="Drawing area: draw one digit with the mouse, a finger or a pen"></canvas>
<div class="pen-tools">
<button type="button" data-tool="pen" aria-pressed="true">✏ Pen</button>
<button type="button" data-tool="eraser" aria-pressed="false">Eraser</button>
<button type="button" data-action="undo" aria-label="Undo">↶ Undo</button>
<button type="button" data-action="clear" aria-label="Clear canvas">Clear</button>
</div></div>"""


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
