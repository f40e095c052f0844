"""The network's logits for many inputs at once: the one batched, gradient-free forward pass
that training, evaluation, the teaching views (ROAD) and the benchmarks share.

Example::

    from cam_core.model.logits import logits_of
    logits = logits_of(model, tensors)  # (N, 10) float32
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

BATCH_SIZE = 256  # inputs per forward pass: ~50 MB of activations on the CPU


def logits_of(model: nn.Module, tensors: np.ndarray | Iterable[np.ndarray],
              batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Logits of normalised model inputs, ``batch_size`` at a time, without gradients.

    Args:
        model: a :class:`~cam_core.model.network.DigitResNet` (its forward returns
            ``(logits, features)``), on any device; put in eval mode by the caller (training
            calls this on a model it switches back itself).
        tensors: ``(N, 1, 28, 28)`` float32 inputs normalised as
            :func:`cam_core.inputs.fit.to_tensor` does, or an iterable of ``(1, 28, 28)``
            ones (read lazily, one batch at a time).
        batch_size: inputs per forward pass (≥ 1).

    Returns: ``(N, 10)`` float32 logits on the CPU; ``(0, 10)`` for no input.

    Raises: ValueError for ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    device = next(model.parameters()).device
    out: list[np.ndarray] = []

    def run(batch: np.ndarray) -> None:
        chunk = torch.from_numpy(np.ascontiguousarray(batch, np.float32)).to(device)
        out.append(model(chunk)[0].float().cpu().numpy())  # (b, 10)

    with torch.no_grad():
        if isinstance(tensors, np.ndarray):
            for start in range(0, len(tensors), batch_size):
                run(tensors[start:start + batch_size])
        else:
            batch: list[np.ndarray] = []
            for tensor in tensors:
                batch.append(tensor)
                if len(batch) == batch_size:
                    run(np.stack(batch))
                    batch = []
            if batch:
                run(np.stack(batch))
    return np.concatenate(out) if out else np.zeros((0, 10), np.float32)


class LogitsOnly(nn.Module):
    """``model`` returning its logits alone, ``(B, 10)``: for libraries that expect a plain
    classifier (pytorch-grad-cam, its oracle tests and benchmark). Shares ``model``'s weights."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.net = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[0]
