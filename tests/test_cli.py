"""The command line, run as a user runs it: ``python -m cnn_scratch ...`` in a subprocess."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnn_scratch.cli import build_parser, format_confusion

ROOT = Path(__file__).resolve().parents[1]
DATA = os.environ.get("CNN_SCRATCH_DATA") or str(ROOT.parent / "shared" / "data" / "mnist")


def cli(*args, cwd=None):
    env = {**os.environ, "CNN_SCRATCH_DATA": DATA}
    env.pop("CNN_SCRATCH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "cnn_scratch", *map(str, args)],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd or ROOT,
    )  # fmt: skip


def assert_clean_error(proc, code, pattern):
    """Exit ``code``, one line on stderr matching ``pattern`` (no usage block), and no traceback."""
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert re.search(pattern, proc.stderr), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Train model A for one epoch on 256 images through the CLI (shared by the tests below)."""
    out = tmp_path_factory.mktemp("run")
    proc = cli(
        "train", "--limit", 256, "--test-limit", 100, "--epochs", 1, "--out", out, "--threads", 1, "--seed", 3
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """The first two test digits as a .npy (float in [0, 1]) and a PNG (uint8), plus bad files."""
    from PIL import Image

    from cnn_scratch.data import load_mnist

    d = tmp_path_factory.mktemp("img")
    x, y = load_mnist("test", DATA, limit=2)
    np.save(d / "d0.npy", x[0, 0])  # (28, 28)
    Image.fromarray((x[1, 0] * 255).round().astype(np.uint8)).save(d / "d1.png")
    np.save(d / "small.npy", np.zeros((27, 28), np.float32))
    Image.new("L", (32, 32)).save(d / "big.png")
    (d / "corrupt.npz").write_bytes(b"PK\x03\x04" + bytes(200))
    (d / "notimage.png").write_text("hello")
    return d, x, y


def test_help_for_every_command():
    proc = cli("--help")
    assert proc.returncode == 0
    for command in ("train", "evaluate", "predict"):
        assert command in proc.stdout
    for command, flags in {
        "train": ["--model", "--epochs", "--batch-size", "--lr", "--optimizer", "--momentum", "--seed",
                  "--data-dir", "--out", "--resume", "--limit", "--threads"],
        "evaluate": ["MODEL", "--data-dir", "--limit", "--threads"],
        "predict": ["MODEL", "IMAGE", "--threads"],
    }.items():  # fmt: skip
        proc = cli(command, "--help")
        assert proc.returncode == 0
        for flag in flags:
            assert flag in proc.stdout, (command, flag)


def test_every_flag_has_help_text():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, (name, action.dest)


def test_train_writes_model_history_and_checkpoint(run_dir):
    out, proc = run_dir
    assert re.search(r"epoch 1/1  train loss \d+\.\d{4} acc", proc.stdout)
    assert re.search(r"test accuracy \d+\.\d\d%", proc.stdout)
    for name in ("model.npz", "history.json", "history.csv", "checkpoint/checkpoint.npz"):
        assert (out / name).is_file(), name


def test_ctrl_c_then_resume_equals_an_uninterrupted_run(tmp_path):
    import signal
    import time

    from cnn_scratch import io

    args = ["train", "--limit", 1024, "--test-limit", 100, "--epochs", 2, "--threads", 1, "--no-progress"]
    env = {**os.environ, "CNN_SCRATCH_DATA": DATA}
    cmd = [sys.executable, "-m", "cnn_scratch", *map(str, args)]
    run = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [*cmd, "--out", str(run)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    deadline = time.monotonic() + 60
    while not (run / "checkpoint" / "checkpoint.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # during epoch 2: Ctrl-C
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "checkpoint saved" in out and "Traceback" not in err
    assert not (run / "model.npz").exists()

    resumed = cli(*args, "--out", run, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stdout and "epoch 1/2" not in resumed.stdout
    straight = cli(*args, "--out", tmp_path / "straight")
    assert straight.returncode == 0, straight.stderr
    a = io.load(run / "model.npz").state_dict()
    b = io.load(tmp_path / "straight" / "model.npz").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_resume_with_other_epochs_is_refused_before_training(run_dir):
    out, _ = run_dir  # 1 epoch with the default onecycle schedule: 4 batches of 64
    before = (out / "checkpoint" / "checkpoint.npz").read_bytes()
    proc = cli("train", "--limit", 256, "--test-limit", 100, "--epochs", 2, "--out", out, "--threads", 1,
               "--seed", 3, "--resume", "--no-progress")  # fmt: skip
    assert_clean_error(
        proc,
        1,
        r"^cnn-scratch train: error: fit\(resume=True\): expected the OneCycleLR settings of the "
        r"checkpointed run .*checkpoint\.npz \(total_steps=4\), got total_steps=8 .* "
        r"Hint: resume with the same epochs and schedule as the interrupted run "
        r"\(CLI: the same --epochs, .*a new --out\)\.$",
    )
    assert "epoch 2/2" not in proc.stdout
    assert (out / "checkpoint" / "checkpoint.npz").read_bytes() == before


def test_evaluate_prints_accuracy_loss_and_confusion(run_dir):
    proc = cli("evaluate", run_dir[0] / "model.npz", "--limit", 200)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"accuracy \d+\.\d\d%  loss \d+\.\d{4}", proc.stdout)
    rows = [line.split() for line in proc.stdout.splitlines() if re.match(r"\s+\d\s", line)]
    assert len(rows) == 10
    counts = np.array([[int(v) for v in row[1:]] for row in rows])  # (10, 10)
    assert counts.sum() == 200


def test_predict_npy_and_png(run_dir, images):
    d, x, _ = images
    proc = cli("predict", run_dir[0] / "model.npz", d / "d0.npy", d / "d1.png")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert (
        len(lines) == 2 and lines[0].startswith(str(d / "d0.npy")) and lines[1].startswith(str(d / "d1.png"))
    )
    for line in lines:
        m = re.search(r": (\d)  \(top 3: (\d): ([\d.]+)%, (\d): ([\d.]+)%, (\d): ([\d.]+)%\)", line)
        assert m, line
        top = [float(m.group(i)) for i in (3, 5, 7)]
        assert m.group(1) == m.group(2) and top == sorted(top, reverse=True) and sum(top) <= 100.01
    # Same answer as the library on the same pixels (the PNG holds them rounded to 1/255).
    from cnn_scratch import io
    from cnn_scratch.train import predict

    classes, _ = predict(io.load(run_dir[0] / "model.npz"), x[:1])
    assert lines[0].split(": ")[1].startswith(str(classes[0]))


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("small.npy", r"predict: expected a 28x28 grayscale image, got shape \(27, 28\)"),
        ("big.png", r"predict: expected a 28x28 grayscale image, got shape \(32, 32\)"),
        ("notimage.png", r"predict: expected an image file Pillow can read"),
        ("missing.npy", r"no such image file"),
    ],
)
def test_predict_bad_images(run_dir, images, name, pattern):
    proc = cli("predict", run_dir[0] / "model.npz", images[0] / name)
    assert_clean_error(proc, 1, r"^cnn-scratch predict: error: .*" + pattern)


def test_bad_model_files(images, tmp_path):
    d = images[0]
    assert_clean_error(
        cli("predict", d / "corrupt.npz", d / "d0.npy"), 1, r"cnn-scratch predict: error: load"
    )
    assert_clean_error(cli("evaluate", tmp_path / "nope.npz"), 1, r"cnn-scratch evaluate: error: .*nope\.npz")


def test_usage_errors_exit_2():
    assert_clean_error(cli("train", "--epochs", 0), 2, r"argument --epochs: expected an integer >= 1, got 0")
    assert_clean_error(cli("train", "--model", "resnet"), 2, r"argument --model: invalid choice: 'resnet'")
    assert_clean_error(cli("train", "--optimizer", "rmsprop"), 2, r"invalid choice: 'rmsprop'")
    assert_clean_error(cli("fly"), 2, r"invalid choice: 'fly'")
    assert_clean_error(cli(), 2, r"required: COMMAND")


def test_missing_data_dir_is_an_error(tmp_path):
    proc = cli("evaluate", tmp_path / "m.npz", "--data-dir", tmp_path / "nowhere")
    assert_clean_error(proc, 1, r"cnn-scratch evaluate: error: --data-dir .*nowhere: no such directory")


def test_format_confusion_layout():
    text = format_confusion(np.array([[3, 0], [1, 12]]))
    assert text.splitlines() == ["true\\pred    0    1", "        0    3    0", "        1    1   12"]
