"""The parameter-count checker passes right formulas and names each planted mistake."""

from __future__ import annotations

import pytest

from gru_companion.exercises import counts as exercises
from gru_companion.exercises.counts import check_param_count, solution_param_count

BLOCKS = {"lstm": 4, "gru": 3}  # a SimpleRNN has one


def reader_count(kind, features, units, use_bias, reset_after, *, mistake=None):
    k = BLOCKS.get(kind, 1)
    if mistake == "gates_only":
        k -= 1
    if mistake == "one_block":
        k = 1
    two = kind == "gru" and (reset_after or mistake == "reset_after_ignored")
    b = 2 if two and mistake != "recurrent_bias_left_out" else 1
    if not use_bias and mistake != "use_bias_ignored":
        b = 0
    recurrent = {"recurrent_kernel_left_out": 0, "recurrent_kernel_width": features * units}
    weights = features * units + recurrent.get(mistake, units**2)
    if mistake == "bias_once":
        return k * weights + b * units
    return k * (weights + b * units)


MISTAKES = ("recurrent_bias_left_out", "reset_after_ignored", "use_bias_ignored",
            "recurrent_kernel_left_out", "recurrent_kernel_width", "gates_only", "one_block",
            "bias_once")  # fmt: skip


def test_every_known_mistake_is_planted_in_a_test():
    assert {m.key for m in exercises.PARAM_COUNT.mistakes} == set(MISTAKES)


@pytest.mark.parametrize("fn", [solution_param_count, reader_count])
def test_check_param_count_passes_right_formulas(fn):
    result = check_param_count(fn)
    assert result.passed is True, result.verdict
    assert "use_bias=False" in result.verdict and "reset_after=False" in result.verdict


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_param_count_names_each_planted_mistake(mistake):
    result = check_param_count(lambda *args: reader_count(*args, mistake=mistake))
    assert not result.passed and result.problem == "values"
    assert result.cause == mistake, result.verdict
    worst = result.worst_case
    assert f"count = {worst.actual}, expected {worst.expected}" in result.verdict


def test_a_float_count_is_a_type_verdict_with_a_hint():
    result = check_param_count(lambda *args: float(solution_param_count(*args)))
    assert result.problem == "type"
    assert "expected an int" in result.verdict and "//" in result.verdict
