"""Per-op benchmarks: forward and backward time of the loop, fast and PyTorch versions on standard shapes.

The shapes (float32) are those of the MNIST models at batch 64:

    conv5x5      x (64, 16, 14, 14), weight (32, 16, 5, 5), padding 2       (model A, second conv)
    conv3x3_s2   x (64, 16, 28, 28), weight (32, 16, 3, 3), stride 2, padding 1
    maxpool2     x (64, 32, 24, 24), 2x2 windows                           (model B)
    linear       x (64, 9216), weight (128, 9216)                           (model B)

The loop versions are timed on ``loop_n`` images and scaled to the full batch (they are
linear in N); the JSON says so. The fast version's GFLOP/s (multiply-adds x 2) is
reported for conv and linear, beside the sgemm peak measured in the same run.
Read next: ``worker.py``.
"""

from __future__ import annotations

import numpy as np

from .timing import best_time

OPS = {
    "conv5x5": {"kind": "conv", "x": (64, 16, 14, 14), "w": (32, 16, 5, 5), "stride": 1, "padding": 2},
    "conv3x3_s2": {"kind": "conv", "x": (64, 16, 28, 28), "w": (32, 16, 3, 3), "stride": 2, "padding": 1},
    "maxpool2": {"kind": "pool", "x": (64, 32, 24, 24), "k": 2},
    "linear": {"kind": "linear", "x": (64, 9216), "w": (128, 9216)},
}


def flops(spec: dict) -> tuple[float, float]:
    """Floating-point operations of (forward, backward incl. dx) for ``spec``; 0 for pooling."""
    if spec["kind"] == "conv":
        N, C_in, H, W = spec["x"]
        C_out, _, KH, KW = spec["w"]
        S, P = spec["stride"], spec["padding"]
        H_out, W_out = (H + 2 * P - KH) // S + 1, (W + 2 * P - KW) // S + 1
        f = 2.0 * N * H_out * W_out * C_out * C_in * KH * KW
        return f, 2 * f  # backward: dweight and dx, one GEMM each
    if spec["kind"] == "linear":
        f = 2.0 * spec["x"][0] * spec["w"][0] * spec["w"][1]
        return f, 2 * f
    return 0.0, 0.0


def _inputs(spec: dict, n: int | None = None):
    rng = np.random.default_rng(0)
    shape = spec["x"] if n is None else (n, *spec["x"][1:])
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal(spec["w"], dtype=np.float32) * 0.1 if "w" in spec else None
    return x, w


def _numpy_pair(spec: dict, impl: str):
    """(forward(x, w) -> (out, cache), backward(dout, cache)) from cnn_scratch.functional."""
    from .. import functional as F

    suffix = "_naive" if impl == "naive" else ""
    kind = spec["kind"]
    if kind == "conv":
        fwd, bwd = getattr(F, "conv2d_forward" + suffix), getattr(F, "conv2d_backward" + suffix)
        return (lambda x, w: fwd(x, w, None, spec["stride"], spec["padding"])), bwd
    if kind == "pool":
        fwd, bwd = getattr(F, "max_pool2d_forward" + suffix), getattr(F, "max_pool2d_backward" + suffix)
        return (lambda x, w: fwd(x, spec["k"])), bwd
    fwd, bwd = getattr(F, "linear_forward" + suffix), getattr(F, "linear_backward" + suffix)
    return (lambda x, w: fwd(x, w)), bwd


def time_numpy_op(spec: dict, impl: str, repeat: int, loop_n: int) -> dict:
    """Forward and backward seconds for the full batch, ``impl`` = "fast" or "naive" (scaled from loop_n)."""
    n = spec["x"][0] if impl == "fast" else min(loop_n, spec["x"][0])
    x, w = _inputs(spec, n)
    fwd, bwd = _numpy_pair(spec, impl)
    out, cache = fwd(x, w)
    dout = np.random.default_rng(1).standard_normal(out.shape, dtype=np.float32)
    reps = repeat if impl == "fast" else 1
    scale = spec["x"][0] / n
    t_fwd = best_time(lambda: fwd(x, w), repeat=reps, warmup=1 if impl == "fast" else 0)
    t_bwd = best_time(lambda: bwd(dout, cache), repeat=reps, warmup=1 if impl == "fast" else 0)
    return {"forward_s": t_fwd * scale, "backward_s": t_bwd * scale, "measured_n": n}


def time_torch_op(spec: dict, repeat: int) -> dict:
    """Forward and backward seconds of the same op in PyTorch (backward computes dx and dweight)."""
    import torch
    import torch.nn.functional as TF

    x, w = _inputs(spec)
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = None if w is None else torch.from_numpy(w).requires_grad_(True)
    kind = spec["kind"]

    def fwd():
        if kind == "conv":
            return TF.conv2d(tx, tw, None, spec["stride"], spec["padding"])
        if kind == "pool":
            return TF.max_pool2d(tx, spec["k"])
        return TF.linear(tx, tw)

    out = fwd()
    dout = torch.randn(out.shape)

    def bwd():
        o = fwd()
        o.backward(dout)

    t_fwd = best_time(lambda: fwd(), repeat=repeat)
    t_both = best_time(bwd, repeat=repeat)
    return {"forward_s": t_fwd, "backward_s": max(t_both - t_fwd, 0.0)}
