"""Printing and saving benchmark results: the text table, the JSON file and the scaling plot.

Ratios are times, cnn-scratch / PyTorch: 1.0 means as fast, 1.5 means 50% slower.
Read next: ``../cli.py`` (where ``bench`` is registered).
"""

from __future__ import annotations

import json
from pathlib import Path

NOT_INSTALLED = "not installed"


def _ms(seconds) -> str:
    return NOT_INSTALLED if seconds is None else f"{seconds * 1e3:9.2f}"


def _ratio(ours_s, torch_s) -> str:
    return "-" if not ours_s or not torch_s else f"{ours_s / torch_s:5.2f}"


def _rate(value) -> str:
    return NOT_INSTALLED if value is None else f"{value:9.0f}"


def format_table(res: dict) -> str:
    """The results as a plain-text table (the one ``cnn-scratch bench`` prints)."""
    m = res["machine"]
    sgemm = res["sgemm_gflops"]
    blas = ", ".join(  # e.g. "openblas 0.3.31 (Haswell), openmp None (None)"
        f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')})" for b in m["blas"]
    )
    lines = [
        f"cnn-scratch bench  {m['date']}  {m['cpu']} ({m['cpu_count']} cpus, load {m['load_average']})",
        f"threads {m['threads']} (torch {m['torch_threads']})  numpy {m['numpy']}  BLAS {blas or '?'}  "
        f"torch {m['torch'] or NOT_INSTALLED}  env {m['blas_env']}",
        f"sgemm (NumPy BLAS, float32): {sgemm:.0f} GFLOP/s" + ("   [quick run]" if res["quick"] else ""),
        "",
        "op (float32, batch 64)   pass     loop ms   fast ms  torch ms  fast/torch  fast GFLOP/s  % sgemm",
    ]
    for name, row in res["ops"].items():
        t = row["torch"]
        for p in ("forward", "backward"):
            fast = row["fast"][f"{p}_s"]
            flops = row[f"flops_{p}"]
            gf = flops / fast / 1e9 if flops else None
            gf_txt = f"{gf:12.1f}  {100 * gf / sgemm:6.0f}%" if gf else f"{'-':>12}  {'-':>7}"
            torch_s = t[f"{p}_s"] if t else None
            lines.append(
                f"{name:24s} {p:8s} {_ms(row['loop'][f'{p}_s'])} {_ms(fast)} {_ms(torch_s):>9} "
                f"{_ratio(fast, torch_s):>10}  {gf_txt}"
            )
    loop_n = {row["loop"].get("measured_n") or 1 for row in res["ops"].values()}
    lines += [
        f"(loop times measured on {min(loop_n, default=0)} image(s) per op and scaled to the batch; "
        "ratios are times, cnn-scratch / PyTorch)",
        "",
        "model                       cnn-scratch img/s  torch img/s  time ratio (<= 1.5 / 1.2 target)",
    ]
    for name, row in res["models"].items():
        for kind, label in (("train", "training, batch 64"), ("infer", "inference, batch 1000")):
            ours, theirs = row[f"{kind}_ours"], row[f"{kind}_torch"]
            ratio = "-" if not theirs else f"{theirs / ours:.2f}"
            lines.append(f"{name.upper()} {label:24s} {_rate(ours):>17} {_rate(theirs):>12}  {ratio:>6}")
    mem = res["memory"]
    lines += [
        "",
        "peak RSS, training model A (MiB, own process): "
        + ", ".join(f"{k} {v:.0f}" if v is not None else f"{k} ?" for k, v in mem.items()),
        f"loop (naive) path, model A, one image forward + backward: {res['naive_image_s'] * 1e3:.0f} ms",
        "",
        "scaling, model A training     cnn-scratch img/s  torch img/s  time ratio",
    ]
    for row in res["scaling"].values():
        theirs = row["torch"]
        ratio = "-" if not theirs else f"{theirs / row['ours']:.2f}"
        label = f"batch {row['batch']}, {row['image_size']}x{row['image_size']}"
        lines.append(f"{label:29s} {_rate(row['ours']):>17} {_rate(theirs):>12}  {ratio:>6}")
    return "\n".join(lines)


def write_json(res: dict, path) -> None:
    """Write ``res`` as indented JSON (tuples become lists)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(res, indent=2, default=str) + "\n")


def plot_scaling(res: dict, path) -> str:
    """Plot training throughput vs batch size and vs image size to ``path``; return a status line."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "bench: matplotlib not installed, no plot"
    rows = res["scaling"]
    by_batch = sorted((r for r in rows.values() if r["image_size"] == 28), key=lambda r: r["batch"])
    by_size = sorted((r for r in rows.values() if r["batch"] == 64), key=lambda r: r["image_size"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, data, key, xlabel in ((axes[0], by_batch, "batch", "batch size (28x28)"),
                                  (axes[1], by_size, "image_size", "image size (batch 64)")):  # fmt: skip
        xs = [r[key] for r in data]
        ax.plot(xs, [r["ours"] for r in data], "o-", label="cnn-scratch")
        if all(r["torch"] for r in data):
            ax.plot(xs, [r["torch"] for r in data], "s--", label="PyTorch")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(v) for v in xs])  # label the measured sizes, not powers of two
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("training images/s")
        ax.legend()
    fig.suptitle(f"model A, {res['machine']['threads']} thread(s)")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"bench: wrote {path}"
