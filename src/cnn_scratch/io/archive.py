"""``save_arrays`` / ``load_arrays``: named arrays plus JSON metadata in one verified ``.npz`` file.

This is the one file format of the project (models and training checkpoints use it).
It is data only, never a pickle: loading a file from a stranger runs no code.

Layout: a standard NumPy ``.npz`` (a zip of ``.npy`` files) with

    <name>.npy      one entry per array (numeric or bool dtypes only)
    __meta__.npy    uint8 array: the UTF-8 bytes of a JSON document
                    {"format": "cnn-scratch-arrays", "version": 1,
                     "arrays": {name: {"dtype": "<f4", "shape": [...]}},
                     "sha256": digest of the arrays, "meta": the caller's metadata}

The digest is SHA-256 over, for each name in sorted order, the name, the dtype, the
shape and the raw little/big-endian bytes of the array as stored (C order), so any
change to names, shapes or values is detected.

Writing is atomic: the file is written to a temporary file in the same directory,
flushed to disk (``fsync``) and renamed over the target (``os.replace``). A crash or
error while saving leaves the old file, if any, untouched.

Reading opens the archive with ``allow_pickle=False``, checks the zip CRCs, the format
name and version, the listed names, dtypes and shapes, and the digest. Any problem is a
``ValueError`` naming the file and what is wrong, never a raw zipfile traceback.
Read next: ``model.py`` (a whole model in this format).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._atomic import atomic_open
from .._validate import fail

FORMAT = "cnn-scratch-arrays"
VERSION = 1
META_KEY = "__meta__"
ZIP_MAGIC = b"PK\x03\x04"
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex: plain bytes, no Python objects


def digest_arrays(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of names, dtypes, shapes and bytes of ``arrays``, in sorted-name order.

    >>> a = {"w": np.zeros((2, 2), np.float32)}
    >>> digest_arrays(a) == digest_arrays({"w": np.zeros((2, 2), np.float32)})
    True
    >>> digest_arrays(a) == digest_arrays({"w": np.zeros((2, 2), np.float64)})
    False
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}\0{a.dtype.str}\0{list(a.shape)}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _write_npz(f, entries: dict[str, np.ndarray]) -> None:
    """Write ``entries`` as an uncompressed .npz to the open binary file ``f``."""
    np.savez(f, **entries)


def save_arrays(
    path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta: Mapping | None = None
) -> Path:
    """Write ``arrays`` and JSON ``meta`` atomically into one ``.npz`` file at ``path``.

    Args:
        path: destination (the name is used as given; no extension is added).
        arrays: ``{name: ndarray}`` with numeric or bool dtypes, e.g. a ``state_dict()``.
        meta: JSON-serializable dict (numbers, strings, lists, dicts, bools, None).

    Returns:
        The path written.

    Raises:
        TypeError: a non-array, an object/str dtype, a bad name, or meta that is not JSON.
    """
    op = "save_arrays"
    path = Path(path)
    meta = {} if meta is None else dict(meta)
    entries, listing = {}, {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == META_KEY or "/" in name or "\\" in name:
            fail(
                op,
                f"array names as non-empty strings without '/' other than {META_KEY!r}",
                f"name {name!r}",
                hint="use state_dict-style names such as '0.weight'.",
                exc=TypeError,
            )
        a = np.asarray(value)
        if a.dtype.kind not in _ALLOWED_KINDS:
            fail(
                op,
                "numeric or bool arrays (a file holds plain data, never pickled objects)",
                f"array {name!r} with dtype {a.dtype} and shape {a.shape}",
                hint="convert it to a numeric dtype, or store text in meta.",
                exc=TypeError,
            )
        entries[name] = a
        listing[name] = {"dtype": a.dtype.str, "shape": list(a.shape)}
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "arrays": listing,
        "sha256": digest_arrays(entries),
        "meta": meta,
    }
    try:
        text = json.dumps(doc, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError) as err:
        fail(
            op,
            "meta made of JSON types (dict, list, str, int, float, bool, None)",
            f"{err}",
            hint="convert numpy scalars with float(x) / int(x) and arrays with .tolist().",
            exc=TypeError,
        )
    entries[META_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # (n_bytes,)

    with atomic_open(path, "wb") as f:
        _write_npz(f, entries)
    return path


def _bad(path: Path, problem: str, hint: str = "") -> None:
    fail(
        "load_arrays",
        f"a cnn-scratch array file ({FORMAT} version {VERSION}) at {path}",
        problem,
        hint=hint or "the file is truncated, corrupted or was not written by cnn_scratch.io.save_arrays.",
    )


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by ``save_arrays``; verify it completely before returning.

    Args:
        path: the ``.npz`` file.

    Returns:
        arrays: ``{name: ndarray}`` exactly as saved (same dtypes and shapes).
        meta: the caller's metadata dict as saved.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: not a zip/npz, truncated, CRC error, pickled (object) entry, unknown
            format or version, missing/extra entries, or a digest mismatch.
    """
    path = Path(path)
    if not path.is_file():
        fail("load_arrays", "an existing file", f"{path} (no such file)", exc=FileNotFoundError)
    with open(path, "rb") as f:
        head = f.read(4)
    if head != ZIP_MAGIC:
        _bad(
            path,
            f"a file starting with bytes {head.hex(' ') or '(empty)'} instead of a zip header "
            f"({ZIP_MAGIC.hex(' ')})",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            bad_entry = zf.testzip()  # reads every entry and checks its CRC-32
            names = zf.namelist()
    except Exception as err:  # any failure to parse an untrusted file becomes one clear error
        _bad(path, f"an unreadable zip archive ({type(err).__name__}: {err})")
    if bad_entry is not None:
        _bad(path, f"a CRC-32 mismatch in entry {bad_entry!r} (the bytes changed after saving)")
    if f"{META_KEY}.npy" not in names:
        _bad(
            path,
            f"no {META_KEY} entry (entries: {sorted(names)})",
            hint="this .npz was not written by cnn_scratch.io.save_arrays.",
        )
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            raw_meta = npz[META_KEY]
            for key in npz.files:
                if key != META_KEY:
                    arrays[key] = npz[key]
                    if not isinstance(arrays[key], np.ndarray):  # a zip entry that is not a .npy file
                        raise ValueError(f"entry {key!r} is not a .npy array")
    except ValueError as err:
        if "pickle" in str(err).lower() or "object" in str(err).lower():
            _bad(
                path,
                f"an entry holding pickled Python objects ({err})",
                hint="pickled data is never loaded, since it could run code; re-save with numeric arrays.",
            )
        _bad(path, f"an unreadable .npy entry ({type(err).__name__}: {err})")
    except Exception as err:
        _bad(path, f"an unreadable .npy entry ({type(err).__name__}: {err})")
    try:
        if raw_meta.dtype != np.uint8 or raw_meta.ndim != 1:
            raise ValueError(f"dtype {raw_meta.dtype}, shape {raw_meta.shape}")
        doc = json.loads(raw_meta.tobytes().decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError(f"a JSON {type(doc).__name__}, not an object")
    except Exception as err:
        _bad(path, f"an unreadable metadata entry ({type(err).__name__}: {err})")
    if doc.get("format") != FORMAT:
        _bad(path, f"format {doc.get('format')!r}", hint=f"only {FORMAT!r} files can be read here.")
    version = doc.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        _bad(
            path,
            f"version {version!r}",
            hint=f"this library reads version {VERSION}; a newer file needs a newer cnn-scratch.",
        )
    listing = doc.get("arrays")
    if not isinstance(listing, dict) or set(listing) != set(arrays):
        _bad(
            path,
            f"entries {sorted(arrays)} while the metadata lists "
            f"{sorted(listing) if isinstance(listing, dict) else listing!r}",
            hint="an entry was added or removed after saving.",
        )
    for name, a in arrays.items():
        info = listing[name]
        if (
            not isinstance(info, dict)
            or info.get("dtype") != a.dtype.str
            or info.get("shape") != list(a.shape)
        ):
            _bad(
                path,
                f"array {name!r} of dtype {a.dtype.str} and shape {list(a.shape)} while the metadata "
                f"says {info!r}",
                hint="the file was modified after saving.",
            )
    actual = digest_arrays(arrays)
    if actual != doc.get("sha256"):
        _bad(
            path,
            f"array content with SHA-256 {actual}, not the recorded {doc.get('sha256')!r}",
            hint="the arrays were modified or corrupted after saving; use another copy.",
        )
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        _bad(path, f"metadata of type {type(meta).__name__}")
    return arrays, meta
