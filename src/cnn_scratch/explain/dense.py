"""Narrated fully connected (dense / linear) layer, forward and backward, from ``linear.py``.

``out[n, o] = sum_i x[n, i] * weight[o, i] + bias[o]``: one dot product per sample
and output feature. The values come from ``linear_forward_naive`` and
``linear_backward_naive``; the narration only writes the terms out.

    >>> e = explain_dense("1,2", "1,0;1,1;0,-1", bias="0,0.5,1")
    >>> e.result["out"]
    array([[ 1. ,  3.5, -1. ]])

Read next: ``activation.py``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..gradcheck import numerical_gradient
from . import inputs
from .common import EXACT, FD, compare, fmt_shape
from .render import format_number as fn
from .steps import Explanation


def _terms(xrow, wrow) -> str:
    return " + ".join(f"{fn(a)}*{fn(b) if b >= 0 else f'({fn(b)})'}" for a, b in zip(xrow, wrow, strict=True))


def explain_dense(x="1x4", weight="3x4", bias=None, dout=None, *, seed: int = 0) -> Explanation:
    """Narrate a linear layer (the seed's "dense layer"): forward, then its three gradients.

    out = x @ weight.T + bias;  dx = dout @ weight;  dweight = dout.T @ x;  dbias = sum_n dout[n].

    Args:
        x: input (N, in_features): a size ``"1x4"`` (seeded integers 0..9), numbers, path or array.
        weight: (out_features, in_features): a size (seeded integers -2..2), numbers, path or array.
        bias: None, True (seeded integers), numbers or an array (out_features,).
        dout: upstream gradient (N, out_features); None draws seeded integers -2..2.
        seed: seed of the random integers.

    Returns:
        ``Explanation``; ``result`` holds ``out``, ``dout``, ``dx``, ``dweight`` and ``dbias``.
    """
    rng = np.random.default_rng(seed)
    x = inputs.as_matrix(x, "input", rng, "input", "1x4")  # (N, in_features)
    default_w = f"3x{x.shape[1]}"
    w = inputs.as_matrix(weight, "weight", rng, "kernel", default_w)  # (out_features, in_features)
    b = inputs.as_vector(bias, "bias", w.shape[0], rng, "bias")  # (out_features,) or None
    out, cache = F.linear_forward_naive(x, w, b)  # (N, out_features)
    g = inputs.as_grad(dout, out.shape, rng)  # (N, out_features)
    e = Explanation(f"dense (linear) layer: x {fmt_shape(x.shape)}, weight {fmt_shape(w.shape)}")
    e.add(
        "the numbers",
        "weight is (out_features, in_features), as in PyTorch: row o holds the weights of output o.",
        {"x": x, "weight": w} | ({"bias": b} if b is not None else {}),
    )
    lines = []
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            plus = f" + {fn(b[o])}" if b is not None else ""
            lines.append(
                f"out[{n}, {o}] = x[{n}] . weight[{o}]{plus} = {_terms(x[n], w[o])}{plus} = {fn(out[n, o])}"
            )
    e.add("forward: one dot product per output", "\n".join(lines), {"out": out})
    dx, dw, db = F.linear_backward_naive(g, cache)
    e.add("upstream gradient", "dL/dout (N, out_features).", {"dout": g})
    e.add(
        "input gradient",
        "dx = dout @ weight: each input sends back the weighted sum of the output gradients.",
        {"dout": g, "weight": w, "dx": dx},
        join=["@", "="],
    )
    e.add(
        "weight gradient",
        "dweight = dout.T @ x: dweight[o, i] = sum_n dout[n, o] * x[n, i].",
        {"dout.T": g.T, "x": x, "dweight": dw},
        join=["@", "="],
    )
    if db is not None:
        e.add("bias gradient", "dbias = dout summed over the batch.", {"dbias": db})
    fdx, fdw, _ = F.linear_backward(g, F.linear_forward(x, w, b)[1])
    e.checks += [compare("out, naive vs fast linear_forward", out, F.linear_forward(x, w, b)[0], EXACT)]
    e.checks += [
        compare("dx, naive vs fast", dx, fdx, EXACT),
        compare("dweight, naive vs fast", dw, fdw, EXACT),
    ]
    e.checks.append(
        compare(
            "dx vs finite differences",
            dx,
            numerical_gradient(lambda v: F.linear_forward(v, w, b)[0], x, g),
            FD,
        )
    )
    e.checks.append(
        compare(
            "dweight vs finite differences",
            dw,
            numerical_gradient(lambda v: F.linear_forward(x, v, b)[0], w, g),
            FD,
        )
    )
    e.result = {"out": out, "dout": g, "dx": dx, "dweight": dw, "dbias": db}
    return e
