"""Activations: finite differences -> naive -> fast -> PyTorch (live and stored), stability, contracts."""

import warnings

import numpy as np
import pytest
from tests.conftest import ops_fixture_cases, torch_or_skip

import cnn_scratch.functional as F
from cnn_scratch.gradcheck import numerical_gradient, rel_error

IMPLS = ["fast", "naive"]
# (op name, keyword arguments): every activation, softmax-like ones along several axes.
CASES = [
    ("relu", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("softmax", {}),
    ("softmax", {"dim": 0}),
    ("softmax", {"dim": 1}),
    ("log_softmax", {}),
    ("log_softmax", {"dim": 0}),
    ("log_softmax", {"dim": -2}),
]
IDS = [f"{op}-{kw}" for op, kw in CASES]


def ops(name, impl):
    suffix = "_naive" if impl == "naive" else ""
    return getattr(F, f"{name}_forward{suffix}"), getattr(F, f"{name}_backward{suffix}")


def torch_fn(torch, name, kwargs):
    tf = torch.nn.functional
    fns = {
        "relu": tf.relu,
        "leaky_relu": lambda t: tf.leaky_relu(t, kwargs.get("negative_slope", 0.01)),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda t: tf.softmax(t, dim=kwargs.get("dim", -1)),
        "log_softmax": lambda t: tf.log_softmax(t, dim=kwargs.get("dim", -1)),
    }
    return fns[name]


# ---------------------------------------------------------------- hand-checkable examples


@pytest.mark.parametrize("impl", IMPLS)
def test_hand_examples(impl):
    x = np.array([-2.0, 0.0, 3.0])
    dout = np.array([1.0, 1.0, 1.0])
    fwd, bwd = ops("relu", impl)
    out, cache = fwd(x)
    np.testing.assert_array_equal(out, [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(bwd(dout, cache), [0.0, 0.0, 1.0])  # 0 at x == 0 (PyTorch)
    fwd, bwd = ops("leaky_relu", impl)
    out, cache = fwd(x, negative_slope=0.5)
    np.testing.assert_array_equal(out, [-1.0, 0.0, 3.0])
    np.testing.assert_array_equal(bwd(dout, cache), [0.5, 0.5, 1.0])  # slope at x == 0 (PyTorch)
    fwd, bwd = ops("sigmoid", impl)
    out, cache = fwd(np.array([0.0]))
    np.testing.assert_array_equal(out, [0.5])
    np.testing.assert_array_equal(bwd(np.array([1.0]), cache), [0.25])  # s (1 - s)
    fwd, bwd = ops("tanh", impl)
    out, cache = fwd(np.array([0.0]))
    np.testing.assert_array_equal(bwd(np.array([2.0]), cache), [2.0])  # 1 - tanh(0)^2 = 1
    fwd, bwd = ops("softmax", impl)
    out, cache = fwd(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(out, [[0.25, 0.75]], rtol=1e-15)
    # dx = s * (dout - s.dout): with dout = (1, 0), s.dout = 0.25 -> (0.25*0.75, 0.75*(-0.25))
    np.testing.assert_allclose(bwd(np.array([[1.0, 0.0]]), cache), [[0.1875, -0.1875]], rtol=1e-15)
    fwd, bwd = ops("log_softmax", impl)
    out, cache = fwd(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(out, [[np.log(0.25), np.log(0.75)]], rtol=1e-15)
    # dx = dout - softmax * sum(dout): dout = (1, 0) -> (1 - 0.25, -0.75)
    np.testing.assert_allclose(bwd(np.array([[1.0, 0.0]]), cache), [[0.75, -0.75]], rtol=1e-15)


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_backward_matches_finite_differences(name, kwargs, impl, rng):
    fwd, bwd = ops(name, impl)
    x = rng.standard_normal((3, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink of relu / leaky_relu
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(out.shape)
    dx = bwd(dout, cache)
    assert rel_error(dx, numerical_gradient(lambda v: fwd(v, **kwargs)[0], x, dout)) < 1e-7


# ---------------------------------------------------------------- naive == fast


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_naive_equals_fast(name, kwargs, shape, rng):
    if "dim" in kwargs and not -len(shape) <= kwargs["dim"] < len(shape):
        kwargs = {"dim": -1}
    x = rng.standard_normal(shape) * 4
    x.flat[0] = 0.0
    (ff, fb), (nf, nb) = ops(name, "fast"), ops(name, "naive")
    out_f, cache_f = ff(x, **kwargs)
    out_n, cache_n = nf(x, **kwargs)
    np.testing.assert_allclose(out_f, out_n, rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(shape)
    np.testing.assert_allclose(fb(dout, cache_f), nb(dout, cache_n), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_matches_torch(name, kwargs, impl, dtype, rng):
    torch = torch_or_skip()
    fwd, bwd = ops(name, impl)
    x = (rng.standard_normal((4, 6)) * 3).astype(dtype)
    x[0, :2] = 0.0  # the derivative convention at 0
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(x.shape).astype(dtype)
    dx = bwd(dout, cache)
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch_fn(torch, name, kwargs)(xt)
    out_t.backward(torch.tensor(dout))
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_allclose(out, out_t.detach().numpy(), **tol)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **tol)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("meta", "arrays"), ops_fixture_cases({"relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax"})
)
def test_matches_stored_torch_results(meta, arrays, impl):
    fwd, bwd = ops(meta["op"], impl)
    out, cache = fwd(arrays["x"], **meta["kwargs"])
    np.testing.assert_allclose(out, arrays["out"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bwd(arrays["dout"], cache), arrays["dx"], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- stability


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_logits_are_finite_and_shift_invariant(impl, dtype, rng):
    base = rng.standard_normal((3, 4)).astype(dtype)
    for name in ("softmax", "log_softmax"):
        fwd, bwd = ops(name, impl)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow / invalid-value warnings either
            big, cache = fwd(base + dtype(1000))
            dx = bwd(np.ones_like(base), cache)
        assert np.all(np.isfinite(big)) and np.all(np.isfinite(dx))
        tol = 1e-12 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(big, fwd(base)[0], rtol=tol, atol=tol)  # softmax(x + c) == softmax(x)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_saturate_without_overflow(impl, dtype):
    x = np.array([-1000.0, -50.0, 50.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, s_cache = ops("sigmoid", impl)[0](x)
        t, _ = ops("tanh", impl)[0](x)
        ds = ops("sigmoid", impl)[1](np.ones_like(x), s_cache)
    np.testing.assert_array_equal(s[[0, 3]], [0.0, 1.0])
    np.testing.assert_array_equal(t, [-1.0, -1.0, 1.0, 1.0])
    assert np.all(np.isfinite(ds)) and np.all(ds >= 0)


@pytest.mark.torch
@pytest.mark.parametrize("impl", IMPLS)
def test_extreme_logits_match_torch(impl):
    torch = torch_or_skip()
    x = np.array([[1000.0, 999.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0, -1001.0]])
    for name in ("softmax", "log_softmax", "sigmoid"):
        out, _ = ops(name, impl)[0](x)
        ref = torch_fn(torch, name, {})(torch.tensor(x)).numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-300)


# ---------------------------------------------------------------- contracts


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_dtype_preserved_and_inputs_untouched(name, kwargs, impl, dtype, rng):
    fwd, bwd = ops(name, impl)
    x = rng.standard_normal((3, 4)).astype(dtype)
    dout = rng.standard_normal((3, 4)).astype(dtype)
    x_copy, dout_copy = x.copy(), dout.copy()
    out, cache = fwd(x, **kwargs)
    dx = bwd(dout, cache)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dout, dout_copy)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("impl", IMPLS)
def test_errors(impl):
    for name in ("softmax", "log_softmax"):
        fwd, bwd = ops(name, impl)
        with pytest.raises(
            ValueError, match=rf"{name}: expected dim in \[-2, 1\].*dim=2 with x of shape \(3, 4\)"
        ):
            fwd(np.zeros((3, 4)), dim=2)
        with pytest.raises(TypeError, match=rf"{name}: expected dim as an int"):
            fwd(np.zeros((3, 4)), dim=None)
        _, cache = fwd(np.zeros((3, 4)))
        with pytest.raises(
            ValueError, match=rf"{name}_backward: expected dout .* \(3, 4\), got shape \(4, 3\)"
        ):
            bwd(np.zeros((4, 3)), cache)
    with pytest.raises(TypeError, match=r"relu: expected x with a floating dtype.*int64"):
        ops("relu", impl)[0](np.arange(3))
    with pytest.raises(TypeError, match=r"sigmoid: expected x as a numpy.ndarray"):
        ops("sigmoid", impl)[0]([1.0, 2.0])
