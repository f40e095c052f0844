"""Evaluate the weights: ``python -m training.evaluate --data-root ../shared/data/mnist``.

Top-1 accuracy and confusion matrix on MNIST test (as distributed, and through the app's
preprocessing); pendigits from the held-back writers 26–30, replayed onto the app's canvas with
the app's brush (:func:`cam_core.inputs.strokes.pen_ink`, the pixels the drawing pad's strokes
render
to on the server) through :func:`cam_core.inputs.prepare.prepare_ink`; USPS train; every photo;
the regional styles (:mod:`training.styles`) and the marks students leave (:mod:`training.marks`)
on held-back writers and seeds. Out-of-distribution: AUROC of the energy score against MNIST
test, and the share flagged, for Fashion-MNIST test, Kannada-MNIST test and generated
scribbles. Calibration: ECE before and after temperature scaling. Writes
``<weights>.evaluation.json`` and the model card.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from cam_core.inputs.fit import to_tensor
from cam_core.inputs.prepare import prepare, prepare_ink
from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE, render_strokes
from cam_core.model import calibrate
from cam_core.model.logits import logits_of
from cam_core.model.network import DigitResNet
from cam_core.model.weights import DEFAULT_WEIGHTS, load_model
from training import card, datasets, marks, styles
from training.scribbles import pen_ink, place_pen_strokes, random_scribble

SCRIBBLE_SEED = 20261129  # evaluation scribbles; training draws from (seed, step) streams
MARKS_SEED = 20261203  # evaluation marks and styles (training's come from (seed, step) streams)
TINY_SPAN = (0.02, 0.09)  # "tiny marks" as the issue measured them: 2–9% of the pad


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default="./data", help="torchvision MNIST root")
    parser.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    parser.add_argument("--ood-n", type=int, default=2000,
                        help="images per out-of-distribution set (default 2000)")
    parser.add_argument("--limit", type=int, default=0,
                        help="at most N images per digit set (0 = all; for smoke runs)")
    parser.add_argument("--no-card", action="store_true", help="do not rewrite MODEL_CARD.md")
    return parser.parse_args(argv)


def _counted(tensors: Iterable[np.ndarray], count: int, desc: str) -> Iterable[np.ndarray]:
    """``tensors`` with a progress bar on stderr (``count`` of them, named ``desc``)."""
    return tqdm(tensors, total=count, desc=desc, mininterval=5, file=sys.stderr)


def _accuracy_row(name: str, logits: np.ndarray, labels: np.ndarray, temperature: float,
                  threshold: float) -> dict:
    energy = calibrate.energy_score(logits / temperature)
    return {"set": name, "n": len(labels),
            "accuracy": float((logits.argmax(1) == labels).mean()),
            "flagged": float((energy > threshold).mean())}


def _judge(model: DigitResNet, inks: list[np.ndarray], desc: str, temperature: float,
           threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pad inks through the app's path → (top-1 digits, refused as too small, flagged)."""
    prepared = [prepare_ink(ink) for ink in inks]
    logits = logits_of(model, _counted((p.tensor for p in prepared), len(prepared), desc))
    refused = np.array([p.blank for p in prepared], bool)
    flagged = calibrate.energy_score(logits / temperature) > threshold
    return logits.argmax(1), refused, flagged


def evaluate_styles(model: DigitResNet, held: list[datasets.PenDigit], temperature: float,
                    threshold: float) -> list[dict]:
    """Top-1 on regional styles (:mod:`training.styles`) of the held-back writers' digits:
    every style of every held-back 1, 2, 4, 7 and 9, drawn with the app's brush; and 200 1s
    drawn as one straight stroke (:func:`straight_ones`), which must not be taken for a dash."""
    rng = np.random.default_rng(MARKS_SEED)
    rows = []
    for label, named in styles.STYLES.items():
        digits = [d for d in held if d.label == label]
        for name, edit in named.items():
            inks = [render_strokes(edit(rng, place_pen_strokes(d.strokes))) for d in digits]
            top1, refused, flagged = _judge(model, inks, name, temperature, threshold)
            rows.append(_style_row(name, label, top1, refused, flagged))
    inks = [render_strokes([stroke], brush=brush) for stroke, brush in straight_ones(rng, 200)]
    rows.append(_style_row("1 as one straight stroke", 1, *_judge(model, inks, "straight 1s",
                                                                   temperature, threshold)))
    return rows


