"""Losses as modules: ``MSELoss``, ``CrossEntropyLoss``, ``BCELoss``, ``BCEWithLogitsLoss``.

``loss = loss_fn(pred, target)`` returns a Python float and remembers dL/dpred;
``loss_fn.backward()`` returns it, ready for ``model.backward``::

    loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())

Reductions are PyTorch's: ``"mean"`` (default) or ``"sum"``; CrossEntropyLoss's
mean divides by N. The formulas and gradients are in ``functional/losses.py``.
Read next: ``../optim/sgd.py``.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_array, fail
from .module import Module

REDUCTIONS = ("mean", "sum")


class _Loss(Module):
    _op = ""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            fail(
                type(self).__name__,
                f"reduction in {REDUCTIONS}",
                f"reduction={reduction!r}",
                hint='"mean" averages over the batch (PyTorch\'s default), "sum" adds.',
            )
        self.reduction = reduction
        self._cache = None

    def _check(self, input: np.ndarray, target) -> np.ndarray:
        """Validate the pair and return the target as the kernel needs it."""
        name = type(self).__name__
        check_array(input, "input", name)
        target = np.asarray(target)
        if target.shape != input.shape:
            fail(
                name,
                f"target of the same shape as input {input.shape}",
                f"target of shape {target.shape}",
                hint="e.g. reshape targets (N,) to (N, 1) with y[:, None] for a single output.",
            )
        return target.astype(input.dtype, copy=False)  # the target takes the prediction's dtype

    def forward(self, input: np.ndarray, target) -> float:
        """Return the loss as a float and keep dL/dinput (input's shape and dtype) for ``backward``."""
        target = self._check(input, target)
        loss, dinput = self._kernel(self._op)(input, target, self.reduction)
        self._cache = dinput
        return float(loss)

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Return ``dout * dL/dinput`` from the last forward (``dout`` scales it; 1 by default)."""
        dinput = self._require_cache(self._cache)
        return dinput if dout == 1.0 else dinput * dinput.dtype.type(dout)

    def config(self) -> dict:
        """``{"reduction": ...}``."""
        return {"reduction": self.reduction}

    def extra_repr(self) -> str:
        """``reduction='mean'``."""
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error: ``mean((input - target)^2)`` (or the sum); input and target of one shape.

    >>> loss_fn = MSELoss()
    >>> loss_fn(np.array([1.0, 3.0]), np.array([0.0, 0.0]))  # (1 + 9) / 2
    5.0
    >>> loss_fn.backward()  # 2 * (input - target) / 2
    array([1., 3.])
    """

    _op = "mse_loss"


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities: ``-(t*log(p) + (1-t)*log(1-p))``, logs clamped at -100."""

    _op = "binary_cross_entropy"


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (a stable sigmoid + BCE): ``max(z,0) - z*t + log(1 + exp(-|z|))``."""

    _op = "bce_with_logits"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (N, C) with integer class targets (N,): ``-log softmax(z)[n, y_n]``.

    The gradient is ``(softmax(z) - onehot(y)) / N`` for the mean.

    >>> loss_fn = CrossEntropyLoss()
    >>> round(loss_fn(np.zeros((2, 4)), np.array([0, 3])), 6)  # uniform over 4 classes: log 4
    1.386294
    """

    _op = "cross_entropy"

    def _check(self, input: np.ndarray, target) -> np.ndarray:
        check_array(input, "input", "CrossEntropyLoss", ndim=2, layout="(N, C) of logits")
        target = np.asarray(target)
        if not np.issubdtype(target.dtype, np.integer):
            fail(
                "CrossEntropyLoss",
                "target of integer class indices, shape (N,)",
                f"target of dtype {target.dtype} with shape {target.shape}",
                hint="convert with y.astype(numpy.int64); for one-hot targets use y.argmax(axis=1).",
                exc=TypeError,
            )
        N, C = input.shape
        if target.shape != (N,):
            fail(
                "CrossEntropyLoss",
                f"target of shape (N,) = ({N},) for input of shape {input.shape}",
                f"target of shape {target.shape}",
                hint="one class index per sample.",
            )
        if target.size and (target.min() < 0 or target.max() >= C):
            fail(
                "CrossEntropyLoss",
                f"class indices in [0, {C - 1}] for C={C} classes",
                f"indices from {target.min()} to {target.max()}",
                hint="the last layer needs as many outputs as there are classes.",
            )
        return target
