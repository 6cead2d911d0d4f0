"""Data: MNIST from its IDX files (checked, checksummed, cached, downloaded if absent) and batching.

- ``load_mnist(split, data_dir=None, *, normalize=False, limit=None, download=True)``
  returns images float32 (N, 1, 28, 28) and labels int64 (N,).
- ``iterate_batches(*arrays, batch_size, shuffle=False, rng=None, drop_last=False)`` and
  ``DataLoader(arrays, batch_size, shuffle, rng, drop_last)`` cut aligned arrays into batches.

Read in this order: ``idx.py`` (the file format), ``sources.py`` (where files are found),
``download.py`` (fetching safely), ``mnist.py`` (``load_mnist``), ``batching.py``.
"""

from .batching import DataLoader, iterate_batches, num_batches
from .download import DownloadError, download_mnist
from .idx import parse_idx, read_idx
from .mnist import MNIST_MEAN, MNIST_STD, load_mnist
from .sources import cache_dir, find_data_dir

__all__ = [
    "MNIST_MEAN",
    "MNIST_STD",
    "DataLoader",
    "DownloadError",
    "cache_dir",
    "download_mnist",
    "find_data_dir",
    "iterate_batches",
    "load_mnist",
    "num_batches",
    "parse_idx",
    "read_idx",
]
