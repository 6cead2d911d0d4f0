"""Classification figures: accuracy and the confusion matrix.

    accuracy = (number of i with argmax_c logits[i, c] == y[i]) / N
    confusion[t, p] = number of samples of true class t predicted as class p

Rows of the confusion matrix are true classes, columns predicted classes, so
row sums are the class counts and the diagonal holds the correct predictions.
Read next: ``loop.py`` (``evaluate`` and ``predict`` use these).
"""

from __future__ import annotations

import numpy as np

from .._validate import fail


def is_class_target(y: np.ndarray) -> bool:
    """True when ``y`` holds integer class indices of shape ``(N,)`` (so accuracy makes sense).

    >>> is_class_target(np.array([0, 2, 1])), is_class_target(np.array([[0.5], [1.0]]))
    (True, False)
    """
    y = np.asarray(y)
    return y.ndim == 1 and np.issubdtype(y.dtype, np.integer)


def count_correct(logits: np.ndarray, y: np.ndarray) -> int:
    """Number of rows whose largest logit sits at the true class.

    Args:
        logits: scores ``(N, C)``.
        y: true classes ``(N,)``, integers in ``[0, C)``.

    Returns:
        The count, an int in ``[0, N]``.

    >>> count_correct(np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0]]), np.array([0, 1, 1]))
    2
    """
    return int(np.count_nonzero(np.argmax(logits, axis=1) == y))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Count (true class, predicted class) pairs.

    Args:
        y_true: true classes ``(N,)``, integers in ``[0, num_classes)``.
        y_pred: predicted classes ``(N,)``, same range.
        num_classes: C.

    Returns:
        int64 array ``(C, C)``; ``confusion[t, p]`` counts true ``t`` predicted as ``p``.

    Raises:
        ValueError: if the arrays differ in length or hold a class outside ``[0, C)``.

    >>> confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    y_true = np.asarray(y_true).astype(np.int64, copy=False)  # (N,)
    y_pred = np.asarray(y_pred).astype(np.int64, copy=False)  # (N,)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        fail(
            "confusion_matrix",
            "y_true and y_pred of the same shape (N,)",
            f"shapes {y_true.shape} and {y_pred.shape}",
        )
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            fail(
                "confusion_matrix",
                f"{name} in [0, {num_classes})",
                f"values from {arr.min()} to {arr.max()}",
                hint="check num_classes against the model's number of outputs.",
            )
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)  # (C*C,)
    return flat.reshape(num_classes, num_classes).astype(np.int64)  # (C, C)
