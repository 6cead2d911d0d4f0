"""Layers against PyTorch (live and from a stored fixture), naive vs fast models, gradient checks."""

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import torch_or_skip

import cnn_scratch.nn as nn
from cnn_scratch.gradcheck import numerical_gradient, rel_error

FIXTURE = Path(__file__).parent / "fixtures" / "nn_torch.npz"

# (our layer builder, input shape); each parametric layer is given the same weights as torch's twin
LAYERS = [
    (lambda: nn.Conv2d(2, 3, 3, padding=1, dtype=np.float64), (2, 2, 5, 6)),
    (lambda: nn.Conv2d(3, 2, (3, 2), stride=(2, 3), padding=(1, 0), dtype=np.float64), (2, 3, 7, 8)),
    (lambda: nn.Conv2d(1, 4, 1, bias=False, dtype=np.float64), (3, 1, 4, 3)),
    (lambda: nn.Conv2d(2, 2, 4, stride=3, padding=2, dtype=np.float64), (1, 2, 6, 5)),
    (lambda: nn.Linear(7, 4, dtype=np.float64), (5, 7)),
    (lambda: nn.Linear(3, 2, bias=False, dtype=np.float64), (4, 3)),
    (lambda: nn.ReLU(), (3, 4, 2, 2)),
    (lambda: nn.LeakyReLU(0.2), (3, 5)),
    (lambda: nn.Sigmoid(), (3, 5)),
    (lambda: nn.Tanh(), (2, 3, 4)),
    (lambda: nn.Softmax(dim=1), (3, 4, 2)),
    (lambda: nn.LogSoftmax(), (3, 6)),
    (lambda: nn.MaxPool2d(2), (2, 3, 6, 4)),
    (lambda: nn.MaxPool2d((3, 2), stride=(2, 1), padding=1), (2, 2, 7, 5)),
    (lambda: nn.AvgPool2d(2), (2, 3, 4, 6)),
    (lambda: nn.AvgPool2d((2, 3), stride=(1, 2), padding=1), (1, 2, 5, 6)),
    (lambda: nn.Flatten(), (2, 3, 4, 5)),
    (lambda: nn.Flatten(start_dim=2), (2, 3, 4, 5)),
]


def torch_twin(torch, layer):
    """The equivalent torch.nn layer, float64, with our weights loaded through the state_dict."""
    cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in layer.config().items() if k != "dtype"}
    tlayer = getattr(torch.nn, type(layer).__name__)(**cfg).double()
    tlayer.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    return tlayer


@pytest.mark.torch
@pytest.mark.parametrize("build,x_shape", LAYERS)
def test_layer_matches_torch(build, x_shape, rng):
    torch = torch_or_skip()
    layer = build()
    x = rng.standard_normal(x_shape)
    tlayer = torch_twin(torch, layer)
    tx = torch.tensor(x, requires_grad=True)
    tout = tlayer(tx)
    dout = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.from_numpy(dout))
    out = layer(x)
    dx = layer.backward(dout)
    assert out.dtype == np.float64 and dx.dtype == np.float64
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    tgrads = dict(tlayer.named_parameters())
    assert sorted(tgrads) == sorted(dict(layer.named_parameters()))
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, tgrads[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def small_cnn(rng, dtype=np.float32):
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 5, rng=rng, dtype=dtype),
    )


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_small_cnn_end_to_end_matches_torch(dtype, rng):
    torch = torch_or_skip()
    model = small_cnn(rng, dtype)
    x = rng.standard_normal((4, 2, 6, 7)).astype(dtype)
    y = rng.integers(0, 5, size=4)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    tmodel = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(36, 5),
    ).to(tdtype)
    tmodel.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    tloss = torch.nn.CrossEntropyLoss()(tmodel(tx), torch.from_numpy(y))
    tloss.backward()

    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn(model(x), y)
    dx = model.backward(loss_fn.backward())
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert isinstance(loss, float)
    assert loss == pytest.approx(tloss.item(), **({"rel": tol["rtol"]}))
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, tx.grad.numpy(), **tol)
    tparams = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), **tol)


def build_from_spec(spec):
    layers = []
    for name, kw in spec["layers"]:
        if name in ("Conv2d", "Linear"):
            kw = {**kw, "dtype": np.float64}
        layers.append(getattr(nn, name)(**kw))
    return nn.Sequential(*layers), getattr(nn, spec["loss"][0])(**spec["loss"][1])


def fixture_cases():
    with np.load(FIXTURE, allow_pickle=False) as data:
        return sorted({k.split("/")[0] for k in data.files if not k.startswith(("optim_", "sched_"))})


@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize("case", fixture_cases())
def test_models_match_torch_fixture(case, impl):
    """Stored PyTorch answers (tests/fixtures/gen_nn_fixtures.py): runs without torch installed."""
    with np.load(FIXTURE, allow_pickle=False) as data:
        d = {k[len(case) + 1 :]: data[k] for k in data.files if k.startswith(case + "/")}
    model, loss_fn = build_from_spec(json.loads(str(d["spec"])))
    model.use_impl(impl)
    model.load_state_dict({k[len("param/") :]: v for k, v in d.items() if k.startswith("param/")})
    out = model(d["x"])
    np.testing.assert_allclose(out, d["out"], rtol=1e-10, atol=1e-12)
    loss = loss_fn(out, d["target"])
    assert loss == pytest.approx(float(d["loss"]), rel=1e-10)
    dx = model.backward(loss_fn.backward())
    np.testing.assert_allclose(dx, d["dx"], rtol=1e-9, atol=1e-12)
    grads = {k[len("grad/") :]: v for k, v in d.items() if k.startswith("grad/")}
    assert sorted(grads) == sorted(model.state_dict())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name], rtol=1e-9, atol=1e-12)


