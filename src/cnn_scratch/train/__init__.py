"""Training: ``fit`` / ``evaluate`` / ``predict``, the per-epoch ``History``, checkpoints.

``fit`` runs shuffled mini-batch training with a progress bar, validation, a
learning-rate schedule, a NaN guard and resumable checkpoints; ``evaluate``
reports loss, accuracy and the confusion matrix; ``predict`` gives classes and
softmax probabilities.
Read first: ``loop.py`` (the loop), then ``checkpoint.py`` and ``history.py``.
"""

from .checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from .evaluate import evaluate, predict, save_history
from .history import FIELDS, History
from .loop import fit
from .metrics import confusion_matrix, count_correct

__all__ = [
    "FIELDS",
    "History",
    "checkpoint_path",
    "confusion_matrix",
    "count_correct",
    "evaluate",
    "fit",
    "load_checkpoint",
    "predict",
    "save_checkpoint",
    "save_history",
]
