"""``Dropout``: inverted dropout with an explicit random generator; identity in eval mode.

In training mode each element is kept with probability ``1 - p`` and scaled by
``1 / (1 - p)``, so the expected output equals the input and evaluation needs no
rescaling::

    mask = (u >= p) / (1 - p),  u ~ U[0, 1) per element;   out = x * mask;   dx = dout * mask

The layer is its own kernel (a mask and a product), so it has no functional twin.
Randomness comes only from ``self.rng`` (a ``numpy.random.Generator``); a training
loop that checkpoints ``rng.bit_generator.state`` can resume bit for bit.
Read next: ``flatten.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_array, fail
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` during training (scaling the rest by ``1/(1-p)``).

    Args:
        p: drop probability, in [0, 1).
        rng: generator for the masks; ``None`` means a fresh unseeded ``numpy.random.default_rng()``.

    >>> drop = Dropout(0.5, rng=np.random.default_rng(0))
    >>> out = drop(np.ones((2, 4)))
    >>> sorted(set(out.ravel().tolist()))  # dropped or scaled by 1 / (1 - 0.5)
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3))  # identity in eval mode
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            fail("Dropout", "p as a number in [0, 1)", f"p={p!r}", exc=TypeError)
        if not 0.0 <= p < 1.0:
            fail(
                "Dropout",
                "p (the probability of dropping an element) in [0, 1)",
                f"p={p!r}",
                hint="p=0.5 drops half the activations; p=1 would drop everything.",
            )
        if rng is not None and not isinstance(rng, np.random.Generator):
            fail("Dropout", "rng as a numpy.random.Generator or None", type(rng).__name__, exc=TypeError)
        self.p = float(p)
        self.rng = np.random.default_rng() if rng is None else rng
        self._cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training: ``x * mask``; eval (or p=0): ``x`` unchanged. out has x's shape and dtype."""
        check_array(x, "x", "Dropout")
        if not self.training or self.p == 0.0:
            self._cache = ("identity", None)
            return x
        keep = self.rng.random(x.shape) >= self.p  # (same shape as x), True with probability 1 - p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        self._cache = ("mask", mask)
        return x * mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout * mask`` (the same mask as the forward), or ``dout`` in eval mode."""
        kind, mask = self._require_cache(self._cache)
        return dout if kind == "identity" else dout * mask

    def config(self) -> dict:
        """``{"p": ...}`` (the generator is not part of the architecture)."""
        return {"p": self.p}

    def extra_repr(self) -> str:
        """``p=0.5``."""
        return f"p={self.p}"
