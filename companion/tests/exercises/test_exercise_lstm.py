"""The LSTM checker passes right steps and names each planted mistake."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.exercises import lstm as exercises
from gru_companion.exercises.lstm import check_lstm_step, solution_lstm_step
from gru_companion.scratch.lstm import lstm_step


def reader_lstm(x, h, c, kernel, recurrent_kernel, bias, *, mistake=None):
    """An LSTM step written as a reader would, with one planted mistake (None: right)."""
    order = {"order_ifoc": "ifoc", "i_f_swapped": "fico"}.get(mistake, "ifco")
    U = recurrent_kernel
    pre = {}
    for name, K, R, b in zip(order, np.hsplit(kernel, 4), np.hsplit(U, 4), np.split(bias, 4),
                             strict=True):  # fmt: skip
        R = R.T if mistake == "transposed_blocks" else R
        b = 0 * b if mistake == "bias_left_out" else b
        pre[name] = x @ K + h @ R + b
    gate = np.tanh if mistake == "gates_tanh" else (lambda a: 1 / (1 + np.exp(-a)))
    i, f, o = gate(pre["i"]), gate(pre["f"]), gate(pre["o"])
    g = 1 / (1 + np.exp(-pre["c"])) if mistake == "candidate_sigmoid" else np.tanh(pre["c"])
    c_new = c * f + g * i
    shown = c if mistake == "old_cell_in_output" else c_new
    h_new = o * shown if mistake == "output_without_tanh" else o * np.tanh(shown)
    return (c_new, h_new) if mistake == "outputs_swapped" else (h_new, c_new)


MISTAKES = ("order_ifoc", "i_f_swapped", "outputs_swapped", "output_without_tanh",
            "old_cell_in_output", "candidate_sigmoid", "gates_tanh", "transposed_blocks",
            "bias_left_out")  # fmt: skip


def test_every_known_mistake_is_planted_in_a_test():
    assert {m.key for m in exercises.LSTM_STEP.mistakes} == set(MISTAKES)


def _companion(x, h, c, kernel, recurrent_kernel, bias):
    h_new, c_new, _ = lstm_step(x @ kernel + bias, h, c, recurrent_kernel)
    return h_new, c_new


@pytest.mark.parametrize("fn", [solution_lstm_step, reader_lstm, _companion])
def test_check_lstm_step_passes_right_steps(fn):
    result = check_lstm_step(fn)
    assert result.passed is True, result.verdict


def test_a_list_of_two_arrays_is_accepted_as_the_pair():
    assert check_lstm_step(lambda *args: list(solution_lstm_step(*args))).passed


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_lstm_step_names_each_planted_mistake(mistake):
    def planted(x, h, c, kernel, recurrent_kernel, bias):
        return reader_lstm(x, h, c, kernel, recurrent_kernel, bias, mistake=mistake)

    result = check_lstm_step(planted)
    assert not result.passed and result.problem == "values"
    assert result.cause == mistake, result.verdict
    assert "Likeliest cause: " in result.verdict
    assert set(result.quantities) <= {"h_new", "c_new"} and result.quantities
    assert any(f"{q} differ" in result.verdict or "h_new and c_new differ" in result.verdict
               for q in result.quantities)  # fmt: skip


def test_only_the_quantity_that_differs_is_named():
    result = check_lstm_step(
        lambda x, h, c, k, u, b: reader_lstm(x, h, c, k, u, b, mistake="output_without_tanh")
    )
    assert result.quantities == ("h_new",)
    assert "h_new differs" in result.verdict and "c_new agrees" in result.verdict


def test_returning_only_h_new_is_a_type_verdict():
    result = check_lstm_step(lambda *args: solution_lstm_step(*args)[0])
    assert result.problem == "type"
    assert "expected a tuple of 2: (h_new, c_new)" in result.verdict
