"""Layers: thin holders of parameters over one functional forward/backward pair.

Names, constructor arguments, layouts and ``state_dict`` keys are PyTorch's.
Each layer calls ``functional.<op>`` (vectorized, default) or ``functional.<op>_naive``
(loops) depending on ``model.use_impl("fast" | "naive")``. The seed's "dense layer"
is ``Linear`` (alias ``Dense``), its "conv layer" is ``Conv2d``.

    model = Sequential(Conv2d(1, 16, 5, padding=2), ReLU(), MaxPool2d(2), Flatten(), Linear(3136, 10))
    loss = loss_fn(model(x), y); model.backward(loss_fn.backward()); optimizer.step()

Read first: ``module.py`` (Parameter, Module), then ``conv.py``, ``linear.py``,
``activation.py``, ``pooling.py``, ``dropout.py``, ``flatten.py``, ``container.py``, ``loss.py``.
"""

from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential, skip_first_input_grad
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Dense, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module, Parameter
from .pooling import AvgPool2d, MaxPool2d

__all__ = [
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv2d",
    "CrossEntropyLoss",
    "Dense",
    "Dropout",
    "Flatten",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "skip_first_input_grad",
]
