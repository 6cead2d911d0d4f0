"""Narrations (cnn_scratch.explain): driven by the naive kernels' trace, numbers derivable by hand."""

import numpy as np
import pytest

from cnn_scratch import functional as F
from cnn_scratch.explain import (
    Explanation,
    explain_activation,
    explain_conv,
    explain_conv_backward,
    explain_dense,
    explain_im2col,
    explain_loss,
    explain_pool,
    explain_pool_backward,
    inputs,
)
from cnn_scratch.explain.render import format_array, format_number


def titles(e: Explanation) -> list[str]:
    return [s.title for s in e.steps]


# -- convolution forward --------------------------------------------------------------------
def test_conv_hand_example():
    # x = 1..9 (3x3), kernel [[1, 0], [0, 1]]: out[i, j] = x[i, j] + x[i+1, j+1]
    e = explain_conv("1,2,3;4,5,6;7,8,9", "1,0;0,1")
    np.testing.assert_array_equal(e.result["out"][0, 0], [[6, 8], [12, 14]])
    window = e.steps[3]
    assert window.title == "filter 0, window (0, 0)"
    assert "sum = 1 + 0 + 0 + 5 = 6" in window.text and "out[0, 0, 0, 0] = 6" in window.text
    np.testing.assert_array_equal(window.arrays["products"][0], [[1, 0], [0, 5]])
    assert e.ok and "naive loops vs fast conv2d_forward" in e.render()


def test_conv_output_size_formula_with_numbers():
    e = explain_conv("5x5", "3x3", stride=2, padding=1)
    text = e.steps[1].text
    assert "H_out = (H - KH + 2*PH) / SH + 1 = (5 - 3 + 2*1) / 2 + 1 = 4 / 2 + 1 = 3" in text
    assert e.result["out"].shape == (1, 1, 3, 3)
    assert e.steps[2].arrays["x_padded"].shape == (1, 7, 7)  # (C_in, Hp, Wp) of sample 0
    assert sum(t.startswith("filter 0, window") for t in titles(e)) == 9


def test_conv_stride_not_dividing_explains_floor():
    e = explain_conv("6x7", "3x3", stride=2)
    text = e.steps[1].text
    assert "floor(3 / 2) + 1 = 2" in text and "never covered" in text and "index 5" in text
    assert "W_out = (W - KW + 2*PW) / SW + 1 = (7 - 3 + 2*0) / 2 + 1 = 4 / 2 + 1 = 3" in text


def test_conv_is_driven_by_naive_trace(monkeypatch):
    calls = []
    real = F.conv2d_forward_naive

    def spy(*args, trace=None, **kwargs):
        calls.append(trace is not None)
        return real(*args, trace=trace, **kwargs)

    monkeypatch.setattr(F, "conv2d_forward_naive", spy)
    explain_conv("4x4", "2x2")
    assert calls and calls[0] is True  # the narration came from a traced run


def test_conv_multichannel_bias_relu_and_true_convolution(rng):
    e = explain_conv("5x5", "3x3", bias="1,-1", channels=2, filters=2, activation="relu", padding=1)
    x, w, b = e.result["x"], e.result["weight"], e.result["bias"]
    assert x.shape == (1, 2, 5, 5) and w.shape == (2, 2, 3, 3)
    np.testing.assert_array_equal(b, [1, -1])
    ref, _ = F.conv2d_forward(x, w, b, 1, 1)
    np.testing.assert_array_equal(e.result["out"], ref)
    np.testing.assert_array_equal(e.result["act"], np.maximum(ref, 0))
    assert sum("window" in t for t in titles(e)) == 2 * 5 * 5
    assert "activation: relu" in titles(e)
    assert e.ok


def test_true_convolution_is_correlation_with_turned_kernel():
    e = explain_conv("4x5", "2x3")
    step = next(s for s in e.steps if s.title == "cross-correlation vs convolution")
    x, w = e.result["x"][0, 0], e.result["weight"][0, 0]
    np.testing.assert_allclose(step.arrays["true convolution"][0, 0], F.convolve2d(x, w))


