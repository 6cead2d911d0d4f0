"""Activation functions as plain loops: the executable definitions (read ``activations.py`` for formulas).

Element-wise activations loop over every element with ``np.ndindex``; softmax and
log-softmax loop over every slice along ``dim`` and, inside it, over the classes.
Same signatures, caches and results as the vectorized twins; use them on small arrays.
Read next: ``losses.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_array, check_dout
from .activations import check_dim


def relu_forward_naive(x):
    """ReLU by a loop: ``out[idx] = x[idx] if x[idx] > 0 else 0``. Returns ``(out, x)``.

    Args:
        x: input, any shape, float32 or float64.

    Returns:
        out: shaped like ``x``, same dtype; cache: ``x``.
    """
    check_array(x, "x", "relu")
    out = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        if x[idx] > 0:
            out[idx] = x[idx]
    return out, x


def relu_backward_naive(dout, cache):
    """Gradient of ReLU by a loop: ``dx[idx] = dout[idx] if x[idx] > 0 else 0``.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``x``.

    Returns:
        dx: shaped like ``x``.
    """
    x = cache
    check_dout(dout, x.shape, x.dtype, "relu_backward")
    dx = np.zeros_like(dout)
    for idx in np.ndindex(*x.shape):
        if x[idx] > 0:
            dx[idx] = dout[idx]
    return dx


def leaky_relu_forward_naive(x, negative_slope=0.01):
    """Leaky ReLU by a loop: ``out[idx] = x[idx] if x[idx] > 0 else negative_slope * x[idx]``.

    Args:
        x: input, any shape, float32 or float64.
        negative_slope: slope for x <= 0 (default 0.01).

    Returns:
        out: shaped like ``x``, same dtype; cache: ``(x, negative_slope)``.
    """
    check_array(x, "x", "leaky_relu")
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        v = x[idx]
        out[idx] = v if v > 0 else negative_slope * v
    return out, (x, negative_slope)


def leaky_relu_backward_naive(dout, cache):
    """Gradient of leaky ReLU by a loop: ``dx[idx] = dout[idx] * (1 if x[idx] > 0 else negative_slope)``.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``(x, negative_slope)``.

    Returns:
        dx: shaped like ``x``.
    """
    x, negative_slope = cache
    check_dout(dout, x.shape, x.dtype, "leaky_relu_backward")
    dx = np.empty_like(dout)
    for idx in np.ndindex(*x.shape):
        dx[idx] = dout[idx] if x[idx] > 0 else negative_slope * dout[idx]
    return dx


def sigmoid_forward_naive(x):
    """Sigmoid by a loop, one stable branch per element.

    ``s = 1 / (1 + exp(-v))`` when v >= 0, else ``exp(v) / (1 + exp(v))``: the exponent
    is never positive, so nothing overflows.

    Args:
        x: input, any shape, float32 or float64.

    Returns:
        out: shaped like ``x``, same dtype; cache: ``out``.
    """
    check_array(x, "x", "sigmoid")
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        v = float(x[idx])
        if v >= 0:
            out[idx] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            out[idx] = e / (1.0 + e)
    return out, out


def sigmoid_backward_naive(dout, cache):
    """Gradient of sigmoid by a loop: ``dx[idx] = dout[idx] * s[idx] * (1 - s[idx])``.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``s``.

    Returns:
        dx: shaped like ``x``.
    """
    s = cache
    check_dout(dout, s.shape, s.dtype, "sigmoid_backward")
    dx = np.empty_like(dout)
    for idx in np.ndindex(*s.shape):
        dx[idx] = dout[idx] * s[idx] * (1 - s[idx])
    return dx


def tanh_forward_naive(x):
    """Tanh by a loop: ``out[idx] = tanh(x[idx])``.

    Args:
        x: input, any shape, float32 or float64.

    Returns:
        out: shaped like ``x``, same dtype; cache: ``out``.
    """
    check_array(x, "x", "tanh")
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        out[idx] = math.tanh(float(x[idx]))
    return out, out


def tanh_backward_naive(dout, cache):
    """Gradient of tanh by a loop: ``dx[idx] = dout[idx] * (1 - t[idx]**2)``.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``t = tanh(x)``.

    Returns:
        dx: shaped like ``x``.
    """
    t = cache
    check_dout(dout, t.shape, t.dtype, "tanh_backward")
    dx = np.empty_like(dout)
    for idx in np.ndindex(*t.shape):
        dx[idx] = dout[idx] * (1 - t[idx] * t[idx])
    return dx


def _slices(shape: tuple, axis: int):
    """Yield, for every slice along ``axis``, the index tuple of its elements (a list per slice)."""
    rest = shape[:axis] + shape[axis + 1 :]
    for r in np.ndindex(*rest):
        yield [(*r[:axis], k, *r[axis:]) for k in range(shape[axis])]


def softmax_forward_naive(x, dim=-1):
    """Softmax by loops over slices and classes: ``s_k = exp(x_k - m) / sum_j exp(x_j - m)``.

    Args:
        x: input, any shape with at least one dim, float32 or float64.
        dim: axis to normalize over (default -1).

    Returns:
        out: shaped like ``x``, same dtype; cache: ``(out, dim)``.
    """
    axis = check_dim(x, dim, "softmax")
    out = np.empty_like(x)
    for elements in _slices(x.shape, axis):
        m = max(float(x[e]) for e in elements)  # the slice maximum: every exponent below is <= 0
        exps = [math.exp(float(x[e]) - m) for e in elements]
        total = sum(exps)
        for e, ex in zip(elements, exps, strict=True):
            out[e] = ex / total
    return out, (out, axis)


def softmax_backward_naive(dout, cache):
    """Gradient of softmax by loops: ``dx_k = s_k * (dout_k - sum_j dout_j * s_j)`` in each slice.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``(out, dim)``.

    Returns:
        dx: shaped like ``x``.
    """
    s, axis = cache
    check_dout(dout, s.shape, s.dtype, "softmax_backward")
    dx = np.empty_like(dout)
    for elements in _slices(s.shape, axis):
        dot = sum(float(dout[e]) * float(s[e]) for e in elements)
        for e in elements:
            dx[e] = s[e] * (dout[e] - dot)
    return dx


def log_softmax_forward_naive(x, dim=-1):
    """Log-softmax by loops: ``out_k = (x_k - m) - log(sum_j exp(x_j - m))`` in each slice.

    Args:
        x: input, any shape with at least one dim, float32 or float64.
        dim: axis to normalize over (default -1).

    Returns:
        out: shaped like ``x``, same dtype; cache: ``(out, dim)``.
    """
    axis = check_dim(x, dim, "log_softmax")
    out = np.empty_like(x)
    for elements in _slices(x.shape, axis):
        m = max(float(x[e]) for e in elements)
        log_total = math.log(sum(math.exp(float(x[e]) - m) for e in elements))
        for e in elements:
            out[e] = (float(x[e]) - m) - log_total
    return out, (out, axis)


def log_softmax_backward_naive(dout, cache):
    """Gradient of log-softmax by loops: ``dx_k = dout_k - exp(out_k) * sum_j dout_j`` in each slice.

    Args:
        dout: upstream gradient, shaped like ``x``.
        cache: ``(out, dim)``.

    Returns:
        dx: shaped like ``x``.
    """
    out, axis = cache
    check_dout(dout, out.shape, out.dtype, "log_softmax_backward")
    dx = np.empty_like(dout)
    for elements in _slices(out.shape, axis):
        total = sum(float(dout[e]) for e in elements)
        for e in elements:
            dx[e] = float(dout[e]) - math.exp(float(out[e])) * total
    return dx
