"""Linear and flatten: finite differences -> naive -> fast -> PyTorch (live and stored)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import ops_fixture_cases, torch_or_skip

import cnn_scratch.functional as F
from cnn_scratch.gradcheck import numerical_gradient, rel_error

IMPLS = ["fast", "naive"]


def ops(name, impl):
    suffix = "_naive" if impl == "naive" else ""
    return getattr(F, f"{name}_forward{suffix}"), getattr(F, f"{name}_backward{suffix}")


# ---------------------------------------------------------------- hand-checkable example


@pytest.mark.parametrize("impl", IMPLS)
def test_linear_hand_example(impl):
    fwd, bwd = ops("linear", impl)
    x = np.array([[1.0, 2.0], [0.0, -1.0]])  # (N=2, in=2)
    w = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 3.0]])  # (out=3, in=2)
    b = np.array([0.5, 0.0, -1.0])
    out, cache = fwd(x, w, b)
    # row 0: (1+2, 2, 6) + b; row 1: (-1, 0, -3) + b
    np.testing.assert_array_equal(out, [[3.5, 2.0, 5.0], [-0.5, 0.0, -4.0]])
    dout = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    dx, dw, db = bwd(dout, cache)
    np.testing.assert_array_equal(dx, [[1.0, 1.0], [0.0, 3.0]])  # rows of w picked by dout
    np.testing.assert_array_equal(dw, [[1.0, 2.0], [0.0, 0.0], [0.0, -1.0]])  # x rows routed to outputs
    np.testing.assert_array_equal(db, [1.0, 0.0, 1.0])


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_backward_matches_finite_differences(impl, bias, rng):
    fwd, bwd = ops("linear", impl)
    x, w = rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    b = rng.standard_normal(3) if bias else None
    out, cache = fwd(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = bwd(dout, cache)
    assert rel_error(dx, numerical_gradient(lambda v: fwd(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numerical_gradient(lambda v: fwd(x, v, b)[0], w, dout)) < 1e-7
    if bias:
        assert rel_error(db, numerical_gradient(lambda v: fwd(x, w, v)[0], b, dout)) < 1e-7
    else:
        assert db is None


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("start_dim", [0, 1, 2, -1])
def test_flatten_backward_matches_finite_differences(impl, start_dim, rng):
    fwd, bwd = ops("flatten", impl)
    x = rng.standard_normal((2, 3, 2, 4))
    out, cache = fwd(x, start_dim)
    dout = rng.standard_normal(out.shape)
    dx = bwd(dout, cache)
    # .copy(): the fast flatten returns a view of its input (as torch.flatten does), and
    # numerical_gradient perturbs that input in place.
    assert rel_error(dx, numerical_gradient(lambda v: fwd(v, start_dim)[0].copy(), x, dout)) < 1e-7


# ---------------------------------------------------------------- naive == fast


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    fin=st.integers(1, 6),
    fout=st.integers(1, 5),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_linear_naive_equals_fast(n, fin, fout, bias, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((n, fin)), rng.standard_normal((fout, fin))
    b = rng.standard_normal(fout) if bias else None
    (ff, fb), (nf, nb) = ops("linear", "fast"), ops("linear", "naive")
    out_f, cache_f = ff(x, w, b)
    out_n, cache_n = nf(x, w, b)
    np.testing.assert_allclose(out_f, out_n, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out_f.shape)
    for g_f, g_n in zip(fb(dout, cache_f), nb(dout, cache_n), strict=True):
        if g_f is None:
            assert g_n is None
        else:
            np.testing.assert_allclose(g_f, g_n, rtol=1e-12, atol=1e-12)


FLATTEN_CASES = [
    (shape, start_dim)
    for shape in [(2, 3, 4, 5), (1, 1, 1, 1), (3, 7), (4,)]
    for start_dim in (0, 1, -1)
    if -len(shape) <= start_dim < len(shape)
]


@pytest.mark.parametrize(("shape", "start_dim"), FLATTEN_CASES)
def test_flatten_naive_equals_fast(shape, start_dim, rng):
    x = rng.standard_normal(shape)
    (ff, fb), (nf, nb) = ops("flatten", "fast"), ops("flatten", "naive")
    out_f, cache_f = ff(x, start_dim)
    out_n, cache_n = nf(x, start_dim)
    np.testing.assert_array_equal(out_f, out_n)
    dout = rng.standard_normal(out_f.shape)
    np.testing.assert_array_equal(fb(dout, cache_f), nb(dout, cache_n))


def test_flatten_shapes():
    x = np.zeros((2, 3, 4, 5))
    assert F.flatten_forward(x)[0].shape == (2, 60)
    assert F.flatten_forward(x, 2)[0].shape == (2, 3, 20)
    assert F.flatten_forward(x, -1)[0].shape == (2, 3, 4, 5)
    assert F.flatten_forward(x, 0)[0].shape == (120,)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(impl, dtype, bias, rng):
    torch = torch_or_skip()
    fwd, bwd = ops("linear", impl)
    x, w = rng.standard_normal((6, 7)).astype(dtype), rng.standard_normal((4, 7)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype) if bias else None
    out, cache = fwd(x, w, b)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = bwd(dout, cache)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    out_t = torch.nn.functional.linear(xt, wt, bt)
    out_t.backward(torch.tensor(dout))
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    for mine, ref in ((out, out_t), (dx, xt.grad), (dw, wt.grad)) + (((db, bt.grad),) if bias else ()):
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, ref.detach().numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("start_dim", [0, 1, 2, -2])
def test_flatten_matches_torch(impl, start_dim, rng):
    torch = torch_or_skip()
    fwd, bwd = ops("flatten", impl)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    out, cache = fwd(x, start_dim)
    np.testing.assert_array_equal(out, torch.flatten(torch.tensor(x), start_dim=start_dim).numpy())
    assert bwd(out, cache).shape == x.shape


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("meta", "arrays"), ops_fixture_cases({"linear", "flatten"}))
def test_matches_stored_torch_results(meta, arrays, impl):
    fwd, bwd = ops(meta["op"], impl)
    tol = dict(rtol=1e-12, atol=1e-12)
    if meta["op"] == "flatten":
        out, cache = fwd(arrays["x"], **meta["kwargs"])
        np.testing.assert_array_equal(out, arrays["out"])
        np.testing.assert_array_equal(bwd(arrays["dout"], cache), arrays["dx"])
        return
    out, cache = fwd(arrays["x"], arrays["weight"], arrays.get("bias"))
    np.testing.assert_allclose(out, arrays["out"], **tol)
    dx, dw, db = bwd(arrays["dout"], cache)
    np.testing.assert_allclose(dx, arrays["dx"], **tol)
    np.testing.assert_allclose(dw, arrays["dweight"], **tol)
    if "dbias" in arrays:
        np.testing.assert_allclose(db, arrays["dbias"], **tol)
    else:
        assert db is None


# ---------------------------------------------------------------- contracts


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_and_inputs_untouched(impl, dtype, rng):
    fwd, bwd = ops("linear", impl)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((3, 4), (2, 4), (2,)))
    copies = [a.copy() for a in (x, w, b)]
    out, cache = fwd(x, w, b)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dout_copy = dout.copy()
    grads = bwd(dout, cache)
    assert out.dtype == dtype and all(g.dtype == dtype for g in grads)
    for a, c in zip((x, w, b, dout), (*copies, dout_copy), strict=True):
        np.testing.assert_array_equal(a, c)
    ffwd, fbwd = ops("flatten", impl)
    x4 = rng.standard_normal((2, 3, 2, 2)).astype(dtype)
    out, cache = ffwd(x4)
    assert out.dtype == dtype and fbwd(out, cache).dtype == dtype


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("impl", IMPLS)
def test_linear_errors(impl):
    fwd, bwd = ops("linear", impl)
    x, w = np.zeros((4, 5)), np.zeros((3, 6))
    with pytest.raises(ValueError, match=r"linear: .*got x of shape \(4, 5\) and weight of shape \(3, 6\)"):
        fwd(x, w)
    with pytest.raises(
        ValueError, match=r"linear: expected x of shape \(N, in_features\), got shape \(4, 1, 5\)"
    ):
        fwd(x[:, None], np.zeros((3, 5)))
    with pytest.raises(
        ValueError, match=r"linear: expected bias of shape \(out_features,\) = \(3,\), got shape \(4,\)"
    ):
        fwd(x, np.zeros((3, 5)), np.zeros(4))
    with pytest.raises(TypeError, match=r"linear: expected weight with the dtype of x \(float64\)"):
        fwd(x, np.zeros((3, 5), dtype=np.float32))
    _, cache = fwd(x, np.zeros((3, 5)))
    with pytest.raises(
        ValueError,
        match=r"linear_backward: expected dout of the forward output's shape \(N, out_features\) = \(4, 3\)",
    ):
        bwd(np.zeros((4, 5)), cache)
    with pytest.raises(
        TypeError,
        match=r"linear_backward: expected dout of dtype float64 like the forward input, got dtype float32",
    ):
        bwd(np.zeros((4, 3), dtype=np.float32), cache)


@pytest.mark.parametrize("impl", IMPLS)
def test_flatten_errors(impl):
    fwd, _ = ops("flatten", impl)
    with pytest.raises(ValueError, match=r"flatten: expected start_dim in \[-2, 1\].*start_dim=2"):
        fwd(np.zeros((2, 3)), 2)
    with pytest.raises(TypeError, match=r"flatten: expected start_dim as an int"):
        fwd(np.zeros((2, 3)), 1.0)
