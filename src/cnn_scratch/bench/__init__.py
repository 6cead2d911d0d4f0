"""``cnn-scratch bench`` (and ``python benchmarks/run.py``): how fast the fast path is, against PyTorch.

One run measures, at one BLAS thread count for both libraries:

* sgemm GFLOP/s of NumPy's BLAS (the ceiling for everything else);
* per op (``ops.py``): forward and backward time of the loop, fast and PyTorch versions,
  the ratio fast / PyTorch, and the fast path's GFLOP/s as a share of sgemm;
* models A and B (``models.py``): training images/s at batch 64 and inference images/s at
  batch 1000 (``eval()``), with the ratio of times cnn-scratch / PyTorch (lower is better);
* peak resident memory of training model A at batch 64 and 256, each in its own process;
* the loop (naive) path's time for one image through model A, forward + backward;
* scaling: model A training throughput against batch size (16, 64, 256) and image size
  (28, 56, 112), printed and, with matplotlib, plotted to a PNG.

It prints a table and writes JSON (machine, CPU, threads, NumPy/BLAS/torch versions, date).
Without torch every PyTorch cell says "not installed". ``--quick`` runs a few steps only.
Read next: ``timing.py``, ``ops.py``, ``models.py``, ``report.py``.
"""

from __future__ import annotations

import argparse
import os
import sys

SCALING = {
    **{f"batch={n}": (n, 28) for n in (16, 64, 256)},
    **{f"size={s}": (64, s) for s in (56, 112)},
}
"""Model A training rows of the scaling table: key -> (batch size, image size); batch=64 is size 28."""


def _merge_torch(first: dict, second: dict) -> dict:
    """Best of two PyTorch worker results: min of each ``*_s`` time, max of each rate."""
    out = {"num_threads": first["num_threads"], "ops": {}, "train": {}, "infer": {}, "scaling": {}}
    for name, row in first["ops"].items():
        out["ops"][name] = {
            k: min(v, second["ops"][name][k]) if k.endswith("_s") else v for k, v in row.items()
        }
    for part in ("train", "infer", "scaling"):
        out[part] = {k: max(v, second[part][k]) for k, v in first[part].items()}
    return out


def _second_pass(
    res: dict, torch_res: dict | None, threads: int, rep: int, steps: int, warm: int, say
) -> None:
    """Measure every timed row once more, PyTorch then cnn-scratch, and keep the best of each.

    Why: one pass times PyTorch first and cnn-scratch about a minute later; on a shared VM whose
    speed drifts (the naive loop row moved by 1.7x between two runs here), a ratio of two figures
    taken minutes apart can be off by more than the differences it is meant to show. Alternating
    torch, ours, torch, ours and keeping each side's best gives both the same chances.
    """
    from . import models, ops
    from .timing import run_worker

    if torch_res is not None:
        say("bench: PyTorch rows, second pass")
        task = {"task": "torch", "quick": False, "threads": threads, "scaling": SCALING}
        again = run_worker(task, threads)
        if "error" not in again:
            merged = _merge_torch(torch_res, again)
            for name, row in res["ops"].items():
                row["torch"] = merged["ops"][name]
            for name, row in res["models"].items():
                row["train_torch"], row["infer_torch"] = merged["train"][name], merged["infer"][name]
            for key, row in res["scaling"].items():
                row["torch"] = merged["scaling"][key]
    say("bench: ops, models and scaling, second pass")
    for row in res["ops"].values():
        again = ops.time_numpy_op(row["spec"], "fast", rep, 1)
        row["fast"] = {k: min(v, again[k]) if k.endswith("_s") else v for k, v in row["fast"].items()}
    for name, row in res["models"].items():
        row["train_ours"] = max(
            row["train_ours"], models.train_rate("ours", name, 64, steps=steps, repeat=rep, warmup=warm)
        )
        row["infer_ours"] = max(row["infer_ours"], models.infer_rate("ours", name, 1000, repeat=rep))
    for row in res["scaling"].values():
        n, size = row["batch"], row["image_size"]
        again = models.train_rate("ours", "a", n, size, steps=min(steps, 3), repeat=rep, warmup=1)
        row["ours"] = max(row["ours"], again)


