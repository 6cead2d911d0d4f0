"""Atomic file writing shared by model files, checkpoints and downloads.

A file is written to a temporary name in its final directory, flushed to disk,
then renamed over the target with ``os.replace`` (atomic on one file system), and
the directory entry is flushed too. A crash at any point leaves either the old file
or the new one, never a half-written file under the real name.
Read next: ``io/archive.py`` and ``data/download.py``, the two users.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def temp_file(directory: Path, name: str, suffix: str) -> tuple[int, Path]:
    """Create ``directory/.<name>.<random><suffix>`` and return ``(fd, path)``.

    ``mkstemp`` creates files readable by the owner only; the file gets the usual
    ``rw-r--r--`` so a saved model or a downloaded data set can be shared like any file.
    """
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=suffix)
    try:
        os.fchmod(fd, 0o644)
    except (AttributeError, OSError):  # Windows has no fchmod; its default is fine
        pass
    return fd, Path(tmp)


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry (the rename) to disk; a no-op where unsupported (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs):
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``.

    If the ``with`` block raises (or the process dies), ``path`` keeps its old content and
    the temporary file is removed. ``mode`` is ``"w"`` or ``"wb"``; ``kwargs`` go to ``open``.
    The parent directory is created if needed.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file(directory, path.name, ".tmp")
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(directory)
