"""What the app displays, computed from an :class:`~cam_core.explain.engine.Explanation` — plain
data
(text, a DataFrame, RGB arrays) so ``app.py`` only wires widgets. No Gradio here.

Also the teaching views' fixed words (:class:`Words`): for each view a short text a
14-year-old can follow (short sentences, every term explained or left out) and, folded under
it, the details for teachers with the precise terms. The words that read a result are made by
:mod:`cam_core.serve.teaching`.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd

from cam_core.explain import render
from cam_core.explain.engine import Explanation
from cam_core.inputs.count import digit_count
from cam_core.inputs.prepare import TOO_SMALL_MESSAGE, Prepared
from cam_core.serve import describe
from cam_core.serve.catalog import say

PREDICTED, OTHER = "prediction", "other digits"
BAR_COLOURS = {PREDICTED: "#d1495b", OTHER: "#8d99ae"}
DIGITS = [str(d) for d in range(10)]
MODEL_VIEW_SIDE = 168  # the 28×28 model input shown 6× enlarged
PAD_HEAT_SIDE = 128  # the heatmap sent to the drawing pad: ~2 KB of JPEG, under 1 ms
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
        heat: the heatmap on white paper as a small JPEG ``data:`` URL, for the drawing pad
            to show beneath the strokes (:func:`pad_heat`); "" when there is no heatmap.
        answer: the answer in a few plain words for the pad's corner on small screens, where
            the headline is a screen away (:func:`short_answer`); "" for none.
        answer_is_guess: ``answer`` is a guess for something that does not look like a digit.
        described: the heatmap in words (:func:`cam_core.serve.describe.describe`), plain
            text: the pictures' alt text.
        words: HTML shown under the heatmaps and spoken by a screen reader after each answer
            (a live region): the answer, visually hidden (the headline shows it), then
            ``described``; and the map's colour key (:func:`words_html`).
        table: HTML, the bar chart's ten probabilities as a table (for screen readers).
    """

    headline: str
    chart: pd.DataFrame
    overlay: np.ndarray
    model_view: np.ndarray
    heat: str = ""
    answer: str = ""
    answer_is_guess: bool = False
    described: str = ""
    words: str = ""
    table: str = ""


def percent(probability: float) -> str:
    """A probability as the app writes it: ``"99.9%"``; never ``"100.0%"`` short of 1."""
    return f"{min(100 * probability, 99.9 if probability < 1 else 100):.1f}%"


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


def headline(result: Explanation, note: str = "", said: str = "") -> str:
    """HTML headline: the big digit and its probability, or what to do instead.

    ``note`` (plain text) is added as a hint, e.g. why the heatmap is not shown yet (no
    heatmap is then described); ``said`` (plain text) too, e.g. :func:`several_digits_line`.
    """
    if result.digit is None:
        return f"<div class='digit-card'><p class='hint'>{html.escape(result.message)}</p></div>"
    warning = f"<p class='warn'>{html.escape(result.message)}</p>" if result.message else ""
    explained = ""
    if result.target is not None and result.target != result.digit and not note:
        # Each map is stretched to the full colour range: without the number, a class with
        # almost no evidence would look as convincing as the prediction.
        chance = percent(float(result.probabilities[result.target]))
        explained = (f"<p class='hint'>Heatmap shows the evidence for <b>{result.target}</b> "
                     f"({chance} probable), stretched to the full colour range: weak "
                     f"evidence looks as bright as strong.</p>")
    hint = "".join(f"<p class='hint'>{html.escape(text)}</p>" for text in (said, note) if text)
    # Not a digit: the network's best guess is still shown (students learn from it), but
    # greyed and named a guess, so a scribble's "9" at 10% does not read as an answer.
    style, sure = ("big-digit guess", "best guess") if result.not_a_digit else ("big-digit",
                                                                                 "sure")
    return (f"<div class='digit-card'><span class='{style}'>{result.digit}</span>"
            f"<span class='prob'>{percent(float(result.probabilities[result.digit]))} "
            f"{sure}</span>{warning}{explained}{hint}</div>")


def short_answer(result: Explanation) -> str:
    """The headline in a few words, for the drawing pad's corner on a phone: ``"7 · 99.6%
    sure"``, ``"Not a digit? Best guess 9"``, ``"7 · colours show 1"`` (the map of another
    digit), ``"Too small: draw it bigger"``, or "" (nothing
    drawn, or a message too long for a corner: the headline says it)."""
    if result.digit is None:
        return "Too small: draw it bigger" if result.message == TOO_SMALL_MESSAGE else ""
    if result.not_a_digit:
        return f"Not a digit? Best guess {result.digit}"
    if result.target is not None and result.target != result.digit:
        # The pad's paper shows another digit's map: the corner says so, in a few words.
        return say("en", "teaching.screen.other_digit_corner", digit=result.digit,
                   target=result.target)
    return f"{result.digit} · {percent(float(result.probabilities[result.digit]))} sure"


