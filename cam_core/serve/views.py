"""What the app displays, computed from an :class:`~cam_core.explain.engine.Explanation` — plain
data (text, a DataFrame, RGB arrays) so ``app.py`` only wires widgets. No Gradio here.

Every sentence comes from the words catalog (:mod:`cam_core.serve.catalog`) in the reader's
``language`` (a code of ``catalog.LANGUAGES``, default English); a message the layers below
wrote (``Explanation.message``, an error's) is said in that language with ``catalog.told``.

Also the teaching views' fixed words (:class:`Words`, :func:`words`): for each view a short
text a 14-year-old can follow (short sentences, every term explained or left out) and, folded
under it, the details for teachers with the precise terms. The words that read a result are
made by :mod:`cam_core.serve.teaching`.
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
from cam_core.serve.catalog import say, told
from cam_core.serve.charts import Chart, bar, kinds

# The answer chart's two kinds of bar by their names' catalog keys, their English names, colours.
BARS = {"answer.prediction": "#d1495b", "answer.other": "#8d99ae"}
PREDICTED, OTHER = (say("en", f"charts.{key}") for key in BARS)
BAR_COLOURS = kinds("en", BARS)
DIGITS = [str(d) for d in range(10)]
MODEL_VIEW_SIDE = 168  # the 28×28 model input shown 6× enlarged
PAD_HEAT_SIDE = 128  # the heatmap sent to the drawing pad: ~2 KB of JPEG, under 1 ms
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


def shown(probability: float) -> float:
    """The probability to write with one decimal: at most 0.999 short of 1, so a network
    that is not certain never reads "100.0%"."""
    return min(probability, 0.999 if probability < 1 else 1.0)


def probability_frame(probabilities: np.ndarray, digit: int | None, language: str = "en"
                      ) -> pd.DataFrame:
    """Ten bars in fixed order 0–9; the predicted one marked for highlighting (column
    :func:`~cam_core.serve.charts.bar`, "bar": the prediction / other digits, in ``language``).

    Both kinds are always present (when blank, the zero-height bar 0 carries the "prediction"
    kind): the chart fixes its colour domain from the values it first sees, so a frame
    without a "prediction" row would leave later predicted bars without a colour.
    """
    marked = 0 if digit is None else digit
    predicted, other = kinds(language, BARS)
    return pd.DataFrame({
        "digit": DIGITS,
        "probability": [float(p) for p in probabilities],
        bar(language): [predicted if d == marked else other for d in range(10)],
    })


def answer_chart(language: str = "en") -> Chart:
    """The answer chart's words in ``language`` (its axis titles and its bars' colours by
    their names), with no data: the page sets them when the language changes, and each
    answer's :attr:`Panels.chart` brings its bars (:func:`probability_frame`)."""
    return Chart(probability_frame(np.zeros(10), None, language),
                 say(language, "charts.answer.x_title"), say(language, "charts.answer.y_title"),
                 bar(language), kinds(language, BARS))


def gpu_note(gpu_refused: bool, language: str = "en") -> str:
    """The line that says a borrowed GPU was refused and the slower processor answered (a
    ZeroGPU Space whose visitors' quota is used up), or "" when it was not refused."""
    return say(language, "gpu.cpu_instead") if gpu_refused else ""


def headline(result: Explanation, note: str = "", language: str = "en", said: str = "") -> str:
    """HTML headline in ``language``: the big digit and its probability, or what to do instead.

    ``note`` (plain text or a catalog ``Message``) is added as a hint, e.g. why the heatmap is
    not shown yet (no heatmap is then described); ``said`` too, e.g.
    :func:`several_digits_line`.
    """
    message = html.escape(told(language, result.message))
    if result.digit is None:
        return f"<div class='digit-card'><p class='hint'>{message}</p></div>"
    warning = f"<p class='warn'>{message}</p>" if result.message else ""
    explained = ""
    if result.target is not None and result.target != result.digit and not note:
        # Each map is stretched to the full colour range: without the number, a class with
        # almost no evidence would look as convincing as the prediction.
        explained = "<p class='hint'>{}</p>".format(say(
            language, "answers.evidence_for", target=result.target,
            p=shown(float(result.probabilities[result.target]))))
    hint = "".join(f"<p class='hint'>{html.escape(told(language, text))}</p>"
                   for text in (said, note) if text)
    # Not a digit: the network's best guess is still shown (students learn from it), but
    # greyed and named a guess, so a scribble's "9" at 10% does not read as an answer.
    style, sure = (("big-digit guess", "answers.prob_guess") if result.not_a_digit
                   else ("big-digit", "answers.prob_sure"))
    probability = say(language, sure, p=shown(float(result.probabilities[result.digit])))
    return (f"<div class='digit-card'><span class='{style}'>{result.digit}</span>"
            f"<span class='prob'>{html.escape(probability)}</span>{warning}{explained}{hint}"
            "</div>")


def short_answer(result: Explanation, language: str = "en") -> str:
    """The headline in a few words of ``language``, for the drawing pad's corner on a phone:
    ``"7 · 99.6% sure"``, ``"Not a digit? Best guess 9"``, ``"Too small: draw it bigger"``, or
    "" (nothing drawn, or a message too long for a corner: the headline says it)."""
    if result.digit is None:
        return (say(language, "answers.too_small") if result.message == TOO_SMALL_MESSAGE
                else "")
    if result.not_a_digit:
        return say(language, "answers.guess", digit=result.digit)
    if result.target is not None and result.target != result.digit:
        # The pad's paper shows another digit's map: the corner says so, in a few words.
        return say(language, "teaching.screen.other_digit_corner", digit=result.digit,
                   target=result.target)
    return say(language, "answers.sure", digit=result.digit,
               p=shown(float(result.probabilities[result.digit])))


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


