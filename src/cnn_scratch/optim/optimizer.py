"""``Optimizer``: the base of SGD and Adam: a parameter list, per-parameter state and hyper-parameters.

An optimizer holds the ``Parameter`` objects of a model (one group, in the order
given), reads their ``.grad`` in ``step()`` and updates ``.data`` in place, and
keeps per-parameter state (momentum buffers, Adam moments) in ``self.state[i]``
keyed by the parameter's index, as PyTorch does. Hyper-parameters are plain
attributes (``optimizer.lr``); learning-rate schedulers change ``optimizer.lr``.

``state_dict()`` has PyTorch's layout::

    {"state": {0: {"momentum_buffer": array}, 1: {...}},
     "param_groups": [{"lr": 0.1, "momentum": 0.9, ..., "params": [0, 1, ...]}]}

and ``load_state_dict`` of it makes a new optimizer continue exactly where the
old one stopped (the arrays are copied both ways). State keys may also be strings
(``"0"``), as they become after a JSON round trip.
Read next: ``sgd.py``, then ``adam.py``.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from .._validate import fail
from ..nn.module import Parameter


class Optimizer:
    """Base class: stores parameters, state and hyper-parameters; sub-classes implement ``step``.

    Args:
        params: an iterable of ``Parameter`` (e.g. ``model.parameters()``); must not be empty.
        defaults: hyper-parameter name -> value; each becomes an attribute (``self.lr``).

    Attributes:
        params: the list of parameters, in the given order.
        state: ``dict`` index -> ``dict`` of state arrays/values for that parameter.
    """

    def __init__(self, params, defaults: dict):
        name = type(self).__name__
        if isinstance(params, Parameter):
            fail(
                name,
                "an iterable of Parameters",
                "a single Parameter",
                hint="wrap it in a list: [param], or pass model.parameters().",
                exc=TypeError,
            )
        params = list(params)
        if not params:
            fail(
                name,
                "a non-empty list of parameters",
                "an empty list",
                hint="pass model.parameters() of a model that has weights.",
            )
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                fail(
                    name,
                    "every element of params to be a Parameter",
                    f"{type(p).__name__} at index {i}",
                    hint="pass model.parameters().",
                    exc=TypeError,
                )
        if len({id(p) for p in params}) != len(params):
            fail(name, "each parameter once", "a list with duplicates", hint="remove repeated parameters.")
        self.params: list[Parameter] = params
        self.state: dict[int, dict] = {}
        self.defaults = dict(defaults)
        for key, value in defaults.items():
            setattr(self, key, value)

    # -- the update -----------------------------------------------------------------
    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to zero (in place)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter from its ``.grad`` (implemented by sub-classes)."""
        raise NotImplementedError(f"{type(self).__name__}.step is not implemented")

    # -- hyper-parameters ---------------------------------------------------------------
    def hyperparameters(self) -> dict:
        """Current values of the hyper-parameters (as schedulers may have changed them)."""
        out = {}
        for key in self.defaults:
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {inner})"

    # -- state ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """A copy of the optimizer's state in PyTorch's layout (see the module docstring)."""
        state = {
            i: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for i, s in self.state.items()
        }
        group = self.hyperparameters()
        group["params"] = list(range(len(self.params)))
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``.

        Arrays are copied and cast to each parameter's dtype; their shapes must match.
        """
        op = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            fail(
                op,
                'a dict with keys "state" and "param_groups"',
                f"{type(state_dict).__name__}"
                + (f" with keys {sorted(state_dict)}" if isinstance(state_dict, dict) else ""),
                hint="pass what optimizer.state_dict() returned.",
                exc=TypeError,
            )
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0].get("params", [])) != len(self.params):
            fail(
                op,
                f"one parameter group with {len(self.params)} parameters",
                f"{len(groups)} group(s) with {[len(g.get('params', [])) for g in groups]} parameters",
                hint="the optimizer must be built over the same model as the saved one.",
            )
        new_state: dict[int, dict] = {}
        for key, saved in state_dict["state"].items():
            i = int(key)
            if not 0 <= i < len(self.params):
                fail(op, f"state indices in 0..{len(self.params) - 1}", f"index {key!r}")
            p = self.params[i]
            entry = {}
            for name, value in saved.items():
                if isinstance(value, np.ndarray) or (hasattr(value, "shape") and not np.isscalar(value)):
                    arr = np.asarray(value)
                    if arr.shape != p.shape:
                        fail(
                            op,
                            f"state {name!r} of parameter {i} with shape {p.shape}",
                            f"shape {arr.shape}",
                            hint="the optimizer must be built over the same model as the saved one.",
                        )
                    entry[name] = arr.astype(p.dtype, copy=True)
                else:
                    entry[name] = copy.deepcopy(value)
            new_state[i] = entry
        for key in self.defaults:
            if key in groups[0]:
                value = groups[0][key]
                if isinstance(self.defaults[key], tuple):
                    value = tuple(value)
                elif isinstance(value, numbers.Number) and not isinstance(value, bool):
                    value = type(self.defaults[key])(value) if self.defaults[key] is not None else value
                setattr(self, key, value)
        self.state = new_state


def check_hyper(op: str, name: str, value, low: float = 0.0, high: float | None = None, high_open=False):
    """Check a numeric hyper-parameter is in ``[low, high]`` (or ``[low, high)``); return it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(op, f"{name} as a number", f"{name}={value!r}", exc=TypeError)
    value = float(value)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not (value >= low) or too_high:  # `not >=` also catches NaN
        bound = "" if high is None else (f", < {high}" if high_open else f", <= {high}")
        fail(op, f"{name} >= {low}{bound}", f"{name}={value!r}", hint=f"{name} cannot be {value!r}.")
    return value
