"""The benchmark suite: flop counts, the table without torch, and one real ``--quick`` run in a subprocess."""

import json
import subprocess
import sys

from cnn_scratch.bench import SCALING, ops, report
from cnn_scratch.bench.timing import best_time


def test_conv_flops_by_hand():
    # 64 images * 14*14 outputs * 32 filters * (16*5*5) multiply-adds * 2 flops
    fwd, bwd = ops.flops(ops.OPS["conv5x5"])
    assert fwd == 64 * 196 * 32 * 400 * 2 == 321_126_400
    assert bwd == 2 * fwd  # dweight and dx
    # stride 2, padding 1 on 28x28 with 3x3: H_out = floor((28 + 2 - 3) / 2) + 1 = 14
    assert ops.flops(ops.OPS["conv3x3_s2"])[0] == 2 * 64 * 14 * 14 * 32 * 16 * 9
    assert ops.flops(ops.OPS["maxpool2"]) == (0.0, 0.0)


def test_best_time_takes_the_minimum():
    calls = []
    assert best_time(lambda: calls.append(1), repeat=3, number=2, warmup=1) >= 0
    assert len(calls) == 1 + 3 * 2


def _fake_results(torch_ms):
    timing = {"forward_s": 0.002, "backward_s": 0.004}
    torch_row = None if torch_ms is None else {"forward_s": torch_ms / 1e3, "backward_s": torch_ms / 1e3}
    machine = {"date": "d", "cpu": "cpu", "cpu_count": 2, "load_average": [0, 0, 0], "threads": 2}
    machine.update({"torch_threads": None, "numpy": "2", "blas": [], "torch": None, "blas_env": {}})
    conv = {"flops_forward": 2e8, "flops_backward": 4e8, "fast": timing, "loop": timing, "torch": torch_row}
    model_a = {"train_ours": 1000.0, "infer_ours": 5000.0, "train_torch": None, "infer_torch": None}
    return {
        "quick": True,
        "machine": machine,
        "sgemm_gflops": 100.0,
        "ops": {"conv5x5": conv},
        "models": {"a": model_a},
        "memory": {"ours_batch64": 70.0},
        "naive_image_s": 0.2,
        "scaling": {"batch=64": {"batch": 64, "image_size": 28, "ours": 1000.0, "torch": None}},
    }


def test_table_without_torch_says_not_installed():
    text = report.format_table(_fake_results(None))
    assert "not installed" in text
    # 2e8 flops in 2 ms = 100 GFLOP/s = 100% of the 100 GFLOP/s sgemm
    assert "100.0     100%" in text


def test_table_ratio_is_ours_over_torch():
    text = report.format_table(_fake_results(1.0))  # torch 1 ms, ours 2 ms forward
    assert "2.00" in text


def test_scaling_rows_cover_the_brief():
    assert sorted(n for n, s in SCALING.values() if s == 28) == [16, 64, 256]
    assert sorted({s for _, s in SCALING.values()} | {28}) == [28, 56, 112]


def test_bench_quick_subprocess_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    cmd = [sys.executable, "-m", "cnn_scratch", "bench", "--quick", "--threads", "1", "--json", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "sgemm" in done.stdout
    res = json.loads(path.read_text())
    assert {"machine", "sgemm_gflops", "ops", "models", "memory", "naive_image_s", "scaling"} <= set(res)
    assert res["quick"] is True and res["machine"]["threads"] == 1
    assert set(res["ops"]) == set(ops.OPS)
    for row in res["ops"].values():
        assert row["fast"]["forward_s"] > 0 and row["loop"]["backward_s"] > 0
    for name in ("a", "b"):
        assert res["models"][name]["train_ours"] > 0 and res["models"][name]["infer_ours"] > 0
    assert res["memory"]["ours_batch64"] > 0
    assert set(res["scaling"]) == set(SCALING)
