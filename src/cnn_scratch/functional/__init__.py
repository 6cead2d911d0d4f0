"""Pure kernels: every op as ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``.

Each op exists twice with the same signature: ``name_naive`` (plain loops, the
executable definition that mirrors the docstring formula) and ``name`` (vectorized
NumPy, what training runs). Kernels never mutate their inputs, never use a global
random generator, and return arrays of the dtype they were given.
Read first: ``shapes.py`` (output size), then ``conv_naive.py`` and ``conv.py``.
"""

from .shapes import output_size

__all__ = ["output_size"]
