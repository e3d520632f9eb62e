"""A kind added by a row, a NumPy layer and a Keras cell passes through the bridge unedited.

The shared fixture ``new_kind`` (``companion/tests/conftest.py``) adds a throw-away kind,
``"leaky"``, the way the course would add a real one: a row in ``KINDS``, a NumPy
``RecurrentLayer`` subclass and a ``KerasOpsCell`` subclass, each naming only its kind.
``keras_layer``, ``from_keras`` and ``to_keras`` must accept it without being edited; the
registries are restored afterwards.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gru_companion.keras import cells
from gru_companion.keras.bridge import from_keras, to_keras
from gru_companion.keras.cells import cell_class, keras_layer
from gru_companion.kinds import KINDS
from gru_companion.scratch import recurrent_layer
from gru_companion.scratch.recurrent_layer import layer_class

FEATURES, UNITS, STEPS, BATCH = 3, 4, 6, 2


def test_the_new_kind_is_registered_by_its_classes_alone(new_kind):
    numpy_class, keras_cell = new_kind.numpy_class, new_kind.keras_cell
    assert layer_class("leaky") is numpy_class and cell_class("leaky") is keras_cell
    assert numpy_class.gate_names == ("a", "h") and numpy_class.kind_name == "LeakyRNN"
    layer = keras_layer("leaky", UNITS, name="leaky")
    layer.build((None, None, FEATURES))
    assert isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, keras_cell)
    assert layer.cell.name == "leaky_cell"
    shapes = [tuple(w.shape) for w in layer.get_weights()]
    assert shapes == [(FEATURES, 2 * UNITS), (UNITS, 2 * UNITS), (2 * UNITS,)]
    assert keras.saving.get_registered_name(keras_cell) == "gru_companion>LeakyCell"


def test_from_keras_gives_the_numpy_layer_of_the_new_kind(new_kind):
    numpy_class = new_kind.numpy_class
    layer = keras_layer(
        "leaky", UNITS, return_sequences=True, return_state=True, go_backwards=True,
        dtype="float64", name="leaky",
    )  # fmt: skip
    layer.build((None, None, FEATURES))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
    twin = from_keras(layer)
    assert type(twin) is numpy_class
    assert twin.return_sequences and twin.return_state and twin.go_backwards
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    h0 = rng.normal(size=(BATCH, UNITS))
    for ours, theirs in zip(twin(x, h0), layer(x, initial_state=h0), strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=1e-12)


def test_to_keras_gives_the_keras_cell_of_the_new_kind_bit_for_bit(new_kind):
    numpy_class, keras_cell = new_kind.numpy_class, new_kind.keras_cell
    numpy_layer = numpy_class.initialized(FEATURES, UNITS, seed=1, return_sequences=True)
    back = to_keras(numpy_layer, name="leaky_back")
    assert isinstance(back.cell, keras_cell) and back.return_sequences
    for a, b in zip(numpy_layer.get_weights(), back.get_weights(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    x = np.random.default_rng(2).normal(size=(BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(numpy_layer(x), np.asarray(back(x)), rtol=0, atol=1e-12)
    again = from_keras(back)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(numpy_layer.get_weights(), again.get_weights(), strict=True)
    )


def test_the_registries_hold_no_throw_away_kind():
    # Runs after the tests above (file order): the fixture left nothing behind.
    assert "leaky" not in KINDS and "leaky" not in cells._CELL_CLASSES
    assert "leaky" not in recurrent_layer._LAYER_CLASSES
    assert "gru_companion>LeakyCell" not in keras.saving.get_custom_objects()
    with pytest.raises(ValueError, match="kind must be one of"):
        keras_layer("leaky", 2)
