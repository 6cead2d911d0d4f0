"""Max and average pooling, vectorized: what training runs.

Same formulas, signatures and results as ``pool_naive.py`` (read that first):

    max pool:  out[n, c, i, j] = max_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]      (xp padded with -inf)
    avg pool:  out[n, c, i, j] = mean_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]     (xp padded with 0)

Two layouts of the windows, both views of the input (no copy):

* tiling: when the windows tile the input exactly (stride == kernel, KH divides H,
  KW divides W, no padding; e.g. ``MaxPool2d(2)`` on 28x28), ``x.reshape(N, C, H_out, KH,
  W_out, KW)`` IS the set of windows (built from the strides, so it stays a view for a
  channels-last input too), and in backward every input belongs to exactly one window,
  so gradients are written into that view of ``dx`` with no padded buffer, no
  accumulation and no crop;
* general: ``sliding_window_view`` of the padded input, sub-sampled by the stride,
  gives a (N, C, H_out, W_out, KH, KW) view; backward adds strided slices of ``dout``
  into a padded buffer, one slice per kernel offset, which accumulates overlaps.

Either way the Python loop runs over the KH*KW kernel offsets only, each step one
vectorized operation over all N*C*H_out*W_out windows. Outputs and gradients keep the
memory layout of the input (channels-last after a convolution, see ``conv.py``), so
every pass reads and writes in the same order.
Read next: ``linear.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .._validate import check_dout
from .conv import _scratch
from .pool_naive import _LAYOUT, pad_constant, pool_geometry


def _tiles(x_shape: tuple, geometry: tuple) -> bool:
    """True when the windows tile the input exactly (stride == kernel, sizes divide, no padding)."""
    (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = geometry
    _, _, h, w = x_shape
    return (sh, sw) == (kh, kw) and (ph, pw) == (0, 0) and h == h_out * kh and w == w_out * kw


def _channels_last(x: np.ndarray) -> bool:
    """True when ``x`` (N, C, H, W) is laid out (N, H, W, C) in memory, as a conv output is."""
    return x.shape[1] > 1 and x.strides[1] == x.itemsize and x.strides[3] == x.shape[1] * x.itemsize


def _empty_like_layout(shape: tuple, dtype, channels_last: bool) -> np.ndarray:
    """An uninitialised (N, C, H, W) array, channels-last in memory if asked (so passes stay in order)."""
    n, c, h, w = shape
    if channels_last:
        return np.empty((n, h, w, c), dtype=dtype).transpose(0, 3, 1, 2)
    return np.empty(shape, dtype=dtype)


def _scratch_like(a: np.ndarray, dtype=None) -> np.ndarray:
    """A recycled array shaped like ``a`` (N, C, H, W), channels-last in memory when ``a`` is.

    Contents undefined; hand it back with ``_scratch.give(view.base)`` when done (internal use only).
    """
    n, c, h, w = a.shape
    dtype = a.dtype if dtype is None else np.dtype(dtype)
    flat = _scratch.take(a.size, dtype)
    if _channels_last(a):
        return flat.reshape(n, h, w, c).transpose(0, 3, 1, 2)
    return flat.reshape(n, c, h, w)


def _tile_view(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """The tiling windows of ``x`` as a (N, C, H_out, KH, W_out, KW) view, whatever the memory layout.

    For a C-contiguous x this is ``x.reshape(N, C, H_out, KH, W_out, KW)``; building it from the
    strides instead also works on a channels-last x, where that reshape would copy. Writing into
    the view writes ``x``.
    """
    n, c, h, w = x.shape
    sn, sc, sh, sw = x.strides
    return as_strided(x, (n, c, h // kh, kh, w // kw, kw), (sn, sc, kh * sh, sh, kw * sw, sw))


def _windows(x: np.ndarray, geometry: tuple, pad_value: float) -> np.ndarray:
    """Return every pooling window as a view of shape (N, C, H_out, W_out, KH, KW)."""
    (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = geometry
    if _tiles(x.shape, geometry):
        # A re-description of strides: no data is copied.
        return _tile_view(x, kh, kw).transpose(0, 1, 2, 4, 3, 5)
    xp = pad_constant(x, ph, pw, pad_value) if (ph or pw) else x  # (N, C, H + 2*PH, W + 2*PW)
    # sliding_window_view only re-describes strides (a view); [::SH, ::SW] keeps the strided windows.
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :h_out, :w_out]


def _offset_slices(ki: int, kj: int, geometry: tuple) -> tuple:
    """Index of the inputs at kernel offset (ki, kj) of every window, in the padded input."""
    _, (sh, sw), _, (h_out, w_out) = geometry
    rows = slice(ki, ki + sh * (h_out - 1) + 1, sh)  # H_out rows, SH apart
    cols = slice(kj, kj + sw * (w_out - 1) + 1, sw)  # W_out columns, SW apart
    return (slice(None), slice(None), rows, cols)


def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling, vectorized; same contract as ``max_pool2d_forward_naive``.

    Formula: ``out[n, c, i, j] = max_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]``, ``xp`` padded
    with ``-inf``; ``H_out = floor((H + 2*PH - KH) / SH) + 1``.

    Args:
        x: input, shape (N, C, H, W), float32 or float64 (any memory layout; a channels-last
            input gives a channels-last output).
        kernel_size: window size, int or pair (KH, KW).
        stride: step, int or pair (SH, SW); None (default) means stride = kernel_size.
        padding: ``-inf`` rows/columns on each side, int or pair (PH, PW), at most half the kernel.

    Returns:
        out: shape (N, C, H_out, W_out), dtype of ``x``.
        cache: ``(x_shape, geometry, argmax, channels_last, dtype)``; ``argmax`` (N, C, H_out, W_out)
            is the row-major index ``ki*KW + kj`` of the FIRST maximum of each window (PyTorch's tie
            rule), stored as uint8 when KH*KW <= 256 (8x less memory than intp); ``dtype`` is x's.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d_forward(x, 2)[0][0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    geometry = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    (kh, kw) = geometry[0]
    windows = _windows(x, geometry, -np.inf)  # (N, C, H_out, W_out, KH, KW), a view
    first = windows[..., 0, 0]  # (N, C, H_out, W_out), a strided view
    # empty_like keeps x's memory layout (channels-last stays channels-last: no transposing pass).
    result = np.empty_like(first)  # (N, C, H_out, W_out): the returned maximum, a fresh array
    spare = _scratch_like(result)  # (N, C, H_out, W_out): the other running-maximum buffer, recycled
    index_dtype = np.uint8 if kh * kw <= 256 else np.intp
    argmax = np.zeros_like(result, dtype=index_dtype)  # (N, C, H_out, W_out), same layout as result
    better = _scratch_like(result, bool)  # (N, C, H_out, W_out), reused for every offset
    k_better = _scratch_like(argmax)  # (N, C, H_out, W_out), reused for every offset
    # One pass per kernel offset, in row-major order. Offset k is strictly better where
    # new = max(out, candidate) > out (the same as candidate > out, NaN included: both False),
    # so a strict ">" keeps the first maximum on ties, as PyTorch does. Only the maximum reads
    # the strided window view; the comparison reads two contiguous arrays: 1 strided pass per
    # offset instead of 2 (a strided pass costs several contiguous ones: its inner loops are
    # only C numbers long). k is larger than every earlier offset, so argmax = max(argmax,
    # k * better): two plain ufuncs, ~3x faster than a masked np.copyto. The running maximum
    # alternates between two buffers, started so that it ends in ``result``. The internal
    # buffers are recycled (see conv._ScratchPool): fresh memory costs page faults on every call.
    out, new = (result, spare) if (kh * kw - 1) % 2 == 0 else (spare, result)
    np.copyto(out, first)
    for k in range(1, kh * kw):
        candidate = windows[..., k // kw, k % kw]  # (N, C, H_out, W_out), a strided view
        np.maximum(out, candidate, out=new)
        np.greater(new, out, out=better)
        out, new = new, out
        np.multiply(better, index_dtype(k), out=k_better)
        np.maximum(argmax, k_better, out=argmax)
    _scratch.give(*(a.base for a in (spare, better, k_better)))
    return result, (x.shape, geometry, argmax, _channels_last(x), x.dtype)


def max_pool2d_backward(dout, cache):
    """Gradient of max pooling, vectorized; same contract as ``max_pool2d_backward_naive``.

    Formula: ``dx[n, c, i*SH + ki*, j*SW + kj*] += dout[n, c, i, j]`` with ``(ki*, kj*)`` the
    first maximum of window ``(i, j)``; overlapping windows add up.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from ``max_pool2d_forward``.

    Returns:
        dx: shape (N, C, H, W), dtype of ``dout``, in the memory layout of the forward input.
    """
    x_shape, geometry, argmax, channels_last, dtype = cache
    (kh, kw), _, (ph, pw), (h_out, w_out) = geometry
    n, c, h, w = x_shape
    check_dout(dout, (n, c, h_out, w_out), dtype, "max_pool2d_backward", layout=_LAYOUT)
    if _tiles(x_shape, geometry):
        # Disjoint windows: every input belongs to exactly one window and one offset k, so each
        # offset's slice of dx is written once, by a multiply straight into it (out=): no zero
        # fill, no accumulation, no temporary beyond the (small, uint8-compare) mask.
        if channels_last and not _channels_last(dout):
            # dout arrives NCHW from Flatten: move the small dout to channels-last once, so the
            # KH*KW passes below read and write in the same order (mixed layouts measured 3x slower).
            dout = np.ascontiguousarray(dout.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        dx = _empty_like_layout(x_shape, dout.dtype, channels_last)  # (N, C, H, W)
        dx_windows = _tile_view(dx, kh, kw)  # (N, C, H_out, KH, W_out, KW), a view of dx
        for k in range(kh * kw):
            np.multiply(dout, argmax == k, out=dx_windows[:, :, :, k // kw, :, k % kw])
        return dx
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dout.dtype)  # (N, C, H + 2*PH, W + 2*PW)
    # Each offset's slice touches every position at most once, so "+=" is safe, and
    # successive offsets accumulate the contributions of overlapping windows. A multiply by the
    # boolean mask is several times faster than np.where(mask, dout, 0) (see relu_backward).
    for k in range(kh * kw):
        dxp[_offset_slices(k // kw, k % kw, geometry)] += dout * (argmax == k)
    return dxp[:, :, ph : ph + h, pw : pw + w].copy()  # (N, C, H, W)


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling, vectorized; same contract as ``avg_pool2d_forward_naive``.

    Formula: ``out[n, c, i, j] = (1 / (KH*KW)) * sum_{ki, kj} xp[n, c, i*SH + ki, j*SW + kj]``,
    ``xp`` zero-padded, zeros counted (PyTorch's ``count_include_pad=True``).

    Args:
        x: input, shape (N, C, H, W), float32 or float64.
        kernel_size: window size, int or pair (KH, KW).
        stride: step, int or pair (SH, SW); None (default) means stride = kernel_size.
        padding: zero rows/columns on each side, int or pair (PH, PW), at most half the kernel.

    Returns:
        out: shape (N, C, H_out, W_out), dtype of ``x``.
        cache: ``(x_shape, geometry, dtype)``, ``dtype`` the dtype of ``x``.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d_forward(x, 2)[0][0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    geometry = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    (kh, kw) = geometry[0]
    windows = _windows(x, geometry, 0.0)  # (N, C, H_out, W_out, KH, KW), a view
    out = windows[..., 0, 0].copy()  # (N, C, H_out, W_out): running sum
    # KH*KW whole-array additions instead of a reduction over two tiny trailing axes.
    for k in range(1, kh * kw):
        out += windows[..., k // kw, k % kw]
    out /= kh * kw
    return out, (x.shape, geometry, x.dtype)


def avg_pool2d_backward(dout, cache):
    """Gradient of average pooling, vectorized; same contract as ``avg_pool2d_backward_naive``.

    Formula: ``dx[n, c, i*SH + ki, j*SW + kj] += dout[n, c, i, j] / (KH*KW)`` for every offset
    ``(ki, kj)`` of window ``(i, j)``; overlapping windows add up; padding is cropped.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from ``avg_pool2d_forward``.

    Returns:
        dx: shape (N, C, H, W), dtype of ``dout``.
    """
    x_shape, geometry, dtype = cache
    (kh, kw), _, (ph, pw), (h_out, w_out) = geometry
    n, c, h, w = x_shape
    check_dout(dout, (n, c, h_out, w_out), dtype, "avg_pool2d_backward", layout=_LAYOUT)
    share = dout / (kh * kw)  # (N, C, H_out, W_out): what each input of a window receives
    if _tiles(x_shape, geometry):
        # Broadcast each share over its KH x KW block; the one reshape is the only copy.
        blocks = np.broadcast_to(share[:, :, :, None, :, None], (n, c, h_out, kh, w_out, kw))
        return blocks.reshape(x_shape)  # (N, C, H, W)
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dout.dtype)  # (N, C, H + 2*PH, W + 2*PW)
    for k in range(kh * kw):
        dxp[_offset_slices(k // kw, k % kw, geometry)] += share
    return dxp[:, :, ph : ph + h, pw : pw + w].copy()  # (N, C, H, W)
