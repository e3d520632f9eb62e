"""A real time series, yearly sunspot numbers, cut into windows for one-step forecasting.

The data ship with statsmodels (``statsmodels.datasets.sunspots``): the yearly mean
number of sunspots from 1700 to 2008, 309 values, with the roughly 11-year solar cycle.
Nothing is downloaded.

:func:`make_windows` turns any series into supervised pairs: ``window`` consecutive
values as input, the value ``horizon`` steps after the last of them as target.
:func:`chronological_windows` does that for a training, a validation and a test period
that follow each other in time, and standardises with the mean and standard deviation of
the training period alone, so that nothing of the later periods leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.validation import (
    check_bool,
    check_int_at_least,
    check_ndarray,
    check_open_fraction,
)


@dataclass(frozen=True, eq=False)
class Series:
    """A yearly time series. Checked when created: 1-D arrays of equal length, increasing
    years, finite values.

    Attributes
    ----------
    years
        ``int64`` array of shape ``(n,)``, increasing.
    values
        ``float64`` array of shape ``(n,)``, the value of each year.
    name
        What the values are.
    """

    years: np.ndarray
    values: np.ndarray
    name: str

    def __post_init__(self) -> None:
        years = check_ndarray("years", self.years, ndim=1, kinds="iu")
        values = check_ndarray("values", self.values, ndim=1, kinds="biuf")
        if len(years) != len(values):
            raise ValueError(
                f"years and values must have the same length, got {len(years)} and "
                f"{len(values)}"
            )
        if np.any(np.diff(years) <= 0):
            raise ValueError("years must be strictly increasing")
        if not np.all(np.isfinite(values)):
            raise ValueError("values must be finite, got NaN or infinite values")
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {type(self.name).__name__}")


@dataclass(frozen=True, eq=False)
class WindowedSplits:
    """Windows of a series for one-step forecasting, split chronologically.

    For each split, ``x_*`` has shape ``(windows, window, 1)`` (one feature, the form
    Keras recurrent layers read) and ``y_*`` has shape ``(windows, 1)``, both ``float32``
    and standardised as ``(value - mean) / std``; ``years_*`` has shape ``(windows,)``,
    the year of each target.

    Attributes
    ----------
    x_train, y_train, years_train
        Windows whose target lies in the training period.
    x_valid, y_valid, years_valid
        Windows whose target lies in the validation period.
    x_test, y_test, years_test
        Windows whose target lies in the test period.
    mean, std
        The mean and standard deviation of the training period's values (0 and 1 without
        standardisation).
    window, horizon
        The input length and how many steps after the last input the target lies.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    years_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    years_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    years_test: np.ndarray
    mean: float
    std: float
    window: int
    horizon: int

    def unstandardize(self, values: np.ndarray) -> np.ndarray:
        """Values in the series' own units: ``values * std + mean``.

        Parameters
        ----------
        values
            Standardised values, such as a model's predictions; any shape.

        Raises
        ------
        TypeError
            If ``values`` is not a NumPy array of numbers.
        """
        values = check_ndarray("values", values, kinds="biuf")
        return values * self.std + self.mean


def load_sunspots() -> Series:
    """Yearly sunspot numbers 1700-2008 (309 values) from ``statsmodels.datasets``.

    Returns
    -------
    Series
        ``years`` 1700 to 2008 and ``values``, the yearly sunspot activity
        (``SUNACTIVITY``), between 0 and about 190.
    """
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    years = frame["YEAR"].to_numpy().astype(np.int64)
    values = frame["SUNACTIVITY"].to_numpy().astype(np.float64)
    return Series(years=years, values=values, name="yearly sunspot number")


