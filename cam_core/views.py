"""What the app displays, computed from an :class:`~cam_core.engine.Explanation` — plain data
(text, a DataFrame, RGB arrays) so ``app.py`` only wires widgets. No Gradio here.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd

from . import render
from .engine import Explanation

PREDICTED, OTHER = "prediction", "other digits"
BAR_COLOURS = {PREDICTED: "#d1495b", OTHER: "#8d99ae"}
DIGITS = [str(d) for d in range(10)]
MODEL_VIEW_SIDE = 168  # the 28×28 model input shown 6× enlarged
PAD_HEAT_SIDE = 128  # the heatmap sent to the drawing pad: ~2 KB of JPEG, under 1 ms


@dataclass(frozen=True)
class Panels:
    """Display values for one explanation.

    Attributes:
        headline: HTML, the digit large with its probability, or the message.
        chart: DataFrame with columns ``digit`` (str "0"–"9" in order), ``probability``
            (float in [0, 1]) and ``kind`` (prediction / other digits) for a bar chart.
        overlay: ``(H, W, 3)`` uint8 RGB, the CAM over the person's picture.
        model_view: ``(168, 168, 3)`` uint8 RGB, the 28×28 model input with its CAM.
        heat: the heatmap on white paper as a small JPEG ``data:`` URL, for the drawing pad
            to show beneath the strokes (:func:`pad_heat`); "" when there is no heatmap.
    """

    headline: str
    chart: pd.DataFrame
    overlay: np.ndarray
    model_view: np.ndarray
    heat: str = ""


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


def model_view(result: Explanation, opacity: float, colormap: str) -> np.ndarray:
    """The 28×28 model input with its CAM blended, enlarged to 168×168 RGB."""
    picture = render.on_paper(result.model_input)  # dark ink on white, like the drawing
    blended = render.overlay(picture, result.cam_model, opacity if result.digit is not None
                             else 0.0, colormap)
    return render.enlarge(blended, MODEL_VIEW_SIDE)


def pad_heat(result: Explanation, opacity: float = 0.5, colormap: str = "viridis",
             side: int = PAD_HEAT_SIDE) -> str:
    """The map of ``result`` on white paper, ``side`` pixels square, as a JPEG ``data:`` URL
    (the drawing pad stretches it under the strokes); "" when there is no map (blank input).

    Cheap enough for every live request: the map is already in the canvas frame
    (``result.cam``); shrinking, blending and encoding 128×128 take under a millisecond.
    """
    if result.digit is None:
        return ""
    rgb = render.on_white(result.cam, side, opacity, colormap)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode() if ok else ""


def panels(result: Explanation, opacity: float = 0.5, colormap: str = "viridis",
           note: str = "") -> Panels:
    """All display values for one explanation (``note``: see :func:`headline`)."""
    return Panels(headline=headline(result, note),
                  chart=probability_frame(result.probabilities, result.digit),
                  overlay=result.overlay, model_view=model_view(result, opacity, colormap),
                  heat=pad_heat(result, opacity, colormap))


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
