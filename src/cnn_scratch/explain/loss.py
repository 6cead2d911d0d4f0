"""Narrated losses: mean squared error, and softmax cross-entropy with its softmax - onehot gradient.

Values come from ``mse_loss_naive``, ``softmax_forward_naive`` and
``cross_entropy_naive`` (PyTorch's reductions: "mean" divides by the number of
elements for MSE and by N for cross-entropy).

    >>> e = explain_loss("cross_entropy", logits="0,0", target="1")
    >>> round(e.result["loss"], 6), e.result["dlogits"]
    (0.693147, array([[ 0.5, -0.5]]))

Read next: ``im2col.py``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..gradcheck import numerical_gradient
from . import inputs
from .common import EXACT, FD, compare
from .render import format_number as fn
from .steps import Explanation

KINDS = ("mse", "cross_entropy")


def explain_loss(
    kind: str = "cross_entropy",
    logits="2x3",
    target=None,
    *,
    reduction: str = "mean",
    seed: int = 0,
) -> Explanation:
    """Narrate one loss and its gradient with respect to its input.

    mse:           loss = mean_i (input_i - target_i)**2,      dinput = 2 * (input - target) / numel
    cross_entropy: loss = mean_n -log softmax(logits[n])[y_n],  dlogits = (softmax(logits) - onehot(y)) / N

    Args:
        kind: "mse" or "cross_entropy" ("ce" is accepted).
        logits: the input (N, C): a size (seeded integers -2..2), numbers, path or array.
        target: cross-entropy: class indices ``"0,2"`` (N,) (None: seeded); mse: an array like
            ``logits`` (None: seeded integers -2..2).
        reduction: "mean" or "sum".
        seed: seed of the random integers.

    Returns:
        ``Explanation``; ``result`` holds ``loss`` (float) and the gradient (``dlogits`` or ``dinput``).
    """
    kind = {"ce": "cross_entropy", "cross-entropy": "cross_entropy"}.get(str(kind).lower(), str(kind).lower())
    if kind not in KINDS:
        inputs.fail(inputs.OP, f"loss one of {KINDS}", repr(kind), hint="e.g. --kind mse.")
    rng = np.random.default_rng(seed)
    z = inputs.as_matrix(logits, "logits", rng, "kernel", "2x3")  # (N, C)
    if kind == "mse":
        return _mse(z, target, reduction, rng)
    N, C = z.shape
    t = inputs.load(target, "target")
    y = rng.integers(0, C, size=N) if t is None else np.ravel(t).astype(np.int64)  # (N,)
    s, _ = F.softmax_forward_naive(z, dim=1)  # (N, C)
    loss, dz = F.cross_entropy_naive(z, y, reduction)  # dz: (N, C)
    e = Explanation(f"softmax cross-entropy: logits ({N}, {C}), reduction {reduction!r}")
    e.add(
        "the numbers",
        f"logits (N, C) and the true class of each sample: target = {list(map(int, y))}.",
        {"logits": z},
    )
    e.add(
        "softmax",
        "p[n, c] = exp(logits[n, c]) / sum_k exp(logits[n, k]) (max subtracted first, for "
        "stability): every row sums to 1.",
        {"softmax": s},
    )
    lines = []
    for n in range(N):
        ln, _ = F.cross_entropy_naive(z[n : n + 1], y[n : n + 1], "sum")
        lines.append(f"sample {n}: -log p[{n}, {y[n]}] = -log {fn(s[n, y[n]])} = {fn(ln)}")
    how = f"the mean over N = {N}" if reduction == "mean" else "the sum"
    e.add("loss", "\n".join(lines) + f"\nloss = {how} = {fn(loss)}")
    onehot = np.eye(C)[y]  # (N, C)
    scale = f" / N = / {N}" if reduction == "mean" else ""
    e.add(
        "gradient",
        f"dlogits = (softmax - onehot){scale}: push the true class up, the others down.",
        {"softmax": s, "onehot": onehot, "dlogits": dz},
        join=["-", "->"],
    )
    fl, fdz = F.cross_entropy(z, y, reduction)
    e.checks += [
        compare("loss, naive vs fast", loss, fl, EXACT),
        compare("dlogits, naive vs fast", dz, fdz, EXACT),
    ]
    est = numerical_gradient(lambda v: np.array(F.cross_entropy(v, y, reduction)[0]), z, np.array(1.0))
    e.checks.append(compare("dlogits vs finite differences", dz, est, FD))
    e.result = {"loss": loss, "softmax": s, "dlogits": dz, "target": y}
    return e


def _mse(p: np.ndarray, target, reduction: str, rng) -> Explanation:
    t = inputs.load(target, "target")
    t = inputs.random_ints(rng, p.shape, "kernel") if t is None else t.reshape(p.shape)
    loss, dp = F.mse_loss_naive(p, t, reduction)  # dp shaped like p
    e = Explanation(f"mean squared error: input {p.shape}, reduction {reduction!r}")
    e.add("the numbers", "", {"input": p, "target": t}, join=["vs"])
    terms = " + ".join(f"({fn(a)} - {_paren(b)})**2" for a, b in zip(p.ravel(), t.ravel(), strict=True))
    how = f"/ {p.size}" if reduction == "mean" else "(summed)"
    e.add("loss", f"loss = ({terms}) {how} = {fn(loss)}")
    e.add(
        "gradient",
        "dinput = 2 * (input - target)" + (f" / {p.size}" if reduction == "mean" else ""),
        {"dinput": dp},
    )
    fl, fdp = F.mse_loss(p, t, reduction)
    e.checks += [
        compare("loss, naive vs fast", loss, fl, EXACT),
        compare("dinput, naive vs fast", dp, fdp, EXACT),
    ]
    est = numerical_gradient(lambda v: np.array(F.mse_loss(v, t, reduction)[0]), p, np.array(1.0))
    e.checks.append(compare("dinput vs finite differences", dp, est, FD))
    e.result = {"loss": loss, "dinput": dp}
    return e


def _paren(v) -> str:
    return f"({fn(v)})" if v < 0 else fn(v)
