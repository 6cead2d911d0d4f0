"""Contracts of the optimised kernels: dtype kept, layouts handled, blocks exact, no memory growth.

The speed tricks (channels-last views, im2col in blocks, uint8 argmax, mask multiplies) must
not change any result: every test here compares against the naive loops or a plain reference.
"""

import tracemalloc

import numpy as np
import pytest

from cnn_scratch import functional as F
from cnn_scratch import nn, optim
from cnn_scratch.functional import conv as conv_mod

DTYPES = (np.float32, np.float64)


def channels_last(a: np.ndarray) -> np.ndarray:
    """The same (N, C, H, W) values laid out (N, H, W, C) in memory, as a conv output is."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_keeps_dtype(rng, dtype):
    x = rng.standard_normal((2, 3, 7, 6)).astype(dtype)  # (N, C_in, H, W)
    w = rng.standard_normal((4, 3, 3, 2)).astype(dtype)  # (C_out, C_in, KH, KW)
    b = rng.standard_normal(4).astype(dtype)
    out, cache = F.conv2d_forward(x, w, b, stride=(2, 1), padding=1)
    dx, dw, db = F.conv2d_backward(rng.standard_normal(out.shape).astype(dtype), cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(dtype)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1)])
def test_max_pool_keeps_dtype(rng, dtype, kernel, stride, padding):
    x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
    out, cache = F.max_pool2d_forward(x, kernel, stride, padding)
    dx = F.max_pool2d_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_linear_loss_keep_dtype(rng, dtype):
    x = rng.standard_normal((5, 4)).astype(dtype)
    out, cache = F.relu_forward(x)
    assert out.dtype == F.relu_backward(np.ones_like(x), cache).dtype == dtype
    w = rng.standard_normal((3, 4)).astype(dtype)
    y, cache = F.linear_forward(x, w, np.zeros(3, dtype))
    assert y.dtype == dtype and all(g.dtype == dtype for g in F.linear_backward(np.ones_like(y), cache))
    _, dlogits = F.cross_entropy(y, np.array([0, 1, 2, 0, 1]))
    assert dlogits.dtype == dtype


def test_relu_backward_is_zero_where_x_is_not_positive():
    x = np.array([-1.0, 0.0, 2.0, -0.0], dtype=np.float32)
    dx = F.relu_backward(np.array([5.0, 6.0, 7.0, 8.0], dtype=np.float32), F.relu_forward(x)[1])
    np.testing.assert_array_equal(dx, [0.0, 0.0, 7.0, 0.0])


def test_conv_output_is_channels_last_view_with_nchw_values(rng):
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    out, _ = F.conv2d_forward(x, w, padding=1)
    ref, _ = F.conv2d_forward_naive(x, w, padding=1)
    assert out.shape == (2, 4, 5, 5)
    assert out.strides[1] == out.itemsize  # channels are adjacent in memory
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_chain_equals_naive_for_any_layout(rng, layout):
    """conv -> relu -> pool -> conv, forward and backward, fast vs naive, both input layouts."""
    x = rng.standard_normal((3, 2, 8, 8))
    x = channels_last(x) if layout == "channels_last" else x
    w1, w2 = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((5, 4, 3, 3))
    results = []
    for sfx in ("", "_naive"):
        conv_f, conv_b = getattr(F, "conv2d_forward" + sfx), getattr(F, "conv2d_backward" + sfx)
        pool_f, pool_b = getattr(F, "max_pool2d_forward" + sfx), getattr(F, "max_pool2d_backward" + sfx)
        h1, c1 = conv_f(x, w1, None, 1, 1)
        h2, c2 = F.relu_forward(h1)
        h3, c3 = pool_f(h2, 2)
        h4, c4 = conv_f(h3, w2, None, 1, 1)
        dout = np.arange(h4.size, dtype=float).reshape(h4.shape) / h4.size  # NCHW-contiguous dout
        d3, dw2, _ = conv_b(dout, c4)
        d1 = F.relu_backward(pool_b(d3, c3), c2)
        d0, dw1, _ = conv_b(d1, c1)
        results.append((h4, d0, dw1, dw2))
    for fast, naive in zip(*results, strict=True):
        np.testing.assert_allclose(fast, naive, rtol=1e-10, atol=1e-10)


def test_max_pool_backward_mixed_layouts(rng):
    x = channels_last(rng.standard_normal((2, 3, 6, 4)))
    out, cache = F.max_pool2d_forward(x, 2)
    dout = rng.standard_normal(out.shape)  # NCHW-contiguous, as from Flatten
    ref = F.max_pool2d_backward_naive(dout, F.max_pool2d_forward_naive(x, 2)[1])
    np.testing.assert_array_equal(F.max_pool2d_backward(dout, cache), ref)


@pytest.mark.parametrize("c_in", [1, 3])  # 1: the (KH*KW*C_in, rows) copy order; 3: channels-last rows
@pytest.mark.parametrize("keep", [True, False])  # im2col kept for backward, or rebuilt there
def test_conv_blocks_equal_one_block(rng, monkeypatch, c_in, keep):
    """im2col in blocks of images (with a partial last block) gives the same numbers as one block."""
    x = rng.standard_normal((7, c_in, 6, 5))
    w = rng.standard_normal((4, c_in, 3, 3))
    b = rng.standard_normal(4)
    out, cache = F.conv2d_forward(x, w, b, padding=1)
    dout = rng.standard_normal(out.shape)
    grads = F.conv2d_backward(dout, cache)
    row_bytes = 3 * 3 * c_in * 8  # KH*KW*C_in float64
    monkeypatch.setattr(conv_mod, "CHUNK_BYTES", 2 * 6 * 5 * row_bytes)  # two images per block: 2+2+2+1
    monkeypatch.setattr(conv_mod, "KEEP_COLS_BYTES", 1 << 30 if keep else 0)
    out2, cache2 = F.conv2d_forward(x, w, b, padding=1)
    assert (cache2.col_blocks is not None) == keep
    np.testing.assert_allclose(out2, out, rtol=1e-13, atol=1e-13)
    for g2, g in zip(F.conv2d_backward(dout, cache2), grads, strict=True):
        np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-12)


def test_conv_cache_cols_is_textbook_im2col(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    w = rng.standard_normal((2, 3, 3, 2))
    _, cache = F.conv2d_forward(x, w, stride=(2, 1), padding=(1, 0))
    expected = conv_mod.im2col(F.pad2d(x, (1, 0)), 3, 2, 2, 1)  # (C_in*KH*KW, N*H_out*W_out)
    np.testing.assert_array_equal(cache.cols, expected)


def test_training_allocates_nothing_that_grows():
    """50 steps of a small CNN: peak and retained traced memory of steps 30-50 do not exceed 10-30's."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10, rng=rng),
    )  # fmt: skip
    nn.skip_first_input_grad(model)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = rng.standard_normal((16, 1, 16, 16)).astype(np.float32)
    y = rng.integers(0, 10, 16)

    def step():
        model.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        opt.step()

    tracemalloc.start()
    try:
        peaks, current = [], []
        for window in ((0, 10), (10, 30), (30, 50)):
            tracemalloc.reset_peak()
            for _ in range(*window):
                step()
            cur, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            current.append(cur)
    finally:
        tracemalloc.stop()
    slack = 16 * 1024  # Python-level bookkeeping (dict resizes, small ints), far below one activation
    assert peaks[2] <= peaks[1] + slack
    assert current[2] <= current[1] + slack


