"""The ``cnn-scratch explain`` sub-command: print a narration of one op on small numbers.

    cnn-scratch explain conv --input 5x5 --kernel 3x3 --stride 2 --padding 1
    cnn-scratch explain conv-backward --input "1,2,3;4,5,6;7,8,9" --kernel "1,0;0,-1"
    cnn-scratch explain pool-backward --input 4x4 --kernel-size 3 --stride 1
    cnn-scratch explain dense | activation | loss | im2col

Sizes (``5x5``) draw seeded small integers (``--seed``); numbers use ``,`` between
values, ``;`` between rows, ``|`` between channels and ``/`` between filters; a
``.npy`` path loads an array. A bad size or number prints one line on stderr and
exits with code 2 (never a traceback). Exit code 1 means a check failed (a bug).
Read next: ``steps.py`` for the records behind the text.
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _pair(text: str, name: str):
    """``"2"`` -> 2, ``"2,1"`` -> (2, 1); anything else is a ValueError naming ``name``."""
    from .._validate import fail

    parts = [p.strip() for p in str(text).replace("x", ",").split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        fail("explain", f"--{name} as a whole number or a pair 'h,w'", repr(text), hint=f"e.g. --{name} 2.")
    if len(values) not in (1, 2):
        fail("explain", f"--{name} as one or two whole numbers", repr(text))
    return values[0] if len(values) == 1 else tuple(values)


def _conv_args(p, backward: bool = False) -> None:
    p.add_argument("--input", default="5x5", help="HxW size (random integers 0..9), numbers or .npy")
    p.add_argument(
        "--kernel", default="3x3", help="KHxKW size (random -2..2), numbers ('/' between filters) or .npy"
    )
    p.add_argument("--stride", default="1", help="int or 'SH,SW' (default 1)")
    p.add_argument("--padding", default="0", help="int or 'PH,PW' (default 0)")
    p.add_argument("--channels", type=int, default=1, help="C_in when --input is a size (default 1)")
    p.add_argument("--filters", type=int, default=1, help="C_out when --kernel is a size (default 1)")
    p.add_argument("--bias", nargs="?", const="random", default=None, help="add a bias: random, or numbers")
    p.add_argument(
        "--activation", choices=("relu", "sigmoid", "tanh"), default=None, help="apply after the conv"
    )
    if backward:
        p.add_argument("--dout", default=None, help="upstream gradient as numbers or .npy (default random)")
        p.add_argument(
            "--max-steps", type=int, default=None, help="narrate at most N correlations of each kind"
        )
    else:
        p.add_argument("--max-windows", type=int, default=None, help="narrate at most N windows")
        p.add_argument(
            "--animate", metavar="DIR", default=None, help="also write DIR/conv.gif and DIR/conv_strip.png"
        )


def _pool_args(p, backward: bool = False) -> None:
    p.add_argument("--input", default="4x4", help="HxW size (random 0..9), numbers or .npy")
    p.add_argument(
        "--kernel-size", "--kernel", dest="kernel_size", default="2", help="int or 'KH,KW' (default 2)"
    )
    p.add_argument("--stride", default=None, help="int or 'SH,SW' (default: the kernel size)")
    p.add_argument("--padding", default="0", help="int or 'PH,PW' (default 0)")
    p.add_argument("--mode", choices=("max", "avg"), default="max", help="max or average pooling")
    p.add_argument("--channels", type=int, default=1, help="C when --input is a size")
    if backward:
        p.add_argument("--dout", default=None, help="upstream gradient: numbers, one number, or .npy")


def add_parser(subparsers) -> None:
    """Register ``explain`` and its ops on the main ``cnn-scratch`` parser."""
    ex = subparsers.add_parser(
        "explain",
        help="narrate an op step by step on small numbers",
        description="Print every step of one operation computed by the library's own loops, then check it "
        "against the fast kernel (and finite differences for gradients).",
    )
    ops = ex.add_subparsers(dest="op", metavar="OP", required=True, help="the operation to narrate")
    specs = [
        ("conv", "convolution forward: output size, padding, each window, bias, activation", _conv_args, {}),
        (
            "conv-backward",
            "convolution gradients: dbias, dweight, dx by kernel flipping",
            _conv_args,
            {"backward": True},
        ),
        ("pool", "max / average pooling forward", _pool_args, {}),
        ("pool-backward", "where the pooling gradient goes (ties)", _pool_args, {"backward": True}),
        ("im2col", "the column matrix, the one matmul, and the measured speed-up", _conv_args, {}),
    ]
    for name, help_text, add, kw in specs:
        p = ops.add_parser(name, help=help_text, description=help_text)
        add(p, **kw)
        _common(p)
    p = ops.add_parser("dense", help="linear layer forward and gradients", description="dense (linear) layer")
    p.add_argument("--input", default="1x4", help="(N, in_features) size, numbers or .npy")
    p.add_argument(
        "--weight", default=None, help="(out_features, in_features) size, numbers or .npy (default 3xin)"
    )
    p.add_argument("--bias", nargs="?", const="random", default=None, help="add a bias: random, or numbers")
    p.add_argument("--dout", default=None, help="upstream gradient (default random)")
    _common(p)
    p = ops.add_parser("activation", help="relu/sigmoid/tanh and derivatives", description="activations")
    p.add_argument(
        "--input",
        "--points",
        dest="input",
        default="-2,-1,0,0.5,2",
        help="points: numbers (write --input=-1,0,2 when the first is negative) or 1xP",
    )
    p.add_argument("--activation", default="relu,sigmoid,tanh", help="comma-separated names")
    _common(p)
    p = ops.add_parser("loss", help="MSE and softmax cross-entropy", description="losses and their gradients")
    p.add_argument("--kind", choices=("cross_entropy", "ce", "mse"), default="cross_entropy")
    p.add_argument("--input", default="2x3", help="logits / predictions (N, C): size, numbers or .npy")
    p.add_argument("--target", default=None, help="classes '0,2' (ce) or an array like --input (mse)")
    p.add_argument("--reduction", choices=("mean", "sum"), default="mean")
    _common(p)
    ex.set_defaults(func=run)


def _common(p) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed of the random integers (default 0)")
    p.add_argument("--color", action="store_true", default=None, help="force colour (default: on a terminal)")
    p.add_argument("--no-color", dest="color", action="store_false", default=None, help="plain text")


def build(args):
    """Run the narration ``args.op`` describes and return the ``Explanation``."""
    from . import (
        explain_activation,
        explain_conv,
        explain_conv_backward,
        explain_dense,
        explain_im2col,
        explain_loss,
        explain_pool,
        explain_pool_backward,
    )

    op = args.op
    if op in ("conv", "conv-backward", "im2col"):
        conv = {"stride": _pair(args.stride, "stride"), "padding": _pair(args.padding, "padding")}
        common = {"channels": args.channels, "filters": args.filters, "seed": args.seed}
        if op == "im2col":
            return explain_im2col(args.input, args.kernel, **conv, **common)
        if op == "conv":
            return explain_conv(
                args.input,
                args.kernel,
                args.bias,
                **conv,
                **common,
                activation=args.activation,
                max_windows=args.max_windows,
            )
        return explain_conv_backward(
            args.input,
            args.kernel,
            args.bias,
            **conv,
            dout=args.dout,
            **common,
            activation=args.activation,
            max_steps=args.max_steps,
        )
    if op in ("pool", "pool-backward"):
        kw = {
            "stride": None if args.stride is None else _pair(args.stride, "stride"),
            "padding": _pair(args.padding, "padding"),
            "mode": args.mode,
            "channels": args.channels,
            "seed": args.seed,
        }
        k = _pair(args.kernel_size, "kernel-size")
        if op == "pool":
            return explain_pool(args.input, k, **kw)
        return explain_pool_backward(args.input, k, dout=args.dout, **kw)
    if op == "dense":
        return explain_dense(args.input, args.weight, args.bias, args.dout, seed=args.seed)
    if op == "activation":
        names = [n.strip() for n in args.activation.split(",") if n.strip()]
        return explain_activation(args.input, names, seed=args.seed)
    return explain_loss(args.kind, args.input, args.target, reduction=args.reduction, seed=args.seed)


def run(args) -> int:
    """Carry out ``cnn-scratch explain OP``: print the narration; 2 on bad input, 1 if a check fails."""
    import os

    from .render import use_color

    try:
        e = build(args)
        if getattr(args, "animate", None):
            from ..viz.animation import conv_animation

            r = e.result
            gif, strip = conv_animation(
                r["x"],
                r["weight"],
                r.get("bias"),
                _pair(args.stride, "stride"),
                _pair(args.padding, "padding"),
                args.animate,
            )
    except (ValueError, TypeError, ImportError, OSError) as err:
        if os.environ.get("CNN_SCRATCH_DEBUG"):
            raise
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"cnn-scratch explain {args.op}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    color = use_color() if args.color is None else args.color
    print(e.render(color=color))
    if getattr(args, "animate", None):
        print(f"wrote {gif} and {strip}")
    return EXIT_OK if e.ok else EXIT_CHECK_FAILED
