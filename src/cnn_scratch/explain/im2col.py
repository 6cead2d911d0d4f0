"""Narrated im2col: every window becomes a column, and the whole convolution is one matmul.

Shows the column matrix built by ``functional.conv.im2col`` (the function training
uses), its shape formula, the kernels as a row matrix, the one GEMM (its result comes
from ``conv2d_forward``), and then times the naive loops against the fast kernel on a
realistic size (default x (8, 16, 14, 14), 32 filters of 5x5, padding 2).

    >>> e = explain_im2col("1,2,3;4,5,6;7,8,9", "1,0;0,1", bench=None)
    >>> e.result["cols"]
    array([[1., 2., 4., 5.],
           [2., 3., 5., 6.],
           [4., 5., 7., 8.],
           [5., 6., 8., 9.]])

Read next: ``cli.py``, which prints these narrations.
"""

from __future__ import annotations

import time

import numpy as np

from .. import functional as F
from ..functional.conv import im2col
from .common import EXACT, compare, fmt_shape
from .conv import build_conv_inputs
from .steps import Explanation

BENCH = ((8, 16, 14, 14), (32, 16, 5, 5), 2)
"""Default timing problem: x shape, weight shape, padding (a layer of the MNIST model, batch 8)."""


def time_naive_vs_fast(x_shape=BENCH[0], w_shape=BENCH[1], padding=BENCH[2], seed: int = 0) -> dict:
    """Time ``conv2d_forward_naive`` (once) and ``conv2d_forward`` (best of 5) on float32 random data.

    Returns:
        ``{"naive_s", "fast_s", "speedup", "naive", "fast", "x_shape", "w_shape", "padding"}``
        (``naive`` and ``fast`` are the two outputs, to compare).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape, dtype=np.float32)  # (N, C_in, H, W)
    w = rng.standard_normal(w_shape, dtype=np.float32)  # (C_out, C_in, KH, KW)
    t0 = time.perf_counter()
    slow, _ = F.conv2d_forward_naive(x, w, padding=padding)
    naive_s = time.perf_counter() - t0
    fast_s = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fast, _ = F.conv2d_forward(x, w, padding=padding)
        fast_s = min(fast_s, time.perf_counter() - t0)
    return {
        "naive_s": naive_s,
        "fast_s": fast_s,
        "speedup": naive_s / fast_s,
        "naive": slow,
        "fast": fast,
        "x_shape": x_shape,
        "w_shape": w_shape,
        "padding": padding,
    }


def explain_im2col(
    x="4x4",
    weight="3x3",
    stride=1,
    padding=0,
    *,
    channels: int = 1,
    filters: int = 2,
    seed: int = 0,
    bench=BENCH,
) -> Explanation:
    """Narrate convolution as im2col + one matrix multiply, and measure the speed-up.

    cols[(ci, u, v), (n, i, j)] = x_padded[n, ci, i*SH + u, j*SW + v]   # (C_in*KH*KW, N*H_out*W_out)
    out = weight.reshape(C_out, C_in*KH*KW) @ cols                    # (C_out, N*H_out*W_out)

    Args:
        x: input, as in ``explain_conv``.
        weight: kernel, as in ``explain_conv``.
        stride: int or (SH, SW).
        padding: int or (PH, PW).
        channels: C_in when ``x`` is a size.
        filters: C_out when ``weight`` is a size.
        seed: seed of the random integers.
        bench: ``(x_shape, weight_shape, padding)`` to time naive against fast, or None to skip.

    Returns:
        ``Explanation``; ``result`` holds ``cols``, ``w_rows``, ``gemm`` and, with ``bench``, ``timing``.
    """
    x, w, _, _ = build_conv_inputs(x, weight, None, channels, filters, seed)
    out, cache = F.conv2d_forward(x, w, None, stride, padding)  # (N, C_out, H_out, W_out)
    (SH, SW), (PH, PW) = cache.stride, cache.padding
    N, C_in = x.shape[:2]
    C_out, _, KH, KW = w.shape
    H_out, W_out = out.shape[2:]
    cols = cache.cols  # (C_in*KH*KW, N*H_out*W_out), the matrix conv2d_forward multiplied
    again = im2col(F.pad2d(x, (PH, PW)), KH, KW, SH, SW)
    e = Explanation(
        f"im2col: x {fmt_shape(x.shape)}, weight {fmt_shape(w.shape)}, stride ({SH}, {SW}), "
        f"padding ({PH}, {PW})"
    )
    e.add("the numbers", "", {"x": x, "weight": w})
    e.add(
        "the column matrix",
        "each window of x_padded, unrolled in the order (channel, row, column), becomes one column;\n"
        f"columns run over (n, i, j). Shape: (C_in*KH*KW, N*H_out*W_out) = ({C_in}*{KH}*{KW}, "
        f"{N}*{H_out}*{W_out}) = {fmt_shape(cols.shape)}. Windows overlap, so inputs repeat.",
        {"cols": cols},
    )
    w_rows = w.reshape(C_out, C_in * KH * KW)  # (C_out, C_in*KH*KW)
    e.add(
        "the kernels as rows",
        f"weight reshaped to (C_out, C_in*KH*KW) = {fmt_shape(w_rows.shape)}.",
        {"W": w_rows},
    )
    gemm = out.transpose(1, 0, 2, 3).reshape(C_out, N * H_out * W_out)  # (C_out, N*H_out*W_out)
    e.add(
        "one matrix multiply",
        "every dot product of every window with every filter at once, in BLAS: W @ cols; "
        f"reshaped to (N, C_out, H_out, W_out) = {fmt_shape(out.shape)} it is the output.",
        {"W": w_rows, "cols": cols, "W @ cols": gemm},
        join=["@", "="],
    )
    naive, _ = F.conv2d_forward_naive(x, w, None, stride, padding)
    e.checks.append(compare("im2col(x_padded) is the matrix conv2d_forward used", again, cols, EXACT))
    e.checks.append(compare("W @ cols vs the naive loops", out, naive, EXACT))
    e.result = {"cols": cols, "w_rows": w_rows, "gemm": gemm, "out": out}
    if bench is not None:
        t = time_naive_vs_fast(*bench, seed=seed)
        e.add(
            "why it is fast (measured now)",
            f"x {fmt_shape(t['x_shape'])}, weight {fmt_shape(t['w_shape'])}, "
            f"padding {t['padding']}, float32:\n"
            f"naive loops {t['naive_s'] * 1000:.0f} ms, im2col + GEMM {t['fast_s'] * 1000:.1f} ms: "
            f"{t['speedup']:.0f}x faster.\nThe loops pay Python's cost for every window; "
            "the GEMM does the same "
            "multiply-adds in compiled, cache-blocked, vectorized BLAS code.",
        )
        e.result["timing"] = t
        e.checks.append(compare("timed problem, naive vs fast (float32)", t["naive"], t["fast"], 1e-4))
    return e
