"""Optimizers (SGD, Adam, AdamW) and learning-rate schedulers, with PyTorch's names and update formulas.

An optimizer is built over ``model.parameters()``; each ``step()`` reads every
``Parameter.grad`` and updates ``Parameter.data`` in place. ``state_dict()`` /
``load_state_dict()`` let a run resume exactly. Schedulers live in
``cnn_scratch.optim.lr_scheduler`` and change ``optimizer.lr``.
Read first: ``optimizer.py``, then ``sgd.py``, ``adam.py``, ``lr_scheduler.py``.
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
