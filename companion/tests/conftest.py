"""Shared test settings and fixtures: the package (which quiets TensorFlow) is imported first."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import settings

import gru_companion  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL before keras is imported)
from gru_companion.kinds import KINDS, Kind
from gru_companion.scratch import recurrent_layer
from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, split_gates

# Reproducible in CI: the same examples every run, no timing-based failures (building a
# Keras layer takes tens of milliseconds, more on a loaded machine).
settings.register_profile("course", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("course")

#: A throw-away kind: one gate a, a candidate h and one state,
#: h_t = a ⊙ h_{t-1} + (1 - a) ⊙ tanh(x W_h + b_h + h_{t-1} U_h).
LEAKY = Kind("leaky", "LeakyRNN", "leaky RNN", ("a", "h"), ("a",), ("h",))


def leaky_step(x_proj, h_prev, recurrent_kernel):
    """One step of the throw-away kind, in NumPy, with its cache."""
    x_a, x_h = split_gates(x_proj, 2)
    U_a, U_h = split_gates(recurrent_kernel, 2)
    a = sigmoid(x_a + h_prev @ U_a)
    h_tilde = tanh(x_h + h_prev @ U_h)
    h = a * h_prev + (1 - a) * h_tilde
    return h, {"h_prev": h_prev, "a": a, "h_tilde": h_tilde, "h": h}


@pytest.fixture
def new_kind(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The kind "leaky", added as the course adds a kind: a row, a NumPy layer, a Keras cell.

    Nothing else is edited. Every registry it enters is restored after the test.
    """
    import keras
    from keras import ops

    from gru_companion.keras import cells

    monkeypatch.setitem(KINDS, LEAKY.key, LEAKY)
    # Entries that do not exist yet: monkeypatch deletes them again after the test.
    monkeypatch.setitem(recurrent_layer._LAYER_CLASSES, LEAKY.key, None)
    monkeypatch.setitem(cells._CELL_CLASSES, LEAKY.key, None)
    monkeypatch.setitem(keras.saving.get_custom_objects(), "gru_companion>LeakyCell", None)

    class NumpyLeaky(RecurrentLayer):
        kind = "leaky"
        step_function = staticmethod(leaky_step)

    class LeakyCell(cells.KerasOpsCell):
        kind = "leaky"

        def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
            h_prev = states[0] if isinstance(states, (list, tuple)) else states
            (x_a, x_h), (U_a, U_h) = self._projections(inputs, h_prev)
            a = ops.sigmoid(x_a + ops.matmul(h_prev, U_a))
            h = a * h_prev + (1 - a) * ops.tanh(x_h + ops.matmul(h_prev, U_h))
            return h, [h]

    return SimpleNamespace(key=LEAKY.key, row=LEAKY, numpy_class=NumpyLeaky, keras_cell=LeakyCell)
