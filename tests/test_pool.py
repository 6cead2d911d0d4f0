"""Max and average pooling: finite differences -> naive -> fast -> PyTorch (live and stored)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import ops_fixture_cases, torch_or_skip

import cnn_scratch.functional as F
from cnn_scratch.gradcheck import numerical_gradient, rel_error

KINDS = ("max", "avg")


def ops(kind, impl):
    """Return (forward, backward) of the pooling kind for impl "fast" or "naive"."""
    suffix = "_naive" if impl == "naive" else ""
    return getattr(F, f"{kind}_pool2d_forward{suffix}"), getattr(F, f"{kind}_pool2d_backward{suffix}")


def distinct_input(rng, shape):
    """Values at least 1/size apart: no near-ties, so finite differences never cross a max switch."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) / size * 4.0 - 2.0).astype(np.float64)


# ---------------------------------------------------------------- hand-checkable examples


def test_max_pool_hand_example_and_first_max_tie_rule():
    # Window (0, 0) is all 1s (a tie: the first element wins); window (0, 1) has max 7 at (1, 1).
    x = np.array([[[[1.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 7.0]]]])  # (1, 1, 2, 4)
    for impl in ("fast", "naive"):
        fwd, bwd = ops("max", impl)
        out, cache = fwd(x, 2)
        np.testing.assert_array_equal(out, [[[[1.0, 7.0]]]])
        dx = bwd(np.array([[[[10.0, 20.0]]]]), cache)
        np.testing.assert_array_equal(dx, [[[[10.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 20.0]]]])