def _style_row(name: str, label: int, top1: np.ndarray, refused: np.ndarray,
               flagged: np.ndarray) -> dict:
    return {"style": name, "n": len(top1), "accuracy": float(((top1 == label) & ~refused).mean()),
            "flagged": float(flagged[~refused].mean()) if (~refused).any() else 0.0}


def straight_ones(rng: np.random.Generator, n: int) -> list[tuple[np.ndarray, float]]:
    """``n`` 1s drawn as one straight stroke, the way most people write 1: 25–80% of the pad
    tall, leaning −15° to +25°, a little hand wobble, at ½× to 1¼× the app's brush (never
    under three stroke widths long: the too-small rule refuses those before the network).
    Returns ``(points (8, 2) canvas pixels, brush diameter px)`` pairs."""
    ones = []
    for _ in range(n):
        height = rng.uniform(0.25, 0.8) * CANVAS_SIZE
        lean = np.deg2rad(rng.uniform(-15, 25))
        half = np.array([np.sin(lean), np.cos(lean)]) * height / 2
        centre = rng.uniform(0.35, 0.65, 2) * CANVAS_SIZE
        points = np.linspace(centre - half, centre + half, 8) + rng.normal(0, 1.5, (8, 2))
        ones.append((points, BRUSH_WIDTH * rng.uniform(0.5, 1.25)))
    return ones


