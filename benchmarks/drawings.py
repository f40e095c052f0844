"""The digits ``benchmarks/classroom.py`` draws: pendigits writers' (``../shared/data``) or
synthetic ones, as the pad's values after each pen-up and as PNGs, with the library's answers
for each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Digit:
    """One digit as a student draws it: the pad's value after each pen-up (JSON text) and a
    PNG of each of those states (for the API path)."""

    states: tuple[str, ...]
    files: tuple[str, ...]


def _pad_value(strokes: list[np.ndarray]) -> str:
    """The pad's value (ui/pad.js): strokes in canvas pixels, points to 0.01 px."""
    from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE

    return json.dumps({"width": CANVAS_SIZE, "height": CANVAS_SIZE, "strokes": [
        {"tool": "pen", "size": BRUSH_WIDTH, "points": np.round(s, 2).tolist()}
        for s in strokes]})


def _stroke_sets(count: int, rng: np.random.Generator) -> list[list[np.ndarray]]:
    """``count`` digits with 1–3 strokes in canvas pixels: pendigits writers' digits when
    ``../shared/data`` has them, else jittered synthetic 1s, 4s and 7s."""
    from training import datasets
    from training.scribbles import place_pen_strokes

    try:
        pool = [d for d in datasets.load_pendigits() if 1 <= len(d.strokes) <= 3]
    except (FileNotFoundError, OSError, SystemExit):
        pool = []
    sets = []
    for index in range(count):
        if pool:
            digit = pool[int(rng.integers(len(pool)))]
            sets.append(place_pen_strokes(digit.strokes, rng.uniform(0.55, 0.8),
                                          tuple(rng.uniform(0.4, 0.6, 2))))
            continue
        jitter = rng.normal(0, 12, (4, 2))
        kind = index % 3
        if kind == 0:
            sets.append([np.array([[200, 60], [205, 340]], float) + jitter[:2]])
        elif kind == 1:
            sets.append([np.array([[230, 330], [230, 60]], float) + jitter[:2],
                         np.array([[230, 60], [100, 250], [300, 250]], float) + jitter[1:]])
        else:
            sets.append([np.array([[110, 90], [290, 90]], float) + jitter[:2],
                         np.array([[290, 90], [170, 330]], float) + jitter[2:]])
    return sets


def make_digits(count: int, folder: Path, seed: int = 0) -> list[Digit]:
    from PIL import Image

    from cam_core.inputs.strokes import parse_drawing, render_drawing

    rng = np.random.default_rng(seed)
    digits = []
    for index, strokes in enumerate(_stroke_sets(count, rng)):
        states, files = [], []
        for k in range(1, len(strokes) + 1):
            text = _pad_value(strokes[:k])
            ink = render_drawing(parse_drawing(text))
            path = folder / f"digit_{index:04d}_{k}.png"
            Image.fromarray((255 - ink * 255).round().astype(np.uint8)).save(path)
            states.append(text)
            files.append(str(path))
        digits.append(Digit(tuple(states), tuple(files)))
    return digits


def expected_answers(digits: list[Digit]) -> dict[str, np.ndarray | None]:
    """The library's probabilities for every drawing state and file (None: a blank page)."""
    from cam_core.explain.engine import load_explainer
    from cam_core.serve.service import Pad, Request, Service, Upload

    service = Service(load_explainer())
    keys = [s for d in digits for s in d.states] + [f for d in digits for f in d.files]
    answers: dict[str, np.ndarray | None] = {"": None}
    for start in range(0, len(keys), 16):
        chunk = keys[start:start + 16]
        requests = [Request(Upload(k) if k.endswith(".png") else Pad(k), live=True)
                    for k in chunk]
        for key, panels in zip(chunk, service.explain_many(requests), strict=True):
            blank = "big-digit" not in panels.headline
            answers[key] = None if blank else panels.chart["probability"].to_numpy(np.float64)
    return answers
