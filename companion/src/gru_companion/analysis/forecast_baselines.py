"""The forecasts a sequence model must beat on a series: persistence and linear autoregression.

A recurrent network that forecasts next year's sunspot number from a window of past
years earns its keep only if it beats the simple forecasts that see the same window:

* **persistence**: next year repeats this year;
* **linear autoregression** AR(p): next year is a constant plus a weighted sum of the
  last p years, fitted by least squares on the training period (``statsmodels``'
  ``AutoReg``, conditional maximum likelihood, i.e. ordinary least squares on the lags).
  :func:`autoregressive_forecast` picks p, at most the window, by the validation error,
  as the networks' settings are picked.

Both read the windows of :func:`~gru_companion.data.sunspots.chronological_windows`, so
they forecast the same target years from the same inputs as the networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.data.sunspots import WindowedSplits
from gru_companion.validation import check_int_at_least


def _check_split(split: object) -> WindowedSplits:
    if not isinstance(split, WindowedSplits):
        raise TypeError(
            "split must be a gru_companion.data.sunspots.WindowedSplits, "
            f"got {type(split).__name__}"
        )
    return split


def rmse(predicted: np.ndarray, target: np.ndarray) -> float:
    """Root mean squared error of two arrays of the same number of values."""
    predicted, target = np.ravel(predicted), np.ravel(target)
    if predicted.shape != target.shape:
        raise ValueError(f"predicted has {predicted.size} values, target {target.size}")
    return float(np.sqrt(np.mean((predicted - target) ** 2)))


def persistence_rmse(split: WindowedSplits) -> float:
    """Test error, in the series' units, of forecasting that the last value repeats.

    Raises
    ------
    TypeError
        If ``split`` is not a :class:`~gru_companion.data.sunspots.WindowedSplits`.
    """
    split = _check_split(split)
    return rmse(split.unstandardize(split.x_test[:, -1, 0]), split.unstandardize(split.y_test))


@dataclass(frozen=True)
class AutoregressiveForecast:
    """A linear autoregression fitted on the training period, and its errors.

    Attributes
    ----------
    lags
        p: how many past values it weighs.
    params
        The constant, then the weights of lag 1 (the latest value), lag 2, ...
    valid_rmse, test_rmse
        Its one-step errors on the validation and test periods, in the series' units.
    """

    lags: int
    params: tuple[float, ...]
    valid_rmse: float
    test_rmse: float


def _fit(split: WindowedSplits, lags: int) -> AutoregressiveForecast:
    from statsmodels.tsa.ar_model import AutoReg

    # the training period's values, in order: the first window, then each later target
    history = np.concatenate([split.x_train[0, :, 0], split.y_train[:, 0]])
    params = np.asarray(AutoReg(history, lags=lags, trend="c").fit().params)

    def forecast(x: np.ndarray) -> np.ndarray:
        latest_first = x[:, ::-1, 0][:, :lags]
        return params[0] + latest_first @ params[1:]

    errors = {
        name: rmse(split.unstandardize(forecast(x)), split.unstandardize(y))
        for name, x, y in (("valid", split.x_valid, split.y_valid),
                           ("test", split.x_test, split.y_test))
    }  # fmt: skip
    return AutoregressiveForecast(lags, tuple(map(float, params)), errors["valid"], errors["test"])


def autoregressive_forecast(
    split: WindowedSplits, *, max_lags: int | None = None
) -> AutoregressiveForecast:
    """The AR(p) with p from 1 to ``max_lags`` of lowest validation error.

    Parameters
    ----------
    split
        Windows of a series; p is at most its window (the model sees no more than a
        network given the same window).
    max_lags
        The largest p tried; ``None``: the window.

    Raises
    ------
    TypeError
        If ``split`` is not a :class:`~gru_companion.data.sunspots.WindowedSplits`.
    ValueError
        If ``max_lags`` is below 1 or above the window.
    """
    split = _check_split(split)
    window = split.x_train.shape[1]
    max_lags = (
        window
        if max_lags is None
        else check_int_at_least(
            "max_lags", max_lags, 1, expected=f"an integer from 1 to the window {window}"
        )
    )
    if max_lags > window:
        raise ValueError(f"max_lags must be at most the window {window}, got {max_lags}")
    fits = [_fit(split, lags) for lags in range(1, max_lags + 1)]
    return min(fits, key=lambda fit: fit.valid_rmse)
