"""Pictures (cnn_scratch.viz): each file is written, non-trivial in size and not blank."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from cnn_scratch import cli, io
from cnn_scratch.models import get_model
from cnn_scratch.train import History

pytest.importorskip("matplotlib")
from matplotlib.image import imread

ROOT = Path(__file__).resolve().parents[1]
DATA = os.environ.get("CNN_SCRATCH_DATA") or str(ROOT.parent / "shared" / "data" / "mnist")


def assert_picture(path, min_kb: float = 5.0):
    path = Path(path)
    assert path.is_file(), path
    assert path.stat().st_size > min_kb * 1024, f"{path.name} is only {path.stat().st_size} bytes"
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert float(np.std(img[..., :3])) > 0.01, f"{path.name} looks blank"


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    model = get_model("a", np.random.default_rng(0))
    io.save(model, d / "model.npz")
    h = History()
    for e, (tl, ta, vl, va) in enumerate(
        [(1.2, 0.6, 0.5, 0.85), (0.3, 0.91, 0.25, 0.93), (0.15, 0.95, 0.12, 0.96)]
    ):
        h.append(epoch=e + 1, train_loss=tl, train_acc=ta, val_loss=vl, val_acc=va)
    h.to_json(d / "history.json")
    return d


def test_animation_gif_and_strip(tmp_path):
    from PIL import Image

    from cnn_scratch.viz import conv_animation

    x = np.arange(25.0).reshape(5, 5)
    w = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    gif, strip = conv_animation(x, w, None, 2, 1, tmp_path, fps=4)
    with Image.open(gif) as im:
        assert im.n_frames == 9  # one frame per window: 3x3 output
        assert im.size[0] > 200
    assert_picture(strip)


def test_model_pictures_via_cli(saved_model, tmp_path, capsys):
    out = tmp_path / "pics"
    code = cli.main(
        [
            "viz",
            str(saved_model / "model.npz"),
            "--digit",
            "7",
            "--out",
            str(out),
            "--limit",
            "100",
            "--data-dir",
            DATA,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("filters", "feature_maps", "confusion", "misclassified", "curves"):
        assert f"{name}: " in printed
        assert_picture(out / f"{name}.png")


def test_feature_map_layers(saved_model):
    from cnn_scratch.viz import layer_outputs

    model = io.load(saved_model / "model.npz")
    outs = layer_outputs(model, np.zeros((1, 28, 28), np.float32))
    assert [n for n, _ in outs][:2] == ["input", "0: Conv2d"]
    assert outs[-1][1].shape == (1, 10)


def test_history_picture_from_object(tmp_path, saved_model):
    from cnn_scratch.viz import plot_history

    h = History.from_json(saved_model / "history.json")
    assert_picture(plot_history(h, tmp_path / "c.png"))


def test_missing_matplotlib_gives_clear_error(monkeypatch):
    from cnn_scratch.viz import _mpl

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'cnn-scratch\[viz\]'"):
        _mpl.new_figure(2, 2)


def test_explain_conv_animate_flag(tmp_path, capsys):
    code = cli.main(
        [
            "explain",
            "conv",
            "--input",
            "4x4",
            "--kernel",
            "2x2",
            "--stride",
            "2",
            "--animate",
            str(tmp_path),
            "--no-color",
        ]
    )
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "conv.gif").stat().st_size > 1000
    assert_picture(tmp_path / "conv_strip.png")