def evaluate_marks(model: DigitResNet, held: list[datasets.PenDigit], n: int,
                   temperature: float, threshold: float) -> list[dict]:
    """What students leave that is not a digit (:mod:`training.marks`): tiny marks (2–9% of
    the pad, the app's brush), drawings (faces, shapes) and crossed-out held-back digits.

    For each kind: the share refused as too small, the share flagged "not a digit" and the
    share given a *confident digit* (neither) — the failure a student sees.
    """
    rng = np.random.default_rng(MARKS_SEED)
    per_kind = max(1, n // 10)
    sets: dict[str, list[np.ndarray]] = {}
    for kind in marks.TINY_KINDS:
        sets[f"tiny: {kind}"] = [render_strokes(marks.tiny_mark(rng, kind, TINY_SPAN))
                                 for _ in range(per_kind)]
    for kind, draw in marks.DRAWINGS.items():
        sets[f"drawing: {kind}"] = [marks.render_mark(rng, draw(rng)) for _ in range(per_kind)]
    sets["crossed-out digit"] = [
        marks.render_mark(rng, marks.crossed_out(rng, held[rng.integers(len(held))].strokes))
        for _ in range(per_kind)]
    rows = []
    for name, inks in sets.items():
        _, refused, flagged = _judge(model, inks, name, temperature, threshold)
        rows.append({"set": name, "n": len(inks), "refused": float(refused.mean()),
                     "flagged": float((flagged & ~refused).mean()),
                     "confident": float((~flagged & ~refused).mean())})
    return rows


def evaluate(args: argparse.Namespace) -> dict:
    """Run every evaluation that has its data; returns the evaluation dict (also written)."""
    model = load_model(args.weights, "cpu" if not torch.cuda.is_available() else None)
    temperature = float(model.metadata.get("temperature", 1.0))
    threshold = float(model.metadata.get("ood_threshold", "inf"))
    limit = args.limit or None
    result: dict = {"command": card.command_line("training.evaluate", sys.argv[1:]),
                    "weights": Path(args.weights).name, "accuracy": [], "ood": []}

    images, labels = datasets.load_mnist(args.data_root, train=False)
    images, labels = images[:limit], labels[:limit]
    mnist = logits_of(model, _counted((to_tensor(i / 255.0) for i in images), len(images),
                                       "MNIST test"))
    result["accuracy"].append(_accuracy_row("MNIST test", mnist, labels, temperature, threshold))
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (labels, mnist.argmax(1)), 1)
    result["confusion_mnist_test"] = confusion.tolist()
    before = calibrate.expected_calibration_error(calibrate.softmax(mnist), labels)
    after = calibrate.expected_calibration_error(calibrate.softmax(mnist, temperature), labels)
    result["calibration"] = {"ece_before": before, "ece_after": after,
                             "temperature": temperature}
    mnist_energy = calibrate.energy_score(mnist / temperature)

    subset = min(len(images), 2000)
    through = logits_of(model, _counted((prepare(i).tensor for i in images[:subset]), subset,
                                         "MNIST test via prepare()"))
    result["accuracy"].append(_accuracy_row(f"MNIST test first {subset}, through prepare()",
                                            through, labels[:subset], temperature, threshold))

    try:
        pen = [d for d in datasets.load_pendigits()
               if d.writer in datasets.PENDIGITS_HELD_OUT_WRITERS][:limit]
        tensors = (prepare_ink(pen_ink(d.strokes)).tensor for d in pen)
        logits = logits_of(model, _counted(tensors, len(pen), "pendigits"))
        result["accuracy"].append(_accuracy_row(
            "pendigits replay, held-back writers 26–30", logits,
            np.array([d.label for d in pen]), temperature, threshold))
    except FileNotFoundError as error:
        print(f"skipped pendigits: {error}", file=sys.stderr)
    try:
        usps, usps_labels = datasets.load_usps()
        usps, usps_labels = usps[:limit], usps_labels[:limit]
        logits = logits_of(model, _counted((prepare(i).tensor for i in usps), len(usps), "USPS"))
        result["accuracy"].append(_accuracy_row("USPS train", logits, usps_labels, temperature,
                                                threshold))
    except FileNotFoundError as error:
        print(f"skipped USPS: {error}", file=sys.stderr)
    try:
        photos = datasets.load_photos()
        logits = logits_of(model, _counted((prepare(p).tensor for p, _ in photos), len(photos),
                                            "photos"))
        photo_labels = np.array([label for _, label in photos])
        result["accuracy"].append(_accuracy_row("photos (set_a + set_d)", logits, photo_labels,
                                                temperature, threshold))
        result["photos"] = [{"path": f"{p.parent.name}/{p.name}", "label": int(label),
                             "digit": int(d)}
                            for (p, label), d in zip(photos, logits.argmax(1), strict=True)]
    except FileNotFoundError as error:
        print(f"skipped photos: {error}", file=sys.stderr)

    rng = np.random.default_rng(SCRIBBLE_SEED)
    outliers = {"generated scribbles": lambda n: [random_scribble(rng) for _ in range(n)],
                "Fashion-MNIST test": lambda n: list(datasets.load_fashion(train=False)[:n]),
                "Kannada-MNIST test": lambda n: list(datasets.load_kannada()[:n])}
    for name, make in outliers.items():
        try:
            items = make(args.ood_n)
        except FileNotFoundError as error:
            print(f"skipped {name}: {error}", file=sys.stderr)
            continue
        # Scribbles are pad ink (float); the image sets are pictures read as uploads.
        tensors = (prepare_ink(i).tensor if i.dtype == np.float32 else prepare(i).tensor
                   for i in items)
        logits = logits_of(model, _counted(tensors, len(items), name))
        energy = calibrate.energy_score(logits / temperature)
        result["ood"].append({"set": name, "n": len(items),
                              "auroc": calibrate.auroc(mnist_energy, energy),
                              "flagged": float((energy > threshold).mean())})

    try:
        held = [d for d in datasets.load_pendigits()
                if d.writer in datasets.PENDIGITS_HELD_OUT_WRITERS]
        result["styles"] = evaluate_styles(model, held, temperature, threshold)
        result["marks"] = evaluate_marks(model, held, args.ood_n, temperature, threshold)
    except FileNotFoundError as error:
        print(f"skipped styles and marks: {error}", file=sys.stderr)

    out = Path(args.weights).with_suffix(".evaluation.json")
    out.write_text(json.dumps(result, indent=2))
    if not args.no_card:
        card.write_card(Path(args.weights))
    return result


def main(argv: list[str] | None = None) -> None:
    result = evaluate(parse_args(argv))
    for row in result["accuracy"]:
        print(f"{row['set']:<50} n={row['n']:>6}  top-1 {100 * row['accuracy']:6.2f}%  "
              f"flagged {100 * row['flagged']:5.2f}%")
    for row in result["ood"]:
        print(f"{row['set']:<50} n={row['n']:>6}  AUROC {row['auroc']:.4f}  "
              f"flagged {100 * row['flagged']:5.2f}%")
    for row in result.get("styles", []):
        print(f"{row['style']:<50} n={row['n']:>6}  top-1 {100 * row['accuracy']:6.2f}%  "
              f"flagged {100 * row['flagged']:5.2f}%")
    for row in result.get("marks", []):
        print(f"{row['set']:<50} n={row['n']:>6}  refused {100 * row['refused']:5.1f}%  "
              f"flagged {100 * row['flagged']:5.1f}%  "
              f"confident digit {100 * row['confident']:5.1f}%")
    calib = result["calibration"]
    print(f"ECE on MNIST test: {100 * calib['ece_before']:.2f}% before, "
          f"{100 * calib['ece_after']:.2f}% after T={calib['temperature']:.3f}")


if __name__ == "__main__":
    main()
