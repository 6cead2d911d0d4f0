"""``Linear`` (alias ``Dense``): a fully connected layer over ``functional.linear_*``.

``out = x @ weight.T + bias`` with PyTorch's layout ``weight (out_features, in_features)``.
The seed's name for it, "dense layer", is kept as the alias ``Dense``.
Read next: ``activation.py``; for the math, ``functional/linear.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import init
from .._validate import check_array, fail
from .conv import check_input_dtype, positive_int
from .module import Module, Parameter, float_dtype


class Linear(Module):
    """Fully connected layer: ``out[n, o] = bias[o] + sum_i x[n, i] * weight[o, i]``.

    Args:
        in_features: number of input features per sample.
        out_features: number of outputs per sample.
        bias: whether to learn a bias (out_features,).
        rng: ``numpy.random.Generator`` for the initial weights (``None``: a fresh unseeded one).
        dtype: float32 (default) or float64.

    Shape:
        x (N, in_features) -> out (N, out_features).

    Attributes:
        weight: Parameter (out_features, in_features), U(-1/sqrt(in_features), 1/sqrt(in_features)).
        bias: Parameter (out_features,) from the same distribution, or None.
        needs_input_grad: when False, ``backward`` returns None instead of dx (first layer of a model).

    >>> fc = Linear(3, 2, rng=np.random.default_rng(0))
    >>> fc(np.ones((4, 3), dtype=np.float32)).shape
    (4, 2)
    >>> fc
    Linear(in_features=3, out_features=2, bias=True)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        dtype=np.float32,
    ):
        super().__init__()
        op = "Linear"
        self.in_features = positive_int(op, "in_features", in_features)
        self.out_features = positive_int(op, "out_features", out_features)
        dt = float_dtype(op, dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dt))  # (out_features,)
        else:
            self.register_parameter("bias", None)
        self.needs_input_grad = True
        self._cache = None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """PyTorch's default init: weight by ``kaiming_uniform_(a=sqrt(5))``, bias ``U(±1/sqrt(fan_in))``."""
        rng = np.random.default_rng() if rng is None else rng
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x @ weight.T + bias``: x (N, in_features) -> out (N, out_features)."""
        op = "Linear"
        check_array(x, "x", op)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            fail(
                op,
                f"x of shape (N, in_features={self.in_features})",
                f"shape {x.shape}",
                hint=(
                    f"the previous layer gives {x.shape[-1]} features; build Linear({x.shape[-1]}, "
                    f"{self.out_features}) or fix the layer before."
                    if x.ndim == 2
                    else "put Flatten() before Linear to turn (N, C, H, W) into (N, C*H*W)."
                ),
            )
        check_input_dtype(op, x, self.weight)
        bias = None if self.bias is None else self.bias.data
        out, cache = self._kernel("linear_forward")(x, self.weight.data, bias)  # (N, out_features)
        self._cache = (self._kernel("linear_backward"), cache)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """Accumulate ``dweight = dout.T @ x`` and ``dbias = sum_n dout``; return ``dx = dout @ weight``.

        dout (N, out_features) -> dx (N, in_features), or None when ``needs_input_grad`` is False.
        """
        backward, cache = self._require_cache(self._cache)
        dx, dweight, dbias = backward(dout, cache)
        self._accumulate_weight_and_bias(dweight, dbias)
        return dx if self.needs_input_grad else None

    def config(self) -> dict:
        """Constructor arguments (JSON-able); ``Linear(**fc.config())`` rebuilds the layer."""
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "dtype": str(self.weight.dtype),
        }

    def extra_repr(self) -> str:
        """PyTorch's layout: ``in_features=1568, out_features=10, bias=True``."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


Dense = Linear
"""The seed's name for a fully connected layer; the same class as ``Linear``."""
