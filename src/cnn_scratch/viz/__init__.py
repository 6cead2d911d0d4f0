"""Pictures: training curves, filters, feature maps, confusion matrix, misclassified digits, animation.

matplotlib is an optional extra (``pip install 'cnn-scratch[viz]'``), imported only
when a picture is drawn; figures use the Agg canvas directly (no ``pyplot`` state).
Every function writes a PNG (or GIF) and returns its path.

- ``plot_history(history_or_json, path)``             curves.py
- ``plot_filters(model, path)``, ``plot_feature_maps(model, image, path)``   filters.py
- ``plot_confusion(confusion, path)``                 confusion.py
- ``plot_misclassified(images, labels, pred, probs, path)``   misclassified.py
- ``conv_animation(x, weight, bias, stride, padding, out_dir)`` -> (gif, strip png)   animation.py

Read first: ``_mpl.py``, then ``animation.py``.
"""

from .animation import conv_animation
from .confusion import plot_confusion
from .curves import plot_history
from .filters import layer_outputs, plot_feature_maps, plot_filters
from .misclassified import plot_misclassified

__all__ = [
    "conv_animation",
    "layer_outputs",
    "plot_confusion",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_misclassified",
]
