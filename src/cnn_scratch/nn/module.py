"""``Parameter`` and ``Module``: the base of every layer, shaped like PyTorch's.

A ``Parameter`` is an array (``.data``) with a gradient of the same shape
(``.grad``) that accumulates over ``backward`` calls until ``zero_grad()``.
A ``Module`` holds parameters and sub-modules, runs ``forward`` when called,
and runs ``backward(dout) -> dx`` through what it cached in the last forward.
Names given to attributes become the ``state_dict`` keys, exactly as in
PyTorch (``"0.weight"``, ``"features.3.bias"``).
Read next: ``conv.py`` for a layer built on this.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from .._validate import fail

IMPLEMENTATIONS = ("fast", "naive")


def float_dtype(op: str, dtype) -> np.dtype:
    """Return ``numpy.dtype(dtype)`` after checking it is float32 or float64."""
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        fail(
            op,
            "dtype float32 or float64",
            f"dtype={dt}",
            hint="float32 to train, float64 to check.",
            exc=TypeError,
        )
    return dt


class Parameter:
    """A trainable array and its accumulated gradient.

    Attributes:
        data: the values, any shape (e.g. ``(C_out, C_in, KH, KW)`` for a conv weight).
        grad: same shape and dtype as ``data``; ``backward`` adds into it.
    """

    __slots__ = ("data", "grad")

    def __init__(self, data: np.ndarray):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``data``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """Dtype of ``data``."""
        return self.data.dtype

    def zero_grad(self) -> None:
        """Reset the accumulated gradient to zeros (in place)."""
        self.grad[...] = 0

    def accumulate(self, g: np.ndarray) -> None:
        """Add ``g`` (same shape as ``data``) to ``grad`` in place."""
        self.grad += g

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of layers and models.

    Sub-classes set parameters and sub-modules as attributes in ``__init__``
    and implement ``forward(x)`` and ``backward(dout)``.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "impl", "fast")

    # -- registration ---------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            fail(
                type(self).__name__,
                "Module.__init__() to run before attributes are set",
                f"attribute {name!r} set first",
                hint="call super().__init__() at the top of your __init__.",
                exc=TypeError,
            )
        params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        params.pop(name, None)
        modules.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under ``name`` (``None`` records an absent one, like ``bias=False``)."""
        if param is None:
            self.__dict__["_parameters"].pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        """Add a sub-module under ``name``."""
        setattr(self, name, module)

    # -- calling --------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Run ``forward``: ``layer(x)`` is ``layer.forward(x)``."""
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """Compute the output and cache what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Given dL/d(output), accumulate parameter gradients and return dL/d(input)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def _require_cache(self, cache):
        """Return ``cache`` or raise the standard 'backward before forward' error."""
        if cache is None:
            fail(
                type(self).__name__ + ".backward",
                "a forward call first (backward uses what forward cached)",
                "backward called with no cached forward",
                hint="call out = layer(x) before layer.backward(dout).",
            )
        return cache

    def _kernel(self, name: str):
        """The functional kernel ``name`` for ``self.impl``: ``F.name`` ("fast") or ``F.name_naive``."""
        from .. import functional as F  # imported here: functional is a lower layer, loaded on first use

        return getattr(F, name if self.impl == "fast" else f"{name}_naive")

    def _accumulate_weight_and_bias(self, dweight: np.ndarray, dbias: np.ndarray | None) -> None:
        """Add the gradients of a layer's ``weight`` and (if it has one) ``bias`` parameters."""
        self.weight.accumulate(dweight)
        if self.bias is not None:
            self.bias.accumulate(dbias)

    # -- traversal ------------------------------------------------------------------
    def children(self) -> Iterator[Module]:
        """Immediate sub-modules, in registration order."""
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all sub-modules, with dotted names (``""`` for self)."""
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and all sub-modules."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """All parameters with PyTorch-style dotted names, e.g. ``"0.weight"``."""
        for mod_name, m in self.named_modules(prefix):
            for p_name, p in m._parameters.items():
                yield (f"{mod_name}.{p_name}" if mod_name else p_name), p

    def parameters(self) -> list[Parameter]:
        """All parameters, in ``named_parameters`` order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for p in self.parameters():
            p.zero_grad()

    # -- modes ----------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active) on this module and its children."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout off); same as ``train(False)``."""
        return self.train(False)

    def use_impl(self, impl: str) -> Module:
        """Choose the ``"fast"`` (vectorized, default) or ``"naive"`` (loop) kernels.

        Applies to this module and all sub-modules; returns ``self``.
        """
        if impl not in IMPLEMENTATIONS:
            fail(
                f"{type(self).__name__}.use_impl",
                f"one of {IMPLEMENTATIONS}",
                f"impl={impl!r}",
                hint='"naive" runs the readable loops, "fast" the vectorized kernels.',
            )
        for m in self.modules():
            object.__setattr__(m, "impl", impl)
        return self

    def to(self, dtype) -> Module:
        """Cast every parameter (and its gradient) to ``dtype`` in place; returns ``self``."""
        dtype = float_dtype(f"{type(self).__name__}.to", dtype)
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = p.grad.astype(dtype)
        return self

    def double(self) -> Module:
        """Cast parameters to float64 (for gradient checks)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast parameters to float32 (for training)."""
        return self.to(np.float32)

    # -- state ----------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of all parameters, keyed and laid out as PyTorch's ``state_dict()``."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict, strict: bool = True) -> None:
        """Copy arrays into the parameters; names and shapes must match.

        Values may be NumPy arrays or anything ``numpy.asarray`` accepts (e.g. a
        CPU ``torch.Tensor`` converted with ``.numpy()``). Each parameter keeps its dtype.
        """
        own = dict(self.named_parameters())
        op = f"{type(self).__name__}.load_state_dict"
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            fail(
                op,
                f"keys {sorted(own)}",
                f"missing keys {missing} and unexpected keys {unexpected}",
                hint="the model architecture must match the one that was saved.",
            )
        for name, p in own.items():
            if name not in state_dict:
                continue
            value = np.asarray(state_dict[name])
            if value.shape != p.data.shape:
                fail(
                    op,
                    f"{name!r} of shape {p.data.shape}",
                    f"shape {value.shape}",
                    hint="check the layer sizes (in/out channels, kernel size) of the model.",
                )
            p.data[...] = value.astype(p.data.dtype, copy=False)

    def config(self) -> dict:
        """JSON-serializable constructor arguments that rebuild this layer (used by ``io.save``).

        ``type(self)(**self.config())`` must build an equal layer (parameters aside).
        Layers with hyper-parameters override this; containers describe children instead.
        """
        return {}

    # -- printing -------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Hyper-parameters shown inside the parentheses of ``repr``."""
        return ""

    def __repr__(self) -> str:
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        lines.append(")")
        return "\n".join(lines)
