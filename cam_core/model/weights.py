"""The network's weights: float16 safetensors with string metadata (temperature, the
"not a digit" threshold, the training record), loaded once per (file, device); never pickle.

A missing or corrupt file is a :class:`WeightsError` whose message names the training command.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from cam_core.model.network import DigitResNet, build_model

WEIGHTS_DIR = Path(__file__).resolve().parent.parent.parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "digit_resnet34.safetensors"
TRAIN_COMMAND = "python -m training.train --data-root ../shared/data/mnist"


class WeightsError(RuntimeError):
    """The weights file is missing, unreadable or does not fit the network."""


def save_weights(model: DigitResNet, path: str | Path, metadata: dict[str, str] | None = None,
                 ) -> str:
    """Save ``model`` as float16 safetensors with string ``metadata``; return the file's sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach())
               .contiguous().cpu() for k, v in model.state_dict().items()}
    meta = {**model.metadata, **(metadata or {})}
    save_file(tensors, str(path), metadata={k: str(v) for k, v in meta.items()})
    return sha256_of(path)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_metadata(path: Path) -> dict[str, str]:
    # The safetensors header is 8 bytes of length then JSON; read it without loading tensors.
    with open(path, "rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    return dict(header.get("__metadata__", {}) or {})


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``/``"auto"`` → CUDA when available, else CPU; anything else as given. (On a
    ZeroGPU Space :func:`cam_core.explain.engine.load_explainer` keeps the model on the CPU
    and lends a CUDA copy to heavy work only.)

    Raises: ValueError for a name torch does not know (``"gpu"``) or a CUDA device on a
    machine without one, with what to pass instead.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"Unknown device {device!r}: use cpu, cuda or auto.") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Device {device!r} asked for, but this machine has no CUDA GPU: "
                         "use cpu or auto.")
    return resolved


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, device: str) -> DigitResNet:
    file = Path(path)
    if not file.is_file():
        raise WeightsError(
            f"No weights file at {file}. Train one with `{TRAIN_COMMAND}` "
            f"(or restore weights/ from git).")
    try:
        state = load_file(str(file))
        metadata = _read_metadata(file)
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as error:
        raise WeightsError(
            f"The weights file {file} is corrupt or not safetensors ({error}). Restore it with "
            f"`git checkout -- weights/` or retrain with `{TRAIN_COMMAND}`.") from error
    model = build_model()
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in state.items()})
    except RuntimeError as error:
        raise WeightsError(
            f"The weights file {file} does not fit the digit ResNet34 ({error}). Retrain with "
            f"`{TRAIN_COMMAND}`.") from error
    model.metadata = metadata
    model.eval().requires_grad_(False)
    return model.to(torch.device(device))


def load_model(path: str | Path | None = None,
               device: str | torch.device | None = None) -> DigitResNet:
    """Load trained weights into a :class:`DigitResNet` in eval mode, cached per (path, device).

    Args:
        path: a ``.safetensors`` file; default ``weights/digit_resnet34.safetensors``.
        device: ``"cpu"``, ``"cuda"``, a ``torch.device`` or ``None``/``"auto"`` (CUDA if present).

    Returns the model in float32 with gradients off; float16 weights on disk are widened.
    The same object is returned for the same (path, device): treat it as read-only.

    Raises:
        WeightsError: the file is missing, corrupt or does not fit; the message names the
            training command.
    """
    resolved = Path(path) if path is not None else DEFAULT_WEIGHTS
    return _load_cached(str(resolved.resolve()), str(resolve_device(device)))
