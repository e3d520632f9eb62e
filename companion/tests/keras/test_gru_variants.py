"""The simplified cells: NumPy equals keras.ops, each equals a GRU or LSTM with tied weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gru_companion.analysis.param_counts import recurrent_params
from gru_companion.keras.bridge import from_keras, to_keras
from gru_companion.keras.cells import CIFGCell, MGUCell, NoResetGRUCell, cell_class, keras_layer
from gru_companion.kinds import VARIANTS
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import layer_class
from gru_companion.scratch.variants import (
    NumpyCIFG,
    NumpyMGU,
    NumpyNoResetGRU,
    cifg_to_lstm,
    gru_no_reset_to_gru,
    mgu_to_gru,
)

FEATURES, UNITS, STEPS, BATCH = 3, 4, 7, 5
NEW_CELLS = ("mgu", "gru_no_reset", "cifg")
TIED = {
    "mgu": (mgu_to_gru, NumpyGRU, {"reset_after": False}),
    "gru_no_reset": (gru_no_reset_to_gru, NumpyGRU, {"reset_after": False}),
    "cifg": (cifg_to_lstm, NumpyLSTM, {}),
}


def _random_variant(variant: str, rng: np.random.Generator, dtype: str = "float64"):
    layer = keras_layer(variant, UNITS, return_sequences=True, dtype=dtype, name=variant)
    layer.build((None, None, FEATURES))
    layer.set_weights([rng.normal(scale=0.6, size=tuple(w.shape)) for w in layer.weights])
    return layer


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_from_keras_twin_computes_what_the_keras_cell_computes(variant):
    rng = np.random.default_rng(0)
    layer = _random_variant(variant, rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    twin = from_keras(layer)
    assert type(twin) is {"mgu": NumpyMGU, "gru_no_reset": NumpyNoResetGRU, "cifg": NumpyCIFG}[
        variant
    ]
    assert twin.return_sequences
    np.testing.assert_allclose(twin(x), np.asarray(layer(x)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_each_variant_is_a_gru_or_lstm_with_tied_weights(variant):
    rng = np.random.default_rng(1)
    layer = _random_variant(variant, rng)
    weights = [np.asarray(w) for w in layer.get_weights()]
    tie, full_class, options = TIED[variant]
    full = full_class(*tie(*weights), return_sequences=True, **options)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(full(x), from_keras(layer)(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", NEW_CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_cells_equal_keras_builtins_with_tied_weights(variant, dtype):
    rng = np.random.default_rng(2)
    layer = _random_variant(variant, rng, dtype=dtype)
    tie = TIED[variant][0]
    if variant == "cifg":
        builtin = keras.layers.LSTM(UNITS, return_sequences=True, dtype=dtype)
    else:
        builtin = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True, dtype=dtype)
    builtin.build((None, None, FEATURES))
    builtin.set_weights(tie(*[np.asarray(w) for w in layer.get_weights()]))
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(dtype)
    tolerance = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(builtin(x)), atol=tolerance)


def test_no_reset_gate_is_exactly_one():
    tied = gru_no_reset_to_gru(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(4))
    gru = NumpyGRU(*tied, reset_after=False)
    cache = gru.run(np.ones((1, 3, 2)), keep_cache=True).caches
    assert all(np.array_equal(step["r"], np.ones((1, 2))) for step in cache)


def test_cifg_input_gate_is_one_minus_forget_gate():
    rng = np.random.default_rng(3)
    variant = NumpyCIFG.initialized(FEATURES, UNITS, seed=3)
    full = NumpyLSTM(*cifg_to_lstm(*variant.get_weights()))
    for step in full.run(rng.normal(size=(2, STEPS, FEATURES)), keep_cache=True).caches:
        np.testing.assert_allclose(step["i"], 1 - step["f"], atol=1e-15)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("features", "units"), [(1, 1), (2, 16), (7, 5)])
def test_parameter_formula_matches_keras(variant, features, units):
    layer = keras_layer(variant, units)
    layer.build((None, None, features))
    assert recurrent_params(variant, features, units).count == layer.count_params()


def test_cifg_forget_bias_starts_at_one_like_keras_lstm():
    layer = keras_layer("cifg", 3)
    layer.build((None, None, 2))
    np.testing.assert_array_equal(np.asarray(layer.cell.bias), [1, 1, 1, 0, 0, 0, 0, 0, 0])
    for zero_start in (MGUCell, NoResetGRUCell):
        cell = zero_start(3)
        cell.build((None, 2))
        assert not np.any(np.asarray(cell.bias))


@pytest.mark.parametrize("cell_class", [MGUCell, NoResetGRUCell, CIFGCell])
def test_cells_rebuild_from_their_config(cell_class):
    cell = cell_class(5, name="cell")
    again = cell_class.from_config(cell.get_config())
    assert again.units == 5 and again.name == "cell"


def test_layers_and_cells_refuse_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        keras_layer("rnn", 4)
    with pytest.raises(TypeError, match="units must be a positive integer"):
        keras_layer("mgu", 4.0)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        MGUCell(0)
    with pytest.raises(TypeError, match="name must be a str"):
        keras_layer("gru", 4, name=3)
    with pytest.raises(TypeError, match="return_sequences must be True or False"):
        keras_layer("cifg", 4, return_sequences=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrent_params("tanh", 2, 3)


def test_from_keras_refuses_unbuilt_and_foreign_cells():
    with pytest.raises(ValueError, match="not built"):
        from_keras(keras_layer("mgu", 3))

    class OtherMGU(MGUCell):  # a subclass may compute something else: refused
        pass

    with pytest.raises(TypeError, match="running one of the course's cells"):
        from_keras(keras.layers.RNN(OtherMGU(3)))


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_to_keras_gives_the_course_cell_back_bit_for_bit(variant):
    numpy_layer = layer_class(variant).initialized(FEATURES, UNITS, seed=4, return_state=True)
    back = to_keras(numpy_layer, name=f"{variant}_back")
    assert isinstance(back.cell, cell_class(variant)) and back.return_state
    for a, b in zip(numpy_layer.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(5).normal(size=(BATCH, STEPS, FEATURES))
    for ours, theirs in zip(numpy_layer(x), back(x), strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="always has a bias"):
        to_keras(layer_class(variant)(*numpy_layer.get_weights()[:2], None))


def test_tied_weights_refuse_what_the_variant_layer_refuses():
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 2 \* units\)"):
        mgu_to_gru(np.zeros((2, 6)), np.zeros((3, 5)), np.zeros(6))
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 3 \* units\)"):
        cifg_to_lstm(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="kernel must be a numpy.ndarray, got list"):
        gru_no_reset_to_gru([[0.0] * 4], np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="bias must have dtype float32 or float64"):
        gru_no_reset_to_gru(np.zeros((1, 4)), np.zeros((2, 4)), np.zeros(4, dtype=int))
    with pytest.raises(TypeError, match="the tied weights need one"):
        mgu_to_gru(np.zeros((1, 4)), np.zeros((2, 4)), None)
