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


def test_windows_refusing_to_replace_an_open_picture_is_not_an_error(monkeypatch):
    """On Windows a file that is being served cannot be replaced or deleted (PermissionError):
    two workers storing the same new picture, or pruning one being downloaded, must still give
    the picture's file and leave no staging file behind."""
    picture = _picture(7)
    first = images.store(picture, "png")
    os.remove(first)  # as if new: the next store writes it again
    real_replace = os.replace

    def open_elsewhere(source, target):
        real_replace(source, target)  # the other worker's copy lands first …
        raise PermissionError(13, "The process cannot access the file")  # … and is open

    monkeypatch.setattr(images.os, "replace", open_elsewhere)
    again = images.store(picture, "png")
    assert again == first and cv2.imread(again) is not None
    assert not [p for p in Path(first).parent.iterdir() if p.name.startswith(".")]
    monkeypatch.setattr(images.os, "replace", real_replace)

    def in_use(self, missing_ok=False):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(images, "KEEP_S", -1)  # every picture is old
    monkeypatch.setattr(images, "PRUNE_EVERY", 1)
    monkeypatch.setattr(Path, "unlink", in_use)
    images.store(_picture(8), "png")  # prunes: every file is "open", none deleted, no error
    assert os.path.exists(first)
