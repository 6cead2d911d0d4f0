"""Saving and loading: plain-data files (arrays + JSON), never pickle; PyTorch interop.

- ``save_arrays(path, arrays, meta)`` / ``load_arrays(path) -> (arrays, meta)``: one verified
  ``.npz`` holding named arrays and JSON metadata, written atomically (``archive.py``).
- ``save(model, path)`` / ``load(path) -> Module``: a model's architecture and parameters
  (``model.py``).
- ``to_torch_state_dict``, ``from_torch_state_dict``, ``to_torch_module``: the same model in
  PyTorch (``torch_compat.py``; torch is imported only when these are called).

Read in this order: ``archive.py``, ``model.py``, ``torch_compat.py``.
"""

from .archive import load_arrays, save_arrays
from .model import load, save
from .torch_compat import from_torch_state_dict, to_torch_module, to_torch_state_dict

__all__ = [
    "from_torch_state_dict",
    "load",
    "load_arrays",
    "save",
    "save_arrays",
    "to_torch_module",
    "to_torch_state_dict",
]
