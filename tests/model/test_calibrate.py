"""Temperature scaling, ECE, energy score and AUROC on synthetic logits with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from cam_core.model import calibrate


def test_fit_temperature_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 3, (5000, 10))
    labels = np.array([rng.choice(10, p=p) for p in calibrate.softmax(true_logits)])
    fitted = calibrate.fit_temperature(true_logits * 2.5, labels)  # over-confident by 2.5×
    assert fitted == pytest.approx(2.5, rel=0.1)


def test_ece_is_zero_for_perfect_calibration_and_large_when_overconfident():
    rng = np.random.default_rng(1)
    probabilities = calibrate.softmax(rng.normal(0, 2, (20000, 10)))
    labels = np.array([rng.choice(10, p=p) for p in probabilities])
    assert calibrate.expected_calibration_error(probabilities, labels) < 0.02
    sharp = calibrate.softmax(np.log(probabilities + 1e-12) * 4)
    assert calibrate.expected_calibration_error(sharp, labels) > 0.1


def test_energy_score_and_auroc():
    confident = np.array([[10.0] + [0.0] * 9] * 50)
    flat = np.zeros((50, 10))
    assert (calibrate.energy_score(confident) < calibrate.energy_score(flat)).all()
    assert calibrate.auroc(calibrate.energy_score(confident), calibrate.energy_score(flat)) == 1
    same = np.random.default_rng(2).normal(size=400)
    assert calibrate.auroc(same[:200], same[200:]) == pytest.approx(0.5, abs=0.1)


def test_threshold_keeps_the_asked_share():
    scores = np.arange(1000.0)
    threshold = calibrate.threshold_keeping(scores, 0.98)
    assert (scores <= threshold).mean() == pytest.approx(0.98, abs=0.002)
