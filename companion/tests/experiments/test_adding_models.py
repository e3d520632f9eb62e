"""Adding-problem models: data, a model that trains, and the marker response of gates."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gru_companion.analysis.gate_probes import marker_response
from gru_companion.data.synthetic import ADDING_BASELINE_MSE, AddingData, adding_data
from gru_companion.experiments.adding_models import (
    AddingHistory,
    build_adding_model,
    train_adding_model,
)
from gru_companion.reproducibility import seed_everything
from gru_companion.scratch.gru import NumpyGRU


def test_adding_data_shapes_and_reproducibility():
    data = adding_data(6, 20, 10, seed=3)
    assert data.x_train.shape == (20, 6, 2) and data.y_test.shape == (10, 1)
    assert data.seq_len == 6
    assert data.test_markers.dtype == bool and np.all(data.test_markers.sum(axis=1) == 2)
    again = adding_data(6, 20, 10, seed=3)
    np.testing.assert_array_equal(data.x_test, again.x_test)
    assert not np.array_equal(data.x_train[:10], data.x_test)


def test_adding_data_refuses_bad_arguments():
    with pytest.raises(ValueError, match="seq_len must be an integer >= 2"):
        adding_data(1)
    with pytest.raises(TypeError, match="n_train must be a positive integer"):
        adding_data(5, 10.0)
    with pytest.raises(ValueError, match="non-negative integer seed"):
        adding_data(5, seed=-1)


def test_a_tiny_model_trains_and_records_its_history():
    data = adding_data(5, 64, 32, seed=0)
    seed_everything(0)
    model = build_adding_model(keras.layers.GRU(3, name="gru"), 5, name="tiny")
    assert [layer.name for layer in model.layers] == ["gru", "sum"]
    history = train_adding_model(model, data, epochs=2, batch_size=32)
    assert isinstance(history, AddingHistory) and history.epochs == 2
    assert len(history.test_mse) == 2 and history.final_test_mse == history.test_mse[-1]
    assert all(np.isfinite(history.loss))


def test_first_epoch_below():
    history = AddingHistory(loss=(0.2, 0.1, 0.01), test_mse=(0.2, 0.05, 0.001))
    assert history.first_epoch_below(0.1) == 2
    assert history.first_epoch_below(ADDING_BASELINE_MSE / 100) == 3
    assert history.first_epoch_below(1e-4) is None
    with pytest.raises(ValueError, match="threshold must be a positive finite number"):
        history.first_epoch_below(0)
    with pytest.raises(TypeError, match="threshold must be a positive number"):
        history.first_epoch_below("0.1")


def test_build_and_train_refuse_bad_arguments():
    with pytest.raises(TypeError, match="recurrent_layer must be a keras.layers.Layer"):
        build_adding_model("gru", 5)
    with pytest.raises(ValueError, match="return_sequences=False"):
        build_adding_model(keras.layers.GRU(2, return_sequences=True), 5)
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        build_adding_model(keras.layers.GRU(2), 5, learning_rate=0.0)
    with pytest.raises(TypeError, match="data must be an AddingData"):
        train_adding_model(None, (1, 2))


def test_marker_response_measures_change_at_marked_steps():
    gru = NumpyGRU.initialized(2, 3, seed=0)
    data: AddingData = adding_data(8, 1, 6, seed=1)
    marked = data.test_markers
    responses = marker_response(gru, data.x_test.astype("float64"), marked, ("z", "r"))
    assert list(responses) == ["z", "r"]
    caches = gru.run(data.x_test.astype("float64"), keep_cache=True).caches
    z = np.stack([step["z"] for step in caches], axis=1)
    change = np.abs(np.diff(z, axis=1)).mean(axis=-1)
    expected = change[marked[:, 1:]].mean()
    assert responses["z"].marked_change == pytest.approx(expected)
    assert responses["z"].ratio == pytest.approx(expected / change[~marked[:, 1:]].mean())
    assert responses["z"].marked_mean == pytest.approx(z[marked].mean())
    np.testing.assert_allclose(
        responses["r"].unmarked_unit_means,
        np.stack([step["r"] for step in caches], axis=1)[~marked].mean(axis=0),
    )
    assert responses["z"].marked_unit_means.shape == (3,)


def test_marker_response_refuses_bad_arguments():
    gru = NumpyGRU.initialized(2, 3, seed=0)
    x = np.zeros((2, 5, 2))
    marked = np.zeros((2, 5), dtype=bool)
    marked[:, 2] = True
    with pytest.raises(ValueError, match="some steps must be marked"):
        marker_response(gru, x, np.zeros((2, 5), dtype=bool), ("z",))
    with pytest.raises(ValueError, match=r"marked must have shape \(batch, time\)"):
        marker_response(gru, x, marked[:, :4], ("z",))
    with pytest.raises(TypeError, match="kind bool"):
        marker_response(gru, x, marked.astype(int), ("z",))
    with pytest.raises(ValueError, match="not \\['i'\\]"):
        marker_response(gru, x, marked, ("i",))
    with pytest.raises(TypeError, match="non-empty tuple"):
        marker_response(gru, x, marked, ["z"])
    backwards = NumpyGRU(*gru.get_weights(), go_backwards=True)
    with pytest.raises(ValueError, match="go_backwards=False"):
        marker_response(backwards, x, marked, ("z",))
    with pytest.raises(TypeError, match="NumPy recurrent layer"):
        marker_response(keras.layers.GRU(3), x, marked, ("z",))
