"""The records a narration is made of: ``Step``, ``Check`` and ``Explanation``.

A narration is a list of steps. Each ``Step`` has a title, a sentence or two of
text and the arrays it shows (copied out of the kernel's ``trace`` payloads, so
they can be kept). ``Check`` records one comparison of the narrated (naive) result
with the fast kernel or a finite-difference estimate. ``Explanation`` holds them
all and renders them as text (``render(color=False)``) for a terminal or a notebook.

    >>> import numpy as np
    >>> e = Explanation("demo", [Step("one", "a 2x2 map", {"x": np.eye(2)})])
    >>> print(e.render())
    == demo ==
    <BLANKLINE>
    -- 1. one --
    a 2x2 map
    x
    1  0
    0  1

Read next: ``render.py`` (how arrays are laid out), then ``conv.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Step:
    """One visible step of a narration.

    Attributes:
        title: short heading, e.g. ``"window (0, 1)"``.
        text: explanation in plain words, with the numbers put into the formula.
        arrays: name -> array shown under the text (a copy, safe to keep).
        join: if given, the arrays are printed side by side with these separators between
            them (``len(join) == len(arrays) - 1``), e.g. ``["*", "="]`` for patch * kernel = products.
    """

    title: str
    text: str = ""
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    join: list[str] | None = None


@dataclass
class Check:
    """One comparison: the narrated result against an independent computation.

    Attributes:
        what: what is compared, e.g. ``"dx: naive vs fast conv2d_backward"``.
        error: largest relative error (``cnn_scratch.gradcheck.rel_error``).
        tolerance: the error below which the check passes.
    """

    what: str
    error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        """True when ``error <= tolerance``."""
        return self.error <= self.tolerance

    def line(self) -> str:
        """The printed check line, e.g. ``check: out, naive vs fast: max rel error 0.0e+00 <= 1e-12  OK``."""
        verdict = "OK" if self.ok else "FAILED"
        return f"check: {self.what}: max rel error {self.error:.1e} <= {self.tolerance:.0e}  {verdict}"


@dataclass
class Explanation:
    """A complete narration: its steps, its checks and its final arrays.

    Attributes:
        title: what was computed, with the sizes.
        steps: the ``Step`` records in order.
        checks: the ``Check`` records (rendered last).
        result: name -> final array(s) (e.g. ``{"out": ...}``), for programmatic use.
    """

    title: str
    steps: list[Step] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    result: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, title: str, text: str = "", arrays: dict | None = None, join: list[str] | None = None):
        """Append a ``Step`` (arrays are copied) and return it."""
        copied = {k: np.array(v, copy=True) for k, v in (arrays or {}).items()}
        step = Step(title, text, copied, join)
        self.steps.append(step)
        return step

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(c.ok for c in self.checks)

    def render(self, color: bool = False) -> str:
        """The narration as text; ``color=True`` adds ANSI colours (needs ``rich``)."""
        from .render import render_explanation

        return render_explanation(self, color=color)

    def __str__(self) -> str:
        return self.render()
