"""Layer errors: each names the layer, what was expected, what was received, and gives a hint."""

import numpy as np
import pytest

import cnn_scratch.nn as nn


def conv(*args, **kw):
    return nn.Conv2d(*args, rng=np.random.default_rng(0), **kw)


@pytest.mark.parametrize(
    "layer",
    [
        conv(1, 2, 3),
        nn.Linear(2, 2),
        nn.ReLU(),
        nn.Softmax(),
        nn.MaxPool2d(2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Dropout(),
        nn.Sequential(nn.Tanh()),
    ],
)
def test_backward_before_forward(layer):
    name = type(layer).__name__ if not isinstance(layer, nn.Sequential) else "Tanh"
    with pytest.raises(
        ValueError, match=rf"{name}.backward: expected a forward call first .* Hint: call out"
    ):
        layer.backward(np.zeros((1, 2), dtype=np.float32))


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.CrossEntropyLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss()])
def test_loss_backward_before_forward(loss):
    with pytest.raises(ValueError, match=rf"{type(loss).__name__}.backward: expected a forward call first"):
        loss.backward()


def test_conv_wrong_channel_count():
    with pytest.raises(
        ValueError,
        match=r"Conv2d: expected x of shape \(N, C_in=3, H, W\), got shape \(2, 1, 8, 8\) with C_in=1\. "
        r"Hint: this layer was built as Conv2d\(3, 6, \.\.\.\)",
    ):
        conv(3, 6, 3)(np.zeros((2, 1, 8, 8), dtype=np.float32))


def test_conv_3d_input():
    with pytest.raises(
        ValueError, match=r"Conv2d: expected x of shape \(N, C_in, H, W\), got shape \(1, 8, 8\)"
    ):
        conv(1, 2, 3)(np.zeros((1, 8, 8), dtype=np.float32))


def test_conv_negative_padding():
    with pytest.raises(ValueError, match=r"Conv2d: expected padding >= 0 on both axes, got padding=-1"):
        conv(1, 2, 3, padding=-1)
    with pytest.raises(
        ValueError, match=r"Conv2d: expected padding >= 0 on both axes, got padding=\(1, -2\)"
    ):
        conv(1, 2, 3, padding=(1, -2))


