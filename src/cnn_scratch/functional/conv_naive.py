"""2-D convolution as plain loops: the executable definition of the op, forward and backward.

Like every framework (PyTorch, TensorFlow, JAX), what deep learning calls
"convolution" is really *cross-correlation*: the kernel slides over the input
without being turned around. (A textbook convolution flips it first; since the
kernel is learned, the flip would change nothing but the names.) With x padded by
(PH, PW) zeros into x_padded:

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} x_padded[n, ci, i*SH + u, j*SW + v] * weight[co, ci, u, v]
    H_out = floor((H + 2*PH - KH) / SH) + 1,   W_out = floor((W + 2*PW - KW) / SW) + 1

The backward pass is written as the "kernel flipping" steps of the textbook,
each with the helpers of ``correlate.py``:

1. dbias[co] = sum over n, i, j of dout[n, co, i, j].
2. dilate: put dout[n, co, i, j] at row i*SH, column j*SW of a zero map the size of the
   stride-1 output grid, (Hp - KH + 1, Wp - KW + 1) with Hp = H + 2*PH. This inserts
   SH - 1 zeros between rows and appends r = (Hp - KH) mod SH zero rows at the bottom
   (columns likewise): the rows the floor left uncovered get gradient 0.
3. dweight[co, ci] = sum_n correlate2d(x_padded[n, ci], dout_dilated[n, co], "valid").
4. pad_full: pad dout_dilated by KH - 1 rows and KW - 1 columns of zeros on every side.
5. rotate: turn every kernel weight[co, ci] by 180 degrees.
6. correlate: dx_padded[n, ci] = sum_co correlate2d(padded[n, co], rot180(weight[co, ci]), "valid")
   (a "full" correlation, i.e. a true convolution of dout_dilated with the kernel).
7. crop: dx = dx_padded without its padding border (padding receives no gradient).

Tracing. Both functions take ``trace``: ``None`` (no overhead) or a callable called as
``trace(event, **payload)`` at each visible step. Events and payloads, in order:

forward
    "output_size" -- axis ("H" or "W"), size, kernel, stride, padding, out (the formula's result)
    "pad"         -- x_padded (N, C_in, Hp, Wp), padding (PH, PW)
    "window"      -- n, c_out, i, j, patch (C_in, KH, KW), kernel (C_in, KH, KW),
                     products (C_in, KH, KW) = patch * kernel, total (scalar sum of products),
                     bias (scalar, or None without bias), value (total + bias, = out[n, c_out, i, j])
    "output"      -- out (N, C_out, H_out, W_out)
backward
    "dout"        -- dout (N, C_out, H_out, W_out)
    "dbias"       -- dbias (C_out,) (only when the forward had a bias)
    "dilate"      -- dout_dilated (N, C_out, Hp - KH + 1, Wp - KW + 1), stride (SH, SW)
    "dweight"     -- n, c_out, c_in, x_padded_channel (Hp, Wp), dout_dilated_map (Hp-KH+1, Wp-KW+1),
                     result (KH, KW): this sample's contribution, total (KH, KW): dweight[c_out, c_in] so far
    "pad_full"    -- padded (N, C_out, Hp + KH - 1, Wp + KW - 1)          (only when compute_dx)
    "rotate"      -- kernel (C_out, C_in, KH, KW), rotated (same shape)   (only when compute_dx)
    "correlate"   -- n, c_out, c_in, result (Hp, Wp): added into dx_padded[n, c_in]  (only when compute_dx)
    "crop"        -- dx_padded (N, C_in, Hp, Wp), dx (N, C_in, H, W)       (only when compute_dx)

Arrays in payloads are the function's own buffers or views of them: read them, copy
them if you keep them, never write to them.

Read next: ``conv.py``, the vectorized twin with the same signature.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_pair, check_array, check_dout, fail
from .correlate import correlate2d, dilate2d, pad2d, rot180
from .shapes import output_size


class ConvGeometry(NamedTuple):
    """The sizes of one convolution: stride (SH, SW), padding (PH, PW), output (H_out, W_out)."""

    stride: tuple[int, int]
    padding: tuple[int, int]
    out_hw: tuple[int, int]


def check_conv2d_args(x, weight, bias, stride, padding, op: str) -> ConvGeometry:
    """Validate the arguments of a conv2d forward and return its geometry.

    Raises ``TypeError`` for a non-array, non-floating or mixed-dtype argument and
    ``ValueError`` for a wrong shape, a stride below 1, a negative padding or a kernel
    larger than the padded input, each message naming ``op`` and the shape received.
    """
    x = check_array(x, "x", op, ndim=4, layout="(N, C_in, H, W)")
    weight = check_array(weight, "weight", op, ndim=4, layout="(C_out, C_in, KH, KW)")
    if x.dtype != weight.dtype:
        fail(
            op,
            "x and weight of the same dtype",
            f"x {x.dtype} and weight {weight.dtype}",
            hint="cast one, e.g. weight.astype(x.dtype); mixing would silently upcast.",
            exc=TypeError,
        )
    if x.shape[1] != weight.shape[1]:
        fail(
            op,
            f"x with C_in = weight.shape[1] = {weight.shape[1]} channels (x is (N, C_in, H, W))",
            f"x of shape {x.shape} and weight of shape {weight.shape}",
            hint="the layer's in_channels must equal the channels of its input.",
        )
    if bias is not None:
        bias = check_array(bias, "bias", op)
        if bias.shape != (weight.shape[0],):
            fail(
                op,
                f"bias of shape (C_out,) = ({weight.shape[0]},)",
                f"shape {bias.shape}",
                hint="one bias per output channel, or bias=None.",
            )
        if bias.dtype != x.dtype:
            fail(op, f"bias of dtype {x.dtype} like x", f"dtype {bias.dtype}", exc=TypeError)
    sh, sw = as_pair(stride, "stride", op, minimum=1)
    ph, pw = as_pair(padding, "padding", op, minimum=0)
    H, W = x.shape[2:]
    KH, KW = weight.shape[2:]
    H_out = output_size(H, KH, sh, ph, op=f"{op} (axis H)")
    W_out = output_size(W, KW, sw, pw, op=f"{op} (axis W)")
    return ConvGeometry((sh, sw), (ph, pw), (H_out, W_out))


class NaiveConvCache(NamedTuple):
    """What ``conv2d_forward_naive`` keeps for the backward pass."""

    x_shape: tuple[int, int, int, int]  # (N, C_in, H, W)
    x_padded: np.ndarray  # (N, C_in, Hp, Wp), Hp = H + 2*PH
    weight: np.ndarray  # (C_out, C_in, KH, KW)
    has_bias: bool
    stride: tuple[int, int]  # (SH, SW)
    padding: tuple[int, int]  # (PH, PW)


def conv2d_forward_naive(x, weight, bias=None, stride=1, padding=0, *, trace=None):
    """Convolution (cross-correlation) by an explicit loop over every output position.

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} x_padded[n, ci, i*SH + u, j*SW + v] * weight[co, ci, u, v]

    The kernel is not flipped: this is cross-correlation, which every framework calls
    convolution. H_out = floor((H + 2*PH - KH) / SH) + 1, likewise W_out.

    Args:
        x: input (N, C_in, H, W), float32 or float64.
        weight: kernels (C_out, C_in, KH, KW), same dtype as ``x``.
        bias: (C_out,) or None.
        stride: SH = SW = int, or (SH, SW); each >= 1.
        padding: PH = PW = int, or (PH, PW) zeros on each side; each >= 0.
        trace: optional callable ``trace(event, **payload)``; see the module docstring.

    Returns:
        out: (N, C_out, H_out, W_out), dtype of ``x``.
        cache: ``NaiveConvCache`` (input shape, padded input, weight, has_bias, stride, padding).

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2))
    >>> out, _ = conv2d_forward_naive(x, w, stride=2)  # sums of the four 2x2 blocks
    >>> out[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    op = "conv2d_forward_naive"
    geo = check_conv2d_args(x, weight, bias, stride, padding, op)
    (SH, SW), (PH, PW), (H_out, W_out) = geo
    N, _, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    if trace is not None:
        for axis, size, k, s, p, o in (("H", H, KH, SH, PH, H_out), ("W", W, KW, SW, PW, W_out)):
            trace("output_size", axis=axis, size=size, kernel=k, stride=s, padding=p, out=o)

    x_padded = pad2d(x, (PH, PW))  # (N, C_in, H + 2*PH, W + 2*PW)
    if trace is not None:
        trace("pad", x_padded=x_padded, padding=(PH, PW))

    out = np.empty((N, C_out, H_out, W_out), dtype=x.dtype)  # (N, C_out, H_out, W_out)
    for n in range(N):
        for co in range(C_out):
            kernel = weight[co]  # (C_in, KH, KW)
            b = None if bias is None else bias[co]
            for i in range(H_out):
                for j in range(W_out):
                    patch = x_padded[n, :, i * SH : i * SH + KH, j * SW : j * SW + KW]  # (C_in, KH, KW)
                    products = patch * kernel  # (C_in, KH, KW)
                    total = products.sum()
                    value = total if b is None else total + b
                    out[n, co, i, j] = value
                    if trace is not None:
                        trace(
                            "window", n=n, c_out=co, i=i, j=j, patch=patch, kernel=kernel,
                            products=products, total=total, bias=b, value=value,
                        )  # fmt: skip
    if trace is not None:
        trace("output", out=out)
    cache = NaiveConvCache(x.shape, x_padded, weight, bias is not None, (SH, SW), (PH, PW))
    return out, cache


def conv2d_backward_naive(dout, cache, *, compute_dx=True, trace=None):
    """Gradients of the convolution by dilation, padding and correlation with the turned kernel.

    With dout_dilated the upstream gradient spread on the stride-1 grid (step 2 of the
    module docstring) and x_padded the padded input:

        dbias[co]       = sum_{n, i, j} dout[n, co, i, j]
        dweight[co, ci] = sum_n correlate2d(x_padded[n, ci], dout_dilated[n, co], "valid")
        dx[n, ci]       = crop( sum_co correlate2d(dout_dilated[n, co], rot180(weight[co, ci]), "full") )

    Args:
        dout: upstream gradient (N, C_out, H_out, W_out), dtype of the forward input.
        cache: the ``NaiveConvCache`` returned by ``conv2d_forward_naive``.
        compute_dx: if False, skip the input gradient (a network's first layer needs none).
        trace: optional callable ``trace(event, **payload)``; see the module docstring.

    Returns:
        dx: (N, C_in, H, W), or None when ``compute_dx`` is False.
        dweight: (C_out, C_in, KH, KW).
        dbias: (C_out,), or None when the forward had no bias.
    """
    op = "conv2d_backward_naive"
    x_shape, x_padded, weight, has_bias, (SH, SW), (PH, PW) = cache
    N, C_in, H, W = x_shape
    C_out, _, KH, KW = weight.shape
    Hp, Wp = x_padded.shape[2:]
    H_out = (Hp - KH) // SH + 1
    W_out = (Wp - KW) // SW + 1
    dout = check_dout(dout, (N, C_out, H_out, W_out), weight.dtype, op, layout="(N, C_out, H_out, W_out)")
    if trace is not None:
        trace("dout", dout=dout)

    dbias = None
    if has_bias:
        dbias = dout.sum(axis=(0, 2, 3))  # (C_out,)
        if trace is not None:
            trace("dbias", dbias=dbias)

    # Dilate, then add the floor remainder so the map covers the whole stride-1 grid.
    rh, rw = (Hp - KH) % SH, (Wp - KW) % SW
    dout_dilated = pad2d(dilate2d(dout, (SH, SW)), ((0, rh), (0, rw)))  # (N, C_out, Hp-KH+1, Wp-KW+1)
    if trace is not None:
        trace("dilate", dout_dilated=dout_dilated, stride=(SH, SW))

    dweight = np.zeros_like(weight)  # (C_out, C_in, KH, KW)
    for co in range(C_out):
        for ci in range(C_in):
            for n in range(N):
                result = correlate2d(x_padded[n, ci], dout_dilated[n, co], "valid")  # (KH, KW)
                dweight[co, ci] += result
                if trace is not None:
                    trace(
                        "dweight", n=n, c_out=co, c_in=ci, x_padded_channel=x_padded[n, ci],
                        dout_dilated_map=dout_dilated[n, co], result=result, total=dweight[co, ci],
                    )  # fmt: skip

    if not compute_dx:
        return None, dweight, dbias

    padded = pad2d(dout_dilated, (KH - 1, KW - 1))  # (N, C_out, Hp + KH - 1, Wp + KW - 1)
    if trace is not None:
        trace("pad_full", padded=padded)
    rotated = rot180(weight)  # (C_out, C_in, KH, KW)
    if trace is not None:
        trace("rotate", kernel=weight, rotated=rotated)
    dx_padded = np.zeros((N, C_in, Hp, Wp), dtype=weight.dtype)  # (N, C_in, Hp, Wp)
    for n in range(N):
        for ci in range(C_in):
            for co in range(C_out):
                result = correlate2d(padded[n, co], rotated[co, ci], "valid")  # (Hp, Wp)
                dx_padded[n, ci] += result
                if trace is not None:
                    trace("correlate", n=n, c_out=co, c_in=ci, result=result)
    dx = dx_padded[:, :, PH : PH + H, PW : PW + W].copy()  # (N, C_in, H, W); safe when PH = 0
    if trace is not None:
        trace("crop", dx_padded=dx_padded, dx=dx)
    return dx, dweight, dbias
