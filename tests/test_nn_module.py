"""Module contracts of the layers: accumulation, state_dict, torch weights, modes, repr, config, dtypes."""

import json
import math

import numpy as np
import pytest
from tests.conftest import torch_or_skip

import cnn_scratch.nn as nn


def every_layer(rng):
    return [
        nn.Conv2d(3, 8, (5, 3), stride=(2, 1), padding=(2, 0), rng=rng),
        nn.Conv2d(1, 2, 3, bias=False, rng=rng, dtype=np.float64),
        nn.Linear(4, 2, rng=rng),
        nn.Dense(4, 2, bias=False, rng=rng),
        nn.ReLU(),
        nn.LeakyReLU(0.2),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.Softmax(dim=1),
        nn.LogSoftmax(),
        nn.MaxPool2d(2),
        nn.MaxPool2d((3, 2), stride=(1, 2), padding=1),
        nn.AvgPool2d(3, stride=2, padding=1),
        nn.Flatten(start_dim=2),
        nn.Dropout(0.25),
        nn.MSELoss(reduction="sum"),
        nn.CrossEntropyLoss(),
        nn.BCELoss(),
        nn.BCEWithLogitsLoss(reduction="sum"),
    ]


def small_cnn(rng, dtype=np.float32):
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.5, rng=rng),
        nn.Flatten(),
        nn.Linear(3 * 2 * 2, 4, rng=rng, dtype=dtype),
    )


def test_gradients_accumulate_until_zero_grad(rng):
    model = small_cnn(rng).eval()
    x = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    dout = rng.standard_normal((2, 4)).astype(np.float32)
    model(x)
    dx1 = model.backward(dout)
    once = [p.grad.copy() for p in model.parameters()]
    assert all(g.any() for g in once)
    dx2 = model.backward(dout)  # backward twice after one forward: the cache is kept
    np.testing.assert_allclose(dx1, dx2)
    for g, p in zip(once, model.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-6)
    model.zero_grad()
    assert not any(p.grad.any() for p in model.parameters())


def test_state_dict_round_trip(rng):
    a = small_cnn(np.random.default_rng(1)).eval()
    b = small_cnn(np.random.default_rng(2)).eval()
    x = rng.standard_normal((3, 1, 4, 4)).astype(np.float32)
    assert not np.allclose(a(x), b(x))
    state = a.state_dict()
    assert list(state) == ["0.weight", "0.bias", "5.weight", "5.bias"]
    b.load_state_dict(state)
    np.testing.assert_array_equal(a(x), b(x))
    state["0.weight"][...] = 0  # the state_dict holds copies
    assert a[0].weight.data.any()


@pytest.mark.torch
def test_torch_state_dict_loads_and_gives_torch_outputs(rng):
    torch = torch_or_skip()
    torch.manual_seed(3)
    tmodel = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Dropout(0.5),
        torch.nn.Flatten(),
        torch.nn.Linear(12, 4),
    ).eval()
    model = small_cnn(rng).eval()
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    x = rng.standard_normal((5, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x)).numpy()
    out = model(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_train_eval_switches_dropout(rng):
    model = small_cnn(rng)
    x = rng.standard_normal((4, 1, 4, 4)).astype(np.float32)
    assert model.training and model[3].training
    a, b = model(x), model(x)
    assert not np.allclose(a, b)  # two different dropout masks
    model.eval()
    assert not model[3].training
    np.testing.assert_array_equal(model(x), model(x))
    model.train()
    assert model[3].training


def test_repr_shows_hyperparameters(rng):
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(16 * 14 * 14, 10, rng=rng),
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 16, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0)\n"
        "  (3): Dropout(p=0.25)\n"
        "  (4): Flatten(start_dim=1, end_dim=-1)\n"
        "  (5): Linear(in_features=3136, out_features=10, bias=True)\n"
        ")"
    )
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.CrossEntropyLoss(reduction="sum")) == "CrossEntropyLoss(reduction='sum')"


