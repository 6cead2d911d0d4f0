"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d`` over ``functional.max_pool2d_*`` / ``avg_pool2d_*``.

Both slide a KH x KW window with stride (SH, SW) over each channel separately;
``stride=None`` means stride = kernel_size (non-overlapping windows), as in PyTorch.
Max pooling pads with -inf, average pooling with zeros counted in the average
(PyTorch's ``count_include_pad=True``); padding is at most half the kernel.
Read next: ``dropout.py``; for the math, ``functional/pool.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_pair, check_array, fail
from .module import Module


def _plain(value):
    """An int stays an int; a pair becomes a tuple (for repr and config)."""
    return int(value) if isinstance(value, numbers.Integral) else tuple(int(v) for v in value)


class _Pool2d(Module):
    _op = ""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        kh, kw = as_pair(kernel_size, "kernel_size", name, minimum=1)
        as_pair(stride if stride is not None else kernel_size, "stride", name, minimum=1)
        ph, pw = as_pair(padding, "padding", name, minimum=0)
        if 2 * ph > kh or 2 * pw > kw:
            fail(
                name,
                "padding <= kernel_size / 2 on both axes",
                f"padding={padding!r} with kernel_size={kernel_size!r}",
                hint="a window could then hold only padding; use less padding or a larger kernel.",
            )
        self.kernel_size = _plain(kernel_size)
        self.stride = _plain(stride) if stride is not None else self.kernel_size
        self.padding = _plain(padding)
        self._cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Pool ``x`` (N, C, H, W) -> out (N, C, H_out, W_out), H_out = floor((H + 2*PH - KH) / SH) + 1."""
        name = type(self).__name__
        check_array(x, "x", name, ndim=4, layout="(N, C, H, W)")
        kh, kw = as_pair(self.kernel_size, "kernel_size", name)
        ph, pw = as_pair(self.padding, "padding", name)
        padded = (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw)
        if kh > padded[0] or kw > padded[1]:
            fail(
                name,
                f"kernel_size {(kh, kw)} <= padded input (H + 2*PH, W + 2*PW) = {padded}",
                f"x of shape {x.shape}",
                hint="the output would be empty: pool a larger input or use a smaller window.",
            )
        out, cache = self._kernel(f"{self._op}_forward")(x, self.kernel_size, self.stride, self.padding)
        self._cache = (self._kernel(f"{self._op}_backward"), cache)
        return out  # (N, C, H_out, W_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Route dout (N, C, H_out, W_out) back to dx (N, C, H, W) (see the functional docstring)."""
        backward, cache = self._require_cache(self._cache)
        return backward(dout, cache)

    def config(self) -> dict:
        """Constructor arguments (pairs as lists, JSON-able)."""

        def js(v):
            return list(v) if isinstance(v, tuple) else v

        return {"kernel_size": js(self.kernel_size), "stride": js(self.stride), "padding": js(self.padding)}

    def extra_repr(self) -> str:
        """``kernel_size=2, stride=2, padding=0``."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window: ``out[n, c, i, j] = max_{u,v} x_pad[n, c, i*SH + u, j*SW + v]``.

    The gradient flows only to the (first) maximum of each window.

    Args:
        kernel_size: KH, KW (int or pair).
        stride: SH, SW (int or pair); None means kernel_size.
        padding: PH, PW of -inf padding, at most half the kernel.

    >>> MaxPool2d(2)(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    _op = "max_pool2d"


class AvgPool2d(_Pool2d):
    """Mean over each window (zero padding included in the count): ``out = sum(window) / (KH * KW)``.

    Args:
        kernel_size: KH, KW (int or pair).
        stride: SH, SW (int or pair); None means kernel_size.
        padding: PH, PW of zero padding, at most half the kernel.
    """

    _op = "avg_pool2d"
