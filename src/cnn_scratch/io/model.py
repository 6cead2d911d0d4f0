"""``save(model, path)`` / ``load(path)``: a whole model as data (arrays + a JSON architecture).

A model file is a ``save_arrays`` file (see ``archive.py``) holding the ``state_dict``
arrays (PyTorch's names and layouts, e.g. ``"0.weight"`` of shape (C_out, C_in, KH, KW))
and, in its metadata, a description of the layers built from each layer's class
name and ``config()``::

    {"type": "Sequential", "config": {}, "children": [
        {"type": "Conv2d", "config": {"in_channels": 1, "out_channels": 8, ...}},
        {"type": "ReLU", "config": {}},
        ...]}

``load`` rebuilds the model only from an allow-list: the ``Module`` classes exported by
``cnn_scratch.nn`` (its ``__all__``), looked up by name, called with the JSON config
as keyword arguments (containers receive their rebuilt children positionally). No
pickle, no import of arbitrary names: loading a stranger's file runs no code of theirs.
Read next: ``torch_compat.py`` (moving the same model to and from PyTorch).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validate import fail
from .archive import load_arrays, save_arrays

KIND = "cnn-scratch-model"


def allowed_types() -> dict[str, type]:
    """The layer classes ``load`` may build: ``Module`` subclasses in ``cnn_scratch.nn.__all__``.

    Returns:
        ``{class name: class}``, e.g. ``{"Conv2d": Conv2d, "Linear": Linear, ...}``.
    """
    from .. import nn

    out = {}
    for name in getattr(nn, "__all__", ()):
        obj = getattr(nn, name, None)
        if isinstance(obj, type) and issubclass(obj, nn.Module) and obj is not nn.Module:
            out[obj.__name__] = obj
    return out


def describe(module) -> dict:
    """The JSON description of ``module``: ``{"type", "config"}`` plus ``"children"`` for containers.

    Args:
        module: a ``cnn_scratch.nn.Module`` built from allow-listed layers.

    Returns:
        A nested dict of JSON types.

    Raises:
        TypeError: a layer whose class is not exported by ``cnn_scratch.nn``.
    """
    allowed = allowed_types()
    name = type(module).__name__
    if allowed.get(name) is not type(module):
        fail(
            "io.save",
            f"layers from cnn_scratch.nn ({', '.join(sorted(allowed))})",
            f"a module of type {type(module).__module__}.{name}",
            hint="build the model from nn.Sequential and the library's layers, or save its "
            "state_dict() with io.save_arrays and rebuild it in your own code.",
            exc=TypeError,
        )
    desc = {"type": name, "config": dict(module.config())}
    children = list(module.children())
    if children:
        desc["children"] = [describe(c) for c in children]
    return desc


def build(desc: dict, where: str = "model"):
    """Rebuild a (freshly initialised) module from a ``describe`` dict, allow-listed types only.

    Args:
        desc: ``{"type": name, "config": {...}, "children": [...]}``.
        where: position in the tree, for error messages (e.g. ``"model.children[2]"``).

    Returns:
        The new module.

    Raises:
        ValueError: an unknown type, a malformed entry, or a config the constructor rejects.
    """
    op = "io.load"
    allowed = allowed_types()
    if not isinstance(desc, dict) or not isinstance(desc.get("type"), str):
        fail(op, f'a layer description {{"type": ..., "config": {{...}}}} at {where}', f"{desc!r:.200}")
    name = desc["type"]
    if name not in allowed:
        fail(
            op,
            f"a layer type from the allow-list ({', '.join(sorted(allowed))}) at {where}",
            f"type {name!r}",
            hint="the file was written by a newer version or describes a layer this library does not have.",
        )
    config = desc.get("config", {})
    children = desc.get("children", [])
    if not isinstance(config, dict) or not isinstance(children, list):
        fail(op, f"a dict config and a list of children at {where}", f"{desc!r:.200}")
    kids = [build(c, f"{where}.children[{i}]") for i, c in enumerate(children)]
    try:
        return allowed[name](*kids, **config)
    except (TypeError, ValueError) as err:
        fail(
            op,
            f"a valid configuration for {name} at {where}",
            f"config {config!r} ({err})",
            hint="the file is damaged or was written by an incompatible version.",
        )


def save(model, path: str | os.PathLike) -> Path:
    """Write ``model`` (architecture + parameters) to one ``.npz`` file, atomically.

    Args:
        model: a module built from ``cnn_scratch.nn`` layers (e.g. an ``nn.Sequential``).
        path: destination file, e.g. ``"runs/mnist/model.npz"``.

    Returns:
        The path written.

    Raises:
        TypeError: a layer that ``load`` could not rebuild (checked before writing).

    >>> import tempfile, pathlib
    >>> from cnn_scratch import nn
    >>> model = nn.Linear(3, 2)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save(model, pathlib.Path(d) / "m.npz")
    ...     again = load(p)
    >>> bool(np.array_equal(again.weight.data, model.weight.data))
    True
    """
    arch = describe(model)
    state = model.state_dict()
    # Refuse now what load could not read later: rebuild and compare names and shapes.
    rebuilt = {k: v.shape for k, v in build(arch).state_dict().items()}
    if rebuilt != {k: v.shape for k, v in state.items()}:
        fail(
            "io.save",
            f"the model rebuilt from its description to have parameters {rebuilt}",
            "parameters " + str({k: v.shape for k, v in state.items()}),
            hint="a layer's config() does not describe it fully; fix config() or use io.save_arrays.",
            exc=TypeError,
        )
    from .. import __version__

    return save_arrays(path, state, {"kind": KIND, "architecture": arch, "cnn_scratch_version": __version__})


def load(path: str | os.PathLike):
    """Read a model written by ``save``: rebuild its layers, then load its parameters.

    Args:
        path: the file.

    Returns:
        The model (a ``cnn_scratch.nn.Module``), in training mode, parameters with the
        saved dtypes.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a damaged file (see ``load_arrays``), not a model file, an unknown layer
            type, or parameters whose names or shapes do not match the architecture.
    """
    arrays, meta = load_arrays(path)
    if meta.get("kind") != KIND or "architecture" not in meta:
        fail(
            "io.load",
            f"a model file written by cnn_scratch.io.save (kind {KIND!r}) at {path}",
            f"metadata of kind {meta.get('kind')!r} with keys {sorted(meta)}",
            hint="a training checkpoint or a plain array file is read with io.load_arrays "
            "(or train.load_checkpoint), not io.load.",
        )
    odd = {k: a.dtype.name for k, a in arrays.items() if a.dtype not in (np.float32, np.float64)}
    if odd:
        fail(
            "io.load",
            f"parameters of dtype float32 or float64 in {path}",
            f"dtypes {odd}",
            hint="the file was not written by cnn_scratch.io.save, or was modified after saving.",
        )
    model = build(meta["architecture"])
    try:
        model.load_state_dict(arrays)
    except ValueError as err:
        raise ValueError(f"io.load: {path}: the parameters do not fit the architecture: {err}") from err
    for name, p in model.named_parameters():
        if p.data.dtype != arrays[name].dtype:  # keep the saved dtype (e.g. float64)
            p.data = arrays[name].copy()
            p.grad = np.zeros_like(p.data)
    return model
