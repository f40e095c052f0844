"""Teaching views: experiments a student can run on their own drawing.

- All ten class maps as small multiples, from the one forward pass ("where would it see a 3?"),
  on one shared scale by default so that a digit with no evidence shows no colour.
- Contrast: CAM of class k minus CAM of class j — "Why 7 and not 1?".
- Hide the evidence, and how much can you trust this map: in :mod:`cam_core.serve.trust`.
- Layer comparison: Grad-CAM or LayerCAM on layer2, layer3, layer4 — resolution against meaning.
- How the heatmap is made: the CAM formula in plain words with the numbers of the drawing.

Each view's words come as :class:`~cam_core.serve.views.Words`: a short text for students (no
unexplained term: "score" for logit, "pattern detector" for feature map) and the precise
version for teachers, which the app folds under it; in ``language`` (a code of
:data:`cam_core.serve.catalog.LANGUAGES`, default English), from the catalog's ``teaching.*``.
"""

from __future__ import annotations

import numpy as np

from cam_core.explain import render
from cam_core.explain.engine import Explainer, Explanation
from cam_core.inputs.prepare import Prepared
from cam_core.serve import views
from cam_core.serve.catalog import decimals, say
from cam_core.serve.views import Words

TILE = 168  # side of one small-multiple tile: the 28×28 input 6× enlarged


def _tile(model_input: np.ndarray, unit: np.ndarray, colormap: str) -> np.ndarray:
    picture = render.on_paper(model_input)
    return render.enlarge(render.overlay(picture, render.feature_to_model(unit), 0.6, colormap),
                          TILE)


def class_map_tiles(result: Explanation, scale: str = "shared", colormap: str = "viridis",
                    language: str = "en") -> list[tuple[np.ndarray, str]]:
    """Ten ``(TILE, TILE, 3)`` uint8 RGB tiles, one per class, with captions (``"3: 0.2%"``,
    in ``language``).

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
             say(language, "teaching.ten_maps.caption", digit=digit,
                 p=views.shown(float(result.probabilities[digit]))))
            for digit, unit in enumerate(units)]


def runner_up(result: Explanation, first: int) -> int:
    """The most probable digit other than ``first`` (0–9): the natural "why not j?"."""
    ranked = np.argsort(-result.probabilities)  # (10,) digits, most probable first
    return int(ranked[1] if ranked[0] == first else ranked[0])


def why_title(first: int, second: int, language: str = "en") -> str:
    """The contrast view's title with the real digits: ``"Why 7 and not 1?"``."""
    return say(language, "teaching.contrast.title", first=first, second=second)


def contrast(result: Explanation, prepared: Prepared, first: int, second: int,
             opacity: float = 0.6, language: str = "en") -> tuple[np.ndarray, Words]:
    """Overlay of ``CAM[first] − CAM[second]`` on the drawing, diverging colours.

    Red-ish where the evidence favours ``first``, blue-ish where it favours ``second``.
    Returns ``((H, W, 3) uint8 RGB, its words)``.
    """
    difference = result.class_cams[first] - result.class_cams[second]
    unit = render.normalize_map(difference, "signed")
    canvas = render.feature_to_canvas(unit, prepared.to_model, prepared.size, fill=0.5)
    picture = render.overlay(prepared.picture, canvas, opacity, "coolwarm")
    gap = float(result.logits[first] - result.logits[second])
    sure = [views.shown(float(result.probabilities[d])) for d in (first, second)]
    student = say(language, "teaching.contrast.student", title=why_title(first, second, language),
                  first=first, second=second, p_first=sure[0], p_second=sure[1])
    _, signed = decimals(language)
    teachers = say(language, "teaching.contrast.teachers", first=first, second=second,
                   gap=signed(gap, 2))
    return picture, Words(student, teachers)


def layer_comparison(explainer: Explainer, prepared: Prepared, method: str = "gradcam",
                     target: int | None = None, colormap: str = "viridis",
                     language: str = "en") -> list[tuple[np.ndarray, str]]:
    """``method`` on layer2 (14×14), layer3 (7×7) and layer4 (7×7): overlays with captions.

    Returns three ``((H, W, 3) uint8 RGB overlay, caption)`` pairs. Raises ValueError for a
    method that is not defined on all three layers (``"cam"`` reads only layer4).
    """
    out = []
    for layer in ("layer2", "layer3", "layer4"):
        result = explainer.explain(prepared, target=target, method=method, layer=layer,
                                   colormap=colormap, opacity=0.55)
        side = result.target_map.shape[0]
        out.append((result.overlay, say(language, "teaching.layers.caption", layer=layer,
                                        side=side)))
    return out


def how_it_works(explainer: Explainer, result: Explanation, top: int = 3,
                 language: str = "en") -> Words:
    """How the heatmap is made, with the current drawing's numbers: in plain words for the
    student ("pattern detectors", "score"), with the precise terms for teachers."""
    if result.digit is None or result.target is None:
        return Words(say(language, "teaching.how.blank"), "")
    target = result.target
    weights = explainer.model.fc.weight[target].detach().cpu().numpy()  # (512,)
    pooled = result.pooled_features  # (512,) mean of each feature map
    contributions = weights * pooled
    order = np.argsort(-contributions)[:top]
    bias = float(explainer.model.fc.bias[target])
    score = float(result.logits[target])
    others = np.argsort(-result.logits)
    rival = int(others[1] if others[0] == target else others[0])
    number, signed = decimals(language)
    if target == result.digit:
        ranking = say(language, "teaching.how.ranking_answer", target=target, rival=rival,
                      rival_score=number(float(result.logits[rival]), 1))
    else:
        ranking = say(language, "teaching.how.ranking_other", digit=result.digit,
                      digit_score=number(float(result.logits[result.digit]), 1))
    rows = "\n".join(say(language, "teaching.how.row", k=k, lit=number(pooled[k], 2),
                         weight=signed(weights[k], 3), adds=signed(contributions[k], 2))
                     for k in order)
    total = float(contributions.sum())
    student = say(language, "teaching.how.student", target=target, score=number(score, 1),
                  ranking=ranking, top=top, rows=rows, sum=signed(total, 2), bias=signed(bias, 2),
                  total=number(total + bias, 2))
    teachers = say(language, "teaching.how.teachers", target=target, score=number(score, 2),
                   bias=signed(bias, 2), temperature=number(explainer.temperature, 2))
    return Words(student, teachers)
