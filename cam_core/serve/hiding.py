"""Hide the evidence: hide the pixels a map marks hottest first, coldest first and in random
orders, filled in from their neighbours (noisy linear imputation), and follow the probability
of the digit as a curve: the student's own version of ROAD (Rong et al., ICML 2022;
:mod:`cam_core.explain.road`).

The verdict is judged against several seeded random maps and their spread
(:func:`cam_core.explain.road.beyond_chance`): one random map can be lucky on one drawing.
Words come as :class:`~cam_core.serve.views.Words`, for students and for teachers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cam_core.errors import PersonError
from cam_core.explain import render, road
from cam_core.explain.engine import Explainer, Explanation
from cam_core.inputs.fit import MNIST_MEAN, MNIST_STD, to_tensor
from cam_core.serve.catalog import decimals, say, sentences
from cam_core.serve.charts import Chart, kinds, line
from cam_core.serve.trust import CLEAR_GAP, RANDOM_MAPS, map_over_input, road_scores
from cam_core.serve.views import Words, gpu_note

HIDING_TILE = 196  # a hide-the-evidence tile: the 28×28 input 7× enlarged, nearest neighbour
# Colours of the three hiding curves (red / blue as in the contrast map; grey as other digits),
# by their names' catalog keys (``charts.hide.*``); the English names and colours below.
CURVES = {"hide.hottest": "#d1495b", "hide.coldest": "#2e6fb0", "hide.random": "#8d99ae"}
HOTTEST, COLDEST, RANDOM = (say("en", f"charts.{key}") for key in CURVES)
CURVE_COLOURS = kinds("en", CURVES)


@dataclass(frozen=True)
class HidingCurves:
    """Hide the evidence: the target's probability as more and more pixels are hidden.

    Attributes:
        target: the class whose probability is followed (0–9).
        before: its probability on the untouched drawing, 0–1.
        hidden: ``(P,)`` share of the 28×28 pixels hidden at each step, 0–1, increasing.
        hottest_first, coldest_first: ``(P,)`` probabilities after hiding that share where
            the map is hottest / coldest.
        random_runs: ``(R, P)`` probabilities after hiding that share in R random orders
            (the most- and least-relevant-first orders of R/2 seeded random smooth maps).
        trust: ROAD combined score (``mean (coldest − hottest) / 2``) of the map.
        random_trusts: ``(R/2,)`` the same score of each random smooth map.
        verdict: +1 the map's hottest-first curve drops clearly further than every random
            run (:func:`cam_core.explain.road.beyond_chance`), −1 clearly less far, 0 no
            different from chance.
        tiles: ``{"hottest", "coldest", "random"}`` → ``(28, 28)`` uint8 model inputs (white
            on black) with ``shown`` of the pixels hidden, what the network saw.
        shown: the share hidden in ``tiles``, 0–1.
    """

    target: int
    before: float
    hidden: np.ndarray
    hottest_first: np.ndarray
    coldest_first: np.ndarray
    random_runs: np.ndarray
    trust: float
    random_trusts: np.ndarray
    verdict: int
    tiles: dict[str, np.ndarray]
    shown: float
    gpu_refused: bool = False

    @property
    def random_order(self) -> np.ndarray:  # (P,) the random runs' mean: the grey line
        return self.random_runs.mean(axis=0)

    @property
    def random_trust(self) -> float:  # the random maps' mean ROAD combined score (about 0)
        return float(self.random_trusts.mean())

    @property
    def drop(self) -> float:  # how far hiding hottest first took "sure" down, on average
        return self.before - float(self.hottest_first.mean())

    @property
    def random_drops(self) -> np.ndarray:  # (R,) the same drop for each random run
        return self.before - self.random_runs.mean(axis=1)


def _to_uint8(normalised: np.ndarray) -> np.ndarray:  # model input → uint8 white on black
    return ((normalised * MNIST_STD + MNIST_MEAN) * 255).clip(0, 255).round().astype(np.uint8)


def hide_evidence(explainer: Explainer, result: Explanation, shown: float = 0.2,
                  seed: int = 0) -> HidingCurves:
    """ROAD's curves for one drawing and its map (any method and layer ``result`` was made
    with), against random smooth maps: the student's own version of the paper's experiment.
    See :func:`hide_evidence_of_map`. Raises PersonError for a blank explanation."""
    if result.digit is None or result.target is None:
        raise PersonError(key="teaching.hide.blank")
    return hide_evidence_of_map(explainer, result.model_input, map_over_input(result),
                                result.target, shown, seed)


def hide_evidence_of_map(explainer: Explainer, model_input: np.ndarray, relevance: np.ndarray,
                         target: int, shown: float = 0.2, seed: int = 0) -> HidingCurves:
    """ROAD's curves for one model input and any map over it, against :data:`RANDOM_MAPS`
    seeded random smooth maps (each hidden hottest first and coldest first: twice as many
    random orders), all in one batched model call.

    Hidden pixels are filled in by noisy linear imputation (:func:`cam_core.explain.road.impute`),
    so no white or black blob with a shape of its own is painted in. Steps hide 10%–90%.

    Args:
        explainer: the engine (its model and temperature).
        model_input: ``(28, 28)`` uint8, white ink on black, what the network saw.
        relevance: ``(28, 28)`` float map over it, any scale (only the order of pixels counts).
        target: the class 0–9 whose probability is followed.
        shown: the share of hidden pixels (0.1–0.9; else ValueError) for the three ``tiles``.
        seed: imputation noise and random maps.
    """
    if not 0.1 <= shown <= 0.9:
        raise ValueError(f"shown must be in [0.1, 0.9], got {shown}")
    tensor = to_tensor(model_input / np.float32(255))[None]  # (1, 1, 28, 28)
    maps = np.concatenate([relevance[None].astype(np.float32),
                           road.random_smooth_maps(RANDOM_MAPS, seed=seed)])
    scores, refused = road_scores(explainer, np.repeat(tensor, len(maps), 0), maps,
                            [target] * len(maps), seed)
    order = np.argsort(scores.removed)  # steps by share hidden, 10% first
    runs = np.concatenate([scores.morf[1:], scores.lerf[1:]])[:, order]  # (R, P)
    percentile = 100 * (1 - shown)
    rng = np.random.default_rng(seed)
    tiles = {}
    for name, unit, most_first in (("hottest", maps[0], True), ("coldest", maps[0], False),
                                   ("random", maps[1], True)):
        unit = (unit - unit.min()) / max(float(unit.max() - unit.min()), 1e-12)
        hidden = road.hidden_mask(unit, percentile, most_first)
        tiles[name] = _to_uint8(road.impute(tensor[0, 0], hidden, road.NOISE, rng))
    before, hottest = float(scores.before[0]), scores.morf[0, order]
    verdict = road.beyond_chance(before - float(hottest.mean()), before - runs.mean(axis=1),
                                 CLEAR_GAP)
    return HidingCurves(
        target=target, before=before, hidden=scores.removed[order], hottest_first=hottest,
        coldest_first=scores.lerf[0, order], random_runs=runs,
        trust=float(scores.combined[0]), random_trusts=scores.combined[1:], verdict=verdict,
        tiles=tiles, shown=shown, gpu_refused=refused)


def _step(curves: HidingCurves, share: float) -> int:
    """The index of the curves' step nearest ``share`` hidden."""
    return int(np.argmin(np.abs(curves.hidden - share)))


