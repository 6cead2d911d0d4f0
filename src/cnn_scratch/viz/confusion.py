"""The confusion matrix as a picture: rows are true classes, columns predicted ones.

Read next: ``misclassified.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._mpl import annotate, new_figure, save


def plot_confusion(confusion, path: str | os.PathLike, title: str = "confusion matrix") -> Path:
    """Draw a (C, C) count matrix with each count written in its cell and save a PNG.

    Args:
        confusion: int array (C, C), ``confusion[t, p]`` = images of true class t predicted as p.
        path: PNG file to write.
        title: figure title (the accuracy is appended).

    Returns:
        The written path.
    """
    c = np.asarray(confusion)
    accuracy = np.trace(c) / max(c.sum(), 1)
    fig = new_figure(6.5, 6)
    ax = fig.subplots()
    ax.imshow(np.log1p(c), cmap="Blues")
    annotate(ax, c, fmt=lambda v: str(int(v)), fontsize=8)
    ax.set_xticks(range(c.shape[1]))
    ax.set_yticks(range(c.shape[0]))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"{title}: accuracy {accuracy:.2%} of {int(c.sum())}")
    return save(fig, path)