def test_conv_backward_twice_with_other_work_between(rng):
    """Scratch buffers are recycled after backward: a second backward on the same cache still works."""
    x = rng.standard_normal((4, 2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    out, cache = F.conv2d_forward(x, w, padding=1)
    dout = rng.standard_normal(out.shape)
    first = F.conv2d_backward(dout, cache)
    other, other_cache = F.conv2d_forward(rng.standard_normal(x.shape), w, padding=1)  # reuses the buffers
    F.conv2d_backward(np.ones_like(other), other_cache)
    second = F.conv2d_backward(dout, cache)
    assert second[2] is None and first[2] is None  # no bias
    for g2, g in zip(second[:2], first[:2], strict=True):
        np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-12)


def _unfused_forward(model, x):
    """Run the layers one by one (no ReLU + MaxPool2d fusion): the reference for the fused path."""
    for layer in model:
        x = layer(x)
    return x


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1)])
def test_relu_max_pool_fusion_equals_unfused(rng, kernel, stride, padding):
    # Ties and all-negative windows included: the values are rounded to a coarse grid around 0.
    x = np.round(rng.standard_normal((3, 4, 8, 8)) * 2) / 2  # (N, C, H, W), float64
    model = nn.Sequential(nn.Conv2d(4, 3, 3, padding=1, rng=rng, dtype=np.float64), nn.ReLU(),
                          nn.MaxPool2d(kernel, stride, padding), nn.Flatten())  # fmt: skip
    model[0].weight.data[...] = np.round(model[0].weight.data * 4) / 4  # exact sums: ties survive the conv
    out = model(x)
    dout = rng.standard_normal(out.shape)
    dx = model.backward(dout)
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    ref = _unfused_forward(model, x)
    dx_ref = model.backward(dout)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(dx, dx_ref)
    for g, p in zip(grads, model.parameters(), strict=True):
        np.testing.assert_array_equal(g, p.grad)
    assert (ref == 0).any() and (ref > 0).any()  # both branches of the ReLU were exercised