@pytest.mark.torch
def test_repr_same_as_torch_where_layouts_agree(rng):
    torch = torch_or_skip()
    pairs = [
        (
            nn.Conv2d(3, 8, (5, 3), stride=2, padding=(2, 1), bias=False),
            torch.nn.Conv2d(3, 8, (5, 3), 2, (2, 1), bias=False),
        ),
        (nn.Conv2d(1, 4, 3), torch.nn.Conv2d(1, 4, 3)),
        (nn.Linear(5, 2, bias=False), torch.nn.Linear(5, 2, bias=False)),
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.Flatten(), torch.nn.Flatten()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_config_rebuilds_an_equal_layer(rng):
    for layer in every_layer(rng):
        cfg = json.loads(json.dumps(layer.config()))  # JSON-able
        clone = type(layer)(**cfg)
        assert clone.config() == layer.config()
        assert repr(clone) == repr(layer)
        assert [(k, v.shape, v.dtype) for k, v in clone.state_dict().items()] == [
            (k, v.shape, v.dtype) for k, v in layer.state_dict().items()
        ]


def test_config_follows_double(rng):
    conv = nn.Conv2d(1, 2, 3, rng=rng).double()
    assert conv.config()["dtype"] == "float64"
    assert nn.Conv2d(**conv.config()).weight.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_through_model(dtype, rng):
    model = small_cnn(rng)
    if dtype == np.float64:
        model.double()
    x = rng.standard_normal((2, 1, 4, 4)).astype(dtype)
    y = np.array([0, 3])
    loss_fn = nn.CrossEntropyLoss()
    out = model(x)
    loss_fn(out, y)
    dx = model.backward(loss_fn.backward())
    assert out.dtype == dtype and dx.dtype == dtype
    assert all(p.data.dtype == dtype and p.grad.dtype == dtype for p in model.parameters())


def test_dtype_mismatch_is_an_error_not_a_silent_cast(rng):
    model = small_cnn(rng)
    with pytest.raises(TypeError, match=r"Conv2d: expected x of dtype float32 .* got x of dtype float64"):
        model(np.zeros((1, 1, 4, 4)))


def test_seeded_init_is_reproducible_and_default_init_matches_torch_bounds():
    a = nn.Conv2d(4, 8, 3, rng=np.random.default_rng(7))
    b = nn.Conv2d(4, 8, 3, rng=np.random.default_rng(7))
    c = nn.Conv2d(4, 8, 3, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    conv = nn.Conv2d(16, 64, 5, rng=np.random.default_rng(0))  # fan_in = 16*5*5 = 400, bound 1/20
    fc = nn.Linear(900, 300, rng=np.random.default_rng(0))  # bound 1/30
    for w, b_, bound in [(conv.weight.data, conv.bias.data, 1 / 20), (fc.weight.data, fc.bias.data, 1 / 30)]:
        assert np.abs(w).max() <= bound and np.abs(b_).max() <= bound
        assert np.abs(w).max() > 0.99 * bound  # tens of thousands of draws reach the edge
        assert w.var() == pytest.approx(bound**2 / 3, rel=0.03)  # U(-b, b) has variance b^2/3
        assert abs(w.mean()) < 0.02 * bound


@pytest.mark.torch
def test_default_init_same_distribution_as_torch():
    torch = torch_or_skip()
    torch.manual_seed(0)
    t = torch.nn.Conv2d(16, 64, 5)
    ours = nn.Conv2d(16, 64, 5, rng=np.random.default_rng(0))
    tw = t.weight.detach().numpy()
    assert abs(np.abs(tw).max() - np.abs(ours.weight.data).max()) < 1e-3
    assert ours.weight.data.std() == pytest.approx(tw.std(), rel=0.03)
    tb = t.bias.detach().numpy()
    assert np.abs(tb).max() <= 1 / math.sqrt(400) and np.abs(ours.bias.data).max() <= 1 / math.sqrt(400)


def test_sequential_indexing_and_append(rng):
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.ReLU())
    model.append(nn.Linear(3, 1, rng=rng))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and head[0] is model[0]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(IndexError, match="index 3 out of range for 3 layers"):
        model[3]
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 2, rng=rng)), nn.Tanh())
    assert list(nested.state_dict()) == ["0.0.weight", "0.0.bias"]
    x = rng.standard_normal((4, 2)).astype(np.float32)
    out = nested(x)
    assert nested.backward(np.ones_like(out)).shape == (4, 2)


def test_dense_is_linear():
    assert nn.Dense is nn.Linear


def test_skip_first_input_grad_follows_sequential_order_only():
    from cnn_scratch import nn

    seq = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.Linear(3, 2))
    first = nn.skip_first_input_grad(seq)
    assert first is seq[1][0] and first.needs_input_grad is False and seq[2].needs_input_grad is True

    class Net(nn.Module):  # registers the head first, runs it last
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(8, 3)
            self.conv = nn.Conv2d(1, 2, 3, padding=1)

    net = Net()
    assert nn.skip_first_input_grad(net) is None
    assert net.head.needs_input_grad and net.conv.needs_input_grad


def test_fit_trains_a_custom_module_registered_out_of_order():
    from cnn_scratch import nn, optim
    from cnn_scratch.train import fit

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(32, 3, rng=np.random.default_rng(0))
            self.conv = nn.Conv2d(1, 2, 3, padding=1, rng=np.random.default_rng(1))
            self.flat = nn.Flatten()

        def forward(self, x):
            return self.head(self.flat(self.conv(x)))

        def backward(self, dout):
            return self.conv.backward(self.flat.backward(self.head.backward(dout)))

    rng = np.random.default_rng(2)
    x, y = rng.random((8, 1, 4, 4), dtype=np.float32), rng.integers(0, 3, 8)
    net = Net()
    before = net.conv.weight.data.copy()
    fit(
        net,
        nn.CrossEntropyLoss(),
        optim.SGD(net.parameters(), lr=0.1),
        (x, y),
        epochs=1,
        batch_size=4,
        rng=np.random.default_rng(0),
        progress=False,
        log=lambda *a: None,
    )
    assert not np.array_equal(before, net.conv.weight.data)


def test_sequential_slice_keeps_names_like_pytorch():
    from cnn_scratch import nn

    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    part = m[1:4]
    assert list(part.state_dict()) == ["2.weight", "2.bias"]  # torch: list(t[1:4].state_dict())
    assert part[1] is m[2] and len(part) == 3
