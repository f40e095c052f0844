"""Calibration of the trained network: temperature scaling (Guo et al., ICML 2017) and the
"not a digit" energy threshold (Liu et al., NeurIPS 2020), fitted on MNIST train's last
5,000 images (never trained on), and ``--recalibrate``, which refits only these two numbers of
existing weights.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from cam_core.inputs.fit import MODEL_SIZE, to_tensor
from cam_core.model import calibrate
from cam_core.model.logits import logits_of as batched_logits
from cam_core.model.network import DigitResNet
from cam_core.model.weights import load_model, resolve_device, sha256_of
from training import augment, datasets

HELD_BACK = 5000  # last MNIST train images: calibration and OOD threshold, never trained on
KEEP_DIGITS = 0.99  # the OOD threshold keeps this share of held-back real digits
SCAN_SEED = 20261204  # the held-back digits' small scans for the threshold (fixed: refits replay)


def stack_inputs(images: list[np.ndarray]) -> torch.Tensor:
    """28×28 images in [0, 1] → (B, 1, 28, 28) model inputs, normalised as the app does."""
    return torch.from_numpy(np.stack([to_tensor(image) for image in images]))


def logits_of(model: DigitResNet, images: np.ndarray, device: torch.device) -> np.ndarray:
    """Logits (N, 10) float32 for images (N, 28, 28) float32 in [0, 1], white on black."""
    model.eval()
    return batched_logits(model, stack_inputs(list(images)).numpy(), 250)


def _pen_calibration_tensors(limit: int = 0) -> np.ndarray:
    """Pendigits writers 1–25 replayed on the app's canvas through the app's path, (N, 1, 28, 28).

    Real drawn digits for the OOD threshold; writers 26–30 stay held back for evaluation.
    """
    from cam_core.inputs.prepare import prepare_ink
    from training.scribbles import pen_ink

    try:
        pen = [d for d in datasets.load_pendigits()
               if d.writer not in datasets.PENDIGITS_HELD_OUT_WRITERS]
    except FileNotFoundError:
        return np.zeros((0, 1, MODEL_SIZE, MODEL_SIZE), np.float32)
    picked = pen[:: max(1, len(pen) // 1000)][: limit or None]
    return np.stack([prepare_ink(pen_ink(d.strokes)).tensor for d in picked])


def _scan_calibration_tensors(images: np.ndarray) -> np.ndarray:
    """Held-back MNIST pictures (N, 28, 28) uint8 as small size-normalised scans read by the
    app's upload path (:func:`training.augment.small_scan`, seeded): (N, 1, 28, 28) float32."""
    rng = np.random.default_rng(SCAN_SEED)
    return np.stack([to_tensor(augment.small_scan(rng, image.astype(np.float32) / 255.0))
                     for image in images])


def fit_calibration(model: DigitResNet, device: torch.device, logits: np.ndarray,
                    labels: np.ndarray, images: np.ndarray, limit: int = 0
                    ) -> tuple[float, float]:
    """Temperature (Guo et al., ICML 2017) from the held-back MNIST logits (N, 10); the energy
    threshold (Liu et al., NeurIPS 2020) that keeps ``KEEP_DIGITS`` of the held-back digits in
    each form the app meets them, whichever is loosest: ``images`` (N, 28, 28) uint8 uploaded
    (:func:`~cam_core.inputs.prepare.prepare`), the same digits as small scans that fill their box
    (:func:`_scan_calibration_tensors`) and replayed pen digits through the pad's path.

    The app's path re-fits every digit, which raises the energy of some: a threshold fitted on
    the digits as MNIST stores them flagged ~2% of real digits drawn or uploaded, not 1%; one
    fitted without the small scans flagged 2.9% of USPS's real scanned digits."""
    from cam_core.inputs.prepare import prepare

    temperature = calibrate.fit_temperature(logits, labels)
    forms = [np.stack([prepare(image).tensor for image in images]),
             _scan_calibration_tensors(images), _pen_calibration_tensors(limit)]
    threshold = max(calibrate.threshold_keeping(calibrate.energy_score(
        batched_logits(model.eval(), inputs, 250) / temperature), KEEP_DIGITS)
        for inputs in forms if len(inputs))
    return temperature, threshold


def recalibrate(args: argparse.Namespace) -> dict:
    """Refit temperature and OOD threshold of existing weights; rewrite only the metadata.
    Returns the metrics written beside the weights, with the held-back accuracy."""
    from safetensors.torch import load_file as read_tensors

    device = resolve_device(args.device)
    model = load_model(args.out, device)
    images, labels = datasets.load_mnist(args.data_root, train=True, download=args.download)
    logits = logits_of(model, images[-HELD_BACK:].astype(np.float32) / 255.0, device)
    temperature, threshold = fit_calibration(model, device, logits, labels[-HELD_BACK:],
                                             images[-HELD_BACK:])
    tensors = read_tensors(args.out)  # float16 as stored: the weights do not change
    metadata = {**model.metadata, "temperature": f"{temperature:.6f}",
                "ood_threshold": f"{threshold:.6f}"}
    save_file(tensors, args.out, metadata=metadata)
    metrics_path = Path(args.out).with_suffix(".metrics.json")
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    metrics |= {"temperature": temperature, "ood_threshold": threshold,
                "held_back_accuracy": float((logits.argmax(1) == labels[-HELD_BACK:]).mean()),
                "sha256": sha256_of(args.out),
                "recalibrated": datetime.now(UTC).isoformat(timespec="seconds")}
    metrics_path.write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))
    return metrics
