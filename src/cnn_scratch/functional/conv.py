"""2-D convolution, vectorized: im2col and one matrix multiply (GEMM) per pass.

Same op, same signature and same formula as ``conv_naive.py`` (read that first):

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} x_padded[n, ci, i*SH + u, j*SW + v] * weight[co, ci, u, v]

(cross-correlation, as in every framework). The loops over n, i, j disappear by
gathering every window into one column of a matrix ("im2col"):

    cols[(ci, u, v), (n, i, j)] = x_padded[n, ci, i*SH + u, j*SW + v]   # (C_in*KH*KW, N*H_out*W_out)
    out  = W @ cols + bias                                               # W = weight as (C_out, C_in*KH*KW)
    dW   = dout_t @ cols.T,  dcols = W.T @ dout_t                        # dout_t: (C_out, N*H_out*W_out)
    dx   = col2im(dcols): add every column back onto the window it came from

so all the arithmetic runs in BLAS. ``im2col`` below builds exactly that textbook
matrix (``explain im2col`` prints it). Training computes the same products in the
transposed, channels-last arrangement, which needs fewer and faster copies:

    cols[(n, i, j), (u, v, ci)] = x_padded[n, i*SH + u, j*SW + v, ci]   # (N*H_out*W_out, KH*KW*C_in)
    out_m = cols @ W_rows.T + bias      # (N*H_out*W_out, C_out) = the output, channels-last
    dW_rows = dout_m.T @ cols           # W_rows = weight as (C_out, KH*KW*C_in)
    dcols[u, v] = dout_m @ weight[:, :, u, v]  and  dx = col2im(dcols)

Why it is faster (measured, 2 cores, float32, MNIST model A): each copy moves long
contiguous runs (KW*C_in numbers per window row instead of W_out), the output of
the GEMM already is the layer's output (returned as an NCHW *view* of channels-last
memory, as PyTorch's ``channels_last`` tensors are), and ReLU, pooling and the next
convolution keep and consume that layout without transposing. The im2col matrix is
built in blocks of images of about ``CHUNK_BYTES`` so each block is multiplied while
still in cache; it is kept for backward when the whole is at most ``KEEP_COLS_BYTES``
and rebuilt there otherwise (then only the padded input is kept). The Python loops
left are over those blocks and over the KH*KW kernel offsets in col2im.
Measured for model A (batch 64, 2 threads): training went from ~1,150 to ~2,400 images/s.

Read next: ``tests/test_conv.py``, which proves this equal to the naive loops, to
finite differences and to PyTorch.
"""

from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .._validate import check_dout
from .conv_naive import check_conv2d_args


class ConvCache(NamedTuple):
    """What ``conv2d_forward`` keeps for the backward pass."""

    x_shape: tuple[int, int, int, int]  # (N, C_in, H, W)
    x_padded: np.ndarray  # (N, Hp, Wp, C_in), channels-last padded input (KH*KW times smaller than cols)
    weight: np.ndarray  # (C_out, C_in, KH, KW)
    has_bias: bool
    stride: tuple[int, int]  # (SH, SW)
    padding: tuple[int, int]  # (PH, PW)
    col_blocks: list | None = None  # kept im2col blocks as (flat buffer, (rows, KH*KW*C_in) view), or None

    @property
    def cols(self) -> np.ndarray:
        """The im2col matrix in the textbook layout of ``im2col``: (C_in*KH*KW, N*H_out*W_out).

        Built on demand (a copy) for readers such as ``explain im2col``; training never calls it.
        """
        _, _, KH, KW = self.weight.shape
        return im2col(self.x_padded.transpose(0, 3, 1, 2), KH, KW, *self.stride)


def _pad(x: np.ndarray, PH: int, PW: int) -> np.ndarray:
    """Zero-pad H and W of an (N, C, H, W) array; no copy at all when there is no padding."""
    if PH == 0 and PW == 0:
        return x  # read-only use below, so the caller's array is safe
    N, C, H, W = x.shape
    # A zero buffer plus one slice assignment beats np.pad, which goes through generic per-axis code.
    xp = np.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=x.dtype)  # (N, C, Hp, Wp)
    xp[:, :, PH : PH + H, PW : PW + W] = x
    return xp


