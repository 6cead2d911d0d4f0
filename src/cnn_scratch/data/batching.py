"""Mini-batches: cut aligned arrays into batches, in order or shuffled by an explicit Generator.

One epoch visits every row exactly once. Row ``i`` of every array belongs together
(image ``i`` and label ``i``), so all arrays must have the same first dimension N.

- In order (``shuffle=False``), each batch is a *view* ``a[start:stop]``: no copy at all.
- Shuffled, the epoch's order is ``rng.permutation(N)`` and each batch is ``a[idx]``,
  which copies only that batch (never the whole data set).

``iterate_batches`` is one pass; ``DataLoader`` wraps it for many epochs, drawing a new
order each epoch from the same Generator (so a seed fixes the whole run).
Read next: ``cnn_scratch.train`` (the loop that consumes these batches).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence

import numpy as np

from .._validate import fail


def _check(arrays: Sequence, batch_size, op: str) -> int:
    """Validate the arrays and the batch size; return N, the common first dimension."""
    if len(arrays) == 0:
        fail(
            op,
            "at least one array",
            "none",
            hint="call e.g. iterate_batches(x, y, batch_size=64).",
            exc=TypeError,
        )
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
        fail(
            op, "batch_size as a whole number >= 1", f"batch_size={batch_size!r}", hint="e.g. batch_size=64."
        )
    shapes = []
    for i, a in enumerate(arrays):
        if not hasattr(a, "shape") or len(a.shape) == 0:
            fail(
                op,
                "arrays with a first (batch) dimension",
                f"argument {i} of type {type(a).__name__} and shape {getattr(a, 'shape', None)}",
                hint="convert with numpy.asarray; scalars cannot be batched.",
                exc=TypeError,
            )
        shapes.append(tuple(a.shape))
    n = shapes[0][0]
    if any(s[0] != n for s in shapes):
        fail(
            op,
            "arrays with the same first dimension N (row i of each belongs together)",
            "shapes " + ", ".join(str(s) for s in shapes),
            hint="images and labels must have as many rows as each other; check the slicing.",
        )
    return int(n)


def _as_generator(rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``rng`` (a Generator, an int seed, or None for a fresh one)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    fail(
        "iterate_batches",
        "rng as a numpy.random.Generator, an int seed or None",
        f"{type(rng).__name__}",
        hint="pass rng=numpy.random.default_rng(0).",
        exc=TypeError,
    )


def num_batches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches per epoch: ``floor(n / batch_size)`` if ``drop_last`` else ``ceil(n / batch_size)``.

    >>> num_batches(10, 4), num_batches(10, 4, drop_last=True)
    (3, 2)
    """
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def iterate_batches(
    *arrays,
    batch_size: int,
    shuffle: bool = False,
    rng: np.random.Generator | int | None = None,
    drop_last: bool = False,
) -> Iterator[tuple]:
    """Yield tuples of aligned batches, one pass over the data.

    Args:
        *arrays: arrays sharing the first dimension N, e.g. images (N, 1, 28, 28) and labels (N,).
        batch_size: rows per batch B; the last batch has N mod B rows unless ``drop_last``.
        shuffle: visit rows in the order ``rng.permutation(N)`` instead of 0..N-1.
        rng: ``numpy.random.Generator`` (or int seed) used when shuffling; ``None`` draws a
            fresh unseeded one (pass a seeded Generator for a reproducible order).
        drop_last: skip a final batch smaller than ``batch_size``.

    Returns:
        An iterator of tuples, one batch per array, e.g. (xb (B, 1, 28, 28), yb (B,)), always a tuple
        even for one array. In order these are views; shuffled, copies of the batch only.

    Raises:
        ValueError: misaligned first dimensions or a bad ``batch_size``.

    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in iterate_batches(x, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """
    n = _check(arrays, batch_size, "iterate_batches")  # checked now, not at the first next()
    order = _as_generator(rng).permutation(n) if shuffle else None  # (N,) row order of this epoch
    return _batches(arrays, n, int(batch_size), order, drop_last)


def _batches(arrays, n: int, batch_size: int, order, drop_last: bool) -> Iterator[tuple]:
    """The generator behind ``iterate_batches`` (arguments already checked)."""
    stop_at = n - n % batch_size if drop_last else n
    for start in range(0, stop_at, batch_size):
        stop = min(start + batch_size, n)
        if order is None:
            yield tuple(a[start:stop] for a in arrays)
        else:
            idx = order[start:stop]  # (B,)
            yield tuple(a[idx] for a in arrays)


class DataLoader:
    """Batches of aligned arrays, epoch after epoch (a small cousin of ``torch.utils.data.DataLoader``).

    Args:
        arrays: a sequence of arrays with the same first dimension N (e.g. ``(images, labels)``),
            or a single array.
        batch_size: rows per batch.
        shuffle: reshuffle at the start of each epoch (each ``iter``).
        rng: Generator (or int seed) that draws every epoch's order; ``None`` = fresh unseeded.
        drop_last: skip the final short batch.

    >>> x = np.arange(6)
    >>> loader = DataLoader((x,), batch_size=4)
    >>> len(loader), [b[0].tolist() for b in loader]
    (2, [[0, 1, 2, 3], [4, 5]])
    """

    def __init__(
        self, arrays, batch_size: int = 64, shuffle: bool = False, rng=None, drop_last: bool = False
    ):
        if isinstance(arrays, np.ndarray):
            arrays = (arrays,)
        self.arrays = tuple(arrays)
        self.n = _check(self.arrays, batch_size, "DataLoader")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.rng = _as_generator(rng) if shuffle else rng
        self.drop_last = bool(drop_last)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        return num_batches(self.n, self.batch_size, self.drop_last)

    def __iter__(self) -> Iterator[tuple]:
        """One epoch of batches (a new order each epoch when shuffling)."""
        return iterate_batches(
            *self.arrays,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            rng=self.rng,
            drop_last=self.drop_last,
        )

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return (
            f"DataLoader(arrays of shapes {shapes}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
