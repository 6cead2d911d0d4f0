"""Timing tools of the benchmark suite: best-of-N timers, sgemm peak, machine facts, subprocess workers.

Rules every number in ``cnn-scratch bench`` follows:

* best of N repetitions (the minimum is the least disturbed by other processes);
* PyTorch is timed in a separate Python process: NumPy's OpenBLAS threads and
  PyTorch's OpenMP threads both spin-wait after a call, so in one process each
  pool steals the cores of the other (measured here: PyTorch's model A training
  fell from ~3,000 to ~420 images/s when NumPy had run a GEMM just before);
* both libraries get the same thread count (``--threads``).

Read next: ``models.py`` (what is timed), then ``__init__.py`` (the command).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` runs of ``number`` calls, after ``warmup`` calls.

    >>> best_time(lambda: None, repeat=2) >= 0
    True
    """
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def sgemm_gflops(size: int = 1024, repeat: int = 5) -> float:
    """GFLOP/s of one float32 (size x size) @ (size x size) product in NumPy's BLAS (2*size**3 flops)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)  # (size, size)
    b = rng.standard_normal((size, size), dtype=np.float32)  # (size, size)
    c = np.empty_like(a)  # (size, size)
    t = best_time(lambda: np.matmul(a, b, out=c), repeat=repeat, warmup=3)  # wake the BLAS threads
    return 2 * size**3 / t / 1e9


def limit_threads(n: int | None):
    """Context limiting BLAS threads of this process to ``n`` (threadpoolctl), or a no-op."""
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n)


def blas_info() -> list[dict]:
    """The BLAS/OpenMP libraries loaded in this process (threadpoolctl), or [] without it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("internal_api", "version", "num_threads", "architecture", "threading_layer", "prefix")
    return [{k: lib.get(k) for k in keep} for lib in threadpool_info()]


def machine_info(threads: int | None) -> dict:
    """Facts that make a benchmark reproducible: CPU, cores, load, versions, BLAS and its settings."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "load_average": load,
        "threads": threads,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "blas_env": {k: os.environ.get(k) for k in BLAS_ENV_VARS},
        "torch": torch_version(),
    }


def torch_version() -> str | None:
    """The installed torch version, found without importing it (importing starts its thread pool)."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def run_worker(task: dict, threads: int | None, timeout: float = 600) -> dict:
    """Run ``cnn_scratch.bench.worker`` on ``task`` in a fresh Python process; return its JSON answer.

    The child gets the same thread limit through the environment (set before NumPy or torch load).
    Returns ``{"error": message}`` if the child fails.
    """
    env = dict(os.environ)
    if threads is not None:
        env.update({var: str(threads) for var in THREAD_ENV_VARS})
    cmd = [sys.executable, "-m", "cnn_scratch.bench.worker", json.dumps(task)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"worker timed out after {timeout} s"}
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return {"error": f"worker exit {done.returncode}: {tail[0]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])
