"""One-channel building blocks of convolution: correlate, convolve, rotate, dilate, pad.

These small functions on 2-D maps are the vocabulary of ``conv_naive.py``: its
backward pass is written as "dilate the upstream gradient, pad it, correlate it
with the kernel turned by 180 degrees", and each of those words is a function here.

    correlate2d(x, k)[i, j] = sum_{u, v} x[i + u, j + v] * k[u, v]        (slide k, no flip)
    convolve2d(x, k)        = correlate2d(x, rot180(k))                  (the textbook convolution)

``mode="valid"`` keeps only positions where ``k`` lies fully inside ``x``:
output shape (H - KH + 1, W - KW + 1). ``mode="full"`` first pads ``x`` with
``KH - 1`` / ``KW - 1`` zeros on each side, so every overlap counts: output shape
(H + KH - 1, W + KW - 1). Both match ``scipy.signal.correlate2d`` / ``convolve2d``.

Read next: ``conv_naive.py``, which builds the multi-channel convolution from these.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._validate import as_pair, check_array, fail

MODES = ("valid", "full")


def _as_pads(pad, op: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Parse ``pad`` (int, ``(ph, pw)`` or ``((top, bottom), (left, right))``) into two pairs."""
    if isinstance(pad, (tuple, list)) and len(pad) == 2 and all(isinstance(p, (tuple, list)) for p in pad):
        top, bottom = as_pair(pad[0], "pad[0] (top, bottom)", op)
        left, right = as_pair(pad[1], "pad[1] (left, right)", op)
        return (top, bottom), (left, right)
    ph, pw = as_pair(pad, "pad", op)
    return (ph, ph), (pw, pw)


def pad2d(a: np.ndarray, pad) -> np.ndarray:
    """Surround the last two axes of ``a`` with zeros.

    Args:
        a: array of shape (..., H, W); any leading axes (N, C) are kept as they are.
        pad: ``p`` (p zeros on all four sides), ``(ph, pw)`` (ph above and below, pw left
            and right) or ``((top, bottom), (left, right))`` for uneven padding.

    Returns:
        A new array of shape (..., top + H + bottom, left + W + right), same dtype,
        with ``a`` copied into the middle.

    >>> pad2d(np.ones((1, 2)), (1, 0))
    array([[0., 0.],
           [1., 1.],
           [0., 0.]])
    """
    a = check_array(a, "a", "pad2d")
    if a.ndim < 2:
        fail("pad2d", "a with at least 2 dims (..., H, W)", f"shape {a.shape}")
    (top, bottom), (left, right) = _as_pads(pad, "pad2d")
    H, W = a.shape[-2:]
    # A zero buffer plus one slice assignment is cheaper than np.pad's general machinery.
    out = np.zeros((*a.shape[:-2], top + H + bottom, left + W + right), dtype=a.dtype)
    out[..., top : top + H, left : left + W] = a
    return out


