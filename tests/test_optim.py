"""Optimizers: PyTorch parity over 10 steps, hand-derived updates, resume, contracts, errors."""

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import torch_or_skip

from cnn_scratch.nn import Parameter
from cnn_scratch.optim import SGD, Adam, AdamW

FIXTURE = Path(__file__).parent / "fixtures" / "nn_torch.npz"
SHAPES = [(3, 2, 3, 3), (3,), (4, 5)]

CONFIGS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    (SGD, dict(lr=0.05, weight_decay=0.1, nesterov=True, momentum=0.5)),
    (Adam, dict()),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (AdamW, dict()),
    (AdamW, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.3)),
]


def make_params(rng, dtype):
    return [Parameter(rng.standard_normal(s).astype(dtype)) for s in SHAPES]


def fake_grad(k, i, p, noise):
    """A gradient that depends on the current value (like a real loss) plus fixed per-step noise."""
    return 2.0 * (p - 0.5) * (1 + 0.1 * k) + noise[k][i]


def run_ours(opt_cls, kw, params, noise, steps, opt=None):
    opt = opt or opt_cls(params, **kw)
    for _ in range(steps):
        k = len(noise["done"])
        noise["done"].append(k)
        for i, p in enumerate(params):
            p.grad[...] = fake_grad(k, i, p.data, noise["eps"])
        opt.step()
    return opt


def make_noise(rng, dtype, steps=10):
    return {"eps": [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)], "done": []}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("opt_cls,kw", CONFIGS)
def test_matches_torch_over_10_steps(opt_cls, kw, dtype, rng):
    torch = torch_or_skip()
    params = make_params(rng, dtype)
    noise = make_noise(rng, dtype)
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    topt = getattr(torch.optim, opt_cls.__name__)(tparams, **kw)
    run_ours(opt_cls, kw, params, noise, 10)
    for k in range(10):
        for i, tp in enumerate(tparams):
            tp.grad = torch.from_numpy(fake_grad(k, i, tp.detach().numpy(), noise["eps"]))
        topt.step()
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for p, tp in zip(params, tparams, strict=True):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, tp.detach().numpy(), **tol)
    # the parameters moved a lot compared with the tolerance, so the comparison is meaningful
    assert not np.allclose(params[0].data, make_params(np.random.default_rng(0), dtype)[0].data, atol=1e-2)


def test_sgd_momentum_by_hand():
    p = Parameter(np.array([1.0]))
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad[...] = 2.0
    opt.step()  # buf = 2 ; p = 1 - 0.1*2 = 0.8
    assert p.data[0] == pytest.approx(0.8)
    opt.step()  # buf = 0.5*2 + 2 = 3 ; p = 0.8 - 0.3 = 0.5
    assert p.data[0] == pytest.approx(0.5)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(3.0)


def test_sgd_nesterov_and_weight_decay_by_hand():
    p = Parameter(np.array([2.0]))
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.5)
    p.grad[...] = 1.0
    opt.step()  # g = 1 + 0.5*2 = 2 ; buf = 2 ; g = 2 + 0.5*2 = 3 ; p = 2 - 0.3 = 1.7
    assert p.data[0] == pytest.approx(1.7)


def test_adam_two_steps_by_hand():
    p = Parameter(np.array([0.0]))
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    p.grad[...] = 2.0
    opt.step()  # m = 1, v = 1; m_hat = 2, v_hat = 4; p = -0.1 * 2/2 = -0.1
    assert p.data[0] == pytest.approx(-0.1)
    p.grad[...] = -2.0
    opt.step()  # m = 0.5 - 1 = -0.5, v = 0.75 + 1 = 1.75; m_hat = -0.5/0.75, v_hat = 1.75/0.4375 = 4
    assert p.data[0] == pytest.approx(-0.1 + 0.1 * (0.5 / 0.75) / 2.0)
    assert opt.state[0]["step"] == 2


def test_adamw_decouples_weight_decay():
    p = Parameter(np.array([10.0]))
    opt = AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad[...] = 0.0  # no gradient: only the decay acts (the Adam step is 0 / (0 + eps) = 0)
    opt.step()
    assert p.data[0] == pytest.approx(10.0 * (1 - 0.1 * 0.5))
    q = Parameter(np.array([10.0]))
    Adam([q], lr=0.1, weight_decay=0.5).step()  # Adam folds the decay into g: step of about -lr
    assert q.data[0] == pytest.approx(9.9)


@pytest.mark.parametrize("opt_cls,kw", CONFIGS)
def test_in_place_and_dtype_kept(opt_cls, kw, rng):
    params = make_params(rng, np.float32)
    arrays = [p.data for p in params]
    noise = make_noise(rng, np.float32, 2)
    opt = run_ours(opt_cls, kw, params, noise, 2)
    for p, a in zip(params, arrays, strict=True):
        assert p.data is a and p.data.dtype == np.float32 and p.grad.dtype == np.float32
    for s in opt.state.values():
        for v in s.values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32


def test_zero_grad(rng):
    params = make_params(rng, np.float64)
    for p in params:
        p.grad[...] = 1.0
    SGD(params, lr=0.1).zero_grad()
    assert all(not p.grad.any() for p in params)


def to_json_and_back(state):
    """What a checkpoint does: arrays kept aside, the rest through JSON (int keys become str)."""
    arrays = {
        f"{i}.{k}": v for i, s in state["state"].items() for k, v in s.items() if isinstance(v, np.ndarray)
    }
    meta = {
        "state": {
            i: {k: v for k, v in s.items() if not isinstance(v, np.ndarray)}
            for i, s in state["state"].items()
        },
        "param_groups": state["param_groups"],
    }
    meta = json.loads(json.dumps(meta))
    for key, arr in arrays.items():
        i, k = key.split(".")
        meta["state"].setdefault(i, {})[k] = arr
    return meta


