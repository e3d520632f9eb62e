"""Sunspots from statsmodels, windows, the chronological split and train-only scaling."""

import numpy as np
import pytest

from gru_companion.data.sunspots import (
    Series,
    WindowedSplits,
    chronological_windows,
    load_sunspots,
    make_windows,
)


@pytest.fixture(scope="module")
def sunspots():
    return load_sunspots()


def test_sunspots_are_the_309_yearly_values(sunspots):
    assert sunspots.years.shape == sunspots.values.shape == (309,)
    assert sunspots.years.dtype == np.int64 and sunspots.values.dtype == np.float64
    assert sunspots.years[0] == 1700 and sunspots.years[-1] == 2008
    assert (np.diff(sunspots.years) == 1).all()
    assert sunspots.values[:3].tolist() == [5.0, 11.0, 16.0]
    assert sunspots.values.min() >= 0


def test_make_windows_pairs():
    values = np.arange(10.0)
    inputs, targets = make_windows(values, 3)
    assert inputs.shape == (7, 3, 1) and targets.shape == (7, 1)
    assert inputs.dtype == targets.dtype == np.float32
    np.testing.assert_array_equal(inputs[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(inputs[-1, :, 0], [6, 7, 8])
    np.testing.assert_array_equal(targets[:, 0], np.arange(3.0, 10.0))
    inputs, targets = make_windows(values, 3, horizon=4)
    assert inputs.shape == (4, 3, 1)
    np.testing.assert_array_equal(inputs[1, :, 0], [1, 2, 3])
    assert targets[1, 0] == 1 + 3 + 4 - 1  # 4 steps after the last input (3)


def test_make_windows_shortest_series():
    inputs, targets = make_windows(np.array([1, 2, 3]), 2)
    assert inputs.shape == (1, 2, 1) and targets[0, 0] == 3


def test_chronological_split(sunspots):
    w = chronological_windows(sunspots, window=20)
    assert isinstance(w, WindowedSplits)
    n_train, n_valid = int(309 * 0.7), int(309 * 0.15)  # 216, 46
    # Windows go to the period of their target; all targets from year 1720 on are used.
    assert len(w.y_train) == n_train - 20
    assert len(w.y_valid) == n_valid
    assert len(w.y_test) == 309 - n_train - n_valid
    assert w.years_train[0] == 1720 and w.years_train[-1] == 1700 + n_train - 1
    assert w.years_valid[0] == 1700 + n_train
    assert w.years_test[-1] == 2008
    assert w.years_train.max() < w.years_valid.min() <= w.years_valid.max() < w.years_test.min()
    for x, y in [(w.x_train, w.y_train), (w.x_valid, w.y_valid), (w.x_test, w.y_test)]:
        assert x.dtype == y.dtype == np.float32
        assert x.shape == (len(y), 20, 1) and y.shape == (len(y), 1)


def test_standardised_with_the_training_period_only(sunspots):
    w = chronological_windows(sunspots, window=10, train_fraction=0.6, valid_fraction=0.2)
    train_values = sunspots.values[: int(309 * 0.6)]
    assert w.mean == pytest.approx(train_values.mean())
    assert w.std == pytest.approx(train_values.std())
    assert w.mean != pytest.approx(sunspots.values.mean())
    # Targets come back to the raw values, and to the right years.
    raw = w.unstandardize(w.y_test[:, 0])
    np.testing.assert_allclose(raw, sunspots.values[w.years_test - 1700], rtol=1e-5)
    raw_inputs = w.unstandardize(w.x_valid[0, :, 0])
    first = w.years_valid[0] - 1700 - 10
    np.testing.assert_allclose(raw_inputs, sunspots.values[first : first + 10], rtol=1e-5)


def test_without_standardisation(sunspots):
    w = chronological_windows(sunspots, window=5, horizon=2, standardize=False)
    assert (w.mean, w.std) == (0.0, 1.0)
    expected = sunspots.values[w.years_train - 1700].astype(np.float32)
    np.testing.assert_array_equal(w.y_train[:, 0], expected)
    # horizon 2: the target lies 2 steps after the last input
    assert w.years_train[0] == 1700 + 5 + 2 - 1


def test_series_is_checked():
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        Series(years=np.array([1, 2, 3]), values=np.array([1.0, 2.0]), name="x")
    with pytest.raises(ValueError, match="strictly increasing"):
        Series(years=np.array([1, 1]), values=np.array([1.0, 2.0]), name="x")
    with pytest.raises(TypeError, match="years must be a numpy.ndarray, got list"):
        Series(years=[1, 2], values=np.array([1.0, 2.0]), name="x")
    with pytest.raises(ValueError, match="values must be finite"):
        Series(years=np.array([1, 2]), values=np.array([1.0, np.nan]), name="x")


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"window": 0}, ValueError, "window must be an integer >= 1, got 0"),
        ({"window": 2.5}, TypeError, "window must be an integer >= 1, got float"),
        ({"horizon": 0}, ValueError, "horizon must be an integer >= 1"),
        ({"train_fraction": 1.0}, ValueError, "train_fraction must be strictly between 0"),
        ({"valid_fraction": "0.1"}, TypeError, "valid_fraction must be a number"),
        ({"train_fraction": 0.8, "valid_fraction": 0.2}, ValueError, "leave a test period"),
        ({"window": 300}, ValueError, "the training period gets no window"),
        ({"valid_fraction": 0.001}, ValueError, "the validation period gets no window"),
        ({"standardize": 1}, TypeError, "standardize must be True or False"),
    ],
)
def test_bad_window_arguments(sunspots, kwargs, error, words):
    with pytest.raises(error, match=words):
        chronological_windows(sunspots, **kwargs)


def test_bad_make_windows_arguments():
    with pytest.raises(TypeError, match="values must be a numpy.ndarray, got list"):
        make_windows([1.0, 2.0, 3.0], 1)
    with pytest.raises(ValueError, match="values must have 1 dimensions, got 2"):
        make_windows(np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match="at least window \\+ horizon = 4 elements"):
        make_windows(np.zeros(3), 3)
    with pytest.raises(ValueError, match="finite"):
        make_windows(np.array([1.0, np.inf, 2.0]), 1)
    with pytest.raises(TypeError, match="series must be a gru_companion.data.sunspots.Series"):
        chronological_windows(np.zeros(10))
