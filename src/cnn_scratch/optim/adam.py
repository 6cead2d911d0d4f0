"""Adam and AdamW: adaptive moment estimation, with PyTorch's update formulas.

For each parameter ``p`` with gradient ``g`` at step ``t = 1, 2, ...`` (``torch.optim.Adam``)::

    g = g + weight_decay * p                 (Adam: L2 penalty folded into the gradient)
    p = p * (1 - lr * weight_decay)          (AdamW instead: decoupled weight decay, before the update)
    m = beta1 * m + (1 - beta1) * g          (first moment, starts at 0)
    v = beta2 * v + (1 - beta2) * g^2        (second moment, starts at 0)
    m_hat = m / (1 - beta1^t)                (bias corrections: m and v start at 0)
    v_hat = v / (1 - beta2^t)
    p = p - lr * m_hat / (sqrt(v_hat) + eps)

Read next: ``lr_scheduler.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import fail
from .optimizer import Optimizer, check_hyper
from .sgd import work_array


def _check_betas(op: str, betas) -> tuple[float, float]:
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        fail(op, "betas as a pair (beta1, beta2)", f"betas={betas!r}", hint="e.g. betas=(0.9, 0.999).")
    b1 = check_hyper(op, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
    b2 = check_hyper(op, "betas[1]", betas[1], 0.0, 1.0, high_open=True)
    return b1, b2


class Adam(Optimizer):
    """Adam with optional L2 weight decay (coupled, as ``torch.optim.Adam``); updates in place.

    Args:
        params: iterable of ``Parameter`` (``model.parameters()``).
        lr: learning rate, >= 0.
        betas: decay rates ``(beta1, beta2)`` of the moment averages, each in [0, 1).
        eps: added to the denominator for stability, >= 0.
        weight_decay: L2 penalty coefficient, >= 0.

    State per parameter index: ``"step"`` (int t), ``"exp_avg"`` (m), ``"exp_avg_sq"`` (v),
    the arrays shaped like the parameter.

    >>> import numpy as np
    >>> from cnn_scratch.nn import Parameter
    >>> p = Parameter(np.array([1.0, -1.0]))
    >>> p.grad[...] = [3.0, -0.2]
    >>> Adam([p], lr=0.1).step()
    >>> np.round(p.data, 6)  # the first step moves each weight by about lr against its gradient's sign
    array([ 0.9, -0.9])
    """

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay=0.0):
        name = type(self).__name__
        super().__init__(
            params,
            {
                "lr": check_hyper(name, "lr", lr),
                "betas": _check_betas(name, betas),
                "eps": check_hyper(name, "eps", eps),
                "weight_decay": check_hyper(name, "weight_decay", weight_decay),
            },
        )

    def step(self) -> None:
        """Apply one Adam update to every parameter from its current ``.grad``."""
        beta1, beta2 = self.betas
        # Every product goes into per-parameter work arrays kept across steps (see SGD.step):
        # the same operations in the same order as the formulas, without fresh temporaries
        # (model B, 1.2M parameters: measured 5.2-6.5 -> 4.1-4.4 ms per step).
        for i, p in enumerate(self.params):
            g = p.grad  # same shape as p.data
            a = work_array(self, i, p.data)  # same shape as p.data, reused every step
            if self.weight_decay != 0:
                if self._decoupled:
                    p.data *= 1.0 - self.lr * self.weight_decay
                else:
                    g = work_array(self, (i, "g"), p.data)
                    np.multiply(p.data, self.weight_decay, out=g)
                    g += p.grad  # g + weight_decay * p
            state = self.state.setdefault(i, {})
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            np.subtract(g, m, out=a)
            a *= 1.0 - beta1
            m += a  # m = beta1 * m + (1 - beta1) * g, as torch's lerp
            v *= beta2
            np.multiply(g, 1.0 - beta2, out=a)
            a *= g
            v += a  # v = beta2 * v + (1 - beta2) * g * g
            step_size = self.lr / (1.0 - beta1**t)
            np.sqrt(v, out=a)
            a /= math.sqrt(1.0 - beta2**t)
            a += self.eps  # denom = sqrt(v) / sqrt(1 - beta2**t) + eps
            np.divide(m, a, out=a)
            a *= step_size
            p.data -= a  # p -= step_size * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``): ``p *= 1 - lr * weight_decay`` each step.

    Args:
        params: iterable of ``Parameter``.
        lr: learning rate, >= 0.
        betas: ``(beta1, beta2)``, each in [0, 1).
        eps: denominator stabiliser, >= 0.
        weight_decay: decoupled decay coefficient, >= 0 (default 1e-2, as PyTorch).
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
