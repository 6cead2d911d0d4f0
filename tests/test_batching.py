"""Batching: every row once per epoch, aligned slices, reproducible shuffles, drop_last, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_scratch.data import DataLoader, iterate_batches, num_batches


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans())
def test_each_row_once_per_epoch_and_aligned(n, batch_size, shuffle, drop_last):
    x = np.arange(n * 3).reshape(n, 3)  # (N, 3): row i is 3i, 3i+1, 3i+2
    y = np.arange(n)  # (N,)
    batches = list(
        iterate_batches(
            x, y, batch_size=batch_size, shuffle=shuffle, rng=np.random.default_rng(1), drop_last=drop_last
        )
    )
    assert len(batches) == num_batches(n, batch_size, drop_last)
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], dtype=int)
    for xb, yb in batches:
        assert len(xb) == len(yb) <= batch_size
        np.testing.assert_array_equal(xb[:, 0], 3 * yb)  # rows stay aligned
        if drop_last:
            assert len(xb) == batch_size
    expected_count = n - n % batch_size if drop_last else n
    assert len(seen) == expected_count and len(np.unique(seen)) == expected_count
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(expected_count))


def test_last_partial_batch_and_drop_last():
    y = np.arange(10)
    assert [len(b[0]) for b in iterate_batches(y, batch_size=4)] == [4, 4, 2]
    assert [len(b[0]) for b in iterate_batches(y, batch_size=4, drop_last=True)] == [4, 4]


def test_in_order_batches_are_views_shuffled_are_batch_copies():
    x = np.zeros((8, 2))
    (xb,) = next(iterate_batches(x, batch_size=4))
    assert np.shares_memory(xb, x)
    (xb,) = next(iterate_batches(x, batch_size=4, shuffle=True, rng=np.random.default_rng(0)))
    assert not np.shares_memory(xb, x) and xb.shape == (4, 2)


def test_shuffle_reproducible_with_a_seed_and_differs_between_epochs():
    y = np.arange(50)

    def order(loader):
        return np.concatenate([b[0] for b in loader])

    a = DataLoader((y,), batch_size=8, shuffle=True, rng=np.random.default_rng(42))
    b = DataLoader((y,), batch_size=8, shuffle=True, rng=np.random.default_rng(42))
    e1a, e2a = order(a), order(a)
    e1b, e2b = order(b), order(b)
    np.testing.assert_array_equal(e1a, e1b)
    np.testing.assert_array_equal(e2a, e2b)
    assert not np.array_equal(e1a, e2a)  # reshuffled for the second epoch
    assert not np.array_equal(e1a, y)
    np.testing.assert_array_equal(np.sort(e1a), y)
    # the same order as rng.permutation, so it is documented, not magic
    np.testing.assert_array_equal(e1a, np.random.default_rng(42).permutation(50))


def test_dataloader_len_and_single_array():
    loader = DataLoader(np.arange(10), batch_size=3, drop_last=False)
    assert len(loader) == 4
    assert len(list(loader)) == 4
    assert len(DataLoader(np.arange(10), batch_size=3, drop_last=True)) == 3
    assert "batch_size=3" in repr(loader)


def test_misaligned_first_dims_is_a_clear_error():
    with pytest.raises(ValueError, match=r"same first dimension N.*\(5, 2\), \(4,\)"):
        iterate_batches(np.zeros((5, 2)), np.zeros(4), batch_size=2)
    with pytest.raises(ValueError, match=r"DataLoader: expected arrays with the same first dimension"):
        DataLoader((np.zeros((5, 2)), np.zeros(4)), batch_size=2)


@pytest.mark.parametrize("bs", [0, -1, 2.5, True])
def test_bad_batch_size(bs):
    with pytest.raises(ValueError, match="batch_size as a whole number >= 1"):
        iterate_batches(np.zeros(3), batch_size=bs)


def test_no_arrays_scalar_and_bad_rng():
    with pytest.raises(TypeError, match="at least one array"):
        iterate_batches(batch_size=2)
    with pytest.raises(TypeError, match="first \\(batch\\) dimension"):
        iterate_batches(np.float64(3.0), batch_size=2)
    with pytest.raises(TypeError, match=r"rng as a numpy\.random\.Generator"):
        iterate_batches(np.zeros(3), batch_size=2, shuffle=True, rng="seed")
