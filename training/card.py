"""Writes ``weights/MODEL_CARD.md`` from the training metrics and the evaluation table."""

from __future__ import annotations

import json
from pathlib import Path

from cam_core.model.weights import DEFAULT_WEIGHTS, TRAIN_COMMAND

CARD = DEFAULT_WEIGHTS.parent / "MODEL_CARD.md"
# Written by hand; kept while the card describes the same weights (see write_card).
NOTES_HEADING = "## Notes on this run"


def command_line(module: str, argv: list[str]) -> str:
    """The command as recorded in the weights' JSON and the model card: ``python -m module``
    and its arguments, an absolute path cut to its file name (the record names files, never
    a machine's folders)."""
    return " ".join(["python -m", module,
                     *(Path(a).name if Path(a).is_absolute() else a for a in argv)])


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def write_card(weights: Path = DEFAULT_WEIGHTS, out: Path | None = None) -> str:
    """Render the model card from ``<weights>.metrics.json`` and ``<weights>.evaluation.json``
    (either may be missing) and write it to ``out`` (default: ``MODEL_CARD.md`` beside the
    weights); returns the text.

    A section headed ``## Notes on this run`` in the existing card is written by hand; it is
    carried over when the existing card names the same weights sha256 (a re-evaluation), and
    dropped when the weights changed (the notes described another run)."""
    out = out or weights.parent / CARD.name
    train = _read(weights.with_suffix(".metrics.json"))
    evaluation = _read(weights.with_suffix(".evaluation.json"))
    lines = [
        "# Model card: digit ResNet34 for class activation maps", "",
        "torchvision's ResNet34 adapted to 28×28 digits (1 input channel, 3×3 stride-1 stem, no "
        "max-pool, stride 1 in layer4: a 7×7×512 layer4 feature map, 7×7 class activation "
        "maps). Weights: float16 safetensors, widened to float32 when loaded.", "",
        "## Training", "",
        f"- Command: `{train.get('command', TRAIN_COMMAND)}`",
        "- Data: MNIST train minus its last 5,000 images (held back for temperature scaling "
        "and the out-of-distribution threshold), augmented (rotation, shear, aspect, stroke "
        "thickness, hard edges) and re-normalised by the app's own preprocessing; pendigits "
        f"writers 1–25 replayed with the app's brush ({100 * train.get('pen_share', 0.15):.0f}% "
        "of digit batches); outlier exposure "
        "(uniform target) on Fashion-MNIST train, generated scribbles and letters. Pendigits "
        "writers 26–30, MNIST test, USPS, the photos, Kannada-MNIST and Fashion-MNIST test are "
        "never trained on.",
        *([f"- {100 * style:.0f}% of the pen replays of 1, 2, 4, 7 and 9 restyled as writers "
           "elsewhere write them (`training.styles`: flags, bases, loops, crossbars, tails)"]
          if (style := train.get("style_share")) else []),
        *([f"- {100 * bend:.0f}% of the pen replays bent by a smooth random displacement of "
           "their points (`augment.bend_strokes`: an elastic distortion of the trajectory)"]
          if (bend := train.get("pen_bend_share")) else []),
        *([f"- {100 * share:.0f}% of the outliers are marks students leave (`training.marks`: "
           "dots, dashes, ticks, blobs, faces, hearts, stars, shapes, crossed-out digits)"]
          if (share := train.get("marks_share")) else []),
        *([f"- {100 * low:.0f}% of the warped MNIST digits also seen at a low resolution "
           "(12–20 px across, enlarged again: coarse scans, small photos)"]
          if (low := train.get("low_res_share")) else []),
        *([f"- {100 * scan:.0f}% of the warped MNIST digits made small scans that fill their "
           "box (14–20 px tall, soft strokes, grey paper; `augment.small_scan`) and read by the "
           "app's upload path"]
          if (scan := train.get("scan_share")) else []),
        *([f"- {100 * clean:.0f}% of the MNIST digits of each batch given as they are (no "
           "warp, no re-fit: MNIST is already normalised the app's way)"]
          if (clean := train.get("clean_share")) else []),
        f"- Steps: {train.get('steps', '—')} ({train.get('epochs', '—')} epochs of MNIST), "
        f"{train.get('seconds', 0) / 60:.0f} min on {train.get('device', '—')}, "
        f"torch {train.get('torch', '—')}, date {train.get('date', '—')}",
        # The path usually names the file this run then replaced; the sha256 names the start.
        *([f"- Initialised from the weights then at `{init['path']}` (sha256 "
           f"`{init['sha256'][:12]}…`): this run fine-tunes earlier weights with a fresh "
           "learning-rate schedule"]
          if (init := train.get("initialised_from")) else []),
        *([f"- Weights kept: {train.get('weights_chosen', '—')} (held-back accuracy raw "
           f"{_pct(train.get('held_back_accuracy_raw'))}, "
           f"EMA {_pct(train.get('held_back_accuracy_ema'))})"] if "soup" not in train else [
            "- Then averaged tensor by tensor (a uniform model soup, Wortsman et al., ICML "
            "2022; the files below, this run's last): "
            + ", ".join(f"`{w['path']}` (sha256 `{w['sha256'][:12]}…`)"
                        for w in train["soup"]["of"])
            + f", by `{train['soup']['command']}`, {train['soup']['date']}; held-back "
            f"accuracy {_pct(train.get('held_back_accuracy'))}"]),
        f"- Temperature: {train.get('temperature', 1.0):.4f}; OOD threshold (energy score): "
        f"{train.get('ood_threshold', float('nan')):.4f} (keeps 99% of the held-back digits "
        "in each form the app meets them, whichever is loosest: uploaded, as small scans that "
        "fill their box, and drawn: pen replays of writers 1–25)"
        + (f", refitted by `python -m training.train --recalibrate` {train['recalibrated']}"
           if "recalibrated" in train else ""),
        f"- sha256: `{train.get('sha256', '—')}`", "",
    ]
    if evaluation:
        lines += ["## Evaluation", "", f"Command: `{evaluation.get('command', '')}`", "",
                  "| set | images | top-1 accuracy | flagged 'not a digit' |",
                  "| --- | ---: | ---: | ---: |"]
        for row in evaluation.get("accuracy", []):
            lines.append(f"| {row['set']} | {row['n']} | {_pct(row['accuracy'])} | "
                         f"{_pct(row.get('flagged'))} |")
        lines += ["", "| out-of-distribution set | images | AUROC vs MNIST test | flagged |",
                  "| --- | ---: | ---: | ---: |"]
        for row in evaluation.get("ood", []):
            lines.append(f"| {row['set']} | {row['n']} | {row['auroc']:.4f} | "
                         f"{_pct(row['flagged'])} |")
        if evaluation.get("styles"):
            lines += ["", "| regional style (held-back writers 26–30) | images | top-1 | "
                      "flagged |", "| --- | ---: | ---: | ---: |"]
            lines += [f"| {r['style']} | {r['n']} | {_pct(r['accuracy'])} | "
                      f"{_pct(r['flagged'])} |" for r in evaluation["styles"]]
        if evaluation.get("marks"):
            lines += ["", "| not a digit (what students leave) | images | refused as too "
                      "small | flagged | given a confident digit |",
                      "| --- | ---: | ---: | ---: | ---: |"]
            lines += [f"| {r['set']} | {r['n']} | {_pct(r['refused'])} | {_pct(r['flagged'])} "
                      f"| {_pct(r['confident'])} |" for r in evaluation["marks"]]
        calib = evaluation.get("calibration", {})
        if calib:
            lines += ["", f"Calibration on MNIST test (ECE, 15 bins): before "
                      f"{_pct(calib.get('ece_before'))}, after temperature scaling "
                      f"{_pct(calib.get('ece_after'))} (T = {calib.get('temperature', 1):.4f}).",
                      ""]
        matrix = evaluation.get("confusion_mnist_test")
        if matrix:
            lines += ["MNIST test confusion matrix (rows true, columns predicted):", "",
                      "| | " + " | ".join(str(i) for i in range(10)) + " |",
                      "|---" * 11 + "|"]
            lines += [f"| **{i}** | " + " | ".join(str(v) for v in row) + " |"
                      for i, row in enumerate(matrix)]
        photos = evaluation.get("photos", [])
        if photos:
            lines += ["", "Photos: " + ", ".join(
                f"{p['path']} → {p['digit']}{'' if p['digit'] == p['label'] else ' ✗'}"
                for p in photos)]
    else:
        lines += ["## Evaluation", "", "Not evaluated yet: run `python -m training.evaluate`."]
    text = "\n".join(lines) + "\n"
    notes = _notes_for(out, train.get("sha256"))
    if notes:
        text += "\n" + notes
    out.write_text(text)
    return text


def _notes_for(card: Path, sha256: str | None) -> str:
    """The hand-written notes section of ``card`` if that card names ``sha256``, else ``""``."""
    if not sha256 or not card.exists():
        return ""
    old = card.read_text()
    start = old.find(NOTES_HEADING)
    if start < 0 or f"sha256: `{sha256}`" not in old[:start]:
        return ""
    return old[start:].rstrip() + "\n"


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}