def dilate2d(a: np.ndarray, stride) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring elements of the last two axes.

    This undoes the "skipping" of a strided window: the gradient of a stride-S
    output lands on every S-th position of the stride-1 grid.

    Args:
        a: array of shape (..., H, W).
        stride: ``s`` or ``(sh, sw)``, each >= 1 (1 returns a copy).

    Returns:
        Array of shape (..., (H - 1) * sh + 1, (W - 1) * sw + 1) with
        ``out[..., i * sh, j * sw] = a[..., i, j]`` and zeros elsewhere.

    >>> dilate2d(np.array([[1.0, 2.0]]), 3)
    array([[1., 0., 0., 2.]])
    """
    a = check_array(a, "a", "dilate2d")
    if a.ndim < 2:
        fail("dilate2d", "a with at least 2 dims (..., H, W)", f"shape {a.shape}")
    sh, sw = as_pair(stride, "stride", "dilate2d", minimum=1)
    H, W = a.shape[-2:]
    out = np.zeros((*a.shape[:-2], (H - 1) * sh + 1, (W - 1) * sw + 1), dtype=a.dtype)
    out[..., ::sh, ::sw] = a
    return out


def rot180(k: np.ndarray) -> np.ndarray:
    """Turn the last two axes by 180 degrees: ``out[..., u, v] = k[..., KH-1-u, KW-1-v]``.

    Args:
        k: array of shape (..., KH, KW).

    Returns:
        A new array (a copy, not a view) of the same shape and dtype.

    >>> rot180(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[4., 3.],
           [2., 1.]])
    """
    k = check_array(k, "k", "rot180")
    if k.ndim < 2:
        fail("rot180", "k with at least 2 dims (..., KH, KW)", f"shape {k.shape}")
    return k[..., ::-1, ::-1].copy()


def _check_pair(x, k, mode: str, op: str) -> tuple[np.ndarray, np.ndarray]:
    x = check_array(x, "x", op, ndim=2, layout="(H, W)")
    k = check_array(k, "k", op, ndim=2, layout="(KH, KW)")
    if x.dtype != k.dtype:
        fail(
            op,
            "x and k of the same dtype",
            f"x {x.dtype} and k {k.dtype}",
            hint="cast one of them, e.g. k.astype(x.dtype); mixing would silently upcast.",
            exc=TypeError,
        )
    if mode not in MODES:
        fail(op, 'mode "valid" or "full"', f"mode={mode!r}", hint='"same" is not supported.')
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        fail(
            op,
            f"k no larger than x on each axis in mode 'valid' (x has shape {x.shape})",
            f"k of shape {k.shape}",
            hint='use mode="full", or swap x and k.',
        )
    return x, k


def correlate2d(x: np.ndarray, k: np.ndarray, mode: str = "valid") -> np.ndarray:
    """Cross-correlation of one 2-D map with one 2-D kernel (the kernel is not flipped).

    out[i, j] = sum_{u < KH, v < KW} x[i + u, j + v] * k[u, v]

    Args:
        x: input map of shape (H, W), floating.
        k: kernel of shape (KH, KW), same dtype as ``x``.
        mode: ``"valid"`` -> (H - KH + 1, W - KW + 1); ``"full"`` -> (H + KH - 1, W + KW - 1),
            computed as the valid correlation of ``x`` padded by (KH - 1, KW - 1) zeros.

    Returns:
        The correlation, dtype of ``x``.

    >>> x = np.arange(9.0).reshape(3, 3)
    >>> correlate2d(x, np.array([[1.0, 0.0], [0.0, 1.0]]))  # x[i, j] + x[i+1, j+1]
    array([[ 4.,  6.],
           [10., 12.]])
    """
    x, k = _check_pair(x, k, mode, "correlate2d")
    KH, KW = k.shape
    if mode == "full":
        x = pad2d(x, (KH - 1, KW - 1))  # (H + 2(KH-1), W + 2(KW-1))
    windows = sliding_window_view(x, (KH, KW))  # (H_out, W_out, KH, KW): every placement of k
    return np.einsum("ijuv,uv->ij", windows, k)  # (H_out, W_out): window times kernel, summed


def convolve2d(x: np.ndarray, k: np.ndarray, mode: str = "valid") -> np.ndarray:
    """True (flipped-kernel) convolution: ``correlate2d(x, rot180(k), mode)``.

    out[i, j] = sum_{u, v} x[i + u, j + v] * k[KH - 1 - u, KW - 1 - v]

    Args:
        x: input map of shape (H, W), floating.
        k: kernel of shape (KH, KW), same dtype as ``x``.
        mode: ``"valid"`` or ``"full"``, as in ``correlate2d``.

    Returns:
        The convolution, same shape rules and dtype as ``correlate2d``.

    >>> convolve2d(np.array([[0.0, 1.0, 0.0]]), np.array([[1.0, 2.0]]), mode="full")
    array([[0., 1., 2., 0.]])
    """
    x, k = _check_pair(x, k, mode, "convolve2d")
    return correlate2d(x, rot180(k), mode)
