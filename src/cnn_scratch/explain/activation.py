"""Narrated activations: relu, sigmoid and tanh, and their derivatives at given points.

Values come from ``*_forward_naive``; derivatives from ``*_backward_naive`` with an
upstream gradient of ones (so dx = f'(x)), checked against the fast twins and
finite differences.

    >>> e = explain_activation("-1,0,2", ["relu"])
    >>> e.result["relu"], e.result["relu'"]
    (array([0., 0., 2.]), array([0., 0., 1.]))

Read next: ``loss.py``.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from . import inputs
from .common import ACTIVATIONS, EXACT, FD, activation_pair, compare
from .render import format_number as fn
from .render import side_by_side
from .steps import Explanation

FORMULAS = {
    "relu": ("relu(x) = max(x, 0)", "relu'(x) = 1 if x > 0 else 0 (0 at x = 0, as in PyTorch)"),
    "sigmoid": ("sigmoid(x) = 1 / (1 + exp(-x))", "sigmoid'(x) = s * (1 - s) with s = sigmoid(x)"),
    "tanh": ("tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))", "tanh'(x) = 1 - tanh(x)**2"),
}


def explain_activation(points="-2,-1,0,0.5,2", names=ACTIVATIONS, *, seed: int = 0) -> Explanation:
    """Narrate activations and their derivatives at the given points.

    Args:
        points: numbers (``"-2,-1,0,1"``), a size (seeded integers -3..3), a path or an array.
        names: activation names among "relu", "sigmoid", "tanh" (a string or a list).
        seed: seed of the random integers.

    Returns:
        ``Explanation``; ``result[name]`` are the values and ``result[name + "'"]`` the derivatives.
    """
    rng = np.random.default_rng(seed)
    names = [names] if isinstance(names, str) else list(names)
    a = inputs.load(points, "points")
    x = (
        inputs.random_ints(rng, (inputs.parse_size(points)[1],), "points") if a is None else np.ravel(a)
    )  # (P,)
    e = Explanation(f"activations at {len(x)} point(s)")
    for name in names:
        fwd, bwd = activation_pair(name)
        ffwd, fbwd = activation_pair(name, naive=False)
        y, cache = fwd(x)  # (P,)
        d = bwd(np.ones_like(x), cache)  # (P,): dout = 1 gives f'(x)
        cols = [["x", *map(fn, x)], [f"{name}(x)", *map(fn, y)], [f"{name}'(x)", *map(fn, d)]]
        table = "\n".join(side_by_side([[c.rjust(max(map(len, col))) for c in col] for col in cols]))
        f, df = FORMULAS[name]
        e.add(name, f"{f}\n{df}\n{table}")
        e.result[name], e.result[name + "'"] = y, d
        e.checks.append(compare(f"{name}, naive vs fast", y, ffwd(x)[0], EXACT))
        e.checks.append(compare(f"{name}', naive vs fast", d, fbwd(np.ones_like(x), ffwd(x)[1]), EXACT))
        if name != "relu" or np.all(np.abs(x) > 1e-4):  # relu has no derivative at 0
            est = numerical_gradient(lambda v, ffwd=ffwd: ffwd(v)[0], x, np.ones_like(x))
            e.checks.append(compare(f"{name}' vs finite differences", d, est, FD))
    return e
