"""Fully connected (linear) layer and flatten: loop versions and vectorized versions side by side.

Linear, with PyTorch's weight layout (out_features, in_features):

    out[n, o] = sum_i x[n, i] * weight[o, i] + bias[o]         i.e.  out = x @ weight.T + bias

Its gradients, for an upstream gradient ``dout`` (N, out_features):

    dx      = dout @ weight          dx[n, i]      = sum_o dout[n, o] * weight[o, i]
    dweight = dout.T @ x             dweight[o, i] = sum_n dout[n, o] * x[n, i]
    dbias   = dout.sum(axis=0)       dbias[o]      = sum_n dout[n, o]

Flatten joins the axes from ``start_dim`` to the last into one, in row-major order
(what sits between the last convolution and the first linear layer); its gradient
is the same reshape undone.
Read next: ``activations.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_array, check_dout, fail


def _check_linear(x, weight, bias) -> None:
    """Validate the arguments of a linear forward (shared by both versions)."""
    op = "linear"
    check_array(x, "x", op, ndim=2, layout="(N, in_features)")
    check_array(weight, "weight", op, ndim=2, layout="(out_features, in_features)")
    if x.ndim == 2 and weight.shape[1] != x.shape[1]:
        fail(
            op,
            f"x of shape (N, in_features) with in_features = weight.shape[1] = {weight.shape[1]}",
            f"x of shape {x.shape} and weight of shape {weight.shape}",
            hint="weight is (out_features, in_features) as in PyTorch; "
            "a wrong in_features often means a missing or misplaced Flatten.",
        )
    if weight.dtype != x.dtype:
        fail(
            op,
            f"weight with the dtype of x ({x.dtype})",
            f"weight dtype {weight.dtype}",
            hint="cast one of them; mixing dtypes would silently change the output dtype.",
            exc=TypeError,
        )
    if bias is not None:
        check_array(bias, "bias", op)
        if bias.shape != (weight.shape[0],):
            fail(
                op,
                f"bias of shape (out_features,) = ({weight.shape[0]},)",
                f"shape {bias.shape}",
                hint="one bias per output feature, or bias=None.",
            )
        if bias.dtype != x.dtype:
            fail(op, f"bias with the dtype of x ({x.dtype})", f"bias dtype {bias.dtype}", exc=TypeError)


def linear_forward(x, weight, bias=None):
    """Linear layer, vectorized: ``out = x @ weight.T + bias`` (one BLAS matrix multiply).

    Args:
        x: input, shape (N, in_features), float32 or float64.
        weight: shape (out_features, in_features), same dtype as ``x``.
        bias: shape (out_features,) or None.

    Returns:
        out: shape (N, out_features), dtype of ``x``.
        cache: ``(x, weight, has_bias)``.

    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0]])
    >>> w = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]])
    >>> linear_forward(x, w, np.array([0.0, 0.5, 1.0]))[0]
    array([[ 1. ,  3.5, -1. ]])
    """
    _check_linear(x, weight, bias)
    out = x @ weight.T  # (N, out_features); weight.T is a view, BLAS reads it transposed
    if bias is not None:
        out += bias  # broadcast over N
    return out, (x, weight, bias is not None)


def linear_backward(dout, cache):
    """Gradients of the linear layer, vectorized.

    Formulas: ``dx = dout @ weight``, ``dweight = dout.T @ x``, ``dbias = dout.sum(axis=0)``.

    Args:
        dout: upstream gradient, shape (N, out_features).
        cache: from ``linear_forward``.

    Returns:
        dx: shape (N, in_features).
        dweight: shape (out_features, in_features).
        dbias: shape (out_features,), or None when the forward had no bias.
    """
    x, weight, has_bias = cache
    check_dout(dout, (x.shape[0], weight.shape[0]), x.dtype, "linear_backward", layout="(N, out_features)")
    dx = dout @ weight  # (N, in_features)
    dweight = dout.T @ x  # (out_features, in_features)
    dbias = dout.sum(axis=0) if has_bias else None  # (out_features,)
    return dx, dweight, dbias


def linear_forward_naive(x, weight, bias=None):
    """Linear layer by loops: ``out[n, o] = sum_i x[n, i] * weight[o, i] + bias[o]``.

    Loops over samples ``n`` and output features ``o``; the sum over ``i`` is one dot product.

    Args:
        x: input, shape (N, in_features), float32 or float64.
        weight: shape (out_features, in_features), same dtype as ``x``.
        bias: shape (out_features,) or None.

    Returns:
        out: shape (N, out_features), dtype of ``x``.
        cache: ``(x, weight, has_bias)``.
    """
    _check_linear(x, weight, bias)
    n_batch = x.shape[0]
    out_features = weight.shape[0]
    out = np.zeros((n_batch, out_features), dtype=x.dtype)  # (N, out_features)
    for n in range(n_batch):
        for o in range(out_features):
            # sum_i x[n, i] * weight[o, i]: one dot product of two rows of length in_features
            out[n, o] = np.dot(x[n], weight[o]) + (bias[o] if bias is not None else 0)
    return out, (x, weight, bias is not None)


def linear_backward_naive(dout, cache):
    """Gradients of the linear layer by loops.

    Formulas: ``dx[n, i] = sum_o dout[n, o] * weight[o, i]``,
    ``dweight[o, i] = sum_n dout[n, o] * x[n, i]``, ``dbias[o] = sum_n dout[n, o]``.

    Args:
        dout: upstream gradient, shape (N, out_features).
        cache: from ``linear_forward_naive``.

    Returns:
        dx (N, in_features), dweight (out_features, in_features), dbias (out_features,) or None.
    """
    x, weight, has_bias = cache
    n_batch, in_features = x.shape
    out_features = weight.shape[0]
    check_dout(dout, (n_batch, out_features), x.dtype, "linear_backward", layout="(N, out_features)")
    dx = np.zeros((n_batch, in_features), dtype=dout.dtype)  # (N, in_features)
    dweight = np.zeros((out_features, in_features), dtype=dout.dtype)  # (out_features, in_features)
    dbias = np.zeros(out_features, dtype=dout.dtype) if has_bias else None  # (out_features,)
    for n in range(n_batch):
        for o in range(out_features):
            g = dout[n, o]  # how much out[n, o] matters downstream
            dx[n] += g * weight[o]  # (in_features,): d out[n, o] / d x[n, i] = weight[o, i]
            dweight[o] += g * x[n]  # (in_features,): d out[n, o] / d weight[o, i] = x[n, i]
            if dbias is not None:
                dbias[o] += g
    return dx, dweight, dbias


def _flat_shape(x, start_dim) -> tuple[tuple, int]:
    """Check flatten's arguments; return the output shape and the non-negative start_dim."""
    op = "flatten"
    check_array(x, "x", op)
    if isinstance(start_dim, bool) or not isinstance(start_dim, (int, np.integer)):
        fail(op, "start_dim as an int", f"start_dim={start_dim!r}", exc=TypeError)
    if x.ndim == 0 or not -x.ndim <= start_dim < x.ndim:
        fail(
            op,
            f"start_dim in [{-x.ndim}, {x.ndim - 1}] for an input with {x.ndim} dims",
            f"start_dim={start_dim} with x of shape {x.shape}",
            hint="start_dim=1 keeps the batch axis and flattens the rest.",
        )
    start = int(start_dim) % x.ndim
    return (*x.shape[:start], math.prod(x.shape[start:])), start