def other_digit_line(result: Explanation, language: str = "en") -> str:
    """One line for beside the heatmap (and the pad) when the map explains a digit that is
    not the answer: "The colours show the evidence for 1, not for the answer 7."; "" when it
    explains the answer or nothing is drawn."""
    if result.digit is None or result.target is None or result.target == result.digit:
        return ""
    return say(language, "teaching.screen.other_digit", target=result.target,
               digit=result.digit)


def several_digits_line(prepared: Prepared, language: str = "en") -> str:
    """A sentence added to the answer when two or more digits are drawn side by side ("12"):
    "I see 2 digits; I read one at a time: draw one." The drawing is still read (as one
    picture); "" for one digit or none (:func:`cam_core.inputs.count.digit_count`)."""
    if prepared.blank:
        return ""
    count = digit_count(prepared.ink)
    return say(language, "teaching.screen.several_digits", count=count) if count >= 2 else ""


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


def words_html(said: str, described: str, colormap: str | None = "viridis") -> str:
    """The HTML under the heatmaps: ``said`` (the answer, for screen readers only) and
    ``described`` (for everyone) in one paragraph, then the colour key of ``colormap``
    (None: no map on screen, no key). ``data-described`` carries ``described`` for the
    pictures' alt text (ui/access.js)."""
    key = describe.legend(colormap) if colormap else ""
    return (f"<p class='described' data-described='{html.escape(described, quote=True)}'>"
            f"<span class='visually-hidden'>{html.escape(said)} </span>"
            f"{html.escape(described)}</p>{key}")


def _words(result: Explanation, described: str, colormap: str | None) -> dict[str, str]:
    """The words fields of :class:`Panels` for ``result``."""
    key = colormap if result.digit is not None else None
    return dict(described=described,
                words=words_html(describe.spoken(result), described, key),
                table=describe.probability_table(result.probabilities, result.digit))


def panels(result: Explanation, opacity: float = 0.5, colormap: str = "viridis",
           note: str = "", grid: np.ndarray | None = None, heat: bool = False,
           said: str = "") -> Panels:
    """All display values for one explanation (``note``, ``said``: see :func:`headline`).

    ``grid``: the input's canvas → model affine (``Prepared.to_model``) to draw the grid of
    squares the map is made of (7×7 on layer3 and layer4, 14×14 on layer2) over the heatmap
    and the model view; None draws none. ``heat``: also the heatmap for the drawing pad's paper
    (:func:`pad_heat`; only a drawing has a pad to show it on).
    """
    overlay = result.overlay
    if grid is not None and result.digit is not None:
        overlay = render.draw_grid(overlay, grid, result.target_map.shape, GRID_COLOUR)
    return Panels(headline=headline(result, note, said),
                  chart=probability_frame(result.probabilities, result.digit),
                  overlay=overlay, model_view=model_view(result, opacity, colormap,
                                                         grid is not None),
                  heat=pad_heat(result, opacity, colormap) if heat else "",
                  answer=short_answer(result), answer_is_guess=bool(result.not_a_digit),
                  **_words(result, describe.describe(result), colormap))


def prediction_only(result: Explanation, picture: np.ndarray, note: str, said: str = ""
                    ) -> Panels:
    """Display values without a heatmap (a slow method waiting for Explain): the prediction
    and its chart, ``note`` (and ``said``) in the headline, the person's ``picture``
    ``(H, W, 3)`` uint8 and the model input as they are."""
    return Panels(headline=headline(result, note, said),
                  chart=probability_frame(result.probabilities, result.digit),
                  overlay=picture,
                  model_view=render.enlarge(np.dstack([render.on_paper(result.model_input)] * 3),
                                            MODEL_VIEW_SIDE),
                  answer=short_answer(result), answer_is_guess=bool(result.not_a_digit),
                  **_words(result, note, None))


def error_panels(message: str) -> Panels:
    """Display values when the input could not be read: the message and empty outputs."""
    blank = np.full((MODEL_VIEW_SIDE, MODEL_VIEW_SIDE, 3), 255, np.uint8)
    return Panels(headline=f"<div class='digit-card'><p class='warn'>"
                           f"{html.escape(message)}</p></div>",
                  chart=probability_frame(np.zeros(10), None), overlay=blank, model_view=blank,
                  described=message, words=words_html("", message, None))


# ------------------------------------------------------------------ the teaching views' words


@dataclass(frozen=True)
class Words:
    """A teaching view's text, in Markdown.

    Attributes:
        student: for a 14-year-old: short sentences; every term explained, or left out.
        teachers: the same with the precise terms (logit, feature map, the paper), shown folded
            under the student text.
    """

    student: str
    teachers: str


