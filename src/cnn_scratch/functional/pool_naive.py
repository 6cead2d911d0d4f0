"""Max and average pooling as plain loops over windows: the executable definition of pooling.

A ``KH x KW`` window slides over each channel of the (padded) input with steps
``(SH, SW)``; every window position ``(i, j)`` gives one output value:

    max pool:  out[n, c, i, j] = max over (ki, kj) of xp[n, c, i*SH + ki, j*SW + kj]
    avg pool:  out[n, c, i, j] = (1 / (KH*KW)) * sum over (ki, kj) of xp[n, c, i*SH + ki, j*SW + kj]

``xp`` is ``x`` padded by ``(PH, PW)`` on each side, with ``-inf`` for max pooling
(padding never wins a max) and zeros for average pooling (the zeros count in the
average: PyTorch's ``count_include_pad=True``). Output size per axis:
``H_out = floor((H + 2*PH - KH) / SH) + 1`` (see ``shapes.py``).

Gradients: max pooling routes each ``dout[n, c, i, j]`` to the single input that
won its window (the FIRST maximum in row-major window order, PyTorch's rule for
ties); average pooling spreads it evenly, ``dout / (KH*KW)``, over the window.
Overlapping windows (stride < kernel) add their contributions.

This file also holds ``pool_geometry``, the argument checks shared with ``pool.py``.
Read next: ``pool.py``, the vectorized twin with the same signatures.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_pair, check_array, check_dout, fail
from .shapes import output_size

_LAYOUT = "(N, C, H_out, W_out)"  # the axes of a pooling output, named in dout errors


def pool_geometry(x, kernel_size, stride, padding, op: str):
    """Check pooling arguments and return the window geometry.

    Args:
        x: input, shape (N, C, H, W), floating dtype.
        kernel_size: int or pair (KH, KW), each >= 1.
        stride: int, pair (SH, SW) or None (None means stride = kernel_size, as in PyTorch).
        padding: int or pair (PH, PW); each at most half the kernel on its axis (PyTorch's rule).
        op: operation name used in error messages.

    Returns:
        Tuple ``((KH, KW), (SH, SW), (PH, PW), (H_out, W_out))``.

    Raises:
        TypeError: if ``x`` is not a floating array or a size is not an int or pair.
        ValueError: wrong ndim, stride 0, padding larger than half the kernel, or a
            kernel larger than the padded input.

    >>> import numpy as np
    >>> pool_geometry(np.zeros((1, 1, 5, 4)), 2, None, 0, "max_pool2d")
    ((2, 2), (2, 2), (0, 0), (2, 2))
    """
    check_array(x, "x", op, ndim=4, layout="(N, C, H, W)")
    kh, kw = as_pair(kernel_size, "kernel_size", op, minimum=1)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", op, minimum=1)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    if 2 * ph > kh or 2 * pw > kw:
        fail(
            op,
            "padding <= kernel_size / 2 on both axes",
            f"padding={(ph, pw)} with kernel_size={(kh, kw)}",
            hint="PyTorch forbids windows made mostly of padding; use a larger kernel or less padding.",
        )
    _, _, h, w = x.shape
    h_out = output_size(h, kh, sh, ph, op=op)
    w_out = output_size(w, kw, sw, pw, op=op)
    return (kh, kw), (sh, sw), (ph, pw), (h_out, w_out)


def pad_constant(x: np.ndarray, ph: int, pw: int, value: float) -> np.ndarray:
    """Return ``x`` (N, C, H, W) surrounded by ``ph`` rows and ``pw`` columns of ``value``.

    Never slices with ``-p`` (an empty array when p == 0): the copy goes into
    ``[ph : ph + H, pw : pw + W]`` of a new buffer of shape (N, C, H + 2*PH, W + 2*PW).

    >>> import numpy as np
    >>> pad_constant(np.ones((1, 1, 1, 2)), 1, 0, -np.inf)[0, 0]
    array([[-inf, -inf],
           [  1.,   1.],
           [-inf, -inf]])
    """
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)  # (N, C, H + 2*PH, W + 2*PW)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    return xp


def max_pool2d_forward_naive(x, kernel_size, stride=None, padding=0):
    """Max pooling by a loop over windows (reference implementation).

    Formula: ``out[n, c, i, j] = max_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]`` with ``xp``
    the input padded with ``-inf``; ``H_out = floor((H + 2*PH - KH) / SH) + 1``.

    Args:
        x: input, shape (N, C, H, W), float32 or float64.
        kernel_size: window size, int or pair (KH, KW).
        stride: step, int or pair (SH, SW); None (default) means stride = kernel_size.
        padding: ``-inf`` rows/columns on each side, int or pair (PH, PW), at most half the kernel.

    Returns:
        out: shape (N, C, H_out, W_out), dtype of ``x``.
        cache: ``(x_shape, geometry, argmax, dtype)`` where ``argmax`` (N, C, H_out, W_out) holds the
            row-major index ``ki*KW + kj`` of the first maximum of each window and ``dtype`` is x's.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0]]]])  # (1, 1, 2, 4)
    >>> max_pool2d_forward_naive(x, 2)[0]
    array([[[[4., 5.]]]])
    """
    (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = geometry = pool_geometry(
        x, kernel_size, stride, padding, "max_pool2d"
    )
    n_batch, channels = x.shape[:2]
    xp = pad_constant(x, ph, pw, -np.inf)  # (N, C, H + 2*PH, W + 2*PW)
    out = np.empty((n_batch, channels, h_out, w_out), dtype=x.dtype)  # (N, C, H_out, W_out)
    argmax = np.empty((n_batch, channels, h_out, w_out), dtype=np.intp)  # (N, C, H_out, W_out)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (KH, KW)
                    k = int(np.argmax(window))  # row-major index of the FIRST maximum
                    argmax[n, c, i, j] = k
                    out[n, c, i, j] = window.flat[k]
    return out, (x.shape, geometry, argmax, x.dtype)


def max_pool2d_backward_naive(dout, cache):
    """Gradient of max pooling by a loop over windows.

    Formula: ``dx[n, c, i*SH + ki*, j*SW + kj* ] += dout[n, c, i, j]`` where ``(ki*, kj*)``
    is the first maximum of window ``(i, j)``; every other input gets 0 from that window.
    Overlapping windows add up; padded positions are cropped away at the end.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from ``max_pool2d_forward_naive``.

    Returns:
        dx: shape (N, C, H, W), dtype of ``dout``.
    """
    (n_batch, channels, h, w), ((_, kw), (sh, sw), (ph, pw), (h_out, w_out)), argmax, dtype = cache
    check_dout(dout, (n_batch, channels, h_out, w_out), dtype, "max_pool2d_backward", layout=_LAYOUT)
    dxp = np.zeros((n_batch, channels, h + 2 * ph, w + 2 * pw), dtype=dout.dtype)  # (N, C, H+2PH, W+2PW)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    ki, kj = divmod(int(argmax[n, c, i, j]), kw)
                    dxp[n, c, i * sh + ki, j * sw + kj] += dout[n, c, i, j]
    return dxp[:, :, ph : ph + h, pw : pw + w].copy()  # (N, C, H, W)


def avg_pool2d_forward_naive(x, kernel_size, stride=None, padding=0):
    """Average pooling by a loop over windows (reference implementation).

    Formula: ``out[n, c, i, j] = (1 / (KH*KW)) * sum_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]``
    with ``xp`` the zero-padded input: padding zeros count in the average
    (PyTorch's default ``count_include_pad=True``).

    Args:
        x: input, shape (N, C, H, W), float32 or float64.
        kernel_size: window size, int or pair (KH, KW).
        stride: step, int or pair (SH, SW); None (default) means stride = kernel_size.
        padding: zero rows/columns on each side, int or pair (PH, PW), at most half the kernel.

    Returns:
        out: shape (N, C, H_out, W_out), dtype of ``x``.
        cache: ``(x_shape, geometry, dtype)``, ``dtype`` the dtype of ``x``.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0]]]])  # (1, 1, 2, 4)
    >>> avg_pool2d_forward_naive(x, 2)[0]
    array([[[[2.5 , 1.75]]]])
    """
    (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = geometry = pool_geometry(
        x, kernel_size, stride, padding, "avg_pool2d"
    )
    n_batch, channels = x.shape[:2]
    xp = pad_constant(x, ph, pw, 0.0)  # (N, C, H + 2*PH, W + 2*PW)
    out = np.empty((n_batch, channels, h_out, w_out), dtype=x.dtype)  # (N, C, H_out, W_out)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (KH, KW)
                    out[n, c, i, j] = window.sum() / (kh * kw)
    return out, (x.shape, geometry, x.dtype)


def avg_pool2d_backward_naive(dout, cache):
    """Gradient of average pooling by a loop over windows.

    Formula: ``dx[n, c, i*SH + ki, j*SW + kj] += dout[n, c, i, j] / (KH*KW)`` for every
    ``(ki, kj)`` of window ``(i, j)``; overlapping windows add up; padding is cropped away.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from ``avg_pool2d_forward_naive``.

    Returns:
        dx: shape (N, C, H, W), dtype of ``dout``.
    """
    (n_batch, channels, h, w), ((kh, kw), (sh, sw), (ph, pw), (h_out, w_out)), dtype = cache
    check_dout(dout, (n_batch, channels, h_out, w_out), dtype, "avg_pool2d_backward", layout=_LAYOUT)
    dxp = np.zeros((n_batch, channels, h + 2 * ph, w + 2 * pw), dtype=dout.dtype)  # (N, C, H+2PH, W+2PW)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    dxp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw] += dout[n, c, i, j] / (kh * kw)
    return dxp[:, :, ph : ph + h, pw : pw + w].copy()  # (N, C, H, W)