def flatten_forward(x, start_dim=1):
    """Join the axes ``start_dim .. last`` into one, in row-major (C) order.

    Shape: (N, C, H, W) with start_dim=1 -> (N, C*H*W). The result is a reshape: a view
    of ``x`` when ``x`` is contiguous (as PyTorch's), so nothing is copied; copy it before
    writing into it (``flatten_forward_naive`` always returns a new array).

    Args:
        x: input of any shape with at least one dim.
        start_dim: first axis to join (negative counts from the end), default 1.

    Returns:
        out: shape ``x.shape[:start_dim] + (prod(x.shape[start_dim:]),)``.
        cache: ``(x_shape, out_shape, dtype)``: input shape, output shape, dtype of ``x``.

    >>> import numpy as np
    >>> flatten_forward(np.zeros((2, 3, 4, 5)))[0].shape
    (2, 60)
    """
    shape, _ = _flat_shape(x, start_dim)
    return x.reshape(shape), (x.shape, shape, x.dtype)


def flatten_backward(dout, cache):
    """Gradient of flatten: ``dout`` reshaped back to the input shape (the cache).

    Args:
        dout: upstream gradient, shaped like the flatten output.
        cache: ``(x_shape, out_shape, dtype)`` from ``flatten_forward``.

    Returns:
        dx: shape ``x_shape``, dtype of ``dout`` (= of the forward input).
    """
    x_shape, out_shape, dtype = cache
    check_dout(dout, out_shape, dtype, "flatten_backward")
    return dout.reshape(x_shape)


def flatten_forward_naive(x, start_dim=1):
    """Flatten by copying element by element in row-major order (reference implementation).

    ``out[lead..., k]`` with ``k = sum_d idx[d] * prod(x.shape[d+1:])`` over the joined axes.

    Args:
        x: input of any shape with at least one dim.
        start_dim: first axis to join (negative counts from the end), default 1.

    Returns:
        out: shape ``x.shape[:start_dim] + (prod(x.shape[start_dim:]),)``.
        cache: ``(x_shape, out_shape, dtype)``: input shape, output shape, dtype of ``x``.
    """
    shape, start = _flat_shape(x, start_dim)
    out = np.empty(shape, dtype=x.dtype)
    tail = x.shape[start:]
    for idx in np.ndindex(*x.shape):
        k = 0
        for d, size in zip(idx[start:], tail, strict=True):
            k = k * size + d  # row-major position inside the joined axes
        out[(*idx[:start], k)] = x[idx]
    return out, (x.shape, shape, x.dtype)


def flatten_backward_naive(dout, cache):
    """Gradient of flatten, element by element: ``dx[idx] = dout[lead..., k(idx)]``.

    Args:
        dout: upstream gradient, shaped like the flatten output.
        cache: ``(x_shape, out_shape, dtype)`` from ``flatten_forward_naive``.

    Returns:
        dx: shape ``x_shape``, dtype of ``dout`` (= of the forward input).
    """
    x_shape, out_shape, dtype = cache
    check_dout(dout, out_shape, dtype, "flatten_backward")
    start = dout.ndim - 1
    dx = np.empty(x_shape, dtype=dout.dtype)
    for idx in np.ndindex(*x_shape):
        k = 0
        for d, size in zip(idx[start:], x_shape[start:], strict=True):
            k = k * size + d
        dx[idx] = dout[(*idx[:start], k)]
    return dx
