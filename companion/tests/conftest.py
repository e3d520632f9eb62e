"""Shared test settings and fixtures: the package (which quiets TensorFlow) is imported first."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

import gru_companion  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL before keras is imported)
from gru_companion.kinds import KINDS, Kind
from gru_companion.scratch import recurrent_layer
from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, StepGradients, split_gates

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


def _enter_kind(monkeypatch: pytest.MonkeyPatch, row: Kind, cell_name: str) -> None:
    """Add ``row`` to KINDS and make room for its classes in every registry, undone afterwards."""
    import keras

    from gru_companion.keras import cells

    monkeypatch.setitem(KINDS, row.key, row)
    # Entries that do not exist yet: monkeypatch deletes them again after the test.
    monkeypatch.setitem(recurrent_layer._LAYER_CLASSES, row.key, None)
    monkeypatch.setitem(cells._CELL_CLASSES, row.key, None)
    monkeypatch.setitem(keras.saving.get_custom_objects(), f"gru_companion>{cell_name}", None)


@pytest.fixture
def new_kind(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The kind "leaky", added as the course adds a kind: a row, a NumPy layer, a Keras cell.

    Nothing else is edited. Every registry it enters is restored after the test.
    """
    from keras import ops

    from gru_companion.keras import cells

    _enter_kind(monkeypatch, LEAKY, "LeakyCell")

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


#: A throw-away kind with a cell state and a peephole: a forget gate f that also reads the
#: previous cell through a diagonal weight v (the row of the weight ``peephole``),
#: c_t = f ⊙ c_{t-1} + (1 - f) ⊙ tanh(x W_c + b_c + h_{t-1} U_c), h_t = tanh(c_t).
PEEKING = Kind("peeking", "PeekingRNN", "peeking cell", ("f", "c"), ("f",), ("h", "c"),
               peepholes=("f",))  # fmt: skip


def peeking_step(x_proj, h_prev, c_prev, recurrent_kernel, peephole):
    """One step of the throw-away kind with a peephole, in NumPy, with its cache."""
    x_f, x_c = split_gates(x_proj, 2)
    U_f, U_c = split_gates(recurrent_kernel, 2)
    f = sigmoid(x_f + h_prev @ U_f + peephole[0] * c_prev)
    c_tilde = tanh(x_c + h_prev @ U_c)
    c = f * c_prev + (1 - f) * c_tilde
    h = tanh(c)
    return h, c, {"h_prev": h_prev, "c_prev": c_prev, "f": f, "c_tilde": c_tilde, "c": c, "h": h}


def peeking_step_backward(dh, dc, cache, recurrent_kernel, peephole):
    """The backward pass of :func:`peeking_step`: its StepGradients, the peephole's included."""
    f, c_tilde, c_prev = cache["f"], cache["c_tilde"], cache["c_prev"]
    dc = dc + dh * (1 - cache["h"] ** 2)  # h_t = tanh(c_t)
    da_f = dc * (c_prev - c_tilde) * f * (1 - f)
    da_c = dc * (1 - f) * (1 - c_tilde**2)
    da = np.concatenate([da_f, da_c], axis=1)
    dh_prev = da @ recurrent_kernel.T
    dc_prev = dc * f + da_f * peephole[0]  # the additive path and the peephole
    d_peephole = (da_f * c_prev).sum(axis=0)[None]
    return StepGradients(da, (dh_prev, dc_prev), cache["h_prev"].T @ da, None, (d_peephole,))


@pytest.fixture
def new_peeking_kind(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The kind "peeking", a kind with a further weight (a peephole), added as the course adds one.

    A row with :attr:`~gru_companion.kinds.Kind.peepholes`, a NumPy layer keeping the weight
    ``peephole`` (:attr:`RecurrentLayer.extra_weights`) with its backward pass, and a Keras
    cell (whose base builds ``peephole``). Every registry it enters is restored after the test.
    """
    from keras import ops

    from gru_companion.keras import cells

    _enter_kind(monkeypatch, PEEKING, "PeekingCell")

    class NumpyPeeking(RecurrentLayer):
        kind = "peeking"
        extra_weights = ("peephole",)

        def __init__(self, kernel, recurrent_kernel, bias, peephole, **flags: Any) -> None:
            super().__init__(kernel, recurrent_kernel, bias, **flags)
            self.peephole = peephole

        @classmethod
        def _initial_extra_weights(cls, rng, units):
            return [rng.uniform(-0.5, 0.5, size=(1, units))]

        def step(self, x_proj, states):
            h, c, cache = peeking_step(x_proj, *states, self.recurrent_kernel, self.peephole)
            return (h, c), cache

        def step_backward(self, d_states, cache):
            return peeking_step_backward(*d_states, cache, self.recurrent_kernel, self.peephole)

    class PeekingCell(cells.KerasOpsCell):
        kind = "peeking"
        biases_start_at_one = ("f",)  # a forget gate of a cell state, as the LSTM's

        def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
            h_prev, c_prev = states[0], states[1]
            (x_f, x_c), (U_f, U_c) = self._projections(inputs, h_prev)
            f = ops.sigmoid(x_f + ops.matmul(h_prev, U_f) + self.peephole[0] * c_prev)
            c = f * c_prev + (1 - f) * ops.tanh(x_c + ops.matmul(h_prev, U_c))
            h = ops.tanh(c)
            return h, [h, c]

    return SimpleNamespace(
        key=PEEKING.key, row=PEEKING, numpy_class=NumpyPeeking, keras_cell=PeekingCell
    )


@pytest.fixture
def needs_jax() -> None:
    """Skip without JAX; under CI a missing JAX is a failure, not a silent pass."""
    import importlib.util
    import os

    if importlib.util.find_spec("jax") is None:
        message = "jax is not installed (requirements.txt installs it): no run on JAX"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so this fails instead of skipping)")
        pytest.skip(message)
