"""Shared fixtures. Tests that need a whole data set read it from ../shared/data and skip with
a clear reason when it is missing; tests that need the trained weights use weights/ (or the file
named by DIGIT_CAM_WEIGHTS)."""

from __future__ import annotations

import importlib.util
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from cam_core.explain.engine import Explainer, load_explainer
from cam_core.model.network import build_model
from cam_core.model.weights import DEFAULT_WEIGHTS
from training import datasets

ROOT = Path(__file__).resolve().parent.parent
MNIST_ROOT = datasets.SHARED_DATA / "mnist"
ARTIFACTS = ROOT / "tests" / "artifacts"
# The docs' screenshots are taken by browser tests; they go into docs/ only when asked
# (DOCS_SCREENSHOTS=1), so that running the tests leaves the working tree as it was.
SCREENSHOTS = ROOT / "docs" if os.environ.get("DOCS_SCREENSHOTS") else ARTIFACTS
HAS_MCP = importlib.util.find_spec("mcp") is not None  # gradio's mcp extra, for app.py --mcp


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


@pytest.fixture(scope="session")
def server():
    """The real app (``python app.py``, with ``--mcp`` when it can) on a free loopback port;
    yields its URL, stops it at the end of the session."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DIGIT_CAM_WEIGHTS": str(weights_path())}
    command = [sys.executable, str(ROOT / "app.py"), "--port", str(port)]
    process = subprocess.Popen(command + (["--mcp"] if HAS_MCP else []), cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)  # polling until the server answers, not a timing assumption
    else:
        process.kill()
        pytest.fail("app.py did not answer within 180 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
