"""The digit network: torchvision's ResNet34 adapted to 28×28 MNIST digits.

torchvision's ``resnet34`` shrinks its input 32-fold, so a 28×28 digit would leave a 1×1
feature map at ``layer4`` and every class activation map would be one flat colour. This module
keeps the same blocks and depth but uses a 3×3 stride-1 stem on one input channel, no max-pool
and stride 1 in ``layer4``: 28×28 in, 7×7×512 out of ``layer4``.

The forward pass returns the logits *and* the ``layer4`` feature maps, so the engine can build
class activation maps (Zhou et al., CVPR 2016) from the same pass without forward hooks.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn
from torchvision.models import resnet34
from torchvision.models.resnet import BasicBlock

NUM_CLASSES = 10
FEATURE_LAYERS = ("layer1", "layer2", "layer3", "layer4")
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "digit_resnet34.safetensors"
TRAIN_COMMAND = "python -m cam_core.train --data-root ../shared/data/mnist"


class WeightsError(RuntimeError):
    """The weights file is missing, unreadable or does not fit the network."""


class DigitResNet(nn.Module):
    """ResNet34 for 28×28 single-channel digits that returns logits and ``layer4`` features.

    Input ``(B, 1, H, W)`` float32 (the model input of :mod:`cam_core.preprocess`, normalised
    with MNIST's mean and std). Output ``(logits, features)``: logits ``(B, 10)`` and the
    ``layer4`` feature maps ``(B, 512, H/4, W/4)`` — ``(B, 512, 7, 7)`` for 28×28 — which
    global average pooling turns into the vector the ``fc`` layer reads. The network is fully
    convolutional up to the pooling, so other sizes (e.g. 28×56) work too.

    ``metadata`` holds the calibration temperature and the out-of-distribution threshold that
    are stored alongside the weights (see :func:`load_model`).
    """

    def __init__(self, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        base = resnet34(weights=None, num_classes=num_classes)
        # Why: 3×3 stride-1 stem and no max-pool keep 28×28 at layer1 (torchvision shrinks 4×).
        base.conv1 = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
        base.maxpool = nn.Identity()
        # Why: stride 1 in layer4 keeps a 7×7 map instead of 4×4, so the CAM has detail.
        first: BasicBlock = base.layer4[0]
        first.conv1.stride = (1, 1)
        first.downsample[0].stride = (1, 1)
        self.conv1, self.bn1, self.relu = base.conv1, base.bn1, base.relu
        self.layer1, self.layer2, self.layer3, self.layer4 = (
            base.layer1, base.layer2, base.layer3, base.layer4)
        self.fc = base.fc
        self.metadata: dict[str, str] = {}

    def features(self, x: torch.Tensor, upto: str = "layer4") -> list[torch.Tensor]:
        """Run the trunk and return the feature maps of ``layer1`` … ``upto`` in order.

        Raises ValueError when ``upto`` is not one of ``layer1`` … ``layer4``.
        """
        if upto not in FEATURE_LAYERS:
            raise ValueError(f"layer must be one of {FEATURE_LAYERS}, got {upto!r}")
        x = self.relu(self.bn1(self.conv1(x)))  # (B, 64, H, W)
        maps = []
        for name in FEATURE_LAYERS[: FEATURE_LAYERS.index(upto) + 1]:
            x = getattr(self, name)(x)
            maps.append(x)
        return maps

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """Global average pooling then ``fc``: ``(B, 512, h, w)`` → logits ``(B, 10)``."""
        return self.fc(features.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.features(x)[-1]  # (B, 512, H/4, W/4)
        return self.head(features), features


def build_model(num_classes: int = NUM_CLASSES) -> DigitResNet:
    """Return an untrained :class:`DigitResNet` (float32, train mode)."""
    return DigitResNet(num_classes)


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
    """``None``/``"auto"`` → CUDA when available or on a ZeroGPU Space, else CPU; anything
    else as given.

    Raises: ValueError for a name torch does not know (``"gpu"``) or a CUDA device on a
    machine without one, with what to pass instead.
    """
    if device is None or device == "auto":
        from .zerogpu import on_zerogpu

        return torch.device("cuda" if torch.cuda.is_available() or on_zerogpu() else "cpu")
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
