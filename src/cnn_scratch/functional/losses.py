"""Loss functions, vectorized: each returns ``(loss, dinput)`` in one call.

``loss`` is a Python float; ``dinput`` = d loss / d input, shaped like the input and of
its dtype. Reductions follow PyTorch: ``"mean"`` averages over every element, except
``cross_entropy``, whose "mean" divides by the batch size N (one term per sample);
``"sum"`` adds. (PyTorch's ``"none"`` is not offered: the loss here is one number.)

    mse_loss:             l_i = (input_i - target_i)**2
                          dl_i = 2 * (input_i - target_i)
    cross_entropy:        l_n = -log_softmax(logits[n])[target[n]]
                          dl_n = softmax(logits[n]) - onehot(target[n])
    binary_cross_entropy: l_i = -(t_i * log p_i + (1 - t_i) * log(1 - p_i)), each log clamped at -100
                          dl_i = (p_i - t_i) / max(p_i * (1 - p_i), eps), eps = 1e-12 as float32
    bce_with_logits:      l_i = max(x_i, 0) - x_i * t_i + log(1 + exp(-|x_i|))
                          dl_i = sigmoid(x_i) - t_i

and ``dinput`` is ``dl`` divided by the number of terms for "mean". The loop versions
are in ``losses_naive.py``.
Read next: ``losses_naive.py``, then the layers in ``cnn_scratch/nn``.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_array, fail
from .activations import sigmoid_forward

REDUCTIONS = ("mean", "sum")
# PyTorch's floor for p * (1 - p) in the BCE gradient: the constant 1e-12 stored as a float32,
# i.e. 9.999999960041972e-13 (float64 1e-12 would differ from torch by 4e-9 relative at p = 0 or 1).
BCE_EPSILON = float(np.float32(1e-12))


def check_reduction(reduction, op: str) -> None:
    """Raise a clear ValueError unless ``reduction`` is "mean" or "sum"."""
    if reduction not in REDUCTIONS:
        fail(
            op,
            'reduction "mean" or "sum"',
            f"reduction={reduction!r}",
            hint='"none" is not offered: the loss here is one number; use "sum" and keep the terms yourself.',
        )


def check_pair(input, target, op: str) -> np.ndarray:
    """Check an (input, target) pair of the same shape; return ``target`` cast to ``input``'s dtype."""
    check_array(input, "input", op)
    check_array(target, "target", op)
    if target.shape != input.shape:
        fail(
            op,
            f"target shaped like input {input.shape}",
            f"target of shape {target.shape}",
            hint="reshape the target (e.g. y[:, None] for an (N, 1) output); no broadcasting is done.",
        )
    return target.astype(input.dtype, copy=False)


