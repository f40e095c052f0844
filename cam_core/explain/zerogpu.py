"""ZeroGPU: Hugging Face Spaces' shared GPUs, the free way to host this demo since mid-2026.

On a ZeroGPU Space (``SPACES_ZERO_GPU=true``) CUDA is only available inside functions
decorated with ``spaces.GPU``; each call borrows a GPU for at most its ``duration`` seconds,
charged to the visitor's small daily quota. So only the engine's batched model call is
decorated, with a short duration for live strokes and a longer one for Score-CAM. Everywhere
else (a laptop, a CPU Space, CI) ``spaces.GPU`` returns the function unchanged, and without the
``spaces`` package installed :func:`gpu_task` does the same.

The decorated functions run in a worker process on ZeroGPU: their arguments and results must
be picklable CPU data (numpy arrays), never CUDA tensors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

LIVE_SECONDS = 5  # one batched forward (+ one backward) pass: milliseconds of GPU time
SLOW_SECONDS = 30  # Score-CAM: one extra forward pass per channel (512 on layer4)


def on_zerogpu() -> bool:
    """True on a ZeroGPU Space (``SPACES_ZERO_GPU`` set true by Hugging Face): the model goes
    to CUDA once at start (``spaces`` makes that work before any GPU is leased)."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")


def gpu_task(duration: int) -> Callable[[F], F]:
    """``spaces.GPU(duration=duration)`` when the ``spaces`` package is installed (a no-op off
    ZeroGPU), else a decorator that returns the function unchanged. ``duration`` in seconds."""
    try:
        import spaces
    except ImportError:
        return lambda function: function
    return spaces.GPU(duration=duration)