def test_avg_pool_counts_padding_zeros():
    # Ones padded by 1, 2x2 window, stride 1: a corner window holds one 1, an edge window 2, the centre 4.
    x = np.ones((1, 1, 2, 2))
    expected = np.array([[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    for impl in ("fast", "naive"):
        fwd, bwd = ops("avg", impl)
        out, cache = fwd(x, 2, stride=1, padding=1)
        np.testing.assert_allclose(out[0, 0], expected)
        # Every input lies in 4 windows, each passing 1/4 of its (unit) gradient.
        np.testing.assert_allclose(bwd(np.ones_like(out), cache), np.ones_like(x))


def test_stride_none_means_kernel_size(rng):
    x = rng.standard_normal((2, 3, 6, 9))
    for kind in KINDS:
        fwd, _ = ops(kind, "fast")
        np.testing.assert_array_equal(fwd(x, (2, 3))[0], fwd(x, (2, 3), stride=(2, 3))[0])
        assert fwd(x, (2, 3))[0].shape == (2, 3, 3, 3)


def test_overlapping_windows_accumulate():
    # 1x3 input, kernel (1, 2), stride 1: the middle max belongs to both windows and gets both gradients.
    x = np.array([[[[0.0, 5.0, 1.0]]]])
    for impl in ("fast", "naive"):
        fwd, bwd = ops("max", impl)
        out, cache = fwd(x, (1, 2), stride=1)
        np.testing.assert_array_equal(out, [[[[5.0, 5.0]]]])
        np.testing.assert_array_equal(bwd(np.array([[[[2.0, 3.0]]]]), cache), [[[[0.0, 5.0, 0.0]]]])


# ---------------------------------------------------------------- finite differences

GRAD_CASES = [
    ((2, 2, 5, 7), dict(kernel_size=(2, 3))),  # non-square, non-dividing
    ((1, 1, 4, 6), dict(kernel_size=2)),  # tiling fast path
    ((2, 3, 6, 5), dict(kernel_size=3, stride=1, padding=1)),  # overlapping + padding
    ((1, 2, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((1, 1, 5, 5), dict(kernel_size=2, stride=3)),  # stride > kernel: gaps
    ((2, 1, 3, 4), dict(kernel_size=(1, 3), stride=(1, 2), padding=(0, 1))),
]


@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("shape", "kwargs"), GRAD_CASES)
def test_backward_matches_finite_differences(kind, impl, shape, kwargs, rng):
    fwd, bwd = ops(kind, impl)
    x = distinct_input(rng, shape)
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(out.shape)
    dx = bwd(dout, cache)
    dx_num = numerical_gradient(lambda v: fwd(v, **kwargs)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-7


# ---------------------------------------------------------------- naive == fast sweep


@st.composite
def pool_setups(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 7))
    w = draw(st.integers(max(1, kw - 2 * pw), 7))
    stride = draw(st.one_of(st.none(), st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return (n, c, h, w), dict(kernel_size=(kh, kw), stride=stride, padding=(ph, pw))


@settings(max_examples=60, deadline=None)
@given(setup=pool_setups(), seed=st.integers(0, 2**16))
def test_naive_equals_fast(setup, seed):
    shape, kwargs = setup
    rng = np.random.default_rng(seed)
    # Small integers make many ties: both versions must pick the same (first) maximum.
    x_ties = rng.integers(-2, 3, size=shape).astype(np.float64)
    x_smooth = rng.standard_normal(shape)
    for kind, x in (("max", x_ties), ("max", x_smooth), ("avg", x_smooth)):
        (f_fwd, f_bwd), (n_fwd, n_bwd) = ops(kind, "fast"), ops(kind, "naive")
        out_f, cache_f = f_fwd(x, **kwargs)
        out_n, cache_n = n_fwd(x, **kwargs)
        np.testing.assert_allclose(out_f, out_n, rtol=1e-12, atol=1e-12)
        dout = rng.standard_normal(out_f.shape)
        np.testing.assert_allclose(f_bwd(dout, cache_f), n_bwd(dout, cache_n), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- PyTorch parity

TORCH_CASES = [
    ((2, 3, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((2, 2, 8, 8), dict(kernel_size=2)),
    ((1, 2, 9, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((3, 1, 5, 6), dict(kernel_size=(2, 3), stride=1)),
    ((1, 1, 6, 6), dict(kernel_size=2, stride=3)),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("shape", "kwargs"), TORCH_CASES)
def test_matches_torch(kind, impl, dtype, shape, kwargs, rng):
    torch = torch_or_skip()
    fwd, bwd = ops(kind, impl)
    x = rng.standard_normal(shape).astype(dtype)
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = bwd(dout, cache)
    xt = torch.tensor(x, requires_grad=True)
    fn = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    out_t = fn(xt, **kwargs)
    out_t.backward(torch.tensor(dout))
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_allclose(out, out_t.detach().numpy(), **tol)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(2, 3), stride=1)],
)
def test_ties_route_gradient_like_torch(impl, kwargs, rng):
    torch = torch_or_skip()
    fwd, bwd = ops("max", impl)
    x = np.full((1, 2, 4, 6), 3.0)  # every window is an all-equal tie
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(out.shape)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(xt, **kwargs).backward(torch.tensor(dout))
    np.testing.assert_allclose(bwd(dout, cache), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize(("meta", "arrays"), ops_fixture_cases({"max_pool2d", "avg_pool2d"}))
def test_matches_stored_torch_results(meta, arrays, impl):
    fwd, bwd = ops(meta["op"][:3], impl)
    out, cache = fwd(arrays["x"], **meta["kwargs"])
    np.testing.assert_allclose(out, arrays["out"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bwd(arrays["dout"], cache), arrays["dx"], rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- contracts


@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)])
def test_dtype_preserved_and_inputs_untouched(kind, impl, dtype, kwargs, rng):
    fwd, bwd = ops(kind, impl)
    x = rng.standard_normal((2, 3, 6, 8)).astype(dtype)
    x_copy = x.copy()
    out, cache = fwd(x, **kwargs)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dout_copy = dout.copy()
    dx = bwd(dout, cache)
    assert out.dtype == dtype and dx.dtype == dtype
    assert dx.shape == x.shape
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dout, dout_copy)
    assert not np.shares_memory(dx, dout)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("impl", ["fast", "naive"])
@pytest.mark.parametrize("kind", KINDS)
def test_errors(kind, impl):
    fwd, bwd = ops(kind, impl)
    op = f"{kind}_pool2d"
    x = np.zeros((1, 2, 4, 5))
    with pytest.raises(ValueError, match=rf"{op}: expected x of shape \(N, C, H, W\), got shape \(2, 4, 5\)"):
        fwd(x[0], 2)
    with pytest.raises(ValueError, match=rf"{op}: expected kernel size <= padded input size.*kernel=6"):
        fwd(x, (2, 6), padding=(0, 0))
    with pytest.raises(ValueError, match=rf"{op}: expected padding <= kernel_size / 2.*padding=\(2, 0\)"):
        fwd(x, 3, padding=(2, 0))
    with pytest.raises(ValueError, match=rf"{op}: expected stride >= 1 on both axes, got stride=0"):
        fwd(x, 2, stride=0)
    with pytest.raises(TypeError, match=rf"{op}: expected x with a floating dtype.*int64"):
        fwd(np.zeros((1, 1, 4, 4), dtype=np.int64), 2)
    with pytest.raises(TypeError, match=rf"{op}: expected kernel_size as an int or a pair"):
        fwd(x, 2.5)
    _, cache = fwd(x, 2)
    with pytest.raises(ValueError, match=rf"{op}_backward: expected dout of the forward output's shape"):
        bwd(np.zeros((1, 2, 3, 3)), cache)
