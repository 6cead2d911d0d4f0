"""Training curves (loss and accuracy per epoch) from a ``History`` or its JSON file.

Read next: ``confusion.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._mpl import new_figure, save


def plot_history(history, path: str | os.PathLike) -> Path:
    """Draw train/validation loss and accuracy against the epoch and save a PNG.

    Args:
        history: a ``cnn_scratch.train.History``, or the path of a ``history.json`` it wrote.
        path: PNG file to write.

    Returns:
        The written path.
    """
    from matplotlib.ticker import MaxNLocator

    from ..train.history import History

    if not isinstance(history, History):
        history = History.from_json(history)
    epochs = history.epoch
    fig = new_figure(9, 3.5)
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key, label in ((ax_loss, "loss", "cross-entropy loss"), (ax_acc, "acc", "accuracy")):
        for split, style in (("train", "o-"), ("val", "s--")):
            ys = getattr(history, f"{split}_{key}")
            pts = [(e, y) for e, y in zip(epochs, ys, strict=True) if y is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), style, label=split)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    fig.suptitle(f"training history ({len(history)} epochs)")
    return save(fig, path)
