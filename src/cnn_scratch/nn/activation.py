"""Activation layers: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax (no parameters).

Each is a thin wrapper over ``functional.<name>_forward`` / ``<name>_backward``
(or the ``_naive`` twins after ``use_impl("naive")``); the formulas and their
derivatives are documented there.
Read next: ``pooling.py``; for the math, ``functional/activations.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_array, fail
from .module import Module


class _Activation(Module):
    """Shared body: forward caches ``(backward kernel, cache)``; backward returns dx shaped like x."""

    _op = ""

    def __init__(self):
        super().__init__()
        self._cache = None

    def _args(self) -> tuple:
        """Extra positional arguments of the kernel after ``x`` (slope, dim)."""
        return ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation element-wise (or along ``dim``); out has x's shape and dtype."""
        check_array(x, "x", type(self).__name__)
        out, cache = self._kernel(f"{self._op}_forward")(x, *self._args())
        self._cache = (self._kernel(f"{self._op}_backward"), cache)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dx = dout * f'(x) (a Jacobian-vector product for softmax), shaped like x."""
        backward, cache = self._require_cache(self._cache)
        return backward(dout, cache)


class ReLU(_Activation):
    """``max(0, x)``; derivative 1 where x > 0, else 0.

    >>> ReLU()(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """

    _op = "relu"


class LeakyReLU(_Activation):
    """``x`` if x > 0 else ``negative_slope * x``.

    Args:
        negative_slope: slope for negative inputs (default 0.01).
    """

    _op = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
            fail(
                "LeakyReLU", "negative_slope as a number", f"negative_slope={negative_slope!r}", exc=TypeError
            )
        self.negative_slope = float(negative_slope)

    def _args(self) -> tuple:
        return (self.negative_slope,)

    def config(self) -> dict:
        """``{"negative_slope": ...}``."""
        return {"negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        """``negative_slope=0.01``."""
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))``; derivative ``s * (1 - s)``."""

    _op = "sigmoid"


class Tanh(_Activation):
    """``tanh(x)``; derivative ``1 - tanh(x)^2``."""

    _op = "tanh"


class _DimActivation(_Activation):
    def __init__(self, dim: int = -1):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            fail(type(self).__name__, "dim as an int", f"dim={dim!r}", exc=TypeError)
        self.dim = int(dim)

    def _args(self) -> tuple:
        return (self.dim,)

    def config(self) -> dict:
        """``{"dim": ...}``."""
        return {"dim": self.dim}

    def extra_repr(self) -> str:
        """``dim=-1``."""
        return f"dim={self.dim}"


class Softmax(_DimActivation):
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim`` (default -1, the class axis of (N, C)).

    Args:
        dim: axis along which the outputs sum to 1.
    """

    _op = "softmax"


class LogSoftmax(_DimActivation):
    """``x_i - log(sum_j exp(x_j))`` along ``dim`` (default -1), computed stably.

    Args:
        dim: axis of the classes.
    """

    _op = "log_softmax"
