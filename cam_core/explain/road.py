"""How faithful is a map? ROAD: RemOve And Debias (Rong, Leemann, Borisov, Kasneci, Kasneci,
"A Consistent and Efficient Evaluation Strategy for Attribution Methods", ICML 2022,
https://arxiv.org/abs/2202.00449).

The idea in plain words: hide the pixels the map says matter most and see how much the
network's confidence falls (MoRF, most relevant first); hide the pixels it says matter least
and see how little it falls (LeRF, least relevant first). A faithful map makes the first fall
far and the second barely move. Hidden pixels are not painted white (a white blob has a shape
of its own that the network reads, and erasing ink breaks every stroke whatever the map): each
is filled in from its neighbours by *noisy linear imputation*, the average of its eight
neighbours (weights 1/6 side, 1/12 corner) solved for all hidden pixels at once, plus a little
noise. ROAD's combined score is ``(LeRF − MoRF) / 2`` averaged over removal shares: higher is
more faithful, about 0 for a random map.

Matches pytorch-grad-cam's ``metrics/road.py`` (the oracle in the tests): the same neighbour
weights and equations, the same percentile thresholds (``map < percentile`` is kept), the
imputation done on the normalised model input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csc_matrix
from scipy.sparse.linalg import spsolve

PERCENTILES = (10, 20, 30, 40, 50, 60, 70, 80, 90)  # the paper's and pytorch-grad-cam's
NOISE = 0.01  # absolute noise added to imputed values (normalised input units), as the paper
# (row offset, column offset) → weight: the eight neighbours, sides count double.
NEIGHBOURS = (((1, 1), 1 / 12), ((0, 1), 1 / 6), ((-1, 1), 1 / 12), ((1, -1), 1 / 12),
              ((0, -1), 1 / 6), ((-1, -1), 1 / 12), ((1, 0), 1 / 6), ((-1, 0), 1 / 6))


def impute(image: np.ndarray, hidden: np.ndarray, noise: float = NOISE,
           rng: np.random.Generator | None = None) -> np.ndarray:
    """Noisy linear imputation: every hidden pixel becomes the weighted mean of its neighbours
    (hidden neighbours included, so the whole hidden region is solved as one linear system).

    Args:
        image: ``(H, W)`` float32, any range (here the normalised model input).
        hidden: ``(H, W)`` bool, True where the pixel is removed.
        noise: standard deviation of Gaussian noise added to the imputed values (0 for none).
        rng: the noise's random source (default: a fresh unseeded one).

    Returns:
        ``(H, W)`` float32, ``image`` with its hidden pixels filled in.

    Raises:
        ValueError: ``image`` and ``hidden`` differ in shape.
    """
    if image.shape != hidden.shape:
        raise ValueError(f"image {image.shape} and hidden {hidden.shape} differ in shape")
    height, width = hidden.shape
    unknown = np.flatnonzero(hidden)
    out = image.astype(np.float32).copy()
    if unknown.size == 0:
        return out
    index_of = np.full(height * width, -1)
    index_of[unknown] = np.arange(unknown.size)
    rows, cols = np.divmod(unknown, width)
    flat = image.reshape(-1).astype(np.float64)
    diagonal = np.zeros(unknown.size)
    right_side = np.zeros(unknown.size)
    entries_row, entries_col, entries_value = [], [], []
    for (d_row, d_col), weight in NEIGHBOURS:
        r, c = rows + d_row, cols + d_col
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        neighbour = np.where(inside, r * width + c, 0)
        diagonal[inside] += weight  # a pixel's weights sum only over neighbours that exist
        also_unknown = inside & hidden.reshape(-1)[neighbour]
        known = inside & ~also_unknown
        right_side[known] += weight * flat[neighbour[known]]
        entries_row.append(np.flatnonzero(also_unknown))
        entries_col.append(index_of[neighbour[also_unknown]])
        entries_value.append(np.full(int(also_unknown.sum()), -weight))
    # Σ_w x_i − Σ_{unknown j} w x_j = Σ_{known j} w v_j for every hidden pixel i.
    system = csc_matrix((np.concatenate([diagonal, *entries_value]),
                         (np.concatenate([np.arange(unknown.size), *entries_row]),
                          np.concatenate([np.arange(unknown.size), *entries_col]))),
                        shape=(unknown.size, unknown.size))
    solved = np.atleast_1d(spsolve(system, right_side))
    if noise:
        solved = solved + noise * (rng or np.random.default_rng()).standard_normal(solved.size)
    out.reshape(-1)[unknown] = solved
    return out


def hidden_mask(relevance: np.ndarray, percentile: float, most_relevant_first: bool
                ) -> np.ndarray:
    """Which pixels to remove at one ROAD step, as pytorch-grad-cam decides it.

    Args:
        relevance: ``(H, W)`` float map in [0, 1] (higher = more evidence).
        percentile: 0–100; pixels of the ordering value below this percentile are kept.
        most_relevant_first: MoRF (remove the top ``100 − percentile`` % of relevance) when
            True, LeRF (remove the bottom ones: ordering value ``1 − relevance``) when False.

    Returns: ``(H, W)`` bool, True = remove.
    """
    order = relevance if most_relevant_first else 1.0 - relevance
    return ~(order < np.percentile(order, percentile))


@dataclass(frozen=True)
class RoadScores:
    """ROAD results for N inputs, P removal steps.

    Attributes:
        removed: ``(P,)`` float, the share of pixels removed at each step, 0–1 (MoRF and LeRF
            remove the same shares: ``1 − percentile / 100``).
        morf, lerf: ``(N, P)`` float32, the target's probability after removing the most /
            least relevant pixels at each step, 0–1.
        before: ``(N,)`` float32, the target's probability on the untouched input.
        combined: ``(N,)`` float32, ``mean over steps of (LeRF − MoRF) / 2``, in [−0.5, 0.5]
            (the paper's and pytorch-grad-cam's ``ROADCombined``; higher = more faithful).
    """

    removed: np.ndarray
    morf: np.ndarray
    lerf: np.ndarray
    before: np.ndarray

    @property
    def combined(self) -> np.ndarray:
        return ((self.lerf - self.morf) / 2).mean(axis=1)


def road(probabilities: Callable[[np.ndarray], np.ndarray], inputs: np.ndarray,
         relevance: np.ndarray, targets: Sequence[int], percentiles: Sequence[float] = PERCENTILES,
         noise: float = NOISE, seed: int = 0) -> RoadScores:
    """ROAD's MoRF and LeRF curves for N inputs and their maps, in one batched model call.

    Args:
        probabilities: model call ``(M, 1, H, W)`` float32 normalised inputs → ``(M, 10)``
            class probabilities (the caller batches and chooses softmax/temperature).
        inputs: ``(N, 1, H, W)`` float32 normalised model inputs.
        relevance: ``(N, H, W)`` float maps over the model input, any scale (each is min–max
            scaled to [0, 1]; only the order of pixels matters).
        targets: N class indices whose probability is followed.
        percentiles: the removal steps (see :func:`hidden_mask`).
        noise, seed: imputation noise and its seed (the same seed gives the same scores).

    Returns: :class:`RoadScores`.

    Raises: ValueError when the shapes of ``inputs``, ``relevance`` and ``targets`` disagree.
    """
    count = len(inputs)
    if relevance.shape != (count, *inputs.shape[2:]) or len(targets) != count:
        raise ValueError(f"inputs {inputs.shape}, relevance {relevance.shape} and "
                         f"{len(targets)} targets do not describe the same N inputs")
    rng = np.random.default_rng(seed)
    batch = [inputs]
    for image, raw in zip(inputs, relevance, strict=True):
        unit = (raw - raw.min()) / max(float(raw.max() - raw.min()), 1e-12)
        for most_first in (True, False):
            for percentile in percentiles:
                hidden = hidden_mask(unit, percentile, most_first)
                batch.append(impute(image[0], hidden, noise, rng)[None, None])
    probs = probabilities(np.concatenate(batch).astype(np.float32))
    picked = probs[:count][np.arange(count), list(targets)]
    steps = len(percentiles)
    curves = probs[count:].reshape(count, 2, steps, -1)
    followed = curves[np.arange(count), :, :, list(targets)]  # (N, 2, P)
    return RoadScores(removed=1 - np.asarray(percentiles, float) / 100,
                      morf=followed[:, 0].astype(np.float32),
                      lerf=followed[:, 1].astype(np.float32), before=picked.astype(np.float32))


def random_smooth_maps(count: int, side: int = 28, cells: int = 7, seed: int = 0) -> np.ndarray:
    """Random maps as smooth as a layer4 CAM: uniform noise on a ``cells``² grid, upsampled
    bilinearly to ``side``². The baseline a map must beat. Returns ``(count, side, side)``."""
    import cv2

    rng = np.random.default_rng(seed)
    grids = rng.random((count, cells, cells)).astype(np.float32)
    return np.stack([cv2.resize(g, (side, side), interpolation=cv2.INTER_LINEAR) for g in grids])


def beyond_chance(value: float, chance: Sequence[float], margin: float) -> int:
    """Is ``value`` clearly beyond what random maps score? The test every teaching verdict
    uses: one random map can be lucky on one drawing, so a map counts as better (or worse)
    than chance only when it beats *every* random run by at least ``margin`` and lies more
    than two standard deviations of the runs from their mean. (With the best run alone, a map
    no better than the random ones beats all R of them once in R + 1 drawings.)

    Args:
        value: the map's score, higher = better (e.g. the ROAD combined score, or how far the
            hottest-first curve drops).
        chance: the same score for R ≥ 2 random runs (random smooth maps, seeded).
        margin: how far beyond the best (worst) run counts, in the score's units.

    Returns: +1 clearly better than chance, −1 clearly worse, 0 no different from chance.

    Raises: ValueError for fewer than two random runs.
    """
    runs = np.asarray(chance, dtype=np.float64)
    if runs.size < 2:
        raise ValueError(f"need at least 2 random runs to know their spread, got {runs.size}")
    mean, spread = float(runs.mean()), float(runs.std(ddof=1))
    if value > runs.max() + margin and value > mean + 2 * spread:
        return 1
    if value < runs.min() - margin and value < mean - 2 * spread:
        return -1
    return 0
