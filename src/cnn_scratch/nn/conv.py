"""``Conv2d``: a 2-D convolution layer holding its weight and bias, over ``functional.conv2d_*``.

The layer checks its input, calls ``conv2d_forward`` (or ``conv2d_forward_naive``
after ``model.use_impl("naive")``), caches what backward needs, and in
``backward`` adds ``dweight``/``dbias`` into the parameters' ``.grad`` and
returns ``dx``. The arithmetic lives in ``functional/conv.py`` (fast) and
``functional/conv_naive.py`` (the loops that define it).
Read next: ``linear.py``; for the math, ``functional/conv_naive.py``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import init
from .._validate import as_pair, check_array, fail
from .module import Module, Parameter, float_dtype


def positive_int(op: str, name: str, value) -> int:
    """Return ``value`` as an int after checking it is a whole number >= 1 (layer sizes)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        fail(op, f"{name} as a positive int", f"{name}={value!r}", exc=TypeError)
    if value < 1:
        fail(op, f"{name} >= 1", f"{name}={value!r}", hint=f"a layer with {name}={value} has no weights.")
    return int(value)


def check_input_dtype(op: str, x: np.ndarray, weight: Parameter) -> None:
    """Refuse an input whose dtype differs from the layer's (no silent upcast or downcast)."""
    if x.dtype != weight.dtype:
        fail(
            op,
            f"x of dtype {weight.dtype} (the dtype of the layer's weight)",
            f"x of dtype {x.dtype} with shape {x.shape}",
            hint=f"cast the input with x.astype(numpy.{weight.dtype}) or the model with "
            f"model.to(numpy.{x.dtype}) / model.double() / model.float().",
            exc=TypeError,
        )


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every framework) over NCHW inputs.

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} weight[co, ci, u, v] * x_pad[n, ci, i*SH + u, j*SW + v]

    Args:
        in_channels: C_in, channels of the input.
        out_channels: C_out, number of filters (channels of the output).
        kernel_size: KH, KW as an int or pair.
        stride: SH, SW as an int or pair (default 1).
        padding: PH, PW zeros added on each side, int or pair (default 0).
        bias: whether to learn a bias (C_out,).
        rng: ``numpy.random.Generator`` for the initial weights (``None``: a fresh unseeded one).
        dtype: float32 (default, training) or float64 (gradient checks).

    Shape:
        x (N, C_in, H, W) -> out (N, C_out, H_out, W_out), with
        H_out = floor((H + 2*PH - KH) / SH) + 1 and W_out = floor((W + 2*PW - KW) / SW) + 1.

    Attributes:
        weight: Parameter (C_out, C_in, KH, KW), initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
            fan_in = C_in*KH*KW (PyTorch's default).
        bias: Parameter (C_out,) from the same distribution, or None.
        needs_input_grad: when False, ``backward`` skips dx (saves work in the first layer) and
            returns None; see ``container.skip_first_input_grad``.

    >>> conv = Conv2d(1, 4, kernel_size=3, padding=1, rng=np.random.default_rng(0))
    >>> conv(np.zeros((2, 1, 5, 6), dtype=np.float32)).shape
    (2, 4, 5, 6)
    >>> conv
    Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        dtype=np.float32,
    ):
        super().__init__()
        op = "Conv2d"
        self.in_channels = positive_int(op, "in_channels", in_channels)
        self.out_channels = positive_int(op, "out_channels", out_channels)
        self.kernel_size = as_pair(kernel_size, "kernel_size", op, minimum=1)
        self.stride = as_pair(stride, "stride", op, minimum=1)
        self.padding = as_pair(padding, "padding", op, minimum=0)
        dt = float_dtype(op, dtype)
        KH, KW = self.kernel_size
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels, KH, KW), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dt))  # (C_out,)
        else:
            self.register_parameter("bias", None)
        self.needs_input_grad = True
        self._cache = None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """PyTorch's default init: weight by ``kaiming_uniform_(a=sqrt(5))``, bias ``U(±1/sqrt(fan_in))``.

        The weight is drawn first, then the bias, from the same generator.
        """
        rng = np.random.default_rng() if rng is None else rng
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Convolve ``x`` (N, C_in, H, W) and return ``out`` (N, C_out, H_out, W_out)."""
        op = "Conv2d"
        check_array(x, "x", op, ndim=4, layout="(N, C_in, H, W)")
        if x.shape[1] != self.in_channels:
            fail(
                op,
                f"x of shape (N, C_in={self.in_channels}, H, W)",
                f"shape {x.shape} with C_in={x.shape[1]}",
                hint=f"this layer was built as Conv2d({self.in_channels}, {self.out_channels}, ...); "
                f"build it with in_channels={x.shape[1]} or check the previous layer's out_channels.",
            )
        check_input_dtype(op, x, self.weight)
        padded = (x.shape[2] + 2 * self.padding[0], x.shape[3] + 2 * self.padding[1])
        if self.kernel_size[0] > padded[0] or self.kernel_size[1] > padded[1]:
            fail(
                op,
                f"kernel_size {self.kernel_size} <= padded input (H + 2*PH, W + 2*PW) = {padded}",
                f"x of shape {x.shape} with padding {self.padding}",
                hint="the output would be empty: use a smaller kernel, more padding, or a larger input.",
            )
        forward = self._kernel("conv2d_forward")
        bias = None if self.bias is None else self.bias.data
        out, cache = forward(x, self.weight.data, bias, self.stride, self.padding)  # (N, C_out, H_out, W_out)
        self._cache = (self._kernel("conv2d_backward"), cache)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """Accumulate dweight (C_out, C_in, KH, KW) and dbias (C_out,); return dx (N, C_in, H, W).

        dbias[co] = sum_{n,i,j} dout[n, co, i, j]; dweight = x correlated with dout;
        dx = dout (dilated by the stride, padded) fully convolved with the kernel.
        Returns None when ``needs_input_grad`` is False.
        """
        backward, cache = self._require_cache(self._cache)
        dx, dweight, dbias = backward(dout, cache, compute_dx=self.needs_input_grad)
        self._accumulate_weight_and_bias(dweight, dbias)
        return dx if self.needs_input_grad else None

    def config(self) -> dict:
        """Constructor arguments (JSON-able); ``Conv2d(**conv.config())`` rebuilds the layer."""
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "bias": self.bias is not None,
            "dtype": str(self.weight.dtype),
        }

    def extra_repr(self) -> str:
        """PyTorch's layout: ``1, 16, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)``."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s
