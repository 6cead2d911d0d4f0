"""Narrated max / average pooling and its gradient, from ``pool_naive.py``.

The pooling loops have no ``trace`` hook, so the narration reads everything from
what they return: the output map, and for max pooling the cache's ``argmax`` (the
row-major index ``ki*KW + kj`` of the first maximum of each window). Windows are
shown as slices of the padded input made by the kernel's own ``pad_constant``;
gradients come from ``max_pool2d_backward_naive`` / ``avg_pool2d_backward_naive``.

    >>> e = explain_pool("1,2,5,0;3,4,1,1", 2)
    >>> e.result["out"][0, 0]
    array([[4., 5.]])
    >>> b = explain_pool_backward("1,4;4,2", 2, dout="3")
    >>> b.result["dx"][0, 0]  # a tie: the first maximum (row-major) gets the gradient
    array([[0., 3.],
           [0., 0.]])

Read next: ``dense.py``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..functional.pool_naive import pad_constant
from ..gradcheck import numerical_gradient
from . import inputs
from .common import EXACT, FD, compare, fmt_shape
from .conv import _size_text
from .render import format_number as fn
from .steps import Explanation

MODES = ("max", "avg")


def _run(x, kernel_size, stride, padding, mode: str):
    if mode not in MODES:
        inputs.fail(inputs.OP, f"mode one of {MODES}", repr(mode), hint="--mode max or --mode avg.")
    fwd = F.max_pool2d_forward_naive if mode == "max" else F.avg_pool2d_forward_naive
    out, cache = fwd(x, kernel_size, stride, padding)  # (N, C, H_out, W_out)
    (KH, KW), (SH, SW), (PH, PW), _ = cache[1]
    xp = pad_constant(x, PH, PW, -np.inf if mode == "max" else 0.0)  # (N, C, Hp, Wp)
    return out, cache, (KH, KW), (SH, SW), (PH, PW), xp


def _intro(e: Explanation, x, mode, KH, KW, SH, SW, PH, PW, xp):
    e.add("the numbers", "x is (N, C, H, W); pooling works on each channel alone.", {"x": x})
    size = [
        {"axis": a, "size": n, "kernel": k, "stride": s, "padding": p, "out": F.output_size(n, k, s, p)}
        for a, n, k, s, p in (("H", x.shape[2], KH, SH, PH), ("W", x.shape[3], KW, SW, PW))
    ]
    e.add("output size", "\n".join(_size_text(ev) for ev in size))
    if PH or PW:
        fill = "-inf (padding never wins a max)" if mode == "max" else "0 (the zeros count in the average)"
        e.add("padding", f"pad with {fill}.", {"x_padded": xp})


def explain_pool(
    x="4x4",
    kernel_size=2,
    stride=None,
    padding=0,
    *,
    mode: str = "max",
    channels: int = 1,
    seed: int = 0,
    max_windows: int | None = None,
) -> Explanation:
    """Narrate max or average pooling window by window.

    max: out[n, c, i, j] = max_{ki, kj} x_padded[n, c, i*SH + ki, j*SW + kj];
    avg: the same with the mean (padding zeros count).

    Args:
        x: input: size ``"4x4"`` (seeded integers 0..9), numbers, ``.npy`` path or array (H, W) / (C, H, W) /
            (N, C, H, W).
        kernel_size: int or (KH, KW).
        stride: int, (SH, SW) or None (= kernel_size).
        padding: int or (PH, PW), at most half the kernel.
        mode: "max" or "avg".
        channels: C when ``x`` is a size.
        seed: seed of the random integers.
        max_windows: narrate at most this many windows (None: all).

    Returns:
        ``Explanation``; ``result`` holds ``x`` and ``out`` (N, C, H_out, W_out).
    """
    rng = np.random.default_rng(seed)
    x = inputs.as_map_stack(x, "input", rng, "input", (1, channels))  # (N, C, H, W)
    out, cache, (KH, KW), (SH, SW), (PH, PW), xp = _run(x, kernel_size, stride, padding, mode)
    e = Explanation(f"{mode} pooling: x {fmt_shape(x.shape)}, window {KH}x{KW}, stride ({SH}, {SW})")
    _intro(e, x, mode, KH, KW, SH, SW, PH, PW, xp)
    N, C, H_out, W_out = out.shape
    count = 0
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    count += 1
                    if max_windows is not None and count > max_windows:
                        continue
                    window = xp[n, c, i * SH : i * SH + KH, j * SW : j * SW + KW]  # (KH, KW)
                    v = fn(out[n, c, i, j])
                    if mode == "max":
                        ki, kj = divmod(int(cache[2][n, c, i, j]), KW)
                        text = f"largest value {v}, at row {ki}, column {kj} of the window"
                    else:
                        text = f"mean of the {KH * KW} values = {v}"
                    e.add(
                        f"channel {c}, window ({i}, {j})",
                        f"{text}  ->  out[{n}, {c}, {i}, {j}] = {v}",
                        {"window": window},
                    )
    if max_windows is not None and count > max_windows:
        e.add(f"... {count - max_windows} more windows", "computed the same way.")
    e.add("output map", f"out is (N, C, H_out, W_out) = {fmt_shape(out.shape)}.", {"out": out})
    fast = (F.max_pool2d_forward if mode == "max" else F.avg_pool2d_forward)(x, kernel_size, stride, padding)[
        0
    ]
    e.checks.append(compare(f"out, naive vs fast {mode}_pool2d_forward", out, fast, EXACT))
    e.result = {"x": x, "out": out}
    return e


def explain_pool_backward(
    x="4x4",
    kernel_size=2,
    stride=None,
    padding=0,
    dout=None,
    *,
    mode: str = "max",
    channels: int = 1,
    seed: int = 0,
) -> Explanation:
    """Narrate where the gradient of pooling goes: to the (first) maximum, or spread evenly.

    max: dx[n, c, i*SH + ki*, j*SW + kj*] += dout[n, c, i, j] with (ki*, kj*) the first maximum;
    avg: dx[n, c, i*SH + ki, j*SW + kj] += dout[n, c, i, j] / (KH*KW) for every (ki, kj).

    Args:
        x: input, as in ``explain_pool``.
        kernel_size: int or (KH, KW).
        stride: int, (SH, SW) or None (= kernel_size).
        padding: int or (PH, PW).
        dout: upstream gradient (N, C, H_out, W_out) as numbers / path / array; None: seeded -2..2.
        mode: "max" or "avg".
        channels: C when ``x`` is a size.
        seed: seed of the random integers.

    Returns:
        ``Explanation``; ``result`` holds ``x``, ``out``, ``dout`` and ``dx`` (N, C, H, W).
    """
    rng = np.random.default_rng(seed)
    x = inputs.as_map_stack(x, "input", rng, "input", (1, channels))  # (N, C, H, W)
    out, cache, (KH, KW), (SH, SW), (PH, PW), xp = _run(x, kernel_size, stride, padding, mode)
    g = inputs.as_grad(dout, out.shape, rng)  # (N, C, H_out, W_out)
    e = Explanation(f"{mode} pooling backward: x {fmt_shape(x.shape)}, window {KH}x{KW}, stride ({SH}, {SW})")
    _intro(e, x, mode, KH, KW, SH, SW, PH, PW, xp)
    e.add("forward output and upstream gradient", "", {"out": out, "dout": g})
    bwd = F.max_pool2d_backward_naive if mode == "max" else F.avg_pool2d_backward_naive
    dx = bwd(g, cache)  # (N, C, H, W)
    lines = []
    ties = False
    N, C, H_out, W_out = out.shape
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    d = fn(g[n, c, i, j])
                    if mode == "avg":
                        lines.append(
                            f"window ({i}, {j}): dout {d} is shared by its {KH * KW} inputs, "
                            f"each gets {d} / {KH * KW}"
                        )
                        continue
                    ki, kj = divmod(int(cache[2][n, c, i, j]), KW)
                    window = xp[n, c, i * SH : i * SH + KH, j * SW : j * SW + KW]  # (KH, KW)
                    n_max = int(np.count_nonzero(window == window.flat[ki * KW + kj]))
                    r, q = i * SH + ki - PH, j * SW + kj - PW
                    tie = (
                        f" (a tie of {n_max} maxima: only the first, in row-major order, gets it)"
                        if n_max > 1
                        else ""
                    )
                    ties |= n_max > 1
                    lines.append(
                        f"channel {c}, window ({i}, {j}): dout {d} goes to x[{n}, {c}, {r}, {q}]{tie}"
                    )
    overlap = " Overlapping windows add their contributions." if (SH < KH or SW < KW) else ""
    e.add(
        "routing the gradient",
        "\n".join(lines) + ("\nEvery other input gets 0." if mode == "max" else "") + overlap,
        {"dx": dx},
    )
    fcache = (F.max_pool2d_forward if mode == "max" else F.avg_pool2d_forward)(
        x, kernel_size, stride, padding
    )[1]
    fast_bwd = F.max_pool2d_backward if mode == "max" else F.avg_pool2d_backward
    e.checks.append(compare(f"dx, naive vs fast {mode}_pool2d_backward", dx, fast_bwd(g, fcache), EXACT))
    if ties:
        e.add(
            "finite differences",
            "skipped: at a tie the max is not differentiable, so the estimate is not "
            "comparable (it splits the gradient between the tied inputs).",
        )
    else:
        fast_fwd = F.max_pool2d_forward if mode == "max" else F.avg_pool2d_forward
        est = numerical_gradient(lambda v: fast_fwd(v, kernel_size, stride, padding)[0], x, g)
        e.checks.append(compare("dx vs finite differences", dx, est, FD))
    e.result = {"x": x, "out": out, "dout": g, "dx": dx}
    return e
