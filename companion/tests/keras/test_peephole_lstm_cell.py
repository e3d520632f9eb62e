"""The LSTM with peepholes in Keras: PeepholeLSTMCell equals its NumPy layer, forwards and back.

The Keras cell (``keras_layer("peephole_lstm", ...)``, a ``keras.layers.RNN`` running
:class:`~gru_companion.keras.cells.PeepholeLSTMCell`) and the NumPy layer compute the same
outputs (float64, to 1e-12) and the same gradients (TensorFlow's tape against the exact
backward pass), with non-zero peepholes; with zero peepholes both are Keras's LSTM; the
parameter count of the formula is Keras's, and budgets are sized with the peepholes counted.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gru_companion.analysis.budgets import model_size, units_for_budget
from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.keras.bridge import from_keras, tape_gradients, to_keras
from gru_companion.keras.cells import PeepholeLSTMCell, cell_class, keras_layer
from gru_companion.learning.gradient_check import relative_error
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM

FEATURES, UNITS, STEPS, BATCH = 3, 4, 6, 2
FLAGS = [
    {},
    {"return_sequences": True, "return_state": True},
    {"return_sequences": True, "go_backwards": True},
]


def random_keras_peephole(dtype: str = "float64", seed: int = 0, **flags):
    """A built Keras peephole LSTM with every weight (peepholes too) drawn from N(0, 0.5²)."""
    layer = keras_layer("peephole_lstm", UNITS, dtype=dtype, name="peephole", **flags)
    layer.build((None, None, FEATURES))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype(dtype) for w in layer.weights])
    return layer


def test_keras_layer_builds_the_cell_with_a_peephole_weight():
    assert cell_class("peephole_lstm") is PeepholeLSTMCell
    layer = keras_layer("peephole_lstm", UNITS, name="peephole")
    layer.build((None, None, FEATURES))
    assert isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, PeepholeLSTMCell)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("kernel", (FEATURES, 4 * UNITS)),
        ("recurrent_kernel", (UNITS, 4 * UNITS)),
        ("bias", (4 * UNITS,)),
        ("peephole", (3, UNITS)),
    ]
    # Keras's LSTM start: forget bias 1, other biases 0; the peepholes start closed
    np.testing.assert_array_equal(np.asarray(layer.cell.bias), np.repeat([0, 1, 0, 0], UNITS))
    np.testing.assert_array_equal(np.asarray(layer.cell.peephole), np.zeros((3, UNITS)))
    assert keras.saving.get_registered_name(PeepholeLSTMCell) == "gru_companion>PeepholeLSTMCell"
    again = PeepholeLSTMCell.from_config(layer.cell.get_config())
    assert again.units == UNITS


@pytest.mark.parametrize("flags", FLAGS)
def test_numpy_twin_computes_what_the_keras_cell_computes(flags):
    layer = random_keras_peephole(**flags)
    twin = from_keras(layer)
    assert type(twin) is NumpyPeepholeLSTM and np.all(twin.peephole != 0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    states = [rng.normal(size=(BATCH, UNITS)) for _ in range(2)]
    ours, theirs = twin(x, states), layer(x, initial_state=states)
    if not isinstance(ours, list):
        ours, theirs = [ours], [theirs]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=0, atol=1e-12)


def test_float32_twin_agrees_to_float32_rounding():
    layer = random_keras_peephole(dtype="float32", return_sequences=True)
    x = np.random.default_rng(2).normal(size=(BATCH, STEPS, FEATURES)).astype(np.float32)
    np.testing.assert_allclose(from_keras(layer)(x), np.asarray(layer(x)), rtol=0, atol=1e-5)


@pytest.mark.parametrize("flags", FLAGS)
def test_numpy_backward_equals_tensorflow_gradients(flags):
    layer = random_keras_peephole(seed=3, **flags)
    twin = from_keras(layer)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    states = [rng.normal(size=(BATCH, UNITS)) for _ in range(2)]
    run = twin.run(x, states, keep_cache=True)
    output = run.outputs if twin.return_sequences else run.outputs[:, -1]
    r_output = rng.normal(size=output.shape)
    r_states = [rng.normal(size=(BATCH, UNITS)) for _ in range(2)] if twin.return_state else None
    ours = twin.backward(run, r_output, r_states)
    theirs = tape_gradients(layer, x, states, r_output, r_states)
    assert list(ours.weights()) == ["kernel", "recurrent_kernel", "bias", "peephole"]
    for name, gradient in ours.weights().items():
        assert relative_error(gradient, theirs[name]) < 1e-10, name
    assert relative_error(ours.inputs, theirs["inputs"]) < 1e-10
    for mine, reference in zip(ours.initial_states, theirs["initial_states"], strict=True):
        assert relative_error(mine, reference) < 1e-10


def test_with_zero_peepholes_it_is_keras_lstm():
    layer = random_keras_peephole(seed=5, return_sequences=True)
    kernel, recurrent_kernel, bias, _ = layer.get_weights()
    layer.set_weights([kernel, recurrent_kernel, bias, np.zeros((3, UNITS))])
    lstm = keras.layers.LSTM(UNITS, return_sequences=True, dtype="float64")
    lstm.build((None, None, FEATURES))
    lstm.set_weights([kernel, recurrent_kernel, bias])
    x = np.random.default_rng(5).normal(size=(BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(lstm(x)), rtol=0, atol=1e-12)


def test_to_keras_and_back_bit_for_bit():
    numpy_layer = NumpyPeepholeLSTM.initialized(FEATURES, UNITS, seed=6, return_state=True)
    back = to_keras(numpy_layer, name="peephole_back")
    assert isinstance(back.cell, PeepholeLSTMCell) and back.return_state
    for a, b in zip(numpy_layer.get_weights(), back.get_weights(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    again = from_keras(back)
    for a, b in zip(numpy_layer.get_weights(), again.get_weights(), strict=True):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="always has a bias"):
        to_keras(NumpyPeepholeLSTM.initialized(FEATURES, UNITS, use_bias=False))


@pytest.mark.parametrize(("features", "units"), [(1, 1), (3, 4), (88, 36)])
def test_parameter_count_is_keras_count(features, units):
    layer = keras_layer("peephole_lstm", units)
    layer.build((None, None, features))
    count = recurrent_params("peephole_lstm", features, units)
    assert count.count == layer.count_params()
    assert count.count == recurrent_params("lstm", features, units).count + 3 * units
    assert count.formula == f"4·({features}·{units} + {units}² + {units}) + 3·{units}"


def test_budget_sizing_counts_the_peepholes():
    # Chung et al.'s music models: 88 notes in, an 88-unit read-out, about 20,000 parameters.
    size = units_for_budget("peephole_lstm", 88, 20_000, 88)
    lstm = units_for_budget("lstm", 88, 20_000, 88)
    assert (size.units, size.total) == (34, 19_910) and lstm.units == 34
    assert size.recurrent == model_size("lstm", 88, 34, 88).recurrent + 3 * 34
    model = keras.Sequential(
        [keras.Input((None, 88)), keras_layer("peephole_lstm", size.units),
         keras.layers.Dense(88)]
    )  # fmt: skip
    assert model.count_params() == size.total == size.recurrent + dense_params(34, 88).count
    # the next width up is farther from the budget
    assert abs(model_size("peephole_lstm", 88, 35, 88).total - 20_000) > 20_000 - size.total
