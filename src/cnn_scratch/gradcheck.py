"""Numerical gradients by centred finite differences, and the relative error used to compare them.

For a function ``f(x) -> out`` and an upstream gradient ``dout`` (same shape as
``out``), the vector-Jacobian product that ``backward`` must return is

    dx[i] = sum_k dout[k] * d out[k] / d x[i]
          ~ sum_k dout[k] * (f(x + h e_i)[k] - f(x - h e_i)[k]) / (2 h)

which is what ``numerical_gradient`` computes, one element of ``x`` at a time.
In float64 with ``h = 1e-5`` the truncation error is O(h^2) = 1e-10, so a correct
backward agrees to a relative error of about 1e-8 or better; a wrong one is off by
1e-2 or more.

>>> import numpy as np
>>> x = np.array([1.0, 2.0, 3.0])
>>> dx = numerical_gradient(lambda v: v ** 2, x, np.ones(3))
>>> np.round(dx, 6)
array([2., 4., 6.])
>>> rel_error(dx, 2 * x) < 1e-8
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import fail


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centred-difference estimate of ``dout . d f(x) / dx``.

    Args:
        f: function of ``x`` alone returning an array (or scalar) shaped like ``dout``.
            It must not keep a reference to ``x``: ``x`` is perturbed in place on a copy.
        x: point of evaluation, any shape; use float64.
        dout: upstream gradient, same shape as ``f(x)``.
        h: step size.

    Returns:
        Array shaped like ``x``: the estimated vector-Jacobian product.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        fail("numerical_gradient", "x as a floating numpy array", type(x).__name__, exc=TypeError)
    x = x.copy()  # never perturb the caller's array
    dout = np.asarray(dout)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.asarray(f(x), dtype=np.float64)
        x[i] = old - h
        minus = np.asarray(f(x), dtype=np.float64)
        x[i] = old
        if plus.shape != dout.shape:
            fail(
                "numerical_gradient",
                f"f(x) shaped like dout {dout.shape}",
                f"shape {plus.shape}",
                hint="pass a dout with the shape of the function's output.",
            )
        grad[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def rel_error(a, b, eps: float = 1e-12) -> float:
    """Largest element-wise relative error ``|a - b| / max(|a| + |b|, eps)``, as a float.

    Scale-free, so one threshold works for small and large gradients; 0 means equal.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        fail("rel_error", "two arrays of the same shape", f"shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))
