"""The ``cnn-scratch`` command line: ``train``, ``evaluate``, ``predict`` (``python -m cnn_scratch`` too).

Each sub-command is built by one ``add_<name>_parser(subparsers)`` function that
registers its flags and sets ``func`` (what runs). ``COMMANDS`` lists them; a new
sub-command living in another module (``explain``, ``viz``, ``bench``) is added by
appending ``"package.module:add_parser_function"`` to ``PLUGIN_COMMANDS``; it is
imported only when the command line is built.

The CLI is thin: it parses arguments and calls ``train``, ``data``, ``io``. Library
errors (``ValueError``, ``TypeError``, missing files, a diverging loss) become one
line on stderr and exit code 1; argparse usage errors exit with 2; Ctrl-C with 130
(set ``CNN_SCRATCH_DEBUG=1`` to see the traceback instead).
``--threads N`` is read from the raw arguments first, so the BLAS environment
variables are set before anything imports NumPy (``threadpoolctl``, if installed,
covers the case where NumPy is already loaded). Read next: ``train/loop.py``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

PROG = "cnn-scratch"
MNIST_MODELS = ("mnist_cnn", "mnist_cnn_b", "a", "b")
EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
_THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
_thread_limiter = None  # keeps a threadpoolctl limit alive for the life of the process


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit code 2), not a usage block."""

    def error(self, message: str):
        """Print ``<prog>: error: <message> (see <prog> --help)`` and exit with code 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- shared options ---------------------------------------------------------------------
def set_threads(n: int | None) -> str:
    """Limit BLAS threads to ``n``; return a note saying how (or why it could not).

    Environment variables work only if set before NumPy is imported (the CLI
    imports NumPy after parsing, so from the command line they always work);
    ``threadpoolctl``, if installed, also changes the limit of a running process.
    """
    global _thread_limiter
    if n is None:
        return ""
    if "numpy" not in sys.modules:
        for var in _THREAD_ENV_VARS:
            os.environ[var] = str(n)
        return f"BLAS threads set to {n} (environment, before numpy import)"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return (
            f"--threads {n} ignored: numpy is already imported and threadpoolctl is not installed; "
            f"set OMP_NUM_THREADS={n} before starting Python"
        )
    _thread_limiter = threadpool_limits(limits=n)
    return f"BLAS threads set to {n} (threadpoolctl)"


def _common(parser: argparse.ArgumentParser, data: bool = True) -> None:
    """Flags every command takes: --threads, and --data-dir where MNIST is read."""
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="number of BLAS threads (default: all cores; 1 is often fastest for these small matrices)",
    )
    if data:
        parser.add_argument(
            "--data-dir",
            default=None,
            metavar="DIR",
            help="folder with the four MNIST .gz files (default: $CNN_SCRATCH_DATA, then the user cache, "
            "then download)",
        )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


# -- train ------------------------------------------------------------------------------
def add_train_parser(subparsers) -> None:
    """Register ``train``: fit a preset on MNIST, save the model, history and a checkpoint."""
    p = subparsers.add_parser(
        "train",
        help="train a model on MNIST",
        description="Train a preset model on MNIST. Writes OUT/model.npz, OUT/history.json, OUT/history.csv "
        "and OUT/checkpoint/checkpoint.npz (after every epoch and on Ctrl-C; continue with --resume).",
    )
    p.add_argument(
        "--model", default="mnist_cnn", choices=MNIST_MODELS, help="preset (a = mnist_cnn, b = mnist_cnn_b)"
    )
    p.add_argument("--epochs", type=_positive_int, default=5, help="number of epochs (default: 5)")
    p.add_argument("--batch-size", type=_positive_int, default=64, help="images per step (default: 64)")
    p.add_argument(
        "--lr", type=_positive_float, default=None, help="learning rate (default: 3e-3 adam/adamw, 0.05 sgd)"
    )
    p.add_argument(
        "--optimizer", default="adam", choices=("sgd", "adam", "adamw"), help="optimizer (default: adam)"
    )
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: 0.9; sgd only)")
    p.add_argument(
        "--schedule",
        default="onecycle",
        choices=("onecycle", "cosine", "none"),
        help="learning-rate schedule; onecycle peaks at --lr (default: onecycle)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for weights and shuffling (default: 0)")
    p.add_argument("--out", default="runs/mnist", metavar="DIR", help="output folder (default: runs/mnist)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUT/checkpoint/checkpoint.npz (same --epochs and schedule as that run; "
        "with --schedule none a larger --epochs trains on)",
    )
    p.add_argument("--limit", type=_positive_int, default=None, help="train on the first N images only")
    p.add_argument(
        "--test-limit", type=_positive_int, default=None, help="evaluate on the first N test images only"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _common(p)
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    """Carry out ``cnn-scratch train``."""
    import numpy as np

    from . import io, nn, optim
    from .data import load_mnist
    from .models import get_model, resolve_name
    from .optim import lr_scheduler
    from .train import evaluate, fit, save_history

    init_seq, shuffle_seq = np.random.SeedSequence(args.seed).spawn(2)
    model = get_model(args.model, np.random.default_rng(init_seq))
    x, y = load_mnist("train", args.data_dir, limit=args.limit)  # (N, 1, 28, 28), (N,)
    x_test, y_test = load_mnist("test", args.data_dir, limit=args.test_limit)
    lr = args.lr if args.lr is not None else (0.05 if args.optimizer == "sgd" else 3e-3)
    if args.optimizer == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=lr, momentum=args.momentum)
    elif args.optimizer == "adam":
        optimizer = optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = optim.AdamW(model.parameters(), lr=lr)
    steps_per_epoch = -(-x.shape[0] // args.batch_size)
    scheduler = None
    if args.schedule == "onecycle":
        scheduler = lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch
        )
    elif args.schedule == "cosine":
        scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    out = Path(args.out)
    name = resolve_name(args.model)
    print(f"training {name} on {x.shape[0]} images for {args.epochs} epoch(s); writing to {out}")
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        (x, y),
        epochs=args.epochs,
        batch_size=args.batch_size,
        scheduler=scheduler,
        rng=np.random.default_rng(shuffle_seq),
        checkpoint_dir=out / "checkpoint",
        resume=args.resume,
        progress=not args.no_progress,
    )
    io.save(model, out / "model.npz")
    save_history(history, out)
    result = evaluate(model, (x_test, y_test), progress=not args.no_progress)
    print(f"test accuracy {result['accuracy']:.2%}  loss {result['loss']:.4f}  ({result['n']} images)")
    print(f"saved {out / 'model.npz'}, {out / 'history.json'}, {out / 'history.csv'}")
    return 0


# -- evaluate ---------------------------------------------------------------------------
def add_evaluate_parser(subparsers) -> None:
    """Register ``evaluate MODEL``: accuracy, loss and confusion matrix on MNIST."""
    p = subparsers.add_parser(
        "evaluate",
        help="measure a saved model on MNIST",
        description="Print accuracy, mean cross-entropy loss and the confusion matrix of a saved model.",
    )
    p.add_argument("model", metavar="MODEL", help="model file written by train (io.save)")
    p.add_argument("--split", default="test", choices=("test", "train"), help="MNIST split (default: test)")
    p.add_argument("--limit", type=_positive_int, default=None, help="use the first N images only")
    p.add_argument(
        "--batch-size", type=_positive_int, default=1000, help="images per forward pass (default: 1000)"
    )
    _common(p)
    p.set_defaults(func=run_evaluate)


def format_confusion(confusion) -> str:
    """The confusion matrix as a text table: rows true class, columns predicted class."""
    c = confusion.shape[0]
    width = max(5, len(str(int(confusion.max()))) + 1)
    head = "true\\pred".rjust(9) + "".join(str(j).rjust(width) for j in range(c))
    rows = [str(i).rjust(9) + "".join(str(int(v)).rjust(width) for v in confusion[i]) for i in range(c)]
    return "\n".join([head, *rows])


def run_evaluate(args) -> int:
    """Carry out ``cnn-scratch evaluate``."""
    from . import io
    from .data import load_mnist
    from .train import evaluate

    model = io.load(args.model)
    x, y = load_mnist(args.split, args.data_dir, limit=args.limit)
    result = evaluate(model, (x, y), batch_size=args.batch_size)
    print(f"{args.model} on {result['n']} {args.split} images")
    print(f"accuracy {result['accuracy']:.2%}  loss {result['loss']:.4f}")
    print(format_confusion(result["confusion"]))
    return 0


# -- predict ----------------------------------------------------------------------------
def add_predict_parser(subparsers) -> None:
    """Register ``predict MODEL IMAGE...``: class and top-3 probabilities per image."""
    p = subparsers.add_parser(
        "predict",
        help="classify 28x28 images",
        description="Classify 28x28 grayscale images (PNG and other formats via Pillow, or .npy arrays of "
        "shape (28, 28) with values in [0, 1] or 0..255). Digits are white on black, as in MNIST.",
    )
    p.add_argument("model", metavar="MODEL", help="model file written by train (io.save)")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="28x28 grayscale .png or .npy files")
    p.add_argument("--invert", action="store_true", help="invert images first (for dark digits on white)")
    _common(p, data=False)
    p.set_defaults(func=run_predict)


def load_image(path: str, invert: bool = False):
    """Read one 28x28 grayscale image as float32 ``(1, 28, 28)`` in [0, 1].

    Raises:
        FileNotFoundError: no such file.
        ValueError: wrong size or values, or an unreadable file.
    """
    import numpy as np

    from ._validate import fail

    if not Path(path).is_file():
        raise FileNotFoundError(f"predict: no such image file: {path}")
    if path.lower().endswith(".npy"):
        try:
            img = np.load(path, allow_pickle=False)
        except ValueError as e:
            fail("predict", "a .npy file holding a numeric array", f"{path}: {e}")
    else:
        try:
            from PIL import Image
        except ImportError:
            fail(
                "predict",
                "Pillow to read image files",
                f"{path}",
                hint="pip install pillow, or pass a .npy file.",
            )
        try:
            with Image.open(path) as im:
                img = np.asarray(im.convert("L"))  # (H, W) uint8
        except OSError as e:
            fail("predict", "an image file Pillow can read", f"{path}: {e}")
    img = np.squeeze(img)
    if img.shape != (28, 28):
        fail(
            "predict",
            "a 28x28 grayscale image",
            f"shape {np.shape(img)} in {path}",
            hint="resize the image to 28x28 pixels (MNIST size) first.",
        )
    if not (np.issubdtype(img.dtype, np.integer) or np.issubdtype(img.dtype, np.floating)):
        fail("predict", "numeric pixels", f"dtype {img.dtype} in {path}", exc=TypeError)
    img = img.astype(np.float32)
    if img.max() > 1.0:  # 0..255 pixels
        img = img / np.float32(255.0)
    if img.min() < 0.0 or img.max() > 1.0:
        fail("predict", "pixel values in [0, 1] or 0..255", f"range [{img.min()}, {img.max()}] in {path}")
    return (1.0 - img if invert else img)[None]  # (1, 28, 28)


def run_predict(args) -> int:
    """Carry out ``cnn-scratch predict``."""
    import numpy as np

    from . import io
    from .train import predict

    model = io.load(args.model)
    x = np.stack([load_image(p, args.invert) for p in args.images])  # (N, 1, 28, 28)
    classes, probs = predict(model, x)
    for path, c, p in zip(args.images, classes, probs, strict=True):
        top = np.argsort(-p, kind="stable")[:3]
        ranked = ", ".join(f"{k}: {p[k]:.2%}" for k in top)
        print(f"{path}: {c}  (top 3: {ranked})")
    return 0


# -- wiring -----------------------------------------------------------------------------
COMMANDS: list[Callable] = [add_train_parser, add_evaluate_parser, add_predict_parser]
"""Builders of the built-in sub-commands, in the order ``--help`` lists them."""

PLUGIN_COMMANDS: list[str] = [
    "cnn_scratch.explain.cli:add_parser",
    "cnn_scratch.viz.cli:add_parser",
    "cnn_scratch.bench:add_parser",
]
"""Sub-commands defined elsewhere, as ``"module:function"``, e.g. ``"cnn_scratch.explain.cli:add_parser"``."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser: every registered sub-command."""
    from . import __version__

    parser = _Parser(prog=PROG, description="Train, evaluate and run CNNs written from scratch in NumPy.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    builders = list(COMMANDS)
    for spec in PLUGIN_COMMANDS:
        module, _, func = spec.partition(":")
        builders.append(getattr(importlib.import_module(module), func))
    for build in builders:
        build(subparsers)
    return parser


def _threads_in(argv: list[str]) -> int | None:
    """The value of ``--threads N`` / ``--threads=N`` in ``argv`` if it is a positive int, else None.

    >>> _threads_in(["train", "--threads", "2"]), _threads_in(["predict", "--threads=x"])
    (2, None)
    """
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--threads=") else None
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        if value is not None:
            return int(value) if value.isdigit() and int(value) > 0 else None
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 error, 2 usage, 130 Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    # --threads first, before the sub-command modules (which may import NumPy) are loaded.
    early = _threads_in(argv)
    note = set_threads(early)
    args = build_parser().parse_args(argv)
    if getattr(args, "threads", None) not in (None, early):
        note = set_threads(args.threads)
    if note.startswith("--threads"):
        print(f"{PROG}: warning: {note}", file=sys.stderr)
    try:
        data_dir = getattr(args, "data_dir", None)
        if data_dir is not None and not Path(data_dir).is_dir():
            raise FileNotFoundError(f"--data-dir {data_dir}: no such directory")
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError, OSError, FloatingPointError) as e:
        if os.environ.get("CNN_SCRATCH_DEBUG"):
            raise
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
