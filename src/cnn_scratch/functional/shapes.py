"""The output-size formula of every sliding-window op (convolution, pooling).

    H_out = floor((H + 2*P - K) / S) + 1

A window of size ``K`` slides over an input of size ``H`` padded by ``P`` on both
sides, moving ``S`` steps at a time; the floor drops a last window that would
stick out past the padded input (PyTorch does the same).
Read next: ``conv_naive.py``, which uses this formula for its loop bounds.
"""

from __future__ import annotations

from .._validate import fail


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, op: str = "output_size") -> int:
    """Number of window positions along one axis: ``floor((size + 2*padding - kernel) / stride) + 1``.

    Args:
        size: input length along the axis (H or W).
        kernel: window length along the axis (KH or KW), >= 1.
        stride: step between windows, >= 1.
        padding: zeros added on each side, >= 0.
        op: name of the calling operation, used in error messages.

    Returns:
        The output length (H_out or W_out), always >= 1.

    Raises:
        ValueError: if the kernel is larger than the padded input, or a size is invalid.

    >>> output_size(5, 3, stride=2, padding=1)
    3
    >>> output_size(28, 5, padding=2)
    28
    >>> output_size(6, 3, stride=2)  # floor((6 - 3) / 2) + 1: the last column is never covered
    2
    """
    if kernel < 1:
        fail(op, "kernel size >= 1", f"kernel={kernel}")
    if stride < 1:
        fail(op, "stride >= 1", f"stride={stride}", hint="a stride of 0 would never move the window.")
    if padding < 0:
        fail(op, "padding >= 0", f"padding={padding}", hint="padding adds zeros; it cannot remove pixels.")
    padded = size + 2 * padding
    if kernel > padded:
        fail(
            op,
            f"kernel size <= padded input size (size + 2*padding = {size} + 2*{padding} = {padded})",
            f"kernel={kernel}",
            hint="use a smaller kernel or more padding; the output would be empty.",
        )
    return (padded - kernel) // stride + 1
