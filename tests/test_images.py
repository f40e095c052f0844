"""Result pictures (``ui.images``): encoded with OpenCV into Gradio's cache, one file per
distinct picture, never rewritten in place (thirty students' identical blank pages were
fetched while being rewritten), old files deleted."""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from ui import images


def _picture(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    smooth = cv2.resize(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), (400, 400))
    return smooth


def test_equal_pictures_share_one_file_that_is_never_rewritten():
    first = images.store(_picture(0), "jpeg")
    inode, size = os.stat(first).st_ino, os.stat(first).st_size
    again = images.store(_picture(0).copy(), "jpeg")
    assert again == first and os.stat(again).st_ino == inode and os.stat(again).st_size == size
    assert images.store(_picture(1), "jpeg") != first
    assert not [p for p in Path(first).parent.iterdir() if p.name.startswith(".")]  # no leftovers


def test_pictures_read_back_as_sent_rgb_not_bgr():
    picture = _picture(2)
    picture[:100, :100] = (255, 0, 0)  # red, in RGB
    png = cv2.cvtColor(cv2.imread(images.store(picture, "png")), cv2.COLOR_BGR2RGB)
    assert np.array_equal(png, picture)  # lossless
    jpeg = cv2.cvtColor(cv2.imread(images.store(picture, "jpeg")), cv2.COLOR_BGR2RGB)
    assert np.abs(jpeg.astype(int) - picture).mean() < 3 and jpeg[50, 50, 0] > 200
    grey = images.store(picture[:, :, 0], "png")
    assert np.array_equal(cv2.imread(grey, cv2.IMREAD_GRAYSCALE), picture[:, :, 0])


def test_old_pictures_are_deleted(monkeypatch):
    old = Path(images.store(_picture(3), "png"))
    past = time.time() - images.KEEP_S - 10
    os.utime(old, (past, past))
    monkeypatch.setattr(images, "PRUNE_EVERY", 1)
    fresh = Path(images.store(_picture(4), "png"))
    assert not old.exists() and fresh.exists()
    assert Path(images.store(_picture(3), "png")).exists()  # asked again: written again


def test_a_starting_picture_is_never_deleted(monkeypatch):
    """The blank paper every page load fetches outlives the clean-ups."""
    images.keep(_picture(6), "jpeg")
    kept = Path(images.store(_picture(6), "jpeg"))
    past = time.time() - images.KEEP_S - 10
    os.utime(kept, (past, past))
    monkeypatch.setattr(images, "PRUNE_EVERY", 1)
    images.store(_picture(7), "jpeg")
    assert kept.exists()


def test_the_component_serves_a_stored_file_and_keeps_its_arguments():
    component = images.ResultImage(type="numpy", format="png", render=False)
    served = component.postprocess(_picture(5))
    assert Path(served.path).suffix == ".png" and Path(served.path).exists()
    assert component.postprocess(None) is None
    jpeg = images.ResultImage(type="numpy", format="jpeg", label="overlay", render=False)
    assert Path(jpeg.postprocess(_picture(5)).path).suffix == ".jpeg"
    assert jpeg.get_config()["label"] == "overlay"  # gr.Image's arguments reach the page
