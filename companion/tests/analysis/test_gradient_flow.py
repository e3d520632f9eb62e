"""The gradient-flow measurement: exact Jacobian norms and decay rates."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.analysis.gradient_flow import (
    decay_per_step,
    keras_initialized,
    mean_log10_profile,
    path_statistics,
    state_jacobian_norms,
)
from gru_companion.keras.cells import keras_layer
from gru_companion.kinds import CORE, KINDS
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM


def finite_difference_jacobian(layer, x, states, t, eps=1e-6):
    """d h_T / d s_t by restarting the layer from the states after t steps."""
    run = layer.run(x, states, keep_cache=True)
    if t == 0:
        at_t = [s.copy() for s in run.initial_states]
    else:
        cache = run.caches[t - 1]
        at_t = [run.outputs[:, t - 1].copy()] + ([cache["c"].copy()] if "c" in cache else [])
    flat = np.concatenate(at_t, axis=1)[0]
    n = layer.units
    columns = []
    for j in range(flat.size):
        outputs = []
        for sign in (1, -1):
            moved = flat.copy()
            moved[j] += sign * eps
            restart = [moved[None, k * n : (k + 1) * n] for k in range(len(at_t))]
            outputs.append(layer.run(x[:, t:], restart).states[0][0] if t < x.shape[1] else
                           restart[0][0])  # fmt: skip
        columns.append((outputs[0] - outputs[1]) / (2 * eps))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("kind", CORE)  # the kinds with a backward pass
def test_norms_equal_finite_difference_jacobians(kind):
    layer = keras_initialized(kind, 2, 3, seed=1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 5, 2))
    states = [rng.normal(size=(1, 3)) * 0.5 for _ in layer.state_names]
    norms = state_jacobian_norms(layer, x, states)
    assert norms.shape == (1, 6)
    for t in range(6):
        jacobian = finite_difference_jacobian(layer, x, states, t)
        assert abs(norms[0, t] - np.linalg.norm(jacobian, ord=2)) < 1e-7, t
    assert abs(norms[0, -1] - 1) < 1e-12  # dh_T/dh_T is the identity


def test_norms_of_the_peephole_lstm_equal_finite_difference_jacobians():
    # random peepholes (Keras starts them at 0): the Jacobians go through them
    layer = NumpyPeepholeLSTM.initialized(2, 3, seed=1)
    layer = NumpyPeepholeLSTM(*layer.get_weights()[:3], 5 * layer.peephole)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 5, 2))
    states = [rng.normal(size=(1, 3)) for _ in layer.state_names]
    norms = state_jacobian_norms(layer, x, states)
    for t in range(6):
        jacobian = finite_difference_jacobian(layer, x, states, t)
        assert abs(norms[0, t] - np.linalg.norm(jacobian, ord=2)) < 1e-7, t
    closed = NumpyPeepholeLSTM(*layer.get_weights()[:3], np.zeros((3, 3)))
    assert not np.allclose(norms, state_jacobian_norms(closed, x, states))


def test_flags_of_the_layer_are_ignored():
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    plain = NumpyGRU.initialized(2, 3, seed=4)
    flagged = NumpyGRU(*plain.get_weights(), return_sequences=True, go_backwards=True,
                       return_state=True)  # fmt: skip
    np.testing.assert_array_equal(state_jacobian_norms(plain, x), state_jacobian_norms(flagged, x))


def test_decay_per_step_and_profile():
    lags = np.arange(11)
    norms = np.tile(0.5 ** lags[::-1], (3, 1))  # column t holds lag T - t
    assert abs(decay_per_step(norms) - 0.5) < 1e-12
    assert abs(decay_per_step(norms, lags=4) - 0.5) < 1e-12
    profile = mean_log10_profile(norms)
    assert abs(profile[0]) < 1e-15 and abs(profile[10] - 10 * np.log10(0.5)) < 1e-12
    with pytest.raises(ValueError, match="lags must be between 1 and 10"):
        decay_per_step(norms, lags=11)


def test_keras_initialization():
    lstm = keras_initialized("lstm", 2, 4, seed=0)
    np.testing.assert_array_equal(lstm.bias, np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    gru = keras_initialized("gru", 2, 4, seed=0)
    assert gru.bias.shape == (2, 12) and not gru.bias.any()
    u = keras_initialized("simple_rnn", 2, 4, seed=0).recurrent_kernel
    np.testing.assert_allclose(u @ u.T, np.eye(4), atol=1e-12)  # orthogonal
    with pytest.raises(ValueError, match="kind must be one of"):
        keras_initialized("transformer", 2, 4)


@pytest.mark.parametrize("kind", ["mgu", "gru_no_reset", "cifg"])
def test_keras_initialization_of_the_simplified_cells(kind):
    layer = keras_initialized(kind, 2, 3, seed=0)
    assert layer.kind == kind and layer.bias.shape == (len(KINDS[kind].blocks) * 3,)
    # only the LSTM family starts a forget gate open, as Keras's unit_forget_bias=True
    expected = [1.0 if kind == "cifg" and block == "f" else 0.0 for block in KINDS[kind].blocks]
    np.testing.assert_array_equal(layer.bias, np.repeat(expected, 3))


@pytest.mark.parametrize("kind", list(KINDS))
def test_keras_initialization_is_what_keras_builds_for_every_kind(kind):
    """Biases and further weights (the peepholes) as a new Keras layer of the kind has them."""
    ours = keras_initialized(kind, 2, 3, seed=0)
    fresh = keras_layer(kind, 3, dtype="float64")
    fresh.build((None, None, 2))
    theirs = fresh.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs]
    for mine, keras_weight in zip(ours.get_weights()[2:], theirs[2:], strict=True):
        np.testing.assert_array_equal(mine, keras_weight)


def test_keras_initialization_of_the_peephole_lstm():
    layer = keras_initialized("peephole_lstm", 2, 4, seed=0)
    assert isinstance(layer, NumpyPeepholeLSTM)
    np.testing.assert_array_equal(layer.bias, np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    assert layer.peephole.shape == (3, 4) and not layer.peephole.any()
    lstm = keras_initialized("lstm", 2, 4, seed=0)  # the same draws as the LSTM's
    np.testing.assert_array_equal(layer.kernel, lstm.kernel)
    np.testing.assert_array_equal(layer.recurrent_kernel, lstm.recurrent_kernel)


def test_path_statistics():
    x = np.random.default_rng(0).normal(size=(2, 5, 2))
    assert set(path_statistics(keras_initialized("gru", 2, 3), x)) == {
        "mean_update_gate", "fraction_update_gate_above_0.9", "log10_best_unit_product"
    }  # fmt: skip
    rnn = path_statistics(keras_initialized("simple_rnn", 2, 3), x)
    assert 0 < rnn["mean_tanh_derivative"] <= 1 and abs(rnn["recurrent_norm"] - 1) < 1e-12
    assert 0 < path_statistics(keras_initialized("lstm", 2, 3), x)["mean_forget_gate"] < 1


@pytest.mark.parametrize("kind", ["cifg", "peephole_lstm"])
def test_path_statistics_of_the_lstm_family_read_the_forget_gate(kind):
    x = np.random.default_rng(0).normal(size=(2, 5, 2))
    stats = path_statistics(keras_initialized(kind, 2, 3), x)
    assert set(stats) == {"mean_forget_gate", "fraction_forget_gate_above_0.9",
                          "log10_best_unit_product"}  # fmt: skip
    assert 0.5 < stats["mean_forget_gate"] < 1  # its bias starts at 1
