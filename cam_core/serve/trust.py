"""Two teaching views that test a map on the student's own drawing with ROAD (Rong et al.,
ICML 2022; :mod:`cam_core.explain.road`).

- Hide the evidence: hide the pixels the map marks hottest first, coldest first and in a
  random order, filled in from their neighbours (noisy linear imputation), and follow the
  probability of the digit as a curve.
- How much can you trust this map: the ROAD score of each method for this drawing, against a
  random smooth map.

Words come as :class:`~cam_core.serve.views.Words`, for students and for teachers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cam_core.errors import PersonError
from cam_core.explain import render, road
from cam_core.explain.engine import Explainer, Explanation
from cam_core.explain.methods import METHODS
from cam_core.inputs.fit import MNIST_MEAN, MNIST_STD, to_tensor
from cam_core.inputs.prepare import Prepared
from cam_core.model import calibrate
from cam_core.model.logits import BATCH_SIZE, logits_of
from cam_core.serve.views import Words, gpu_note, percent

HIDING_TILE = 196  # a hide-the-evidence tile: the 28×28 input 7× enlarged, nearest neighbour
# Colours of the three hiding curves (red / blue as in the contrast map; grey as other digits).
HOTTEST, COLDEST, RANDOM = "hottest hidden first", "coldest hidden first", "random order"
CURVE_COLOURS = {HOTTEST: "#d1495b", COLDEST: "#2e6fb0", RANDOM: "#8d99ae"}
METHOD_MAP, RANDOM_MAP = "a way to make the map", "random map"  # the trust chart's two kinds
TRUST_COLOURS = {METHOD_MAP: "#2e6fb0", RANDOM_MAP: "#8d99ae"}


def probabilities_of(explainer: Explainer, batch_size: int = BATCH_SIZE
                     ) -> Callable[[np.ndarray], np.ndarray]:
    """The model as ROAD calls it: ``(M, 1, 28, 28)`` normalised inputs → ``(M, 10)``
    temperature-scaled probabilities (what the app shows), in batches of ``batch_size``, on
    the explainer's own model (:func:`cam_core.model.logits.logits_of`)."""
    def call(inputs: np.ndarray) -> np.ndarray:
        return calibrate.softmax(logits_of(explainer.model, inputs, batch_size),
                                 explainer.temperature)
    return call