def make_windows(
    values: np.ndarray, window: int, *, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Supervised pairs from a series: ``window`` values in, a later value out.

    Pair ``i`` has inputs ``values[i : i + window]`` and target
    ``values[i + window + horizon - 1]``.

    Parameters
    ----------
    values
        1-D array of numbers, the series, of length ``n``.
    window
        Number of consecutive inputs, at least 1.
    horizon
        How many steps after the last input the target lies, at least 1 (1: the next
        value).

    Returns
    -------
    tuple of numpy.ndarray
        ``inputs`` of shape ``(n - window - horizon + 1, window, 1)`` and ``targets`` of
        shape ``(n - window - horizon + 1, 1)``, both ``float32``.

    Raises
    ------
    TypeError
        If ``values`` is not a NumPy array of numbers, or ``window`` or ``horizon`` is not
        an integer.
    ValueError
        If ``values`` is not 1-D or not finite, ``window`` or ``horizon`` is below 1, or
        the series is too short for a single pair.
    """
    values = check_ndarray("values", values, ndim=1, kinds="biuf")
    window = check_int_at_least("window", window, 1)
    horizon = check_int_at_least("horizon", horizon, 1)
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite, got NaN or infinite values")
    n_pairs = len(values) - window - horizon + 1
    if n_pairs < 1:
        raise ValueError(
            f"values must have at least window + horizon = {window + horizon} elements "
            f"for one pair, got {len(values)}"
        )
    starts = np.arange(n_pairs)
    inputs = values[starts[:, None] + np.arange(window)[None, :]]
    targets = values[starts + window + horizon - 1]
    return inputs[..., None].astype(np.float32), targets[:, None].astype(np.float32)


def chronological_windows(
    series: Series,
    *,
    window: int = 20,
    horizon: int = 1,
    train_fraction: float = 0.7,
    valid_fraction: float = 0.15,
    standardize: bool = True,
) -> WindowedSplits:
    """Windows of a series, split into consecutive training, validation and test periods.

    The series is cut by time: the first ``floor(n * train_fraction)`` values form the
    training period, the next ``floor(n * valid_fraction)`` the validation period, the
    rest the test period. Each window of :func:`make_windows` goes to the period that
    holds its *target*; its inputs may reach back into the period before (those values
    are in the past when the target is predicted, so nothing of the future is used).
    The mean and standard deviation used for standardising are those of the training
    period's values only.

    Parameters
    ----------
    series
        The series, e.g. from :func:`load_sunspots`.
    window
        Number of consecutive inputs, at least 1.
    horizon
        How many steps after the last input the target lies, at least 1.
    train_fraction
        Share of the values in the training period, strictly between 0 and 1.
    valid_fraction
        Share of the values in the validation period, strictly between 0 and 1; the two
        shares must add up to less than 1, leaving the test period.
    standardize
        Whether to standardise inputs and targets with the training period's mean and
        standard deviation.

    Returns
    -------
    WindowedSplits
        The windows of each period, their target years, the mean and the standard
        deviation.

    Raises
    ------
    TypeError
        If ``series`` is not a :class:`Series` or another argument has the wrong type.
    ValueError
        If the fractions leave no test period, a period gets no window, or the training
        period is constant (standard deviation 0).
    """
    if not isinstance(series, Series):
        raise TypeError(
            f"series must be a gru_companion.data.sunspots.Series, got {type(series).__name__}"
        )
    window = check_int_at_least("window", window, 1)
    horizon = check_int_at_least("horizon", horizon, 1)
    train_fraction = check_open_fraction("train_fraction", train_fraction)
    valid_fraction = check_open_fraction("valid_fraction", valid_fraction)
    check_bool("standardize", standardize)
    if train_fraction + valid_fraction >= 1.0:
        raise ValueError(
            "train_fraction + valid_fraction must be below 1 to leave a test period, got "
            f"{train_fraction} + {valid_fraction} = {train_fraction + valid_fraction}"
        )
    values = series.values
    n = len(values)
    n_train = int(np.floor(n * train_fraction))
    n_valid = int(np.floor(n * valid_fraction))
    n_pairs = n - window - horizon + 1
    target_index = np.arange(max(n_pairs, 0)) + window + horizon - 1
    periods = {
        "training": target_index < n_train,
        "validation": (target_index >= n_train) & (target_index < n_train + n_valid),
        "test": target_index >= n_train + n_valid,
    }
    for period, chosen in periods.items():
        if not chosen.any():
            raise ValueError(
                f"the {period} period gets no window: {n} values split "
                f"{n_train} / {n_valid} / {n - n_train - n_valid}, and a target needs "
                f"window + horizon - 1 = {window + horizon - 1} values before it"
            )
    if standardize:
        mean = float(values[:n_train].mean())
        std = float(values[:n_train].std())
        if std == 0.0:
            raise ValueError("the training period is constant (standard deviation 0)")
    else:
        mean, std = 0.0, 1.0
    x, y = make_windows((values - mean) / std, window, horizon=horizon)
    years = series.years[target_index]
    train, valid, test = periods.values()
    return WindowedSplits(
        x_train=x[train], y_train=y[train], years_train=years[train],
        x_valid=x[valid], y_valid=y[valid], years_valid=years[valid],
        x_test=x[test], y_test=y[test], years_test=years[test],
        mean=mean, std=std, window=window, horizon=horizon,
    )