TEN_MAPS = Words(
    student="Where does your drawing look like each digit? Here is one heatmap for each of the "
            "ten digits. They all use the same colours, so you can compare them: strong colour "
            "means strong evidence for that digit, no colour means none. Under each map: how "
            "sure the network is of that digit.",
    teachers="Each tile is the class activation map CAM_c = Σ_k w_(c,k) · A_k of one class c on "
             "layer4 (7×7), all ten from the same forward pass. *Same scale* (default): every "
             "map divided by the largest value of all ten; zero and negative evidence are "
             "clear. *Each its own scale*: per-map min–max, so a class at 0.0% fills the colour "
             "range like the prediction does — which is why it is not the default. *For and "
             "against*: one symmetric signed range for all ten, 0 clear, red positive, blue "
             "negative evidence. Percentages: temperature-scaled softmax of the logits.")

WHY_NOT = Words(
    student="Choose two digits. The map shows which parts of your drawing make it look more "
            "like one digit than like the other.",
    teachers="Contrast map CAM_k − CAM_j on layer4 (7×7), on a signed scale: 0 is clear, red "
             "positive (evidence for k), blue negative (for j). CAM is linear in the fc "
             "weights, so the map's mean plus b_k − b_j is the logit gap z_k − z_j.")

HIDE = Words(
    student="Does the heatmap point at what the network really uses? Test it: hide the parts "
            "the map marks **hottest** and see whether the network gets less sure. To hide a "
            "pixel we fill it in from the pixels around it, like a smudge, so no new shape "
            "appears. To compare, we also hide the **coldest** parts first, and parts in a "
            "**random** order. The map tested is the one chosen in Controls (Method and "
            "Layer).",
    teachers="This is ROAD, *RemOve And Debias* (Rong et al., \"A Consistent and Efficient "
             "Evaluation Strategy for Attribution Methods\", ICML 2022). Red: MoRF (most "
             "relevant first); blue: LeRF (least relevant first); grey: the mean of 12 random "
             "orders (MoRF and LeRF of 6 seeded random smooth maps: uniform noise on 7×7, "
             "upsampled), which the verdict is judged against. Steps hide 10%–90% of the 784 "
             "pixels of the 28×28 input, chosen by the map's percentiles. Hidden pixels are "
             "filled by *noisy linear imputation* (each the weighted mean of its 8 neighbours, "
             "all solved together, plus noise σ = 0.01 in normalised units), not whitened: a "
             "white blob has a shape of its own that the network reads, and erasing ink breaks "
             "every stroke whatever the map. The curve follows the predicted class's "
             "temperature-scaled probability. Over 200 MNIST test digits the layer4 CAM's ROAD "
             "combined score is +0.17, a random smooth map's about 0 (−0.004; "
             "benchmarks/faithfulness.py, tests/test_road.py).")

# The hiding plot's key: its legend and x title do not fit the plot's height.
HIDE_KEY = ("**Across:** how much of the picture is hidden. **Up:** how sure the network "
            "still is. **Red line:** hottest parts hidden first. **Blue:** coldest first. "
            "**Grey:** a random order.")

TRUST = Words(
    student="There are several ways to make a heatmap, and they do not all tell the truth "
            "equally well. Here each way does the test of \"Hide the evidence\" on your "
            "drawing. Its **score** is the gap between the blue line (coldest hidden first) "
            "and the red line (hottest hidden first), on average. "
            "A high score: the map points at what the network really uses. Random maps know "
            "nothing, but on one drawing one of them can score well by luck. So we make six, "
            "and a way counts only if it clearly beats the best of them. "
            "This takes up to half a minute.",
    teachers="Score = 100 · mean over the 10%…90% steps of (LeRF − MoRF) = 200 × ROAD's "
             "combined score (Rong et al., ICML 2022), on temperature-scaled probabilities of "
             "the predicted class. Each live method on its finest layer and on layer4 (and the "
             "Controls' choice); Score-CAM is left out (one extra forward pass per channel). "
             "The 6 seeded random maps are uniform noise on 7×7, upsampled: by symmetry their "
             "expected score is 0, but on one drawing it varies. One drawing is a noisy test; "
             "the project's acceptance test averages 200 MNIST digits.")

LAYERS = Words(
    student="The network works in steps, called **layers**. An early layer (layer2) sees small "
            "pieces, like a bit of a stroke, on a fine grid of 14×14 squares. A late layer "
            "(layer4) sees whole shapes, on a coarse grid of 7×7 squares. Each map shows where "
            "one layer finds the evidence: early maps are sharper, late maps know more about "
            "which digit it is.",
    teachers="Grad-CAM weighs each feature map of the layer by its spatially averaged gradient; "
             "LayerCAM weighs each position by its positive gradient, which keeps early-layer "
             "maps fine. layer2: 128 × 14×14, layer3: 256 × 7×7, layer4: 512 × 7×7 (stride 1 "
             "in layer4 for 28×28 input). CAM itself exists only on layer4 (its weights are "
             "the fc layer's). HiResCAM is not offered on layer2: its map there is a regular "
             "grid of dots over empty paper, an effect of the strided convolutions after it, "
             "not evidence (Odena et al., \"Deconvolution and Checkerboard Artifacts\", "
             "Distill 2016).")

HOW_INTRO = ("Where do the heatmap's colours come from? Press the button to see it step by step, "
             "with the numbers of your drawing.")