def hiding_frame(curves: HidingCurves, language: str = "en") -> pd.DataFrame:
    """The three curves for a line plot, from the untouched drawing (0% hidden) on.

    Columns: ``hidden`` (% of the picture hidden, 0–90), ``sure`` (% probability of the
    target, 0–100) and :func:`~cam_core.serve.charts.line` ("line" in English): the curve's
    name in ``language`` (in English
    :data:`HOTTEST`, :data:`COLDEST`, :data:`RANDOM`: the mean of the random runs).
    """
    hidden = np.concatenate([[0.0], curves.hidden]) * 100
    parts = []
    names = (say(language, f"charts.{key}") for key in CURVES)
    for order, curve in zip(names, (curves.hottest_first, curves.coldest_first,
                                    curves.random_order), strict=True):
        sure = np.concatenate([[curves.before], curve]) * 100
        parts.append(pd.DataFrame({"hidden": hidden.round(1), "sure": sure.round(1),
                                   line(language): order}))
    return pd.concat(parts, ignore_index=True)


def hiding_chart(curves: HidingCurves, language: str = "en") -> Chart:
    """The curves' line chart for a reader of ``language``: :func:`hiding_frame`, the axis
    titles ("hidden (%)", "sure (%)") and the three curves' colours by their names."""
    return Chart(hiding_frame(curves, language), say(language, "teaching.hide.x_title"),
                 say(language, "teaching.hide.y_title"), line(language),
                 kinds(language, CURVES))


