"""Lazy, global-state-free access to matplotlib (an optional extra: ``pip install cnn-scratch[viz]``).

Figures are made with ``matplotlib.figure.Figure`` on an Agg canvas, never through
``pyplot``, so nothing here changes the backend of a notebook or opens a window.
Read next: ``curves.py``.
"""

from __future__ import annotations

import os
from pathlib import Path


def new_figure(width: float, height: float, dpi: int = 100):
    """A ``Figure`` of ``width`` x ``height`` inches with an Agg canvas attached.

    Raises:
        ImportError: matplotlib is not installed (with the command that installs it).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - matplotlib is installed in the test environment
        raise ImportError(
            "cnn_scratch.viz: expected matplotlib to draw pictures, but it is not installed. "
            "Hint: pip install 'cnn-scratch[viz]' (matplotlib and pillow)."
        ) from e
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save(fig, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    return path


def rgba(fig):
    """The drawn figure as a uint8 array (height, width, 4)."""
    import numpy as np

    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def annotate(ax, a, fmt=None, fontsize: int = 9, color: str | None = None) -> None:
    """Write each value of the 2-D array ``a`` in its cell of an ``imshow``.

    ``color=None`` writes large magnitudes in white (for dark cells), the rest in black.
    """
    import numpy as np

    from ..explain.render import format_number

    a = np.asarray(a)
    hi = np.nanmax(np.abs(a[np.isfinite(a)])) if np.isfinite(a).any() else 1.0
    for (r, c), v in np.ndenumerate(a):
        text = fmt(v) if fmt else format_number(v)
        dark = np.isfinite(v) and hi > 0 and abs(v) > 0.6 * hi
        ax.text(
            c,
            r,
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            color=color or ("white" if dark else "black"),
        )


def plain_axes(ax) -> None:
    """Hide ticks and tick labels."""
    ax.set_xticks([])
    ax.set_yticks([])
