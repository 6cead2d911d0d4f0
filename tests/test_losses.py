"""Losses: hand examples, finite differences -> naive -> fast -> PyTorch (live and stored), errors."""

import warnings

import numpy as np
import pytest
from tests.conftest import ops_fixture_cases, torch_or_skip

import cnn_scratch.functional as F
from cnn_scratch.gradcheck import numerical_gradient, rel_error

IMPLS = ["fast", "naive"]
LOSSES = ["mse_loss", "cross_entropy", "binary_cross_entropy", "bce_with_logits"]
REDUCTIONS = ["mean", "sum"]


def loss_fn(name, impl):
    return getattr(F, name + ("_naive" if impl == "naive" else ""))


def make_inputs(name, rng, dtype=np.float64, shape=(4, 3)):
    """A valid (input, target) pair for the loss, with values away from kinks and clamps."""
    if name == "cross_entropy":
        return (rng.standard_normal(shape) * 2).astype(dtype), rng.integers(0, shape[1], size=shape[0])
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, size=shape).astype(dtype), rng.uniform(0, 1, size=shape).astype(dtype)
    if name == "bce_with_logits":
        return (rng.standard_normal(shape) * 3).astype(dtype), rng.uniform(0, 1, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)


def torch_loss(torch, name):
    tf = torch.nn.functional
    return {
        "mse_loss": tf.mse_loss,
        "cross_entropy": tf.cross_entropy,
        "binary_cross_entropy": tf.binary_cross_entropy,
        "bce_with_logits": tf.binary_cross_entropy_with_logits,
    }[name]


# ---------------------------------------------------------------- hand-checkable examples


