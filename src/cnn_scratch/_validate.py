"""Argument checks shared by every layer of the library.

Each helper raises a ``ValueError`` or ``TypeError`` whose message names the
operation, what was expected, what was received (the full shape or value) and a
hint. Keeping them in one place keeps the wording of every error alike.
Read next: ``functional/shapes.py`` for the output-size formula that uses them.
"""

from __future__ import annotations

import numbers

import numpy as np


def fail(op: str, expected: str, received: object, hint: str = "", exc: type = ValueError):
    """Raise ``exc`` with the project's standard message layout.

    Example message: ``conv2d: expected x of shape (N, C_in, H, W), got shape (3, 5, 5).
    Hint: add a batch axis with x[None].``
    """
    msg = f"{op}: expected {expected}, got {received}."
    if hint:
        msg += f" Hint: {hint}"
    raise exc(msg)


def as_pair(value, name: str, op: str, minimum: int = 0) -> tuple[int, int]:
    """Return ``value`` as a pair ``(h, w)`` of Python ints, each ``>= minimum``.

    Accepts an int (used for both axes) or a sequence of two ints, like PyTorch.
    """
    if isinstance(value, (bool, np.bool_)):
        fail(op, f"{name} as an int or a pair of ints", f"{name}={value!r}", exc=TypeError)
    if isinstance(value, numbers.Integral):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        fail(
            op,
            f"{name} as an int or a pair of ints (h, w)",
            f"{name}={value!r}",
            hint=f"pass e.g. {name}=2 or {name}=(2, 1).",
            exc=TypeError,
        )
    if pair[0] < minimum or pair[1] < minimum:
        fail(
            op,
            f"{name} >= {minimum} on both axes",
            f"{name}={value!r}",
            hint=f"{name} must be a whole number of at least {minimum}.",
        )
    return pair


def check_array(x, name: str, op: str, ndim: int | None = None, layout: str = "") -> np.ndarray:
    """Check that ``x`` is a floating NumPy array (of ``ndim`` dims, if given) and return it.

    ``layout`` is the human-readable expected shape, e.g. ``"(N, C_in, H, W)"``.
    """
    if not isinstance(x, np.ndarray):
        fail(
            op,
            f"{name} as a numpy.ndarray {layout}".rstrip(),
            f"{type(x).__name__}",
            hint=f"convert with numpy.asarray({name}, dtype=numpy.float32).",
            exc=TypeError,
        )
    if not np.issubdtype(x.dtype, np.floating):
        fail(
            op,
            f"{name} with a floating dtype (float32 or float64)",
            f"dtype {x.dtype} with shape {x.shape}",
            hint=f"convert with {name}.astype(numpy.float32).",
            exc=TypeError,
        )
    if ndim is not None and x.ndim != ndim:
        fail(
            op,
            f"{name} of shape {layout or f'with {ndim} dims'}",
            f"shape {x.shape} ({x.ndim} dims)",
            hint=(
                "add a batch axis with x[None] (one image) or a channel axis with x[:, None]."
                if ndim == 4
                else f"reshape {name} to {ndim} dims."
            ),
        )
    return x


def check_dout(dout, shape: tuple[int, ...], dtype, op: str, layout: str = "") -> np.ndarray:
    """Check that ``dout`` is a floating array of the forward output's ``shape`` and ``dtype``; return it.

    Shared by every ``*_backward`` kernel (fast and naive), so a wrong upstream gradient gets the
    same message everywhere. A dtype other than the forward's is refused rather than silently
    upcasting the gradients (float64 dout after a float32 forward would give float64 dx).
    Costs two attribute comparisons: nothing is copied. ``layout`` names the axes of
    ``shape`` in the message, e.g. ``"(N, C_out, H_out, W_out)"``.

    >>> import numpy as np
    >>> g = np.zeros((2, 3), dtype=np.float32)
    >>> check_dout(g, (2, 3), np.float32, "linear_backward") is g
    True
    >>> try:
    ...     check_dout(g.astype(np.float64), (2, 3), np.float32, "linear_backward")
    ... except TypeError as e:
    ...     print(str(e).split(". Hint")[0])
    linear_backward: expected dout of dtype float32 like the forward input, got dtype float64
    """
    dout = check_array(dout, "dout", op)
    shape = tuple(shape)
    if dout.shape != shape:
        fail(
            op,
            f"dout of the forward output's shape {f'{layout} = ' if layout else ''}{shape}",
            f"shape {dout.shape}",
            hint="pass the gradient of the loss with respect to this op's output.",
        )
    dtype = np.dtype(dtype)
    if dout.dtype != dtype:
        fail(
            op,
            f"dout of dtype {dtype} like the forward input",
            f"dtype {dout.dtype}",
            hint=f"cast it with dout.astype(numpy.{dtype}); "
            "a gradient of another dtype would silently change the dtype of every gradient.",
            exc=TypeError,
        )
    return dout
