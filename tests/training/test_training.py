"""Training: the smoke run, batches the same for any number of workers, the weight average,
the model card, the soup, the time budget."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from conftest import MNIST_ROOT, ROOT, need

from cam_core.model.network import build_model
from cam_core.model.weights import load_model, save_weights


@pytest.mark.slow
def test_training_smoke_run_writes_a_loadable_file(tmp_path):
    need(MNIST_ROOT / "MNIST" / "raw")
    out = tmp_path / "smoke.safetensors"
    command = [sys.executable, "-m", "training.train", "--data-root", str(MNIST_ROOT),
               "--limit", "64", "--batch-size", "16", "--outliers", "4", "--out", str(out),
               "--checkpoint-every", "2"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    model = load_model(out, "cpu")
    assert float(model.metadata["temperature"]) > 0
    metrics = json.loads(out.with_suffix(".metrics.json").read_text())
    assert metrics["steps"] == 4
    # Resume from the step-2 checkpoint gives a run that finishes too.
    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed at step 2" in resumed.stderr


def test_batches_made_by_worker_processes_are_the_same_batches():
    """The GPU path makes batches in worker processes; the run must not depend on how many."""
    need(MNIST_ROOT / "MNIST" / "raw")
    from training.batches import Batches, batch_stream
    from training.train import parse_args

    batches = Batches(parse_args(["--data-root", str(MNIST_ROOT), "--limit", "256",
                                  "--batch-size", "16", "--outliers", "4", "--seed", "3"]))
    cpu = torch.device("cpu")
    alone = list(batch_stream(batches, 2, 6, workers=0, device=cpu))
    shared = list(batch_stream(batches, 2, 6, workers=2, device=cpu))
    assert len(alone) == len(shared) == 4
    for one, other in zip(alone, shared, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(one, other, strict=True))
    assert not torch.equal(alone[0][0], alone[1][0])  # consecutive steps differ


def test_weight_average_moves_floats_by_one_minus_decay_and_copies_counters():
    from training.train import Ema

    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ema = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    before = {k: v.clone() for k, v in ema.state_dict().items()}
    averager = Ema(ema, model)
    model.train()(torch.randn(4, 3))  # in-place updates the averager must see: stats, counter
    with torch.no_grad():
        model[0].weight.add_(1.0)
    averager.update(decay=0.9)
    for key, value in ema.state_dict().items():
        live = model.state_dict()[key]
        if value.is_floating_point():
            torch.testing.assert_close(value, 0.9 * before[key] + 0.1 * live)
        else:
            assert torch.equal(value, live) and int(value) == 1


def test_model_card_keeps_hand_notes_only_for_the_same_weights(tmp_path):
    from training.card import NOTES_HEADING, write_card

    weights = tmp_path / "w.safetensors"
    metrics = weights.with_suffix(".metrics.json")
    metrics.write_text(json.dumps({"sha256": "a" * 64, "steps": 3}))
    card = tmp_path / "MODEL_CARD.md"
    text = write_card(weights, card)
    assert "a" * 64 in text and NOTES_HEADING not in text
    card.write_text(text + f"\n{NOTES_HEADING}\n\n- seed 7 was lucky\n")

    again = write_card(weights, card)  # re-evaluating the same weights keeps the notes
    assert again.count(NOTES_HEADING) == 1 and "seed 7 was lucky" in again
    assert again == card.read_text()

    metrics.write_text(json.dumps({"sha256": "b" * 64, "steps": 3}))
    other = write_card(weights, card)  # new weights: the notes described another run
    assert NOTES_HEADING not in other and "seed 7" not in other


def test_soup_averages_floats_keeps_counters_and_refuses_other_networks(tmp_path):
    from safetensors.torch import save_file

    from training.soup import average
    first, second = build_model(), build_model()
    paths = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    for model, path in zip((first, second), paths, strict=True):
        save_weights(model, path)
    soup = average(paths)
    name = "layer1.0.conv1.weight"
    expected = sum(m.state_dict()[name].half().float() for m in (first, second)) / 2
    assert torch.allclose(soup[name].float(), expected, atol=1e-3)
    assert soup[name].dtype == torch.float16
    counter = "bn1.num_batches_tracked"
    assert soup[counter].dtype == torch.int64
    assert torch.equal(soup[counter], first.state_dict()[counter])
    with pytest.raises(ValueError, match="at least two"):
        average(paths[:1])
    save_file({"fc.weight": torch.zeros(3, 3)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not hold the same network"):
        average([paths[0], tmp_path / "other.safetensors"])


def test_model_card_names_the_soup_and_its_ingredients(tmp_path):
    from training.card import write_card

    weights = tmp_path / "w.safetensors"
    soup = {"date": "2026-12-04", "command": "python -m training.soup a b --out w",
            "of": [{"path": "a", "sha256": "1" * 64}, {"path": "b", "sha256": "2" * 64}]}
    weights.with_suffix(".metrics.json").write_text(json.dumps(
        {"sha256": "c" * 64, "soup": soup, "held_back_accuracy": 0.9942,
         "low_res_share": 0.15, "pen_bend_share": 0.5}))
    text = write_card(weights, tmp_path / "MODEL_CARD.md")
    assert "15% of the warped MNIST digits also seen at a low resolution" in text
    assert "50% of the pen replays bent by a smooth random displacement" in text
    assert "model soup" in text and "`python -m training.soup a b --out w`" in text
    assert "`a` (sha256 `111111111111…`), `b` (sha256 `222222222222…`)" in text
    assert "held-back accuracy 99.42%" in text and "Weights kept" not in text


def test_time_budget_cuts_the_steps_to_what_fits(monkeypatch):
    """--minutes: after the trial, the step count is what the measured speed fits in the budget
    (never more than asked, never fewer than the steps already taken)."""
    from training import train

    monkeypatch.setattr(train.time, "time", lambda: 1000.0 + 30.0)
    # 50 trial steps took 5 s (0.1 s a step); 30 s of a 2-minute budget are gone: 900 fit.
    assert train.steps_that_fit(60, 10_000, began=1000.0, trial_began=1025.0,
                                 minutes=2) == 60 + 900
    assert train.steps_that_fit(60, 500, began=1000.0, trial_began=1025.0, minutes=2) == 500
    assert train.steps_that_fit(60, 10_000, began=1000.0, trial_began=1025.0,
                                 minutes=0.25) == 61
