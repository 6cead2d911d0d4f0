"""Learning-rate schedules: StepLR, CosineAnnealingLR, OneCycleLR, giving PyTorch's rates step by step.

A scheduler owns a counter ``last_epoch`` (number of ``step()`` calls so far; it is
0 right after construction, which already sets the step-0 rate) and writes the
rate for the current count into ``optimizer.lr``. Call ``scheduler.step()`` after
``optimizer.step()``: once per epoch for StepLR/CosineAnnealingLR as usually
used, once per batch for OneCycleLR. With ``t = last_epoch`` and ``base_lr`` the
optimizer's lr when the scheduler was built:

    StepLR:             lr_t = base_lr * gamma ^ floor(t / step_size)
    CosineAnnealingLR:  lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2
    OneCycleLR:         warm up from max_lr/div_factor to max_lr over the first pct_start of
                        total_steps, then anneal to max_lr/(div_factor*final_div_factor)

PyTorch computes StepLR and CosineAnnealingLR recursively from the previous rate;
the closed forms above give the same values up to float rounding (tested). As in
PyTorch, OneCycleLR also cycles the momentum (SGD ``momentum`` or Adam ``beta1``)
inversely to the rate unless ``cycle_momentum=False``.

``state_dict()`` holds plain numbers only (JSON-able); after ``load_state_dict`` the
next ``step()`` continues the schedule (restore the optimizer's state too). As in
PyTorch, loading also restores the settings (``T_max``, ``total_steps``, ...), so
``fit(resume=True)`` first compares ``settings()`` with the checkpoint's and
refuses a changed schedule (``settings_differences``).
Read next: ``train/loop.py``, where a scheduler is stepped.
"""

from __future__ import annotations

import copy
import math
import numbers

from .._validate import fail
from .optimizer import Optimizer


