"""Whatever a reader's function does, a checker answers with a verdict, never a traceback."""

from __future__ import annotations

import signal
import threading
import time

import numpy as np
import pytest

from gru_companion.exercises import check_gru_step, check_lstm_step, solution_gru_step
from gru_companion.exercises.grading import TOLERANCES, CheckResult


def _no_traceback(result: CheckResult) -> None:
    assert isinstance(result, CheckResult) and result.passed is False
    assert "Traceback" not in result.verdict
    assert result.verdict.startswith("check_gru_step: not yet. On case 1 of ")
    assert result.case is not None and result.case.number == 1


def test_a_function_that_raises_gets_the_exception_and_its_line():
    def broken(x, h, kernel, recurrent_kernel, bias):
        z = kernel @ recurrent_kernel  # the shapes do not fit
        return z

    result = check_gru_step(broken)
    _no_traceback(result)
    assert result.problem == "exception"
    assert "raised ValueError: matmul" in result.verdict
    assert "of broken: `z = kernel @ recurrent_kernel" in result.verdict


def test_not_implemented_gets_a_verdict():
    def stub(x, h, kernel, recurrent_kernel, bias):
        raise NotImplementedError("your code here")

    result = check_gru_step(stub)
    assert result.problem == "exception"
    assert "raised NotImplementedError: your code here" in result.verdict


def test_a_list_is_a_type_verdict():
    result = check_gru_step(lambda *args: solution_gru_step(*args).tolist())
    _no_traceback(result)
    assert result.problem == "type" and result.quantities == ("h_new",)
    assert "h_new is a list of" in result.verdict and "np.array" in result.verdict


def test_none_is_a_type_verdict():
    result = check_gru_step(lambda *args: None)
    assert result.problem == "type" and "NoneType" in result.verdict


def test_a_wrong_shape_is_a_shape_verdict():
    result = check_gru_step(lambda x, h, k, u, b: solution_gru_step(x, h, k, u, b)[:, :1])
    assert result.problem == "shape"
    assert "expected (batch, units)" in result.verdict


def test_nan_is_a_nan_verdict():
    result = check_gru_step(lambda *args: solution_gru_step(*args) * np.nan)
    _no_traceback(result)
    assert result.problem == "nan" and "NaN" in result.verdict


def test_a_naive_sigmoid_passes_the_saturated_cases_without_warnings(recwarn):
    assert check_gru_step(solution_gru_step).passed
    assert len(recwarn) == 0


@pytest.mark.parametrize("name", ["x", "h", "bias"])
def test_changing_an_input_in_place_is_a_mutation_verdict(name):
    def mutating(x, h, kernel, recurrent_kernel, bias):
        h_new = solution_gru_step(x, h, kernel, recurrent_kernel, bias)
        {"x": x, "h": h, "bias": bias}[name][...] += 1
        return h_new

    result = check_gru_step(mutating)
    _no_traceback(result)
    assert result.problem == "mutation" and result.quantities == (name,)
    assert f"changed its input `{name}` in place" in result.verdict


def test_a_function_past_the_time_limit_is_stopped():
    def slow(*args):
        time.sleep(2)
        return solution_gru_step(*args)

    started = time.monotonic()
    result = check_gru_step(slow, time_limit=0.05)
    assert time.monotonic() - started < 1
    _no_traceback(result)
    assert result.problem == "time limit"
    assert "took longer than the time limit of 0.05 s" in result.verdict


def test_a_bare_except_does_not_swallow_the_time_limit():
    def stubborn(*args):
        try:
            time.sleep(2)
        except Exception:
            pass
        return solution_gru_step(*args)

    assert check_gru_step(stubborn, time_limit=0.05).problem == "time limit"


def test_the_time_limit_works_outside_the_main_thread():
    results = []

    def slow(*args):
        time.sleep(0.5)
        return solution_gru_step(*args)

    thread = threading.Thread(target=lambda: results.append(check_gru_step(slow, time_limit=0.05)))
    thread.start()
    thread.join(5)
    assert results and results[0].problem == "time limit"


def test_the_alarm_handler_and_timer_are_restored():
    before = signal.getsignal(signal.SIGALRM)
    check_gru_step(solution_gru_step)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("bad", [None, 3, "solution_gru_step", np.zeros(3)])
def test_a_checker_given_no_function_raises_type_error(bad):
    with pytest.raises(TypeError, match=r"check_gru_step takes your function, fn\(x, h, kernel"):
        check_gru_step(bad)


@pytest.mark.parametrize(
    "fn",
    [lambda x, h: x, lambda x, h, kernel, recurrent_kernel, bias, extra: x,
     lambda x, h, kernel, recurrent_kernel, bias, *, units: x],
)  # fmt: skip
def test_a_function_of_the_wrong_arity_raises_type_error(fn):
    with pytest.raises(TypeError, match="calls your function with 5 arguments"):
        check_gru_step(fn)


def test_functions_that_take_the_arguments_otherwise_are_accepted():
    assert check_gru_step(lambda *args: solution_gru_step(*args)).passed
    def with_default(x, h, kernel, recurrent_kernel, bias, extra=0):
        return solution_gru_step(x, h, kernel, recurrent_kernel, bias)

    assert check_gru_step(with_default).passed


BAD_LIMITS = [("1", TypeError), (True, TypeError), (0, ValueError), (float("inf"), ValueError)]


@pytest.mark.parametrize(("limit", "error"), BAD_LIMITS)
def test_a_bad_time_limit_raises(limit, error):
    with pytest.raises(error, match="time_limit"):
        check_gru_step(solution_gru_step, time_limit=limit)


def test_the_seed_changes_the_random_cases_and_the_same_seed_repeats_them():
    def off(*args):
        return solution_gru_step(*args) + 1

    a, b, c = (check_gru_step(off, seed=s) for s in (0, 0, 1))
    assert a.verdict == b.verdict
    assert a.worst_case.case.description != c.worst_case.case.description or (
        not np.array_equal(a.worst_case.case.inputs["x"], c.worst_case.case.inputs["x"])
    )


def test_float32_answers_within_the_tolerance_pass():
    rtol, atol = TOLERANCES[np.dtype(np.float32)]

    def rounded(*args):
        h_new = solution_gru_step(*args)
        if h_new.dtype == np.float32:
            h_new = h_new + np.float32(atol / 10)
        return h_new

    assert check_gru_step(rounded).passed


def test_a_checker_other_than_the_step_uses_its_own_name():
    result = check_lstm_step(lambda *args: None)
    assert result.verdict.startswith("check_lstm_step: not yet.")