@pytest.mark.parametrize("impl", IMPLS)
def test_hand_examples(impl):
    mse = loss_fn("mse_loss", impl)
    loss, d = mse(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    assert loss == 5.0  # (1 + 9) / 2
    np.testing.assert_array_equal(d, [1.0, 3.0])  # 2 * diff / 2
    loss, d = mse(np.array([1.0, 3.0]), np.array([0.0, 0.0]), reduction="sum")
    assert loss == 10.0
    np.testing.assert_array_equal(d, [2.0, 6.0])

    ce = loss_fn("cross_entropy", impl)
    logits = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])  # softmax rows (1/2, 1/2) and (1/4, 3/4)
    loss, d = ce(logits, np.array([1, 0]), reduction="sum")
    assert loss == pytest.approx(np.log(2.0) + np.log(4.0), rel=1e-15)
    np.testing.assert_allclose(d, [[0.5, -0.5], [-0.75, 0.75]], rtol=1e-15)  # softmax - onehot
    loss_mean, d_mean = ce(logits, np.array([1, 0]))
    assert loss_mean == pytest.approx(loss / 2, rel=1e-15)  # "mean" divides by N
    np.testing.assert_allclose(d_mean, d / 2, rtol=1e-15)

    bce = loss_fn("binary_cross_entropy", impl)
    loss, d = bce(np.array([0.5, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]), reduction="sum")
    assert loss == pytest.approx(np.log(2.0) + 100.0, rel=1e-15)  # log(1 - 1) clamped at -100; 0 for p=t=0
    # (p - t) / max(p (1 - p), eps): -0.5 / 0.25, 1 / eps, 0; eps is PyTorch's 1e-12 rounded to float32
    eps = float(np.float32(1e-12))
    np.testing.assert_allclose(d, [-2.0, 1 / eps, 0.0], rtol=1e-15)

    bcel = loss_fn("bce_with_logits", impl)
    loss, d = bcel(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    assert loss == pytest.approx(np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(d, [-0.25, 0.25], rtol=1e-15)  # (sigmoid(0) - t) / 2


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_gradient_matches_finite_differences(name, reduction, impl, rng):
    fn = loss_fn(name, impl)
    x, target = make_inputs(name, rng)
    _, d = fn(x, target, reduction=reduction)
    d_num = numerical_gradient(lambda v: np.array(fn(v, target, reduction=reduction)[0]), x, np.array(1.0))
    assert rel_error(d, d_num) < 1e-7


# ---------------------------------------------------------------- naive == fast


@pytest.mark.parametrize("shape", [(1, 1), (5, 2), (3, 7)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_naive_equals_fast(name, reduction, shape, rng):
    x, target = make_inputs(name, rng, shape=shape)
    loss_f, d_f = loss_fn(name, "fast")(x, target, reduction=reduction)
    loss_n, d_n = loss_fn(name, "naive")(x, target, reduction=reduction)
    assert loss_f == pytest.approx(loss_n, rel=1e-12)
    np.testing.assert_allclose(d_f, d_n, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_matches_torch(name, reduction, impl, dtype, rng):
    torch = torch_or_skip()
    x, target = make_inputs(name, rng, dtype=dtype, shape=(6, 5))
    loss, d = loss_fn(name, impl)(x, target, reduction=reduction)
    xt = torch.tensor(x, requires_grad=True)
    loss_t = torch_loss(torch, name)(xt, torch.tensor(target), reduction=reduction)
    loss_t.backward()
    assert isinstance(loss, float)
    assert d.dtype == dtype and d.shape == x.shape
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert loss == pytest.approx(loss_t.item(), rel=rtol)
    np.testing.assert_allclose(d, xt.grad.numpy(), rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.torch
@pytest.mark.parametrize("impl", IMPLS)
def test_bce_clamp_matches_torch_at_0_and_1(impl):
    torch = torch_or_skip()
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.3])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    loss, d = loss_fn("binary_cross_entropy", impl)(p, t, reduction="sum")
    pt = torch.tensor(p, requires_grad=True)
    loss_t = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(t), reduction="sum")
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(d, pt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("meta", "arrays"), ops_fixture_cases(set(LOSSES)))
def test_matches_stored_torch_results(meta, arrays, impl):
    target = arrays["target_idx"] if meta["op"] == "cross_entropy" else arrays["target"]
    loss, d = loss_fn(meta["op"], impl)(arrays["input"], target, **meta["kwargs"])
    assert loss == pytest.approx(float(arrays["loss"]), rel=1e-12)
    np.testing.assert_allclose(d, arrays["dinput"], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- stability


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_large_logits_finite(impl, dtype):
    logits = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, 1000.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, d = loss_fn("cross_entropy", impl)(logits, np.array([1, 0]), reduction="sum")
    # Row 0: logsumexp = 1000 + log(1 + e^-1), minus 999; row 1: 2000 (exp(-2000) underflows to 0).
    expected = 1.0 + np.log1p(np.exp(-1.0)) + 2000.0
    assert np.isfinite(loss) and loss == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-12)
    assert np.all(np.isfinite(d)) and d.dtype == dtype


@pytest.mark.torch
@pytest.mark.parametrize("impl", IMPLS)
def test_extreme_inputs_match_torch(impl):
    torch = torch_or_skip()
    logits = np.array([[1000.0, 999.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0, 3.0]])
    target = np.array([2, 3])
    loss, d = loss_fn("cross_entropy", impl)(logits, target)
    lt = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(target))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(d, lt.grad.numpy(), rtol=1e-12, atol=1e-300)
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, d = loss_fn("bce_with_logits", impl)(z, y, reduction="sum")
    zt = torch.tensor(z, requires_grad=True)
    loss_t = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="sum")
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)  # 2000: the two confident mistakes
    np.testing.assert_allclose(d, zt.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- contracts


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", LOSSES)
def test_dtype_preserved_and_inputs_untouched(name, impl, dtype, rng):
    x, target = make_inputs(name, rng, dtype=dtype)
    x_copy, target_copy = x.copy(), target.copy()
    loss, d = loss_fn(name, impl)(x, target)
    assert type(loss) is float
    assert d.dtype == dtype and d.shape == x.shape
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(target, target_copy)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("impl", IMPLS)
def test_cross_entropy_errors(impl):
    ce = loss_fn("cross_entropy", impl)
    logits = np.zeros((3, 4))
    with pytest.raises(TypeError, match=r"cross_entropy: expected target of integer class indices.*float64"):
        ce(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"cross_entropy: expected class indices in \[0, 3\].*\[4\] out of range"
    ):
        ce(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: expected class indices.*\[-1\] out of range"):
        ce(logits, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(N,\) = \(3,\).*\(2,\)"):
        ce(logits, np.array([0, 1]))
    with pytest.raises(
        ValueError, match=r"cross_entropy: expected logits of shape \(N, C\), got shape \(4,\)"
    ):
        ce(np.zeros(4), np.array([0]))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", LOSSES)
def test_unknown_reduction(name, impl, rng):
    x, target = make_inputs(name, rng)
    with pytest.raises(
        ValueError, match=rf"{name}: expected reduction \"mean\" or \"sum\", got reduction='none'"
    ):
        loss_fn(name, impl)(x, target, reduction="none")


@pytest.mark.parametrize("impl", IMPLS)
def test_shape_and_range_errors(impl):
    with pytest.raises(
        ValueError, match=r"mse_loss: expected target shaped like input \(4, 1\), got .*\(4,\)"
    ):
        loss_fn("mse_loss", impl)(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: expected input probabilities in \[0, 1\]"):
        loss_fn("binary_cross_entropy", impl)(np.array([0.5, 1.5]), np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match=r"mse_loss: expected target with a floating dtype"):
        loss_fn("mse_loss", impl)(np.zeros(3), np.arange(3))
