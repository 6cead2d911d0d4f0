"""Real MNIST (never skipped): shapes, ranges, known counts and labels, checksums, source order."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from cnn_scratch.data import MNIST_MEAN, MNIST_STD, DownloadError, find_data_dir, load_mnist
from cnn_scratch.data import download as download_module
from cnn_scratch.data.idx import encode_idx
from cnn_scratch.data.mnist import read_split
from cnn_scratch.data.sources import ENV_VAR, FILES, cache_dir

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get(ENV_VAR) or REPO.parent / "shared" / "data" / "mnist")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Point the user cache at an empty temporary dir so no test reads or writes the real one,
    and give the downloader no mirrors, so a missing copy fails at once instead of going online."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv(ENV_VAR, str(MNIST_DIR))
    monkeypatch.setattr(download_module, "MIRRORS", ())


def link_dir(path, skip=()):
    """A directory of symlinks to the real files (no data copied), leaving out ``skip``."""
    path.mkdir(parents=True)
    for name in FILES:
        if name not in skip:
            (path / f"{name}.gz").symlink_to(MNIST_DIR / f"{name}.gz")
    return path


def test_training_set_shapes_ranges_and_known_figures():
    x, y = load_mnist("train", MNIST_DIR)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (60000,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert x.flags.writeable and x.flags.c_contiguous
    np.testing.assert_array_equal(
        np.bincount(y, minlength=10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    )
    np.testing.assert_array_equal(y[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    # pixel values are k/255 exactly
    np.testing.assert_array_equal(x[0] * 255, np.round(x[0] * 255))


def test_test_set_and_limit():
    x, y = load_mnist("test", MNIST_DIR)
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    assert set(np.unique(y)) == set(range(10))
    xs, ys = load_mnist("test", MNIST_DIR, limit=25)
    assert xs.shape == (25, 1, 28, 28)
    np.testing.assert_array_equal(xs, x[:25])
    np.testing.assert_array_equal(ys, y[:25])
    assert load_mnist("test", MNIST_DIR, limit=0)[0].shape == (0, 1, 28, 28)


def test_normalize_uses_training_mean_and_std():
    # The constants are the training pixels' mean and std after x / 255, computed here
    # exactly from the histogram of the 47 million raw bytes.
    images_u8, _ = read_split(MNIST_DIR, "train")  # (60000, 28, 28) uint8
    counts = np.bincount(images_u8.ravel(), minlength=256)  # (256,)
    v = np.arange(256) / 255.0
    mean = (counts * v).sum() / counts.sum()
    std = np.sqrt((counts * (v - mean) ** 2).sum() / counts.sum())
    assert abs(mean - MNIST_MEAN) < 1e-4 and abs(std - MNIST_STD) < 1e-4
    x, _ = load_mnist("train", MNIST_DIR, normalize=True, limit=100)
    raw, _ = load_mnist("train", MNIST_DIR, limit=100)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, (raw - MNIST_MEAN) / MNIST_STD, rtol=1e-6, atol=1e-6)
    assert x.min() == pytest.approx(-MNIST_MEAN / MNIST_STD, rel=1e-6)


def test_returned_arrays_are_fresh_copies():
    a, _ = load_mnist("test", MNIST_DIR, limit=5)
    a[:] = -1
    b, _ = load_mnist("test", MNIST_DIR, limit=5)
    assert b.min() >= 0.0


def test_checksum_is_verified(tmp_path):
    """A well-formed label file with other content is refused by its SHA-256."""
    d = link_dir(tmp_path / "fake", skip=("t10k-labels-idx1-ubyte",))
    fake = np.zeros(10000, dtype=np.uint8)  # a valid IDX labels file, wrong content
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(encode_idx(fake)))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz to have SHA-256 ff7bcfd4.*got SHA-256"):
        load_mnist("test", d)


def test_swapped_files_are_refused(tmp_path):
    d = tmp_path / "swapped"
    d.mkdir()
    for name in FILES:
        target = (
            name.replace("labels-idx1", "IMG")
            .replace("images-idx3", "labels-idx1")
            .replace("IMG", "images-idx3")
        )
        (d / f"{name}.gz").symlink_to(MNIST_DIR / f"{target}.gz")
    with pytest.raises(ValueError, match=r"expected images .*magic 2051.*a labels file \(magic 2049\)"):
        load_mnist("test", d)


def test_source_order_argument_env_cache(tmp_path, monkeypatch):
    def placeholders(path):
        path.mkdir(parents=True)
        for name in FILES:
            (path / f"{name}.gz").write_bytes(b"")
        return path

    arg, env = placeholders(tmp_path / "arg"), placeholders(tmp_path / "env")
    cache = placeholders(cache_dir())
    monkeypatch.setenv(ENV_VAR, str(env))
    assert find_data_dir(arg) == arg  # argument beats env var
    assert find_data_dir(None) == env  # env var beats cache
    assert find_data_dir(tmp_path / "empty") is None  # an explicit argument is the only place looked at
    monkeypatch.delenv(ENV_VAR)
    assert find_data_dir(None) == cache
    (cache / "t10k-labels-idx1-ubyte.gz").unlink()  # incomplete: nowhere holds all four
    assert find_data_dir(None) is None


def test_source_order_end_to_end(tmp_path, monkeypatch):
    """The argument wins over a broken env copy; the env copy wins over a broken cache."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in FILES:
        (broken / f"{name}.gz").write_bytes(b"not gzip, not idx")
    monkeypatch.setenv(ENV_VAR, str(broken))
    good = link_dir(tmp_path / "good")
    assert load_mnist("test", good, limit=3)[1].tolist() == [7, 2, 1]
    with pytest.raises(ValueError, match="broken"):
        load_mnist("test", limit=3)
    monkeypatch.setenv(ENV_VAR, str(good))
    link_dir(cache_dir().parent / "other")  # unrelated dir; cache itself stays empty
    assert load_mnist("test", limit=3)[1].tolist() == [7, 2, 1]


def test_nothing_found_without_download_says_how_to_point_at_data(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(FileNotFoundError, match=r"none found \(searched data_dir argument: .*nowhere\)"):
        load_mnist("test", tmp_path / "nowhere", download=False)
    with pytest.raises(FileNotFoundError, match=r"--data-dir DIR.*CNN_SCRATCH_DATA=DIR"):
        load_mnist("test", download=False)
    with pytest.raises(DownloadError, match=r"got no mirrors.*--data-dir DIR"):  # download=True, no mirrors
        load_mnist("test")


def test_raw_uncompressed_files_are_found(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (d / name).write_bytes(gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes()))
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (d / f"{name}.gz").symlink_to(MNIST_DIR / f"{name}.gz")
    x, y = load_mnist("test", d, limit=3, download=False)
    assert y.tolist() == [7, 2, 1] and x.shape == (3, 1, 28, 28)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"split": "val"}, r'split "train" or "test", got split=\'val\''),
        ({"limit": -1}, r"limit as a whole number >= 0"),
        ({"limit": 2.5}, r"limit as a whole number >= 0"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_mnist(data_dir=MNIST_DIR, **kwargs)
