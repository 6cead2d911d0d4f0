"""Loss functions as plain loops: the executable definitions (formulas in ``losses.py``).

Each returns ``(loss, dinput)`` exactly like its vectorized twin: ``loss`` a Python
float, ``dinput`` shaped like the input and of its dtype. Element-wise losses loop over
elements; ``cross_entropy_naive`` loops over samples and, inside each, over classes.
Read next: the loss layers in ``cnn_scratch/nn``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail
from .losses import BCE_EPSILON, check_classes, check_pair, check_reduction


def mse_loss_naive(input, target, reduction="mean"):
    """Mean squared error by a loop: ``loss = (1/numel) * sum_i (input_i - target_i)**2`` (or the sum).

    Gradient: ``dinput_i = 2 * (input_i - target_i)``, divided by numel for "mean".

    Args:
        input: predictions, any shape, float32 or float64.
        target: same shape as ``input``.
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.
    """
    op = "mse_loss"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    scale = input.size if reduction == "mean" else 1
    total = 0.0
    dinput = np.empty_like(input)
    for idx in np.ndindex(*input.shape):
        d = float(input[idx]) - float(target[idx])
        total += d * d
        dinput[idx] = 2 * d / scale
    return total / scale, dinput


def cross_entropy_naive(logits, target, reduction="mean"):
    """Cross-entropy by loops over samples and classes.

    For each sample n with true class y = target[n]:
    ``m = max_c logits[n, c]``, ``lse = m + log(sum_c exp(logits[n, c] - m))``,
    ``loss_n = lse - logits[n, y]``, and ``dlogits[n, c] = exp(logits[n, c] - lse) - (c == y)``.
    "mean" divides the sum and the gradient by N.

    Args:
        logits: raw scores, shape (N, C), float32 or float64.
        target: class indices, integer array of shape (N,), values in [0, C).
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dlogits: shape (N, C), dtype of ``logits``.
    """
    op = "cross_entropy"
    check_reduction(reduction, op)
    target = check_classes(logits, target, op)
    n_batch, n_classes = logits.shape
    scale = n_batch if reduction == "mean" else 1
    total = 0.0
    dlogits = np.empty_like(logits)  # (N, C)
    for n in range(n_batch):
        row = [float(v) for v in logits[n]]
        m = max(row)  # subtract the maximum: every exponent <= 0, logits of 1000 are fine
        lse = m + math.log(sum(math.exp(v - m) for v in row))  # log(sum_c exp(logits[n, c]))
        y = int(target[n])
        total += lse - row[y]
        for c in range(n_classes):
            dlogits[n, c] = (math.exp(row[c] - lse) - (1.0 if c == y else 0.0)) / scale
    loss = total / scale if n_batch or scale == 1 else float("nan")
    return loss, dlogits


def binary_cross_entropy_naive(input, target, reduction="mean"):
    """Binary cross-entropy on probabilities by a loop, logs clamped at -100 (PyTorch).

    ``l_i = -(t_i * max(log p_i, -100) + (1 - t_i) * max(log(1 - p_i), -100))``,
    ``dp_i = (p_i - t_i) / max(p_i * (1 - p_i), BCE_EPSILON)`` (1e-12 as float32, PyTorch's);
    "mean" divides both by numel.

    Args:
        input: probabilities in [0, 1], any shape, float32 or float64.
        target: same shape as ``input``, values in [0, 1].
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.
    """
    op = "binary_cross_entropy"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    scale = input.size if reduction == "mean" else 1
    total = 0.0
    dinput = np.empty_like(input)
    for idx in np.ndindex(*input.shape):
        p, t = float(input[idx]), float(target[idx])
        if not 0.0 <= p <= 1.0:
            fail(op, "input probabilities in [0, 1]", f"value {p} at index {idx}", hint="apply sigmoid.")
        log_p = max(math.log(p), -100.0) if p > 0 else -100.0
        log_1mp = max(math.log(1 - p), -100.0) if p < 1 else -100.0
        total += -(t * log_p + (1 - t) * log_1mp)
        dinput[idx] = (p - t) / max(p * (1 - p), BCE_EPSILON) / scale
    return total / scale, dinput


def bce_with_logits_naive(input, target, reduction="mean"):
    """Binary cross-entropy on logits by a loop, stable for any |x|.

    ``l_i = max(x_i, 0) - x_i * t_i + log(1 + exp(-|x_i|))``, ``dx_i = sigmoid(x_i) - t_i``;
    "mean" divides both by numel.

    Args:
        input: logits, any shape, float32 or float64.
        target: same shape as ``input``, values in [0, 1].
        reduction: "mean" (default) or "sum".

    Returns:
        loss: Python float; dinput: shaped like ``input``, same dtype.
    """
    op = "bce_with_logits"
    check_reduction(reduction, op)
    target = check_pair(input, target, op)
    scale = input.size if reduction == "mean" else 1
    total = 0.0
    dinput = np.empty_like(input)
    for idx in np.ndindex(*input.shape):
        x, t = float(input[idx]), float(target[idx])
        e = math.exp(-abs(x))  # in (0, 1]: never overflows
        total += max(x, 0.0) - x * t + math.log1p(e)
        s = 1 / (1 + e) if x >= 0 else e / (1 + e)  # stable sigmoid(x)
        dinput[idx] = (s - t) / scale
    return total / scale, dinput
