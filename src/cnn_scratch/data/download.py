"""Download MNIST into the user cache, safely: verified, atomic, with a progress bar.

For each missing file, the mirrors are tried in order (``<base><name>.gz``). A file
is streamed into a hidden temporary file in the destination directory
(``.<name>.gz.XXXX.part``), its decompressed content is checked against the known
SHA-256, and only then is it flushed to disk (``fsync``) and renamed into place with
``os.replace`` (atomic on one file system). So an interrupted or corrupt download
never leaves a file that passes for complete: either the verified file is there
under its real name, or nothing is. A failed mirror falls through to the next one.

Only the Python standard library (``urllib``) is used; nothing runs at import time.
Read next: ``mnist.py`` (``load_mnist`` calls ``download_mnist`` when no copy is found).
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

from .._atomic import fsync_dir, temp_file
from .._validate import fail
from ..progress import progress
from .idx import GZIP_MAGIC, read_bytes, verify_sha256
from .sources import ENV_VAR, FILES, MIRRORS, SHA256, cache_dir, find_file

CHUNK = 1 << 16  # bytes read per network call


class DownloadError(RuntimeError):
    """No mirror delivered a verified copy of a file (offline, truncated, wrong content, ...)."""


class _Unreachable(Exception):
    """Internal: the mirror could not be contacted at all (no connection, DNS, timeout)."""


def _fetch(url: str, dest: Path, timeout: float, show_progress: bool, progress_file) -> Path:
    """Stream ``url`` into a temporary ``.part`` file in ``dest``; return its path.

    Raises:
        _Unreachable: no connection could be made.
        OSError / ValueError: the server answered but the transfer failed or was cut short.
    """
    try:
        response = urllib.request.urlopen(url, timeout=timeout)  # http(s) mirrors only
    except urllib.error.HTTPError:
        raise  # the server answered (e.g. 404): a real error, not "offline"
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise _Unreachable(str(getattr(err, "reason", err))) from err
    name = url.rsplit("/", 1)[-1]
    fd, tmp = temp_file(dest, name, ".part")
    try:
        with response, os.fdopen(fd, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            with progress(
                total=total, desc=name, unit="B", disable=not show_progress, file=progress_file
            ) as bar:
                while True:
                    try:
                        chunk = response.read(CHUNK)
                    except http.client.IncompleteRead as err:
                        raise OSError(
                            f"transfer cut short after {received + len(err.partial)} bytes"
                        ) from err
                    if not chunk:
                        break
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and received != total:
                raise OSError(f"transfer cut short: {received} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def download_file(
    name: str,
    dest: str | os.PathLike,
    sha256: str,
    *,
    mirrors: Iterable[str] = MIRRORS,
    timeout: float = 30.0,
    show_progress: bool = True,
    progress_file=None,
) -> Path:
    """Fetch ``<mirror><name>.gz`` from the first mirror that delivers verified content.

    Args:
        name: file name without ``.gz``, e.g. ``"train-labels-idx1-ubyte"``.
        dest: directory to write into (created if needed).
        sha256: expected SHA-256 of the decompressed content.
        mirrors: base URLs tried in order.
        timeout: seconds to wait for a connection or a read.
        show_progress: draw a progress bar per file.
        progress_file: text stream for the bar (default stderr).

    Returns:
        Path of the verified file, ``dest/<name>.gz``.

    Raises:
        DownloadError: every mirror failed; the message lists why for each and says how to
            use a local copy instead.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / f"{name}.gz"
    errors, unreachable = [], []
    mirrors = list(mirrors)
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += f"{name}.gz"
        try:
            tmp = _fetch(url, dest, timeout, show_progress, progress_file)
        except _Unreachable as err:
            unreachable.append(f"{url}: {err}")
            continue
        except (OSError, ValueError, http.client.HTTPException) as err:
            errors.append(f"{url}: {err}")
            continue
        try:
            with open(tmp, "rb") as f:
                gz = f.read(2) == GZIP_MAGIC
            verify_sha256(read_bytes(tmp), sha256, url)
        except ValueError as err:
            tmp.unlink(missing_ok=True)
            errors.append(f"{url}: {err}")
            continue
        target = final if gz else dest / name  # a mirror serving raw bytes is stored without ".gz"
        os.replace(tmp, target)
        fsync_dir(dest)
        return target
    local_hint = (
        f"download the files elsewhere and point at the directory holding them with "
        f"--data-dir DIR or the environment variable {ENV_VAR}=DIR."
    )
    if not errors:
        fail(
            "download_mnist",
            f"to reach one of the MNIST mirrors for {name}.gz",
            "no connection to any of them (" + "; ".join(unreachable) + ")" if unreachable else "no mirrors",
            hint=f"you seem to be offline. {local_hint[0].upper()}{local_hint[1:]}",
            exc=DownloadError,
        )
    fail(
        "download_mnist",
        f"a verified copy of {name}.gz (SHA-256 of content {sha256}) from one of {len(mirrors)} mirror(s)",
        "only failures: " + "; ".join(errors + unreachable),
        hint=f"nothing was kept in {dest}; retry later, or {local_hint}",
        exc=DownloadError,
    )


def download_mnist(
    dest: str | os.PathLike | None = None,
    *,
    mirrors: Iterable[str] | None = None,
    checksums: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    show_progress: bool = True,
    progress_file=None,
) -> Path:
    """Make sure ``dest`` holds the four MNIST files, downloading the missing ones.

    Args:
        dest: target directory (default: the user cache, see ``sources.cache_dir``).
        mirrors: base URLs tried in order for each file (injectable, e.g. a local test server);
            ``None`` means ``sources.MIRRORS`` (S3 ossci-datasets, Google cvdf, yann.lecun.com).
        checksums: ``{name: sha256 of the decompressed content}`` for the files to fetch;
            default the four MNIST files and their known sums.
        timeout: seconds to wait for a connection or a read.
        show_progress: draw a progress bar per file (bytes, B/s).
        progress_file: text stream for the bar (default stderr).

    Returns:
        The directory, now holding every file.

    Raises:
        DownloadError: a file could not be fetched and verified from any mirror.
    """
    dest = Path(dest) if dest is not None else cache_dir()
    mirrors = MIRRORS if mirrors is None else tuple(mirrors)
    checksums = dict(SHA256) if checksums is None else dict(checksums)
    names = [n for n in FILES if n in checksums] + [n for n in checksums if n not in FILES]
    for name in names:
        if find_file(dest, name) is None:
            download_file(
                name,
                dest,
                checksums[name],
                mirrors=mirrors,
                timeout=timeout,
                show_progress=show_progress,
                progress_file=progress_file,
            )
    return dest
