"""The example scripts run and do what they say (subprocess, as a user would run them)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = os.environ.get("CNN_SCRATCH_DATA") or str(ROOT.parent / "shared" / "data" / "mnist")


def _run(*args, timeout=120):
    env = {**os.environ, "CNN_SCRATCH_DATA": DATA, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


def test_xor_prints_four_correct_predictions_and_a_falling_loss():
    proc = _run("examples/xor.py")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    preds = [re.match(r"\s+(\d) XOR (\d) -> (\d)", line) for line in lines]
    preds = [tuple(int(g) for g in m.groups()) for m in preds if m]
    assert len(preds) == 8  # four for the MLP, four for the 1x1-conv CNN
    assert all((a ^ b) == p for a, b, p in preds)
    losses = [float(m.group(1)) for m in (re.search(r"loss ([\d.]+)", line) for line in lines) if m]
    assert losses[0] > 0.5 and losses[10] < 0.05  # MLP: from chance level to near zero
    assert "all correct" in proc.stdout


def test_mnist_example_smoke(tmp_path):
    # A tiny run of the real script: flags work and every output file is written.
    proc = _run(
        "examples/mnist_example.py",
        "--epochs", "1", "--limit", "256", "--test-limit", "200", "--batch-size", "64",
        "--out", str(tmp_path), "--threads", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"test accuracy \d+\.\d+%", proc.stdout)
    for name in ("model.npz", "history.json", "history.csv"):
        assert (tmp_path / name).is_file()
    for name in ("curves.png", "confusion.png"):  # matplotlib is installed here
        assert (tmp_path / name).stat().st_size > 1000
