"""The training loop: ``fit``.

One training step is the whole algorithm of the library in four lines::

    logits = model(xb)                       # (B, C) forward, layers cache what they need
    loss = loss_fn(logits, yb)               # float
    model.backward(loss_fn.backward())       # dL/dlogits (B, C) flows back, grads accumulate
    optimizer.step()                         # p.data -= lr * p.grad (or Adam's version)

``fit`` wraps it with shuffled mini-batches, a progress bar (running loss,
accuracy, images/s), validation, a learning-rate schedule, a guard against a
diverging loss, and checkpoints after every epoch and on Ctrl-C, from which
``resume=True`` continues bit for bit. Read next: ``evaluate.py``, ``checkpoint.py``.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time

import numpy as np

from .. import nn
from .._validate import fail
from ..data import iterate_batches
from ..progress import progress as progress_bar
from . import checkpoint as ckpt
from .evaluate import check_data, evaluate
from .history import History
from .metrics import count_correct, is_class_target


# -- helpers ----------------------------------------------------------------------------
@contextlib.contextmanager
def _skip_input_grad(model):
    """While training, skip the first weighted layer's input gradient (nobody uses dL/d(images)).

    Uses ``nn.skip_first_input_grad`` and restores the layer's flag afterwards, so
    the model leaves ``fit`` as it came (e.g. ready for saliency maps that need dx).
    """
    saved = [(m, m.needs_input_grad) for m in model.modules() if hasattr(m, "needs_input_grad")]
    nn.skip_first_input_grad(model)
    try:
        yield
    finally:
        for m, flag in saved:
            m.needs_input_grad = flag


class _GracefulInterrupt:
    """Turn the first Ctrl-C into a flag checked between batches (a second Ctrl-C stops at once).

    A step interrupted half-way would leave parameters half-updated, so the
    loop finishes the batch, writes a checkpoint, then raises KeyboardInterrupt.
    Works in the main thread only (elsewhere Python delivers no signals anyway).
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)  # a second Ctrl-C interrupts immediately

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _scheduler_per_batch(scheduler, mode: str) -> bool:
    """Whether ``scheduler.step()`` runs after every batch (OneCycleLR) or every epoch."""
    if mode not in ("auto", "batch", "epoch"):
        fail("fit", 'scheduler_step in ("auto", "batch", "epoch")', f"scheduler_step={mode!r}")
    if mode == "auto":
        return type(scheduler).__name__ == "OneCycleLR"
    return mode == "batch"


_RESUME_HINT = (
    "resume with the same epochs and schedule as the interrupted run (CLI: the same --epochs, "
    "--schedule, --lr and --batch-size), or start a new run (resume=False; CLI: a new --out)."
)


def _show_setting(name: str, value) -> str:
    if name == "phases" and isinstance(value, list):  # OneCycleLR: show where each phase ends
        return f"phase end steps {[p.get('end_step') for p in value if isinstance(p, dict)]}"
    return f"{name}={'(none)' if value is None else value!r}"


def _check_scheduler(scheduler, saved: dict | None, path) -> None:
    """Refuse to resume with a schedule other than the checkpointed one (before anything is loaded).

    ``load_state_dict`` would otherwise overwrite the new scheduler's settings with the
    saved ones (a new ``epochs`` silently ignored, or OneCycleLR running past its end).
    """
    op = "fit(resume=True)"
    if scheduler is None and saved is None:
        return
    if scheduler is None:
        fail(
            op,
            f"a scheduler, as in the checkpointed run {path}",
            "scheduler=None",
            hint=_RESUME_HINT,
        )
    if saved is None:
        fail(
            op,
            f"no scheduler, as in the checkpointed run {path}",
            f"{type(scheduler).__name__}",
            hint=_RESUME_HINT,
        )
    diffs = scheduler.settings_differences(saved)
    if diffs:
        name = type(scheduler).__name__
        fail(
            op,
            f"the {name} settings of the checkpointed run {path} ("
            + ", ".join(_show_setting(k, old) for k, (old, _) in diffs.items())
            + ")",
            ", ".join(_show_setting(k, new) for k, (_, new) in diffs.items())
            + " (a changed schedule, e.g. another number of epochs)",
            hint=_RESUME_HINT,
        )