def test_conv_max_windows_summarises_the_rest():
    e = explain_conv("5x5", "3x3", max_windows=2)
    assert sum("window (" in t for t in titles(e)) == 2
    assert "... 7 more windows" in titles(e)


# -- convolution backward ------------------------------------------------------------------
def test_conv_backward_steps_and_checks():
    e = explain_conv_backward("5x5", "3x3", bias=True, stride=2, padding=1)
    t = titles(e)
    for needed in (
        "upstream gradient",
        "bias gradient",
        "dilate dout by the stride",
        "input gradient, 1: pad",
        "input gradient, 2: turn the kernel",
        "input gradient, 4: crop",
    ):
        assert needed in t
    lines = [c.line() for c in e.checks]
    assert any("dx vs finite differences" in s and s.endswith("OK") for s in lines)
    assert any("dweight, naive vs fast" in s for s in lines)
    assert e.ok
    dil = next(s for s in e.steps if s.title.startswith("dilate")).arrays["dout_dilated"]
    g = e.result["dout"]
    np.testing.assert_array_equal(dil[0, 0, ::2, ::2], g[0, 0])  # stride 2: every other position
    assert dil[0, 0, 1::2].sum() == 0


def test_conv_backward_hand_example():
    # one output, dout = 1: dweight is the input itself, dx is the kernel, dbias = 1
    e = explain_conv_backward("1,2;3,4", "5,6;7,8", bias="0", dout="1")
    np.testing.assert_array_equal(e.result["dweight"][0, 0], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(e.result["dx"][0, 0], [[5, 6], [7, 8]])
    np.testing.assert_array_equal(e.result["dbias"], [1])
    bias_step = next(s for s in e.steps if s.title == "bias gradient")
    assert "dbias[0] = 1 = 1" in bias_step.text


def test_conv_backward_with_activation_chains_the_derivative():
    e = explain_conv_backward("4x4", "3x3", activation="relu", seed=1)
    assert "through the relu" in titles(e)
    assert e.ok


# -- pooling ---------------------------------------------------------------------------------
def test_pool_max_and_avg_hand_values():
    x = "1,2,5,0;3,4,1,1"
    np.testing.assert_array_equal(explain_pool(x, 2).result["out"][0, 0], [[4, 5]])
    np.testing.assert_array_equal(explain_pool(x, 2, mode="avg").result["out"][0, 0], [[2.5, 1.75]])
    e = explain_pool(x, 2)
    assert "largest value 4, at row 1, column 1 of the window" in e.steps[2].text


def test_pool_backward_tie_goes_to_first_maximum():
    e = explain_pool_backward("1,4;4,2", 2, dout="3")
    np.testing.assert_array_equal(e.result["dx"][0, 0], [[0, 3], [0, 0]])
    text = next(s for s in e.steps if s.title == "routing the gradient").text
    assert "a tie of 2 maxima" in text and "x[0, 0, 0, 1]" in text
    assert "finite differences" in titles(e)  # the skip is explained, not silent
    assert e.ok


def test_pool_backward_overlap_adds_and_fd_checked():
    e = explain_pool_backward("1,2,3;4,5,6;7,8,9", 2, stride=1, dout="1,1;1,1")
    np.testing.assert_array_equal(e.result["dx"][0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert any("finite differences" in c.what for c in e.checks) and e.ok
    avg = explain_pool_backward("4x4", 2, mode="avg", dout="4")
    np.testing.assert_array_equal(avg.result["dx"], np.ones((1, 1, 4, 4)))


# -- dense, activations, losses -------------------------------------------------------------
def test_dense_hand_example():
    e = explain_dense("1,2", "1,0;1,1;0,-1", bias="0,0.5,1", dout="1,0,-1")
    np.testing.assert_array_equal(e.result["out"], [[1, 3.5, -1]])
    np.testing.assert_array_equal(e.result["dx"], [[1, 1]])  # row0 - row2 of weight
    np.testing.assert_array_equal(e.result["dweight"], [[1, 2], [0, 0], [-1, -2]])
    assert "out[0, 1] = x[0] . weight[1] + 0.5 = 1*1 + 2*1 + 0.5 = 3.5" in e.steps[1].text
    assert e.ok


def test_activation_values_and_derivatives():
    e = explain_activation("-1,0,2")
    np.testing.assert_array_equal(e.result["relu"], [0, 0, 2])
    np.testing.assert_array_equal(e.result["relu'"], [0, 0, 1])
    assert e.result["sigmoid"][1] == 0.5 and e.result["sigmoid'"][1] == 0.25
    assert e.result["tanh'"][1] == 1.0
    assert e.ok


def test_losses_hand_values():
    ce = explain_loss("ce", logits="0,0", target="1")
    assert ce.result["loss"] == pytest.approx(np.log(2))
    np.testing.assert_allclose(ce.result["dlogits"], [[0.5, -0.5]])
    mse = explain_loss("mse", logits="1,2", target="0,0")
    assert mse.result["loss"] == pytest.approx(2.5)  # (1 + 4) / 2
    np.testing.assert_allclose(mse.result["dinput"], [[1, 2]])  # 2 * d / 2
    assert ce.ok and mse.ok
    with pytest.raises(ValueError, match=r"explain: expected loss one of"):
        explain_loss("hinge")


def test_im2col_columns_and_timing():
    e = explain_im2col("1,2,3;4,5,6;7,8,9", "1,0;0,1", bench=((1, 2, 6, 6), (2, 2, 3, 3), 1))
    np.testing.assert_array_equal(e.result["cols"][:, 0], [1, 2, 4, 5])  # first window, unrolled
    assert e.result["cols"].shape == (4, 4)
    np.testing.assert_array_equal(e.result["gemm"], [[6, 8, 12, 14]])
    t = e.result["timing"]
    assert t["naive_s"] > 0 and t["fast_s"] > 0 and "faster" in e.steps[-1].text
    assert e.ok


# -- inputs and rendering -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("1,2;3", r"expected rows of equal length, got rows of lengths \[2, 1\]"),
        ("1,x", r"expected numbers separated by ',' .*got 'x'"),
        ("0x3", r"expected input of at least 1x1, got '0x3'"),
        ("nope.npy", r"expected input as an existing .npy file"),
        ("1,2|3", r"expected channels of equal size"),
    ],
)
def test_bad_inputs_have_clear_messages(spec, message):
    with pytest.raises(ValueError, match=message):
        explain_conv(spec, "1x1")


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel size <= padded input size"):
        explain_conv("3x3", "5x5")


def test_npy_input_and_seed(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(16.0).reshape(4, 4))
    e = explain_conv(str(path), "2x2", stride=2)
    np.testing.assert_array_equal(e.result["x"][0, 0], np.arange(16.0).reshape(4, 4))
    a, b = explain_conv(seed=3).result["x"], explain_conv(seed=3).result["x"]
    np.testing.assert_array_equal(a, b)
    assert a.min() >= inputs.RANGES["input"][0] and a.max() <= inputs.RANGES["input"][1]
    assert np.all(a == np.round(a))


def test_render_plain_and_color():
    e = explain_conv("3x3", "2x2")
    plain = e.render()
    assert "\x1b[" not in plain
    assert str(e) == plain
    assert format_number(-0.0) == "0" and format_number(2.0) == "2" and format_number(0.125) == "0.125"
    assert format_array(np.array([[1.0, 10.0]])) == " 1  10"
    pytest.importorskip("rich", reason="rich (extra 'pretty') not installed: colour falls back to plain text")
    assert "\x1b[" in e.render(color=True)