def im2col(x_padded: np.ndarray, KH: int, KW: int, SH: int, SW: int) -> np.ndarray:
    """Gather every KH x KW window of ``x_padded`` into one column.

    Args:
        x_padded: (N, C_in, Hp, Wp), already padded.
        KH: kernel height.
        KW: kernel width.
        SH: vertical stride.
        SW: horizontal stride.

    Returns:
        cols: (C_in*KH*KW, N*H_out*W_out) C-contiguous, with
        ``cols[(ci, u, v), (n, i, j)] = x_padded[n, ci, i*SH + u, j*SW + v]``.
    """
    N, C_in = x_padded.shape[:2]
    # sliding_window_view is a zero-copy strided view; slicing it by the stride is free too.
    windows = sliding_window_view(x_padded, (KH, KW), axis=(2, 3))[:, :, ::SH, ::SW]
    H_out, W_out = windows.shape[2:4]  # windows: (N, C_in, H_out, W_out, KH, KW)
    # The single copy happens here, written straight in GEMM order (C_in, KH, KW, N, H_out, W_out):
    # the rows of cols are then contiguous and BLAS reads them without another transpose copy,
    # and the innermost copied axis (W_out) is unit-stride in x_padded, which makes the copy fast.
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(C_in * KH * KW, N * H_out * W_out)


def _padded_nhwc(x: np.ndarray, PH: int, PW: int) -> np.ndarray:
    """Return x (N, C, H, W) as a zero-padded channels-last (N, H + 2*PH, W + 2*PW, C) C-contiguous array.

    When ``x`` is already channels-last in memory (the output of the previous conv, ReLU or
    pool is) and there is no padding, this is free: ``x.transpose(0, 2, 3, 1)`` is contiguous.
    """
    N, C, H, W = x.shape
    x_nhwc = x.transpose(0, 2, 3, 1)  # (N, H, W, C), a view
    if PH == 0 and PW == 0:
        return np.ascontiguousarray(x_nhwc)  # no copy when x is channels-last already
    xp = np.zeros((N, H + 2 * PH, W + 2 * PW, C), dtype=x.dtype)  # (N, Hp, Wp, C)
    xp[:, PH : PH + H, PW : PW + W, :] = x_nhwc
    return xp


CHUNK_BYTES = 4 << 20
"""Target size of one block of the im2col matrix (see ``_chunks``)."""
KEEP_COLS_BYTES = 32 << 20
"""Keep the whole im2col matrix for backward when it is at most this big (else rebuild it there)."""


