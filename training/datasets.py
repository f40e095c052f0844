"""Readers for the digit sets used in training and evaluation (none are needed by the app).

Every reader returns plain numpy arrays. Paths default to ``../shared/data`` relative to the
project root (or ``$CAM_SHARED_DATA``) and Fashion-MNIST to Debian's folder (or
``$CAM_FASHION_DIR``); a missing set raises :class:`FileNotFoundError` naming the path.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Elsewhere (another machine, a copy of the data) through the environment.
SHARED_DATA = Path(os.environ.get("CAM_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
FASHION_DIR = Path(os.environ.get("CAM_FASHION_DIR",  # Debian's dataset-fashion-mnist
                                  "/usr/share/datasets/fashion-mnist"))
PENDIGITS_HELD_OUT_WRITERS = frozenset(range(26, 31))  # writers 26–30 are never trained on


def _require(path: Path, hint: str = "") -> Path:
    if not path.exists():
        raise FileNotFoundError(f"Data not found at {path}. {hint}".strip())
    return path


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (MNIST's format), plain or gzip, into a uint8 array."""
    path = _require(Path(path))
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(root: str | Path, train: bool, download: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST through ``torchvision.datasets.MNIST``: images (N, 28, 28) uint8, labels (N,) int64."""
    from torchvision.datasets import MNIST

    dataset = MNIST(str(root), train=train, download=download)
    return dataset.data.numpy(), dataset.targets.numpy().astype(np.int64)


def load_fashion(train: bool, root: str | Path = FASHION_DIR) -> np.ndarray:
    """Fashion-MNIST images (N, 28, 28) uint8 (Debian package ``dataset-fashion-mnist``)."""
    split = "train" if train else "t10k"
    return read_idx(_require(Path(root) / f"{split}-images-idx3-ubyte.gz",
                             "Install it with `apt-get install dataset-fashion-mnist`."))


def load_kannada(root: str | Path = SHARED_DATA / "kannada") -> np.ndarray:
    """Kannada-MNIST test images (10000, 28, 28) uint8: digits of another script."""
    return read_idx(Path(root) / "X_kannada_MNIST_test-idx3-ubyte.gz")


def load_usps(path: str | Path = SHARED_DATA / "usps" / "zip.train.gz"
              ) -> tuple[np.ndarray, np.ndarray]:
    """USPS train: images (N, 16, 16) uint8 with ink bright (255), labels (N,) int64."""
    with gzip.open(_require(Path(path)), "rt") as handle:
        rows = np.loadtxt(handle, dtype=np.float32)
    images = ((rows[:, 1:] + 1.0) * 127.5).round().clip(0, 255).astype(np.uint8)
    return images.reshape(-1, 16, 16), rows[:, 0].astype(np.int64)


@dataclass(frozen=True)
class PenDigit:
    """One pen-drawn digit: strokes of (x, y) tablet points (y up), its label and writer."""

    strokes: tuple[np.ndarray, ...]
    label: int
    writer: int


def load_pendigits(path: str | Path = SHARED_DATA / "pendigits" / "pendigits-orig.tra"
                   ) -> list[PenDigit]:
    """Parse the UNIPEN file of UCI pendigits into :class:`PenDigit` records."""
    text = _require(Path(path)).read_text()
    digits: list[PenDigit] = []
    for segment in text.split(".SEGMENT")[1:]:
        label = int(re.search(r'"(\d)"', segment).group(1))
        comment = re.search(r"\.COMMENT\s+(\d+)\s+(\d+)", segment)
        writer = int(comment.group(2)) if comment else 0
        strokes = []
        for block in re.findall(r"\.PEN_DOWN(.*?)\.PEN_UP", segment, flags=re.S):
            points = np.array([line.split() for line in block.strip().splitlines()
                               if line.strip()], dtype=np.float32)
            if len(points):
                strokes.append(points)
        digits.append(PenDigit(tuple(strokes), label, writer))
    return digits


def load_photos(root: str | Path = SHARED_DATA / "photos") -> list[tuple[Path, int]]:
    """Every photo in ``photos/*/labels.csv`` as (path, label)."""
    found = []
    for labels in sorted(_require(Path(root)).glob("*/labels.csv")):
        with open(labels) as handle:
            for row in csv.DictReader(handle):
                found.append((labels.parent / row["path"], int(row["label"])))
    return found
