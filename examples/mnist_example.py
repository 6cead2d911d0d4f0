"""Train model A on MNIST to >= 99% test accuracy on a laptop CPU, top to bottom in one file.

    python examples/mnist_example.py                 # defaults: 5 epochs, a few minutes on 2 cores
    python examples/mnist_example.py --epochs 1 --limit 5000   # a quick look

Model A: Conv2d(1,16,5,p=2) -> ReLU -> MaxPool2d(2) -> Conv2d(16,32,5,p=2) -> ReLU -> MaxPool2d(2)
         -> Flatten -> Linear(1568,10); cross-entropy loss; Adam with a one-cycle learning rate.
Writes OUT/model.npz (cnn_scratch.io), OUT/history.json + .csv, OUT/curves.png and OUT/confusion.png.
The test set is evaluated after each epoch only to draw the curves (no choice is made from it).
"""

import argparse
import time
from pathlib import Path

t_start = time.perf_counter()

# -- defaults (every one can be changed on the command line) --------------------------------
parser = argparse.ArgumentParser(description="Train model A on MNIST with cnn_scratch.")
parser.add_argument("--epochs", type=int, default=5, help="passes over the 60,000 training images")
parser.add_argument("--batch-size", type=int, default=64, help="images per optimizer step")
parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the shuffling")
parser.add_argument("--data-dir", default=None, help="folder with the MNIST .gz files (default: auto)")
parser.add_argument("--out", default="runs/mnist_example", help="folder for the model, history and plots")
parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: all cores)")
parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
parser.add_argument("--test-limit", type=int, default=None, help="use only the first N test images")
args = parser.parse_args()

from cnn_scratch.cli import set_threads  # noqa: E402  (before NumPy starts its threads)

set_threads(args.threads)

import numpy as np  # noqa: E402

from cnn_scratch import io, nn, optim  # noqa: E402
from cnn_scratch.data import load_mnist  # noqa: E402
from cnn_scratch.models import mnist_cnn  # noqa: E402
from cnn_scratch.train import evaluate, fit, save_history  # noqa: E402

out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
init_seed, shuffle_seed = np.random.SeedSequence(args.seed).spawn(2)

# -- data: float32 images (N, 1, 28, 28) in [0, 1], int64 labels (N,) -------------------------
x_train, y_train = load_mnist("train", args.data_dir, limit=args.limit)
x_test, y_test = load_mnist("test", args.data_dir, limit=args.test_limit)
print(f"data: {len(x_train)} training and {len(x_test)} test images")

# -- model, loss, optimizer, schedule -----------------------------------------------------------
model = mnist_cnn(np.random.default_rng(init_seed))
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=args.lr)
steps_per_epoch = -(-len(x_train) // args.batch_size)  # ceil(N / B)
scheduler = optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch
)
print(model)

# -- the training loop (see cnn_scratch/train/loop.py: forward, loss, backward, step) ------------
history = fit(
    model,
    loss_fn,
    optimizer,
    (x_train, y_train),
    epochs=args.epochs,
    batch_size=args.batch_size,
    val_data=(x_test, y_test),
    scheduler=scheduler,
    rng=np.random.default_rng(shuffle_seed),
    checkpoint_dir=out / "checkpoint",
)

# -- evaluation and outputs ---------------------------------------------------------------------
result = evaluate(model, (x_test, y_test))
io.save(model, out / "model.npz")
save_history(history, out)
try:  # pictures need the optional matplotlib (pip install 'cnn-scratch[viz]')
    from cnn_scratch.viz import plot_confusion, plot_history

    plot_history(history, out / "curves.png")
    title = f"test confusion matrix ({result['accuracy']:.2%} correct)"
    plot_confusion(result["confusion"], out / "confusion.png", title=title)
except ImportError as e:
    print(f"skipping the plots: {e}")
print(f"test accuracy {result['accuracy']:.2%} on {result['n']} images, loss {result['loss']:.4f}")
print(f"wall time {time.perf_counter() - t_start:.1f} s (data loading included); outputs in {out}")