def test_kernel_larger_than_padded_input():
    with pytest.raises(
        ValueError,
        match=r"Conv2d: expected kernel_size \(5, 5\) <= padded input \(H \+ 2\*PH, W \+ 2\*PW\) = \(6, 4\), "
        r"got x of shape \(1, 1, 4, 2\) with padding \(1, 1\)\. Hint: the output would be empty",
    ):
        conv(1, 2, 5, padding=1)(np.zeros((1, 1, 4, 2), dtype=np.float32))
    with pytest.raises(
        ValueError, match=r"MaxPool2d: expected kernel_size \(3, 3\) <= padded input .* = \(2, 5\)"
    ):
        nn.MaxPool2d(3)(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize(
    "build,exc,pattern",
    [
        (lambda: conv(1, 0, 3), ValueError, r"Conv2d: expected out_channels >= 1, got out_channels=0\. Hint"),
        (lambda: conv(0, 2, 3), ValueError, r"Conv2d: expected in_channels >= 1, got in_channels=0"),
        (
            lambda: conv(1, 2, 0),
            ValueError,
            r"Conv2d: expected kernel_size >= 1 on both axes, got kernel_size=0",
        ),
        (lambda: conv(1, 2, (3, 0)), ValueError, r"Conv2d: expected kernel_size >= 1 on both axes"),
        (
            lambda: conv(1, 2, 3, stride=0),
            ValueError,
            r"Conv2d: expected stride >= 1 on both axes, got stride=0",
        ),
        (
            lambda: conv(1.5, 2, 3),
            TypeError,
            r"Conv2d: expected in_channels as a positive int, got in_channels=1.5",
        ),
        (lambda: conv(1, 2, "3"), TypeError, r"Conv2d: expected kernel_size as an int or a pair of ints"),
        (
            lambda: conv(1, 2, 3, dtype=np.int32),
            TypeError,
            r"Conv2d: expected dtype float32 or float64, got dtype=int32",
        ),
        (lambda: nn.Linear(0, 3), ValueError, r"Linear: expected in_features >= 1, got in_features=0"),
        (lambda: nn.Linear(3, -1), ValueError, r"Linear: expected out_features >= 1, got out_features=-1"),
        (lambda: nn.MaxPool2d(0), ValueError, r"MaxPool2d: expected kernel_size >= 1 on both axes"),
        (lambda: nn.MaxPool2d(2, padding=2), ValueError, r"MaxPool2d: expected padding <= kernel_size / 2"),
        (lambda: nn.AvgPool2d(2, stride=0), ValueError, r"AvgPool2d: expected stride >= 1 on both axes"),
        (
            lambda: nn.Dropout(1.0),
            ValueError,
            r"Dropout: expected p \(the probability of dropping an element\) in \[0, 1\), got p=1.0",
        ),
        (lambda: nn.Dropout(-0.1), ValueError, r"Dropout: expected p .* in \[0, 1\), got p=-0.1"),
        (lambda: nn.Dropout(0.5, rng=0), TypeError, r"Dropout: expected rng as a numpy.random.Generator"),
        (
            lambda: nn.MSELoss(reduction="avg"),
            ValueError,
            r"MSELoss: expected reduction in \('mean', 'sum'\), got reduction='avg'",
        ),
        (lambda: nn.LeakyReLU("0.1"), TypeError, r"LeakyReLU: expected negative_slope as a number"),
        (
            lambda: nn.Sequential(nn.ReLU),
            TypeError,
            r"Sequential: expected every layer to be a Module, got type at position 0",
        ),
    ],
)
def test_bad_constructor_arguments(build, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build()


def test_cross_entropy_needs_integer_targets():
    loss_fn = nn.CrossEntropyLoss()
    logits = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(
        TypeError,
        match=r"CrossEntropyLoss: expected target of integer class indices, shape \(N,\), "
        r"got target of dtype float32 with shape \(3,\)\. Hint: convert with y.astype\(numpy.int64\)",
    ):
        loss_fn(logits, np.array([0.0, 1.0, 2.0], dtype=np.float32))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss: expected target of shape \(N,\) = \(3,\) .* got target of shape \(2,\)",
    ):
        loss_fn(logits, np.array([0, 1]))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss: expected class indices in \[0, 3\] for C=4 classes, "
        r"got indices from 0 to 4",
    ):
        loss_fn(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: expected input of shape \(N, C\) of logits"):
        loss_fn(np.zeros((3, 4, 1)), np.array([0, 1, 2]))


def test_mse_shape_mismatch():
    with pytest.raises(
        ValueError,
        match=r"MSELoss: expected target of the same shape as input \(4, 1\), got target of shape \(4,\)",
    ):
        nn.MSELoss()(np.zeros((4, 1)), np.zeros(4))


def test_linear_wrong_number_of_features():
    fc = nn.Linear(1568, 10)
    with pytest.raises(
        ValueError,
        match=r"Linear: expected x of shape \(N, in_features=1568\), got shape \(4, 1600\)\. "
        r"Hint: the previous layer gives 1600 features; build Linear\(1600, 10\)",
    ):
        fc(np.zeros((4, 1600), dtype=np.float32))
    with pytest.raises(
        ValueError,
        match=r"Linear: expected .* got shape \(4, 8, 14, 14\)\. Hint: put Flatten\(\) before Linear",
    ):
        fc(np.zeros((4, 8, 14, 14), dtype=np.float32))


def test_non_array_and_integer_inputs():
    with pytest.raises(TypeError, match=r"ReLU: expected x as a numpy.ndarray, got list"):
        nn.ReLU()([1.0, -1.0])
    with pytest.raises(TypeError, match=r"Conv2d: expected x with a floating dtype .* got dtype int64"):
        conv(1, 1, 1)(np.zeros((1, 1, 2, 2), dtype=np.int64))


def test_load_state_dict_wrong_shape_names_the_key():
    a, b = nn.Sequential(nn.Linear(3, 2)), nn.Sequential(nn.Linear(4, 2))
    with pytest.raises(ValueError, match=r"expected '0.weight' of shape \(2, 4\), got shape \(2, 3\)"):
        b.load_state_dict(a.state_dict())


def test_use_impl_rejects_unknown():
    with pytest.raises(ValueError, match=r"expected one of \('fast', 'naive'\), got impl='slow'"):
        nn.ReLU().use_impl("slow")
