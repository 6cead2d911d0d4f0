"""Measuring a trained model: ``evaluate`` (loss, accuracy, confusion matrix) and ``predict``.

Both switch the model to eval mode (dropout off) and back, and run it in
batches, so memory stays bounded whatever N is:

    accuracy = mean_i [argmax_c logits[i, c] == y[i]]
    probabilities[i, c] = exp(logits[i, c]) / sum_k exp(logits[i, k])

Read next: ``metrics.py`` (the confusion matrix), ``history.py``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from .. import functional as F
from .. import nn
from .._validate import fail
from ..data import iterate_batches
from ..progress import progress as progress_bar
from .history import History
from .metrics import confusion_matrix, is_class_target


def check_data(data, name: str, op: str) -> tuple[np.ndarray, np.ndarray]:
    """Check that ``data`` is an ``(x, y)`` pair of arrays with the same first dimension N."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        fail(op, f"{name} as a pair (x, y) of arrays", f"{type(data).__name__}", exc=TypeError)
    x, y = (np.asarray(a) for a in data)
    if x.shape[:1] != y.shape[:1] or x.shape[0] == 0:
        fail(
            op,
            f"{name} x and y with the same (non-zero) number of samples N",
            f"x of shape {x.shape} and y of shape {y.shape}",
            hint="x[i] must be the input whose target is y[i].",
        )
    return x, y


@contextlib.contextmanager
def _eval_mode(model):
    """Switch to eval mode (dropout off) and restore the previous mode afterwards."""
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def evaluate(model, data, loss_fn=None, batch_size: int = 1000, *, progress: bool = False) -> dict:
    """Measure the model on ``data = (x, y)`` without training it (eval mode, no gradients kept).

    Args:
        model: the trained ``Module``, mapping ``(N, ...)`` to logits ``(N, C)``.
        data: ``(x, y)``; y ``(N,)`` integer classes (or regression targets, then only the loss).
        loss_fn: loss module; ``None`` uses ``nn.CrossEntropyLoss()`` for class targets.
        batch_size: samples per forward pass (memory, not results).
        progress: show a progress bar.

    Returns:
        ``{"loss": mean loss over the N samples, "accuracy": fraction correct (or None),
        "confusion": int64 (C, C) with rows = true class (or None), "n": N}``.
    """
    x, y = check_data(data, "data", "evaluate")
    classify = is_class_target(y)
    if loss_fn is None and classify:
        loss_fn = nn.CrossEntropyLoss()
    loss_sum, preds = 0.0, []
    num_classes = None
    with _eval_mode(model):
        bar = progress_bar(total=x.shape[0], desc="evaluate", unit="img", disable=not progress)
        try:
            for xb, yb in iterate_batches(x, y, batch_size=batch_size):
                out = model(xb)  # (B, C)
                if loss_fn is not None:
                    loss_sum += float(loss_fn(out, yb)) * len(xb)
                if classify:
                    num_classes = out.shape[1]
                    preds.append(np.argmax(out, axis=1))  # (B,)
                bar.update(len(xb))
        finally:
            bar.close()
    result = {"loss": loss_sum / x.shape[0] if loss_fn is not None else None, "n": int(x.shape[0])}
    if classify:
        pred = np.concatenate(preds)  # (N,)
        result["accuracy"] = float(np.mean(pred == y))
        result["confusion"] = confusion_matrix(y, pred, max(num_classes, int(y.max()) + 1))
    else:
        result["accuracy"], result["confusion"] = None, None
    return result


def predict(model, x: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Classify ``x``: most likely class and softmax probabilities of each sample.

        probabilities[i, c] = exp(logits[i, c]) / sum_k exp(logits[i, k])

    Args:
        model: a classifier mapping ``(N, ...)`` to logits ``(N, C)``.
        x: inputs ``(N, ...)``, e.g. ``(N, 1, 28, 28)`` float32 in [0, 1] for MNIST.
        batch_size: samples per forward pass.

    Returns:
        ``(classes, probabilities)``: int64 ``(N,)`` and ``(N, C)`` (rows sum to 1).
    """
    x = np.asarray(x)
    probs = []
    with _eval_mode(model):
        for start in range(0, x.shape[0], batch_size):
            logits = model(x[start : start + batch_size])  # (B, C)
            p, _ = F.softmax_forward(logits, dim=1)  # (B, C)
            probs.append(p)
    probabilities = np.concatenate(probs) if probs else np.zeros((0, 0), np.float32)  # (N, C)
    return np.argmax(probabilities, axis=1).astype(np.int64), probabilities


def save_history(history: History, out_dir) -> tuple[Path, Path]:
    """Write ``history.json`` and ``history.csv`` into ``out_dir``; return both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    history.to_json(out / "history.json")
    history.to_csv(out / "history.csv")
    return out / "history.json", out / "history.csv"