def words_html(said: str, described: str, colormap: str | None = "viridis",
               language: str = "en") -> str:
    """The HTML under the heatmaps: ``said`` (the answer, for screen readers only) and
    ``described`` (for everyone) in one paragraph, then the colour key of ``colormap``
    (None: no map on screen, no key). ``data-described`` carries ``described`` for the
    pictures' alt text (ui/access.js). The key's words in ``language``."""
    key = describe.legend(colormap, language) if colormap else ""
    return (f"<p class='described' data-described='{html.escape(described, quote=True)}'>"
            f"<span class='visually-hidden'>{html.escape(said)} </span>"
            f"{html.escape(described)}</p>{key}")


def _words(result: Explanation, described: str, colormap: str | None,
           language: str = "en") -> dict[str, str]:
    """The words fields of :class:`Panels` for ``result``, in ``language``."""
    key = colormap if result.digit is not None else None
    said = told(language, describe.spoken(result, language))
    return dict(described=described,
                words=words_html(said, described, key, language),
                table=describe.probability_table(result.probabilities, result.digit, language))


def panels(result: Explanation, opacity: float = 0.5, colormap: str = "viridis",
           note: str = "", grid: np.ndarray | None = None, heat: bool = False,
           language: str = "en", said: str = "") -> Panels:
    """All display values for one explanation, the words in ``language`` (``note``, ``said``:
    see :func:`headline`).

    ``grid``: the input's canvas → model affine (``Prepared.to_model``) to draw the grid of
    squares the map is made of (7×7 on layer3 and layer4, 14×14 on layer2) over the heatmap
    and the model view; None draws none. ``heat``: also the heatmap for the drawing pad's paper
    (:func:`pad_heat`; only a drawing has a pad to show it on).
    """
    overlay = result.overlay
    if grid is not None and result.digit is not None:
        overlay = render.draw_grid(overlay, grid, result.target_map.shape, GRID_COLOUR)
    return Panels(headline=headline(result, note, language, said),
                  chart=probability_frame(result.probabilities, result.digit, language),
                  overlay=overlay, model_view=model_view(result, opacity, colormap,
                                                         grid is not None),
                  heat=pad_heat(result, opacity, colormap) if heat else "",
                  answer=short_answer(result, language),
                  answer_is_guess=bool(result.not_a_digit),
                  **_words(result, describe.describe(result, language), colormap, language))


def prediction_only(result: Explanation, picture: np.ndarray, note: str,
                    language: str = "en", said: str = "") -> Panels:
    """Display values without a heatmap (a slow method waiting for Explain): the prediction
    and its chart, ``note`` (and ``said``) in the headline (in ``language``), the person's
    ``picture`` ``(H, W, 3)`` uint8 and the model input as they are."""
    return Panels(headline=headline(result, note, language, said),
                  chart=probability_frame(result.probabilities, result.digit, language),
                  overlay=picture,
                  model_view=render.enlarge(np.dstack([render.on_paper(result.model_input)] * 3),
                                            MODEL_VIEW_SIDE),
                  answer=short_answer(result, language),
                  answer_is_guess=bool(result.not_a_digit),
                  **_words(result, told(language, note), None, language))


def error_panels(message: str, language: str = "en") -> Panels:
    """Display values when the input could not be read: the message (plain text or a
    catalog ``Message``, said in ``language``) and empty outputs."""
    blank = np.full((MODEL_VIEW_SIDE, MODEL_VIEW_SIDE, 3), 255, np.uint8)
    return Panels(headline=f"<div class='digit-card'><p class='warn'>"
                           f"{html.escape(told(language, message))}</p></div>",
                  chart=probability_frame(np.zeros(10), None, language),
                  overlay=blank, model_view=blank,
                  described=told(language, message),
                  words=words_html("", told(language, message), None, language))


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


VIEWS = ("ten_maps", "why_not", "hide", "trust", "layers")


def words(view: str, language: str = "en") -> Words:
    """The fixed words of a teaching view (one of :data:`VIEWS`) in ``language``, from the
    catalog's ``views.<view>.student`` / ``.teachers``.

    Raises: KeyError for a view not in :data:`VIEWS`.
    """
    return Words(say(language, f"views.{view}.student"), say(language, f"views.{view}.teachers"))


def hide_key(language: str = "en") -> str:
    """The hiding plot's key (Markdown): its legend and x title do not fit the plot's height."""
    return say(language, "views.hide_key")


def how_intro(language: str = "en") -> str:
    """The line above "How is the heatmap made?"'s button (Markdown)."""
    return say(language, "views.how_intro")


def blank_paper(language: str = "en") -> str:
    """The line beside the heatmap: why there is colour on empty paper."""
    return say(language, "answers.blank_paper")


# The English words, as names for code that has no reader's language (tests, docs).
TEN_MAPS, WHY_NOT, HIDE, TRUST, LAYERS = (words(view) for view in VIEWS)
HIDE_KEY, HOW_INTRO, BLANK_PAPER = hide_key(), how_intro(), blank_paper()
