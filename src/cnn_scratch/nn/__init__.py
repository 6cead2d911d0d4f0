"""Layers: thin holders of parameters over one functional forward/backward pair.

Names, constructor arguments, layouts and ``state_dict`` keys are PyTorch's.
Read first: ``module.py`` (Parameter, Module), then ``conv.py``.
"""

from .module import Module, Parameter

__all__ = ["Module", "Parameter"]
