"""The LSTM with peepholes in NumPy: its equations, its weights, its exact backward pass."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.kinds import kind_of
from gru_companion.learning.gradient_check import check_gradients, check_layer_gradients
from gru_companion.scratch.activations import sigmoid
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM, peephole_lstm_step
from gru_companion.scratch.recurrent_layer import RecurrentGradients, layer_class

FEATURES, UNITS, BATCH, STEPS = 3, 4, 2, 5


def random_layer(seed: int = 0, scale: float = 0.7, **flags) -> NumpyPeepholeLSTM:
    """A layer with every weight, peepholes included, drawn from N(0, scale²)."""
    rng = np.random.default_rng(seed)
    shapes = [(FEATURES, 4 * UNITS), (UNITS, 4 * UNITS), (4 * UNITS,), (3, UNITS)]
    return NumpyPeepholeLSTM(*(rng.normal(scale=scale, size=shape) for shape in shapes), **flags)


def test_the_layer_is_the_kind_s_numpy_layer_with_a_fourth_weight():
    assert layer_class("peephole_lstm") is NumpyPeepholeLSTM
    row = kind_of("peephole_lstm")
    assert NumpyPeepholeLSTM.gate_names == row.blocks == ("i", "f", "c", "o")
    assert NumpyPeepholeLSTM.state_names == ("h", "c") and row.peepholes == ("i", "f", "o")
    layer = NumpyPeepholeLSTM.initialized(FEATURES, UNITS, seed=3)
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == [(FEATURES, 4 * UNITS), (UNITS, 4 * UNITS), (4 * UNITS,), (3, UNITS)]
    assert np.all(layer.peephole != 0) and np.all(np.abs(layer.peephole) <= 0.1)
    again = NumpyPeepholeLSTM.initialized(FEATURES, UNITS, seed=3)
    for a, b in zip(layer.get_weights(), again.get_weights(), strict=True):
        assert np.array_equal(a, b)
    single = layer.astype("float32")
    assert single.peephole.dtype == np.float32 and type(single) is NumpyPeepholeLSTM
    assert np.array_equal(single.peephole, layer.peephole.astype(np.float32))


def test_one_step_follows_the_equations_of_gers_and_schmidhuber():
    rng = np.random.default_rng(1)
    layer = random_layer(1)
    x = rng.normal(size=(BATCH, FEATURES))
    h, c = rng.normal(size=(2, BATCH, UNITS))
    W = np.split(layer.kernel, 4, axis=1)
    U = np.split(layer.recurrent_kernel, 4, axis=1)
    b = np.split(layer.bias, 4)
    V_i, V_f, V_o = layer.peephole
    i = sigmoid(x @ W[0] + h @ U[0] + V_i * c + b[0])
    f = sigmoid(x @ W[1] + h @ U[1] + V_f * c + b[1])
    c_new = f * c + i * np.tanh(x @ W[2] + h @ U[2] + b[2])
    o = sigmoid(x @ W[3] + h @ U[3] + V_o * c_new + b[3])  # the NEW cell
    h_new, c_step = layer.cell(x, [h, c])
    np.testing.assert_allclose(c_step, c_new, rtol=0, atol=1e-14)
    np.testing.assert_allclose(h_new, o * np.tanh(c_new), rtol=0, atol=1e-14)
    _, _, cache = peephole_lstm_step(
        x @ layer.kernel + layer.bias, h, c, layer.recurrent_kernel, layer.peephole
    )
    np.testing.assert_allclose(cache["o"], o, rtol=0, atol=1e-14)


def test_with_zero_peepholes_it_is_the_lstm():
    layer = random_layer(2, return_sequences=True, return_state=True)
    kernel, recurrent_kernel, bias, _ = layer.get_weights()
    closed = NumpyPeepholeLSTM(kernel, recurrent_kernel, bias, np.zeros((3, UNITS)),
                               return_sequences=True, return_state=True)  # fmt: skip
    lstm = NumpyLSTM(kernel, recurrent_kernel, bias, return_sequences=True, return_state=True)
    x = np.random.default_rng(2).normal(size=(BATCH, STEPS, FEATURES))
    for ours, theirs in zip(closed(x), lstm(x), strict=True):
        assert np.array_equal(ours, theirs)
    assert not np.allclose(layer(x)[0], lstm(x)[0])  # the peepholes matter


@pytest.mark.parametrize("flags", [{}, {"return_sequences": True, "return_state": True},
                                   {"return_sequences": True, "go_backwards": True}])  # fmt: skip
def test_backward_pass_matches_central_differences(flags):
    layer = random_layer(4, **flags)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    states = [rng.normal(size=(BATCH, UNITS)) for _ in range(2)]
    run = layer.run(x, states, keep_cache=True)
    output = run.outputs if layer.return_sequences else run.outputs[:, -1]
    r_output = rng.normal(size=output.shape)
    r_states = [rng.normal(size=(BATCH, UNITS)) for _ in range(2)]

    def loss() -> float:
        returned = layer(x, states)
        out, *final = returned if layer.return_state else [returned]
        total = np.sum(r_output * out)
        if layer.return_state:
            total += sum(np.sum(r * s) for r, s in zip(r_states, final, strict=True))
        return float(total)

    gradients = layer.backward(run, r_output, r_states if layer.return_state else None)
    assert isinstance(gradients, RecurrentGradients)
    assert list(gradients.weights()) == ["kernel", "recurrent_kernel", "bias", "peephole"]
    assert gradients.extra_weights["peephole"].shape == (3, UNITS)
    arrays = {name: getattr(layer, name) for name in gradients.weights()}
    arrays |= {"inputs": x, "h0": states[0], "c0": states[1]}
    analytic = {**gradients.weights(), "inputs": gradients.inputs,
                "h0": gradients.initial_states[0], "c0": gradients.initial_states[1]}  # fmt: skip
    errors = check_gradients(loss, arrays, analytic, tolerance=1e-6)
    assert max(errors.values()) < 1e-6
    # the generic check of the kernels, biases, inputs and states agrees
    check_layer_gradients(layer, x, states, seed=6)


def test_the_peepholes_gradient_is_the_sum_over_steps():
    layer = random_layer(7, return_sequences=True)
    x = np.random.default_rng(7).normal(size=(BATCH, STEPS, FEATURES))
    run = layer.run(x, keep_cache=True)
    d_output = np.ones((BATCH, STEPS, UNITS))
    total = layer.backward(run, d_output).extra_weights["peephole"]
    d_states = (np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS)))
    parts, d_now = [], d_states
    for t in reversed(range(STEPS)):
        d_now = (d_now[0] + d_output[:, t], d_now[1])
        step = layer.step_backward(d_now, run.caches[t])
        parts.append(step.extra_weights[0])
        d_now = step.states
    np.testing.assert_allclose(total, np.sum(parts, axis=0), rtol=0, atol=1e-13)


def test_bad_peepholes_are_refused_with_what_was_expected():
    kernel, recurrent_kernel, bias, peephole = random_layer(8).get_weights()
    with pytest.raises(ValueError, match=r"peephole must have shape \(3, units\)"):
        NumpyPeepholeLSTM(kernel, recurrent_kernel, bias, np.zeros((4, UNITS)))
    with pytest.raises(TypeError, match="all weights must have one dtype"):
        NumpyPeepholeLSTM(kernel, recurrent_kernel, bias, peephole.astype(np.float32))
    with pytest.raises(TypeError, match="peephole must be a numpy.ndarray, got list"):
        NumpyPeepholeLSTM(kernel, recurrent_kernel, bias, peephole.tolist())
    with pytest.raises(ValueError, match="peephole"):
        NumpyPeepholeLSTM(kernel, recurrent_kernel, bias, np.full((3, UNITS), np.nan))
    with pytest.raises(TypeError, match="peephole"):
        NumpyPeepholeLSTM(kernel, recurrent_kernel, bias)  # the fourth weight is required
