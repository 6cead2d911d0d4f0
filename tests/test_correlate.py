"""Tests of the one-channel helpers: correlate2d, convolve2d, rot180, dilate2d, pad2d."""

import numpy as np
import pytest

from cnn_scratch.functional.correlate import convolve2d, correlate2d, dilate2d, pad2d, rot180


def correlate_by_definition(x, k, mode):
    """out[i, j] = sum_{u, v} x[i + u - off_h, j + v - off_w] * k[u, v], zero outside x."""
    H, W = x.shape
    KH, KW = k.shape
    if mode == "valid":
        off_h, off_w, H_out, W_out = 0, 0, H - KH + 1, W - KW + 1
    else:
        off_h, off_w, H_out, W_out = KH - 1, KW - 1, H + KH - 1, W + KW - 1
    out = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            for u in range(KH):
                for v in range(KW):
                    r, c = i + u - off_h, j + v - off_w
                    if 0 <= r < H and 0 <= c < W:
                        out[i, j] += x[r, c] * k[u, v]
    return out


def convolve_by_definition(x, k, mode):
    """Textbook convolution: full[i, j] = sum_{a, b} x[a, b] * k[i - a, j - b]; valid = its interior."""
    H, W = x.shape
    KH, KW = k.shape
    full = np.zeros((H + KH - 1, W + KW - 1))
    for a in range(H):
        for b in range(W):
            full[a : a + KH, b : b + KW] += x[a, b] * k
    if mode == "full":
        return full
    return full[KH - 1 : H, KW - 1 : W]


SHAPES = [((5, 7), (2, 3)), ((4, 4), (3, 3)), ((6, 3), (1, 1)), ((3, 5), (3, 5)), ((1, 6), (1, 2))]


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize(("x_shape", "k_shape"), SHAPES)
def test_correlate_and_convolve_match_their_definitions(rng, mode, x_shape, k_shape):
    x = rng.standard_normal(x_shape)
    k = rng.standard_normal(k_shape)
    np.testing.assert_allclose(correlate2d(x, k, mode), correlate_by_definition(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k, mode), convolve_by_definition(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k, mode), correlate2d(x, rot180(k), mode), atol=1e-12)
    np.testing.assert_allclose(correlate2d(x, k, mode), convolve2d(x, rot180(k), mode), atol=1e-12)


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_one_row_convolution_matches_numpy_convolve(rng, mode):
    x = rng.standard_normal(9)
    k = rng.standard_normal(4)
    np.testing.assert_allclose(convolve2d(x[None], k[None], mode)[0], np.convolve(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(correlate2d(x[None], k[None], mode)[0], np.correlate(x, k, mode), atol=1e-12)


def test_hand_computed_correlation_and_convolution():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    k = np.array([[1.0, -1.0]])
    # correlate: x[i, j] - x[i, j+1]; convolve flips k: x[i, j+1] - x[i, j]
    np.testing.assert_array_equal(correlate2d(x, k), [[-1.0, -1.0], [-1.0, -1.0]])
    np.testing.assert_array_equal(convolve2d(x, k), [[1.0, 1.0], [1.0, 1.0]])
    # full correlation: the kernel also hangs off both ends: [-x0, x0 - x1, x1 - x2, x2]
    np.testing.assert_array_equal(
        correlate2d(x, k, "full"), [[-1.0, -1.0, -1.0, 3.0], [-4.0, -1.0, -1.0, 6.0]]
    )


def test_rot180_dilate_pad_examples():
    k = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(rot180(k), [[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]])
    np.testing.assert_array_equal(rot180(rot180(k)), k)
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        dilate2d(a, (2, 3)), [[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 4.0]]
    )
    np.testing.assert_array_equal(dilate2d(a, 1), a)
    np.testing.assert_array_equal(
        pad2d(a, ((1, 0), (0, 2))), [[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0]]
    )
    assert pad2d(a, 0).shape == (2, 2)
    assert pad2d(np.ones((2, 3, 4, 5)), (1, 2)).shape == (2, 3, 6, 9)
    assert dilate2d(np.ones((2, 3, 4, 5)), 2).shape == (2, 3, 7, 9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_helpers_keep_dtype_and_do_not_mutate(rng, dtype):
    x = rng.standard_normal((5, 6)).astype(dtype)
    k = rng.standard_normal((2, 3)).astype(dtype)
    x0, k0 = x.copy(), k.copy()
    for mode in ("valid", "full"):
        assert correlate2d(x, k, mode).dtype == dtype
        assert convolve2d(x, k, mode).dtype == dtype
    assert rot180(k).dtype == dtype
    assert dilate2d(x, 2).dtype == dtype
    assert pad2d(x, 1).dtype == dtype
    r = rot180(k)
    r[...] = 0  # rot180 returns a copy, not a view of k
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)


def test_errors():
    x = np.ones((4, 4))
    with pytest.raises(
        ValueError, match=r"correlate2d: expected mode \"valid\" or \"full\", got mode='same'"
    ):
        correlate2d(x, np.ones((2, 2)), mode="same")
    with pytest.raises(ValueError, match=r"convolve2d: expected x of shape \(H, W\), got shape \(1, 4, 4\)"):
        convolve2d(x[None], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"no larger than x .* got k of shape \(5, 2\)"):
        correlate2d(x, np.ones((5, 2)))
    assert correlate2d(x, np.ones((5, 2)), mode="full").shape == (8, 5)
    with pytest.raises(TypeError, match=r"same dtype, got x float64 and k float32"):
        correlate2d(x, np.ones((2, 2), dtype=np.float32))
    with pytest.raises(TypeError, match=r"floating dtype .* got dtype int64"):
        correlate2d(np.ones((4, 4), dtype=np.int64), np.ones((2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match=r"numpy.ndarray"):
        correlate2d([[1.0, 2.0]], np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"dilate2d: expected stride >= 1 on both axes, got stride=0"):
        dilate2d(x, 0)
    with pytest.raises(ValueError, match=r"pad2d: expected pad >= 0"):
        pad2d(x, -1)
