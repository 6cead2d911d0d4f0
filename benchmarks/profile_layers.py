"""Per-layer forward/backward times of one training step of model A (or B), NumPy side only.

``python benchmarks/profile_layers.py [--model a] [--batch 64] [--threads 2] [--repeat 20]``

Runs whole training steps (forward, cross-entropy, backward with the first layer's dx skipped,
SGD momentum 0.9) and times every layer's forward and backward inside them, so each layer sees
the caches and memory state it sees in training. Prints the best (minimum over ``--repeat``
steps) milliseconds per layer and pass, the loss, the optimizer step and the step total.
Used to find where the time of a step goes before optimizing (see ``README.md``).
Read next: ``src/cnn_scratch/bench/models.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cnn_scratch import nn, optim
from cnn_scratch.bench.models import batch, build_ours
from cnn_scratch.bench.timing import limit_threads
from cnn_scratch.nn.pooling import fuses_with_relu, relu_max_pool


def profile(name: str = "a", n: int = 64, repeat: int = 20) -> dict[str, float]:
    """Best milliseconds per ``"<i> <Layer> fwd|bwd"``, ``"loss"``, ``"sgd"`` and ``"step"``.

    Args:
        name: model ``"a"`` or ``"b"``.
        n: batch size N.
        repeat: timed steps (after 3 warm-up steps).

    Returns:
        Best milliseconds by key, in the order the step runs them.
    """
    model = build_ours(name)
    x, y = batch(n)  # (N, 1, 28, 28), (N,)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    nn.skip_first_input_grad(model)
    model.train()
    layers = list(model)
    best: dict[str, float] = {}

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, float("inf")), seconds * 1e3)

    for it in range(repeat + 3):  # 3 warm-up steps
        t_step = time.perf_counter()
        model.zero_grad()
        h = x
        times = []
        i = 0
        while i < len(layers):  # as Sequential.forward, including its ReLU + MaxPool2d fusion
            t0 = time.perf_counter()
            if i + 1 < len(layers) and fuses_with_relu(layers[i], layers[i + 1]):
                h = relu_max_pool(layers[i], layers[i + 1], h)
                times.append((f"{i}+{i + 1} ReLU+MaxPool2d fwd", time.perf_counter() - t0))
                i += 2
                continue
            h = layers[i](h)
            times.append((f"{i} {type(layers[i]).__name__} fwd", time.perf_counter() - t0))
            i += 1
        t0 = time.perf_counter()
        loss_fn(h, y)
        g = loss_fn.backward()
        times.append(("loss", time.perf_counter() - t0))
        for i in reversed(range(len(layers))):
            t0 = time.perf_counter()
            g = layers[i].backward(g)
            times.append((f"{i} {type(layers[i]).__name__} bwd", time.perf_counter() - t0))
            if g is None:
                break
        t0 = time.perf_counter()
        opt.step()
        times.append(("sgd", time.perf_counter() - t0))
        times.append(("step", time.perf_counter() - t_step))
        if it >= 3:
            for key, s in times:
                keep(key, s)
    return best


def main() -> None:
    """Parse arguments, profile, print a table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="a")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=20)
    a = p.parse_args()
    with limit_threads(a.threads):
        best = profile(a.model, a.batch, a.repeat)
    parts = sum(v for k, v in best.items() if k != "step")
    for key, ms in best.items():
        print(f"{key:24s} {ms:7.2f} ms")
    print(f"{'sum of parts':24s} {parts:7.2f} ms  ({a.batch / best['step'] * 1e3:.0f} img/s by best step)")
    print(f"load average {np.round(__import__('os').getloadavg(), 2).tolist()}")


if __name__ == "__main__":
    main()
