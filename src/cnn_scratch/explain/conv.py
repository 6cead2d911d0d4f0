"""Narrated convolution, forward and backward, driven by the trace events of ``conv_naive.py``.

``explain_conv`` runs ``conv2d_forward_naive`` with a ``Recorder`` as its ``trace``
and turns each event into a step: the output-size formula with the numbers put in,
the padded input, every window (patch * kernel = products, their sum, the bias),
the output map, the activation; then the same input through a kernel turned by 180
degrees (a true convolution), and a check against the fast ``conv2d_forward``.

``explain_conv_backward`` does the same with ``conv2d_backward_naive``: dout, the
bias gradient, dout dilated by the stride, the kernel gradient as a correlation,
and the input gradient as pad -> correlate with the rotated kernel -> crop; then
checks against the fast ``conv2d_backward`` and finite differences.

    >>> e = explain_conv("1,2,3;4,5,6;7,8,9", "1,0;0,1")
    >>> e.result["out"][0, 0]
    array([[ 6.,  8.],
           [12., 14.]])
    >>> e.ok
    True

Read next: ``pool.py``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..gradcheck import numerical_gradient
from . import inputs
from .common import EXACT, FD, Recorder, activation_pair, compare, fmt_shape, sum_text
from .render import format_number as fn
from .steps import Explanation

TRUE_CONV_NOTE = (
    "Frameworks (PyTorch, TensorFlow, this library) compute cross-correlation and call it convolution:\n"
    "the kernel slides as it is. A textbook convolution first turns the kernel by 180 degrees.\n"
    "The two differ unless the kernel is symmetric; since a network learns its kernels, it would\n"
    "simply learn the turned kernel, so nothing is lost. With the turned kernel the same code gives:"
)


def build_conv_inputs(x, weight, bias, channels: int, filters: int, seed: int):
    """``(x, weight, bias, rng)`` in float64 from specs (``inputs.py``); draws x, weight, bias in order."""
    rng = np.random.default_rng(seed)
    x = inputs.as_map_stack(x, "input", rng, "input", (1, channels))  # (N, C_in, H, W)
    C_in = x.shape[1]
    w = inputs.load(weight, "kernel")
    if w is None:
        KH, KW = inputs.parse_size(weight if weight is not None else "3x3", "kernel")
        w = inputs.random_ints(rng, (filters, C_in, KH, KW), "kernel")  # (C_out, C_in, KH, KW)
    elif w.ndim == 2:
        w = w[None, None]
    elif w.ndim == 3:
        w = w[None]
    elif w.ndim != 4:
        inputs.fail(inputs.OP, "kernel with 2 to 4 dims", f"shape {w.shape}")
    b = inputs.as_vector(bias, "bias", w.shape[0], rng, "bias")  # (C_out,) or None
    return x, w, b, rng


def _size_text(ev: dict) -> str:
    """The output-size formula of one axis with the numbers put in (result from the trace)."""
    a, H, K, S, P, out = ev["axis"], ev["size"], ev["kernel"], ev["stride"], ev["padding"], ev["out"]
    k, s, p = f"K{a}", f"S{a}", f"P{a}"
    span = H + 2 * P - K  # how far the window can travel
    line = f"{a}_out = ({a} - {k} + 2*{p}) / {s} + 1 = ({H} - {K} + 2*{P}) / {S} + 1 = "
    if span % S == 0:
        return line + f"{span} / {S} + 1 = {out}"
    r = span % S
    padded = H + 2 * P
    rows = list(range(padded - r, padded))
    which = ("row" if a == "H" else "column") + ("s" if r > 1 else "")
    pad_only = all(q >= P + H for q in rows)
    return line + (
        f"floor({span} / {S}) + 1 = {out}\n"
        f"  {S} does not divide {span}: the floor drops a remainder of {r}, so the last {r} {which} "
        f"of the padded input (index {', '.join(map(str, rows))}) {'is' if r == 1 else 'are'} "
        "never covered by a window"
        + (" (they are padding)." if pad_only else ": those input values do not affect the output.")
    )


def explain_conv(
    x="5x5",
    weight="3x3",
    bias=None,
    stride=1,
    padding=0,
    *,
    channels: int = 1,
    filters: int = 1,
    activation: str | None = None,
    seed: int = 0,
    max_windows: int | None = None,
) -> Explanation:
    """Narrate ``conv2d_forward_naive`` on small arrays, window by window.

    out[n, co, i, j] = bias[co] + sum_{ci, u, v} x_padded[n, ci, i*SH + u, j*SW + v] * weight[co, ci, u, v]

    Args:
        x: input: a size ``"5x5"`` (seeded integers 0..9), numbers ``"1,2;3,4"``, a ``.npy`` path or an
            array (H, W), (C_in, H, W) or (N, C_in, H, W).
        weight: kernel: a size ``"3x3"`` (seeded integers -2..2), numbers (``/`` between filters, ``|``
            between channels), a path or an array (KH, KW), (C_in, KH, KW) or (C_out, C_in, KH, KW).
        bias: None, True (seeded integers), one number per filter, or an array (C_out,).
        stride: int or (SH, SW).
        padding: int or (PH, PW).
        channels: C_in when ``x`` is a size.
        filters: C_out when ``weight`` is a size.
        activation: None, "relu", "sigmoid" or "tanh", applied to the output map.
        seed: seed of the random integers.
        max_windows: narrate at most this many windows (None: all); the rest are still computed.

    Returns:
        ``Explanation``; ``result`` holds ``x``, ``weight``, ``bias``, ``out`` (N, C_out, H_out, W_out)
        and, with an activation, ``act``.
    """
    x, w, b, _ = build_conv_inputs(x, weight, bias, channels, filters, seed)
    rec = Recorder()
    out, _ = F.conv2d_forward_naive(x, w, b, stride, padding, trace=rec)  # (N, C_out, H_out, W_out)
    N = x.shape[0]
    KH, KW = w.shape[2:]
    pad = rec.first("pad")
    (PH, PW), (SH, SW) = (
        pad["padding"],
        (rec.all("output_size")[0]["stride"], rec.all("output_size")[1]["stride"]),
    )
    e = Explanation(
        f"convolution: x {fmt_shape(x.shape)} with weight {fmt_shape(w.shape)}, "
        f"stride ({SH}, {SW}), padding ({PH}, {PW})"
    )
    arrays = {"x": x, "weight": w}
    if b is not None:
        arrays["bias"] = b
    e.add(
        "the numbers",
        "x is (N, C_in, H, W), weight is (C_out, C_in, KH, KW): one kernel of C_in channels per filter.",
        arrays,
    )
    sizes = rec.all("output_size")
    e.add("output size", "\n".join(_size_text(ev) for ev in sizes))
    xp = pad["x_padded"]  # (N, C_in, Hp, Wp)
    e.add(
        "padding",
        (
            f"add {PH} row(s) of zeros above and below and {PW} column(s) left and right: "
            f"x_padded is {xp.shape[2]}x{xp.shape[3]}."
        )
        if (PH or PW)
        else "no padding: x_padded = x.",
        {"x_padded": xp[0] if N == 1 else xp},
    )
    windows = rec.all("window")
    shown = windows if max_windows is None else windows[:max_windows]
    for ev in shown:
        n, co, i, j = ev["n"], ev["c_out"], ev["i"], ev["j"]
        r0, c0 = i * SH, j * SW
        where = f"sample {n}, " if N > 1 else ""
        text = (
            f"rows {r0}..{r0 + KH - 1}, columns {c0}..{c0 + KW - 1} of x_padded (top-left = "
            f"({i}*{SH}, {j}*{SW})); multiply by the kernel element by element and add up:\n"
            f"sum = {sum_text(ev['products'])} = {fn(ev['total'])}"
        )
        if ev["bias"] is not None:
            text += f"; plus bias {fn(ev['bias'])}"
        text += f"  ->  out[{n}, {co}, {i}, {j}] = {fn(ev['value'])}"
        arrays = {"patch": ev["patch"], f"kernel[{co}]": ev["kernel"], "products": ev["products"]}
        e.add(f"{where}filter {co}, window ({i}, {j})", text, arrays, join=["*", "="])
    if len(shown) < len(windows):
        e.add(
            f"... {len(windows) - len(shown)} more windows",
            "computed the same way by the same loop; all of them are in the output map below.",
        )
    e.add(
        "output map",
        f"every window gave one number: out is (N, C_out, H_out, W_out) = {fmt_shape(out.shape)}.",
        {"out": rec.first("output")["out"]},
    )
    e.result = {"x": x, "weight": w, "out": out}
    if b is not None:
        e.result["bias"] = b
    if activation:
        fwd, _ = activation_pair(activation)
        act, _ = fwd(out)  # same shape as out
        e.add(f"activation: {activation}", _act_text(activation), {f"{activation}(out)": act})
        e.result["act"] = act
        e.checks.append(
            compare(f"{activation}: naive vs fast", act, activation_pair(activation, False)[0](out)[0])
        )
    rotated = F.rot180(w)  # (C_out, C_in, KH, KW)
    true_conv, _ = F.conv2d_forward_naive(x, rotated, b, stride, padding)  # (N, C_out, H_out, W_out)
    e.add(
        "cross-correlation vs convolution",
        TRUE_CONV_NOTE,
        {"kernel turned 180 degrees": rotated, "true convolution": true_conv},
    )
    fast, _ = F.conv2d_forward(x, w, b, stride, padding)
    e.checks.append(compare("out, naive loops vs fast conv2d_forward (im2col + GEMM)", out, fast, EXACT))
    return e


def _act_text(name: str) -> str:
    return {
        "relu": "relu(v) = max(v, 0): negative values become 0, the rest pass unchanged.",
        "sigmoid": "sigmoid(v) = 1 / (1 + exp(-v)): squashes every value into (0, 1).",
        "tanh": "tanh(v) = (exp(v) - exp(-v)) / (exp(v) + exp(-v)): squashes every value into (-1, 1).",
    }[name.lower()]


def explain_conv_backward(
    x="5x5",
    weight="3x3",
    bias=None,
    stride=1,
    padding=0,
    dout=None,
    *,
    channels: int = 1,
    filters: int = 1,
    activation: str | None = None,
    seed: int = 0,
    max_steps: int | None = None,
) -> Explanation:
    """Narrate ``conv2d_backward_naive``: dbias, dweight and dx in visible steps.

    dbias[co] = sum_{n,i,j} dout[n, co, i, j];
    dweight[co, ci] = sum_n correlate(x_padded[n, ci], dout_dilated[n, co]);
    dx[n, ci] = crop(sum_co correlate(pad(dout_dilated[n, co], K-1), rot180(weight[co, ci]))).

    Args:
        x: input, as in ``explain_conv``.
        weight: kernel, as in ``explain_conv``.
        bias: as in ``explain_conv``.
        stride: int or (SH, SW).
        padding: int or (PH, PW).
        dout: upstream gradient dL/dout (N, C_out, H_out, W_out) as numbers/path/array; None draws
            seeded integers -2..2 (after x, weight and bias).
        channels: C_in when ``x`` is a size.
        filters: C_out when ``weight`` is a size.
        activation: if given, the forward applied it and ``dout`` is dL/d(activation output).
        seed: seed of the random integers.
        max_steps: narrate at most this many correlation steps of each kind (None: all).

    Returns:
        ``Explanation``; ``result`` holds ``dout``, ``dx``, ``dweight`` and ``dbias``.
    """
    x, w, b, rng = build_conv_inputs(x, weight, bias, channels, filters, seed)
    out, cache = F.conv2d_forward_naive(x, w, b, stride, padding)  # (N, C_out, H_out, W_out)
    g = inputs.as_grad(dout, out.shape, rng)  # (N, C_out, H_out, W_out)
    SH, SW = cache.stride
    PH, PW = cache.padding
    KH, KW = w.shape[2:]
    e = Explanation(
        f"convolution backward: x {fmt_shape(x.shape)}, weight {fmt_shape(w.shape)}, "
        f"stride ({SH}, {SW}), padding ({PH}, {PW})"
    )
    arrays = {"x": x, "weight": w} | ({"bias": b} if b is not None else {})
    e.add("forward pass", "the numbers, and the output of the forward loop:", arrays | {"out": out})
    g_conv = g
    if activation:
        fwd, bwd = activation_pair(activation)
        _, act_cache = fwd(out)
        g_conv = bwd(g, act_cache)  # (N, C_out, H_out, W_out)
        e.add(
            f"through the {activation}",
            f"dL/dout is given for {activation}(out); the chain rule multiplies it by the derivative:",
            {"dL/dact": g, "dL/dout": g_conv},
            join=["->"],
        )
    rec = Recorder()
    dx, dw, db = F.conv2d_backward_naive(g_conv, cache, trace=rec)
    e.add(
        "upstream gradient",
        "dL/dout (N, C_out, H_out, W_out): how the loss changes with each output.",
        {"dout": rec.first("dout")["dout"]},
    )
    if db is not None:
        db_ev = rec.first("dbias")["dbias"]
        lines = [f"dbias[{co}] = {sum_text(g_conv[:, co])} = {fn(db_ev[co])}" for co in range(w.shape[0])]
        e.add(
            "bias gradient",
            "the bias is added to every output of its filter, so its gradient is the sum:\n"
            + "\n".join(lines),
            {"dbias": db_ev},
        )
    dil = rec.first("dilate")["dout_dilated"]  # (N, C_out, Hp - KH + 1, Wp - KW + 1)
    rest = dil.shape[2:] != ((g.shape[2] - 1) * SH + 1, (g.shape[3] - 1) * SW + 1)  # floor remainder?
    e.add(
        "dilate dout by the stride",
        f"stride ({SH}, {SW}): put dout[i, j] at ({SH}*i, {SW}*j) of a zero map the size of the stride-1 "
        f"output, {dil.shape[2]}x{dil.shape[3]}\n({SH - 1} zero row(s) between rows, {SW - 1} zero column(s) "
        "between columns"
        + (", and zeros at the end for the positions the floor skipped)." if rest else ")."),
        {"dout_dilated": dil},
    )
    evs = rec.all("dweight")
    for ev in evs[:max_steps]:
        n, co, ci = ev["n"], ev["c_out"], ev["c_in"]
        e.add(
            f"kernel gradient: dweight[{co}, {ci}] from sample {n}",
            "each weight w[u, v] multiplied x_padded[i*SH + u, j*SW + v] for every output (i, j), so\n"
            "dweight[u, v] = sum_ij dout[i, j] * x_padded[i*SH + u, j*SW + v]: slide dout_dilated over "
            "x_padded "
            "(a valid correlation).",
            {
                f"x_padded[{n}, {ci}]": ev["x_padded_channel"],
                f"dout_dilated[{n}, {co}]": ev["dout_dilated_map"],
                "result": ev["result"],
            },
            join=["corr", "="],
        )
    e.add("kernel gradient", "summed over samples:", {"dweight": dw})
    if "pad_full" in {name for name, _ in rec.events}:
        padded = rec.first("pad_full")["padded"]  # (N, C_out, Hp + KH - 1, Wp + KW - 1)
        e.add(
            "input gradient, 1: pad",
            f"pad dout_dilated by KH - 1 = {KH - 1} row(s) and KW - 1 = {KW - 1} column(s) of zeros on every "
            "side, so the kernel can overlap each input position from every side ('full' correlation).",
            {"padded": padded},
        )
        rot = rec.first("rotate")
        e.add(
            "input gradient, 2: turn the kernel",
            "x_padded[i*SH + u, j*SW + v] met w[u, v] through out[i, j]; gathering those terms around one "
            "input "
            "position reads the kernel backwards: turn it by 180 degrees.",
            {"weight": rot["kernel"], "rot180(weight)": rot["rotated"]},
            join=["->"],
        )
        for ev in rec.all("correlate")[:max_steps]:
            n, co, ci = ev["n"], ev["c_out"], ev["c_in"]
            e.add(
                f"input gradient, 3: correlate (sample {n}, filter {co}, channel {ci})",
                f"slide rot180(weight[{co}, {ci}]) over padded[{n}, {co}]; add into dx_padded[{n}, {ci}].",
                {
                    f"padded[{n}, {co}]": padded[n, co],
                    "rot180 kernel": rot["rotated"][co, ci],
                    "result": ev["result"],
                },
                join=["corr", "="],
            )
        crop = rec.first("crop")
        e.add(
            "input gradient, 4: crop",
            f"the padding is not part of the input: drop {PH} row(s) at top and bottom and {PW} column(s) "
            "left and right.",
            {"dx_padded": crop["dx_padded"], "dx": crop["dx"]},
            join=["->"],
        )
    e.result = {"dout": g, "dx": dx, "dweight": dw, "dbias": db}
    _backward_checks(e, x, w, b, stride, padding, g, activation, dx, dw, db, g_conv, cache)
    return e


def _backward_checks(e, x, w, b, stride, padding, g, activation, dx, dw, db, g_conv, cache):
    """Compare the naive gradients with the fast backward and with finite differences."""
    _, fcache = F.conv2d_forward(x, w, b, stride, padding)
    fdx, fdw, fdb = F.conv2d_backward(g_conv, fcache)
    act = activation_pair(activation, naive=False)[0] if activation else (lambda v: (v, None))

    def loss_of(xx=x, ww=w, bb=b):
        return act(F.conv2d_forward(xx, ww, bb, stride, padding)[0])[0]

    e.checks.append(compare("dx, naive vs fast conv2d_backward", dx, fdx, EXACT))
    e.checks.append(compare("dweight, naive vs fast conv2d_backward", dw, fdw, EXACT))
    e.checks.append(
        compare("dx vs finite differences", dx, numerical_gradient(lambda v: loss_of(xx=v), x, g), FD)
    )
    e.checks.append(
        compare("dweight vs finite differences", dw, numerical_gradient(lambda v: loss_of(ww=v), w, g), FD)
    )
    if db is not None:
        e.checks.append(compare("dbias, naive vs fast conv2d_backward", db, fdb, EXACT))
        e.checks.append(
            compare("dbias vs finite differences", db, numerical_gradient(lambda v: loss_of(bb=v), b, g), FD)
        )
