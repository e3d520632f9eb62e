"""The digits as row sequences and their split."""

import numpy as np
import pytest

from gru_companion.data.digits import load_digit_sequences, split_digits


def test_images_read_as_rows():
    from sklearn.datasets import load_digits

    x, y = load_digit_sequences()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and set(y.tolist()) == set(range(10))
    assert x.min() == 0 and x.max() == 1
    # Step t of sequence i is row t of image i.
    np.testing.assert_array_equal(x[5, 3] * 16, load_digits().images[5][3])


def test_split_is_stratified_and_reproducible():
    split = split_digits(test_fraction=0.25, seed=0)
    assert len(split.x_test) == 450 and len(split.x_train) == 1347
    train_share = np.bincount(split.y_train) / len(split.y_train)
    test_share = np.bincount(split.y_test) / len(split.y_test)
    assert np.abs(train_share - test_share).max() < 0.01
    again = split_digits(test_fraction=0.25, seed=0)
    np.testing.assert_array_equal(split.y_test, again.y_test)
    other = split_digits(test_fraction=0.25, seed=1)
    assert not np.array_equal(split.y_test, other.y_test)


@pytest.mark.parametrize(
    "kwargs, error",
    [({"test_fraction": 0}, ValueError), ({"test_fraction": 1.5}, ValueError),
     ({"test_fraction": "a"}, TypeError), ({"seed": -1}, ValueError)],
)
def test_split_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        split_digits(**kwargs)
