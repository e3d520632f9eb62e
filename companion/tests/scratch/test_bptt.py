"""Backpropagation through time in NumPy equals TensorFlow's automatic differentiation.

For random layers (SimpleRNN, LSTM, GRU with and without ``reset_after``), flags, sizes,
non-zero initial states and a random linear loss of everything the Keras layer returns,
``RecurrentLayer.backward`` gives the gradients ``tf.GradientTape`` gives for the Keras
layer with the same weights: for every weight, the inputs and the initial states, to a
relative error of 1e-8 in float64 (they agree to about 1e-15). The random configurations
(:func:`gradient_cases`) and the comparison (:func:`assert_same_gradients`) serve the same
proof on the JAX backend too (``companion/tests/keras/equality_on_backend.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_companion.keras.backends import keras_gradients
from gru_companion.keras.bridge import to_keras
from gru_companion.learning.gradient_check import relative_error
from gru_companion.scratch.gru import NumpyGRU, gru_step
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import input_projection, input_projection_backward
from gru_companion.scratch.simple_rnn import NumpySimpleRNN

KINDS = {
    "simple_rnn": (NumpySimpleRNN, {}),
    "lstm": (NumpyLSTM, {}),
    "gru": (NumpyGRU, {"reset_after": True}),
    "gru_reset_before": (NumpyGRU, {"reset_after": False}),
}
TOLERANCE = 1e-8


def make(kind, features=3, units=4, *, seed=0, **flags):
    cls, options = KINDS[kind]
    return cls.initialized(features, units, seed=seed, **options, **flags)


def numpy_gradients(layer, x, initial_state, r_output, r_states):
    run = layer.run(x, initial_state, keep_cache=True)
    gradients = layer.backward(run, r_output, r_states if layer.return_state else None)
    named = dict(gradients.weights())
    named["inputs"] = gradients.inputs
    named["initial_states"] = list(gradients.initial_states)
    return named


def assert_same_gradients(layer, x, initial_state, seed, *, tolerance=TOLERANCE, keras_layer=None):
    """Our gradients equal Keras's (``keras_gradients``: a tape on TensorFlow, jax.grad on JAX)
    for the Keras layer ``keras_layer`` (default: ``to_keras(layer)``)."""
    rng = np.random.default_rng(seed)
    output = layer(x, initial_state)
    output = output[0] if layer.return_state else output
    r_output = rng.normal(size=output.shape)
    r_states = [rng.normal(size=s.shape) for s in initial_state]
    ours = numpy_gradients(layer, x, initial_state, r_output, r_states)
    keras_layer = to_keras(layer) if keras_layer is None else keras_layer
    theirs = keras_gradients(keras_layer, x, initial_state, r_output,
                             r_states if layer.return_state else None)  # fmt: skip
    assert ours.keys() == theirs.keys()
    for name in ours:
        pairs = (
            zip(ours[name], theirs[name], strict=True)
            if name == "initial_states"
            else [(ours[name], theirs[name])]
        )
        for mine, reference in pairs:
            assert mine.shape == reference.shape, name
            assert mine.dtype == np.float64, name
            error = relative_error(mine, reference)
            assert error <= tolerance, f"{name}: relative error {error:.1e}"


@st.composite
def gradient_cases(draw):
    """A random layer configuration, with its inputs and initial states drawn from ``seed``."""
    return {
        "features": draw(st.integers(1, 3)),
        "units": draw(st.integers(1, 4)),
        "batch": draw(st.integers(1, 3)),
        "steps": draw(st.integers(1, 5)),
        "return_sequences": draw(st.booleans()),
        "return_state": draw(st.booleans()),
        "go_backwards": draw(st.booleans()),
        "use_bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }


def case_layer_and_inputs(kind, case):
    """The NumPy layer of a :func:`gradient_cases` case, its inputs and initial states."""
    seed = case["seed"]
    flags = {key: case[key] for key in ("return_sequences", "return_state", "go_backwards",
                                        "use_bias")}  # fmt: skip
    layer = make(kind, case["features"], case["units"], seed=seed, **flags)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(case["batch"], case["steps"], case["features"]))
    initial_state = [rng.normal(size=(case["batch"], case["units"])) for _ in layer.state_names]
    return layer, x, initial_state


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=20)
@given(case=gradient_cases())
def test_gradients_equal_gradient_tape(kind, case):
    layer, x, initial_state = case_layer_and_inputs(kind, case)
    assert_same_gradients(layer, x, initial_state, case["seed"] + 2)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_every_flag_combination_with_initial_state(kind, return_sequences, go_backwards):
    layer = make(kind, 2, 3, seed=11, return_sequences=return_sequences,
                 go_backwards=go_backwards, return_state=True)  # fmt: skip
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 6, 2))
    initial_state = [rng.normal(size=(2, 3)) for _ in layer.state_names]
    assert_same_gradients(layer, x, initial_state, 13)


def test_input_projection_backward_is_the_sum_over_steps():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(2, 4, 3)), rng.normal(size=(3, 6))
    d_projection = rng.normal(size=(2, 4, 6))
    d_x, d_kernel, d_bias = input_projection_backward(x, kernel, d_projection, use_bias=True)
    step_by_step = sum(x[:, t].T @ d_projection[:, t] for t in range(4))
    np.testing.assert_allclose(d_kernel, step_by_step, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(d_x, d_projection @ kernel.T, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(d_bias, d_projection.sum(axis=(0, 1)), rtol=1e-13, atol=1e-13)
    assert input_projection_backward(x, kernel, d_projection, use_bias=False)[2] is None
    # the adjoint identity <dP, X W> = <X^T dP, W>: the two are transposes of each other
    projection = input_projection(x, kernel, None)
    assert np.isclose(np.sum(d_projection * projection), np.sum(d_kernel * kernel))


def test_state_gradients_of_every_step():
    layer = make("lstm", 2, 3, seed=1)
    x = np.random.default_rng(2).normal(size=(2, 5, 2))
    run = layer.run(x, keep_cache=True)
    d_output = np.random.default_rng(3).normal(size=(2, 3))
    gradients = layer.backward(run, d_output, keep_state_gradients=True)
    d_h, d_c = gradients.step_states
    assert d_h.shape == d_c.shape == (2, 6, 3)
    np.testing.assert_array_equal(d_h[:, -1], d_output)  # the output is h_T
    np.testing.assert_array_equal(d_c[:, -1], 0)
    np.testing.assert_array_equal(d_h[:, 0], gradients.initial_states[0])
    np.testing.assert_array_equal(d_c[:, 0], gradients.initial_states[1])
    assert layer.backward(run, d_output).step_states is None


def test_gradient_of_a_middle_state_by_finite_differences():
    """step_states[:, t] is dL/dh_t: perturb h_t by restarting the layer from it."""
    layer = make("gru", 2, 3, seed=4, return_sequences=True)
    x = np.random.default_rng(5).normal(size=(1, 6, 2))
    r = np.random.default_rng(6).normal(size=(1, 6, 3))
    run = layer.run(x, keep_cache=True)
    d_h = layer.backward(run, r, keep_state_gradients=True).step_states[0]
    t, unit, eps = 3, 1, 1e-6

    def loss_from(h_t):  # outputs 1..t fixed, then restart from h_t
        rest = layer(x[:, t:], h_t)
        return np.sum(r[:, :t] * run.outputs[:, :t]) + np.sum(r[:, t:] * rest)

    h_t = run.outputs[:, t - 1].copy()
    up, down = h_t.copy(), h_t.copy()
    up[0, unit] += eps
    down[0, unit] -= eps
    numeric = (loss_from(up) - loss_from(down)) / (2 * eps)
    # d_h[:, t] counts the output at step t too; the restart's loss holds it separately
    assert abs(d_h[0, t, unit] - r[0, t - 1, unit] - numeric) < 1e-8


def test_backward_leaves_the_forward_cache_unchanged():
    layer = make("gru", 2, 3, seed=1)
    x = np.random.default_rng(2).normal(size=(2, 4, 2))
    run = layer.run(x, keep_cache=True)
    copies = [{k: v.copy() for k, v in cache.items()} for cache in run.caches]
    layer.backward(run, np.ones((2, 3)))
    for cache, copy in zip(run.caches, copies, strict=True):
        assert set(cache) == set(copy) == {"h_prev", "z", "r", "h_tilde", "h"}
        for key in cache:
            np.testing.assert_array_equal(cache[key], copy[key])
    _, cache = gru_step(run.input_projection[:, 0], run.initial_states[0],
                        layer.recurrent_kernel, layer.recurrent_bias)  # fmt: skip
    assert set(cache) == {"h_prev", "z", "r", "h_tilde", "h"}


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def layer_and_run():
    layer = make("gru", 2, 3, seed=0, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    return layer, layer.run(x, keep_cache=True)


def test_run_without_cache_is_refused(layer_and_run):
    layer, _ = layer_and_run
    run = layer.run(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match="keep_cache=True"):
        layer.backward(run, np.ones((2, 4, 3)))
    with pytest.raises(TypeError, match="run must be the RecurrentRun"):
        layer.backward({"outputs": None}, np.ones((2, 4, 3)))


def test_run_of_another_layer_is_refused(layer_and_run):
    _, run = layer_and_run
    other = make("gru", 2, 5, seed=0, return_sequences=True)
    with pytest.raises(ValueError, match="run does not come from this layer"):
        other.backward(run, np.ones((2, 4, 5)))


@pytest.mark.parametrize(
    ("d_output", "error", "message"),
    [
        (np.ones((2, 3)), ValueError, r"d_output must have shape \(batch, time, units\)"),
        (np.ones((2, 4, 3), dtype=np.float32), TypeError, "d_output has dtype float32"),
        (np.ones((2, 4, 3), dtype=int), TypeError, "floating-point"),
        (np.full((2, 4, 3), np.nan), ValueError, "d_output must be finite"),
        ([[1.0]], TypeError, "must be a numpy.ndarray"),
    ],
)
def test_bad_output_gradients(layer_and_run, d_output, error, message):
    layer, run = layer_and_run
    with pytest.raises(error, match=message):
        layer.backward(run, d_output)


def test_bad_state_gradients(layer_and_run):
    layer, run = layer_and_run
    with pytest.raises(ValueError, match="nothing to backpropagate"):
        layer.backward(run)
    with pytest.raises(ValueError, match="return_state=False"):
        layer.backward(run, np.ones((2, 4, 3)), np.ones((2, 3)))
    stated = make("lstm", 2, 3, return_state=True)
    lstm_run = stated.run(np.zeros((2, 4, 2)), keep_cache=True)
    with pytest.raises(ValueError, match=r"d_states must hold 2 array\(s\) \[h, c\]"):
        stated.backward(lstm_run, None, [np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"d_states\[1\] \(c\) must be finite"):
        stated.backward(lstm_run, None, [np.ones((2, 3)), np.full((2, 3), np.inf)])
    with pytest.raises(TypeError, match="keep_state_gradients must be True or False"):
        stated.backward(lstm_run, np.ones((2, 3)), keep_state_gradients=1)
