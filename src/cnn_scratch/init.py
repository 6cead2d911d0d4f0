"""Weight initialisers with PyTorch's names, arguments and formulas, drawing from an explicit generator.

Every function fills an array (or a ``Parameter``'s ``.data``) in place, keeps its
dtype, and returns it. Randomness comes only from the ``rng`` argument, a
``numpy.random.Generator``; ``rng=None`` means a fresh ``numpy.random.default_rng()``
(unseeded), so pass a seeded generator for reproducible runs.

Fans of a weight (what the variance formulas divide by)::

    linear weight (out_features, in_features):  fan_in = in_features,      fan_out = out_features
    conv weight (C_out, C_in, KH, KW):          fan_in = C_in * KH * KW,   fan_out = C_out * KH * KW

The default initialisation of ``Conv2d`` and ``Linear`` (PyTorch's) is
``kaiming_uniform_(weight, a=sqrt(5))``, which simplifies to
``weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and the bias is drawn from the same bound.
Read next: ``nn/conv.py`` and ``nn/linear.py``, which call these.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import fail

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _array(tensor, op: str) -> np.ndarray:
    """The floating array to fill: ``tensor`` itself or a ``Parameter``'s ``.data``."""
    data = getattr(tensor, "data", tensor) if not isinstance(tensor, np.ndarray) else tensor
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
        fail(
            op,
            "a floating numpy.ndarray or a Parameter",
            f"{type(tensor).__name__}" + (f" of dtype {data.dtype}" if isinstance(data, np.ndarray) else ""),
            hint="initialise float32/float64 arrays, e.g. numpy.empty((3, 4), dtype=numpy.float32).",
            exc=TypeError,
        )
    return data


def _rng(rng, op: str) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        fail(
            op,
            "rng as a numpy.random.Generator or None",
            f"{type(rng).__name__}",
            hint="pass rng=numpy.random.default_rng(seed).",
            exc=TypeError,
        )
    return rng


def _fill(tensor, values: np.ndarray):
    """Write ``values`` into the array in place (cast to its dtype) and return ``tensor``."""
    data = tensor if isinstance(tensor, np.ndarray) else tensor.data
    data[...] = values.astype(data.dtype, copy=False)
    return tensor


def calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight, as PyTorch computes them.

    Args:
        tensor: an array (or ``Parameter``, or a shape tuple) with at least 2 dims:
            ``(out_features, in_features)`` or ``(C_out, C_in, KH, KW)``.

    Returns:
        ``fan_in = shape[1] * receptive_field``, ``fan_out = shape[0] * receptive_field``, where
        ``receptive_field`` is the product of the dims after the second (``KH * KW``; 1 for linear).

    >>> calculate_fan_in_and_fan_out(np.zeros((16, 3, 5, 5)))
    (75, 400)
    >>> calculate_fan_in_and_fan_out((10, 784))
    (784, 10)
    """
    shape = tuple(tensor) if isinstance(tensor, tuple) else tuple(np.shape(getattr(tensor, "data", tensor)))
    if len(shape) < 2:
        fail(
            "calculate_fan_in_and_fan_out",
            "a weight with at least 2 dims, e.g. (out_features, in_features) or (C_out, C_in, KH, KW)",
            f"shape {shape}",
            hint="fans are not defined for a bias vector; use uniform_ or zeros_ for biases.",
        )
    receptive_field = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity (PyTorch's table).

    Args:
        nonlinearity: ``"linear"``, ``"conv2d"``, ``"sigmoid"`` (gain 1), ``"tanh"`` (5/3),
            ``"relu"`` (sqrt(2)), ``"leaky_relu"`` (sqrt(2 / (1 + a^2)), a = ``param``, default 0.01),
            ``"selu"`` (3/4).
        param: negative slope ``a`` of ``leaky_relu``.

    Returns:
        The gain, a float.

    >>> round(calculate_gain("leaky_relu", math.sqrt(5)) ** 2, 12)  # 2 / (1 + 5)
    0.333333333333
    """
    linear_like = ("linear", "conv1d", "conv2d", "conv3d", "sigmoid")
    if nonlinearity in linear_like or nonlinearity.startswith("conv_transpose"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            fail(
                "calculate_gain", "param as a number (the negative slope)", f"param={param!r}", exc=TypeError
            )
        return math.sqrt(2.0 / (1.0 + slope**2))
    fail(
        "calculate_gain",
        "nonlinearity in linear, conv2d, sigmoid, tanh, relu, leaky_relu, selu",
        f"nonlinearity={nonlinearity!r}",
        hint="the gain table follows torch.nn.init.calculate_gain.",
    )


def _fan(tensor, mode: str, op: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        fail(op, 'mode "fan_in" or "fan_out"', f"mode={mode!r}", hint="fan_in keeps forward variance.")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, rng: np.random.Generator | None = None):
    """Fill with values drawn from ``U(a, b)``; returns ``tensor``.

    >>> w = uniform_(np.empty((2, 3), dtype=np.float32), -1.0, 1.0, rng=np.random.default_rng(0))
    >>> w.dtype, bool(np.all(np.abs(w) <= 1))
    (dtype('float32'), True)
    """
    data = _array(tensor, "uniform_")
    return _fill(tensor, _rng(rng, "uniform_").uniform(a, b, size=data.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, rng: np.random.Generator | None = None):
    """Fill with values drawn from ``N(mean, std^2)``; returns ``tensor``."""
    data = _array(tensor, "normal_")
    return _fill(tensor, _rng(rng, "normal_").normal(mean, std, size=data.shape))


def constant_(tensor, val: float):
    """Fill with the constant ``val``; returns ``tensor``."""
    _array(tensor, "constant_")[...] = val
    return tensor


def zeros_(tensor):
    """Fill with zeros; returns ``tensor``.

    >>> zeros_(np.ones(3))
    array([0., 0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with ones; returns ``tensor``."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, rng: np.random.Generator | None = None):
    """Glorot/Xavier uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    Keeps the variance ``gain^2 * 2 / (fan_in + fan_out)`` of forward and backward signals alike.
    """
    data = _array(tensor, "xavier_uniform_")
    fan_in, fan_out = calculate_fan_in_and_fan_out(data)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, _rng(rng, "xavier_uniform_").uniform(-bound, bound, size=data.shape))


def xavier_normal_(tensor, gain: float = 1.0, rng: np.random.Generator | None = None):
    """Glorot/Xavier normal: ``N(0, std^2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    data = _array(tensor, "xavier_normal_")
    fan_in, fan_out = calculate_fan_in_and_fan_out(data)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, _rng(rng, "xavier_normal_").normal(0.0, std, size=data.shape))


def kaiming_uniform_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | None = None,
):
    """He/Kaiming uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)`` and ``fan`` is ``fan_in`` or ``fan_out`` (``mode``).
    With ``a = sqrt(5)`` (the layers' default) ``gain^2 = 1/3`` and ``bound = 1 / sqrt(fan_in)``.

    Args:
        tensor: array or Parameter to fill, at least 2-D.
        a: negative slope of the following leaky ReLU (only used by ``"leaky_relu"``).
        mode: ``"fan_in"`` (preserve forward variance) or ``"fan_out"`` (backward).
        nonlinearity: name passed to ``calculate_gain``.
        rng: the generator to draw from (``None``: a fresh unseeded one).

    Returns:
        ``tensor``, filled in place.

    >>> w = kaiming_uniform_(np.empty((4, 25)), a=math.sqrt(5), rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= 1 / math.sqrt(25)))
    True
    """
    data = _array(tensor, "kaiming_uniform_")
    fan = _fan(data, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return _fill(tensor, _rng(rng, "kaiming_uniform_").uniform(-bound, bound, size=data.shape))


def kaiming_normal_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | None = None,
):
    """He/Kaiming normal: ``N(0, std^2)``, ``std = gain / sqrt(fan)``; arguments as ``kaiming_uniform_``."""
    data = _array(tensor, "kaiming_normal_")
    fan = _fan(data, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, _rng(rng, "kaiming_normal_").normal(0.0, std, size=data.shape))
