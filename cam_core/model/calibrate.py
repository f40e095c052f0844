"""Honest confidence: temperature scaling, expected calibration error and an
out-of-distribution score, all computed from logits alone (no extra forward pass).

- Temperature scaling: Guo et al., "On Calibration of Modern Neural Networks", ICML 2017.
  Calibrated probabilities are ``softmax(logits / T)`` with one scalar ``T`` fitted by
  minimising the negative log-likelihood on held-back data.
- Expected calibration error (ECE), 15 equal-width confidence bins (Guo et al., eq. 3).
- Energy score: Liu et al., "Energy-based Out-of-distribution Detection", NeurIPS 2020:
  ``E(x) = -logsumexp(logits)``; larger means less like the training digits.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature``: (N, C) float → (N, C) float32 summing to 1."""
    scaled = np.asarray(logits, np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def energy_score(logits: np.ndarray) -> np.ndarray:
    """Energy score ``-logsumexp(logits)`` per row: (N, C) → (N,) float64.

    Higher means less like the training digits."""
    values = np.asarray(logits, np.float64)
    top = values.max(axis=-1)
    return -(top + np.log(np.exp(values - top[..., None]).sum(axis=-1)))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature ``T > 0`` minimising NLL of ``softmax(logits / T)`` (Guo et al. 2017).

    Args: logits (N, C) float; labels (N,) int. Returns T as a float (1.0 = unchanged).
    """
    x = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(min(max(float(log_t.detach().exp()), 0.05), 100.0))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray,
                               bins: int = 15) -> float:
    """ECE with equal-width confidence bins: sum over bins of |accuracy − confidence| × share.

    Args: probabilities (N, C) rows summing to 1; labels (N,) int. Returns a fraction in [0, 1].
    """
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def threshold_keeping(scores: np.ndarray, keep: float) -> float:
    """The score below which a share ``keep`` (e.g. 0.99) of in-distribution ``scores`` fall."""
    return float(np.quantile(np.asarray(scores, np.float64), keep))


def auroc(in_scores: np.ndarray, out_scores: np.ndarray) -> float:
    """Area under the ROC curve for telling ``out`` (higher score) from ``in``; 0.5 = chance."""
    scores = np.concatenate([in_scores, out_scores])
    ranks = scores.argsort().argsort().astype(np.float64) + 1  # ties are rare for float scores
    positive = ranks[len(in_scores):].sum()
    n_in, n_out = len(in_scores), len(out_scores)
    return float((positive - n_out * (n_out + 1) / 2) / (n_in * n_out))
