"""Training checkpoints: everything a run needs to continue exactly where it stopped.

One file (``<checkpoint_dir>/checkpoint.npz``) written with ``io.save_arrays``
(atomic: the previous checkpoint survives a failed write; no pickle) holds:

- the model's ``state_dict`` (arrays ``model.<name>``);
- the optimizer's and the scheduler's ``state_dict`` (nested dicts whose arrays
  become ``optimizer.<i>`` / ``scheduler.<i>`` and whose other values go to JSON);
- the state of every random generator: the shuffling generator given to ``fit``
  and each ``numpy.random.Generator`` held by a layer (``Dropout``), as
  ``bit_generator.state`` dicts in JSON;
- the progress: epochs finished, batches finished in the current epoch, and the
  running sums of that epoch (a run stopped by Ctrl-C mid-epoch resumes mid-epoch);
- the ``History`` so far.

Nested state dicts are stored losslessly: int and str dict keys, tuples, NumPy
scalars (kept with their dtype) and arrays all come back as they went in.
Read next: ``loop.py``, which writes and reads these.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import io
from .._validate import fail

KIND = "cnn_scratch.checkpoint"
VERSION = 1
FILENAME = "checkpoint.npz"


# -- lossless nesting: arrays out to the archive, the rest to JSON ----------------------
def encode_state(obj, prefix: str, arrays: dict[str, np.ndarray]):
    """Return a JSON-able description of ``obj``, moving its arrays into ``arrays``.

    Arrays become ``{"__array__": key}``, NumPy scalars ``{"__scalar__": key}`` (a 0-d
    array, so the dtype survives), tuples ``{"__tuple__": [...]}`` and dicts
    ``{"__dict__": [[key, value], ...]}`` (int keys stay ints).

    >>> arrays = {}
    >>> enc = encode_state({0: {"buf": np.zeros(2)}, "lr": 0.1}, "opt", arrays)
    >>> sorted(arrays), decode_state(enc, arrays)["lr"]
    (['opt.0'], 0.1)
    """
    if isinstance(obj, np.ndarray):
        key = f"{prefix}.{len([k for k in arrays if k.startswith(prefix + '.')])}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, np.generic):
        key = f"{prefix}.{len([k for k in arrays if k.startswith(prefix + '.')])}"
        arrays[key] = np.asarray(obj)
        return {"__scalar__": key}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                fail(
                    "save_checkpoint",
                    "state dicts keyed by str or int",
                    f"key {k!r} of type {type(k).__name__}",
                    exc=TypeError,
                )
        return {"__dict__": [[k, encode_state(v, prefix, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode_state(v, prefix, arrays) for v in obj]}
    if isinstance(obj, list):
        return [encode_state(v, prefix, arrays) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    fail(
        "save_checkpoint",
        "a state made of dicts, lists, tuples, numbers, strings and numpy arrays",
        f"an object of type {type(obj).__name__}",
        hint="state_dict() must return plain data, not objects.",
        exc=TypeError,
    )


def decode_state(obj, arrays: dict[str, np.ndarray]):
    """Invert ``encode_state``: rebuild the nested value, taking arrays from ``arrays``."""
    if isinstance(obj, list):
        return [decode_state(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            return arrays[obj["__array__"]]
        if "__scalar__" in obj:
            return arrays[obj["__scalar__"]][()]
        if "__tuple__" in obj:
            return tuple(decode_state(v, arrays) for v in obj["__tuple__"])
        if "__dict__" in obj:
            return {k: decode_state(v, arrays) for k, v in obj["__dict__"]}
        fail("load_checkpoint", "an encoded state", f"a dict with keys {sorted(obj)}")
    return obj


# -- random generators ------------------------------------------------------------------
def module_generators(model) -> dict[str, np.random.Generator]:
    """Every ``numpy.random.Generator`` held as an attribute by the model or its layers.

    Keys are ``"<module name>.<attribute>"`` (e.g. ``"3.rng"`` for a Dropout at index 3).
    """
    found = {}
    for mod_name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{mod_name}.{attr}" if mod_name else attr] = value
    return found


def generator_states(model, rng: np.random.Generator | None) -> dict:
    """JSON-able states: ``{"shuffle": state or None, "modules": {name: state}}``."""
    return {
        "shuffle": None if rng is None else rng.bit_generator.state,
        "modules": {k: g.bit_generator.state for k, g in module_generators(model).items()},
    }


def restore_generators(states: dict, model, rng: np.random.Generator | None) -> None:
    """Put back the states recorded by ``generator_states`` (in place)."""
    if rng is not None and states.get("shuffle") is not None:
        rng.bit_generator.state = states["shuffle"]
    gens = module_generators(model)
    for name, state in states.get("modules", {}).items():
        if name not in gens:
            fail(
                "load_checkpoint",
                f"a random generator at {name!r} in the model",
                f"generators at {sorted(gens)}",
                hint="resume with the same model architecture (and the same rng arguments).",
            )
        gens[name].bit_generator.state = state


# -- files ------------------------------------------------------------------------------
def checkpoint_path(checkpoint_dir: str | os.PathLike) -> Path:
    """Path of the checkpoint file inside ``checkpoint_dir``."""
    return Path(checkpoint_dir) / FILENAME


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model,
    optimizer,
    scheduler=None,
    generators: dict,
    progress: dict,
    history: dict,
) -> None:
    """Write a checkpoint atomically with ``io.save_arrays``.

    Args:
        path: file to write (usually ``checkpoint_path(dir)``); its folder is created.
        model: the ``Module`` being trained.
        optimizer: its optimizer (has ``state_dict()``).
        scheduler: learning-rate scheduler or ``None``.
        generators: output of ``generator_states``.
        progress: JSON-able dict (epochs done, batches done, running sums...).
        history: ``History.to_dict()``.
    """
    arrays: dict[str, np.ndarray] = {f"model.{k}": v for k, v in model.state_dict().items()}
    meta = {
        "kind": KIND,
        "version": VERSION,
        "optimizer": encode_state(optimizer.state_dict(), "optimizer", arrays),
        "scheduler": None if scheduler is None else encode_state(scheduler.state_dict(), "scheduler", arrays),
        "generators": generators,
        "progress": progress,
        "history": history,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    io.save_arrays(path, arrays, {"checkpoint": meta})


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by ``save_checkpoint``.

    Returns:
        dict with ``model`` (state_dict), ``optimizer``, ``scheduler`` (state dicts or
        ``None``), ``generators``, ``progress`` and ``history``.

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file is damaged or is not a training checkpoint.
    """
    arrays, meta = io.load_arrays(path)
    info = meta.get("checkpoint") if isinstance(meta, dict) else None
    if not isinstance(info, dict) or info.get("kind") != KIND:
        fail(
            "load_checkpoint",
            f"a training checkpoint ({KIND})",
            f"{path}, which holds no checkpoint metadata",
            hint="pass the checkpoint written by fit(checkpoint_dir=...), not a saved model.",
        )
    if info.get("version") != VERSION:
        fail("load_checkpoint", f"checkpoint version {VERSION}", f"version {info.get('version')!r} in {path}")
    model_state = {k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")}
    return {
        "model": model_state,
        "optimizer": decode_state(info["optimizer"], arrays),
        "scheduler": None if info["scheduler"] is None else decode_state(info["scheduler"], arrays),
        "generators": info["generators"],
        "progress": info["progress"],
        "history": info["history"],
    }
