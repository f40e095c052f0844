"""The result pictures' component: ``gr.Image`` output that encodes cheaply and never
rewrites a file another person may be downloading."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import cv2
import gradio as gr
import numpy as np
from gradio.data_classes import ImageData
from gradio.utils import get_upload_folder

JPEG_QUALITY = 75  # PIL's default, which gr.Image used: mean error ~1/255 on a heatmap
PNG_LEVEL = 1  # zlib level: the model view is flat colour, level 6 saves ~10% for 40% more time
KEEP_S = 600  # a picture's file is deleted after this long (the page fetches it at once)
PRUNE_EVERY = 500  # files written between two clean-ups


class ResultImage(gr.Image):
    """``gr.Image`` for pictures the server computes (``type="numpy"``, output only): each is
    encoded with OpenCV, stored under its content's digest (written to a temporary name and
    renamed, so equal pictures share one file that is never rewritten), and files older than
    ``KEEP_S`` are deleted now and then.

    Why: ``gr.Image`` encodes with PIL and writes the bytes over the file of any equal
    picture. Thirty students pressing Clear all get the same blank page: a download of that
    file while it was being rewritten came back empty (25 failed fetches in 334 requests of
    the classroom benchmark). WebP, its default format, also took 4 ms for the 168×168 model
    view against 0.8 ms as PNG here. And a classroom makes ~1 GB of pictures an hour.

    ``format``: ``"png"`` (lossless: pixel-art views), else JPEG (smooth heatmaps).
    Takes ``gr.Image``'s arguments (no constructor of its own: Gradio sends the page the
    arguments its constructor names).
    """

    is_template = True  # drawn by the browser's Image component

    def postprocess(self, value: np.ndarray | None) -> ImageData | None:
        """An ``(H, W, 3)`` uint8 RGB (or ``(H, W)`` grey) array → the file served for it."""
        if value is None:
            return None
        return ImageData(path=store(value, "png" if self.format == "png" else "jpeg"))


_folder = Path(get_upload_folder()) / "digit-cam"
_written = 0
_lock = threading.Lock()
_kept: set[Path] = set()  # never pruned: pictures the page shows from its first load


def keep(image: np.ndarray, kind: str = "jpeg") -> None:
    """Never prune ``image``'s file: for a component's starting picture (blank paper), which
    every page load fetches, also hours after the server started."""
    _kept.add(Path(store(image, kind)))


def store(image: np.ndarray, kind: str = "jpeg") -> str:
    """Encode ``image`` (uint8 RGB or grey) as ``kind`` into Gradio's cache folder (served
    there without a copy); return the file's path. Equal pictures give the same file."""
    picture = np.ascontiguousarray(image, np.uint8)
    if picture.ndim == 3:
        picture = cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)
    if kind == "jpeg":
        ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    else:
        ok, data = cv2.imencode(".png", picture, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])
    if not ok:
        raise ValueError(f"could not encode a picture of shape {image.shape} as {kind}")
    blob = data.tobytes()
    path = _folder / f"{hashlib.blake2b(blob, digest_size=16).hexdigest()}.{kind}"
    try:
        os.utime(path)  # an equal picture's file, handed out again: keep it as long as new
    except FileNotFoundError:
        _folder.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        staging.write_bytes(blob)
        try:
            os.replace(staging, path)  # atomic: a reader sees the whole file or none
        except PermissionError:  # Windows: the same picture is open (served, or just written)
            staging.unlink(missing_ok=True)  # its bytes are already there
    _maybe_prune()
    return str(path)


def _maybe_prune() -> None:
    """Every ``PRUNE_EVERY`` pictures, delete those older than ``KEEP_S``."""
    global _written
    with _lock:
        _written += 1
        if _written % PRUNE_EVERY:
            return
    cutoff = time.time() - KEEP_S
    for old in _folder.glob("*"):
        try:
            if old not in _kept and old.stat().st_mtime < cutoff:
                old.unlink()
        except (FileNotFoundError, PermissionError):  # pruned by another worker, or (Windows)
            pass  # open for a download right now: the next round takes it
