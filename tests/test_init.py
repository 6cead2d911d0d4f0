"""Initialisers: PyTorch's fans and gains, bounds and variances of the draws, seeding, dtype, errors."""

import math

import numpy as np
import pytest
from tests.conftest import torch_or_skip

from cnn_scratch import init
from cnn_scratch.nn import Parameter

SHAPE = (64, 32, 5, 5)  # fan_in = 800, fan_out = 1600; 51,200 draws


def test_fans_by_hand():
    assert init.calculate_fan_in_and_fan_out(np.zeros(SHAPE)) == (800, 1600)
    assert init.calculate_fan_in_and_fan_out(np.zeros((10, 1568))) == (1568, 10)
    assert init.calculate_fan_in_and_fan_out(Parameter(np.zeros((4, 3, 2, 1)))) == (6, 8)
    with pytest.raises(
        ValueError, match=r"calculate_fan_in_and_fan_out: expected a weight with at least 2 dims"
    ):
        init.calculate_fan_in_and_fan_out(np.zeros(5))


def test_gains_by_hand():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("conv2d") == 1.0 and init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 1.0) == pytest.approx(1.0)
    with pytest.raises(
        ValueError, match=r"calculate_gain: expected nonlinearity in .* got nonlinearity='swish'"
    ):
        init.calculate_gain("swish")


@pytest.mark.torch
@pytest.mark.parametrize(
    "args", [("relu",), ("tanh",), ("linear",), ("leaky_relu",), ("leaky_relu", 0.2), ("selu",), ("sigmoid",)]
)
def test_gain_and_fans_same_as_torch(args):
    torch = torch_or_skip()
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args), rel=1e-15)
    for shape in [(3, 4), (8, 3, 5, 2), (2, 5, 3)]:
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init.calculate_fan_in_and_fan_out(np.zeros(shape)) == expected


UNIFORM = [
    # (fill, bound of the uniform)
    (lambda w, r: init.kaiming_uniform_(w, rng=r), math.sqrt(6 / 800)),  # a=0: gain sqrt(2)
    (lambda w, r: init.kaiming_uniform_(w, a=math.sqrt(5), rng=r), 1 / math.sqrt(800)),
    (lambda w, r: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", rng=r), math.sqrt(6 / 1600)),
    (lambda w, r: init.xavier_uniform_(w, rng=r), math.sqrt(6 / 2400)),
    (lambda w, r: init.xavier_uniform_(w, gain=2.0, rng=r), 2 * math.sqrt(6 / 2400)),
    (lambda w, r: init.uniform_(w, -0.3, 0.3, rng=r), 0.3),
]
NORMAL = [
    (lambda w, r: init.kaiming_normal_(w, nonlinearity="relu", rng=r), math.sqrt(2) / math.sqrt(800)),
    (
        lambda w, r: init.kaiming_normal_(w, mode="fan_out", nonlinearity="tanh", rng=r),
        (5 / 3) / math.sqrt(1600),
    ),
    (lambda w, r: init.xavier_normal_(w, rng=r), math.sqrt(2 / 2400)),
    (lambda w, r: init.normal_(w, 0.0, 0.1, rng=r), 0.1),
]


@pytest.mark.parametrize("fill,bound", UNIFORM)
def test_uniform_bounds_and_variance(fill, bound):
    w = np.empty(SHAPE, dtype=np.float32)
    out = fill(w, np.random.default_rng(0))
    assert out is w and w.dtype == np.float32
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.995 * bound  # 51,200 draws come close to the edge
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.03)  # U(-b, b): variance b^2/3


@pytest.mark.parametrize("fill,std", NORMAL)
def test_normal_std(fill, std):
    w = np.empty(SHAPE)
    fill(w, np.random.default_rng(0))
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.03 * std
    assert np.abs(w).max() > 3 * std  # a normal, not a uniform


@pytest.mark.parametrize("fill", [f for f, _ in UNIFORM + NORMAL])
def test_seeded_runs_are_reproducible(fill):
    a, b, c = (np.empty((8, 3, 3, 3)) for _ in range(3))
    fill(a, np.random.default_rng(42))
    fill(b, np.random.default_rng(42))
    fill(c, np.random.default_rng(43))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_rng_none_gives_fresh_draws_and_parameters_are_filled_in_place():
    a, b = np.empty((50, 50)), np.empty((50, 50))
    init.xavier_uniform_(a)
    init.xavier_uniform_(b)
    assert not np.array_equal(a, b)
    p = Parameter(np.ones((3, 4), dtype=np.float32))
    data = p.data
    assert init.zeros_(p) is p and p.data is data and not p.data.any()
    init.ones_(p)
    assert (p.data == 1).all()


def test_errors():
    with pytest.raises(
        TypeError, match=r"kaiming_uniform_: expected a floating numpy.ndarray or a Parameter"
    ):
        init.kaiming_uniform_(np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(
        TypeError, match=r"xavier_normal_: expected rng as a numpy.random.Generator or None, got int"
    ):
        init.xavier_normal_(np.zeros((3, 3)), rng=0)
    with pytest.raises(
        ValueError, match=r"kaiming_normal_: expected mode \"fan_in\" or \"fan_out\", got mode='in'"
    ):
        init.kaiming_normal_(np.zeros((3, 3)), mode="in")
    with pytest.raises(ValueError, match=r"expected a weight with at least 2 dims.* got shape \(3,\)"):
        init.xavier_uniform_(np.zeros(3))
