"""Every backward kernel, fast and naive, refuses a ``dout`` of another dtype or shape than its forward.

A float64 ``dout`` after a float32 forward used to upcast every gradient silently (NumPy's type
promotion); each kernel now raises the same TypeError as ``conv2d_backward``, through the shared
``_validate.check_dout``. A wrong shape raises ValueError. The fused ReLU + MaxPool2d path of
``Sequential`` is checked too, since it calls the kernels itself.
"""

import numpy as np
import pytest

import cnn_scratch.functional as F
from cnn_scratch import nn

X4 = (2, 3, 6, 4)  # (N, C, H, W)

# name -> (forward called on a float32 x, shape of x); the backward is F.<name>_backward[_naive].
CASES = {
    "relu": (lambda fwd, x: fwd(x), X4),
    "leaky_relu": (lambda fwd, x: fwd(x, 0.1), X4),
    "sigmoid": (lambda fwd, x: fwd(x), X4),
    "tanh": (lambda fwd, x: fwd(x), X4),
    "softmax": (lambda fwd, x: fwd(x, 1), (2, 5)),
    "log_softmax": (lambda fwd, x: fwd(x, -1), (2, 5)),
    "linear": (
        lambda fwd, x: fwd(x, np.ones((3, 5), dtype=np.float32), np.zeros(3, dtype=np.float32)),
        (2, 5),
    ),
    "flatten": (lambda fwd, x: fwd(x, 1), X4),
    "max_pool2d": (lambda fwd, x: fwd(x, 2), X4),
    "avg_pool2d": (lambda fwd, x: fwd(x, 2, 1, 1), X4),
    "conv2d": (lambda fwd, x: fwd(x, np.ones((4, 3, 3, 3), dtype=np.float32), None, 1, 1), X4),
}
PARAMS = [(name, impl) for name in CASES for impl in ("fast", "naive")]


def run_forward(name, impl, rng):
    """Forward ``name`` in float32; returns (out, cache, backward kernel)."""
    suffix = "_naive" if impl == "naive" else ""
    call, shape = CASES[name]
    x = rng.standard_normal(shape).astype(np.float32)
    out, cache = call(getattr(F, f"{name}_forward{suffix}"), x)
    assert out.dtype == np.float32
    return out, cache, getattr(F, f"{name}_backward{suffix}")


def op_name(name, impl):
    """The op named in the messages: ``<name>_backward`` (conv2d's loop version says ``_naive`` too)."""
    return f"{name}_backward_naive" if (name, impl) == ("conv2d", "naive") else f"{name}_backward"


@pytest.mark.parametrize(("name", "impl"), PARAMS)
def test_float64_dout_after_float32_forward_is_refused(name, impl, rng):
    out, cache, backward = run_forward(name, impl, rng)
    dout = np.ones(out.shape, dtype=np.float64)
    with pytest.raises(TypeError) as info:
        backward(dout, cache)
    message = str(info.value)
    assert message.startswith(
        f"{op_name(name, impl)}: expected dout of dtype float32 like the forward input, got dtype float64."
    )
    assert "Hint: cast it with dout.astype(numpy.float32)" in message


@pytest.mark.parametrize(("name", "impl"), PARAMS)
def test_wrong_shape_dout_is_refused(name, impl, rng):
    out, cache, backward = run_forward(name, impl, rng)
    wrong = (*out.shape[:-1], out.shape[-1] + 1)
    dout = np.ones(wrong, dtype=np.float32)
    shape = rf"\({', '.join(map(str, out.shape))},?\)"  # "(2, 60)", or "(7,)" for one axis
    got = rf"\({', '.join(map(str, wrong))},?\)"
    with pytest.raises(
        ValueError, match=rf"^{op_name(name, impl)}: expected dout of the forward output's shape"
    ):
        backward(dout, cache)
    with pytest.raises(ValueError, match=rf"{shape}, got shape {got}\. Hint: pass the gradient"):
        backward(dout, cache)


@pytest.mark.parametrize(("name", "impl"), PARAMS)
def test_matching_dout_keeps_float32(name, impl, rng):
    out, cache, backward = run_forward(name, impl, rng)
    grads = backward(np.ones(out.shape, dtype=np.float32), cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert all(g is None or g.dtype == np.float32 for g in grads)


def test_same_size_other_shape_flatten_dout_is_refused(rng):
    # Same element count, other shape: a reshape would accept it, the gradient of flatten must not.
    for impl in ("fast", "naive"):
        _, cache, backward = run_forward("flatten", impl, rng)
        with pytest.raises(ValueError, match=r"shape \(2, 72\), got shape \(72, 2\)"):
            backward(np.ones((72, 2), dtype=np.float32), cache)


def test_fused_relu_max_pool_refuses_float64_dout(rng):
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    assert nn.pooling.fuses_with_relu(relu, pool)
    model = nn.Sequential(relu, pool)
    x = rng.standard_normal(X4).astype(np.float32)
    out = model(x)  # runs relu_max_pool
    assert out.dtype == np.float32
    with pytest.raises(
        TypeError, match=r"expected dout of dtype float32 like the forward input, got dtype float64"
    ):
        model.backward(np.ones(out.shape, dtype=np.float64))
    dx = model.backward(np.ones(out.shape, dtype=np.float32))
    assert dx.dtype == np.float32 and dx.shape == X4
