"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's update).

For each parameter ``p`` with gradient ``g`` (the formulas of ``torch.optim.SGD``)::

    g = g + weight_decay * p                          (L2 penalty, if weight_decay != 0)
    b = g                                             (first step: the buffer starts as the gradient)
    b = momentum * b + (1 - dampening) * g            (later steps)
    g = g + momentum * b   if nesterov   else   g = b (if momentum != 0)
    p = p - lr * g

Read next: ``adam.py``.
"""

from __future__ import annotations

import numpy as np

from .._validate import fail
from .optimizer import Optimizer, check_hyper


class SGD(Optimizer):
    """Plain / momentum / Nesterov SGD; updates ``Parameter.data`` in place, keeping its dtype.

    Args:
        params: iterable of ``Parameter`` (``model.parameters()``).
        lr: learning rate, >= 0.
        momentum: momentum factor, >= 0 (0 = plain SGD).
        weight_decay: L2 penalty coefficient, >= 0.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        dampening: scales the new gradient in the buffer update, >= 0.

    State per parameter index: ``"momentum_buffer"`` (same shape as the parameter).

    >>> import numpy as np
    >>> from cnn_scratch.nn import Parameter
    >>> p = Parameter(np.array([1.0, 2.0]))
    >>> p.grad[...] = [0.5, -1.0]
    >>> SGD([p], lr=0.1).step()
    >>> p.data  # p - 0.1 * g
    array([0.95, 2.1 ])
    """

    def __init__(
        self,
        params,
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
    ):
        lr = check_hyper("SGD", "lr", lr)
        momentum = check_hyper("SGD", "momentum", momentum)
        weight_decay = check_hyper("SGD", "weight_decay", weight_decay)
        dampening = check_hyper("SGD", "dampening", dampening)
        if nesterov and (momentum <= 0 or dampening != 0):
            fail(
                "SGD",
                "momentum > 0 and dampening = 0 when nesterov=True",
                f"momentum={momentum}, dampening={dampening}",
                hint="Nesterov momentum looks ahead along the momentum buffer; set e.g. momentum=0.9.",
            )
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "weight_decay": weight_decay,
                "nesterov": bool(nesterov),
                "dampening": dampening,
            },
        )

    def step(self) -> None:
        """Apply one update to every parameter from its current ``.grad``.

        Products go into a per-parameter work array kept across steps (``out=``), not into fresh
        parameter-sized temporaries, which can cost page faults every step when the allocator has
        returned their memory to the OS. Same operations in the same order: same numbers (bit for bit).
        """
        for i, p in enumerate(self.params):
            g = p.grad  # same shape as p.data
            work = work_array(self, i, p.data)  # same shape as p.data, reused every step
            if self.weight_decay != 0:
                np.multiply(p.data, self.weight_decay, out=work)
                work += g  # g + weight_decay * p
                g = work
            if self.momentum != 0:
                state = self.state.setdefault(i, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = g.copy()
                    state["momentum_buffer"] = buf
                else:
                    buf *= self.momentum
                    buf += g if self.dampening == 0 else (1.0 - self.dampening) * g
                if self.nesterov:
                    if g is work:
                        work += self.momentum * buf  # g + momentum * b
                    else:
                        np.multiply(buf, self.momentum, out=work)
                        work += g  # g + momentum * b
                    g = work
                else:
                    g = buf
            np.multiply(g, self.lr, out=work)  # lr * g (g may be work itself: element-wise, safe)
            p.data -= work


def work_array(optimizer: Optimizer, key, like: np.ndarray) -> np.ndarray:
    """A scratch array shaped like ``like`` for ``optimizer``, created once per ``key`` and reused.

    Kept apart from ``optimizer.state`` (it is not state: ``state_dict`` must not save it).
    """
    work = optimizer.__dict__.setdefault("_work", {})
    a = work.get(key)
    if a is None or a.shape != like.shape or a.dtype != like.dtype:
        a = work[key] = np.empty_like(like)
    return a
