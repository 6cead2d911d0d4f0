"""How close are the kernels to finite differences and to PyTorch? Prints the worst relative errors.

    python benchmarks/precision.py

For each op, on small odd shapes in float64 (non-square, stride that does not divide,
padding 0 and 1, 1x1 kernels), it measures, with ``gradcheck.rel_error``:

- backward (naive and fast) against a centred finite-difference estimate;
- fast against naive, forward and backward;
- fast against PyTorch autograd (when torch is installed), forward and backward.

The tests assert bounds on the same quantities; this script reports the numbers.
"""

from __future__ import annotations

import numpy as np

from cnn_scratch import functional as F
from cnn_scratch.gradcheck import numerical_gradient, rel_error

try:
    import torch
except ImportError:  # the PyTorch column is then empty
    torch = None

rng = np.random.default_rng(0)


def conv_cases():
    for x_shape, w_shape, stride, padding in [
        ((2, 3, 7, 5), (4, 3, 3, 2), (2, 3), (1, 0)),
        ((1, 2, 6, 6), (3, 2, 3, 3), 2, 0),
        ((2, 1, 5, 4), (2, 1, 1, 1), 1, 1),
        ((1, 2, 4, 5), (2, 2, 6, 7), 1, 1),  # kernel equal to the padded input
    ]:
        yield (
            "conv2d",
            dict(
                x=rng.standard_normal(x_shape),
                w=rng.standard_normal(w_shape),
                b=rng.standard_normal(w_shape[0]),
                stride=stride,
                padding=padding,
            ),
        )


def measure_conv(case):
    x, w, b, s, p = case["x"], case["w"], case["b"], case["stride"], case["padding"]
    errs = {"fd": 0.0, "naive": 0.0, "torch": 0.0}
    out_f, cache_f = F.conv2d_forward(x, w, b, s, p)
    out_n, cache_n = F.conv2d_forward_naive(x, w, b, s, p)
    dout = rng.standard_normal(out_f.shape)
    grads_f = F.conv2d_backward(dout, cache_f)
    grads_n = F.conv2d_backward_naive(dout, cache_n)
    # Convolution is linear in each argument, so a large step has no truncation error.
    fd = [
        numerical_gradient(lambda v: F.conv2d_forward(v, w, b, s, p)[0], x, dout, h=1e-3),
        numerical_gradient(lambda v: F.conv2d_forward(x, v, b, s, p)[0], w, dout, h=1e-3),
        numerical_gradient(lambda v: F.conv2d_forward(x, w, v, s, p)[0], b, dout, h=1e-3),
    ]
    for g_f, g_n, g_fd in zip(grads_f, grads_n, fd, strict=True):
        errs["fd"] = max(errs["fd"], rel_error(g_f, g_fd), rel_error(g_n, g_fd))
        errs["naive"] = max(errs["naive"], rel_error(g_f, g_n))
    errs["naive"] = max(errs["naive"], rel_error(out_f, out_n))
    if torch is not None:
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ot = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
        ot.backward(torch.tensor(dout))
        errs["torch"] = max(
            rel_error(out_f, ot.detach().numpy()),
            *(rel_error(g, t.grad.numpy()) for g, t in zip(grads_f, (xt, wt, bt), strict=True)),
        )
    return errs


