"""Command line: ``python -m cam_core predict IMAGE... [--json] [--target N] [--method M]
[--layer L] [--colormap C] [--opacity A] [--overlay-dir DIR]`` (the controls of the app's page
and of its ``/explain`` API). Training and evaluation are ``python -m training.train`` and
``python -m training.evaluate``.

``predict --json`` prints one JSON object per image, one a line::

    {"path", "digit", "probabilities", "target", "method", "message", "ood_score", "not_a_digit"}

An unreadable file gives ``{"path", "error"}`` and the other files are still processed; the exit
status is 1 when any file failed, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image

from cam_core.errors import InputError
from cam_core.explain.methods import METHODS
from cam_core.explain.render import COLORMAPS
from cam_core.model.network import FEATURE_LAYERS
from cam_core.model.weights import WeightsError


def _opacity(text: str) -> float:
    """``--opacity``: a number from 0 to 1 (argparse reports anything else in one line)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1")
    return value


def _predict_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cam_core predict",
                                     description="Classify digit images and explain them.")
    parser.add_argument("images", nargs="+", help="image files (PNG, JPEG, GIF, …)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--target", type=int, choices=range(10), metavar="N",
                        help="class 0–9 to explain (default: the prediction)")
    parser.add_argument("--method", default="cam", choices=sorted(METHODS))
    parser.add_argument("--layer", default="layer4", choices=FEATURE_LAYERS[1:])
    parser.add_argument("--colormap", default="viridis", choices=list(COLORMAPS),
                        help="the overlays' colour map (coolwarm: signed)")
    parser.add_argument("--opacity", type=_opacity, default=0.5, metavar="A",
                        help="the overlays' heatmap opacity, 0–1 (default 0.5)")
    parser.add_argument("--overlay-dir", type=Path,
                        help="write <stem>_cam.png overlays here (none for a blank input)")
    parser.add_argument("--weights", help="safetensors file (default: weights/)")
    parser.add_argument("--device", default=None, help="cpu, cuda or auto (default)")
    return parser


def _overlay_name(image_path: str, taken: set[str]) -> str:
    """``<stem>_cam.png``, or ``<stem>_cam_2.png``, … when this run already wrote that name for
    a file of another folder (``a/7.png`` and ``b/7.png``); adds the name to ``taken``."""
    stem = Path(image_path).stem
    name, number = f"{stem}_cam.png", 1
    while name in taken:
        number += 1
        name = f"{stem}_cam_{number}.png"
    taken.add(name)
    return name


def _print_error(path: str, error: str, as_json: bool) -> None:
    """One line for a file that could not be explained: JSON ``{"path", "error"}`` or text."""
    print(json.dumps({"path": path, "error": error}) if as_json else f"{path}: error: {error}",
          flush=True)


def predict(argv: list[str]) -> int:
    """Run ``predict``; returns the exit status (0 all read, 1 any file failed, 2 bad usage)."""
    args = _predict_parser().parse_args(argv)
    from cam_core.explain.engine import load_explainer  # imported here so --help stays fast

    try:
        explainer = load_explainer(args.weights, args.device)
        explainer.explain(None, method=args.method, layer=args.layer)  # validate the pair
    except (WeightsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.overlay_dir:
        try:
            args.overlay_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            print(f"error: cannot use {args.overlay_dir} for overlays: {error}", file=sys.stderr)
            return 2
    failed, written = False, set()
    for path in args.images:
        try:
            result = explainer.explain(path, target=args.target, method=args.method,
                                       layer=args.layer, colormap=args.colormap,
                                       opacity=args.opacity)
            if args.overlay_dir and result.digit is not None:
                Image.fromarray(result.overlay).save(
                    args.overlay_dir / _overlay_name(path, written))
        except (InputError, OSError) as error:
            failed = True
            _print_error(path, str(error), args.json)
            continue
        except Exception as error:  # a bug on one file must not cost the rest of the batch
            failed = True
            _print_error(path, f"internal error ({type(error).__name__}: {error}); please "
                         "report it with this file", args.json)
            continue
        record = {"path": path, "digit": result.digit,
                  "probabilities": [round(float(p), 6) for p in result.probabilities],
                  "target": result.target, "method": args.method, "message": result.message,
                  "ood_score": round(result.ood_score, 4), "not_a_digit": result.not_a_digit}
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            shown = "blank" if result.digit is None else (
                f"{result.digit} ({100 * result.probabilities[result.digit]:.1f}%)")
            if result.digit is not None and result.target != result.digit:
                shown += (f", explaining {result.target} "
                          f"({100 * result.probabilities[result.target]:.1f}%)")
            note = f"  {result.message}" if result.message else ""
            print(f"{path}: {shown}{note}", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run ``predict``; ``train``, ``evaluate`` and ``bench`` get the command that does it (they
    live outside this package, so a server that only serves needs none of them)."""
    argv = sys.argv[1:] if argv is None else argv
    elsewhere = {"train": "python -m training.train", "evaluate": "python -m training.evaluate",
                 "bench": "python benchmarks/engine.py"}
    if argv and argv[0] == "predict":
        return predict(argv[1:])
    if argv and argv[0] in elsewhere:
        print(f"{argv[0]} is run as `{elsewhere[argv[0]]} ...`", file=sys.stderr)
        return 2
    print("usage: python -m cam_core predict IMAGE... [--json] (see --help)", file=sys.stderr)
    return 2
