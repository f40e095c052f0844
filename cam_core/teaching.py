"""Teaching views: experiments a student can run on their own drawing.

- All ten class maps as small multiples, from the one forward pass ("where would it see a 3?").
- Contrast: CAM of class k minus CAM of class j — what separates a 7 from a 1.
- Erase the evidence: remove the ink the CAM marks as most important, run again, and compare
  with removing the same amount of ink at random (the idea behind Average Drop, Chattopadhyay
  et al., "Grad-CAM++", WACV 2018, and torchcam's metrics).
- Hide the evidence (ROAD, Rong et al., ICML 2022; :mod:`cam_core.road`): hide the pixels the
  map marks hottest first, coldest first and in a random order, filled in from their
  neighbours, and follow the probability as a curve.
- How much can you trust this map: the ROAD score of each method for this drawing.
- Layer comparison: Grad-CAM or LayerCAM on layer2, layer3, layer4 — resolution against meaning.
- How it works: the CAM formula with the numbers of the current drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from . import calibrate, render, road
from .engine import Explainer, Explanation
from .errors import PersonError
from .fit import MNIST_MEAN, MNIST_STD
from .methods import METHODS
from .preprocess import Prepared, prepare_from_model_input

TILE = 112  # side of one small-multiple tile, pixels


def _tile(model_input: np.ndarray, unit: np.ndarray, colormap: str) -> np.ndarray:
    picture = render.on_paper(model_input)
    return render.enlarge(render.overlay(picture, render.feature_to_model(unit), 0.6, colormap),
                          TILE)


def class_map_tiles(result: Explanation, scale: str = "per_map", colormap: str = "viridis",
                    ) -> list[tuple[np.ndarray, str]]:
    """Ten ``(TILE, TILE, 3)`` uint8 RGB tiles, one per class, with captions.

    Args:
        result: an explanation (its ``class_cams`` are the raw layer4 CAMs of all classes).
        scale: ``"per_map"`` (each map its own min–max), ``"shared"`` (one range for all ten,
            so they compare) or ``"signed"`` (0 evidence in the middle; use ``coolwarm``).
    """
    cams = result.class_cams
    scale = render.scale_for(colormap, scale)
    if scale == "shared":
        low, high = float(cams.min()), float(cams.max())
        units = [render.normalize_map(c, "shared", low, high) for c in cams]
    elif scale == "signed":  # one symmetric range for all ten: 0.5 is zero evidence
        extent = float(np.abs(cams).max()) + render.EPSILON
        units = [(0.5 + 0.5 * c / extent).astype(np.float32) for c in cams]
    else:
        units = [render.normalize_map(c, scale) for c in cams]
    return [(_tile(result.model_input, unit, colormap),
             f"{digit}: {100 * float(result.probabilities[digit]):.1f}%")
            for digit, unit in enumerate(units)]


def runner_up(result: Explanation, first: int) -> int:
    """The most probable digit other than ``first`` (0–9): the natural "why not j?"."""
    ranked = np.argsort(-result.probabilities)  # (10,) digits, most probable first
    return int(ranked[1] if ranked[0] == first else ranked[0])


def contrast(result: Explanation, prepared: Prepared, first: int, second: int,
             opacity: float = 0.6) -> tuple[np.ndarray, str]:
    """Overlay of ``CAM[first] − CAM[second]`` on the drawing, diverging colours.

    Red-ish where the evidence favours ``first``, blue-ish where it favours ``second``.
    Returns ``((H, W, 3) uint8 RGB, caption)``.
    """
    difference = result.class_cams[first] - result.class_cams[second]
    unit = render.normalize_map(difference, "signed")
    canvas = render.feature_to_canvas(unit, prepared.to_model, prepared.size, fill=0.5)
    picture = render.overlay(prepared.picture, canvas, opacity, "coolwarm")
    gap = float(result.logits[first] - result.logits[second])
    return picture, (f"Where the network sees more {first} than {second} (red) and more "
                     f"{second} than {first} (blue); grey: no difference. "
                     f"Logit gap: {gap:+.2f}.")


@dataclass(frozen=True)
class ErasureResult:
    """Outcome of erasing evidence from one model input.

    Attributes:
        target: the class whose probability is watched.
        before: its probability on the untouched input, in [0, 1].
        after_cam: after erasing the ink the CAM ranks highest.
        after_random: after erasing the same number of ink pixels picked at random: the
            control.
        cam_erased, random_erased: the two edited 28×28 uint8 model inputs.
    """

    target: int
    before: float
    after_cam: float
    after_random: float
    cam_erased: np.ndarray
    random_erased: np.ndarray


def erase_evidence(explainer: Explainer, result: Explanation, fraction: float,
                   seed: int = 0) -> ErasureResult:
    """Erase ``fraction`` (0–1) of the ink pixels of the model input where ``result``'s map is
    hottest, and — as the control — as many ink pixels picked at random; run the model on both.

    The deletion experiment behind Average Drop (Chattopadhyay et al., "Grad-CAM++", WACV 2018;
    torchcam's metrics): if the map marks real evidence, erasing there lowers the target's
    probability more than erasing at random. The map is whichever method and layer ``result``
    was made with (``result.cam_model``, 28×28). Ink is a model-input pixel above 40/255.

    Raises ValueError for a blank explanation or a fraction outside [0, 1].
    """
    if result.digit is None or result.target is None:
        raise PersonError("Draw a digit first: there is no evidence to erase.")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    ink = np.flatnonzero(result.model_input.ravel() > 40)
    count = round(fraction * ink.size)
    ranked = ink[np.argsort(-result.cam_model.ravel()[ink], kind="stable")]
    at_random = np.random.default_rng(seed).permutation(ink)
    edited = []
    for removed in (ranked[:count], at_random[:count]):
        image = result.model_input.copy().ravel()
        image[removed] = 0
        edited.append(image.reshape(28, 28))
    outcomes = explainer.explain_batch([prepare_from_model_input(e) for e in edited],
                                       target=result.target)
    target = result.target
    return ErasureResult(
        target=target, before=float(result.probabilities[target]),
        after_cam=float(outcomes[0].probabilities[target]),
        after_random=float(outcomes[1].probabilities[target]),
        cam_erased=edited[0], random_erased=edited[1])


def erasure_report(outcome: ErasureResult, percent: float) -> str:
    """Markdown: both probabilities after erasing ``percent`` % of the ink, and how to read
    them."""
    return (f"Probability of **{outcome.target}**: {100 * outcome.before:.1f}% before · "
            f"**{100 * outcome.after_cam:.1f}%** after erasing the {percent:.0f}% of the ink "
            f"the heatmap marks hottest · {100 * outcome.after_random:.1f}% after erasing "
            f"{percent:.0f}% of the ink at random. If the heatmap points at real evidence, "
            f"the first drop is the larger. Try both heatmaps: the coarse 7×7 CAM of layer4 "
            f"often marks the middle of the digit, where erasing hurts least.")


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


def trust_by_method(explainer: Explainer, prepared: Prepared, target: int | None = None,
                    seed: int = 0) -> list[tuple[str, str, float]]:
    """"How much can you trust this map?": the ROAD combined score of each live method (on its
    finest layer and on layer4) for one drawing, and of a random smooth map.

    Returns ``(method label, layer, score)`` rows, best first; the random map's row is
    ``("random map", "—", score)``. Scores are in [−0.5, 0.5]; higher = more faithful.
    """
    tensor = prepared.tensor[None]  # (1, 1, 28, 28)
    rows: list[tuple[str, str, np.ndarray, int]] = []
    for method in METHODS.values():
        if not method.live:
            continue
        for layer in dict.fromkeys((method.layers[0], "layer4")):
            result = explainer.explain(prepared, target=target, method=method.name, layer=layer)
            if result.target is None:
                raise PersonError("Draw a digit first: there is no map to check.")
            rows.append((method.label, layer, map_over_input(result), result.target))
    chosen = rows[0][3]
    rows.append(("random map", "—", road.random_smooth_maps(1, seed=seed)[0], chosen))
    scores = road.road(probabilities_of(explainer), np.repeat(tensor, len(rows), 0),
                       np.stack([r[2] for r in rows]), [r[3] for r in rows], seed=seed)
    table = [(label, layer, float(score))
             for (label, layer, _, _), score in zip(rows, scores.combined, strict=True)]
    return sorted(table, key=lambda row: -row[2])


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
        out.append((result.overlay, f"{layer} ({side}×{side})"))
    return out


def how_it_works(explainer: Explainer, result: Explanation, top: int = 3) -> str:
    """Markdown: the CAM formula in plain words with the current drawing's numbers."""
    if result.digit is None or result.target is None:
        return "Draw a digit to see the numbers behind its heatmap."
    target = result.target
    weights = explainer.model.fc.weight[target].detach().cpu().numpy()  # (512,)
    pooled = result.pooled_features  # (512,) mean of each feature map
    contributions = weights * pooled
    order = np.argsort(-contributions)[:top]
    bias = float(explainer.model.fc.bias[target])
    rows = "\n".join(f"| {k} | {pooled[k]:.3f} | {weights[k]:+.3f} | {contributions[k]:+.3f} |"
                     for k in order)
    return (
        f"**How the heatmap for {target} is made.** The last block of the network "
        f"(`layer4`) turns your drawing into 512 small 7×7 *feature maps*: each one lights up "
        f"where it finds a pattern it learned, like a curve or a corner. To decide, the network "
        f"takes the average brightness of each map (*global average pooling*) and adds them up "
        f"with one weight per map for each digit. That sum (+ a constant, {bias:+.2f}) is the "
        f"*logit* of the digit: here {float(result.logits[target]):.2f} for {target}.\n\n"
        f"The *class activation map* uses the same weights, but before averaging: weight × map, "
        f"added up place by place. So its average is exactly the evidence for {target}, and "
        f"its bright places are where that evidence sits.\n\n"
        f"The {top} feature maps that add most to {target} for this drawing:\n\n"
        f"| feature map | its average | weight for {target} | adds |\n|---:|---:|---:|---:|\n"
        f"{rows}\n\n"
        f"Sum over all 512 maps: {float(contributions.sum()):+.2f}, plus {bias:+.2f} "
        f"= {float(contributions.sum()) + bias:.2f} = the logit.")

