"""The digit network: torchvision's ResNet34 adapted to 28×28 MNIST digits.

torchvision's ``resnet34`` shrinks its input 32-fold, so a 28×28 digit would leave a 1×1
feature map at ``layer4`` and every class activation map would be one flat colour. This module
keeps the same blocks and depth but uses a 3×3 stride-1 stem on one input channel, no max-pool
and stride 1 in ``layer4``: 28×28 in, 7×7×512 out of ``layer4``.

The forward pass returns the logits *and* the ``layer4`` feature maps, so the engine can build
class activation maps (Zhou et al., CVPR 2016) from the same pass without forward hooks.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet34
from torchvision.models.resnet import BasicBlock

NUM_CLASSES = 10
FEATURE_LAYERS = ("layer1", "layer2", "layer3", "layer4")
class DigitResNet(nn.Module):
    """ResNet34 for 28×28 single-channel digits that returns logits and ``layer4`` features.

    Input ``(B, 1, H, W)`` float32 (the model input of :mod:`cam_core.inputs.prepare`, normalised
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
