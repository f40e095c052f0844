"""``python -m cam_core predict``: JSON lines, errors per file, exit status, overlays."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, weights_path
from PIL import Image


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cam_core", "predict", "--weights",
                           str(weights_path()), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_predict_json_lines_and_overlays(photos, tmp_path):
    paths = [str(p) for p, _ in photos[:3]]
    done = run_cli(*paths, "--json", "--overlay-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in records] == paths
    for record, (_, label) in zip(records, photos[:3], strict=True):
        assert set(record) >= {"path", "digit", "probabilities", "target", "method", "message",
                               "ood_score", "not_a_digit"}
        assert record["digit"] == label
        assert abs(sum(record["probabilities"]) - 1) < 1e-4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{p.stem}_cam.png" for p, _ in photos[:3])


def test_overlays_of_same_named_files_are_all_kept(photos, tmp_path):
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder, (photo, _) in zip(folders, photos[:2], strict=True):
        folder.mkdir()
        (folder / "digit.png").write_bytes(photo.read_bytes())
    out = tmp_path / "out"
    done = run_cli(*(str(f / "digit.png") for f in folders), "--overlay-dir", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["digit_cam.png", "digit_cam_2.png"]


def test_unreadable_file_is_reported_and_others_still_processed(photos, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_text("nope")
    good = str(photos[0][0])
    done = run_cli(str(bad), good, "--json", "--target", "3", "--method", "gradcam",
                   "--layer", "layer3")
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["path"] == str(bad) and "error" in first
    assert second["digit"] is not None and second["target"] == 3
    assert second["method"] == "gradcam"


def test_cam_on_layer2_is_a_usage_error(photos):
    done = run_cli(str(photos[0][0]), "--layer", "layer2")
    assert done.returncode == 2 and "layer4" in done.stderr


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_ordinary_mistakes_give_one_line_not_a_traceback(tmp_path):
    photo = str(ROOT / "examples" / "pen_7.png")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for args, says in ((["--device", "gpu"], "Unknown device"),
                       (["--overlay-dir", str(a_file)], "cannot use")):
        done = run_cli(photo, *args)
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.slow  # over 4 s on 2 cores: keeps the fast tier under two minutes
def test_text_names_the_explained_class_and_blank_gets_no_overlay(photos, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    photo, label = photos[0]
    target = (label + 1) % 10
    out = tmp_path / "out"
    done = run_cli(str(blank), str(photo), "--target", str(target), "--overlay-dir", str(out))
    assert done.returncode == 0, done.stderr
    blank_line, photo_line = done.stdout.splitlines()
    assert "blank" in blank_line
    assert photo_line.startswith(f"{photo}: {label} (") and f"explaining {target} (" in photo_line
    assert [p.name for p in out.iterdir()] == [f"{photo.stem}_cam.png"]


def test_an_unexpected_error_on_one_file_does_not_stop_the_batch(monkeypatch, capsys):
    """A bug met on one file is reported on that file's line; the others are still explained."""
    from cam_core import cli
    from cam_core.explain import engine

    class Explainer:
        def explain(self, image, **_):
            if image == "bad.png":
                raise RuntimeError("boom")
            return engine.blank_explanation(engine.prepare(None), "cam", "layer4")

    monkeypatch.setattr(engine, "load_explainer", lambda *_: Explainer())
    assert cli.predict(["bad.png", "good.png", "--json"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {"path": "bad.png",
                     "error": "internal error (RuntimeError: boom); please report it with "
                              "this file"}
    assert second["path"] == "good.png" and second["digit"] is None


@pytest.mark.slow
def test_colour_map_and_opacity_as_on_the_page(photos, tmp_path):
    """The CLI takes the page's controls: the overlay follows --colormap and --opacity."""
    photo = str(photos[0][0])
    overlays = {}
    for name, args in (("none", ["--opacity", "0"]), ("default", []),
                       ("strong", ["--colormap", "jet", "--opacity", "1"])):
        out = tmp_path / name
        done = run_cli(photo, "--overlay-dir", str(out), *args)
        assert done.returncode == 0, done.stderr
        overlays[name] = np.asarray(Image.open(next(out.iterdir())).convert("RGB")).astype(int)

    def changed(name: str) -> float:  # mean colour change against the photo alone
        return float(np.abs(overlays[name] - overlays["none"]).mean())

    # Each pixel is as opaque as its evidence (render.overlay), so cold paper stays paper:
    # the strong overlay changes the photo about twice as much as the default one.
    assert 5 < changed("default") < changed("strong") / 1.5
    assert np.abs(overlays["default"] - overlays["strong"]).mean() > 8
    done = run_cli(photo, "--opacity", "2")
    assert done.returncode == 2 and "not a number from 0 to 1" in done.stderr
    assert "Traceback" not in done.stderr