def test_relu_max_pool_fusion_only_for_fast_relu_then_max_pool(rng):
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    assert nn.pooling.fuses_with_relu(relu, pool)
    assert not nn.pooling.fuses_with_relu(pool, relu)
    assert not nn.pooling.fuses_with_relu(nn.LeakyReLU(), pool)
    assert not nn.pooling.fuses_with_relu(relu, nn.AvgPool2d(2))
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)).use_impl("naive")
    assert not nn.pooling.fuses_with_relu(*model)
    x = rng.standard_normal((2, 3, 4, 4))
    np.testing.assert_array_equal(model(x), F.max_pool2d_forward(np.maximum(x, 0), 2)[0])


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.01),
        lambda ps: optim.AdamW(ps, lr=0.01),
    ],
)
def test_optimizer_step_allocates_no_parameter_sized_temporaries(make):
    rng = np.random.default_rng(0)
    p = nn.Parameter(rng.standard_normal(100_000).astype(np.float32))  # 400 kB
    opt = make([p])
    for _ in range(2):  # the first steps create the state and the work arrays
        p.grad[...] = rng.standard_normal(p.data.shape)
        opt.step()
    p.grad[...] = 1.0
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes // 4  # a single temporary of the parameter's size would be 400 kB
    assert all(not k.startswith("_") for s in opt.state_dict()["state"].values() for k in s)


def test_bench_merges_two_torch_passes_keeping_the_faster_figure():
    from cnn_scratch.bench import _merge_torch

    first = {"num_threads": 2, "ops": {"conv": {"forward_s": 2.0, "backward_s": 1.0}},
             "train": {"a": 100.0}, "infer": {"a": 50.0}, "scaling": {"b64": 10.0}}  # fmt: skip
    second = {"num_threads": 2, "ops": {"conv": {"forward_s": 1.5, "backward_s": 3.0}},
              "train": {"a": 90.0}, "infer": {"a": 60.0}, "scaling": {"b64": 11.0}}  # fmt: skip
    merged = _merge_torch(first, second)
    assert merged["ops"]["conv"] == {"forward_s": 1.5, "backward_s": 1.0}  # times: the smaller
    assert (merged["train"]["a"], merged["infer"]["a"], merged["scaling"]["b64"]) == (100.0, 60.0, 11.0)


def test_scratch_pool_holds_a_bounded_number_of_bytes():
    from cnn_scratch.functional.conv import _ScratchPool

    pool = _ScratchPool(per_key=8, max_bytes=1000)
    pool.give(*(np.empty(n, np.float32) for n in range(10, 200, 10)))  # 19 sizes, 7.6 kB offered
    assert pool._bytes <= 1000
    kept = sum(a.nbytes for stack in pool._free.values() for a in stack)
    assert kept == pool._bytes
    a = pool.take(10, np.float32)
    assert a.size == 10 and pool._bytes == kept - a.nbytes
