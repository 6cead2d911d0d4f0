r"""Text layout of narrations: aligned matrices, blocks side by side, optional colour.

Numbers are printed the short way: whole numbers without a decimal point, others
with 4 significant digits, ``-0`` as ``0``. A 2-D array is a block of right-aligned
columns; a 3-D array ``(C, H, W)`` is its channels side by side; a 4-D array
``(C_out, C_in, H, W)`` is one such row per first index.

    >>> import numpy as np
    >>> print(format_array(np.array([[1.0, -2.5], [10.0, 0.125]])))
        1   -2.5
       10  0.125
    >>> print("\n".join(side_by_side([["a", "1"], ["b", "2"]], ["*"])))
    a   b
    1 * 2

Colour: ``render_explanation(e, color=True)`` colours titles, names and check lines with
``rich`` (ANSI codes); without ``rich``, or with ``color=False``, the text is plain.
Read next: ``conv.py``, the first narration.
"""

from __future__ import annotations

import io
import os
import sys

import numpy as np

SEP = "  "  # between columns of a matrix


def format_number(v) -> str:
    """One number, short: ``3`` (not ``3.0``), ``0.1235``, ``-inf``; negative zero prints as ``0``.

    >>> format_number(3.0), format_number(-0.0), format_number(1 / 3), format_number(float("-inf"))
    ('3', '0', '0.3333', '-inf')
    """
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e9:
        return str(int(v))
    return f"{v:.4g}"


def _matrix_lines(a: np.ndarray) -> list[str]:
    """Lines of a 0-, 1- or 2-D array, columns right-aligned to a common width."""
    a = np.atleast_2d(np.asarray(a))  # (H, W)
    cells = [[format_number(v) for v in row] for row in a]
    width = max((len(c) for row in cells for c in row), default=1)
    return [SEP.join(c.rjust(width) for c in row) for row in cells]


def side_by_side(blocks: list[list[str]], joins: list[str] | None = None, gap: str = "   ") -> list[str]:
    """Put blocks of lines next to each other, each padded to its width.

    Args:
        blocks: each block is a list of lines (the first line is usually its name).
        joins: separators between consecutive blocks (e.g. ``["*", "="]``), printed on the
            middle line of the data rows; ``None`` puts ``gap`` between blocks.
        gap: spacing used when there is no separator.

    Returns:
        The combined lines.
    """
    height = max(len(b) for b in blocks)
    widths = [max((len(line) for line in b), default=0) for b in blocks]
    shortest = min(len(b) for b in blocks)  # separators sit on the middle data row of the shortest block
    middle = 1 + (shortest - 1) // 2 if shortest > 1 else 0
    out = []
    for r in range(height):
        parts = []
        for k, b in enumerate(blocks):
            line = b[r] if r < len(b) else ""
            parts.append(line.ljust(widths[k]))
            if k < len(blocks) - 1:
                sep = joins[k] if joins else ""
                parts.append(f" {sep} " if (sep and r == middle) else (" " * (len(sep) + 2) if sep else gap))
        out.append("".join(parts).rstrip())
    return out


def format_array(a: np.ndarray, name: str | None = None) -> str:
    """Text of an array of 0 to 4 dims (see the module docstring for the layout)."""
    return "\n".join(array_lines(a, name))


def array_lines(a: np.ndarray, name: str | None = None) -> list[str]:
    """Lines of ``format_array``, the name first; leading axes of size 1 are not drawn.

    The shape follows the name when a leading axis (N, C) has more than one entry.
    """
    a = np.asarray(a)
    head = [] if name is None else [name]
    if name is not None and a.ndim >= 3 and any(s > 1 for s in a.shape[:-2]):
        head = [f"{name}  {tuple(int(s) for s in a.shape)}"]
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim <= 2:
        return head + _matrix_lines(a)
    if a.ndim == 3:
        blocks = [[f"[{c}]", *_matrix_lines(a[c])] for c in range(a.shape[0])]
        return head + side_by_side(blocks, gap=" | ")
    lines = list(head)
    for k in range(a.shape[0]):
        sub = array_lines(a[k])
        if a[k].ndim == 3 and a.shape[1] > 1:
            lines += [f"[{k}]", *("  " + s for s in sub)]
        else:
            lines += [f"[{k}]:", *("  " + s for s in sub)]
    return lines


def step_lines(step) -> list[tuple[str, str]]:
    """Lines of one ``Step`` as ``(text, style)`` pairs; style is a rich style name or ''."""
    lines = []
    if step.text:
        lines += [(t, "") for t in step.text.splitlines()]
    if not step.arrays:
        return lines
    names = list(step.arrays)
    if step.join is not None and len(step.join) == len(names) - 1:
        blocks = [array_lines(step.arrays[n], n) for n in names]
        lines += [(t, "") for t in side_by_side(blocks, step.join)]
    else:
        for n in names:
            sub = array_lines(step.arrays[n], n)
            lines += [(sub[0], "magenta"), *((t, "") for t in sub[1:])]
    return lines


def explanation_lines(expl) -> list[tuple[str, str]]:
    """All lines of an ``Explanation`` as ``(text, style)`` pairs."""
    lines = [(f"== {expl.title} ==", "bold")]
    for k, step in enumerate(expl.steps, start=1):
        lines += [("", ""), (f"-- {k}. {step.title} --", "bold cyan")]
        lines += step_lines(step)
    if expl.checks:
        lines.append(("", ""))
        lines += [(c.line(), "green" if c.ok else "bold red") for c in expl.checks]
    return lines


def use_color(stream=None) -> bool:
    """True when ``stream`` (default stdout) is a terminal, ``NO_COLOR`` is unset and rich is installed."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR") or not getattr(stream, "isatty", lambda: False)():
        return False
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def render_explanation(expl, color: bool = False) -> str:
    """Render an ``Explanation`` as plain text, or with ANSI colours when ``color`` and rich is present."""
    lines = explanation_lines(expl)
    if color:
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            color = False
    if not color:
        return "\n".join(t for t, _ in lines)
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=100_000, highlight=False)
    for text, style in lines:
        console.print(Text(text, style=style or ""), soft_wrap=True)
    return buf.getvalue().rstrip("\n")