@pytest.mark.parametrize("through_json", [False, True])
@pytest.mark.parametrize("opt_cls,kw", CONFIGS)
def test_resume_equals_straight_run(opt_cls, kw, through_json):
    straight = make_params(np.random.default_rng(1), np.float32)
    run_ours(opt_cls, kw, straight, make_noise(np.random.default_rng(2), np.float32), 10)

    params = make_params(np.random.default_rng(1), np.float32)
    noise = make_noise(np.random.default_rng(2), np.float32)
    first = run_ours(opt_cls, kw, params, noise, 5)
    state = first.state_dict()
    checkpoint = [p.data.copy() for p in params]
    for p in params:  # the old optimizer goes on: the saved state must be a copy, not a view
        p.grad[...] = 123.0
    first.step()
    # "a new process": parameters from the checkpoint, a new optimizer loaded from the saved state
    params2 = [Parameter(a) for a in checkpoint]
    new_opt = opt_cls(params2, **kw)
    new_opt.load_state_dict(to_json_and_back(state) if through_json else state)
    run_ours(opt_cls, kw, params2, noise, 5, opt=new_opt)
    for a, b in zip(straight, params2, strict=True):
        assert np.array_equal(a.data, b.data)


def test_load_state_dict_restores_hyperparameters():
    p = [Parameter(np.zeros(2))]
    opt = SGD(p, lr=0.1, momentum=0.9)
    opt.lr = 0.025  # as a scheduler would
    new = SGD([Parameter(np.zeros(2))], lr=1.0, momentum=0.9)
    new.load_state_dict(opt.state_dict())
    assert new.lr == 0.025
    a = Adam(p, betas=(0.8, 0.9))
    b = Adam([Parameter(np.zeros(2))])
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    assert b.betas == (0.8, 0.9)


def test_load_state_dict_rejects_other_model():
    opt = Adam([Parameter(np.zeros(2))])
    opt.params[0].grad[...] = 1.0
    opt.step()
    other = Adam([Parameter(np.zeros(3))])
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: expected state 'exp_avg' of parameter 0"):
        other.load_state_dict(opt.state_dict())
    two = Adam([Parameter(np.zeros(2)), Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="one parameter group with 2 parameters"):
        two.load_state_dict(opt.state_dict())


@pytest.mark.parametrize(
    "build,exc,pattern",
    [
        (lambda p: SGD(p, lr=-0.1), ValueError, r"SGD: expected lr >= 0.0, got lr=-0.1"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), ValueError, r"SGD: expected momentum >= 0.0"),
        (
            lambda p: SGD(p, lr=0.1, nesterov=True),
            ValueError,
            r"momentum > 0 and dampening = 0 when nesterov",
        ),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "dampening=0.1",
        ),
        (
            lambda p: SGD([], lr=0.1),
            ValueError,
            r"SGD: expected a non-empty list of parameters, got an empty",
        ),
        (lambda p: SGD(p[0], lr=0.1), TypeError, r"SGD: expected an iterable of Parameters"),
        (lambda p: SGD([np.zeros(3)], lr=0.1), TypeError, r"every element of params to be a Parameter"),
        (lambda p: SGD(p, lr="fast"), TypeError, r"SGD: expected lr as a number"),
        (lambda p: Adam(p, lr=-1e-3), ValueError, r"Adam: expected lr >= 0.0"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"Adam: expected betas\[0\] >= 0.0, < 1.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), ValueError, r"betas\[1\] >= 0.0, < 1.0, got betas\[1\]=-0.1"),
        (lambda p: Adam(p, betas=0.9), ValueError, r"Adam: expected betas as a pair"),
        (lambda p: AdamW(p, eps=-1.0), ValueError, r"AdamW: expected eps >= 0.0"),
        (lambda p: AdamW(p, weight_decay=float("nan")), ValueError, r"AdamW: expected weight_decay >= 0.0"),
        (lambda p: Adam([]), ValueError, r"Adam: expected a non-empty list"),
    ],
)
def test_bad_hyperparameters(build, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build([Parameter(np.zeros(2))])


def test_repr_lists_hyperparameters():
    r = repr(SGD([Parameter(np.zeros(2))], lr=0.1, momentum=0.9))
    assert r.startswith("SGD(1 parameters, lr=0.1, momentum=0.9")


def fixture_optim_cases():
    with np.load(FIXTURE, allow_pickle=False) as data:
        return sorted({k.split("/")[0] for k in data.files if k.startswith("optim_")})


@pytest.mark.parametrize("case", fixture_optim_cases())
def test_matches_torch_fixture(case):
    """Stored torch.optim trajectories (tests/fixtures/gen_nn_fixtures.py): runs without torch."""
    import cnn_scratch.optim as optim

    with np.load(FIXTURE, allow_pickle=False) as data:
        cls, kw = json.loads(str(data[f"{case}/spec"]))
        p0, noise, p10 = data[f"{case}/p0"], data[f"{case}/noise"], data[f"{case}/p10"]
    p = Parameter(p0.copy())
    opt = getattr(optim, cls)([p], **{k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()})
    for k in range(10):
        p.grad[...] = 2.0 * (p.data - 0.5) * (1 + 0.1 * k) + noise[k]  # the generator's fake_grad
        opt.step()
    np.testing.assert_allclose(p.data, p10, rtol=1e-12, atol=1e-12)
    assert not np.allclose(p10, p0, atol=1e-2)
