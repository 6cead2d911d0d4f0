"""The two benchmark models, built the same way in cnn-scratch and in PyTorch, and their throughput.

Model A (16.4 MFLOP per image for forward + backward at 28x28)::

    Conv2d(1, 16, 5, padding=2) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 5, padding=2) -> ReLU
    -> MaxPool2d(2) -> Flatten -> Linear(32 * (S/4)**2, 10)          (S = image size, 28 for MNIST)

Model B: Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3) -> ReLU -> MaxPool2d(2) -> Flatten
-> Linear(9216, 128) -> ReLU -> Linear(128, 10) (28x28 only).

One training step is the step of ``train/loop.py``: forward, cross-entropy, backward with
the first layer's input gradient skipped (as ``fit`` does; PyTorch skips it too, since
the images do not require grad), SGD with momentum 0.9. Inference is ``eval()`` and
forward only (``torch.inference_mode`` on the PyTorch side).
Read next: ``ops.py``.
"""

from __future__ import annotations

import numpy as np

from .timing import best_time


def build_ours(name: str, image_size: int = 28, seed: int = 0):
    """Model ``"a"`` or ``"b"`` as a cnn-scratch ``Sequential`` (float32)."""
    from .. import nn

    rng = np.random.default_rng(seed)
    if name == "a":
        side = image_size // 4  # two 2x2 poolings
        return nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2, rng=rng),  # (N, 16, S, S)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, S/2, S/2)
            nn.Conv2d(16, 32, 5, padding=2, rng=rng),  # (N, 32, S/2, S/2)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, S/4, S/4)
            nn.Flatten(),  # (N, 32*(S/4)**2)
            nn.Linear(32 * side * side, 10, rng=rng),  # (N, 10)
        )
    from ..models import mnist_cnn_b

    return mnist_cnn_b(rng)


def build_torch(name: str, image_size: int = 28):
    """The same architecture in PyTorch (its own default initialisation)."""
    import torch.nn as tnn

    if name == "a":
        side = image_size // 4
        return tnn.Sequential(
            tnn.Conv2d(1, 16, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(16, 32, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Flatten(), tnn.Linear(32 * side * side, 10),
        )  # fmt: skip
    return tnn.Sequential(
        tnn.Conv2d(1, 32, 3), tnn.ReLU(), tnn.Conv2d(32, 64, 3), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(9216, 128), tnn.ReLU(), tnn.Linear(128, 10),
    )  # fmt: skip


def batch(n: int, image_size: int = 28, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random float32 images (N, 1, S, S) and int64 labels (N,)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, image_size, image_size), dtype=np.float32)  # (N, 1, S, S)
    return x, rng.integers(0, 10, n)  # (N,)


def ours_train_step(model, x: np.ndarray, y: np.ndarray):
    """A closure running one cnn-scratch training step on (x, y)."""
    from .. import nn, optim

    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    nn.skip_first_input_grad(model)  # what fit() does: nobody needs dL/d(images)
    model.train()

    def step():
        model.zero_grad()
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        optimizer.step()

    return step


def torch_train_step(model, x: np.ndarray, y: np.ndarray):
    """A closure running one PyTorch training step on (x, y)."""
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    model.train()

    def step():
        optimizer.zero_grad()
        loss_fn(model(tx), ty).backward()
        optimizer.step()

    return step


def train_rate(
    framework: str, name: str, n: int, image_size: int = 28, steps: int = 5, repeat: int = 3, warmup: int = 2
) -> float:
    """Training images per second: best of ``repeat`` runs of ``steps`` steps at batch size ``n``."""
    x, y = batch(n, image_size)
    if framework == "torch":
        step = torch_train_step(build_torch(name, image_size), x, y)
    else:
        step = ours_train_step(build_ours(name, image_size), x, y)
    return n / best_time(step, repeat=repeat, number=steps, warmup=warmup)


def infer_rate(framework: str, name: str, n: int = 1000, repeat: int = 3) -> float:
    """Inference images per second (eval mode, forward only) at batch size ``n``."""
    x, _ = batch(n)
    if framework == "torch":
        import torch

        model = build_torch(name).eval()
        tx = torch.from_numpy(x)

        def forward():
            with torch.inference_mode():
                model(tx)

    else:
        model = build_ours(name).eval()

        def forward():
            model(x)

    return n / best_time(forward, repeat=repeat, warmup=1)


def peak_rss_mib(framework: str, name: str, n: int, steps: int = 5) -> float:
    """Peak resident memory (MiB) of this process after ``steps`` training steps (call in a fresh process).

    Reads VmHWM (Linux), falling back to ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
    """
    import resource
    import sys

    x, y = batch(n)
    if framework == "torch":
        step = torch_train_step(build_torch(name), x, y)
    else:
        step = ours_train_step(build_ours(name), x, y)
    for _ in range(steps):
        step()
    # On Linux, getrusage's ru_maxrss survives fork + exec, so a child started by a big parent
    # reports the parent's peak; VmHWM belongs to this process's own address space.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB -> MiB
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def naive_image_seconds(name: str = "a") -> float:
    """Seconds for ONE image through the loop (naive) kernels: forward + loss + backward (all dx)."""
    from .. import nn

    model = build_ours(name).use_impl("naive")
    x, y = batch(1)
    loss_fn = nn.CrossEntropyLoss()

    def once():
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())

    return best_time(once, repeat=1, warmup=0)
