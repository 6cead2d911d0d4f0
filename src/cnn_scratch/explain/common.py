"""Helpers every narration shares: recording trace events, checks, activations by name.

``Recorder`` is the ``trace`` callable handed to a naive kernel: it keeps every
event with a copy of its payload, so the narration shows exactly the numbers the
kernel computed. ``compare`` turns two arrays into a ``Check`` with
``gradcheck.rel_error``.

    >>> import numpy as np
    >>> rec = Recorder()
    >>> rec("pad", x_padded=np.zeros((1, 1, 2, 2)), padding=(0, 0))
    >>> [name for name, _ in rec.events], rec.first("pad")["padding"]
    (['pad'], (0, 0))

Read next: ``conv.py``.
"""

from __future__ import annotations

import numpy as np

from .._validate import fail
from ..gradcheck import rel_error
from .steps import Check

EXACT = 1e-12
"""Tolerance of naive-vs-fast checks in float64 (the two sum in a different order)."""
FD = 1e-7
"""Tolerance of checks against centred finite differences in float64."""

ACTIVATIONS = ("relu", "sigmoid", "tanh")
"""Activations a narration can apply, each a ``*_forward_naive`` / ``*_backward_naive`` pair."""


class Recorder:
    """A ``trace`` callable that records ``(event, payload)`` pairs, copying arrays."""

    def __init__(self, keep: set[str] | None = None):
        self.keep = keep
        self.events: list[tuple[str, dict]] = []

    def __call__(self, event: str, **payload) -> None:
        """Record one event (only those in ``keep``, when given)."""
        if self.keep is not None and event not in self.keep:
            return
        copied = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in payload.items()}
        self.events.append((event, copied))

    def all(self, event: str) -> list[dict]:
        """Payloads of every ``event``, in order."""
        return [p for e, p in self.events if e == event]

    def first(self, event: str) -> dict:
        """Payload of the first ``event``."""
        return self.all(event)[0]


def compare(what: str, mine, reference, tolerance: float = EXACT) -> Check:
    """A ``Check`` of ``mine`` against ``reference``: ``rel_error`` with its floor at 1.

    ``|a - b| / max(|a| + |b|, 1)``: relative for values of size 1 or more, absolute for
    values near 0, where a finite-difference estimate of an exact 0 is ~1e-11, not 0.
    """
    return Check(what, rel_error(mine, reference, eps=1.0), tolerance)


def activation_pair(name: str, naive: bool = True):
    """``(forward, backward)`` of the activation ``name`` ("relu", "sigmoid", "tanh")."""
    from .. import functional as F

    key = str(name).lower()
    if key not in ACTIVATIONS:
        fail("explain", f"activation one of {ACTIVATIONS}", repr(name), hint="e.g. --activation relu.")
    suffix = "_naive" if naive else ""
    return getattr(F, f"{key}_forward{suffix}"), getattr(F, f"{key}_backward{suffix}")


def fmt_shape(shape) -> str:
    """``(1, 2, 5, 5)`` as text."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def sum_text(values) -> str:
    """The terms of a sum as text: ``1 + (-2) + 3`` (the total itself comes from the kernel)."""
    from .render import format_number

    terms = [format_number(v) for v in np.ravel(values)]
    return " + ".join(t if not t.startswith("-") else f"({t})" for t in terms)
