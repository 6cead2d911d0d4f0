"""A grid of test digits the model got wrong, with the true and predicted class.

Read next: ``animation.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._mpl import new_figure, plain_axes, save


def plot_misclassified(
    images, labels, predicted, probabilities, path: str | os.PathLike, max_n: int = 16
) -> Path:
    """Draw up to ``max_n`` misclassified images and save a PNG.

    Args:
        images: (N, 1, H, W) or (N, H, W).
        labels: true classes (N,).
        predicted: predicted classes (N,).
        probabilities: (N, C) softmax probabilities (the title shows the predicted class's).
        path: PNG file to write.
        max_n: how many to show (the first ones in the order given).

    Returns:
        The written path (a note is drawn when nothing was wrong).
    """
    images = np.asarray(images)
    images = images.reshape(images.shape[0], *images.shape[-2:])  # (N, H, W)
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predicted))[:max_n]
    cols = 4
    rows = max(1, -(-len(wrong) // cols))
    fig = new_figure(2.2 * cols, 2.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes:
        plain_axes(ax)
        ax.axis("off")
    for ax, k in zip(axes, wrong, strict=False):
        ax.imshow(images[k], cmap="gray")
        p = predicted[k]
        ax.set_title(f"#{k}: true {labels[k]}, pred {p} ({probabilities[k, p]:.0%})", fontsize=8)
    if len(wrong) == 0:
        axes[0].text(0.5, 0.5, "no misclassified images", ha="center", va="center")
    fig.suptitle(
        f"misclassified: {int(np.sum(np.asarray(labels) != np.asarray(predicted)))} of {len(labels)}"
    )
    return save(fig, path)
