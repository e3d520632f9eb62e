"""The converters' checkers pass right conversions and name each planted mistake."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.exercises import conventions as exercises
from gru_companion.exercises.conventions import (
    check_keras_to_pytorch,
    check_pytorch_to_keras,
    solution_keras_to_pytorch,
    solution_pytorch_to_keras,
)
from gru_companion.scratch.conventions import keras_to_pytorch, pytorch_to_keras


def reader_to_pytorch(kernel, recurrent_kernel, bias, *, mistake=None):
    n = recurrent_kernel.shape[0]
    new_order = [0, 1, 2] if mistake == "not_reordered" else [1, 0, 2]
    columns = np.concatenate([np.arange(i * n, (i + 1) * n) for i in new_order])
    bias_columns = np.arange(3 * n) if mistake == "biases_not_reordered" else columns
    rows = (1, 0) if mistake == "biases_swapped" else (0, 1)
    return (kernel[:, columns].T.copy(), recurrent_kernel[:, columns].T.copy(),
            bias[rows[0], bias_columns], bias[rows[1], bias_columns])  # fmt: skip


def reader_to_keras(weight_ih, weight_hh, bias_ih, bias_hh, *, mistake=None):
    n = weight_hh.shape[1]
    new_order = [0, 1, 2] if mistake == "not_reordered" else [1, 0, 2]
    rows = np.concatenate([np.arange(i * n, (i + 1) * n) for i in new_order])
    bias_rows = np.arange(3 * n) if mistake == "biases_not_reordered" else rows
    biases = (bias_hh, bias_ih) if mistake == "biases_swapped" else (bias_ih, bias_hh)
    bias = np.stack([biases[0][bias_rows], biases[1][bias_rows]])
    return weight_ih[rows].T.copy(), weight_hh[rows].T.copy(), bias


MISTAKES = ("not_reordered", "biases_swapped", "biases_not_reordered")


def test_every_known_mistake_is_planted_in_a_test():
    assert {m.key for m in exercises.KERAS_TO_PYTORCH.mistakes} == set(MISTAKES)
    assert {m.key for m in exercises.PYTORCH_TO_KERAS.mistakes} == set(MISTAKES)


@pytest.mark.parametrize("fn", [solution_keras_to_pytorch, reader_to_pytorch, keras_to_pytorch])
def test_check_keras_to_pytorch_passes_right_converters(fn):
    """The companion's own converter returns a PyTorchGRUWeights: accepted too."""
    result = check_keras_to_pytorch(fn)
    assert result.passed is True, result.verdict


def _companion_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    from gru_companion.scratch.conventions import PyTorchGRUWeights

    return pytorch_to_keras(PyTorchGRUWeights(weight_ih, weight_hh, bias_ih, bias_hh))


@pytest.mark.parametrize("fn", [solution_pytorch_to_keras, reader_to_keras, _companion_to_keras])
def test_check_pytorch_to_keras_passes_right_converters(fn):
    result = check_pytorch_to_keras(fn)
    assert result.passed is True, result.verdict


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_keras_to_pytorch_names_each_planted_mistake(mistake):
    result = check_keras_to_pytorch(lambda k, u, b: reader_to_pytorch(k, u, b, mistake=mistake))
    assert not result.passed and result.problem == "values"
    assert result.cause == mistake, result.verdict


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_pytorch_to_keras_names_each_planted_mistake(mistake):
    result = check_pytorch_to_keras(
        lambda wi, wh, bi, bh: reader_to_keras(wi, wh, bi, bh, mistake=mistake)
    )
    assert not result.passed and result.problem == "values"
    assert result.cause == mistake, result.verdict


def test_a_weight_not_transposed_is_a_shape_verdict_that_says_so():
    def not_transposed(kernel, recurrent_kernel, bias):
        weight_ih, weight_hh, bias_ih, bias_hh = reader_to_pytorch(kernel, recurrent_kernel, bias)
        return weight_ih, weight_hh.T, bias_ih, bias_hh

    result = check_keras_to_pytorch(not_transposed)
    assert result.problem == "shape" and result.quantities == ("weight_hh",)
    assert "transpose of the expected shape" in result.verdict
