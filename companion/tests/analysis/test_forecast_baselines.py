"""Persistence and linear autoregression: the forecasts a network must beat."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.analysis.forecast_baselines import (
    autoregressive_forecast,
    persistence_rmse,
    rmse,
)
from gru_companion.data.sunspots import Series, chronological_windows, load_sunspots


def _series(values):
    return Series(np.arange(1900, 1900 + len(values)), np.asarray(values, float), "test")


def test_an_exact_ar2_process_is_recovered():
    values = [1.0, 2.0]
    for _ in range(200):
        values.append(0.5 + 0.6 * values[-1] - 0.3 * values[-2])
    values = np.asarray(values) + 0.001 * np.sin(np.arange(len(values)))  # not constant
    split = chronological_windows(_series(values), window=4)
    fit = autoregressive_forecast(split)
    assert fit.test_rmse < 0.01 and fit.lags >= 2


def test_persistence_of_a_constant_step_series():
    split = chronological_windows(_series(np.arange(100.0)), window=3, standardize=False)
    assert persistence_rmse(split) == pytest.approx(1.0)


def test_on_the_sunspots_the_linear_model_beats_persistence():
    split = chronological_windows(load_sunspots(), window=11)
    fit = autoregressive_forecast(split)
    assert fit.test_rmse < persistence_rmse(split)
    assert len(fit.params) == fit.lags + 1 and fit.lags <= 11


def test_bad_arguments_are_refused():
    split = chronological_windows(load_sunspots(), window=5)
    with pytest.raises(TypeError, match="WindowedSplits"):
        persistence_rmse(np.zeros(3))
    with pytest.raises(ValueError, match="at most the window 5"):
        autoregressive_forecast(split, max_lags=6)
    with pytest.raises(ValueError, match="from 1 to the window"):
        autoregressive_forecast(split, max_lags=0)
    with pytest.raises(ValueError, match="predicted has 2 values, target 3"):
        rmse(np.zeros(2), np.zeros(3))
