"""Hand-set GRUs and LSTMs do what their docstrings claim; Jacobians agree with formulas."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.analysis.gate_probes import with_gate_fixed
from gru_companion.analysis.hand_set_cells import (
    averaging_gru,
    counting_lstm,
    gru_jacobian_parts,
    identity_rnn,
    jacobian_product,
    read_write_lstm,
    state_jacobian,
    write_gru,
)
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.simple_rnn import NumpySimpleRNN


def test_identity_rnn_is_tanh_of_the_previous_state():
    rnn = identity_rnn(2, 3)
    h0 = np.array([[0.9, -0.3, 0.0]])
    outputs = rnn(np.ones((1, 4, 2)), initial_state=h0)
    expected = h0[0]
    for t in range(4):
        expected = np.tanh(expected)
        np.testing.assert_allclose(outputs[0, t], expected, rtol=1e-15)


def _read_write_inputs(value, write_at, read_at, steps=12):
    x = np.zeros((1, steps, 3))
    x[0, :, 0] = value
    x[0, write_at, 1] = 1.0
    x[0, read_at, 2] = 1.0
    return x


def test_lstm_hides_its_memory_until_read():
    x = _read_write_inputs(0.7, write_at=2, read_at=9)
    run = read_write_lstm().run(x, keep_cache=True)
    cell = np.array([step["c"][0, 0] for step in run.caches])
    output = run.outputs[0, :, 0]
    np.testing.assert_allclose(cell[2:], np.tanh(0.7), rtol=1e-12)
    assert np.all(np.abs(np.delete(output, 9)) < 1e-15)
    assert output[9] == pytest.approx(np.tanh(np.tanh(0.7)), rel=1e-12)


def test_gru_shows_its_memory_at_every_step():
    x = _read_write_inputs(-0.4, write_at=3, read_at=8)
    output = write_gru()(x)[0, :, 0]
    np.testing.assert_allclose(output[3:], np.tanh(-0.4), rtol=1e-12)
    np.testing.assert_array_equal(output[:3], 0.0)


def test_lstm_counts_exactly_and_without_bound():
    rng = np.random.default_rng(0)
    steps = rng.choice([-1.0, 0.0, 1.0], size=(2, 300))
    steps[1] = 1.0  # 300 increments in a row
    run = counting_lstm().run(steps[:, :, None], keep_cache=True)
    cells = np.stack([step["c"][:, 0] for step in run.caches], axis=1)
    np.testing.assert_array_equal(cells, np.cumsum(steps, axis=1))
    assert cells[1, -1] == 300.0


def test_averaging_gru_is_an_exponential_moving_average():
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 0.0, 1.0], size=(1, 50, 1))
    outputs = averaging_gru(0.1)(x)[0, :, 0]
    h = 0.0
    for t in range(50):
        h = 0.9 * h + 0.1 * x[0, t, 0]
        assert outputs[t] == pytest.approx(h, abs=1e-12)


@pytest.mark.parametrize("rate", [0, 1, 1.5, -0.2])
def test_averaging_gru_refuses_rates_outside_the_open_interval(rate):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        averaging_gru(rate)


def test_averaging_gru_refuses_a_non_number():
    with pytest.raises(TypeError, match="rate must be a number"):
        averaging_gru("0.1")


def test_simple_rnn_jacobian_is_diag_of_tanh_derivative_times_u_transposed():
    rnn = NumpySimpleRNN.initialized(3, 4, seed=0)
    rng = np.random.default_rng(2)
    x, h = rng.normal(size=(1, 3)), rng.normal(size=(1, 4))
    (h_new,) = rnn.cell(x, h)
    expected = np.diag(1 - h_new[0] ** 2) @ rnn.recurrent_kernel.T
    np.testing.assert_allclose(state_jacobian(rnn, x, h), expected, atol=1e-9)


def test_lstm_cell_to_cell_jacobian_is_diag_of_the_forget_gate():
    lstm = NumpyLSTM.initialized(3, 4, seed=1)
    rng = np.random.default_rng(3)
    x, h, c = rng.normal(size=(1, 3)), rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
    jacobian = state_jacobian(lstm, x, [h, c])
    assert jacobian.shape == (8, 8)
    x_proj = x @ lstm.kernel + lstm.bias
    forget = 1 / (1 + np.exp(-(x_proj[:, 4:8] + h @ lstm.recurrent_kernel[:, 4:8])))
    np.testing.assert_allclose(jacobian[4:, 4:], np.diag(forget[0]), atol=1e-9)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_jacobian_parts_sum_to_the_numerical_jacobian(reset_after):
    gru = NumpyGRU.initialized(3, 5, seed=4, reset_after=reset_after)
    rng = np.random.default_rng(5)
    x, h = rng.normal(size=(1, 3)), 0.5 * rng.normal(size=(1, 5))
    parts = gru_jacobian_parts(gru, x, h)
    np.testing.assert_allclose(parts["total"], state_jacobian(gru, x, h), atol=1e-8)
    np.testing.assert_array_equal(parts["direct"], np.diag(parts["z"]))
    np.testing.assert_allclose(
        parts["direct"] + parts["through_z"] + parts["through_candidate"], parts["total"]
    )


def test_gru_jacobian_tends_to_identity_as_the_update_gate_closes():
    gru = NumpyGRU.initialized(2, 3, seed=6)
    rng = np.random.default_rng(7)
    x, h = rng.normal(size=(1, 2)), 0.5 * rng.normal(size=(1, 3))
    distances = [
        np.abs(gru_jacobian_parts(with_gate_fixed(gru, "z", z), x, h)["total"] - np.eye(3)).max()
        for z in (0.5, 0.9, 0.99, 1.0)
    ]
    assert distances == sorted(distances, reverse=True) and distances[-1] == 0.0


def test_jacobian_product_of_a_kept_state_is_the_identity():
    gru = with_gate_fixed(NumpyGRU.initialized(2, 3, seed=8), "z", 1.0)
    x = np.random.default_rng(9).normal(size=(1, 30, 2))
    np.testing.assert_allclose(jacobian_product(gru, x, np.full((1, 3), 0.3)), np.eye(3), atol=1e-9)


def test_jacobian_product_multiplies_step_jacobians_in_order():
    rnn = NumpySimpleRNN.initialized(2, 3, seed=10)
    x = np.random.default_rng(11).normal(size=(1, 3, 2))
    h0 = np.full((1, 3), 0.2)
    h1 = rnn.cell(x[:, 0], h0)[0]
    h2 = rnn.cell(x[:, 1], h1)[0]
    expected = (
        state_jacobian(rnn, x[:, 2], h2) @ state_jacobian(rnn, x[:, 1], h1)
        @ state_jacobian(rnn, x[:, 0], h0)
    )  # fmt: skip
    np.testing.assert_allclose(jacobian_product(rnn, x, h0), expected, atol=1e-12)


def test_jacobians_refuse_bad_arguments():
    gru = NumpyGRU.initialized(2, 3, seed=0)
    with pytest.raises(ValueError, match="float64"):
        state_jacobian(gru.astype("float32"), np.zeros((1, 2), dtype="float32"))
    with pytest.raises(ValueError, match=r"x must have shape \(1, 2\)"):
        state_jacobian(gru, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="x must be a numpy.ndarray"):
        state_jacobian(gru, [[0.0, 0.0]])
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        state_jacobian(gru, np.zeros((1, 2)), eps=0)
    with pytest.raises(TypeError, match="NumPy recurrent layer"):
        state_jacobian("gru", np.zeros((1, 2)))
    with pytest.raises(ValueError, match="one sequence"):
        jacobian_product(gru, np.zeros((2, 4, 2)))
    with pytest.raises(TypeError, match="layer must be a NumpyGRU"):
        gru_jacobian_parts(NumpyLSTM.initialized(2, 3), np.zeros((1, 2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="h_prev"):
        gru_jacobian_parts(gru, np.zeros((1, 2)), np.zeros((1, 4)))
