"""Pure kernels: every op as ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``.

Each op exists twice with the same signature: ``name_naive`` (plain loops, the
executable definition that mirrors the docstring formula) and ``name`` (vectorized
NumPy, what training runs). Kernels never mutate their inputs, never use a global
random generator, and return arrays of the dtype they were given.
Read first: ``shapes.py`` (output size), then ``conv_naive.py`` and ``conv.py``.
"""

from .activations import (
    leaky_relu_backward,
    leaky_relu_forward,
    log_softmax_backward,
    log_softmax_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_backward,
    softmax_forward,
    tanh_backward,
    tanh_forward,
)
from .activations_naive import (
    leaky_relu_backward_naive,
    leaky_relu_forward_naive,
    log_softmax_backward_naive,
    log_softmax_forward_naive,
    relu_backward_naive,
    relu_forward_naive,
    sigmoid_backward_naive,
    sigmoid_forward_naive,
    softmax_backward_naive,
    softmax_forward_naive,
    tanh_backward_naive,
    tanh_forward_naive,
)
from .conv import conv2d_backward, conv2d_forward
from .conv_naive import conv2d_backward_naive, conv2d_forward_naive
from .correlate import convolve2d, correlate2d, dilate2d, pad2d, rot180
from .linear import (
    flatten_backward,
    flatten_backward_naive,
    flatten_forward,
    flatten_forward_naive,
    linear_backward,
    linear_backward_naive,
    linear_forward,
    linear_forward_naive,
)
from .losses import bce_with_logits, binary_cross_entropy, cross_entropy, mse_loss
from .losses_naive import (
    bce_with_logits_naive,
    binary_cross_entropy_naive,
    cross_entropy_naive,
    mse_loss_naive,
)
from .pool import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward
from .pool_naive import (
    avg_pool2d_backward_naive,
    avg_pool2d_forward_naive,
    max_pool2d_backward_naive,
    max_pool2d_forward_naive,
)
from .shapes import output_size

__all__ = ["output_size"]
__all__ += [
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "convolve2d",
    "correlate2d",
    "dilate2d",
    "pad2d",
    "rot180",
]
# pooling, linear/flatten, activations, losses: each op and its `_naive` twin
__all__ += [
    "avg_pool2d_backward",
    "avg_pool2d_backward_naive",
    "avg_pool2d_forward",
    "avg_pool2d_forward_naive",
    "bce_with_logits",
    "bce_with_logits_naive",
    "binary_cross_entropy",
    "binary_cross_entropy_naive",
    "cross_entropy",
    "cross_entropy_naive",
    "flatten_backward",
    "flatten_backward_naive",
    "flatten_forward",
    "flatten_forward_naive",
    "leaky_relu_backward",
    "leaky_relu_backward_naive",
    "leaky_relu_forward",
    "leaky_relu_forward_naive",
    "linear_backward",
    "linear_backward_naive",
    "linear_forward",
    "linear_forward_naive",
    "log_softmax_backward",
    "log_softmax_backward_naive",
    "log_softmax_forward",
    "log_softmax_forward_naive",
    "max_pool2d_backward",
    "max_pool2d_backward_naive",
    "max_pool2d_forward",
    "max_pool2d_forward_naive",
    "mse_loss",
    "mse_loss_naive",
    "relu_backward",
    "relu_backward_naive",
    "relu_forward",
    "relu_forward_naive",
    "sigmoid_backward",
    "sigmoid_backward_naive",
    "sigmoid_forward",
    "sigmoid_forward_naive",
    "softmax_backward",
    "softmax_backward_naive",
    "softmax_forward",
    "softmax_forward_naive",
    "tanh_backward",
    "tanh_backward_naive",
    "tanh_forward",
    "tanh_forward_naive",
]