def _road(explainer: Explainer, inputs: np.ndarray, maps: np.ndarray, targets: list[int],
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


@dataclass(frozen=True)
class HidingCurves:
    """Hide the evidence: the target's probability as more and more pixels are hidden.

    Attributes:
        target: the class whose probability is followed (0–9).
        before: its probability on the untouched drawing, 0–1.
        hidden: ``(P,)`` share of the 28×28 pixels hidden at each step, 0–1, increasing.
        hottest_first, coldest_first, random_order: ``(P,)`` probabilities after hiding that
            share where the map is hottest / coldest / in a random smooth order.
        trust, random_trust: ROAD combined scores (``mean (coldest − hottest) / 2``) of the
            map and of the random order; a faithful map scores well above the random one.
        tiles: ``{"hottest", "coldest", "random"}`` → ``(28, 28)`` uint8 model inputs (white
            on black) with ``shown`` of the pixels hidden, what the network saw.
        shown: the share hidden in ``tiles``, 0–1.
    """

    target: int
    before: float
    hidden: np.ndarray
    hottest_first: np.ndarray
    coldest_first: np.ndarray
    random_order: np.ndarray
    trust: float
    random_trust: float
    tiles: dict[str, np.ndarray]
    shown: float
    gpu_refused: bool = False


def _to_uint8(normalised: np.ndarray) -> np.ndarray:
    return ((normalised * MNIST_STD + MNIST_MEAN) * 255).clip(0, 255).round().astype(np.uint8)


def hide_evidence(explainer: Explainer, result: Explanation, shown: float = 0.2,
                  seed: int = 0) -> HidingCurves:
    """ROAD's curves for one drawing and its map (any method and layer ``result`` was made
    with), against a random smooth map: the student's own version of the paper's experiment.

    Hidden pixels are filled in by noisy linear imputation (:func:`cam_core.explain.road.impute`),
    so
    no white or black blob with a shape of its own is painted in. Steps hide 10%–90%.

    Args:
        explainer: the engine (its model and temperature); result: an explanation of a drawing.
        shown: the share of hidden pixels (0.1–0.9) for the three ``tiles``.
        seed: imputation noise and random map.

    Raises: PersonError for a blank explanation; ValueError for ``shown`` outside [0.1, 0.9].
    """
    if result.digit is None or result.target is None:
        raise PersonError("Draw a digit first: there is no evidence to hide.")
    if not 0.1 <= shown <= 0.9:
        raise ValueError(f"shown must be in [0.1, 0.9], got {shown}")
    tensor = to_tensor(result.model_input / np.float32(255))[None]  # (1, 1, 28, 28)
    maps = np.stack([map_over_input(result), road.random_smooth_maps(1, seed=seed)[0]])
    scores, refused = _road(explainer, np.repeat(tensor, 2, 0), maps, [result.target] * 2,
                            seed)
    order = np.argsort(scores.removed)  # steps by share hidden, 10% first
    percentile = 100 * (1 - shown)
    rng = np.random.default_rng(seed)
    tiles = {}
    for name, unit, most_first in (("hottest", maps[0], True), ("coldest", maps[0], False),
                                   ("random", maps[1], True)):
        unit = (unit - unit.min()) / max(float(unit.max() - unit.min()), 1e-12)
        hidden = road.hidden_mask(unit, percentile, most_first)
        tiles[name] = _to_uint8(road.impute(tensor[0, 0], hidden, road.NOISE, rng))
    return HidingCurves(
        target=result.target, before=float(scores.before[0]), hidden=scores.removed[order],
        hottest_first=scores.morf[0, order], coldest_first=scores.lerf[0, order],
        random_order=scores.morf[1, order], trust=float(scores.combined[0]),
        random_trust=float(scores.combined[1]), tiles=tiles, shown=shown, gpu_refused=refused)


def _step(curves: HidingCurves, share: float) -> int:
    """The index of the curves' step nearest ``share`` hidden."""
    return int(np.argmin(np.abs(curves.hidden - share)))


def hiding_frame(curves: HidingCurves) -> pd.DataFrame:
    """The three curves for a line plot, from the untouched drawing (0% hidden) on.

    Columns: ``hidden`` (% of the picture hidden, 0–90), ``sure`` (% probability of the
    target, 0–100) and ``order`` (:data:`HOTTEST`, :data:`COLDEST`, :data:`RANDOM`).
    """
    hidden = np.concatenate([[0.0], curves.hidden]) * 100
    parts = []
    for order, curve in ((HOTTEST, curves.hottest_first), (COLDEST, curves.coldest_first),
                         (RANDOM, curves.random_order)):
        sure = np.concatenate([[curves.before], curve]) * 100
        parts.append(pd.DataFrame({"hidden": hidden.round(1), "sure": sure.round(1),
                                   "order": order}))
    return pd.concat(parts, ignore_index=True)


def hiding_tiles(curves: HidingCurves, side: int = HIDING_TILE
                 ) -> list[tuple[np.ndarray, str]]:
    """What the network saw after hiding ``curves.shown`` of the picture three ways: three
    ``(side, side, 3)`` uint8 RGB tiles (dark ink on white, enlarged with nearest neighbour so
    its pixels stay sharp), captioned with how sure it then was (``"hottest: 15.7%"``: short,
    so that a gallery on a phone does not cut it off)."""
    step = _step(curves, curves.shown)
    out = []
    for name, curve in (("hottest", curves.hottest_first), ("coldest", curves.coldest_first),
                        ("random", curves.random_order)):
        grey = render.enlarge(render.on_paper(curves.tiles[name]), side)
        out.append((np.dstack([grey] * 3), f"{name}: {percent(float(curve[step]))}"))
    return out


def hiding_words(curves: HidingCurves, map_name: str) -> Words:
    """The curves read for the student at the share shown in the pictures, and the numbers
    for teachers. ``map_name``: the map followed, e.g. ``"CAM on layer4"``."""
    step, hidden, digit = _step(curves, curves.shown), round(100 * curves.shown), curves.target
    hot, cold, chance = (float(c[step]) for c in (curves.hottest_first, curves.coldest_first,
                                                   curves.random_order))
    if cold - hot >= 0.2:
        verdict = ("Hiding the hot parts hurt much more than hiding the cold parts: the map "
                   "points at real evidence.")
    elif hot - cold >= 0.2:
        verdict = ("Hiding the cold parts hurt more than hiding the hot parts: on this drawing "
                   "the map points at the wrong places.")
    else:
        verdict = (f"At {hidden}% both make about the same difference. Try another amount, "
                   f"and look at the whole curve.")
    points, random_points = round(200 * curves.trust), round(200 * curves.random_trust)
    student = (
        f"The map tested: the map of **{digit}** made with {map_name}. Before hiding, the "
        f"network was **{percent(curves.before)}** sure it is a {digit}. After hiding "
        f"{hidden}% of the picture:\n\n"
        f"- the parts the map marks **hottest**: {percent(hot)} sure (red line)\n"
        f"- the **coldest** parts: {percent(cold)} sure (blue line)\n"
        f"- parts in a **random** order: {percent(chance)} sure (grey line)\n\n"
        f"{verdict} Over the whole curve the blue line is on average **{points} points** above "
        f"the red line (a random map gets {random_points} points on this drawing). The bigger "
        f"the gap, the more you can trust the map.")
    if curves.gpu_refused:
        student = f"{gpu_note(True)}\n\n{student}"
    teachers = (f"For this drawing: ROAD combined score {curves.trust:.3f} for {map_name} "
                f"(class {digit}), {curves.random_trust:.3f} for a random smooth map; the "
                f"student's \"points\" are 200 × the combined score, the mean vertical gap "
                f"between the LeRF and MoRF curves in percentage points.")
    return Words(student, teachers)


def trust_by_method(explainer: Explainer, prepared: Prepared, target: int | None = None,
                    seed: int = 0, include: tuple[str, str] | None = None,
                    ) -> list[tuple[str, str, float]]:
    """"How much can you trust this map?": the ROAD combined score of each live method (on its
    finest layer and on layer4, and ``include``'s ``(method name, layer)`` when that is a live
    method) for one drawing, and of a random smooth map.

    Returns :class:`TrustRows`: ``(method label, layer, score)`` rows, best first; the random
    map's row is ``("random map", "—", score)``. Scores are in [−0.5, 0.5]; higher = more
    faithful. The maps come from the live (CPU) path; ROAD's many hidden-pixel copies go
    through :meth:`~cam_core.explain.engine.Explainer.logits` (one GPU lease on ZeroGPU).
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
            raise PersonError("Draw a digit first: there is no map to check.")
        rows.append((METHODS[name].label, layer, map_over_input(result), result.target))
    chosen = rows[0][3]
    rows.append((RANDOM_MAP, "—", road.random_smooth_maps(1, seed=seed)[0], chosen))
    scores, refused = _road(explainer, np.repeat(tensor, len(rows), 0),
                            np.stack([r[2] for r in rows]), [r[3] for r in rows], seed)
    table = TrustRows(sorted(((label, layer, float(score)) for (label, layer, _, _), score
                              in zip(rows, scores.combined, strict=True)),
                             key=lambda row: -row[2]))
    table.gpu_refused = refused
    return table


def _map_name(label: str, layer: str, joiner: str = " on ") -> str:
    return label if label == RANDOM_MAP else f"{label}{joiner}{layer}"


def trust_frame(rows: Sequence[tuple[str, str, float]]) -> pd.DataFrame:
    """:func:`trust_by_method`'s rows for a bar chart, best first: ``map`` (e.g. "CAM
    layer4"), ``points`` (200 × the score: the mean gap between the coldest-first and the
    hottest-first curves, in points of "how sure") and ``kind`` (:data:`METHOD_MAP` or
    :data:`RANDOM_MAP`)."""
    # Short names ("Grad-CAM++ layer2"), upright under the bars: a phone has no room for more.
    return pd.DataFrame({"map": [_map_name(label, layer, " ") for label, layer, _ in rows],
                         "points": [round(200 * score, 1) for _, _, score in rows],
                         "kind": [RANDOM_MAP if label == RANDOM_MAP else METHOD_MAP
                                  for label, _, _ in rows]})


def trust_words(rows: Sequence[tuple[str, str, float]],
                chosen: tuple[str, str] | None = None) -> Words:
    """:func:`trust_by_method`'s rows read for the student, and the raw scores for teachers.
    ``chosen``: the Controls' ``(method label, layer)``."""
    names = [_map_name(label, layer) for label, layer, _ in rows]
    points = {name: round(200 * score) for name, (_, _, score) in zip(names, rows, strict=True)}
    random = points[RANDOM_MAP]
    lines = []
    if names[0] == RANDOM_MAP:
        lines.append("On your drawing the random map did best: here no way of making the map "
                     "beat guessing.")
    else:
        lines.append(f"Best on your drawing: **{names[0]}**, {points[names[0]]} points.")
    if chosen is not None:
        mine = _map_name(*chosen)
        if mine in points and mine != names[0]:
            lines.append(f"The map chosen in Controls, {mine}: {points[mine]} points.")
        elif mine not in points:
            lines.append(f"{mine} is not tested here: it is too slow.")
    lines.append(f"The random map: {random} points.")
    worse = [name for name in names if name != RANDOM_MAP and points[name] <= random]
    if worse:
        lines.append(f"No better than the random map here: {', '.join(worse)}.")
    lines.append("One drawing is a small test: try a few different drawings.")
    if getattr(rows, "gpu_refused", False):
        lines.insert(0, gpu_note(True))
    table = "\n".join(f"| {_map_name(label, layer)} | {score:+.3f} |"
                      for label, layer, score in rows)
    teachers = ("ROAD combined score for this drawing (points = 200 × score):\n\n"
                f"| map | ROAD combined |\n|---|---:|\n{table}")
    return Words(" ".join(lines), teachers)
