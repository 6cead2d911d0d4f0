"""``Sequential``: layers run one after another, and ``skip_first_input_grad`` for training loops.

``Sequential(conv, relu, pool)`` names its children ``"0"``, ``"1"``, ``"2"``, so
parameters appear in the ``state_dict`` as ``"0.weight"``, ``"0.bias"``, exactly as in
``torch.nn.Sequential``. ``forward`` runs the children in order; ``backward`` runs
their ``backward`` in reverse order, passing each one's dx to the layer before.

Skipping the first layer's input gradient: nobody needs dL/dx of the images, and
for the first convolution it costs as much as the weight gradient.
``skip_first_input_grad(model)`` sets ``needs_input_grad = False`` on the first
layer that has parameters; its ``backward`` then returns None, and
``Sequential.backward`` stops there (the parameter-free layers before it, if any,
have nothing to learn). A model so marked returns None from ``backward``.
Read next: ``loss.py``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np

from .._validate import fail
from .module import Module
from .pooling import fuses_with_relu, relu_max_pool


class Sequential(Module):
    """A chain of modules: ``out = layers[-1](...layers[1](layers[0](x)))``.

    Args:
        *layers: the modules, in forward order; they are registered as ``"0"``, ``"1"``, ...

    >>> from cnn_scratch.nn import Linear, ReLU
    >>> model = Sequential(Linear(4, 3, rng=np.random.default_rng(0)), ReLU(), Linear(3, 2))
    >>> list(model.state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model(np.ones((5, 4), dtype=np.float32)).shape
    (5, 2)
    >>> len(model), type(model[1]).__name__
    (3, 'ReLU')
    """

    def __init__(self, *layers: Module):
        super().__init__()
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        """Add ``layer`` at the end (named by its position); returns ``self``."""
        if not isinstance(layer, Module):
            fail(
                "Sequential",
                "every layer to be a Module",
                f"{type(layer).__name__} at position {len(self)}",
                hint="pass layer instances, e.g. ReLU() rather than ReLU.",
                exc=TypeError,
            )
        self.add_module(str(len(self._modules)), layer)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            part = Sequential()  # keeps the original names, so state_dict keys match PyTorch's slice
            for name, layer in list(self._modules.items())[index]:
                part.add_module(name, layer)
            return part
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            fail("Sequential", "an int or slice index", f"index={index!r}", exc=TypeError)
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"Sequential: index {index} out of range for {len(layers)} layers")
        return layers[index]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run every layer in order and return the last output.

        A ``ReLU`` followed by a ``MaxPool2d`` runs as one step, pooling first (the two commute,
        see ``pooling.relu_max_pool``): same outputs and gradients, a quarter of the ReLU work.
        """
        layers = list(self)
        i = 0
        while i < len(layers):
            if i + 1 < len(layers) and fuses_with_relu(layers[i], layers[i + 1]):
                x = relu_max_pool(layers[i], layers[i + 1], x)
                i += 2
            else:
                x = layers[i](x)
                i += 1
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """Run every layer's ``backward`` in reverse order; return dx of the first layer.

        Stops early and returns None when a layer returns None (``needs_input_grad=False``).
        """
        for layer in reversed(list(self)):
            dout = layer.backward(dout)
            if dout is None:
                return None
        return dout


def skip_first_input_grad(model: Module) -> Module | None:
    """Mark the first layer with parameters so its ``backward`` skips dx; return that layer.

    Only ``Sequential`` containers are looked into (nested ones included): their
    registration order is the order the layers run. A custom ``Module`` may register its
    layers in any order, so nothing is changed there (returns None). The first layer
    owning parameters gets ``needs_input_grad = False`` (Conv2d, Linear); parameter-free
    layers before it (Flatten, pooling, ...) need no gradient either. After this,
    ``model.backward(dout)`` returns None; every parameter still gets its gradient.

    >>> from cnn_scratch.nn import Conv2d, ReLU
    >>> model = Sequential(Conv2d(1, 2, 3), ReLU())
    >>> skip_first_input_grad(model) is model[0], model[0].needs_input_grad
    (True, False)
    """
    if not isinstance(model, Sequential):
        if model._parameters and not model._modules and hasattr(model, "needs_input_grad"):
            model.needs_input_grad = False
            return model
        return None
    for layer in model:
        if not layer.parameters():
            continue  # parameter-free: nothing to skip here, look further
        return skip_first_input_grad(layer)  # the first layer with weights decides
    return None