def check_classes(logits, target, op: str = "cross_entropy") -> np.ndarray:
    """Check (N, C) logits and (N,) integer class targets in [0, C); return the targets as intp.

    >>> import numpy as np
    >>> check_classes(np.zeros((2, 3)), [2, 0])
    array([2, 0])
    """
    check_array(logits, "logits", op, ndim=2, layout="(N, C)")
    target = np.asarray(target)
    if target.dtype == bool or not np.issubdtype(target.dtype, np.integer):
        fail(
            op,
            "target of integer class indices (N,)",
            f"dtype {target.dtype} with shape {target.shape}",
            hint="pass class indices such as y.astype(numpy.int64), not one-hot rows or probabilities.",
            exc=TypeError,
        )
    n, c = logits.shape
    if target.shape != (n,):
        fail(
            op,
            f"target of shape (N,) = ({n},) for logits of shape {logits.shape}",
            f"target of shape {target.shape}",
            hint="one class index per row of logits; the batch sizes must match.",
        )
    if target.size and (target.min() < 0 or target.max() >= c):
        bad = target[(target < 0) | (target >= c)]
        fail(
            op,
            f"class indices in [0, {c - 1}] for logits with C = {c} classes",
            f"target values {bad[:5].tolist()} out of range",
            hint="check the number of output features of the last layer.",
        )
    return target.astype(np.intp, copy=False)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: ``loss = mean((input - target)**2)`` (or the sum).

    Gradient: ``dinput = 2 * (input - target) / numel`` for "mean", ``2 * (input - target)`` for "sum".

    Args:
        input: predictions, any shape, float32 or float64.
        target: same shape as ``input`` (cast to its dtype).
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.

    >>> import numpy as np
    >>> mse_loss(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    (5.0, array([1., 3.]))
    """
    op = "mse_loss"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    diff = input - target  # shaped like input
    scale = input.size if reduction == "mean" else 1
    return float(np.sum(diff * diff) / scale), (2 * diff) / scale


def cross_entropy(logits, target, reduction="mean"):
    """Cross-entropy of (N, C) logits against integer classes, via a stable log-softmax.

    Formula: ``loss_n = -log_softmax(logits[n])[target[n]]
    = logsumexp(logits[n]) - logits[n, target[n]]``; "mean" divides the sum by N.
    Gradient: ``dlogits[n] = softmax(logits[n]) - onehot(target[n])``, divided by N for "mean".

    Args:
        logits: raw scores, shape (N, C), float32 or float64.
        target: class indices, integer array of shape (N,), values in [0, C).
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dlogits: shape (N, C), dtype of ``logits``.

    >>> import numpy as np
    >>> loss, dlogits = cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    >>> round(loss, 6), dlogits  # log(2); softmax (0.5, 0.5) minus onehot (0, 1)
    (0.693147, array([[ 0.5, -0.5]]))
    """
    op = "cross_entropy"
    check_reduction(reduction, op)
    target = check_classes(logits, target, op)
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)  # (N, C), all <= 0
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (N, C)
    rows = np.arange(n)
    scale = n if reduction == "mean" else 1
    loss = float(-log_probs[rows, target].sum() / scale) if n else (0.0 if scale == 1 else float("nan"))
    dlogits = np.exp(log_probs)  # (N, C): softmax
    dlogits[rows, target] -= 1  # minus onehot
    return loss, dlogits / scale


def binary_cross_entropy(input, target, reduction="mean"):
    """Binary cross-entropy on probabilities, with PyTorch's clamp of each log at -100.

    Formula: ``l_i = -(t_i * max(log p_i, -100) + (1 - t_i) * max(log(1 - p_i), -100))``;
    "mean" averages over every element.
    Gradient (PyTorch's): ``dp_i = (p_i - t_i) / max(p_i * (1 - p_i), eps)``, divided by
    numel for "mean", with ``eps = BCE_EPSILON`` (1e-12 rounded to float32, as in PyTorch);
    the floor keeps it finite at p = 0 or 1.

    Args:
        input: probabilities p in [0, 1], any shape, float32 or float64.
        target: same shape as ``input``, values in [0, 1] (cast to input's dtype).
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.

    >>> import numpy as np
    >>> loss, dp = binary_cross_entropy(np.array([0.5, 1.0]), np.array([1.0, 0.0]), reduction="sum")
    >>> round(loss, 6)  # log(2) + 100 (the clamped log(1 - 1))
    100.693147
    """
    op = "binary_cross_entropy"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    if input.size and not (input.min() >= 0 and input.max() <= 1):
        fail(
            op,
            "input probabilities in [0, 1]",
            f"values in [{input.min()}, {input.max()}]",
            hint="apply sigmoid first, or use bce_with_logits on raw scores (more stable).",
        )
    with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped to -100
        log_p = np.maximum(np.log(input), -100)
        log_1mp = np.maximum(np.log(1 - input), -100)
    terms = -(target * log_p + (1 - target) * log_1mp)  # shaped like input
    scale = input.size if reduction == "mean" else 1
    dinput = (input - target) / np.maximum(input * (1 - input), input.dtype.type(BCE_EPSILON))
    return float(terms.sum() / scale), dinput / scale


def bce_with_logits(input, target, reduction="mean"):
    """Binary cross-entropy on raw scores x (sigmoid folded in), stable for any |x|.

    Formula: ``l_i = -(t_i * log sigmoid(x_i) + (1 - t_i) * log(1 - sigmoid(x_i)))
    = max(x_i, 0) - x_i * t_i + log(1 + exp(-|x_i|))``, whose exponent is never positive.
    Gradient: ``dx_i = sigmoid(x_i) - t_i``, divided by numel for "mean".

    Args:
        input: logits x, any shape, float32 or float64.
        target: same shape as ``input``, values in [0, 1] (cast to input's dtype).
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.

    >>> import numpy as np
    >>> loss, dx = bce_with_logits(np.array([0.0, 1000.0]), np.array([1.0, 1.0]), reduction="sum")
    >>> round(loss, 6), dx  # log(2) + 0; sigmoid(0) - 1 and sigmoid(1000) - 1
    (0.693147, array([-0.5,  0. ]))
    """
    op = "bce_with_logits"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    terms = np.maximum(input, 0) - input * target + np.log1p(np.exp(-np.abs(input)))  # shaped like input
    scale = input.size if reduction == "mean" else 1
    return float(terms.sum() / scale), (sigmoid_forward(input)[0] - target) / scale
