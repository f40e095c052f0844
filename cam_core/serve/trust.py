"""How much can you trust this map? The ROAD score (Rong et al., ICML 2022;
:mod:`cam_core.explain.road`) of each method on the student's own drawing, against random
smooth maps; and the ROAD pass through the explainer's runner that this view and "Hide the
evidence" (:mod:`cam_core.serve.hiding`) share.

Every verdict is judged against several seeded random maps and their spread
(:func:`cam_core.explain.road.beyond_chance`): one random map can be lucky on one drawing.

Words come as :class:`~cam_core.serve.views.Words`, for students and for teachers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cam_core.errors import PersonError
from cam_core.explain import render, road
from cam_core.explain.engine import Explainer, Explanation
from cam_core.explain.methods import METHODS
from cam_core.inputs.prepare import Prepared
from cam_core.model import calibrate
from cam_core.model.logits import BATCH_SIZE, logits_of
from cam_core.serve.catalog import decimals, say, say_list, sentences
from cam_core.serve.charts import Chart, bar, kinds, map_name
from cam_core.serve.views import Words, gpu_note

# The trust chart's two kinds of bar by their names' catalog keys (``charts.trust.*``), and
# their English names (RANDOM_MAP also marks the random maps' rows) and colours.
KINDS = {"trust.method_map": "#2e6fb0", "trust.random_map": "#8d99ae"}
METHOD_MAP, RANDOM_MAP = (say("en", f"charts.{key}") for key in KINDS)
TRUST_COLOURS = kinds("en", KINDS)
RANDOM_MAPS = 6  # seeded random smooth maps a map is judged against (2 random orders each)
CLEAR_GAP = 0.05  # the smallest gap from the random runs' mean that counts (5 points of "sure")


def probabilities_of(explainer: Explainer, batch_size: int = BATCH_SIZE
                     ) -> Callable[[np.ndarray], np.ndarray]:
    """The model as ROAD calls it: ``(M, 1, 28, 28)`` normalised inputs → ``(M, 10)``
    temperature-scaled probabilities (what the app shows), in batches of ``batch_size``, on
    the explainer's own model (:func:`cam_core.model.logits.logits_of`)."""
    def call(inputs: np.ndarray) -> np.ndarray:
        return calibrate.softmax(logits_of(explainer.model, inputs, batch_size),
                                 explainer.temperature)
    return call


def road_scores(explainer: Explainer, inputs: np.ndarray, maps: np.ndarray, targets: list[int],
          seed: int) -> tuple[road.RoadScores, bool]:
    """:func:`cam_core.explain.road.road` through the explainer's runner (on ZeroGPU in one
    GPU lease); True when the lease was refused and the CPU computed it."""
    refused: list[bool] = []

    def call(batch: np.ndarray) -> np.ndarray:
        logits, was_refused = explainer.logits(batch)
        refused.append(was_refused)
        return calibrate.softmax(logits, explainer.temperature)

    scores = road.road(call, inputs, maps, targets, seed=seed)
    return scores, any(refused)


class TrustRows(list):
    """:func:`trust_by_method`'s rows (a list of ``(method label, layer, score)``), and
    ``gpu_refused``: True when a GPU lease was refused and the CPU computed them."""

    gpu_refused: bool = False


def map_over_input(result: Explanation) -> np.ndarray:
    """``result``'s raw map upsampled (bilinear) to the 28×28 model input, float32."""
    return render.feature_to_model(result.target_map)


def trust_by_method(explainer: Explainer, prepared: Prepared, target: int | None = None,
                    seed: int = 0, include: tuple[str, str] | None = None,
                    ) -> list[tuple[str, str, float]]:
    """"How much can you trust this map?": the ROAD combined score of each live method (on its
    finest layer and on layer4, and ``include``'s ``(method name, layer)`` when that is a live
    method) for one drawing, and of :data:`RANDOM_MAPS` seeded random smooth maps, in one
    batched model call.

    Returns ``(method label, layer, score)`` rows, best first; each random map's row is
    ``("random map", "—", score)``. Scores are in [−0.5, 0.5]; higher = more faithful.
    """
    wanted = [(m.name, layer) for m in METHODS.values() if m.live
              for layer in dict.fromkeys((m.layers[0], "layer4"))]
    if include is not None and include not in wanted:
        method = METHODS.get(include[0])
        if method is not None and method.live and include[1] in method.layers:
            wanted.append(include)
    tensor = prepared.tensor[None]  # (1, 1, 28, 28)
    rows: list[tuple[str, str, np.ndarray, int]] = []
    for name, layer in wanted:
        result = explainer.explain(prepared, target=target, method=name, layer=layer)
        if result.target is None:
            raise PersonError(key="teaching.trust.blank")
        rows.append((METHODS[name].label, layer, map_over_input(result), result.target))
    chosen = rows[0][3]
    rows += [(RANDOM_MAP, "—", unit, chosen)
             for unit in road.random_smooth_maps(RANDOM_MAPS, seed=seed)]
    scores, refused = road_scores(explainer, np.repeat(tensor, len(rows), 0),
                            np.stack([r[2] for r in rows]), [r[3] for r in rows], seed)
    table = TrustRows(sorted(((label, layer, float(score)) for (label, layer, _, _), score
                              in zip(rows, scores.combined, strict=True)),
                             key=lambda row: -row[2]))
    table.gpu_refused = refused
    return table


