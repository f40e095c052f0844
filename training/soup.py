"""Average fine-tuned weights: ``python -m training.soup A.safetensors B.safetensors --out C``.

A uniform "model soup" (Wortsman et al., *Model soups: averaging weights of multiple fine-tuned
models improves accuracy without increasing inference time*, ICML 2022, eq. 1): every floating
tensor, BatchNorm statistics included, is the mean of the inputs'. It only makes sense for
weights fine-tuned from one another (one basin of the loss); the inputs' calibration is
dropped, and temperature and OOD threshold are fitted again on the held-back digits
(:func:`training.calibration.fit_calibration`), as after training.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from cam_core.model.weights import sha256_of
from training import train
from training.card import command_line


def average(paths: list[str | Path]) -> dict[str, torch.Tensor]:
    """The mean of each floating tensor over ``paths`` (float32 sums, stored as float16),
    integer tensors (BatchNorm's step counters) from the first file.

    Raises:
        ValueError: fewer than two files, or files whose tensor names or shapes differ.
    """
    if len(paths) < 2:
        raise ValueError("A soup needs at least two weights files.")
    states = [load_file(str(path)) for path in paths]
    for path, state in zip(paths[1:], states[1:], strict=True):
        if state.keys() != states[0].keys() or any(
                state[name].shape != states[0][name].shape for name in state):
            raise ValueError(f"{path} does not hold the same network as {paths[0]}.")
    return {name: (sum(state[name].float() for state in states) / len(states)).half()
            if tensor.is_floating_point() else tensor for name, tensor in states[0].items()}


def main(argv: list[str] | None = None) -> dict:
    """Average, recalibrate and write ``--out`` with a metrics JSON beside it: the training
    metrics of the last input (the newest run, whose recipe the card shows) with ``soup`` (the
    inputs and this command), the held-back accuracy, temperature, threshold and sha256."""
    parser = argparse.ArgumentParser(prog="python -m training.soup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", nargs="+", help="weights files (.safetensors) to average")
    parser.add_argument("--out", required=True, help="the averaged weights file to write")
    parser.add_argument("--data-root", default="./data", help="torchvision MNIST root")
    args = parser.parse_args(argv)
    save_file(average(args.weights), args.out, metadata={"weights": "soup", "ood_score": "energy"})
    # Calibrated as training calibrates, on the same held-back digits.
    recalibrated = train.recalibrate(train.parse_args(["--recalibrate", "--out", args.out,
                                                       "--data-root", args.data_root]))
    last = Path(args.weights[-1]).with_suffix(".metrics.json")
    metrics = json.loads(last.read_text()) if last.exists() else {}
    metrics |= {
        "soup": {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                 "command": command_line("training.soup", [*args.weights, "--out", args.out,
                                                            "--data-root", args.data_root]),
                 "of": [{"path": Path(p).name, "sha256": sha256_of(p)} for p in args.weights]},
        "weights_chosen": "soup",
        "held_back_accuracy": recalibrated["held_back_accuracy"],
        "temperature": recalibrated["temperature"],
        "ood_threshold": recalibrated["ood_threshold"], "sha256": sha256_of(args.out)}
    Path(args.out).with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