def test_naive_and_fast_models_agree(rng):
    model = nn.Sequential(
        nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, rng=rng),
        nn.LeakyReLU(0.05),
        nn.MaxPool2d(2, stride=1),
        nn.Conv2d(3, 2, 2, rng=rng),
        nn.Sigmoid(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * 1 * 3, 3, rng=rng),
        nn.Tanh(),
    )
    x = rng.standard_normal((2, 2, 7, 7)).astype(np.float32)
    dout = rng.standard_normal((2, 3)).astype(np.float32)
    results = {}
    for impl in ("fast", "naive"):
        model.zero_grad()
        model.use_impl(impl)
        out = model(x)
        dx = model.backward(dout)
        results[impl] = (out, dx, [p.grad.copy() for p in model.parameters()])
        assert out.dtype == np.float32 and dx.dtype == np.float32
    (o1, d1, g1), (o2, d2, g2) = results["fast"], results["naive"]
    np.testing.assert_allclose(o1, o2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d1, d2, rtol=1e-5, atol=1e-6)
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert {m.impl for m in model.modules()} == {"naive"}


def test_model_gradients_match_finite_differences(rng):
    """The chain of layer backwards is the derivative of the chain of forwards (float64)."""
    model = small_cnn(rng, np.float64)
    x = rng.standard_normal((2, 2, 6, 7))
    y = np.array([1, 4])
    loss_fn = nn.CrossEntropyLoss()

    def loss_of_x(v):
        return loss_fn(model(v), y)

    loss_of_x(x)
    dx = model.backward(loss_fn.backward())
    assert rel_error(dx, numerical_gradient(loss_of_x, x, np.array(1.0))) < 1e-7
    w = model[0].weight
    model.zero_grad()
    loss_of_x(x)
    model.backward(loss_fn.backward())

    def loss_of_w(v):
        old = w.data
        w.data = v
        try:
            return loss_fn(model(x), y)
        finally:
            w.data = old

    assert rel_error(w.grad, numerical_gradient(loss_of_w, w.data, np.array(1.0))) < 1e-7


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", ["MSELoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"])
def test_losses_match_torch(name, reduction, rng):
    torch = torch_or_skip()
    pred = rng.standard_normal((4, 3))
    if name == "BCELoss":
        pred = 1 / (1 + np.exp(-pred))
    target = rng.integers(0, 3, size=4) if name == "CrossEntropyLoss" else rng.uniform(0, 1, (4, 3))
    tpred = torch.tensor(pred, requires_grad=True)
    tloss = getattr(torch.nn, name)(reduction=reduction)(tpred, torch.from_numpy(target))
    tloss.backward()
    loss_fn = getattr(nn, name)(reduction=reduction)
    assert loss_fn(pred, target) == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(loss_fn.backward(), tpred.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(loss_fn.backward(2.0), 2 * tpred.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_dropout_train_and_eval(rng):
    x = np.ones((200, 50), dtype=np.float32)
    drop = nn.Dropout(0.3, rng=np.random.default_rng(5))
    out = drop(x)
    assert out.dtype == np.float32
    kept = out != 0
    assert np.allclose(out[kept], 1 / 0.7)
    assert abs(kept.mean() - 0.7) < 0.02  # 10,000 Bernoulli(0.7) draws: std 0.0046
    dx = drop.backward(np.full_like(x, 2.0))
    assert np.array_equal(dx != 0, kept) and np.allclose(dx[kept], 2 / 0.7)
    drop.eval()
    assert np.array_equal(drop(x), x) and np.array_equal(drop.backward(x), x)
    again = nn.Dropout(0.3, rng=np.random.default_rng(5))
    assert np.array_equal(again(x), out)  # the same seed gives the same mask


def test_skip_first_input_grad(rng):
    model = small_cnn(rng, np.float64)
    x = rng.standard_normal((2, 2, 6, 7))
    dout = rng.standard_normal((2, 5))
    model(x)
    model.backward(dout)
    full = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    assert nn.skip_first_input_grad(model) is model[0]
    model(x)
    assert model.backward(dout) is None
    for a, b in zip(full, [p.grad for p in model.parameters()], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_skip_first_input_grad_after_parameter_free_layers(rng):
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(6, 2, rng=rng), nn.ReLU())
    assert nn.skip_first_input_grad(mlp) is mlp[1] and not mlp[1].needs_input_grad
    mlp(np.ones((3, 2, 3), dtype=np.float32))
    assert mlp.backward(np.ones((3, 2), dtype=np.float32)) is None
    assert mlp[1].weight.grad.any()
    assert nn.skip_first_input_grad(nn.Sequential(nn.ReLU())) is None
