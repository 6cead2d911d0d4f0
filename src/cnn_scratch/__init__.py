"""cnn-scratch: a convolutional-network library you can read like a textbook and train like a framework.

Layers of the package (imports point down only)::

    cli, examples            command line and runnable scripts
    train                    fit / evaluate / predict, progress, checkpoints
    explain, viz             step-by-step narrations; pictures
    nn, optim, init          layers (Conv2d, Linear, ...), optimizers, initializers
    functional               pure kernels: *_forward -> (out, cache), *_backward -> grads
    data, io, gradcheck      MNIST, save/load, numerical gradients

Sub-packages are imported on first use, so ``import cnn_scratch`` stays cheap:
``cnn_scratch.nn.Conv2d`` works without importing anything else first.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "functional",
    "nn",
    "optim",
    "init",
    "gradcheck",
    "data",
    "io",
    "train",
    "explain",
    "viz",
    "cli",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "F":
        return importlib.import_module(f"{__name__}.functional")
    raise AttributeError(f"module 'cnn_scratch' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SUBMODULES, "F"])
