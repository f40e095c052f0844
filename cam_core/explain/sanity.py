"""Sanity check for saliency maps: cascading model randomisation (Adebayo, Gilmer, Muelly,
Goodfellow, Hardt, Kim, "Sanity Checks for Saliency Maps", NeurIPS 2018,
https://arxiv.org/abs/1810.03292).

The idea in plain words: a map that explains what the network *learnt* must change when what
it learnt is destroyed. Re-initialise the network's weights from the top down (``fc`` and
``layer4`` first, then ``layer3`` too, and so on down to the stem) and compare each scrambled
network's map with the trained one's. A map that barely changes shows the drawing (its edges,
its ink), not the network: an edge detector, which knows nothing about digits, would draw it too
(:func:`edge_map`).

Similarity is the Spearman rank correlation of the two maps over the 28×28 model input (the
paper's measure, there of absolute values; here of the maps as the methods return them: CAM
signed, the gradient methods after their ReLU). The served model is never touched: every step
re-initialises a deep copy, seeded, with each layer's own ``reset_parameters`` (PyTorch's
default initialisation; BatchNorm's weight 1, bias 0 and running statistics 0 and 1 too).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from scipy.stats import spearmanr

from cam_core.explain import render
from cam_core.explain.methods import CAM, get_method, target_map
from cam_core.model.network import DigitResNet

# The cascade's blocks, top first: step i re-initialises blocks[:i + 1] ("stem": conv1, bn1).
BLOCKS = ("fc", "layer4", "layer3", "layer2", "layer1", "stem")
# A map passes when its rank correlation with the fully scrambled network's map is below this.
PASSES = 0.5
# The steps as the view shows them: what is scrambled after each (fc goes with layer4).
STEPS = (("fc", "layer4"), ("fc", "layer4", "layer3"), ("fc", "layer4", "layer3", "layer2"),
         ("fc", "layer4", "layer3", "layer2", "layer1"), BLOCKS)


def _modules(model: DigitResNet, block: str) -> list[torch.nn.Module]:
    if block == "stem":
        return [model.conv1, model.bn1]
    return [getattr(model, block)]


def _reset(model: DigitResNet, block: str) -> None:
    for module in _modules(model, block):
        for layer in module.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
            if hasattr(layer, "reset_running_stats"):
                layer.reset_running_stats()


def scrambled(model: DigitResNet, blocks: Sequence[str], seed: int = 0) -> DigitResNet:
    """A deep copy of ``model`` with ``blocks`` (names from :data:`BLOCKS`) re-initialised by
    their layers' ``reset_parameters`` (convolutions and ``fc``: Kaiming uniform; BatchNorm:
    weight 1, bias 0, running mean 0, running variance 1), in eval mode, without gradients.

    The random draws come from ``seed`` alone (the global random state is left as it was), so
    the same seed gives the same network; blocks are re-initialised top first, so a block gets
    the same weights whichever blocks below it are scrambled too. ``model`` is not changed.

    Raises: ValueError for a name not in :data:`BLOCKS`.
    """
    unknown = set(blocks) - set(BLOCKS)
    if unknown:
        raise ValueError(f"blocks must be among {BLOCKS}, got {sorted(unknown)}")
    copied = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for block in BLOCKS:  # top first, whatever order ``blocks`` came in
            if block in blocks:
                _reset(copied, block)
    return copied.eval().requires_grad_(False)


def cascade_networks(model: DigitResNet, seed: int = 0) -> Iterator[DigitResNet]:
    """The scrambled networks of :data:`STEPS` in order, as :func:`scrambled` makes them, from
    one deep copy scrambled further at each step (one copy in memory, not five). Each network
    yielded is changed by the next step: use it before asking for the next."""
    copied = copy.deepcopy(model).eval().requires_grad_(False)
    done: set[str] = set()
    state = torch.Generator().manual_seed(seed).get_state()  # the seeded stream, carried on
    for step in STEPS:
        # The global random state is borrowed only while resetting, never while yielded.
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.random.set_rng_state(state)
            for block in BLOCKS:
                if block in step and block not in done:
                    _reset(copied, block)
                    done.add(block)
            state = torch.random.get_rng_state()
        yield copied


def maps_over_input(model: DigitResNet, inputs: torch.Tensor, targets: Sequence[int],
                    methods: Sequence[str] = ("cam",), layer: str = "layer4",
                    ) -> dict[str, np.ndarray]:
    """The maps of ``methods`` on ``layer`` for ``targets``, upsampled (bilinear) to the input,
    from one run of the trunk (each gradient method adds only the layers after ``layer``).

    Args:
        model: a :class:`DigitResNet` in eval mode (trained or :func:`scrambled`).
        inputs: ``(B, 1, 28, 28)`` float32 normalised model inputs, on the model's device.
        targets: B classes 0–9 (in the sanity check: the trained network's predictions).
        methods, layer: see :func:`cam_core.explain.methods.get_method` (ValueError if one
            cannot use ``layer``).

    Returns: method name → ``(B, 28, 28)`` float32 raw maps (CAM signed, the others after
    their ReLU).
    """
    chosen = [get_method(name, layer) for name in methods]
    wanted = torch.as_tensor(list(targets), device=inputs.device)
    with torch.no_grad():
        features = model.features(inputs, upto=layer)[-1]  # (B, K, h, w)
    out = {}
    for method in chosen:
        if isinstance(method, CAM):  # the target's fc weights over layer4's features
            maps = CAM.all_classes(features, model.fc.weight)[torch.arange(len(wanted)), wanted]
        else:
            _, maps = target_map(model, inputs, wanted, method, layer, features)  # (B, h, w)
        out[method.name] = np.stack([render.feature_to_model(m)
                                     for m in maps.float().cpu().numpy()])
    return out


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman rank correlation of two maps of the same shape, over their pixels, in [−1, 1].
    A constant map (nothing to rank, e.g. all zero after a ReLU) correlates 0 with anything."""
    a, b = np.ravel(first), np.ravel(second)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def edge_map(model_input: np.ndarray) -> np.ndarray:
    """"The look-alike that knows nothing": the Sobel gradient magnitude of the ``(28, 28)``
    uint8 model input, ``(28, 28)`` float32 ≥ 0. It finds the drawing's edges with no network."""
    unit = model_input.astype(np.float32) / 255.0
    dx = cv2.Sobel(unit, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(unit, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(dx, dy)


@dataclass(frozen=True)
class Cascade:
    """One input's maps through the cascade.

    Attributes:
        trained: ``(28, 28)`` float32, the trained network's map.
        scrambled: ``(S, 28, 28)`` float32, the map after each step of :data:`STEPS`.
        similarity: ``(S,)`` Spearman correlations of each scrambled map with ``trained``.
        edges: ``(28, 28)`` float32, :func:`edge_map` of the input.
        edge_similarity: Spearman correlation of ``edges`` with ``trained``.
    """

    trained: np.ndarray
    scrambled: np.ndarray
    similarity: np.ndarray
    edges: np.ndarray
    edge_similarity: float


def cascade(model: DigitResNet, model_input: np.ndarray, tensor: np.ndarray, target: int,
            method: str = "cam", layer: str = "layer4", seed: int = 0) -> Cascade:
    """The sanity check for one input: its map from the trained network and after each step of
    :data:`STEPS`, with their rank correlations.

    Args:
        model: the trained network (not changed).
        model_input: ``(28, 28)`` uint8, white ink on black (for :func:`edge_map`).
        tensor: ``(1, 28, 28)`` float32, the normalised model input (``Prepared.tensor``).
        target: the class 0–9 whose map is compared (the trained network's prediction).
        method, layer: the map (ValueError if the method cannot use the layer).
        seed: the re-initialisation's seed.
    """
    device = next(model.parameters()).device
    batch = torch.from_numpy(np.asarray(tensor, np.float32))[None].to(device)
    trained = maps_over_input(model, batch, [target], [method], layer)[method][0]
    after = np.stack([maps_over_input(net, batch, [target], [method], layer)[method][0]
                      for net in cascade_networks(model, seed)])
    edges = edge_map(model_input)
    return Cascade(trained=trained, scrambled=after,
                   similarity=np.array([rank_correlation(trained, m) for m in after]),
                   edges=edges, edge_similarity=rank_correlation(trained, edges))


def similarities(model: DigitResNet, model_inputs: np.ndarray, tensors: np.ndarray,
                 targets: Sequence[int], methods: Sequence[str], layer: str = "layer4",
                 seed: int = 0, batch_size: int = 100) -> dict[str, np.ndarray]:
    """The sanity check over N inputs for several methods on one layer, in batches.

    Args:
        model: the trained network (not changed).
        model_inputs: ``(N, 28, 28)`` uint8 model inputs (for the edge map).
        tensors: ``(N, 1, 28, 28)`` float32 normalised model inputs.
        targets: N classes (the trained network's predictions).
        methods, layer, seed: as :func:`cascade`.

    Returns: method name → ``(N, S + 1)`` Spearman correlations with the trained map: one
    column per step of :data:`STEPS`, then the edge map's.
    """
    device = next(model.parameters()).device
    batches = [(torch.from_numpy(np.asarray(tensors[start:start + batch_size], np.float32)
                                 ).to(device), list(targets[start:start + batch_size]))
               for start in range(0, len(tensors), batch_size)]
    trained = [maps_over_input(model, batch, wanted, methods, layer) for batch, wanted in batches]
    first = {name: np.concatenate([maps[name] for maps in trained]) for name in methods}
    columns: dict[str, list[list[float]]] = {name: [] for name in methods}
    for network in cascade_networks(model, seed):
        after = [maps_over_input(network, batch, wanted, methods, layer)
                 for batch, wanted in batches]
        for name in methods:
            maps = np.concatenate([step[name] for step in after])
            columns[name].append([rank_correlation(a, b) for a, b in zip(first[name], maps,
                                                                          strict=True)])
    edges = [edge_map(image) for image in model_inputs]
    return {name: np.column_stack([*columns[name],
                                   [rank_correlation(a, e) for a, e in zip(first[name], edges,
                                                                           strict=True)]])
            for name in methods}
