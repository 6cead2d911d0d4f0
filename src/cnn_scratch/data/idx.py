"""The IDX file format of MNIST: read, check and verify one file.

An IDX file is a small big-endian header followed by raw data::

    bytes 0-1   0x00 0x00
    byte  2     data type: 0x08 = unsigned byte (the only one MNIST uses)
    byte  3     number of dimensions d (1 for labels, 3 for images)
    4*d bytes   each dimension as a big-endian uint32 (N; or N, H, W)
    the rest    prod(dims) items of the data type, row-major

Read as one big-endian uint32, the first 4 bytes are the "magic number":
``0x00000801 = 2049`` for a label file and ``0x00000803 = 2051`` for an image file.
The files are usually gzip-compressed; gzip is recognised by its own magic bytes
``1f 8b``, whatever the file name says.

Every check fails with a ``ValueError`` that names the file, what was wrong and a hint.
Read next: ``mnist.py`` (which files, where they live, ``load_mnist``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from .._validate import fail

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08
MAGIC_LABELS = 2049  # 0x00000801: ubyte, 1 dimension
MAGIC_IMAGES = 2051  # 0x00000803: ubyte, 3 dimensions
KIND_NDIM = {"labels": 1, "images": 3}
_DTYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "int16",
    0x0C: "int32",
    0x0D: "float32",
    0x0E: "float64",
}


def read_bytes(path: str | os.PathLike) -> bytes:
    """Return the content of ``path``, decompressed if it is gzip (detected by the bytes ``1f 8b``).

    Args:
        path: an IDX file, raw or gzip-compressed.

    Returns:
        The decompressed bytes.

    Raises:
        ValueError: the gzip stream is corrupt or truncated.
    """
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        fail(
            "read_idx",
            f"a valid gzip stream in {path}",
            f"a corrupt or truncated gzip file ({len(raw)} bytes): {err}",
            hint="delete the file and download it again, or point at a good copy.",
        )


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 hex digits.

    >>> sha256_hex(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def verify_sha256(data: bytes, expected: str, name: str) -> None:
    """Check that ``sha256(data) == expected``; else a ValueError naming ``name``, both digests and a hint."""
    actual = sha256_hex(data)
    if actual != expected.lower():
        fail(
            "verify_sha256",
            f"the content of {name} to have SHA-256 {expected.lower()}",
            f"SHA-256 {actual}",
            hint="the file is corrupt, truncated or a different file; delete it and download it again "
            "(or point --data-dir / CNN_SCRATCH_DATA at a good copy).",
        )


def parse_idx(data: bytes, kind: str | None = None, name: str = "<bytes>") -> np.ndarray:
    """Parse decompressed IDX bytes into a uint8 array, checking every header field.

    Args:
        data: the whole decompressed file.
        kind: ``"labels"`` (expect magic 2049, shape (N,)), ``"images"`` (magic 2051,
            shape (N, H, W)) or ``None`` (accept any ubyte IDX file).
        name: file name used in error messages.

    Returns:
        A read-only uint8 array of shape ``dims`` from the header, e.g. (N,) or (N, H, W),
        viewing ``data`` without a copy (copy it before editing in place).

    Raises:
        ValueError: bad magic, wrong data type, labels/images swapped, or a length
            that disagrees with the header (truncated or extra bytes).

    >>> header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")
    >>> parse_idx(header + bytes([7, 0, 9]), kind="labels")
    array([7, 0, 9], dtype=uint8)
    """
    op = "read_idx"
    if kind is not None and kind not in KIND_NDIM:
        fail(op, 'kind "labels", "images" or None', f"kind={kind!r}", exc=TypeError)
    if len(data) < 4:
        fail(
            op,
            f"an IDX header (at least 4 bytes) in {name}",
            f"{len(data)} bytes",
            hint="the file is empty or truncated; download it again.",
        )
    if data[0] != 0 or data[1] != 0:
        fail(
            op,
            f"an IDX file in {name} (first two bytes 00 00)",
            f"first bytes {data[:4].hex(' ')}",
            hint="this is not an IDX file (a HTML error page or another format?); download it again.",
        )
    dtype_byte, ndim = data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if dtype_byte != UBYTE:
        fail(
            op,
            f"data type byte 0x08 (unsigned byte) in {name}",
            f"0x{dtype_byte:02X} ({_DTYPE_NAMES.get(dtype_byte, 'unknown type')}), magic {magic}",
            hint="MNIST files hold unsigned bytes; this file is another dataset or corrupt.",
        )
    if kind is not None and ndim != KIND_NDIM[kind]:
        other = {1: "a labels file (magic 2049)", 3: "an images file (magic 2051)"}.get(
            ndim, f"a {ndim}-dimensional IDX file"
        )
        want = MAGIC_LABELS if kind == "labels" else MAGIC_IMAGES
        fail(
            op,
            f"{kind} in {name} (magic {want}, {KIND_NDIM[kind]} dimension(s))",
            f"magic {magic}: {other}",
            hint="images and labels files are swapped or misnamed; check the file names.",
        )
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        fail(
            op,
            f"a {header_len}-byte header for {ndim} dimensions in {name}",
            f"{len(data)} bytes",
            hint="the file is truncated; download it again.",
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_len = header_len + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected_len:
        problem = "truncated" if len(data) < expected_len else "followed by extra bytes"
        fail(
            op,
            f"{expected_len} bytes in {name} ({header_len}-byte header + dims {dims} of 1 byte)",
            f"{len(data)} bytes: the file is {problem}",
            hint="download it again (an interrupted download or a wrong file).",
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(dims)


def read_idx(path: str | os.PathLike, kind: str | None = None, sha256: str | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip), check its header and optionally its SHA-256.

    Args:
        path: the file, e.g. ``.../train-images-idx3-ubyte.gz``.
        kind: ``"labels"``, ``"images"`` or ``None``; see ``parse_idx``.
        sha256: expected SHA-256 of the *decompressed* content, or ``None`` to skip.

    Returns:
        uint8 array (N,) for labels, (N, H, W) for images (read-only).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: corrupt gzip, bad header, wrong length, or checksum mismatch.
    """
    path = Path(path)
    data = read_bytes(path)
    array = parse_idx(data, kind=kind, name=str(path))  # header checks first: clearer errors
    if sha256 is not None:
        verify_sha256(data, sha256, str(path))
    return array


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of a uint8 array (uncompressed): header then data. Used to make test files.

    Args:
        array: uint8 array of any shape, e.g. labels (N,) or images (N, H, W).

    Returns:
        ``bytes([0, 0, 8, ndim]) + dims as big-endian uint32 + array bytes``.

    >>> encode_idx(np.array([1, 2], dtype=np.uint8)).hex(" ")
    '00 00 08 01 00 00 00 02 01 02'
    """
    if array.dtype != np.uint8:
        fail(
            "encode_idx",
            "a uint8 array",
            f"dtype {array.dtype} with shape {array.shape}",
            hint="convert with array.astype(numpy.uint8).",
            exc=TypeError,
        )
    header = bytes([0, 0, UBYTE, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array).tobytes()
