"""The GRU checkers pass right steps and layers and name each planted mistake."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.exercises import gru as exercises
from gru_companion.exercises.gru import (
    check_gru_layer,
    check_gru_step,
    check_gru_step_reset_before,
    solution_gru_layer,
    solution_gru_step,
    solution_gru_step_reset_before,
)
from gru_companion.scratch.gru import NumpyGRU, gru_step


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))  # another way to write the sigmoid


def reader_step(x, h, kernel, recurrent_kernel, bias, *, mistake=None):
    """A GRU step written as a reader would, with one planted mistake (None: right)."""
    n = h.shape[1]
    names = ("r", "z", "h") if mistake == "pytorch_order" else ("z", "r", "h")
    W = dict(zip(names, np.split(kernel, 3, axis=1), strict=True))
    U = dict(zip(names, np.split(recurrent_kernel, 3, axis=1), strict=True))
    if mistake == "transposed_blocks":
        U = {k: v.T for k, v in U.items()}
    if bias.ndim == 2:
        rows = (bias[1], bias[0]) if mistake == "bias_rows_swapped" else (bias[0], bias[1])
        b = dict(zip(names, np.split(rows[0], 3), strict=True))
        b2 = dict(zip(names, np.split(rows[1], 3), strict=True))
        if mistake == "recurrent_bias_left_out":
            b2 = {k: 0 * v for k, v in b2.items()}
    else:
        b = dict(zip(names, np.split(bias, 3), strict=True))
        b2 = {k: np.zeros(n, bias.dtype) for k in names}
        if mistake == "bias_left_out":
            b = b2
    gate = np.tanh if mistake == "gates_tanh" else _sigmoid
    z = gate(x @ W["z"] + b["z"] + h @ U["z"] + b2["z"])
    r = gate(x @ W["r"] + b["r"] + h @ U["r"] + b2["r"])
    after = bias.ndim == 2
    if mistake in ("reset_before", "reset_after"):
        after = not after
    if after:
        a = x @ W["h"] + b["h"] + r * (h @ U["h"] + b2["h"])
    else:
        a = x @ W["h"] + b["h"] + (r * h) @ U["h"] + b2["h"]
    if mistake == "candidate_sigmoid":
        candidate = _sigmoid(a)
    elif mistake == "candidate_relu":
        candidate = np.where(a > 0, a, 0 * a)
    else:
        candidate = np.tanh(a)
    if mistake == "z_swapped":
        return z * candidate + (1 - z) * h
    return h * z + candidate * (1 - z)


def reader_layer(inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences,
                 *, mistake=None):  # fmt: skip
    """The layer as a reader writes it, with one planted mistake (None: right)."""
    h = 0 * initial_state if mistake == "initial_state_ignored" else initial_state
    order = list(range(inputs.shape[1]))
    if mistake == "steps_reversed":
        order.reverse()
    seen = []
    for t in order:
        new = reader_step(inputs[:, t, :], h, kernel, recurrent_kernel, bias, mistake=mistake)
        seen.append(h if mistake == "outputs_shifted" else new)
        h = new
    if not return_sequences:
        return seen[-1]
    return np.stack(seen, axis=1)


STEP_MISTAKES = ("z_swapped", "reset_before", "pytorch_order", "candidate_sigmoid",
                 "candidate_relu", "gates_tanh", "transposed_blocks",
                 "recurrent_bias_left_out", "bias_rows_swapped")  # fmt: skip
RESET_BEFORE_MISTAKES = ("z_swapped", "reset_after", "pytorch_order", "candidate_sigmoid",
                         "candidate_relu", "gates_tanh", "transposed_blocks",
                         "bias_left_out")  # fmt: skip
LAYER_MISTAKES = ("initial_state_ignored", "outputs_shifted", "steps_reversed",
                  *STEP_MISTAKES)  # fmt: skip


def test_every_known_mistake_is_planted_in_a_test():
    assert {m.key for m in exercises.GRU_STEP.mistakes} == set(STEP_MISTAKES)
    assert {m.key for m in exercises.GRU_STEP_RESET_BEFORE.mistakes} == set(RESET_BEFORE_MISTAKES)
    assert {m.key for m in exercises.GRU_LAYER.mistakes} == set(LAYER_MISTAKES)


def _companion_step(x, h, kernel, recurrent_kernel, bias):
    if bias.ndim == 2:
        return gru_step(x @ kernel + bias[0], h, recurrent_kernel, bias[1])[0]
    return gru_step(x @ kernel + bias, h, recurrent_kernel, None, reset_after=False)[0]


@pytest.mark.parametrize("fn", [solution_gru_step, reader_step, _companion_step])
def test_check_gru_step_passes_right_steps(fn):
    result = check_gru_step(fn)
    assert result.passed is True, result.verdict
    assert result.problem is None and result.cause is None
    assert result.verdict.startswith("check_gru_step: passed.")
    assert "zero state" in result.verdict and "saturated gates" in result.verdict
    assert repr(result) == str(result) == result.verdict


@pytest.mark.parametrize("fn", [solution_gru_step_reset_before, reader_step, _companion_step])
def test_check_gru_step_reset_before_passes_right_steps(fn):
    result = check_gru_step_reset_before(fn)
    assert result.passed is True, result.verdict


def _companion_layer(inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences):
    layer = NumpyGRU(kernel, recurrent_kernel, bias, return_sequences=return_sequences)
    return layer(inputs, initial_state=initial_state)


@pytest.mark.parametrize("fn", [solution_gru_layer, reader_layer, _companion_layer])
def test_check_gru_layer_passes_right_layers(fn):
    result = check_gru_layer(fn)
    assert result.passed is True, result.verdict
    assert "one time step" in result.verdict


def _assert_diagnosed(result, mistake, quantity):
    assert result.passed is False
    assert result.problem == "values", result.verdict
    assert result.cause == mistake, result.verdict
    assert result.quantities == (quantity,)
    assert f"{quantity} differs" in result.verdict
    assert "Likeliest cause: " in result.verdict
    worst = result.worst_case
    assert worst is not None and worst.quantity == quantity and worst.max_abs_difference > 0
    assert f"Worst case: case {worst.case.number} of" in result.verdict
    assert "Traceback" not in result.verdict


@pytest.mark.parametrize("mistake", STEP_MISTAKES)
def test_check_gru_step_names_each_planted_mistake(mistake):
    def planted(x, h, kernel, recurrent_kernel, bias):
        return reader_step(x, h, kernel, recurrent_kernel, bias, mistake=mistake)

    _assert_diagnosed(check_gru_step(planted), mistake, "h_new")


@pytest.mark.parametrize("mistake", RESET_BEFORE_MISTAKES)
def test_check_gru_step_reset_before_names_each_planted_mistake(mistake):
    def planted(x, h, kernel, recurrent_kernel, bias):
        return reader_step(x, h, kernel, recurrent_kernel, bias, mistake=mistake)

    _assert_diagnosed(check_gru_step_reset_before(planted), mistake, "h_new")


@pytest.mark.parametrize("mistake", LAYER_MISTAKES)
def test_check_gru_layer_names_each_planted_mistake(mistake):
    def planted(inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences):
        return reader_layer(inputs, initial_state, kernel, recurrent_kernel, bias,
                            return_sequences, mistake=mistake)  # fmt: skip

    _assert_diagnosed(check_gru_layer(planted), mistake, "outputs")


def test_the_verdict_names_the_cause_in_words_and_reproduces_the_worst_case():
    def swapped(x, h, kernel, recurrent_kernel, bias):
        return reader_step(x, h, kernel, recurrent_kernel, bias, mistake="z_swapped")

    result = check_gru_step(swapped)
    assert "Likeliest cause: z and 1 - z swapped" in result.verdict
    worst = result.worst_case
    again = swapped(*worst.args)
    assert np.array_equal(again, worst.actual)
    assert np.array_equal(_companion_step(*worst.args), worst.expected)
    assert np.abs(again - worst.expected).max() == pytest.approx(worst.max_abs_difference)


def test_a_mistake_outside_the_list_is_rejected_naming_the_quantity():
    """An independent slip: the update gate forgets the state (no h @ U_z)."""

    def slip(x, h, kernel, recurrent_kernel, bias):
        n = h.shape[1]
        U = recurrent_kernel.copy()
        U[:, :n] = 0
        return reader_step(x, h, kernel, U, bias)

    result = check_gru_step(slip)
    assert not result.passed and result.cause is None
    assert "h_new differs" in result.verdict
    assert "No mistake the checker knows explains it" in result.verdict
    assert "right exactly in the cases with zero state or saturated gates" in result.verdict


def test_the_layer_with_return_sequences_ignored_is_a_shape_verdict():
    def last_only(inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences):
        return reader_layer(inputs, initial_state, kernel, recurrent_kernel, bias, False)

    result = check_gru_layer(last_only)
    assert result.problem == "shape"
    assert "return_sequences=True" in result.verdict and "outputs has shape" in result.verdict


def test_a_transposed_result_gets_a_hint():
    result = check_gru_step(lambda x, h, k, u, b: solution_gru_step(x, h, k, u, b).T.copy())
    assert result.problem == "shape"
    assert "transpose of the expected shape" in result.verdict


def test_float64_for_float32_inputs_is_a_dtype_verdict():
    result = check_gru_step(lambda x, h, k, u, b: solution_gru_step(x, h, k, u, b).astype(float))
    assert result.problem == "dtype"
    assert "dtype float64 for float32 inputs" in result.verdict
