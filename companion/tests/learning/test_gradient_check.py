"""The finite-difference check: it passes on the layers' gradients and fails on wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.learning.gradient_check import (
    GradientCheckError,
    check_gradients,
    check_layer_gradients,
    numerical_gradient,
    relative_error,
)
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM
from gru_companion.scratch.recurrent_layer import StepGradients
from gru_companion.scratch.simple_rnn import NumpySimpleRNN

LAYERS = {
    "simple_rnn": lambda **f: NumpySimpleRNN.initialized(3, 4, seed=1, **f),
    "lstm": lambda **f: NumpyLSTM.initialized(3, 4, seed=1, **f),
    "gru": lambda **f: NumpyGRU.initialized(3, 4, seed=1, **f),
    "gru_reset_before": lambda **f: NumpyGRU.initialized(3, 4, seed=1, reset_after=False, **f),
    "peephole_lstm": lambda **f: NumpyPeepholeLSTM.initialized(3, 4, seed=1, **f),
}


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True, "return_state": True},
        {"return_sequences": True, "use_bias": False},
    ],
)
def test_layer_gradients_pass_the_check(kind, flags):
    layer = LAYERS[kind](**flags)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 3))
    initial_state = [rng.normal(size=(2, 4)) for _ in layer.state_names]
    weights = [w.copy() for w in layer.get_weights()]
    errors = check_layer_gradients(layer, x, initial_state, seed=3)
    expected = {"kernel", "recurrent_kernel", "inputs", *layer.extra_weights} | {
        f"initial_state[{name}]" for name in layer.state_names
    }
    if layer.use_bias:
        expected.add("bias")
    assert set(errors) == expected
    assert max(errors.values()) <= 1e-6
    for before, after in zip(weights, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # perturbations are undone exactly


class GRUWithoutTheAdditivePath(NumpyGRU):
    """A GRU whose backward pass forgets dh_prev = dh * z: a plausible slip."""

    def step_backward(self, d_states, cache):
        right = super().step_backward(d_states, cache)
        wrong = right.states[0] - d_states[0] * cache["z"]
        return StepGradients(right.x_proj, (wrong,), right.recurrent_kernel, right.recurrent_bias)


def test_the_check_catches_a_missing_term():
    layer = GRUWithoutTheAdditivePath(*NumpyGRU.initialized(3, 4, seed=1).get_weights())
    x = np.random.default_rng(2).normal(size=(2, 4, 3))
    with pytest.raises(GradientCheckError, match="relative error above 1e-06") as caught:
        check_layer_gradients(layer, x)
    assert isinstance(caught.value, AssertionError)
    errors = caught.value.errors
    assert errors["initial_state[h]"] > 0.1 and errors["recurrent_kernel"] > 1e-3
    assert "initial_state[h]" in str(caught.value)


class PeepholeLSTMWithoutThePeepholeGradient(NumpyPeepholeLSTM):
    """A peephole LSTM whose backward pass forgets the output gate's peephole gradient."""

    def step_backward(self, d_states, cache):
        right = super().step_backward(d_states, cache)
        (d_peephole,) = right.extra_weights
        wrong = d_peephole * np.array([[1.0], [1.0], [0.0]])
        return right._replace(extra_weights=(wrong,))


def test_the_check_catches_a_wrong_gradient_of_a_further_weight():
    right = NumpyPeepholeLSTM.initialized(3, 4, seed=1)
    layer = PeepholeLSTMWithoutThePeepholeGradient(*right.get_weights())
    x = np.random.default_rng(2).normal(size=(2, 4, 3))
    with pytest.raises(GradientCheckError, match="peephole") as caught:
        check_layer_gradients(layer, x)
    errors = caught.value.errors
    assert errors["peephole"] > 0.01
    assert max(e for name, e in errors.items() if name != "peephole") < 1e-6


def test_the_check_catches_a_slightly_wrong_gradient():
    a = np.array([1.0, -2.0, 0.5])

    def loss():
        return float(np.sum(a**3))

    exact = 3 * a**2
    assert check_gradients(loss, {"a": a}, {"a": exact})["a"] < 1e-9
    with pytest.raises(GradientCheckError, match="a: "):
        check_gradients(loss, {"a": a}, {"a": exact * 1.001})


def test_numerical_gradient_restores_the_array():
    a = np.random.default_rng(0).normal(size=(3, 2))
    before = a.copy()
    gradient = numerical_gradient(lambda: float(np.sum(a**2)), a)
    np.testing.assert_allclose(gradient, 2 * before, rtol=1e-8)
    np.testing.assert_array_equal(a, before)


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="one shape"):
        relative_error(a, np.zeros(3))


def test_bad_arguments():
    layer32 = NumpyGRU.initialized(2, 3, dtype="float32")
    with pytest.raises(TypeError, match="float64"):
        check_layer_gradients(layer32, np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="NumPy recurrent layer"):
        check_layer_gradients("gru", np.zeros((1, 2, 2)))
    a = np.ones(2)
    with pytest.raises(ValueError, match="same arrays"):
        check_gradients(lambda: 0.0, {"a": a}, {"b": a})
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        check_gradients(lambda: 0.0, {"a": a}, {"a": np.ones(3)})
    with pytest.raises(ValueError, match="tolerance must be a positive"):
        check_gradients(lambda: 0.0, {"a": a}, {"a": a}, tolerance=0)
    with pytest.raises(TypeError, match="epsilon must be a positive number"):
        numerical_gradient(lambda: 0.0, a, epsilon="small")
    with pytest.raises(TypeError, match="dtype float64"):
        numerical_gradient(lambda: 0.0, a.astype(np.float32))
