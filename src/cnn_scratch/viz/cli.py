"""The ``cnn-scratch viz MODEL`` sub-command: pictures of a trained model.

    cnn-scratch viz runs/mnist/model.npz --digit 7 --out runs/mnist/pictures

writes ``filters.png`` (first-layer kernels), ``feature_maps.png`` (the first test
image of ``--digit`` through every layer), ``confusion.png``, ``misclassified.png``
and, when a ``history.json`` is found (``--history``, or next to MODEL),
``curves.png``. The kernel-sliding animation is ``cnn-scratch explain conv --animate DIR``.
Read next: ``filters.py``.
"""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    """Register ``viz`` on the main ``cnn-scratch`` parser."""
    p = subparsers.add_parser(
        "viz",
        help="draw pictures of a trained model",
        description="Filters, feature maps of one digit, confusion matrix, misclassified digits and training "
        "curves of a saved model (matplotlib needed: pip install 'cnn-scratch[viz]').",
    )
    p.add_argument("model", metavar="MODEL", help="model file written by train (io.save)")
    p.add_argument(
        "--digit", type=int, default=7, choices=range(10), metavar="D", help="digit for feature maps"
    )
    p.add_argument(
        "--out", default=None, metavar="DIR", help="output folder (default: MODEL's folder/pictures)"
    )
    p.add_argument("--history", default=None, metavar="JSON", help="history.json (default: next to MODEL)")
    p.add_argument("--limit", type=int, default=None, help="use the first N test images (default: all)")
    p.add_argument("--data-dir", default=None, metavar="DIR", help="folder with the MNIST files")
    p.set_defaults(func=run)


def make_pictures(model_path, out_dir, digit: int = 7, history=None, limit=None, data_dir=None) -> dict:
    """Write every picture of ``model_path`` into ``out_dir``; return ``{name: path}``."""
    import numpy as np

    from .. import io
    from ..data import load_mnist
    from ..train import evaluate, predict
    from .confusion import plot_confusion
    from .curves import plot_history
    from .filters import plot_feature_maps, plot_filters
    from .misclassified import plot_misclassified

    out = Path(out_dir)
    model = io.load(model_path)
    x, y = load_mnist("test", data_dir, limit=limit)  # (N, 1, 28, 28), (N,)
    written = {"filters": plot_filters(model, out / "filters.png")}
    hits = np.flatnonzero(y == digit)
    k = int(hits[0]) if hits.size else 0
    written["feature_maps"] = plot_feature_maps(model, x[k], out / "feature_maps.png", label=int(y[k]))
    result = evaluate(model, (x, y))
    written["confusion"] = plot_confusion(result["confusion"], out / "confusion.png")
    classes, probs = predict(model, x)
    written["misclassified"] = plot_misclassified(x, y, classes, probs, out / "misclassified.png")
    hist = Path(history) if history else Path(model_path).parent / "history.json"
    if hist.is_file():
        written["curves"] = plot_history(hist, out / "curves.png")
    elif history:
        raise FileNotFoundError(f"viz: no such history file: {history}")
    return written


def run(args) -> int:
    """Carry out ``cnn-scratch viz``."""
    out = args.out or str(Path(args.model).parent / "pictures")
    written = make_pictures(args.model, out, args.digit, args.history, args.limit, args.data_dir)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0