def measure_unary(name, fwd, bwd, fwd_n, bwd_n, torch_fn, x, **kw):
    out, cache = fwd(x, **kw)
    out_n, cache_n = fwd_n(x, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dx_n = bwd(dout, cache), bwd_n(dout, cache_n)
    fd = numerical_gradient(lambda v: np.array(fwd(v, **kw)[0]), x, dout)
    errs = {
        "fd": max(rel_error(dx, fd), rel_error(dx_n, fd)),
        "naive": max(rel_error(out, out_n), rel_error(dx, dx_n)),
        "torch": 0.0,
    }
    if torch_fn is not None:
        xt = torch.tensor(x, requires_grad=True)
        ot = torch_fn(xt)
        ot.backward(torch.tensor(dout))
        errs["torch"] = max(rel_error(out, ot.detach().numpy()), rel_error(dx, xt.grad.numpy()))
    return errs


def measure_loss(name, fn, fn_n, torch_fn, x, target):
    loss, dx = fn(x, target)
    loss_n, dx_n = fn_n(x, target)
    fd = numerical_gradient(lambda v: np.array(fn(v, target)[0]), x, np.array(1.0))
    errs = {
        "fd": max(rel_error(dx, fd), rel_error(dx_n, fd)),
        "naive": max(rel_error(loss, loss_n), rel_error(dx, dx_n)),
        "torch": 0.0,
    }
    if torch_fn is not None:
        xt = torch.tensor(x, requires_grad=True)
        lt = torch_fn(xt, torch.tensor(target))
        lt.backward()
        errs["torch"] = max(rel_error(loss, lt.item()), rel_error(dx, xt.grad.numpy()))
    return errs


def main() -> None:
    tf = None if torch is None else torch.nn.functional
    if torch is None:
        print("torch not installed: the PyTorch column is empty (pip install torch==2.13.0)")

    def t(f):
        return None if torch is None else f

    rows = []
    for name, case in conv_cases():
        rows.append(
            (
                f"{name} x{case['x'].shape} w{case['w'].shape} s={case['stride']} p={case['padding']}",
                measure_conv(case),
            )
        )
    x4 = rng.standard_normal((2, 3, 7, 5))  # no exact ties: finite differences are valid for max
    for name, kw in [
        ("max_pool2d", dict(kernel_size=2)),
        ("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
        ("avg_pool2d", dict(kernel_size=(2, 3), stride=(1, 2))),
    ]:
        fwd, bwd = getattr(F, f"{name}_forward"), getattr(F, f"{name}_backward")
        fwd_n, bwd_n = getattr(F, f"{name}_forward_naive"), getattr(F, f"{name}_backward_naive")
        tfn = t(lambda v, name=name, kw=kw: getattr(tf, name)(v, **kw))
        rows.append((f"{name} {kw}", measure_unary(name, fwd, bwd, fwd_n, bwd_n, tfn, x4, **kw)))
    x2 = rng.standard_normal((4, 6))  # moderate values: finite differences are accurate there
    for name, torch_name in [
        ("relu", "relu"),
        ("leaky_relu", "leaky_relu"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
        ("softmax", "softmax"),
        ("log_softmax", "log_softmax"),
    ]:
        fwd, bwd = getattr(F, f"{name}_forward"), getattr(F, f"{name}_backward")
        fwd_n, bwd_n = getattr(F, f"{name}_forward_naive"), getattr(F, f"{name}_backward_naive")
        extra = {"dim": -1} if "softmax" in name else {}
        tfn = t(
            lambda v, tn=torch_name, extra=extra: (
                getattr(torch, tn)(v, **extra)
                if tn in ("sigmoid", "tanh", "relu")
                else getattr(tf, tn)(v, **extra)
            )
        )
        rows.append((name, measure_unary(name, fwd, bwd, fwd_n, bwd_n, tfn, x2, **extra)))
    w = rng.standard_normal((3, 6))
    b = rng.standard_normal(3)

    def lin(v):
        return F.linear_forward(v, w, b)

    def lin_n(v):
        return F.linear_forward_naive(v, w, b)

    rows.append(
        (
            "linear",
            measure_unary(
                "linear",
                lin,
                lambda d, c: F.linear_backward(d, c)[0],
                lin_n,
                lambda d, c: F.linear_backward_naive(d, c)[0],
                t(lambda v: tf.linear(v, torch.tensor(w), torch.tensor(b))),
                x2,
            ),
        )
    )
    labels = rng.integers(0, 6, size=4)
    probs = rng.uniform(0.1, 0.9, size=x2.shape)  # away from the clamp at 0 and 1
    binary = rng.integers(0, 2, size=x2.shape).astype(np.float64)
    rows.append(
        (
            "mse_loss",
            measure_loss(
                "mse", F.mse_loss, F.mse_loss_naive, t(tf.mse_loss), x2, rng.standard_normal(x2.shape)
            ),
        )
    )
    rows.append(
        (
            "cross_entropy",
            measure_loss("ce", F.cross_entropy, F.cross_entropy_naive, t(tf.cross_entropy), x2, labels),
        )
    )
    rows.append(
        (
            "binary_cross_entropy",
            measure_loss(
                "bce",
                F.binary_cross_entropy,
                F.binary_cross_entropy_naive,
                t(tf.binary_cross_entropy),
                probs,
                binary,
            ),
        )
    )
    rows.append(
        (
            "bce_with_logits",
            measure_loss(
                "bcel",
                F.bce_with_logits,
                F.bce_with_logits_naive,
                t(tf.binary_cross_entropy_with_logits),
                x2,
                binary,
            ),
        )
    )

    width = max(len(r[0]) for r in rows)
    print(f"{'op (float64)':<{width}}  {'vs finite diff':>14}  {'fast vs naive':>13}  {'fast vs torch':>13}")
    for label, e in rows:
        torch_col = f"{e['torch']:13.1e}" if torch is not None else f"{'not installed':>13}"
        print(f"{label:<{width}}  {e['fd']:14.1e}  {e['naive']:13.1e}  {torch_col}")
    worst = {k: max(e[k] for _, e in rows) for k in ("fd", "naive", "torch")}
    print(f"{'worst':<{width}}  {worst['fd']:14.1e}  {worst['naive']:13.1e}  {worst['torch']:13.1e}")


if __name__ == "__main__":
    main()
