"""MNIST test digits through the upload path: ``python benchmarks/upload_mnist.py [--n 10000]``.

Each digit is encoded as a PNG, as a person would upload the file, and read back by
:func:`cam_core.inputs.prepare.prepare`; the explainer reads it as the app does. Prints how many
went to the network unchanged (already MNIST-format: :func:`cam_core.inputs.prepare.mnist_like`)
and the top-1 accuracy. docs/measurements.md's figure comes from this script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from cam_core.explain.engine import load_explainer
from cam_core.inputs.fit import to_tensor
from cam_core.inputs.prepare import prepare
from training import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="MNIST test digits")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    explainer = load_explainer(args.weights, "cpu")
    images, labels = datasets.load_mnist(datasets.SHARED_DATA / "mnist", train=False)
    images, labels = images[: args.n], labels[: args.n]
    started = time.perf_counter()
    prepared = [prepare(cv2.imencode(".png", image)[1].tobytes()) for image in images]
    unchanged = sum(bool(np.allclose(p.tensor, to_tensor(image / 255.0), atol=1e-6))
                    for p, image in zip(prepared, images, strict=True))
    right = 0
    for start in range(0, len(prepared), 250):
        results = explainer.explain_batch(prepared[start:start + 250])
        right += sum(r.digit == label
                     for r, label in zip(results, labels[start:start + 250], strict=True))
    print(f"{len(images)} MNIST test digits uploaded as PNG: {unchanged} went to the network "
          f"unchanged; top-1 {right}/{len(images)} = {100 * right / len(images):.2f}% "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
