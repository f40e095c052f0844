"""What the app displays, computed from an :class:`~cam_core.engine.Explanation` — plain data
(text, a DataFrame, RGB arrays) so ``app.py`` only wires widgets. No Gradio here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import render
from .engine import Explanation

PREDICTED, OTHER = "prediction", "other digits"
BAR_COLOURS = {PREDICTED: "#d1495b", OTHER: "#8d99ae"}
DIGITS = [str(d) for d in range(10)]
MODEL_VIEW_SIDE = 168  # the 28×28 model input shown 6× enlarged
# Shown beside the heatmap: students see colour on blank paper and think the map is wrong.
BLANK_PAPER = ("Colour on empty paper? The network also looks at where there is no ink: an "
               "empty space can be evidence too (a 1 has empty space on both sides).")
GRID_COLOUR = (110, 110, 110)  # the map's grid drawn over the heatmap, mid grey


@dataclass(frozen=True)
class Panels:
    """Display values for one explanation.

    Attributes:
        headline: HTML, the digit large with its probability, or the message.
        chart: DataFrame with columns ``digit`` (str "0"–"9" in order), ``probability``
            (float in [0, 1]) and ``kind`` (prediction / other digits) for a bar chart.
        overlay: ``(H, W, 3)`` uint8 RGB, the CAM over the person's picture.
        model_view: ``(168, 168, 3)`` uint8 RGB, the 28×28 model input with its CAM.
    """

    headline: str
    chart: pd.DataFrame
    overlay: np.ndarray
    model_view: np.ndarray


def probability_frame(probabilities: np.ndarray, digit: int | None) -> pd.DataFrame:
    """Ten bars in fixed order 0–9; the predicted one marked for highlighting.

    Both kinds are always present (when blank, the zero-height bar 0 carries the "prediction"
    kind): the chart fixes its colour domain from the values it first sees, so a frame
    without a "prediction" row would leave later predicted bars without a colour.
    """
    marked = 0 if digit is None else digit
    return pd.DataFrame({
        "digit": DIGITS,
        "probability": [float(p) for p in probabilities],
        "kind": [PREDICTED if d == marked else OTHER for d in range(10)],
    })


def headline(result: Explanation, note: str = "") -> str:
    """HTML headline: the big digit and its probability, or what to do instead.

    ``note`` (plain text) is added as a hint, e.g. why the heatmap is not shown yet (no
    heatmap is then described).
    """
    if result.digit is None:
        return f"<div class='digit-card'><p class='hint'>{html.escape(result.message)}</p></div>"
    percent = 100 * float(result.probabilities[result.digit])
    warning = f"<p class='warn'>{html.escape(result.message)}</p>" if result.message else ""
    explained = ""
    if result.target is not None and result.target != result.digit and not note:
        # Each map is stretched to the full colour range: without the number, a class with
        # almost no evidence would look as convincing as the prediction.
        chance = 100 * float(result.probabilities[result.target])
        explained = (f"<p class='hint'>Heatmap shows the evidence for <b>{result.target}</b> "
                     f"({chance:.1f}% probable), stretched to the full colour range: weak "
                     f"evidence looks as bright as strong.</p>")
    hint = f"<p class='hint'>{html.escape(note)}</p>" if note else ""
    # Not a digit: the network's best guess is still shown (students learn from it), but
    # greyed and named a guess, so a scribble's "9" at 10% does not read as an answer.
    style, sure = ("big-digit guess", "best guess") if result.not_a_digit else ("big-digit",
                                                                                 "sure")
    return (f"<div class='digit-card'><span class='{style}'>{result.digit}</span>"
            f"<span class='prob'>{percent:.1f}% {sure}</span>{warning}{explained}{hint}</div>")


def model_view(result: Explanation, opacity: float, colormap: str, grid: bool = False
               ) -> np.ndarray:
    """The 28×28 model input with its CAM blended, enlarged to 168×168 RGB; ``grid``: with
    the squares the map is made of drawn over it."""
    picture = render.on_paper(result.model_input)  # dark ink on white, like the drawing
    blended = render.overlay(picture, result.cam_model, opacity if result.digit is not None
                             else 0.0, colormap)
    enlarged = render.enlarge(blended, MODEL_VIEW_SIDE)
    if not grid or result.digit is None:
        return enlarged
    # Enlarged pixel x is model pixel (x + 0.5) · 28/168 − 0.5 (pixel centres).
    scale = result.model_input.shape[1] / MODEL_VIEW_SIDE
    to_model = np.array([[scale, 0.0, 0.5 * scale - 0.5], [0.0, scale, 0.5 * scale - 0.5]])
    return render.draw_grid(enlarged, to_model, result.target_map.shape, GRID_COLOUR)


def panels(result: Explanation, opacity: float = 0.5, colormap: str = "viridis",
           note: str = "", grid: np.ndarray | None = None) -> Panels:
    """All display values for one explanation (``note``: see :func:`headline`).

    ``grid``: the input's canvas → model affine (``Prepared.to_model``) to draw the grid of
    squares the map is made of (7×7 on layer3 and layer4, 14×14 on layer2) over the heatmap
    and the model view; None draws none.
    """
    overlay = result.overlay
    if grid is not None and result.digit is not None:
        overlay = render.draw_grid(overlay, grid, result.target_map.shape, GRID_COLOUR)
    return Panels(headline=headline(result, note),
                  chart=probability_frame(result.probabilities, result.digit),
                  overlay=overlay, model_view=model_view(result, opacity, colormap,
                                                         grid is not None))


def prediction_only(result: Explanation, picture: np.ndarray, note: str) -> Panels:
    """Display values without a heatmap (a slow method waiting for Explain): the prediction
    and its chart, ``note`` in the headline, the person's ``picture`` ``(H, W, 3)`` uint8 and
    the model input as they are."""
    return Panels(headline=headline(result, note),
                  chart=probability_frame(result.probabilities, result.digit),
                  overlay=picture,
                  model_view=render.enlarge(np.dstack([render.on_paper(result.model_input)] * 3),
                                            MODEL_VIEW_SIDE))


def error_panels(message: str) -> Panels:
    """Display values when the input could not be read: the message and empty outputs."""
    blank = np.full((MODEL_VIEW_SIDE, MODEL_VIEW_SIDE, 3), 255, np.uint8)
    return Panels(headline=f"<div class='digit-card'><p class='warn'>"
                           f"{html.escape(message)}</p></div>",
                  chart=probability_frame(np.zeros(10), None), overlay=blank, model_view=blank)
