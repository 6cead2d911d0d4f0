"""What a trained network learned: first-layer filters, and one digit's feature maps through every layer.

Read next: ``curves.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._mpl import new_figure, plain_axes, save


def first_conv(model):
    """The first ``Conv2d`` of ``model`` (searched in module order)."""
    from .._validate import fail
    from ..nn import Conv2d

    for m in model.modules():
        if isinstance(m, Conv2d):
            return m
    fail("plot_filters", "a model with a Conv2d layer", type(model).__name__, hint="pass a CNN.")


def plot_filters(model, path: str | os.PathLike) -> Path:
    """Draw every kernel of the first convolution (channel 0; blue negative, red positive) and save a PNG.

    Args:
        model: a ``Module`` containing a ``Conv2d``; its weight is (C_out, C_in, KH, KW).
        path: PNG file to write.

    Returns:
        The written path.
    """
    w = first_conv(model).weight.data  # (C_out, C_in, KH, KW)
    C_out = w.shape[0]
    cols = min(8, C_out)
    rows = -(-C_out // cols)
    fig = new_figure(1.3 * cols, 1.4 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for k, ax in enumerate(axes):
        plain_axes(ax)
        if k >= C_out:
            ax.axis("off")
            continue
        lim = float(np.abs(w[k, 0]).max()) or 1.0
        ax.imshow(w[k, 0], cmap="bwr", vmin=-lim, vmax=lim)
        ax.set_title(f"filter {k}", fontsize=8)
    fig.suptitle(f"first-layer filters {tuple(w.shape)} (channel 0)")
    return save(fig, path)


def layer_outputs(model, image) -> list[tuple[str, np.ndarray]]:
    """Run one image through each layer of a ``Sequential``; return ``[(layer name, output)]``.

    Args:
        model: a ``Sequential`` (iterable of layers).
        image: (1, H, W), (H, W) or (1, 1, H, W).

    Returns:
        ``[("input", x), ("0: Conv2d", out0), ...]``; each output keeps its batch axis of 1.
    """
    x = np.asarray(image, dtype=np.float32)
    x = x.reshape((1,) * (4 - x.ndim) + x.shape)  # (1, C, H, W)
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        outs = [("input", x)]
        for k, layer in enumerate(model):
            x = layer(x)
            outs.append((f"{k}: {type(layer).__name__}", x))
    finally:
        model.train(was_training)
    return outs


def plot_feature_maps(model, image, path: str | os.PathLike, max_channels: int = 8, label=None) -> Path:
    """Draw one image's activations after every layer (a row per layer) and save a PNG.

    Maps (1, C, H, W) show their first ``max_channels`` channels; vectors (1, F) are drawn as bars.

    Args:
        model: a ``Sequential`` CNN.
        image: one image (1, H, W).
        path: PNG file to write.
        max_channels: channels shown per layer.
        label: optional true class, shown in the title.

    Returns:
        The written path.
    """
    outs = layer_outputs(model, image)
    fig = new_figure(1.5 * max_channels, 1.6 * len(outs) + 0.5)
    grid = fig.add_gridspec(len(outs), max_channels)
    for r, (name, a) in enumerate(outs):
        a = a[0]
        if a.ndim == 3:
            for c in range(min(max_channels, a.shape[0])):
                ax = fig.add_subplot(grid[r, c])
                ax.imshow(a[c], cmap="viridis")
                plain_axes(ax)
                if c == 0:
                    ax.set_ylabel(f"{name}\n{tuple(a.shape)}", fontsize=7)
        else:
            ax = fig.add_subplot(grid[r, :])
            ax.bar(np.arange(a.size), a.ravel(), width=1.0)
            ax.set_ylabel(f"{name}\n{tuple(a.shape)}", fontsize=7)
            ax.tick_params(labelsize=6)
            if a.size <= 10:
                ax.set_xticks(range(a.size))
    title = "feature maps of one digit" + (f" (label {label})" if label is not None else "")
    fig.suptitle(title)
    return save(fig, path)
