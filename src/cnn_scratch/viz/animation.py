"""The kernel sliding over the padded input, as a GIF and a PNG strip, made from trace events.

``conv_animation`` runs ``conv2d_forward_naive`` with a recorder as its ``trace``: the
``pad`` event gives the padded input, each ``window`` event one frame (the window
outlined on the input, its products and sum in the title, the output cell being
filled). Frames are written with matplotlib's ``PillowWriter``; the strip puts a
selection of the same frames side by side in one PNG.
Read next: ``filters.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import functional as F
from ..explain.common import Recorder
from ..explain.render import format_number as fn
from ._mpl import annotate, new_figure, plain_axes, rgba


def _frames(x, weight, bias, stride, padding):
    """``(x_padded (Hp, Wp), padding, out (H_out, W_out), windows)`` of sample 0, filter 0, channel 0."""
    rec = Recorder(keep={"pad", "window", "output"})
    F.conv2d_forward_naive(x, weight, bias, stride, padding, trace=rec)
    xp = rec.first("pad")["x_padded"][0, 0]  # (Hp, Wp)
    out = rec.first("output")["out"][0, 0]  # (H_out, W_out)
    wins = [w for w in rec.all("window") if w["n"] == 0 and w["c_out"] == 0]
    return xp, rec.first("pad")["padding"], out, wins


def _draw(fig, xp, pad, kernel, out, wins, k: int, stride) -> None:
    """Draw frame ``k``: windows 0..k done, window k highlighted."""
    from matplotlib.patches import Rectangle

    fig.clear()
    ax_in, ax_k, ax_out = fig.subplots(
        1, 3, gridspec_kw={"width_ratios": [xp.shape[1], kernel.shape[1] + 1, out.shape[1] + 1]}
    )
    ev = wins[k]
    (PH, PW), (SH, SW) = pad, stride
    KH, KW = kernel.shape
    is_pad = np.ones_like(xp, dtype=bool)
    is_pad[PH : xp.shape[0] - PH, PW : xp.shape[1] - PW] = False
    ax_in.imshow(np.where(is_pad, np.nan, xp), cmap="Greys", vmin=xp.min() - 1, vmax=xp.max() * 2 + 1)
    annotate(ax_in, xp, color="black")
    ax_in.add_patch(Rectangle((ev["j"] * SW - 0.5, ev["i"] * SH - 0.5), KW, KH, fill=False, ec="red", lw=3))
    ax_in.set_title(f"padded input (padding {PH}, {PW}; stride {SH}, {SW})", fontsize=9)
    ax_k.imshow(kernel, cmap="coolwarm", vmin=-np.abs(kernel).max() - 1e-9, vmax=np.abs(kernel).max() + 1e-9)
    annotate(ax_k, kernel)
    ax_k.set_title("kernel", fontsize=9)
    filled = np.full(out.shape, np.nan)
    for w in wins[: k + 1]:
        filled[w["i"], w["j"]] = w["value"]
    ax_out.imshow(np.nan_to_num(filled, nan=0.0) * 0, cmap="Greys", vmin=0, vmax=1)
    annotate(
        ax_out,
        np.where(np.isnan(filled), np.nan, filled),
        fmt=lambda v: "" if np.isnan(v) else fn(v),
        color="black",
    )
    ax_out.add_patch(
        Rectangle((ev["j"] - 0.5, ev["i"] - 0.5), 1, 1, fill=True, fc="gold", alpha=0.5, ec="red", lw=3)
    )
    ax_out.set_title("output", fontsize=9)
    for ax in (ax_in, ax_k, ax_out):
        plain_axes(ax)
    bias = "" if ev["bias"] is None else f" + bias {fn(ev['bias'])}"
    fig.suptitle(
        f"window ({ev['i']}, {ev['j']}): sum of patch * kernel = {fn(ev['total'])}{bias} "
        f"-> out[{ev['i']}, {ev['j']}] = {fn(ev['value'])}",
        fontsize=10,
    )


def conv_animation(
    x,
    weight,
    bias=None,
    stride=1,
    padding=0,
    out_dir: str | os.PathLike = ".",
    *,
    fps: float = 1.5,
    strip_frames: int = 9,
    name: str = "conv",
) -> tuple[Path, Path]:
    """Write ``OUT_DIR/<name>.gif`` (every window) and ``OUT_DIR/<name>_strip.png`` (up to ``strip_frames``).

    Args:
        x: input (H, W), (C_in, H, W) or (N, C_in, H, W); sample 0, channel 0 is drawn.
        weight: kernel (KH, KW) or (C_out, C_in, KH, KW); filter 0 is drawn (its sums use every channel).
        bias: (C_out,) or None.
        stride: int or (SH, SW).
        padding: int or (PH, PW).
        out_dir: folder to write into (created).
        fps: frames per second of the GIF.
        strip_frames: how many frames (evenly spaced) the PNG strip shows.
        name: file name stem.

    Returns:
        ``(gif_path, strip_path)``.
    """
    from matplotlib.animation import PillowWriter

    x = np.asarray(x, dtype=np.float64)
    x = x.reshape((1,) * (4 - x.ndim) + x.shape)  # (N, C_in, H, W)
    weight = np.asarray(weight, dtype=np.float64)
    weight = weight.reshape((1,) * (4 - weight.ndim) + weight.shape)  # (C_out, C_in, KH, KW)
    bias = None if bias is None else np.asarray(bias, dtype=np.float64)
    xp, pad, out, wins = _frames(x, weight, bias, stride, padding)
    from .._validate import as_pair

    st = as_pair(stride, "stride", "conv_animation", minimum=1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    w_in = xp.shape[1] + weight.shape[3] + out.shape[1] + 2
    fig = new_figure(max(6.0, 0.55 * w_in), max(3.0, 0.5 * xp.shape[0] + 1.2))
    gif = out_dir / f"{name}.gif"
    writer = PillowWriter(fps=fps)
    pick = sorted(set(np.linspace(0, len(wins) - 1, min(strip_frames, len(wins))).round().astype(int)))
    images = []
    with writer.saving(fig, str(gif), dpi=80):
        for k in range(len(wins)):
            _draw(fig, xp, pad, weight[0, 0], out, wins, k, st)
            writer.grab_frame()
            if k in pick:
                images.append(rgba(fig)[..., :3])
    cols = min(3, len(images))
    rows = -(-len(images) // cols)
    h, w = images[0].shape[:2]
    strip = np.full((rows * h, cols * w, 3), 255, dtype=np.uint8)
    for idx, im in enumerate(images):
        r, c = divmod(idx, cols)
        strip[r * h : r * h + im.shape[0], c * w : c * w + im.shape[1]] = im[:h, :w]
    from matplotlib.image import imsave

    strip_path = out_dir / f"{name}_strip.png"
    imsave(strip_path, strip)
    return gif, strip_path
