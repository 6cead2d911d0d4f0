"""Move a model to and from PyTorch: same ``state_dict`` keys, same layouts, same numbers.

Every layer here uses PyTorch's parameter names and shapes (conv weight
(C_out, C_in, KH, KW), linear weight (out_features, in_features)), so the
conversion is a change of array type and nothing else:

- ``to_torch_state_dict(model)``: ``{name: torch.Tensor}`` for ``torch_module.load_state_dict``;
- ``from_torch_state_dict(model, state_dict)``: copy a torch ``state_dict`` into ``model``;
- ``to_torch_module(model)``: build the equivalent ``torch.nn`` module (each layer's class
  name and ``config()`` are PyTorch's constructor arguments) and load the weights.

torch is an optional dependency: it is imported only inside these functions.
Read next: ``tests/test_io.py`` (the parity checks: same logits both ways).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .._validate import fail


def _torch(op: str):
    """Import torch, or raise an ImportError saying how to install it."""
    try:
        import torch
    except ImportError as err:
        fail(
            op,
            "PyTorch to be installed (an optional dependency)",
            f"ImportError: {err}",
            hint="pip install torch==2.13.0 (or pip install 'cnn-scratch[torch]').",
            exc=ImportError,
        )
    return torch


def to_torch_state_dict(model) -> OrderedDict:
    """The model's parameters as CPU ``torch.Tensor``s (copies), same keys and layouts.

    Args:
        model: a ``cnn_scratch.nn.Module``.

    Returns:
        ``OrderedDict`` ``{name: tensor}``, e.g. ``"0.weight"`` -> (C_out, C_in, KH, KW), same dtype.
    """
    torch = _torch("to_torch_state_dict")
    return OrderedDict((k, torch.from_numpy(np.ascontiguousarray(v))) for k, v in model.state_dict().items())


def from_torch_state_dict(model, state_dict):
    """Copy a PyTorch ``state_dict`` into ``model`` (names and shapes must match); return ``model``.

    Args:
        model: a ``cnn_scratch.nn.Module`` with the same architecture.
        state_dict: ``{name: torch.Tensor or ndarray}``, e.g. ``torch_model.state_dict()``.

    Returns:
        ``model``, whose parameters keep their own dtype.

    Raises:
        ValueError: missing/unexpected names or a shape mismatch (from ``load_state_dict``).
    """
    arrays = OrderedDict()
    for k, v in state_dict.items():
        if hasattr(v, "detach"):  # a torch.Tensor: no torch import needed to convert it
            v = v.detach().cpu().numpy()
        arrays[k] = np.asarray(v)
    model.load_state_dict(arrays)
    return model


def _torch_layer(torch, module, where: str):
    """Build the ``torch.nn`` counterpart of one layer (recursively for containers)."""
    name = type(module).__name__
    children = list(module.children())
    config = dict(module.config())
    config.pop("dtype", None)  # dtype is applied to the whole module afterwards
    cls = getattr(torch.nn, name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        fail(
            "to_torch_module",
            f"a layer that torch.nn also has, at {where}",
            f"type {name!r}",
            hint="convert the weights with to_torch_state_dict and build the torch model by hand.",
            exc=TypeError,
        )
    kids = [_torch_layer(torch, c, f"{where}.{i}") for i, c in enumerate(children)]
    try:
        return cls(*kids, **config)
    except (TypeError, ValueError) as err:
        fail(
            "to_torch_module",
            f"torch.nn.{name} to accept config {config!r} at {where}",
            f"{err}",
            exc=TypeError,
        )


def to_torch_module(model):
    """The equivalent ``torch.nn`` module with the same weights, dtype and train/eval mode.

    Args:
        model: a model of layers that exist in ``torch.nn`` under the same name
            (``Sequential``, ``Conv2d``, ``Linear``, ``ReLU``, ``MaxPool2d``, ``Flatten``, ...).

    Returns:
        A ``torch.nn.Module`` such that ``torch_module(torch.from_numpy(x))`` equals ``model(x)``
        up to floating-point rounding.

    Raises:
        TypeError: a layer torch.nn does not have, or a config it rejects.
        ImportError: torch is not installed.
    """
    torch = _torch("to_torch_module")
    tmodel = _torch_layer(torch, model, type(model).__name__)
    dtypes = {p.dtype for p in model.parameters()}
    if dtypes == {np.dtype(np.float64)}:
        tmodel = tmodel.double()
    tmodel.load_state_dict(to_torch_state_dict(model))
    tmodel.train(model.training)
    return tmodel