def hiding_tiles(curves: HidingCurves, side: int = HIDING_TILE, language: str = "en"
                 ) -> list[tuple[np.ndarray, str]]:
    """What the network saw after hiding ``curves.shown`` of the picture three ways: three
    ``(side, side, 3)`` uint8 RGB tiles (dark ink on white, enlarged with nearest neighbour so
    its pixels stay sharp), captioned with how sure it then was in whole percent (``"hot:
    16%"``, at most 11 characters, so that a gallery of three on a phone shows it whole)."""
    step = _step(curves, curves.shown)
    out = []
    for name, curve in (("hottest", curves.hottest_first), ("coldest", curves.coldest_first),
                        ("random", curves.random_order)):
        grey = render.enlarge(render.on_paper(curves.tiles[name]), side)
        caption = say(language, f"teaching.hide.caption_{name}", p=_whole(float(curve[step])))
        out.append((np.dstack([grey] * 3), caption))
    return out


def _whole(probability: float) -> int:  # whole percent, never 100 short of 1
    return min(round(100 * probability), 99 if probability < 1 else 100)


def _sure(probability: float) -> float:  # for {p:percent}: never "100.0%" short of 1
    return min(probability, 0.999) if probability < 1 else 1.0


def hiding_words(curves: HidingCurves, map_name: str, language: str = "en") -> Words:
    """The curves read for the student at the share shown in the pictures, with the verdict
    judged against the random runs over the whole curve (:attr:`HidingCurves.verdict`), and
    the numbers for teachers. ``map_name``: the map followed, e.g. ``"CAM on layer4"``."""
    step, hidden, digit = _step(curves, curves.shown), round(100 * curves.shown), curves.target
    hot, cold, chance = (float(c[step]) for c in (curves.hottest_first, curves.coldest_first,
                                                   curves.random_order))
    runs, drops, trusts = len(curves.random_runs), curves.random_drops, curves.random_trusts
    key = {1: "better", -1: "worse", 0: "chance"}[curves.verdict]
    student = "\n".join([
        say(language, "teaching.hide.tested", digit=digit, map=map_name,
            before=_sure(curves.before), hidden=hidden), "",
        say(language, "teaching.hide.hottest", p=_sure(hot)),
        say(language, "teaching.hide.coldest", p=_sure(cold)),
        say(language, "teaching.hide.random", p=_sure(chance), count=runs), "",
        sentences(language, [
            say(language, f"teaching.hide.{key}", count=runs),
            say(language, "teaching.hide.whole", drop=round(100 * curves.drop), count=runs,
                low=round(100 * float(drops.min())), high=round(100 * float(drops.max())))])])
    number, signed = decimals(language)
    teachers = say(language, "teaching.hide.teachers", score=number(curves.trust, 3), map=map_name,
                   digit=digit, random=signed(curves.random_trust, 3), maps=len(trusts),
                   low=signed(float(trusts.min()), 3), high=signed(float(trusts.max()), 3),
                   count=runs, drop=number(curves.drop, 3), mean=number(float(drops.mean()), 3),
                   sd=number(float(drops.std(ddof=1)), 3), gap=number(CLEAR_GAP, 2))
    if curves.gpu_refused:
        student = f"{gpu_note(True, language)}\n\n{student}"
    return Words(student, teachers)
