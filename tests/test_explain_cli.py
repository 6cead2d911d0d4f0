"""``cnn-scratch explain``: prints narrations, exits 2 with one line on bad input, never a traceback."""

import os
import subprocess
import sys

import pytest

from cnn_scratch import cli


def run(args, capsys):
    code = cli.main(["explain", *args, "--no-color"])
    out, err = capsys.readouterr()
    return code, out, err


def test_conv_narration_printed(capsys):
    code, out, err = run(
        ["conv", "--input", "5x5", "--kernel", "3x3", "--stride", "2", "--padding", "1"], capsys
    )
    assert code == 0 and err == ""
    assert "(5 - 3 + 2*1) / 2 + 1 = 4 / 2 + 1 = 3" in out
    assert out.count("-- ") >= 9 + 4  # nine windows and the other steps
    assert "check: out, naive loops vs fast conv2d_forward (im2col + GEMM)" in out and out.rstrip().endswith(
        "OK"
    )
    assert "\x1b[" not in out


@pytest.mark.parametrize(
    "args",
    [
        [
            "conv-backward",
            "--input",
            "1,2,3;4,5,6;7,8,9",
            "--kernel",
            "1,0;0,-1",
            "--bias",
            "--dout",
            "1,2;3,4",
        ],
        [
            "conv",
            "--input",
            "6x6",
            "--channels",
            "2",
            "--filters",
            "2",
            "--bias",
            "1,-1",
            "--activation",
            "relu",
        ],
        ["pool", "--input", "4x4", "--mode", "avg"],
        ["pool-backward", "--input", "4x4", "--kernel-size", "3", "--stride", "1"],
        ["dense", "--bias"],
        ["activation", "--input=-1,0,1", "--activation", "tanh"],
        ["loss", "--kind", "mse"],
        ["loss", "--input", "2,1,0", "--target", "2"],
    ],
)
def test_every_op_prints_and_checks(args, capsys):
    code, out, _ = run(args, capsys)
    assert code == 0
    assert "check: " in out and "FAILED" not in out


def test_im2col_prints_speedup(capsys):
    code, out, _ = run(["im2col"], capsys)
    assert code == 0 and "x faster" in out and "(C_in*KH*KW, N*H_out*W_out)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["conv", "--input", "3x3", "--kernel", "5x5"], r"expected kernel size <= padded input size"),
        (["conv", "--stride", "0"], r"expected stride >= 1 on both axes, got stride=0"),
        (["conv", "--input", "1,2;3,four"], r"got 'four' in '1,2;3,four'"),
        (["conv", "--input", "1,2;3"], r"expected rows of equal length"),
        (["conv-backward", "--padding", "a"], r"expected --padding as a whole number"),
        (["pool", "--input", "2x2", "--kernel-size", "3"], r"expected kernel size <= padded input size"),
        (["conv-backward", "--dout", "1,2"], r"expected dout of the output's shape \(1, 1, 3, 3\)"),
        (["dense", "--input", "1,2", "--weight", "1,2,3"], r"in_features"),
    ],
)
def test_bad_input_one_line_exit_2(args, message, capsys):
    import re

    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"cnn-scratch explain {args[0]}: error: ")
    assert re.search(message, err)


def test_subprocess_exit_codes():
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "cnn_scratch",
            "explain",
            "conv",
            "--input",
            "5x5",
            "--kernel",
            "3x3",
            "--stride",
            "2",
            "--padding",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "cnn_scratch", "explain", "conv", "--stride", "0"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
