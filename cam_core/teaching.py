"""Teaching views: experiments a student can run on their own drawing.

- All ten class maps as small multiples, from the one forward pass ("where would it see a 3?"),
  on one shared scale by default so that a digit with no evidence shows no colour.
- Contrast: CAM of class k minus CAM of class j — "Why 7 and not 1?".
- Hide the evidence (ROAD, Rong et al., ICML 2022; :mod:`cam_core.road`): hide the pixels the
  map marks hottest first, coldest first and in a random order, filled in from their
  neighbours, and follow the probability as a curve.
- How much can you trust this map: the ROAD score of each method for this drawing.
- Layer comparison: Grad-CAM or LayerCAM on layer2, layer3, layer4 — resolution against meaning.
- How the heatmap is made: the CAM formula in plain words with the numbers of the drawing.

Each view's words come as :class:`~cam_core.views.Words`: a short text for students (no
unexplained term: "score" for logit, "pattern detector" for feature map) and the precise
version for teachers, which the app folds under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import calibrate, render, road
from .engine import Explainer, Explanation
from .errors import PersonError
from .fit import MNIST_MEAN, MNIST_STD
from .methods import METHODS
from .preprocess import Prepared
from .views import Words

TILE = 168  # side of one small-multiple tile: the 28×28 input 6× enlarged
HIDING_TILE = 196  # a hide-the-evidence tile: the 28×28 input 7× enlarged, nearest neighbour
# Colours of the three hiding curves (red / blue as in the contrast map; grey as other digits).
HOTTEST, COLDEST, RANDOM = "hottest hidden first", "coldest hidden first", "random order"
CURVE_COLOURS = {HOTTEST: "#d1495b", COLDEST: "#2e6fb0", RANDOM: "#8d99ae"}
METHOD_MAP, RANDOM_MAP = "a way to make the map", "random map"  # the trust chart's two kinds
TRUST_COLOURS = {METHOD_MAP: "#2e6fb0", RANDOM_MAP: "#8d99ae"}


def _tile(model_input: np.ndarray, unit: np.ndarray, colormap: str) -> np.ndarray:
    picture = render.on_paper(model_input)
    return render.enlarge(render.overlay(picture, render.feature_to_model(unit), 0.6, colormap),
                          TILE)


def _percent(probability: float) -> str:
    """A probability as the app writes it: ``"99.9%"``; never ``"100.0%"`` short of 1."""
    return f"{min(100 * probability, 99.9 if probability < 1 else 100):.1f}%"


def class_map_tiles(result: Explanation, scale: str = "shared", colormap: str = "viridis",
                    ) -> list[tuple[np.ndarray, str]]:
    """Ten ``(TILE, TILE, 3)`` uint8 RGB tiles, one per class, with captions.

    Args:
        result: an explanation (its ``class_cams`` are the raw layer4 CAMs of all classes).
        scale: ``"shared"`` (default: one range for all ten, from zero evidence to the largest
            value of any map, so they compare and a class without evidence shows no colour),
            ``"per_map"`` (each map its own min–max: a class at 0% looks as bright as the
            prediction) or ``"signed"`` (0 evidence in the middle; use ``coolwarm``).
    """
    cams = result.class_cams
    scale = render.scale_for(colormap, scale)
    if scale == "shared":  # from zero evidence: negative evidence is the signed view's
        high = max(float(cams.max()), 0.0)
        units = [render.normalize_map(c, "shared", 0.0, high) for c in cams]
    elif scale == "signed":  # one symmetric range for all ten: 0.5 is zero evidence
        extent = float(np.abs(cams).max()) + render.EPSILON
        units = [(0.5 + 0.5 * c / extent).astype(np.float32) for c in cams]
    else:
        units = [render.normalize_map(c, scale) for c in cams]
    return [(_tile(result.model_input, unit, colormap),
             f"{digit}: {_percent(float(result.probabilities[digit]))}")
            for digit, unit in enumerate(units)]


def runner_up(result: Explanation, first: int) -> int:
    """The most probable digit other than ``first`` (0–9): the natural "why not j?"."""
    ranked = np.argsort(-result.probabilities)  # (10,) digits, most probable first
    return int(ranked[1] if ranked[0] == first else ranked[0])


def why_title(first: int, second: int) -> str:
    """The contrast view's title with the real digits: ``"Why 7 and not 1?"``."""
    return f"Why {first} and not {second}?"


def contrast(result: Explanation, prepared: Prepared, first: int, second: int,
             opacity: float = 0.6) -> tuple[np.ndarray, Words]:
    """Overlay of ``CAM[first] − CAM[second]`` on the drawing, diverging colours.

    Red-ish where the evidence favours ``first``, blue-ish where it favours ``second``.
    Returns ``((H, W, 3) uint8 RGB, its words)``.
    """
    difference = result.class_cams[first] - result.class_cams[second]
    unit = render.normalize_map(difference, "signed")
    canvas = render.feature_to_canvas(unit, prepared.to_model, prepared.size, fill=0.5)
    picture = render.overlay(prepared.picture, canvas, opacity, "coolwarm")
    gap = float(result.logits[first] - result.logits[second])
    sure = [_percent(float(result.probabilities[d])) for d in (first, second)]
    student = (f"**{why_title(first, second)}** Red: here your drawing looks more like a "
               f"{first}. Blue: here it looks more like a {second}. No colour: no difference. "
               f"The network is {sure[0]} sure it is a {first}, and {sure[1]} sure it is a "
               f"{second}.")
    teachers = f"For this drawing, the logit gap z_{first} − z_{second} = {gap:+.2f}."
    return picture, Words(student, teachers)


