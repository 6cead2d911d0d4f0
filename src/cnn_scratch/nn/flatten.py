"""``Flatten``: reshape (N, C, H, W) to (N, C*H*W) between the convolutional and linear parts.

Backward reshapes the gradient back to the input's shape. Thin wrapper over
``functional.flatten_forward`` / ``flatten_backward``.
Read next: ``container.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_array, fail
from .module import Module


class Flatten(Module):
    """Merge the dims from ``start_dim`` to the last into one.

    Args:
        start_dim: first dim to merge (default 1: keep the batch axis N).

    Shape:
        x (N, C, H, W) -> out (N, C*H*W) for start_dim=1.

    >>> Flatten()(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """

    def __init__(self, start_dim: int = 1):
        super().__init__()
        if isinstance(start_dim, bool) or not isinstance(start_dim, numbers.Integral):
            fail("Flatten", "start_dim as an int", f"start_dim={start_dim!r}", exc=TypeError)
        self.start_dim = int(start_dim)
        self._cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x`` reshaped so dims ``start_dim..`` become one."""
        check_array(x, "x", "Flatten")
        if not -x.ndim <= self.start_dim < x.ndim:
            fail(
                "Flatten",
                f"start_dim within the {x.ndim} dims of x",
                f"start_dim={self.start_dim} for shape {x.shape}",
                hint="start_dim=1 keeps the batch axis.",
            )
        out, cache = self._kernel("flatten_forward")(x, self.start_dim)
        self._cache = (self._kernel("flatten_backward"), cache)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Reshape dout back to the input's shape."""
        backward, cache = self._require_cache(self._cache)
        return backward(dout, cache)

    def config(self) -> dict:
        """``{"start_dim": ...}``."""
        return {"start_dim": self.start_dim}

    def extra_repr(self) -> str:
        """PyTorch's layout: ``start_dim=1, end_dim=-1``."""
        return f"start_dim={self.start_dim}, end_dim=-1"
