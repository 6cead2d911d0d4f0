"""Step-by-step narrations of the library's ops, printed by the same code that trains.

Each ``explain_*`` function runs a naive kernel of ``cnn_scratch.functional`` on
small arrays (numbers you give, or seeded small integers), records what it does
(through the kernel's ``trace`` events where it has them), and returns an
``Explanation``: ``.steps`` (``Step(title, text, arrays)``), ``.checks`` (against the
fast kernel and finite differences) and ``.render(color=False) -> str``.

    >>> from cnn_scratch.explain import explain_conv
    >>> e = explain_conv("5x5", "3x3", stride=2, padding=1)
    >>> [s.title for s in e.steps[:3]]
    ['the numbers', 'output size', 'padding']
    >>> e.steps[1].text.splitlines()[0]
    'H_out = (H - KH + 2*PH) / SH + 1 = (5 - 3 + 2*1) / 2 + 1 = 4 / 2 + 1 = 3'
    >>> e.ok
    True

From the shell: ``cnn-scratch explain conv --input 5x5 --kernel 3x3 --stride 2 --padding 1``.
Read in this order: ``steps.py``, ``render.py``, ``inputs.py``, ``conv.py``, ``pool.py``,
``dense.py``, ``activation.py``, ``loss.py``, ``im2col.py``, ``cli.py``.
"""

from .activation import explain_activation
from .conv import explain_conv, explain_conv_backward
from .dense import explain_dense
from .im2col import explain_im2col
from .loss import explain_loss
from .pool import explain_pool, explain_pool_backward
from .steps import Check, Explanation, Step

__all__ = [
    "Check",
    "Explanation",
    "Step",
    "explain_activation",
    "explain_conv",
    "explain_conv_backward",
    "explain_dense",
    "explain_im2col",
    "explain_loss",
    "explain_pool",
    "explain_pool_backward",
]