def probabilities_of(explainer: Explainer, batch_size: int = 256
                     ) -> Callable[[np.ndarray], np.ndarray]:
    """The model as ROAD calls it: ``(M, 1, 28, 28)`` normalised inputs → ``(M, 10)``
    temperature-scaled probabilities (what the app shows), in batches of ``batch_size``."""
    def call(inputs: np.ndarray) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for start in range(0, len(inputs), batch_size):
                chunk = torch.from_numpy(inputs[start:start + batch_size]).to(explainer.device)
                out.append(explainer.model(chunk)[0].float().cpu().numpy())
        return calibrate.softmax(np.concatenate(out), explainer.temperature)
    return call


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


def _to_uint8(normalised: np.ndarray) -> np.ndarray:
    return ((normalised * MNIST_STD + MNIST_MEAN) * 255).clip(0, 255).round().astype(np.uint8)


def hide_evidence(explainer: Explainer, result: Explanation, shown: float = 0.2,
                  seed: int = 0) -> HidingCurves:
    """ROAD's curves for one drawing and its map (any method and layer ``result`` was made
    with), against a random smooth map: the student's own version of the paper's experiment.

    Hidden pixels are filled in by noisy linear imputation (:func:`cam_core.road.impute`), so
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
    tensor = ((result.model_input / np.float32(255) - MNIST_MEAN) / MNIST_STD)[None, None]
    maps = np.stack([map_over_input(result), road.random_smooth_maps(1, seed=seed)[0]])
    scores = road.road(probabilities_of(explainer), np.repeat(tensor, 2, 0), maps,
                       [result.target] * 2, seed=seed)
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
        random_trust=float(scores.combined[1]), tiles=tiles, shown=shown)


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
        out.append((np.dstack([grey] * 3), f"{name}: {_percent(float(curve[step]))}"))
    return out


def hiding_words(curves: HidingCurves, map_name: str) -> Words:
    """The curves read for the student at the share shown in the pictures, and the numbers
    for teachers. ``map_name``: the map followed, e.g. ``"CAM on layer4"``."""
    step, percent, digit = _step(curves, curves.shown), round(100 * curves.shown), curves.target
    hot, cold, chance = (float(c[step]) for c in (curves.hottest_first, curves.coldest_first,
                                                   curves.random_order))
    if cold - hot >= 0.2:
        verdict = ("Hiding the hot parts hurt much more than hiding the cold parts: the map "
                   "points at real evidence.")
    elif hot - cold >= 0.2:
        verdict = ("Hiding the cold parts hurt more than hiding the hot parts: on this drawing "
                   "the map points at the wrong places.")
    else:
        verdict = (f"At {percent}% both make about the same difference. Try another amount, "
                   f"and look at the whole curve.")
    points, random_points = round(200 * curves.trust), round(200 * curves.random_trust)
    student = (
        f"The map tested: the map of **{digit}** made with {map_name}. Before hiding, the "
        f"network was **{_percent(curves.before)}** sure it is a {digit}. After hiding "
        f"{percent}% of the picture:\n\n"
        f"- the parts the map marks **hottest**: {_percent(hot)} sure (red line)\n"
        f"- the **coldest** parts: {_percent(cold)} sure (blue line)\n"
        f"- parts in a **random** order: {_percent(chance)} sure (grey line)\n\n"
        f"{verdict} Over the whole curve the blue line is on average **{points} points** above "
        f"the red line (a random map gets {random_points} points on this drawing). The bigger "
        f"the gap, the more you can trust the map.")
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

    Returns ``(method label, layer, score)`` rows, best first; the random map's row is
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
            raise PersonError("Draw a digit first: there is no map to check.")
        rows.append((METHODS[name].label, layer, map_over_input(result), result.target))
    chosen = rows[0][3]
    rows.append((RANDOM_MAP, "—", road.random_smooth_maps(1, seed=seed)[0], chosen))
    scores = road.road(probabilities_of(explainer), np.repeat(tensor, len(rows), 0),
                       np.stack([r[2] for r in rows]), [r[3] for r in rows], seed=seed)
    table = [(label, layer, float(score))
             for (label, layer, _, _), score in zip(rows, scores.combined, strict=True)]
    return sorted(table, key=lambda row: -row[2])


def _map_name(label: str, layer: str) -> str:
    return label if label == RANDOM_MAP else f"{label} on {layer}"


def trust_frame(rows: Sequence[tuple[str, str, float]]) -> pd.DataFrame:
    """:func:`trust_by_method`'s rows for a bar chart, best first: ``map`` (e.g. "CAM on
    layer4"), ``points`` (200 × the score: the mean gap between the coldest-first and the
    hottest-first curves, in points of "how sure") and ``kind`` (:data:`METHOD_MAP` or
    :data:`RANDOM_MAP`)."""
    return pd.DataFrame({"map": [_map_name(label, layer) for label, layer, _ in rows],
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
    table = "\n".join(f"| {_map_name(label, layer)} | {score:+.3f} |"
                      for label, layer, score in rows)
    teachers = ("ROAD combined score for this drawing (points = 200 × score):\n\n"
                f"| map | ROAD combined |\n|---|---:|\n{table}")
    return Words(" ".join(lines), teachers)


def layer_comparison(explainer: Explainer, prepared: Prepared, method: str = "gradcam",
                     target: int | None = None, colormap: str = "viridis",
                     ) -> list[tuple[np.ndarray, str]]:
    """``method`` on layer2 (14×14), layer3 (7×7) and layer4 (7×7): overlays with captions.

    Returns three ``((H, W, 3) uint8 RGB overlay, caption)`` pairs. Raises ValueError for a
    method that is not defined on all three layers (``"cam"`` reads only layer4).
    """
    out = []
    for layer in ("layer2", "layer3", "layer4"):
        result = explainer.explain(prepared, target=target, method=method, layer=layer,
                                   colormap=colormap, opacity=0.55)
        side = result.target_map.shape[0]
        out.append((result.overlay, f"{layer}: {side}×{side} squares"))
    return out


def how_it_works(explainer: Explainer, result: Explanation, top: int = 3) -> Words:
    """How the heatmap is made, with the current drawing's numbers: in plain words for the
    student ("pattern detectors", "score"), with the precise terms for teachers."""
    if result.digit is None or result.target is None:
        return Words("Draw a digit to see the numbers behind its heatmap.", "")
    target = result.target
    weights = explainer.model.fc.weight[target].detach().cpu().numpy()  # (512,)
    pooled = result.pooled_features  # (512,) mean of each feature map
    contributions = weights * pooled
    order = np.argsort(-contributions)[:top]
    bias = float(explainer.model.fc.bias[target])
    score = float(result.logits[target])
    others = np.argsort(-result.logits)
    rival = int(others[1] if others[0] == target else others[0])
    if target == result.digit:
        ranking = (f"That is the highest score of the ten digits, so the network says "
                   f"{target}. The next best, {rival}, scored {float(result.logits[rival]):.1f}.")
    else:
        ranking = (f"The network's answer, {result.digit}, scored higher: "
                   f"{float(result.logits[result.digit]):.1f}.")
    rows = "\n".join(f"| no. {k} | {pooled[k]:.2f} | {weights[k]:+.3f} | "
                     f"{contributions[k]:+.2f} |" for k in order)
    student = (
        f"**How the heatmap for {target} is made**\n\n"
        f"1. The last layer of the network has 512 **pattern detectors**. Each one lights up "
        f"where it finds a pattern it has learned, like a curve or a corner. It looks at your "
        f"drawing square by square, on a grid of 7×7 squares.\n"
        f"2. For each digit, every detector has a **weight**: a number that says how much its "
        f"pattern counts for that digit. Positive counts for the digit, negative against.\n"
        f"3. The **score** of a digit: for every detector, how much it lit up (on average) × "
        f"its weight; add all 512 together, plus a fixed number. Here {target} scored "
        f"**{score:.1f}**. {ranking}\n"
        f"4. The heatmap does the same sum square by square, before the squares are added "
        f"up. So each square shows how much of {target}'s score comes from there.\n\n"
        f"The {top} detectors that added most to {target} for your drawing:\n\n"
        f"| detector | lit up (average) | weight for {target} | adds to the score |\n"
        f"|---:|---:|---:|---:|\n{rows}\n\n"
        f"All 512 together add {float(contributions.sum()):+.2f}; with the fixed number "
        f"({bias:+.2f}) that makes {float(contributions.sum()) + bias:.2f}, the score of "
        f"{target}. The bar chart turns the ten scores into how sure the network is: the "
        f"highest score gets the highest percentage.")
    teachers = (
        f"The precise terms: the pattern detectors are the 512 *feature maps* A_k of layer4 "
        f"(7×7 each); \"lit up on average\" is *global average pooling*; the score is the "
        f"*logit* z_c = Σ_k w_(c,k) · mean(A_k) + b_c of the fc layer, here "
        f"z_{target} = {score:.2f} with b_{target} = {bias:+.2f}. The class activation map is "
        f"CAM_c = Σ_k w_(c,k) · A_k (Zhou et al., CVPR 2016), so mean(CAM_c) + b_c = z_c "
        f"exactly (tested to 1e-4). Percentages: softmax(z / T) with the calibration "
        f"temperature T = {explainer.temperature:.2f}.")
    return Words(student, teachers)
