"""Shared fixtures. Tests that need a whole data set read it from ../shared/data and skip with
a clear reason when it is missing; tests that need the trained weights use weights/ (or the file
named by DIGIT_CAM_WEIGHTS)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from cam_core import datasets
from cam_core.engine import Explainer, load_explainer
from cam_core.model import DEFAULT_WEIGHTS, build_model

ROOT = Path(__file__).resolve().parent.parent
MNIST_ROOT = datasets.SHARED_DATA / "mnist"
ARTIFACTS = ROOT / "tests" / "artifacts"


def weights_path() -> Path:
    return Path(os.environ.get("DIGIT_CAM_WEIGHTS") or DEFAULT_WEIGHTS)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"needs {path} (see ../shared/data/README.md)")
    return path


@pytest.fixture(scope="session")
def explainer() -> Explainer:
    """The trained model's explainer on the CPU."""
    return load_explainer(weights_path(), "cpu")


@pytest.fixture(scope="session")
def untrained() -> Explainer:
    """An untrained network with random BatchNorm statistics: exact maths needs no training."""
    torch.manual_seed(0)
    model = build_model()
    with torch.no_grad():  # non-trivial running statistics so eval mode differs from identity
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    model.eval().requires_grad_(False)
    return Explainer(model, torch.device("cpu"))


@pytest.fixture(scope="session")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    need(MNIST_ROOT / "MNIST" / "raw")
    return datasets.load_mnist(MNIST_ROOT, train=False)


@pytest.fixture(scope="session")
def photos() -> list[tuple[Path, int]]:
    need(datasets.SHARED_DATA / "photos")
    return datasets.load_photos()


@pytest.fixture(scope="session")
def pendigits() -> list[datasets.PenDigit]:
    need(datasets.SHARED_DATA / "pendigits" / "pendigits-orig.tra")
    return datasets.load_pendigits()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` pixels (its data is a stub): what a
    decompression bomb looks like before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))
