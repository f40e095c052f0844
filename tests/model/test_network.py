"""The network and its weights file: shapes, pieces, float16 round trip, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import weights_path

from cam_core.inputs.fit import to_tensor
from cam_core.model.network import build_model
from cam_core.model.weights import WeightsError, load_model, save_weights


def test_28x28_gives_7x7_layer4_features():
    model = build_model().eval()
    with torch.no_grad():
        logits, features = model(torch.zeros(2, 1, 28, 28))
    assert logits.shape == (2, 10)
    assert features.shape == (2, 512, 7, 7)


def test_other_sizes_work_fully_convolutional():
    model = build_model().eval()
    with torch.no_grad():
        logits, features = model(torch.zeros(1, 1, 28, 56))
    assert logits.shape == (1, 10) and features.shape == (1, 512, 7, 14)


def test_forward_pieces_agree():
    model = build_model().eval()
    x = torch.randn(1, 1, 28, 28)
    with torch.no_grad():
        logits, _features = model(x)
        assert torch.allclose(model.head(model.features(x)[-1]), logits)
    with pytest.raises(ValueError, match="layer must be one of"):
        model.features(x, upto="layer9")


def test_weights_round_trip_as_float16(tmp_path):
    model = build_model().eval()
    model.metadata = {"temperature": "1.5"}
    path = tmp_path / "w.safetensors"
    save_weights(model, path)
    loaded = load_model(path, "cpu")
    assert loaded.training is False
    assert loaded.metadata["temperature"] == "1.5"
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    assert load_model(path, "cpu") is loaded  # cached per (path, device)
    from safetensors.torch import load_file
    assert load_file(str(path))["fc.weight"].dtype == torch.float16


def test_missing_weights_name_the_training_command(tmp_path):
    with pytest.raises(WeightsError, match=r"python -m training\.train"):
        load_model(tmp_path / "nothing.safetensors", "cpu")


def test_corrupt_weights_name_the_training_command(tmp_path):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    with pytest.raises(WeightsError, match=r"corrupt.*python -m training\.train"):
        load_model(path, "cpu")
    truncated = tmp_path / "truncated.safetensors"
    save_weights(build_model(), truncated)
    truncated.write_bytes(truncated.read_bytes()[:1000])
    with pytest.raises(WeightsError, match=r"python -m training\.train"):
        load_model(truncated, "cpu")


@pytest.mark.slow
def test_float16_weights_give_the_float32_top1(mnist_test):
    """The float32 weights training produced lie within half a float16 step of the committed
    float16 values. Any float32 model in that box must give the same top-1 on 200 MNIST test
    digits: check the committed weights against three random points of the box."""
    images, labels = mnist_test
    stored = load_model(weights_path(), "cpu")
    batch = torch.from_numpy(np.stack([to_tensor(i / 255.0) for i in images[:200]]))
    with torch.no_grad():
        top_float16 = stored(batch)[0].argmax(1)
    generator = torch.Generator().manual_seed(0)
    for _ in range(3):
        model = build_model().eval()
        state = {}
        for name, value in stored.state_dict().items():
            if value.is_floating_point() and value.numel() > 1:
                # Half a float16 ulp: 2^(exponent − 11) for each value.
                ulp = torch.ldexp(torch.ones_like(value),
                                  torch.frexp(value.half().float())[1] - 11)
                noise = (torch.rand(value.shape, generator=generator) - 0.5) * ulp
                value = value + noise
            state[name] = value
        model.load_state_dict(state)
        with torch.no_grad():
            assert torch.equal(model(batch)[0].argmax(1), top_float16)
    assert (top_float16.numpy() == labels[:200]).mean() > 0.97
