"""Ready-made models: the two MNIST networks and the XOR perceptron, by name.

Each preset is a plain ``Sequential`` of library layers built from an explicit
``numpy.random.Generator`` (so a seed fixes the initial weights). ``get_model``
looks a preset up by name; the command line (``cnn-scratch train --model``) uses it.

Model A (``mnist_cnn``), for 28x28 single-channel digits::

    (N, 1, 28, 28) -Conv2d(1, 16, 5, padding=2)-> (N, 16, 28, 28) -ReLU- MaxPool2d(2) -> (N, 16, 14, 14)
                   -Conv2d(16, 32, 5, padding=2)-> (N, 32, 14, 14) -ReLU- MaxPool2d(2) -> (N, 32, 7, 7)
                   -Flatten-> (N, 1568) -Linear(1568, 10)-> (N, 10) logits

Model B (``mnist_cnn_b``), the layout of PyTorch's MNIST example without dropout::

    (N, 1, 28, 28) -Conv2d(1, 32, 3)-> (N, 32, 26, 26) -ReLU- Conv2d(32, 64, 3) -> (N, 64, 24, 24)
                   -ReLU- MaxPool2d(2) -> (N, 64, 12, 12) -Flatten-> (N, 9216)
                   -Linear(9216, 128)-ReLU- Linear(128, 10) -> (N, 10) logits

Read next: ``train/loop.py``, which trains these.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import nn
from ._validate import fail


def _generator(rng: np.random.Generator | None) -> np.random.Generator:
    """Return ``rng``, or a fresh unseeded generator when it is ``None``."""
    return np.random.default_rng() if rng is None else rng


def mnist_cnn(rng: np.random.Generator | None = None) -> nn.Sequential:
    """Model A: two 5x5 conv blocks and one linear layer (28,938 parameters).

    Args:
        rng: generator for the initial weights; ``None`` draws a fresh unseeded one.

    Returns:
        A ``Sequential`` mapping images ``(N, 1, 28, 28)`` to logits ``(N, 10)``.

    >>> model = mnist_cnn(np.random.default_rng(0))
    >>> sum(p.data.size for p in model.parameters())
    28938
    """
    rng = _generator(rng)
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2, rng=rng),  # (N, 16, 28, 28)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 16, 14, 14)
        nn.Conv2d(16, 32, 5, padding=2, rng=rng),  # (N, 32, 14, 14)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 32, 7, 7)
        nn.Flatten(),  # (N, 1568)
        nn.Linear(1568, 10, rng=rng),  # (N, 10)
    )


def mnist_cnn_b(rng: np.random.Generator | None = None) -> nn.Sequential:
    """Model B: two 3x3 convs, one pool and a two-layer classifier (1,199,882 parameters).

    Args:
        rng: generator for the initial weights; ``None`` draws a fresh unseeded one.

    Returns:
        A ``Sequential`` mapping images ``(N, 1, 28, 28)`` to logits ``(N, 10)``.

    >>> model = mnist_cnn_b(np.random.default_rng(0))
    >>> sum(p.data.size for p in model.parameters())
    1199882
    """
    rng = _generator(rng)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, rng=rng),  # (N, 32, 26, 26)
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, rng=rng),  # (N, 64, 24, 24)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 64, 12, 12)
        nn.Flatten(),  # (N, 9216)
        nn.Linear(9216, 128, rng=rng),  # (N, 128)
        nn.ReLU(),
        nn.Linear(128, 10, rng=rng),  # (N, 10)
    )


def xor_mlp(rng: np.random.Generator | None = None, hidden: int = 3) -> nn.Sequential:
    """The seed's first network: two inputs, a small tanh hidden layer, one tanh output.

    ``Linear(2, hidden) -> Tanh -> Linear(hidden, 1) -> Tanh``; trained with ``MSELoss``
    on targets -1/+1 it learns XOR (see ``examples/xor.py``).

    Args:
        rng: generator for the initial weights; ``None`` draws a fresh unseeded one.
        hidden: width of the hidden layer.

    Returns:
        A ``Sequential`` mapping points ``(N, 2)`` to outputs ``(N, 1)`` in (-1, 1).

    >>> xor_mlp(np.random.default_rng(0))(np.zeros((4, 2), np.float32)).shape
    (4, 1)
    """
    rng = _generator(rng)
    return nn.Sequential(
        nn.Linear(2, hidden, rng=rng),  # (N, hidden)
        nn.Tanh(),
        nn.Linear(hidden, 1, rng=rng),  # (N, 1)
        nn.Tanh(),
    )


MODELS: dict[str, Callable[..., nn.Module]] = {
    "mnist_cnn": mnist_cnn,
    "mnist_cnn_b": mnist_cnn_b,
    "xor_mlp": xor_mlp,
}
"""Preset name -> builder ``f(rng)``; ``"a"``/``"b"`` are accepted as short names of the MNIST models."""

_ALIASES = {"a": "mnist_cnn", "b": "mnist_cnn_b", "xor": "xor_mlp"}


def resolve_name(name: str) -> str:
    """The registry key for ``name`` (short names ``"a"``, ``"b"``, ``"xor"`` expanded).

    >>> resolve_name("b"), resolve_name("mnist_cnn")
    ('mnist_cnn_b', 'mnist_cnn')
    """
    return _ALIASES.get(str(name).lower(), str(name))


def get_model(name: str, rng: np.random.Generator | None = None) -> nn.Module:
    """Build the preset called ``name`` (a key of ``MODELS``, or ``"a"``/``"b"``/``"xor"``).

    Args:
        name: preset name, e.g. ``"mnist_cnn"``.
        rng: generator for the initial weights; ``None`` draws a fresh unseeded one.

    Returns:
        The freshly initialised model.

    Raises:
        ValueError: if no preset has that name.

    >>> type(get_model("a", np.random.default_rng(0))).__name__
    'Sequential'
    """
    key = resolve_name(name)
    if key not in MODELS:
        fail(
            "get_model",
            f"one of {sorted(MODELS)}",
            f"name={name!r}",
            hint="'a' and 'b' are short for 'mnist_cnn' and 'mnist_cnn_b'.",
        )
    return MODELS[key](rng)