def _split(rows: Sequence[tuple[str, str, float]]) -> tuple[list, np.ndarray]:
    """The methods' rows (order kept) and the random maps' scores."""
    return ([row for row in rows if row[0] != RANDOM_MAP],
            np.array([score for label, _, score in rows if label == RANDOM_MAP]))


def trust_frame(rows: Sequence[tuple[str, str, float]], language: str = "en") -> pd.DataFrame:
    """:func:`trust_by_method`'s rows for a bar chart, best first: ``map`` (e.g. "CAM
    layer4": two names, no words; the random maps as one bar, the best of them: the score to
    beat), ``points`` (200 × the score: the mean gap between the coldest-first and the
    hottest-first curves, in points of "how sure") and :func:`~cam_core.serve.charts.bar`
    ("bar" in English: the kind of bar, in English
    :data:`METHOD_MAP` or :data:`RANDOM_MAP`; in ``language`` as everything else)."""
    methods, chance = _split(rows)
    method_kind, random_kind = kinds(language, KINDS)
    table = [(f"{label} {layer}", score, method_kind) for label, layer, score in methods]
    if chance.size:
        table.append((say(language, "teaching.trust.random_bar", count=chance.size),
                      float(chance.max()), random_kind))
    table.sort(key=lambda row: -row[1])
    # Short names ("Grad-CAM++ layer2"), upright under the bars: a phone has no room for more.
    return pd.DataFrame({"map": [name for name, _, _ in table],
                         "points": [round(200 * score, 1) for _, score, _ in table],
                         bar(language): [kind for _, _, kind in table]})


def trust_chart(rows: Sequence[tuple[str, str, float]], language: str = "en") -> Chart:
    """The bar chart for a reader of ``language``: :func:`trust_frame`, the axis titles
    ("map", "score (points)") and the two kinds' colours by their names."""
    return Chart(trust_frame(rows, language), say(language, "charts.trust.x_title"),
                 say(language, "charts.trust.y_title"), bar(language),
                 kinds(language, KINDS))


def trust_verdicts(rows: Sequence[tuple[str, str, float]], language: str = "en"
                   ) -> dict[str, int]:
    """Each method's map (``"CAM on layer4"``, in ``language``) → +1 clearly better than the
    random maps, −1 clearly worse, 0 no different (:func:`cam_core.explain.road.beyond_chance`,
    with a clear gap of 200 × :data:`CLEAR_GAP` points). Raises ValueError with under two
    random maps."""
    methods, chance = _split(rows)
    return {map_name(label, layer, language): road.beyond_chance(score, chance, CLEAR_GAP / 2)
            for label, layer, score in methods}


def trust_words(rows: Sequence[tuple[str, str, float]],
                chosen: tuple[str, str] | None = None, language: str = "en") -> Words:
    """:func:`trust_by_method`'s rows read for the student, each map judged against the spread
    of the random maps (:func:`trust_verdicts`), and the raw scores for teachers.
    ``chosen``: the Controls' ``(method label, layer)``."""
    methods, chance = _split(rows)
    verdicts = trust_verdicts(rows, language)
    points = {map_name(label, layer, language): round(200 * score)
              for label, layer, score in methods}
    best = map_name(*methods[0][:2], language)
    lines = [say(language, "teaching.trust.best", map=best, points=points[best])]
    if chosen is not None:
        mine = map_name(*chosen, language)
        if mine in points and mine != best:
            lines.append(say(language, "teaching.trust.chosen", map=mine, points=points[mine]))
        elif mine not in points:
            lines.append(say(language, "teaching.trust.not_tested", map=mine))
    lines.append(say(language, "teaching.trust.random", count=chance.size,
                     low=round(200 * float(chance.min())), high=round(200 * float(chance.max()))))
    beat = [name for name, verdict in verdicts.items() if verdict > 0]
    if beat:
        lines.append(say(language, "teaching.trust.beat", maps=say_list(language, beat)))
    else:
        lines.append(say(language, "teaching.trust.none_beat"))
    same = [name for name, verdict in verdicts.items() if verdict <= 0]
    if beat and same:
        lines.append(say(language, "teaching.trust.chance", maps=say_list(language, same)))
    lines.append(say(language, "teaching.trust.small"))
    if getattr(rows, "gpu_refused", False):
        lines.insert(0, gpu_note(True, language))
    number, signed = decimals(language)
    table = "\n".join(f"| {map_name(label, layer, language)} | {signed(score, 3)} |"
                      for label, layer, score in methods)
    teachers = say(language, "teaching.trust.teachers", table=table, count=chance.size,
                   mean=signed(float(chance.mean()), 3), sd=number(float(chance.std(ddof=1)), 3),
                   high=signed(float(chance.max()), 3), gap=number(CLEAR_GAP / 2, 3))
    return Words(sentences(language, lines), teachers)
