r"""Where MNIST lives: the four file names, their checksums, the mirrors and the search order.

The loader looks for the four files in this order and uses the first directory
that holds all four (each as ``name.gz`` or uncompressed ``name``):

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the environment variable ``CNN_SCRATCH_DATA``;
3. the user cache: ``$XDG_CACHE_HOME/cnn-scratch/mnist`` if ``XDG_CACHE_HOME`` is set,
   else ``~/.cache/cnn-scratch/mnist`` (Linux), ``~/Library/Caches/cnn-scratch/mnist``
   (macOS) or ``%LOCALAPPDATA%\cnn-scratch\mnist`` (Windows).

If none does, ``download.py`` fetches them into the cache.
Read next: ``download.py``, then ``mnist.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "CNN_SCRATCH_DATA"

# split -> (images file, labels file), names without the ".gz".
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FILES = tuple(name for pair in SPLITS.values() for name in pair)

# SHA-256 of each file's *decompressed* content: the same for every faithful copy,
# however it was compressed.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# MD5 of the canonical ``.gz`` files served by the public mirrors (for reference; the
# loader verifies the SHA-256 of the content above, which a re-compressed copy also passes).
CANONICAL_GZ_MD5 = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}

# Base URLs tried in order; each serves ``<base><name>.gz``.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def cache_dir() -> Path:
    """The per-user cache directory for MNIST (see the module docstring for the rule).

    Returns:
        e.g. ``Path("/home/me/.cache/cnn-scratch/mnist")``; it may not exist yet.
    """
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        base = Path(xdg)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    return base / "cnn-scratch" / "mnist"


def find_file(directory: str | os.PathLike, name: str) -> Path | None:
    """``directory/name.gz`` or ``directory/name`` (uncompressed), whichever exists first, else None."""
    for candidate in (Path(directory) / f"{name}.gz", Path(directory) / name):
        if candidate.is_file():
            return candidate
    return None


def candidate_dirs(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """The places searched, in order, as ``(where it came from, directory)`` pairs.

    Args:
        data_dir: explicit directory (highest priority), or ``None``.

    Returns:
        e.g. ``[("data_dir argument", ...), ("CNN_SCRATCH_DATA", ...), ("user cache", ...)]``,
        leaving out the ones not given.
    """
    if data_dir is not None:
        # An explicit directory is the only place looked at: silently reading another copy
        # (or downloading elsewhere) when the user named one would hide a typo in the path.
        return [("data_dir argument", Path(data_dir).expanduser())]
    places = []
    env = os.environ.get(ENV_VAR)
    if env:
        places.append((ENV_VAR, Path(env).expanduser()))
    places.append(("user cache", cache_dir()))
    return places


def find_data_dir(data_dir: str | os.PathLike | None = None, files=FILES) -> Path | None:
    """The first directory in the search order holding all of ``files``, or ``None``.

    Args:
        data_dir: explicit directory, searched first.
        files: names (without ``.gz``) that must all be present.

    Returns:
        The directory, or ``None`` if no candidate holds every file.
    """
    for _, directory in candidate_dirs(data_dir):
        if all(find_file(directory, name) is not None for name in files):
            return directory
    return None
