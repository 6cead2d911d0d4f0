"""Model presets: shapes, parameter counts (worked out by hand), registry, seeding, PyTorch parity."""

import numpy as np
import pytest
from tests.conftest import torch_or_skip

from cnn_scratch import models


def test_model_a_shapes_and_parameter_count(rng):
    model = models.mnist_cnn(rng)
    out = model(rng.random((3, 1, 28, 28), dtype=np.float32))
    assert out.shape == (3, 10) and out.dtype == np.float32
    # conv1 16*1*5*5 + 16, conv2 32*16*5*5 + 32, linear 10*1568 + 10 (1568 = 32*7*7)
    expected = {
        "0.weight": (16, 1, 5, 5),
        "0.bias": (16,),
        "3.weight": (32, 16, 5, 5),
        "3.bias": (32,),
        "7.weight": (10, 1568),
        "7.bias": (10,),
    }
    assert {k: v.shape for k, v in model.state_dict().items()} == expected
    assert sum(p.data.size for p in model.parameters()) == 416 + 12832 + 15690


def test_model_b_shapes_and_parameter_count(rng):
    model = models.mnist_cnn_b(rng)
    out = model(rng.random((2, 1, 28, 28), dtype=np.float32))
    assert out.shape == (2, 10)
    # 9216 = 64 * 12 * 12 after two valid 3x3 convs (28 -> 26 -> 24) and a 2x2 pool
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes["0.weight"] == (32, 1, 3, 3)
    assert shapes["2.weight"] == (64, 32, 3, 3)
    assert shapes["6.weight"] == (128, 9216)
    assert shapes["8.weight"] == (10, 128)
    assert sum(p.data.size for p in model.parameters()) == 320 + 18496 + 1179776 + 1290


def test_xor_mlp_shapes(rng):
    model = models.xor_mlp(rng)
    out = model(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32))
    assert out.shape == (4, 1)
    assert np.all(np.abs(out) < 1)  # tanh output


def test_registry_names_aliases_and_seeding():
    for name in ("mnist_cnn", "mnist_cnn_b", "xor_mlp", "a", "B", "xor"):
        assert models.get_model(name, np.random.default_rng(0)).parameters()
    a1 = models.get_model("a", np.random.default_rng(7)).state_dict()
    a2 = models.get_model("mnist_cnn", np.random.default_rng(7)).state_dict()
    a3 = models.get_model("mnist_cnn", np.random.default_rng(8)).state_dict()
    assert all(np.array_equal(a1[k], a2[k]) for k in a1)
    assert not np.array_equal(a1["0.weight"], a3["0.weight"])


def test_unknown_model_name_error():
    with pytest.raises(ValueError, match=r"get_model: expected one of .*'mnist_cnn'.*got name='resnet'"):
        models.get_model("resnet")


@pytest.mark.torch
def test_model_a_matches_torch(rng):
    torch = torch_or_skip()
    model = models.mnist_cnn(rng)
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 5, padding=2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5, padding=2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(1568, 10),
    )
    ref.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    x = rng.random((4, 1, 28, 28), dtype=np.float32)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-4, atol=1e-5)