def _chunks(N: int, rows_per_image: int, row_bytes: int):
    """Split the batch into runs of images whose im2col block is about ``CHUNK_BYTES``.

    Why: the whole im2col matrix of a batch is tens of MB (model B: 42 MB at batch 64); built
    whole it is written to RAM and read back by the GEMM. Built one block at a time, each block
    is multiplied while it is still in cache, and only the padded input is kept for backward
    (which rebuilds the blocks), so memory no longer grows with KH*KW.
    """
    step = max(1, min(N, CHUNK_BYTES // max(1, rows_per_image * row_bytes)))
    return [(start, min(N, start + step)) for start in range(0, N, step)]


class _ScratchPool:
    """Recycled flat scratch arrays (im2col blocks, col2im products), keyed by size and dtype.

    Why: a fresh multi-MB array per call is fresh memory from the OS each time (mmap, page
    faults, zero-filling): measured 2-3x slower convolutions (conv 5x5 forward 7.6 -> 20 ms).
    Only internal work arrays come from here, never an array the caller receives, so the
    kernels stay pure. Bounded: at most ``per_key`` arrays of each size, and ``max_bytes`` in all.
    """

    def __init__(self, per_key: int = 8, max_bytes: int = 256 * 2**20):
        self._free: dict[tuple[int, str], list[np.ndarray]] = {}
        self._lock = threading.Lock()
        self._per_key = per_key
        self._max_bytes = max_bytes  # all free arrays together: many input shapes cannot grow it
        self._bytes = 0

    def take(self, size: int, dtype) -> np.ndarray:
        """A flat array of ``size`` elements (recycled if one is free; contents undefined)."""
        key = (size, np.dtype(dtype).str)
        with self._lock:
            stack = self._free.get(key)
            if stack:
                a = stack.pop()
                self._bytes -= a.nbytes
                return a
        return np.empty(size, dtype=dtype)

    def give(self, *arrays: np.ndarray) -> None:
        """Return arrays obtained from ``take`` once nothing reads them any more."""
        with self._lock:
            for a in arrays:
                stack = self._free.setdefault((a.size, a.dtype.str), [])
                if len(stack) < self._per_key and self._bytes + a.nbytes <= self._max_bytes:
                    stack.append(a)
                    self._bytes += a.nbytes


_scratch = _ScratchPool()


class _KeptBlocks(list):
    """The im2col blocks a forward keeps for backward, as (flat buffer, cols view) pairs.

    ``release()`` hands the buffers back to the pool: backward calls it when done; if the
    cache is dropped without a backward (inference), it runs when the list is collected.
    """

    def seal(self) -> None:
        """Arm the release (call once all blocks are appended)."""
        self.release = weakref.finalize(self, _scratch.give, *(flat for flat, _ in self))


def _block_buffer(spans: list, per_image: int, dtype) -> np.ndarray:
    """One flat buffer for the largest block of ``spans`` (``per_image`` numbers per image)."""
    return _scratch.take(max(e - s for s, e in spans) * per_image, dtype)


def _im2col_nhwc(xp: np.ndarray, KH: int, KW: int, SH: int, SW: int, H_out: int, W_out: int, out=None):
    """Channels-last im2col: ``cols[(n, i, j), (u, v, ci)] = xp[n, i*SH + u, j*SW + v, ci]``.

    Args:
        xp: padded input, channels-last (any run of images of it), (N, Hp, Wp, C_in).
        KH: kernel height.
        KW: kernel width.
        SH: vertical stride.
        SW: horizontal stride.
        H_out: output height.
        W_out: output width.
        out: optional flat buffer with at least N*H_out*W_out*KH*KW*C_in elements to fill
            (reused across blocks so the loop allocates nothing).

    Returns:
        cols: (N*H_out*W_out, KH*KW*C_in), a C-contiguous matrix, or the transposed view of a
        C-contiguous (KH*KW*C_in, N*H_out*W_out) matrix when that copies faster (see below).
        BLAS reads either without another copy.
    """
    N, _, _, C_in = xp.shape
    sN, sH, sW, sC = xp.strides
    rows, width = N * H_out * W_out, KH * KW * C_in
    if SW == 1 and C_in * KW < W_out:
        # Few channels (the first layer: C_in = 1): the unbroken runs in memory are the W_out
        # outputs of a row, not the KW*C_in numbers of a window row, so copy in the order
        # ((u, v, ci), (n, i, j)). Measured for x (64, 1, 28, 28), 5x5: 0.5 ms against 2.7 ms.
        shape = (KH, KW, C_in, N, H_out, W_out)
        windows = as_strided(xp, shape, (sH, sW, sC, sN, SH * sH, sW), writeable=False)
        if out is None:
            return windows.reshape(width, rows).T
        cols_t = out.reshape(-1)[: rows * width].reshape(width, rows)
        cols_t.reshape(shape)[...] = windows
        return cols_t.T
    # A zero-copy strided view (N, H_out, W_out, KH, KW, C_in). For stride 1 the last two axes
    # (v, ci) are one unbroken run of KW*C_in numbers in memory, so the single copy below moves
    # long contiguous blocks (the NCHW textbook layout copies runs of only W_out numbers).
    shape = (N, H_out, W_out, KH, KW, C_in)
    windows = as_strided(xp, shape, (sN, SH * sH, SW * sW, sH, sW, sC), writeable=False)
    if out is None:
        return windows.reshape(rows, width)  # the one copy, rows in GEMM order
    cols = out.reshape(-1)[: rows * width].reshape(rows, width)
    cols.reshape(shape)[...] = windows  # the one copy, into the reused buffer
    return cols


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """Convolution (cross-correlation) as im2col plus one GEMM; same contract as the naive version.

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} x_padded[n, ci, i*SH + u, j*SW + v] * weight[co, ci, u, v]
    H_out = floor((H + 2*PH - KH) / SH) + 1, likewise W_out.

    Computed channels-last: ``cols (N*H_out*W_out, KH*KW*C_in) @ W_rows.T -> (N*H_out*W_out, C_out)``,
    which is the output in (N, H_out, W_out, C_out) memory order. It is returned as an NCHW view of
    that memory (like PyTorch's ``channels_last`` tensors): indexing, shape and values are NCHW, and
    the next conv, ReLU or pool reads it without a transposing copy.

    Args:
        x: input (N, C_in, H, W), float32 or float64 (any memory layout).
        weight: kernels (C_out, C_in, KH, KW), same dtype as ``x``.
        bias: (C_out,) or None.
        stride: SH = SW = int, or (SH, SW); each >= 1.
        padding: PH = PW = int, or (PH, PW) zeros on each side; each >= 0.

    Returns:
        out: (N, C_out, H_out, W_out), dtype of ``x`` (channels-last strides).
        cache: ``ConvCache`` (input shape, padded channels-last input, weight, has_bias, stride, padding,
            and the im2col blocks when kept).

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> out, _ = conv2d_forward(x, np.ones((1, 1, 2, 2)), stride=2)  # sums of the four 2x2 blocks
    >>> out[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    (SH, SW), (PH, PW), (H_out, W_out) = check_conv2d_args(x, weight, bias, stride, padding, "conv2d_forward")
    N = x.shape[0]
    C_out, C_in, KH, KW = weight.shape
    xp = _padded_nhwc(x, PH, PW)  # (N, Hp, Wp, C_in)
    w_rows = weight.transpose(0, 2, 3, 1).reshape(C_out, KH * KW * C_in)  # (C_out, KH*KW*C_in), small copy
    R = H_out * W_out  # GEMM rows per image
    out = np.empty((N * R, C_out), dtype=x.dtype)  # (N*H_out*W_out, C_out) = channels-last output
    # A small im2col matrix is kept for backward (rebuilding it costs as much as its GEMM when
    # C_in = 1); a big one is built block by block in one reused buffer and rebuilt in backward.
    keep = N * R * KH * KW * C_in * x.itemsize <= KEEP_COLS_BYTES
    spans = _chunks(N, R, KH * KW * C_in * x.itemsize)
    blocks = _KeptBlocks() if keep else None
    buf = None if keep else _block_buffer(spans, R * KH * KW * C_in, x.dtype)
    for s, e in spans:
        # a kept block gets its own recycled buffer (returned to the pool by backward)
        target = _scratch.take((e - s) * R * KH * KW * C_in, x.dtype) if keep else buf
        cols = _im2col_nhwc(xp[s:e], KH, KW, SH, SW, H_out, W_out, target)  # (rows, KH*KW*C_in)
        if keep:
            blocks.append((target, cols))
        np.matmul(cols, w_rows.T, out=out[s * R : e * R])  # the GEMM, written in place; w_rows.T is a view
    if buf is not None:
        _scratch.give(buf)
    if blocks is not None:
        blocks.seal()
    if bias is not None:
        # In place, with the bias tiled along one output row (W_out*C_out numbers): the broadcast add
        # then runs in inner loops of W_out*C_out instead of C_out numbers (conv1 of model A: 0.57 -> 0.2 ms).
        out.reshape(N * H_out, W_out * C_out)[...] += np.tile(bias, W_out)
    out = out.reshape(N, H_out, W_out, C_out).transpose(0, 3, 1, 2)  # (N, C_out, H_out, W_out), a view
    return out, ConvCache(x.shape, xp, weight, bias is not None, (SH, SW), (PH, PW), blocks)


def conv2d_backward(dout, cache, *, compute_dx=True):
    """Gradients of ``conv2d_forward`` by GEMMs and a col2im; same contract as the naive version.

        dbias[co]       = sum_{n, i, j} dout[n, co, i, j]
        dweight[co, ci, u, v] = sum_{n, i, j} dout[n, co, i, j] * x_padded[n, ci, i*SH + u, j*SW + v]
                        (as matrices: dW_rows = dout_m.T @ cols, dout_m = dout as (N*H_out*W_out, C_out))
        dx_padded[n, ci, i*SH + u, j*SW + v] += sum_co weight[co, ci, u, v] * dout[n, co, i, j]
                        (per kernel offset (u, v): dout_m @ weight[:, :, u, v], then one strided add)
        dx = dx_padded cropped

    Args:
        dout: upstream gradient (N, C_out, H_out, W_out), dtype of the forward input (any layout).
        cache: the ``ConvCache`` returned by ``conv2d_forward``.
        compute_dx: if False, skip the input gradient (and its GEMM and col2im).

    Returns:
        dx: (N, C_in, H, W) with channels-last strides, or None when ``compute_dx`` is False.
        dweight: (C_out, C_in, KH, KW), C-contiguous.
        dbias: (C_out,), or None when the forward had no bias.
    """
    x_shape, xp, weight, has_bias, (SH, SW), (PH, PW), blocks = cache
    N, C_in, H, W = x_shape
    C_out, _, KH, KW = weight.shape
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1
    dout = check_dout(
        dout, (N, C_out, H_out, W_out), weight.dtype, "conv2d_backward", layout="(N, C_out, H_out, W_out)"
    )
    R = H_out * W_out  # GEMM rows per image

    # dout as the GEMM output matrix (N*H_out*W_out, C_out); free when dout is channels-last already.
    dout_m = np.ascontiguousarray(dout.transpose(0, 2, 3, 1)).reshape(N * R, C_out)
    # dbias as a GEMV with a vector of ones: ~5x faster than dout_m.sum(axis=0), whose reduction
    # over the long axis 0 of a narrow (rows, C_out) matrix runs in short strided inner loops
    # (measured 1.1 ms vs 0.19 ms for the first layer of model A at batch 64).
    dbias = np.ones(N * R, dtype=dout_m.dtype) @ dout_m if has_bias else None  # (C_out,)
    if compute_dx:
        # dx by col2im, one kernel offset at a time. The batched matmul writes the KH*KW products
        # dout_m @ weight[:, :, u, v] as separate contiguous (rows, C_in) blocks, so each strided add
        # reads one block in order and writes runs of W_out*C_in contiguous numbers of dx_padded
        # (stride 1). Measured on x (64,16,14,14), weight (32,16,5,5), padding 2, float32, 1 thread:
        # 9.4 ms, against 16 ms as a transposed convolution (im2col of the padded dout, 2x bigger
        # because C_out > C_in) and ~17 ms for one (rows, KH*KW*C_in) GEMM + col2im with
        # interleaved offsets (runs of only C_in numbers per add).
        w_offsets = weight.transpose(2, 3, 0, 1).reshape(KH * KW, C_out, C_in)  # (KH*KW, C_out, C_in)
        dx_padded = np.zeros(xp.shape, dtype=weight.dtype)  # (N, Hp, Wp, C_in)
    dw_cols = np.zeros((KH * KW * C_in, C_out), dtype=weight.dtype)  # (KH*KW*C_in, C_out) = dW_rows.T
    spans = _chunks(N, R, KH * KW * C_in * xp.itemsize)
    kept = bool(blocks)  # a second backward on the same cache finds the list emptied: rebuild
    buf = None if kept else _block_buffer(spans, R * KH * KW * C_in, xp.dtype)
    dcols_buf = _block_buffer(spans, R * KH * KW * C_in, xp.dtype) if compute_dx else None
    # Block by block (see _chunks): rebuild the im2col block of the images (in cache), then use it.
    for b, (s, e) in enumerate(spans):
        # (rows, KH*KW*C_in): kept by forward, or rebuilt into the reused buffer
        cols = blocks[b][1] if kept else _im2col_nhwc(xp[s:e], KH, KW, SH, SW, H_out, W_out, buf)
        d_block = dout_m[s * R : e * R]  # (rows, C_out)
        # dW_rows.T = cols.T @ d_block: the same product transposed, which OpenBLAS splits better over
        # 2 threads for these shapes (long K, small output): measured 5.0 -> 4.3 ms (conv2 of model A)
        # and 1.35 -> 0.92 ms (conv1).
        dw_cols += cols.T @ d_block
        if compute_dx:
            dcols = dcols_buf[: KH * KW * (e - s) * R * C_in].reshape(KH * KW, (e - s) * R, C_in)
            np.matmul(d_block, w_offsets, out=dcols)  # (KH*KW, rows, C_in)
            dxp = dx_padded[s:e]  # (e - s, Hp, Wp, C_in), a view
            for u in range(KH):
                for v in range(KW):
                    block = dcols[u * KW + v].reshape(e - s, H_out, W_out, C_in)
                    dxp[:, u : u + SH * H_out : SH, v : v + SW * W_out : SW, :] += block
    dweight = np.ascontiguousarray(dw_cols.reshape(KH, KW, C_in, C_out).transpose(3, 2, 0, 1))  # small copy
    _scratch.give(*(a for a in (buf, dcols_buf) if a is not None))
    if kept:
        blocks.clear()
        blocks.release()  # the kept blocks' buffers are recycled now (once: later calls do nothing)
    if not compute_dx:
        return None, dweight, dbias
    # Crop the padding (a view; PH:PH+H is safe when PH = 0) and show it as NCHW (a view again).
    dx = dx_padded[:, PH : PH + H, PW : PW + W, :].transpose(0, 3, 1, 2)  # (N, C_in, H, W)
    return dx, dweight, dbias
