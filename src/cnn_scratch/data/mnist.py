"""``load_mnist``: the MNIST digits as float32 NCHW arrays, found, verified and cached.

MNIST holds 60,000 training and 10,000 test images of handwritten digits, each
28x28 grey levels 0..255 (0 = background), with labels 0..9. ``load_mnist`` returns

    images  float32 (N, 1, 28, 28)   x / 255 in [0, 1]
            or, with normalize=True, (x / 255 - 0.1307) / 0.3081
            (the training set's pixel mean and standard deviation)
    labels  int64 (N,)

The files are searched for as ``sources.py`` describes (``data_dir`` argument, then
``CNN_SCRATCH_DATA``, then the user cache) and downloaded into the cache if absent.
Each file's header and SHA-256 are checked once per process; the parsed bytes are
then kept in memory, so a second call costs only the float conversion.
Read next: ``batching.py`` (mini-batches of these arrays).
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import numpy as np

from .._validate import fail
from .idx import read_idx
from .sources import ENV_VAR, FILES, SHA256, SPLITS, cache_dir, candidate_dirs, find_data_dir, find_file

MNIST_MEAN = 0.1307  # mean of the training pixels after x / 255
MNIST_STD = 0.3081  # their standard deviation
IMAGE_SHAPE = (28, 28)
SPLIT_SIZES = {"train": 60000, "test": 10000}

# (images path, labels path, their (size, mtime_ns)) -> (images uint8 (N, 28, 28), labels uint8 (N,))
_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def clear_cache() -> None:
    """Forget the arrays parsed so far in this process."""
    _CACHE.clear()


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def read_split(directory: str | os.PathLike, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify one split's two files from ``directory`` (memoised per process).

    Args:
        directory: holds ``<name>.gz`` or ``<name>`` for both files of the split.
        split: ``"train"`` or ``"test"``.

    Returns:
        images uint8 (N, 28, 28) and labels uint8 (N,), read-only.

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a file is corrupt, truncated, swapped or fails its SHA-256 check.
    """
    img_name, lbl_name = SPLITS[split]
    paths = []
    for name in (img_name, lbl_name):
        path = find_file(directory, name)
        if path is None:
            fail(
                "load_mnist",
                f"{name}.gz or {name} in {directory}",
                "no such file",
                hint=f"point data_dir / {ENV_VAR} at a directory holding the four MNIST files.",
                exc=FileNotFoundError,
            )
        paths.append(path)
    key = (str(paths[0].resolve()), str(paths[1].resolve()), _stamp(paths[0]), _stamp(paths[1]))
    if key not in _CACHE:
        images = read_idx(paths[0], kind="images", sha256=SHA256[img_name])  # (N, 28, 28) uint8
        labels = read_idx(paths[1], kind="labels", sha256=SHA256[lbl_name])  # (N,) uint8
        _CACHE[key] = (images, labels)
    return _CACHE[key]


def load_mnist(
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    *,
    normalize: bool = False,
    limit: int | None = None,
    download: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST as float32 images (N, 1, 28, 28) and int64 labels (N,).

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        data_dir: directory holding the four files (``.gz`` or raw). When given, it is the
            only place looked at (and where a download goes); when ``None``, the search is
            ``CNN_SCRATCH_DATA``, then the user cache.
        normalize: if ``False``, pixels are ``x / 255`` in [0, 1]; if ``True``,
            ``(x / 255 - 0.1307) / 0.3081`` (mean 0, std 1 over the training set).
        limit: keep only the first ``limit`` examples (quick runs); ``None`` keeps all.
        download: if no copy is found, download into ``data_dir`` or the user cache (else raise).

    Returns:
        images: float32 (N, 1, 28, 28), a fresh array the caller may modify.
        labels: int64 (N,), digits 0..9.

    Raises:
        ValueError: bad ``split`` / ``limit``, or a corrupt file (message names it).
        FileNotFoundError: no copy found and ``download=False``.
        cnn_scratch.data.download.DownloadError: no copy found and downloading failed.
    """
    op = "load_mnist"
    if split not in SPLITS:
        fail(op, 'split "train" or "test"', f"split={split!r}", hint="the test set is split='test'.")
    if limit is not None and (
        not isinstance(limit, numbers.Integral) or isinstance(limit, bool) or limit < 0
    ):
        fail(op, "limit as a whole number >= 0 or None", f"limit={limit!r}", hint="e.g. limit=1000.")
    directory = find_data_dir(data_dir)
    if directory is None:
        searched = "; ".join(f"{where}: {path}" for where, path in candidate_dirs(data_dir))
        if not download:
            fail(
                op,
                f"the four MNIST files ({', '.join(FILES)}, .gz or raw) in one directory",
                f"none found (searched {searched})",
                hint=f"pass data_dir=DIR (--data-dir DIR) or set {ENV_VAR}=DIR, or allow download=True.",
                exc=FileNotFoundError,
            )
        from .download import download_mnist  # imported only when needed (urllib)

        directory = download_mnist(Path(data_dir).expanduser() if data_dir is not None else cache_dir())
    images_u8, labels_u8 = read_split(directory, split)  # (N, 28, 28) uint8, (N,) uint8
    n_expected = SPLIT_SIZES[split]
    if images_u8.shape != (n_expected, *IMAGE_SHAPE) or labels_u8.shape != (n_expected,):
        fail(
            op,
            f"{n_expected} images of 28x28 and {n_expected} labels for split {split!r} in {directory}",
            f"images {images_u8.shape}, labels {labels_u8.shape}",
            hint="the files are not MNIST.",
        )
    n = n_expected if limit is None else min(int(limit), n_expected)
    images = images_u8[:n, None, :, :].astype(np.float32)  # (N, 1, 28, 28), the one copy
    np.divide(images, np.float32(255.0), out=images)
    if normalize:
        np.subtract(images, np.float32(MNIST_MEAN), out=images)
        np.divide(images, np.float32(MNIST_STD), out=images)
    labels = labels_u8[:n].astype(np.int64)  # (N,)
    return images, labels
