"""Turning what a user types into small float64 arrays for a narration.

An array can be given four ways (the same on the command line and in Python):

- a size ``"5x5"`` (or ``"5"``): seeded random small integers of that size;
- numbers: ``"1,2,3;4,5,6"`` (``;`` ends a row, ``,`` or spaces separate values),
  ``|`` between channels (``"1,2;3,4|5,6;7,8"`` is 2 channels of 2x2) and, for
  kernels, ``/`` between filters;
- a path to a ``.npy`` file;
- (Python only) a NumPy array.

    >>> parse_numbers("1,2;3,4|5,6;7,8").shape  # (groups, channels, rows, columns)
    (1, 2, 2, 2)
    >>> parse_size("5x4")
    (5, 4)

Bad text (a word, ragged rows, a size of 0) raises ``ValueError`` with a one-line
message naming what was typed; the command line prints it and exits with code 2.
Read next: ``conv.py``.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .._validate import fail

OP = "explain"
RANGES = {"input": (0, 9), "kernel": (-2, 2), "bias": (-2, 2), "dout": (-2, 2), "points": (-3, 3)}
"""Inclusive ranges of the seeded random integers, by role."""

_SIZE = re.compile(r"^\s*(\d+)\s*(?:[xX\u00d7*]\s*(\d+)\s*)?$")


def parse_size(text: str, name: str = "size") -> tuple[int, int]:
    """``"5x4"`` -> ``(5, 4)``; ``"5"`` -> ``(5, 5)``. Each side must be >= 1."""
    m = _SIZE.match(str(text))
    if not m:
        fail(OP, f"{name} as HxW, e.g. 5x5", repr(text), hint="write two whole numbers joined by 'x'.")
    h = int(m.group(1))
    w = int(m.group(2)) if m.group(2) is not None else h
    if h < 1 or w < 1:
        fail(OP, f"{name} of at least 1x1", repr(text), hint="an empty array has nothing to explain.")
    return h, w


def is_size(text: str) -> bool:
    """True when ``text`` looks like a size (``"5x5"``, ``"3"``) rather than numbers or a path."""
    return isinstance(text, str) and _SIZE.match(text) is not None and "," not in text


def _number(tok: str, text: str) -> float:
    try:
        return float(tok)
    except ValueError:
        fail(
            OP,
            "numbers separated by ',' (rows by ';', channels by '|', filters by '/')",
            f"{tok!r} in {text!r}",
            hint='e.g. --input "1,2,3;4,5,6;7,8,9".',
        )


def parse_numbers(text: str) -> np.ndarray:
    """Parse ``"1,2;3,4|5,6;7,8/..."`` into float64 of shape (groups, channels, rows, columns).

    Raises:
        ValueError: a token is not a number, or rows / channels / groups differ in length.
    """
    groups = []
    for g in str(text).strip().split("/"):
        chans = []
        for c in g.split("|"):
            rows = [r for r in c.split(";") if r.strip()]
            parsed = [[_number(t, text) for t in re.split(r"[,\s]+", r.strip()) if t] for r in rows]
            if not parsed:
                fail(OP, "at least one number per channel", repr(text), hint="remove the empty '|' or '/'.")
            lengths = sorted({len(r) for r in parsed})
            if len(lengths) > 1:
                fail(
                    OP,
                    "rows of equal length",
                    f"rows of lengths {[len(r) for r in parsed]} in {text!r}",
                    hint="every row (between ';') needs the same number of values.",
                )
            chans.append(parsed)
        shapes = sorted({(len(c), len(c[0])) for c in chans})
        if len(shapes) > 1:
            fail(OP, "channels of equal size", f"sizes {shapes} in {text!r}", hint="check each '|' part.")
        groups.append(chans)
    shapes = sorted({(len(g), len(g[0]), len(g[0][0])) for g in groups})
    if len(shapes) > 1:
        fail(OP, "filters of equal shape", f"shapes {shapes} in {text!r}", hint="check each '/' part.")
    return np.array(groups, dtype=np.float64)  # (G, C, R, K)


def random_ints(rng: np.random.Generator, shape: tuple[int, ...], role: str) -> np.ndarray:
    """Seeded small integers (as float64) in ``RANGES[role]``, inclusive."""
    low, high = RANGES[role]
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def load(spec, name: str) -> np.ndarray | None:
    """Load ``spec`` (numbers text, ``.npy`` path or array) as float64; ``None`` for a size or ``None``.

    Numbers text comes back 4-D (groups, channels, rows, columns); a file or array as stored.
    """
    if spec is None or (isinstance(spec, str) and is_size(spec)):
        return None
    if isinstance(spec, np.ndarray) or (not isinstance(spec, str) and hasattr(spec, "__len__")):
        a = np.asarray(spec)
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool) or a.size == 0:
            fail(OP, f"{name} as a non-empty numeric array", f"dtype {a.dtype}, shape {a.shape}")
        return a.astype(np.float64)
    if isinstance(spec, (int, float)):
        return np.array(float(spec))
    text = str(spec)
    if text.lower().endswith(".npy"):
        if not os.path.isfile(text):
            fail(OP, f"{name} as an existing .npy file", repr(text), hint="check the path.")
        try:
            a = np.load(text, allow_pickle=False)
        except ValueError as e:
            fail(OP, f"{name} as a .npy file of numbers", f"{text}: {e}")
        return load(a, name)
    return parse_numbers(text)


def as_map_stack(spec, name: str, rng, role: str, lead: tuple[int, ...]) -> np.ndarray:
    """An input-like array (N, C, H, W): from ``spec`` or seeded integers of ``lead + (H, W)``.

    ``lead`` is ``(N, C)`` for a size spec. A 2-D array becomes (1, 1, H, W), a 3-D one
    (1, C, H, W), numbers text (1, C, H, W) (a single group).
    """
    a = load(spec, name)
    if a is None:
        h, w = parse_size(spec if spec is not None else "3x3", name)
        return random_ints(rng, (*lead, h, w), role)
    if a.ndim == 2:
        return a[None, None]
    if a.ndim == 3:
        return a[None]
    if a.ndim == 4:
        return a
    fail(OP, f"{name} with 2 to 4 dims (H, W), (C, H, W) or (N, C, H, W)", f"shape {a.shape}")


def as_matrix(spec, name: str, rng, role: str, default: str) -> np.ndarray:
    """A 2-D array (rows, columns): from ``spec`` or seeded integers of the size ``spec`` (or ``default``)."""
    a = load(spec, name)
    if a is None:
        return random_ints(rng, parse_size(spec if spec is not None else default, name), role)
    if a.ndim == 4 and a.shape[:2] == (1, 1):
        a = a[0, 0]
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2:
        fail(OP, f"{name} as a matrix (rows, columns)", f"shape {a.shape}", hint="use ';' between rows only.")
    return a


def as_vector(spec, name: str, length: int, rng, role: str) -> np.ndarray | None:
    """A 1-D array of ``length`` values: ``None``/False -> None, True -> seeded integers, else parsed."""
    if spec is None or spec is False:
        return None
    if spec is True:
        return random_ints(rng, (length,), role)
    if isinstance(spec, str) and spec.strip().lower() in ("random", "rand", "r"):
        return random_ints(rng, (length,), role)
    a = load(spec, name)
    if a is None:  # a bare integer like "2" reads as a size; here it is one value
        a = np.array([float(spec)])
    a = np.ravel(a)
    if a.size == 1 and length > 1:
        a = np.full(length, a[0])
    if a.size != length:
        fail(OP, f"{name} with {length} value(s), one per output channel", f"{a.size} values: {spec!r}")
    return a


def as_grad(spec, shape: tuple[int, ...], rng, name: str = "dout") -> np.ndarray:
    """An upstream gradient of ``shape``: None -> seeded integers -2..2; one number -> filled; else parsed.

    Parsed arrays get leading axes of size 1 added (``"1,2;3,4"`` for a (1, 1, 2, 2) output).
    """
    if spec is None:
        return random_ints(rng, shape, "dout")
    if isinstance(spec, (int, float)) or (
        isinstance(spec, str) and _SIZE.match(spec) and "x" not in spec.lower()
    ):
        return np.full(shape, _number(str(spec).strip(), str(spec)))
    a = load(spec, name)
    if a is None:
        fail(
            OP,
            f"{name} as numbers, one number or a .npy file",
            repr(spec),
            hint="a size like 2x2 is not a gradient.",
        )
    if a.size == 1:
        return np.full(shape, float(a.ravel()[0]))
    while a.ndim > len(shape) and a.shape[0] == 1:
        a = a[0]
    a = a.reshape((1,) * (len(shape) - a.ndim) + a.shape) if a.ndim < len(shape) else a
    if a.shape != tuple(shape):
        fail(
            OP,
            f"{name} of the output's shape {tuple(shape)}",
            f"shape {a.shape}",
            hint="dout has one value per output element.",
        )
    return a
