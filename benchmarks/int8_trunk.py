"""What an int8 trunk would buy: ``python benchmarks/int8_trunk.py [--agree 2000]``.

A measurement for a decision, not a code path of the app. The engine serves the network in
float32 (``cam_core.model.weights.load_model``); on 2 CPU cores its forward pass alone is slower
than
the engine's targets (``explain`` p50 ≤ 40 ms, ≤ 15 ms per image at batch 16) allow. This
quantises a copy of the committed network with PyTorch's own
post-training static quantisation (``torch.ao.quantization``, FX mode, the ``x86`` engine,
calibrated on 256 MNIST *train* digits) and prints, as JSON: forward p50 at batch 1 and per
image at batch 16 for float32 and int8, and how often the two agree on the top-1 digit of the
first ``--agree`` MNIST *test* digits, with each one's accuracy there. Needs
``../shared/data/mnist``. Run it with nothing else on the machine.

PyTorch 2.14 warns that ``torch.ao.quantization`` is deprecated (its successor is the separate
``torchao`` package) and that its quantised tensor types will be removed (pytorch/pytorch#184982):
a reason to weigh before building the app on this path. Int8 modules have no autograd, so
Grad-CAM and its family would still need the float32 network.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engine import times  # the engine benchmark's timing loop
from cam_core.inputs.fit import to_tensor
from cam_core.model.weights import load_model
from training import datasets


def _inputs(images: np.ndarray) -> torch.Tensor:
    """MNIST digits (N, 28, 28) uint8 → normalised model input (N, 1, 28, 28) float32."""
    return torch.from_numpy(np.stack([to_tensor(image / 255.0) for image in images]))


def _p50_ms(model: torch.nn.Module, batch: torch.Tensor, repeats: int) -> float:
    with torch.inference_mode():
        return statistics.median(times(lambda: model(batch), repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agree", type=int, default=2000, help="MNIST test digits to compare")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    # torch.ao's deprecation notices are known (see the module docstring): keep the output JSON.
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    root = datasets.SHARED_DATA / "mnist"
    train_images, _ = datasets.load_mnist(root, train=True)
    test_images, test_labels = datasets.load_mnist(root, train=False)
    float_model = load_model(device="cpu")
    quantisable = copy.deepcopy(float_model)  # prepare_fx rewrites modules of what it gets
    torch.backends.quantized.engine = "x86"
    observed = prepare_fx(quantisable, get_default_qconfig_mapping("x86"),
                          (torch.zeros(1, 1, 28, 28),))
    with torch.inference_mode():
        observed(_inputs(train_images[:256]))  # calibration: activation ranges
    int8_model = convert_fx(observed)

    one, sixteen = _inputs(test_images[:1]), _inputs(test_images[:16])
    figures: dict[str, object] = {"threads": torch.get_num_threads()}
    for name, model in (("float32", float_model), ("int8", int8_model)):
        figures[f"{name}_forward_b1_p50_ms"] = round(_p50_ms(model, one, args.repeats), 1)
        figures[f"{name}_forward_b16_per_image_p50_ms"] = round(
            _p50_ms(model, sixteen, max(args.repeats // 4, 5)) / 16, 1)

    inputs, labels = _inputs(test_images[:args.agree]), test_labels[:args.agree]
    with torch.inference_mode():
        digits = {name: torch.cat([model(chunk)[0].argmax(1) for chunk in inputs.split(200)])
                  .numpy() for name, model in (("float32", float_model), ("int8", int8_model))}
    figures["digits_compared"] = len(labels)
    figures["top1_agreement"] = round(float((digits["float32"] == digits["int8"]).mean()), 4)
    for name, predicted in digits.items():
        figures[f"{name}_accuracy"] = round(float((predicted == labels).mean()), 4)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
