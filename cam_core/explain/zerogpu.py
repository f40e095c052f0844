"""ZeroGPU: Hugging Face Spaces' shared GPUs, lent for one decorated call at a time.

On a ZeroGPU Space (``SPACES_ZERO_GPU=true``) CUDA is only available inside functions
decorated with ``spaces.GPU``. Hugging Face's page https://huggingface.co/docs/hub/spaces-zerogpu
documents the decorator, its ``duration`` argument and the daily GPU quota of each visitor
(larger for logged-in and paying visitors). Every decorated call is charged to the visitor who
made it, and visitors who are not logged in are counted by IP address, so a class behind one
school address shares one small quota.

So :class:`ZeroGPURunner` never borrows the GPU for live work (pen-ups, uploads, control
changes: CAM and the gradient methods on one drawing, tens of milliseconds on the CPU): only
Score-CAM (one extra forward pass per channel) and the ROAD passes of the teaching views ("How
much can you trust this map?", "Hide the evidence") are decorated, each with a ``duration``
sized to its work. A refused or failed lease (quota used up, no GPU free, a worker error) is
not an error for the student: the same work runs on the CPU copy of the model and the result
says so (:attr:`cam_core.explain.batching.ModelResult.gpu_refused`).

Off ZeroGPU (a laptop, a CPU Space, CI) nothing here is used: the engine's default runner is
:class:`cam_core.explain.batching.BatchedRunner`, and ``spaces.GPU`` would return the function
unchanged anyway. The decorated functions run in a forked worker process on ZeroGPU: their
arguments and results are picklable CPU data (numpy arrays), never CUDA tensors.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np
import torch

from cam_core.explain.batching import BatchedRunner, ModelResult, model_pass
from cam_core.explain.methods import get_method
from cam_core.model.logits import logits_of
from cam_core.model.network import DigitResNet

F = TypeVar("F", bound=Callable)
LOG = logging.getLogger("digit-cam")

SLOW_SECONDS = 30  # Score-CAM: one extra forward pass per channel (512 on layer4)
VIEW_SECONDS = 10  # a teaching view's ROAD: a few hundred hidden-pixel copies, one batch


def on_zerogpu() -> bool:
    """True on a ZeroGPU Space (Hugging Face sets ``SPACES_ZERO_GPU`` true there)."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")


def gpu_task(duration: int) -> Callable[[F], F]:
    """``spaces.GPU(duration=duration)`` when the ``spaces`` package is installed (a no-op off
    ZeroGPU), else a decorator that returns the function unchanged. ``duration`` in seconds."""
    try:
        import spaces
    except ImportError:
        return lambda function: function
    return spaces.GPU(duration=duration)


class ZeroGPURunner:
    """A :class:`~cam_core.explain.batching.ModelRunner` for a ZeroGPU Space: live methods on
    the CPU model (merged like :class:`~cam_core.explain.batching.BatchedRunner`), Score-CAM
    and :meth:`logits` (ROAD) in a ``spaces.GPU`` lease on the GPU copy, falling back to the
    CPU when the lease is refused or fails.

    Args:
        model: the model on the CPU (in eval mode); the engine's ``model``.
        gpu_model: the copy the leases use; default a copy of ``model`` on CUDA (on ZeroGPU
            ``spaces`` makes that possible before any lease), or on the CPU where there is no
            CUDA (a stand-in ``spaces`` in tests and benchmarks).
        max_images: most inputs in one merged live pass.
    """

    def __init__(self, model: DigitResNet, gpu_model: DigitResNet | None = None,
                 max_images: int = 32) -> None:
        self.model = model
        self.cpu = BatchedRunner(model, max_images)
        # Decorate first: importing ``spaces`` is what lets CUDA be named outside a lease.
        self._leased_pass = gpu_task(SLOW_SECONDS)(self._gpu_pass)
        self._leased_logits = gpu_task(VIEW_SECONDS)(self._gpu_logits)
        if gpu_model is None:
            gpu_model = copy.deepcopy(model).to("cuda" if torch.cuda.is_available() else "cpu")
        self.gpu_model = gpu_model

    def _gpu_pass(self, tensors: np.ndarray, method: str, layer: str,
                  targets: list[int | None]) -> list[ModelResult]:
        return model_pass(self.gpu_model, tensors, method, layer, targets)

    def _gpu_logits(self, tensors: np.ndarray) -> np.ndarray:
        return logits_of(self.gpu_model, tensors)

    def run(self, tensors: np.ndarray, method: str, layer: str,
            targets: Sequence[int | None]) -> list[ModelResult]:
        """See :class:`~cam_core.explain.batching.ModelRunner`: a live method never borrows
        the GPU; a slow one does, or runs on the CPU with ``gpu_refused`` set."""
        if get_method(method, layer).live:
            return self.cpu.run(tensors, method, layer, targets)
        try:
            return self._leased_pass(tensors, method, layer, list(targets))
        except Exception as error:  # quota, no GPU free, worker error: the CPU answers
            LOG.warning("GPU lease refused or failed (%s: %s); %s runs on the CPU",
                        type(error).__name__, error, method)
        return [replace(result, gpu_refused=True)
                for result in self.cpu.run(tensors, method, layer, targets)]

    def logits(self, tensors: np.ndarray) -> tuple[np.ndarray, bool]:
        """See :class:`~cam_core.explain.batching.ModelRunner`: in one GPU lease, or on the
        CPU (``True``) when it is refused or fails."""
        try:
            return self._leased_logits(tensors), False
        except Exception as error:
            LOG.warning("GPU lease refused or failed (%s: %s); ROAD runs on the CPU",
                        type(error).__name__, error)
        return logits_of(self.model, tensors), True
