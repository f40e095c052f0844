"""The teaching view "Scramble the network": the sanity check for saliency maps (Adebayo et
al., NeurIPS 2018; the maths in :mod:`cam_core.explain.sanity`) on the student's own drawing.

The map of the trained network beside its maps after scrambling the network from the top
down, each captioned with how alike it is to the trained map, and an edge map of the drawing
that knows nothing about digits. A map that barely changes when the network is scrambled shows
the drawing, not what the network learnt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cam_core.errors import PersonError
from cam_core.explain import render, sanity
from cam_core.explain.engine import Explainer, Explanation
from cam_core.explain.methods import METHODS
from cam_core.inputs.fit import to_tensor
from cam_core.serve.catalog import decimals, say, sentences
from cam_core.serve.charts import Chart, line
from cam_core.serve.views import Words

TILE = 168  # side of one tile: the 28×28 input 6× enlarged


def scramble(explainer: Explainer, result: Explanation, seed: int = 0) -> sanity.Cascade:
    """The sanity check for ``result``'s map (its method, layer and target) on a deep copy of
    the explainer's network (the served one is never changed), seeded.

    Raises: PersonError for a blank explanation, or for a method too slow to run six times
    (Score-CAM: one extra pass per channel) — :func:`check_method` first to ask before the
    map is made.
    """
    check_method(result.method)
    if result.digit is None or result.target is None:
        raise PersonError(key="teaching.scramble.blank")
    tensor = to_tensor(result.model_input / np.float32(255))  # (1, 28, 28)
    return sanity.cascade(explainer.model, result.model_input, tensor, result.target,
                          result.method, result.layer, seed)


def check_method(method: str) -> None:
    """Raises PersonError (what to choose instead) when ``method`` is too slow for the check."""
    if method in METHODS and not METHODS[method].live:
        raise PersonError(key="teaching.scramble.too_slow", map=METHODS[method].label)


def _tile(model_input: np.ndarray, raw: np.ndarray, colormap: str) -> np.ndarray:
    unit = render.normalize_map(raw, "per_map")
    blended = render.overlay(render.on_paper(model_input), unit, 0.6, colormap)
    return render.enlarge(blended, TILE)


def scramble_tiles(checked: sanity.Cascade, model_input: np.ndarray,
                   colormap: str = "viridis", language: str = "en",
                   ) -> list[tuple[np.ndarray, str]]:
    """Seven ``(TILE, TILE, 3)`` uint8 RGB tiles: the trained network's map, the map after each
    of the five scrambling steps and the edge map, each over the drawing and captioned short
    (``"step 3: 0.12"``: how alike to the trained map, −1 to 1; at most 13 characters)."""
    tiles = [(_tile(model_input, checked.trained, colormap),
              say(language, "teaching.scramble.caption_trained"))]
    _, signed = decimals(language)
    for step, (raw, alike) in enumerate(zip(checked.scrambled, checked.similarity,
                                            strict=True), start=1):
        tiles.append((_tile(model_input, raw, colormap),
                      say(language, "teaching.scramble.caption_step", step=step,
                          alike=signed(alike, 2))))
    tiles.append((_tile(model_input, checked.edges, colormap),
                  say(language, "teaching.scramble.caption_edges",
                      alike=signed(checked.edge_similarity, 2))))
    return tiles


def scramble_frame(checked: sanity.Cascade, language: str = "en") -> pd.DataFrame:
    """For a line plot: ``scrambled`` (how many steps of scrambling, 0–5; 0 = trained),
    ``alike`` (rank correlation with the trained map, −1 to 1) and
    :func:`~cam_core.serve.charts.line` ("line" in English: this map, or the edge map's level
    as a flat line to compare), in ``language``."""
    steps = np.arange(len(checked.similarity) + 1)
    this = say(language, "teaching.scramble.line_map")
    edges = say(language, "teaching.scramble.line_edges")
    return pd.concat([
        pd.DataFrame({"scrambled": steps, "alike": np.round([1.0, *checked.similarity], 2),
                      line(language): this}),
        pd.DataFrame({"scrambled": steps, "alike": round(checked.edge_similarity, 2),
                      line(language): edges})], ignore_index=True)


def scramble_chart(checked: sanity.Cascade, language: str = "en") -> Chart:
    """The line chart for a reader of ``language``: :func:`scramble_frame` and the axis
    titles ("steps of scrambling", "how alike (1 = same)"); the plot picks the colours."""
    return Chart(scramble_frame(checked, language), say(language, "teaching.scramble.x_title"),
                 say(language, "teaching.scramble.y_title"), line(language))


def scramble_words(checked: sanity.Cascade, map_name: str, language: str = "en") -> Words:
    """The check read for the student (passes when the fully scrambled map's rank correlation
    with the trained one is below :data:`cam_core.explain.sanity.PASSES`) and the numbers for
    teachers. ``map_name``: e.g. ``"CAM on layer4"``."""
    last = float(checked.similarity[-1])
    verdict = "passes" if last < sanity.PASSES else "fails"
    number, signed = decimals(language)
    student = sentences(language, [
        say(language, "teaching.scramble.tested", map=map_name),
        say(language, f"teaching.scramble.{verdict}", alike=signed(last, 2)),
        say(language, "teaching.scramble.edges", alike=signed(checked.edge_similarity, 2))])
    table = "\n".join(f"| {step} | {' + '.join(blocks)} | {signed(alike, 3)} |"
                      for step, (blocks, alike) in enumerate(zip(sanity.STEPS,
                                                                 checked.similarity,
                                                                 strict=True), start=1))
    teachers = say(language, "teaching.scramble.teachers", map=map_name, table=table,
                   edges=signed(checked.edge_similarity, 3), passes=number(sanity.PASSES, 1))
    return Words(student, teachers)


INTRO = Words(
    student=say("en", "teaching.scramble.intro"),
    teachers=say("en", "teaching.scramble.intro_teachers"))
