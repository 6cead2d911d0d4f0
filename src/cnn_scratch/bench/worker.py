"""Child process of the benchmark: ``python -m cnn_scratch.bench.worker '<task as JSON>'``.

Runs one task in a fresh interpreter and prints one line of JSON. Tasks:

* ``{"task": "torch", ...}``: every PyTorch measurement (ops, models, scaling) in one process;
* ``{"task": "rss", "framework": ..., "model": ..., "batch": ...}``: training steps, then the
  peak resident memory of this process (so each figure is one framework at one batch size).

Thread limits arrive through the environment (set by ``timing.run_worker``).
Read next: ``__init__.py``.
"""

from __future__ import annotations

import json
import os
import sys


def torch_task(task: dict) -> dict:
    """Time every PyTorch row the parent asks for."""
    import torch

    threads = task.get("threads")
    if threads:
        torch.set_num_threads(threads)
    from . import models, ops

    q = task["quick"]
    rep = 1 if q else 7
    out = {"num_threads": torch.get_num_threads(), "ops": {}, "train": {}, "infer": {}, "scaling": {}}
    for name, spec in ops.OPS.items():
        out["ops"][name] = ops.time_torch_op(spec, rep)
    steps, warmup = (1, 1) if q else (10, 2)
    for name in ("a", "b"):
        out["train"][name] = models.train_rate("torch", name, 64, steps=steps, repeat=rep, warmup=warmup)
        out["infer"][name] = models.infer_rate("torch", name, 1000, repeat=rep)
    for key, (n, size) in task["scaling"].items():
        out["scaling"][key] = models.train_rate(
            "torch", "a", n, size, steps=1 if q else 3, repeat=rep, warmup=1
        )
    return out


def main(argv: list[str]) -> int:
    """Run the task given as JSON in ``argv[0]`` and print the JSON result."""
    task = json.loads(argv[0])
    if task["task"] == "torch":
        result = torch_task(task)
    elif task["task"] == "rss":
        if task["framework"] == "torch":
            import torch

            torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
        from .models import peak_rss_mib

        result = {
            "peak_rss_mib": peak_rss_mib(task["framework"], task["model"], task["batch"], task["steps"])
        }
    else:
        raise ValueError(f"unknown task {task['task']!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