def run(quick: bool = False, threads: int | None = None, json_path=None, plot_path=None, log=print) -> dict:
    """Run the whole suite; return the results (also written to ``json_path`` when given).

    Args:
        quick: a few steps per measurement (CI smoke test, well under 30 s).
        threads: BLAS threads for both libraries (default: the CPU count).
        json_path: where to write the JSON results, or None.
        plot_path: PNG of the scaling curves (needs matplotlib), or None.
        log: progress messages (``None``: silent).

    Returns:
        dict with keys ``machine``, ``sgemm_gflops``, ``ops``, ``models``, ``memory``,
        ``naive_image_s``, ``scaling``, ``quick``.
    """
    import time

    t_start = time.perf_counter()
    say0 = log or (lambda _m: None)

    def say(message: str) -> None:
        say0(f"[{time.perf_counter() - t_start:6.1f} s] {message}")

    threads = threads or os.cpu_count() or 1
    from . import models, ops, report
    from .timing import limit_threads, machine_info, run_worker, sgemm_gflops, torch_version

    has_torch = torch_version() is not None
    rep = 1 if quick else 7
    steps = 1 if quick else 10
    warm = 1 if quick else 2
    with limit_threads(threads):
        say(f"bench: {threads} thread(s), {'quick' if quick else 'full'} run")
        res = {"quick": quick, "machine": machine_info(threads)}
        res["sgemm_gflops"] = sgemm_gflops(512 if quick else 1024, repeat=3 if quick else 10)
        torch_res = None
        if has_torch:
            say("bench: PyTorch rows (separate process)")
            task = {"task": "torch", "quick": quick, "threads": threads, "scaling": SCALING}
            torch_res = run_worker(task, threads)
            if "error" in torch_res:
                say(f"bench: PyTorch worker failed: {torch_res['error']}")
                torch_res = None
        say("bench: ops")
        res["ops"] = {}
        for name, spec in ops.OPS.items():
            f_fwd, f_bwd = ops.flops(spec)
            row = {
                "spec": spec,
                "flops_forward": f_fwd,
                "flops_backward": f_bwd,
                "fast": ops.time_numpy_op(spec, "fast", rep, 1),
                "loop": ops.time_numpy_op(spec, "naive", 1, 1 if quick else 4),
                "torch": torch_res["ops"][name] if torch_res else None,
            }
            res["ops"][name] = row
        say("bench: models")
        res["models"] = {}
        for name in ("a", "b"):
            res["models"][name] = {
                "train_ours": models.train_rate("ours", name, 64, steps=steps, repeat=rep, warmup=warm),
                "infer_ours": models.infer_rate("ours", name, 1000, repeat=rep),
                "train_torch": torch_res["train"][name] if torch_res else None,
                "infer_torch": torch_res["infer"][name] if torch_res else None,
            }
        res["naive_image_s"] = models.naive_image_seconds("a")
        say("bench: scaling")
        res["scaling"] = {}
        for key, (n, size) in SCALING.items():
            res["scaling"][key] = {
                "batch": n,
                "image_size": size,
                "ours": models.train_rate("ours", "a", n, size, steps=min(steps, 3), repeat=rep, warmup=1),
                "torch": torch_res["scaling"][key] if torch_res else None,
            }
    say("bench: peak memory (one process per figure)")
    res["memory"] = {}
    for n in (64, 256):
        # --quick skips PyTorch here: each figure costs a fresh process that imports torch (~3 s).
        for fw in ("ours", "torch") if has_torch and not quick else ("ours",):
            task = {"task": "rss", "framework": fw, "model": "a", "batch": n, "steps": 3 if quick else 20}
            res["memory"][f"{fw}_batch{n}"] = run_worker(task, threads).get("peak_rss_mib")
    if not quick:
        with limit_threads(threads):
            _second_pass(res, torch_res, threads, rep, steps, warm, say)
    res["machine"]["torch_threads"] = torch_res["num_threads"] if torch_res else None
    print(report.format_table(res))
    if json_path:
        report.write_json(res, json_path)
        say(f"bench: wrote {json_path}")
    if plot_path:
        say(report.plot_scaling(res, plot_path))
    return res


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``cnn-scratch bench`` and ``benchmarks/run.py``."""
    p.add_argument("--quick", action="store_true", help="a few steps per measurement (smoke test, < 30 s)")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="BLAS threads for both libraries")
    p.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON to PATH")
    p.add_argument("--plot", default=None, metavar="PNG", help="plot the scaling table (needs matplotlib)")


def add_parser(subparsers) -> None:
    """Register the ``bench`` sub-command of the ``cnn-scratch`` command line."""
    p = subparsers.add_parser(
        "bench",
        help="benchmark the fast kernels and models against PyTorch",
        description="Time ops and models (cnn-scratch fast and loop paths, PyTorch), print a table, "
        "write JSON and a scaling plot.",
    )
    add_arguments(p)
    p.set_defaults(func=lambda args: _run_args(args))


def _run_args(args) -> int:
    run(quick=args.quick, threads=args.threads, json_path=args.json, plot_path=args.plot)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python benchmarks/run.py``; sets the thread count before NumPy loads."""
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=add_parser.__doc__)
    add_arguments(p)
    args = p.parse_args(argv)
    if args.threads and "numpy" not in sys.modules:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    return _run_args(args)