class LRScheduler:
    """Base class: keeps ``last_epoch`` and ``base_lrs``; sub-classes implement ``get_lr()``."""

    #: ``state_dict()`` keys that record progress; every other key is a setting fixed at construction.
    PROGRESS_KEYS = ("last_epoch", "_last_lr")
    #: settings computed from others (shown in a mismatch report only when nothing else differs).
    DERIVED_SETTINGS: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            fail(
                type(self).__name__,
                "an Optimizer from cnn_scratch.optim",
                f"{type(optimizer).__name__}",
                hint="build it with e.g. SGD(model.parameters(), lr=0.1).",
                exc=TypeError,
            )
        self.optimizer = optimizer
        self.base_lrs = [float(optimizer.lr)]
        self.last_epoch = -1
        self.step()  # sets the rate for step 0, like PyTorch

    def get_lr(self) -> list[float]:
        """Learning rate(s) for the current ``last_epoch`` (one per parameter group; here one)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance the counter by one and write the new rate into ``optimizer.lr``."""
        self.last_epoch += 1
        lr = self.get_lr()[0]
        self.optimizer.lr = lr
        self._last_lr = [lr]

    def get_last_lr(self) -> list[float]:
        """The rate(s) set by the last ``step()`` (a list with one float, like PyTorch's)."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """All scheduler fields except the optimizer, as plain numbers and lists."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def settings(self) -> dict:
        """The hyper-parameters fixed at construction: ``state_dict()`` minus ``PROGRESS_KEYS``."""
        return {k: v for k, v in self.state_dict().items() if k not in self.PROGRESS_KEYS}

    def settings_differences(self, state_dict: dict) -> dict:
        """Settings in which a saved ``state_dict`` differs from this scheduler's.

        Args:
            state_dict: what ``state_dict()`` returned, e.g. from a checkpoint.

        Returns:
            ``{name: (saved, current)}`` for every differing setting (``None`` stands for
            a missing one); empty when ``load_state_dict`` would keep the schedule as built.
            Derived settings (``DERIVED_SETTINGS``) are left out when others differ.

        >>> import numpy as np
        >>> from cnn_scratch.nn import Parameter
        >>> from cnn_scratch.optim import SGD
        >>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
        >>> CosineAnnealingLR(opt, T_max=5).settings_differences(CosineAnnealingLR(opt, T_max=2).state_dict())
        {'T_max': (2, 5)}
        """
        saved = {k: v for k, v in state_dict.items() if k not in self.PROGRESS_KEYS}
        current = self.settings()
        diffs = {
            k: (saved.get(k), current.get(k))
            for k in [*current, *(k for k in saved if k not in current)]
            if k not in saved or k not in current or saved[k] != current[k]
        }
        primary = {k: v for k, v in diffs.items() if k not in self.DERIVED_SETTINGS}
        return primary or diffs

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned (does not touch the optimizer).

        Like PyTorch, settings are restored too (a saved ``T_max`` replaces this one's);
        compare first with ``settings_differences`` when the schedule must stay as built.
        """
        unknown = sorted(set(state_dict) - set(self.__dict__))
        if unknown:
            fail(
                f"{type(self).__name__}.load_state_dict",
                f"keys among {sorted(k for k in self.__dict__ if k != 'optimizer')}",
                f"unknown keys {unknown}",
                hint="load a state saved by the same scheduler class.",
            )
        self.__dict__.update(copy.deepcopy(state_dict))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def _positive_int(op: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(op, f"{name} as a positive int", f"{name}={value!r}", exc=TypeError)
    if value <= 0:
        fail(op, f"{name} as a positive int", f"{name}={value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps: ``lr_t = base_lr * gamma^(t // step_size)``.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        step_size: period of the decay, a positive int.
        gamma: multiplicative factor.

    >>> import numpy as np
    >>> from cnn_scratch.nn import Parameter
    >>> from cnn_scratch.optim import SGD
    >>> sched = StepLR(SGD([Parameter(np.zeros(1))], lr=1.0), step_size=2, gamma=0.5)
    >>> [sched.get_last_lr()[0] for _ in range(5) if sched.step() is None]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """``base_lr * gamma ** (last_epoch // step_size)``."""
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps (then back up, periodically).

    ``lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        T_max: number of steps from the maximum to the minimum, a positive int.
        eta_min: the minimum rate.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        """The closed-form cosine rate at ``last_epoch``."""
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + cos) / 2 for base in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): warm the rate up to ``max_lr``, then anneal far below the start.

    Phases (``T = total_steps``, ``p = pct_start``), each interpolated by ``anneal_strategy``:

        two-phase:   initial_lr -> max_lr over steps [0, p*T - 1];  max_lr -> min_lr until step T - 1
        three-phase: initial_lr -> max_lr;  max_lr -> initial_lr until 2*p*T - 2;  initial_lr -> min_lr

    with ``initial_lr = max_lr / div_factor`` and ``min_lr = initial_lr / final_div_factor``;
    "cos": ``end + (start - end) * (1 + cos(pi * pct)) / 2``, "linear": ``start + (end - start) * pct``.
    The optimizer's ``lr`` is overwritten with ``initial_lr`` at construction.
    When ``cycle_momentum`` is true the momentum (SGD ``momentum`` or Adam ``betas[0]``) goes the other
    way, ``max_momentum -> base_momentum -> max_momentum``, as in PyTorch.

    Args:
        optimizer: the optimizer whose ``lr`` is scheduled.
        max_lr: the peak rate.
        total_steps: number of ``step()`` calls in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs: number of epochs (with ``steps_per_epoch``).
        steps_per_epoch: batches per epoch (with ``epochs``).
        pct_start: fraction of the cycle spent warming up, in [0, 1].
        anneal_strategy: ``"cos"`` or ``"linear"``.
        div_factor: ``initial_lr = max_lr / div_factor``.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``.
        three_phase: use the symmetric three-phase variant.
        cycle_momentum: also cycle the momentum / beta1 (PyTorch's default True).
        base_momentum: momentum at the peak rate.
        max_momentum: momentum at the start and end.
    """

    DERIVED_SETTINGS = ("base_lrs", "initial_lr", "min_lr", "phases")

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
    ):
        op = "OneCycleLR"
        if total_steps is not None:
            self.total_steps = _positive_int(op, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = _positive_int(op, "epochs", epochs) * _positive_int(
                op, "steps_per_epoch", steps_per_epoch
            )
        else:
            fail(
                op,
                "total_steps, or both epochs and steps_per_epoch",
                f"total_steps={total_steps}, epochs={epochs}, steps_per_epoch={steps_per_epoch}",
                hint="e.g. OneCycleLR(opt, max_lr=0.1, epochs=3, steps_per_epoch=len(loader)).",
            )
        if not 0.0 <= float(pct_start) <= 1.0:
            fail(op, "pct_start in [0, 1]", f"pct_start={pct_start!r}", hint="0.3 warms up for 30% of steps.")
        if anneal_strategy not in ("cos", "linear"):
            fail(op, 'anneal_strategy "cos" or "linear"', f"anneal_strategy={anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.initial_lr = float(max_lr) / float(div_factor)
        self.max_lr = float(max_lr)
        self.min_lr = self.initial_lr / float(final_div_factor)
        self.max_momentum, self.base_momentum = float(max_momentum), float(base_momentum)
        T, p = self.total_steps, float(pct_start)
        if three_phase:
            self.phases = [
                {
                    "end_step": p * T - 1,
                    "lr": ["initial_lr", "max_lr"],
                    "m": ["max_momentum", "base_momentum"],
                },
                {
                    "end_step": 2 * p * T - 2,
                    "lr": ["max_lr", "initial_lr"],
                    "m": ["base_momentum", "max_momentum"],
                },
                {"end_step": T - 1, "lr": ["initial_lr", "min_lr"], "m": ["max_momentum", "max_momentum"]},
            ]
        else:
            self.phases = [
                {
                    "end_step": p * T - 1,
                    "lr": ["initial_lr", "max_lr"],
                    "m": ["max_momentum", "base_momentum"],
                },
                {"end_step": T - 1, "lr": ["max_lr", "min_lr"], "m": ["base_momentum", "max_momentum"]},
            ]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum and not (hasattr(optimizer, "momentum") or hasattr(optimizer, "betas")):
            fail(
                op,
                "an optimizer with momentum (SGD) or betas (Adam) when cycle_momentum=True",
                f"{type(optimizer).__name__}",
                hint="pass cycle_momentum=False.",
            )
        self.use_beta1 = hasattr(optimizer, "betas")
        optimizer.lr = self.initial_lr
        if self.cycle_momentum:
            self._set_momentum(optimizer, self.max_momentum)
        super().__init__(optimizer)

    def _set_momentum(self, optimizer: Optimizer, value: float) -> None:
        if self.use_beta1:
            optimizer.betas = (value, *optimizer.betas[1:])
        else:
            optimizer.momentum = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """Rate of the phase that contains ``last_epoch`` (and, as a side effect, set the momentum)."""
        t = self.last_epoch
        if t > self.total_steps:
            fail(
                "OneCycleLR.step",
                f"at most total_steps={self.total_steps} steps",
                f"step {t}",
                hint="the cycle is over; total_steps is fixed when the scheduler is built (or "
                "restored by load_state_dict, e.g. from a checkpoint): it must count the batches of "
                "the whole run (batches per epoch times epochs). To train longer, start a new "
                "schedule.",
            )
        start_step = 0.0
        for i, phase in enumerate(self.phases):
            end_step = phase["end_step"]
            if t <= end_step or i == len(self.phases) - 1:
                pct = (t - start_step) / (end_step - start_step)
                lr = self._anneal(getattr(self, phase["lr"][0]), getattr(self, phase["lr"][1]), pct)
                if self.cycle_momentum:
                    m = self._anneal(getattr(self, phase["m"][0]), getattr(self, phase["m"][1]), pct)
                    self._set_momentum(self.optimizer, m)
                return [lr]
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")