def _fmt(value, spec: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


# -- fit --------------------------------------------------------------------------------
def fit(
    model,
    loss_fn,
    optimizer,
    train_data,
    *,
    epochs: int,
    batch_size: int,
    val_data=None,
    scheduler=None,
    rng: np.random.Generator | None = None,
    checkpoint_dir=None,
    resume: bool = False,
    progress: bool = True,
    log=print,
    scheduler_step: str = "auto",
) -> History:
    """Train ``model`` for ``epochs`` passes over shuffled mini-batches of ``train_data``.

    Args:
        model: a ``Module`` with ``backward``.
        loss_fn: a loss module: ``loss_fn(pred, target) -> float``, ``loss_fn.backward() -> dpred``.
        optimizer: e.g. ``optim.Adam(model.parameters())``.
        train_data: ``(x, y)``; x ``(N, ...)`` (``(N, 1, 28, 28)`` for MNIST), y ``(N,)`` classes or
            ``(N, ...)`` regression targets. Accuracy is reported when y holds integer classes.
        epochs: total number of epochs (when resuming, the run stops after this epoch number).
        batch_size: samples per step B (the last batch of an epoch may be smaller).
        val_data: optional ``(x, y)`` evaluated after each epoch (with ``evaluate``).
        scheduler: optional learning-rate scheduler.
        rng: generator for the shuffling; ``None`` draws a fresh unseeded one. Checkpointed.
        checkpoint_dir: folder for ``checkpoint.npz``, written after every epoch and on Ctrl-C.
        resume: continue from the checkpoint in ``checkpoint_dir`` if there is one. The data size,
            batch size and scheduler settings must be those of the checkpointed run (a ``ValueError``
            before training otherwise); ``epochs`` may grow when the schedule does not depend on
            it (no scheduler, StepLR): training then continues for the extra epochs.
        progress: show a progress bar per epoch.
        log: function taking one string, called with a summary line per epoch (``None``: silent).
        scheduler_step: ``"auto"`` (OneCycleLR steps per batch, others per epoch), ``"batch"`` or ``"epoch"``.

    Returns:
        The ``History`` (one row per epoch, including epochs done before a resume).

    Raises:
        ValueError: bad arguments, or (``resume=True``) a checkpoint from a run with other data,
            batch size or scheduler settings; raised before any state is loaded.
        FloatingPointError: the loss (or a parameter) became NaN/inf; names the epoch and
            batch. The last checkpoint is left untouched.
        KeyboardInterrupt: after Ctrl-C, once the current batch is done and a checkpoint saved.
    """
    x, y = check_data(train_data, "train_data", "fit")
    if val_data is not None:
        check_data(val_data, "val_data", "fit")
    if not (isinstance(epochs, int) and epochs >= 1 and isinstance(batch_size, int) and batch_size >= 1):
        fail("fit", "epochs >= 1 and batch_size >= 1 (ints)", f"epochs={epochs!r}, batch_size={batch_size!r}")
    if resume and checkpoint_dir is None:
        fail("fit", "a checkpoint_dir to resume from", "resume=True with checkpoint_dir=None")
    say = log or (lambda _msg: None)
    rng = np.random.default_rng() if rng is None else rng
    per_batch = scheduler is not None and _scheduler_per_batch(scheduler, scheduler_step)
    classify = is_class_target(y)
    n = x.shape[0]
    n_batches = math.ceil(n / batch_size)
    path = None if checkpoint_dir is None else ckpt.checkpoint_path(checkpoint_dir)

    history = History()
    start_epoch, skip, carried = 1, 0, None
    if resume and path.exists():
        state = ckpt.load_checkpoint(path)
        prog = state["progress"]
        if prog["n"] != n or prog["batch_size"] != batch_size:
            fail(
                "fit",
                f"the data size and batch size of the checkpointed run (N={prog['n']}, "
                f"batch_size={prog['batch_size']})",
                f"N={n}, batch_size={batch_size}",
                hint="resume with the same data and batch size, or start afresh with resume=False.",
            )
        _check_scheduler(scheduler, state["scheduler"], path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
        ckpt.restore_generators(state["generators"], model, rng)
        history = History.from_dict(state["history"])
        start_epoch, skip = prog["epochs_done"] + 1, prog["batches_done"]
        carried = prog.get("running")
        where = f"epoch {start_epoch}, batch {skip + 1}" if skip else f"epoch {start_epoch}"
        if start_epoch > epochs:
            say(f"{path} already holds {start_epoch - 1} finished epochs (epochs={epochs}): nothing to do")
        else:
            say(f"resuming from {path} at {where}")
    elif resume:
        say(f"no checkpoint in {checkpoint_dir}: starting from epoch 1")

    def save(epochs_done: int, batches_done: int, gen_states: dict, running) -> None:
        if path is None:
            return
        for name, p in model.named_parameters():
            if not np.all(np.isfinite(p.data)):
                fail(
                    "fit",
                    "finite parameters before saving a checkpoint",
                    f"NaN/inf in {name!r} after epoch {epochs_done + (batches_done > 0)}, "
                    f"batch {batches_done or n_batches}",
                    hint=f"lower the learning rate; the last good checkpoint {path} is kept.",
                    exc=FloatingPointError,
                )
        progress_state = {
            "epochs_done": epochs_done,
            "batches_done": batches_done,
            "n": n,
            "batch_size": batch_size,
            "running": running,
        }
        ckpt.save_checkpoint(
            path,
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            generators=gen_states,
            progress=progress_state,
            history=history.to_dict(),
        )

    with _skip_input_grad(model), _GracefulInterrupt() as interrupt:
        for epoch in range(start_epoch, epochs + 1):
            # Generator states at the start of the epoch: a mid-epoch checkpoint stores these
            # and replays the same shuffle, skipping the batches already done.
            epoch_start = ckpt.generator_states(model, rng)
            loss_sum, correct, seen, seconds = (0.0, 0, 0, 0.0) if carried is None else carried
            carried = None
            lr_used = getattr(optimizer, "lr", None)
            t0 = time.perf_counter()
            model.train()
            bar = progress_bar(
                total=n, desc=f"epoch {epoch}/{epochs}", unit="img", disable=not progress, leave=True
            )
            try:
                batches = iterate_batches(x, y, batch_size=batch_size, shuffle=True, rng=rng)
                for b, (xb, yb) in enumerate(batches, start=1):
                    if b <= skip:
                        bar.update(len(xb))
                        continue
                    optimizer.zero_grad()
                    out = model(xb)  # (B, C) logits, or (B, ...) predictions
                    loss = float(loss_fn(out, yb))
                    if not math.isfinite(loss):
                        fail(
                            "fit",
                            "a finite loss",
                            f"loss={loss} at epoch {epoch}, batch {b} of {n_batches}",
                            hint="lower the learning rate (or check the data for NaN); "
                            + (f"the last good checkpoint {path} is untouched." if path else ""),
                            exc=FloatingPointError,
                        )
                    model.backward(loss_fn.backward())  # dL/dout (B, C)
                    lr_used = getattr(optimizer, "lr", None)
                    optimizer.step()
                    if per_batch:
                        scheduler.step()
                    loss_sum += loss * len(xb)
                    seen += len(xb)
                    if classify:
                        correct += count_correct(out, yb)
                    postfix = {"loss": f"{loss_sum / seen:.4f}"}
                    if classify:
                        postfix["acc"] = f"{100 * correct / seen:.2f}%"
                    bar.set_postfix(**postfix)
                    bar.update(len(xb))
                    if interrupt.requested:
                        # Layer generators (dropout) are saved as they are now; the shuffle
                        # generator as it was at the epoch start, so resume replays the same order.
                        gens = ckpt.generator_states(model, rng)
                        gens["shuffle"] = epoch_start["shuffle"]
                        elapsed = seconds + time.perf_counter() - t0
                        save(epoch - 1, b, gens, [loss_sum, correct, seen, elapsed])
                        saved = f"checkpoint saved to {path}" if path else "no checkpoint_dir: nothing saved"
                        say(f"interrupted at epoch {epoch}, batch {b}; {saved}")
                        raise KeyboardInterrupt
            finally:
                bar.close()
            skip = 0
            train_seconds = seconds + time.perf_counter() - t0
            row = {
                "epoch": epoch,
                "train_loss": loss_sum / seen,
                "train_acc": correct / seen if classify else None,
                "seconds": None,
                "images_per_s": n / train_seconds if train_seconds > 0 else None,
                "lr": lr_used,
            }
            if val_data is not None:
                val = evaluate(model, val_data, loss_fn=loss_fn, batch_size=max(batch_size, 1000))
                row["val_loss"], row["val_acc"] = val["loss"], val["accuracy"]
                model.train()
            if scheduler is not None and not per_batch:
                scheduler.step()
            row["seconds"] = seconds + time.perf_counter() - t0
            history.append(**row)
            val_text = (
                f"  val loss {_fmt(row['val_loss'], '.4f')} acc {_fmt(row['val_acc'], '.2%')}"
                if val_data is not None
                else ""
            )
            say(
                f"epoch {epoch}/{epochs}  train loss {_fmt(row['train_loss'], '.4f')} "
                f"acc {_fmt(row['train_acc'], '.2%')}{val_text}  {row['seconds']:.1f} s  "
                f"{_fmt(row['images_per_s'], '.0f')} img/s  lr {_fmt(row['lr'], '.3g')}"
            )
            save(epoch, 0, ckpt.generator_states(model, rng), None)
            if interrupt.requested:
                saved = f"checkpoint saved to {path}" if path else "no checkpoint_dir: nothing saved"
                say(f"interrupted after epoch {epoch}; {saved}")
                raise KeyboardInterrupt
    return history
