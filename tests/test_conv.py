"""Tests of conv2d: finite differences -> naive loops -> fast im2col -> PyTorch, plus contracts."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import torch_or_skip

from cnn_scratch.functional import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)
from cnn_scratch.gradcheck import numerical_gradient, rel_error

IMPLS = {
    "naive": (conv2d_forward_naive, conv2d_backward_naive),
    "fast": (conv2d_forward, conv2d_backward),
}
FIXTURE = Path(__file__).parent / "fixtures" / "conv_torch.npz"

# (x shape (N, C_in, H, W), weight shape (C_out, C_in, KH, KW), stride, padding)
TINY_CASES = [
    ((1, 2, 5, 4), (3, 2, 3, 2), 1, 0),  # non-square input and kernel
    ((2, 1, 8, 6), (2, 1, 3, 2), 2, 1),  # stride 2 not dividing H: (8 + 2 - 3) / 2
    ((1, 2, 7, 8), (2, 2, 2, 3), 3, (1, 2)),  # stride 3 not dividing H: (7 + 2 - 2) / 3; padding pair
    ((2, 2, 6, 5), (3, 2, 3, 3), (3, 2), (2, 1)),  # stride pair
    ((2, 3, 4, 5), (2, 3, 1, 1), (2, 1), 0),  # 1x1 kernel
    ((1, 2, 3, 4), (2, 2, 5, 4), 1, (1, 0)),  # kernel equal to the padded input: 1x1 output
]


def make_case(rng, x_shape, w_shape, dtype=np.float64, bias=True):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    return x, w, b


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), TINY_CASES)
def test_gradients_match_finite_differences(rng, impl, x_shape, w_shape, stride, padding):
    forward, backward = IMPLS[impl]
    x, w, b = make_case(rng, x_shape, w_shape)
    out, cache = forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)

    # conv2d is linear in each of x, weight and bias, so centred differences carry no truncation
    # error at any step; h = 1e-3 (not the default 1e-5) divides the round-off error by 100, which
    # matters for gradient entries that happen to be near zero (rel_error is element-wise).
    h = 1e-3
    dx_num = numerical_gradient(lambda v: forward(v, w, b, stride, padding)[0], x, dout, h=h)
    dw_num = numerical_gradient(lambda v: forward(x, v, b, stride, padding)[0], w, dout, h=h)
    db_num = numerical_gradient(lambda v: forward(x, w, v, stride, padding)[0], b, dout, h=h)
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, dw_num) < 1e-7
    assert rel_error(db, db_num) < 1e-7


def assert_naive_equals_fast(rng, x_shape, w_shape, stride, padding, bias):
    x, w, b = make_case(rng, x_shape, w_shape, bias=bias)
    out_n, cache_n = conv2d_forward_naive(x, w, b, stride, padding)
    out_f, cache_f = conv2d_forward(x, w, b, stride, padding)
    np.testing.assert_allclose(out_f, out_n, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal(out_n.shape)
    grads_n = conv2d_backward_naive(dout, cache_n)
    grads_f = conv2d_backward(dout, cache_f)
    for name, g_n, g_f in zip(("dx", "dweight", "dbias"), grads_n, grads_f, strict=True):
        if g_n is None:
            assert g_f is None and name == "dbias" and not bias
            continue
        assert g_f.shape == g_n.shape, name
        np.testing.assert_allclose(g_f, g_n, rtol=1e-10, atol=1e-12, err_msg=name)


SWEEP_EDGES = [
    ((1, 1, 5, 7), (1, 1, 1, 1), 1, 0, False),  # N = 1, C_in = 1, 1x1 kernel
    ((1, 1, 6, 6), (4, 1, 3, 3), 3, 0, True),  # C_out != C_in, stride 3 dividing exactly
    ((2, 3, 9, 4), (2, 3, 2, 4), (2, 3), 2, True),  # padding 2, stride pair
    ((3, 2, 5, 6), (5, 2, 9, 6), 1, (2, 0), False),  # kernel equal to padded input, no bias
    ((2, 2, 7, 7), (3, 2, 3, 3), 2, (1, 2), True),  # padding pair, stride 2 not dividing W
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "bias"), SWEEP_EDGES)
def test_naive_equals_fast_on_edge_cases(rng, x_shape, w_shape, stride, padding, bias):
    assert_naive_equals_fast(rng, x_shape, w_shape, stride, padding, bias)


@st.composite
def conv_configs(draw):
    N, C_in, C_out = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 2)))
    stride = draw(st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    PH, PW = np.broadcast_to(padding, 2).tolist()
    H, W = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    KH = draw(st.integers(1, H + 2 * PH))  # up to the padded input: 1x1 output
    KW = draw(st.integers(1, W + 2 * PW))
    return (N, C_in, H, W), (C_out, C_in, KH, KW), stride, padding, draw(st.booleans())


@settings(deadline=None, max_examples=40)
@given(config=conv_configs(), seed=st.integers(0, 2**16))
def test_naive_equals_fast_randomized(config, seed):
    x_shape, w_shape, stride, padding, bias = config
    assert_naive_equals_fast(np.random.default_rng(seed), x_shape, w_shape, stride, padding, bias)


def torch_reference(torch, x, w, b, stride, padding, dout):
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    out.backward(torch.tensor(dout))
    db = None if b is None else tb.grad.numpy()
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), db


@pytest.mark.torch
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), TINY_CASES[1:5])
def test_matches_pytorch(rng, impl, dtype, rtol, x_shape, w_shape, stride, padding):
    torch = torch_or_skip()
    forward, backward = IMPLS[impl]
    x, w, b = make_case(rng, x_shape, w_shape, dtype=dtype)
    out, cache = forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape).astype(dtype)
    mine = (out, *backward(dout, cache))
    ref = torch_reference(torch, x, w, b, tuple(np.broadcast_to(stride, 2)), padding, dout)
    for name, m, r in zip(("out", "dx", "dweight", "dbias"), mine, ref, strict=True):
        assert m.dtype == dtype, name
        # Scale the absolute tolerance by the array's size: float32 sums of ~100 terms lose ~1e-6.
        np.testing.assert_allclose(m, r, rtol=rtol, atol=rtol * np.abs(r).max(), err_msg=name)


@pytest.mark.parametrize("impl", IMPLS)
def test_matches_pytorch_fixture(impl):
    forward, backward = IMPLS[impl]
    data = np.load(FIXTURE)
    assert int(data["n_cases"]) >= 5
    for c in range(int(data["n_cases"])):
        p = f"case{c}_"
        bias = data[p + "bias"] if p + "bias" in data else None
        stride, padding = tuple(data[p + "stride"].tolist()), tuple(data[p + "padding"].tolist())
        out, cache = forward(data[p + "x"], data[p + "weight"], bias, stride, padding)
        dx, dw, db = backward(data[p + "dout"], cache)
        np.testing.assert_allclose(out, data[p + "out"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx, data[p + "dx"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dw, data[p + "dweight"], rtol=1e-10, atol=1e-12)
        if bias is None:
            assert db is None
        else:
            np.testing.assert_allclose(db, data[p + "dbias"], rtol=1e-10, atol=1e-12)


# Golden example, checkable by hand. x[r, c] = 4r + c + 1 (1..16, row by row).
X44 = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)


@pytest.mark.parametrize("impl", IMPLS)
def test_golden_diagonal_kernel(impl):
    forward, backward = IMPLS[impl]
    # out[i, j] = x[i, j] + x[i+1, j+1] - x[i+2, j+2] + 10
    k = np.array([[[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]]])
    out, cache = forward(X44, k, np.array([10.0]))
    # (1 + 6 - 11, 2 + 7 - 12, 5 + 10 - 15, 6 + 11 - 16) + 10
    np.testing.assert_array_equal(out, [[[[6.0, 7.0], [10.0, 11.0]]]])
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx, dw, db = backward(dout, cache)
    np.testing.assert_array_equal(db, [10.0])  # 1 + 2 + 3 + 4
    # dw[u, v] = sum_ij dout[i, j] x[i+u, j+v] = 10 * x[u, v] + (0*1 + 1*2 + 4*3 + 5*4) = 10 x[u, v] + 34
    np.testing.assert_array_equal(dw, [[[[44.0, 54.0, 64.0], [84.0, 94.0, 104.0], [124.0, 134.0, 144.0]]]])
    # dx = dout placed at offset (0, 0), plus at (1, 1), minus at (2, 2)
    expected_dx = [[1.0, 2.0, 0.0, 0.0], [3.0, 5.0, 2.0, 0.0], [0.0, 3.0, 3.0, -2.0], [0.0, 0.0, -3.0, -4.0]]
    np.testing.assert_array_equal(dx, [[expected_dx]])


@pytest.mark.parametrize("impl", IMPLS)
def test_golden_box_filter_stride2_padding1(impl):
    forward, backward = IMPLS[impl]
    # 3x3 box sums over the zero-padded 6x6 map at rows/cols 0 and 2: windows cover x rows {0,1} / {1,2,3}.
    out, cache = forward(X44, np.ones((1, 1, 3, 3)), None, stride=2, padding=1)
    # 1+2+5+6, 2+3+4+6+7+8, 5+6+9+10+13+14, 6+7+8+10+11+12+14+15+16
    np.testing.assert_array_equal(out, [[[[14.0, 30.0], [57.0, 99.0]]]])
    dx, dw, db = backward(np.ones((1, 1, 2, 2)), cache)
    assert db is None
    # dx counts the windows covering each pixel: rows covered (1, 2, 1, 1) times, columns alike
    count = np.array([1.0, 2.0, 1.0, 1.0])
    np.testing.assert_array_equal(dx[0, 0], np.outer(count, count))
    # dw[u, v] = sum of x over rows {1}, {0,2}, {1,3} (u = 0, 1, 2) and columns likewise (v)
    expected_dw = [[6.0, 12.0, 14.0], [12.0, 24.0, 28.0], [20.0, 40.0, 44.0]]
    np.testing.assert_array_equal(dw[0, 0], expected_dw)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_and_inputs_not_mutated(rng, impl, dtype):
    forward, backward = IMPLS[impl]
    for padding in (0, 1):
        x, w, b = make_case(rng, (2, 3, 6, 5), (4, 3, 3, 2), dtype=dtype)
        dout = rng.standard_normal((2, 4, 4 + 2 * padding, 4 + 2 * padding)).astype(dtype)
        before = [a.copy() for a in (x, w, b, dout)]
        out, cache = forward(x, w, b, 1, padding)
        cache_before = [a.copy() if isinstance(a, np.ndarray) else a for a in cache]
        dx, dw, db = backward(dout, cache)
        for a in (out, dx, dw, db):
            assert a.dtype == dtype
        for a, a0 in zip((x, w, b, dout), before, strict=True):
            np.testing.assert_array_equal(a, a0)
        for a, a0 in zip(cache, cache_before, strict=True):
            np.testing.assert_array_equal(a, a0)  # backward may be called twice on one cache
        # outputs are fresh arrays, not views of the inputs
        assert not np.shares_memory(out, x) and not np.shares_memory(dx, dout)


@pytest.mark.parametrize("impl", IMPLS)
def test_compute_dx_false_and_no_bias(rng, impl):
    forward, backward = IMPLS[impl]
    x, w, _ = make_case(rng, (2, 2, 5, 5), (3, 2, 3, 3), bias=False)
    out, cache = forward(x, w)
    dout = rng.standard_normal(out.shape)
    dx_none, dw, db = backward(dout, cache, compute_dx=False)
    assert dx_none is None and db is None
    _, dw_full, _ = backward(dout, cache)
    np.testing.assert_allclose(dw, dw_full)


def test_naive_trace_events_tell_the_whole_story(rng):
    x, w, b = make_case(rng, (2, 2, 5, 4), (3, 2, 3, 2), bias=True)
    events = []

    def trace(event, **payload):
        events.append((event, payload))

    out, cache = conv2d_forward_naive(x, w, b, stride=2, padding=1, trace=trace)
    names = [e for e, _ in events]
    assert names[:3] == ["output_size", "output_size", "pad"] and names[-1] == "output"
    assert [p["out"] for e, p in events[:2]] == [3, 3]  # floor((5+2-3)/2)+1, floor((4+2-2)/2)+1
    windows = [p for e, p in events if e == "window"]
    assert len(windows) == out.size
    for p in windows:
        assert p["value"] == out[p["n"], p["c_out"], p["i"], p["j"]]
        np.testing.assert_allclose(p["products"].sum(), p["total"])
        np.testing.assert_allclose(p["total"] + p["bias"], p["value"])

    events.clear()
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward_naive(dout, cache, trace=trace)
    names = [e for e, _ in events]
    first = [n for i, n in enumerate(names) if n not in names[:i]]
    assert first == ["dout", "dbias", "dilate", "dweight", "pad_full", "rotate", "correlate", "crop"]
    payload = {e: p for e, p in events}  # last payload of each event
    assert payload["dilate"]["dout_dilated"].shape == (2, 3, 5, 5)  # stride-1 grid: (5+2-3+1, 4+2-2+1)
    np.testing.assert_array_equal(payload["dilate"]["dout_dilated"][:, :, ::2, ::2], dout)
    np.testing.assert_array_equal(payload["crop"]["dx"], dx)
    np.testing.assert_array_equal(payload["dbias"]["dbias"], db)
    np.testing.assert_array_equal(payload["dweight"]["total"], dw[2, 1])  # last pair: c_out 2, c_in 1
    np.testing.assert_array_equal(payload["rotate"]["rotated"], w[:, :, ::-1, ::-1])
    assert names.count("dweight") == 2 * 3 * 2 and names.count("correlate") == 2 * 3 * 2


BAD_CALLS = [
    (dict(x=np.ones((2, 5, 5))), ValueError, r"expected x of shape \(N, C_in, H, W\), got shape \(2, 5, 5\)"),
    (dict(weight=np.ones((4, 2, 3, 3))), ValueError, r"C_in = weight.shape\[1\] = 2 .* \(2, 3, 6, 5\)"),
    (dict(bias=np.ones(3)), ValueError, r"bias of shape \(C_out,\) = \(4,\), got shape \(3,\)"),
    (dict(padding=-1), ValueError, r"padding >= 0 on both axes, got padding=-1"),
    (dict(padding=(1, -2)), ValueError, r"padding >= 0 on both axes, got padding=\(1, -2\)"),
    (dict(stride=0), ValueError, r"stride >= 1 on both axes, got stride=0"),
    (dict(weight=np.ones((4, 3, 9, 2))), ValueError, r"\(axis H\): expected kernel size <= padded input"),
    (dict(x=[[[[1.0]]]]), TypeError, r"expected x as a numpy.ndarray .* got list"),
    (dict(x=np.ones((2, 3, 6, 5), dtype=np.int64)), TypeError, r"floating dtype .* got dtype int64"),
    (dict(weight=np.ones((4, 3, 3, 2), dtype=np.float32)), TypeError, r"same dtype, got x float64"),
    (dict(stride=1.5), TypeError, r"stride as an int or a pair of ints"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("override", "exc", "message"), BAD_CALLS)
def test_errors_name_the_op_shape_and_hint(impl, override, exc, message):
    forward, _ = IMPLS[impl]
    args = dict(x=np.ones((2, 3, 6, 5)), weight=np.ones((4, 3, 3, 2)), bias=None, stride=1, padding=0)
    args |= override
    with pytest.raises(exc, match=message) as info:
        forward(**args)
    assert str(info.value).startswith(forward.__name__)


@pytest.mark.parametrize("impl", IMPLS)
def test_backward_rejects_wrong_dout(impl):
    forward, backward = IMPLS[impl]
    out, cache = forward(np.ones((2, 3, 6, 5)), np.ones((4, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"dout of the forward output's shape .* \(2, 4, 4, 4\), got shape"):
        backward(out[:, :2], cache)
    with pytest.raises(TypeError, match=r"dout of dtype float64 .* got dtype float32"):
        backward(out.astype(np.float32), cache)
