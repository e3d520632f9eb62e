"""The shared argument checks: what they accept, return and say when they refuse."""

import math

import numpy as np
import pytest

from gru_companion.validation import (
    check_int_at_least,
    check_open_fraction,
    check_positive_int,
    check_positive_number,
    check_real,
)


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_positive_int_accepts_and_returns_plain_ints(value):
    assert check_positive_int("units", value) == int(value)
    assert type(check_positive_int("units", value)) is int


@pytest.mark.parametrize(
    "value, error, message",
    [
        (0, ValueError, r"^units must be a positive integer \(>= 1\), got 0$"),
        (1.5, TypeError, r"^units must be a positive integer, got float 1.5$"),
        (True, TypeError, r"^units must be a positive integer, got bool True$"),
    ],
)
def test_positive_int_refuses_with_its_own_wording(value, error, message):
    with pytest.raises(error, match=message):
        check_positive_int("units", value)


def test_int_at_least_default_and_custom_wording():
    assert check_int_at_least("seed", 0, 0) == 0
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, got -1$"):
        check_int_at_least("seed", -1, 0)
    with pytest.raises(TypeError, match=r"^seed must be an integer >= 0, got str 'a'$"):
        check_int_at_least("seed", "a", 0)
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer \(>= 0\), got -2$"):
        check_int_at_least("seed", -2, 0, expected="a non-negative integer")


@pytest.mark.parametrize("value", [1e-12, 0.5, 3, np.float32(2.0)])
def test_positive_number_returns_a_float(value):
    result = check_positive_number("learning_rate", value)
    assert type(result) is float and result == pytest.approx(float(value))


@pytest.mark.parametrize(
    "value, error",
    [(0, ValueError), (-1e-3, ValueError), (math.inf, ValueError), (math.nan, ValueError),
     ("0.1", TypeError), (True, TypeError), (None, TypeError)],
)  # fmt: skip
def test_positive_number_refuses_non_positive_infinite_and_non_numbers(value, error):
    expected = "a positive finite number" if error is ValueError else "a positive number"
    with pytest.raises(error, match=f"^learning_rate must be {expected}, got"):
        check_positive_number("learning_rate", value)


def test_real_checks_the_type_only_and_each_number_check_words_it_its_way():
    assert check_real("scale", np.float32(2.5)) == 2.5 and type(check_real("x", 3)) is float
    assert math.isnan(check_real("x", float("nan")))  # the range is the caller's
    with pytest.raises(TypeError, match=r"^x must be a real number, got bool True$"):
        check_real("x", True)
    with pytest.raises(TypeError, match=r"^x must be a positive number, got str '1'$"):
        check_positive_number("x", "1")
    with pytest.raises(TypeError, match=r"^x must be a number strictly between 0 and 1, got"):
        check_open_fraction("x", None)
    assert check_open_fraction("x", 0.25) == 0.25
    with pytest.raises(ValueError, match=r"^x must be strictly between 0 and 1, got 1$"):
        check_open_fraction("x", 1)


def test_a_size_is_two_positive_integers_joined_by_x():
    from gru_companion.validation import parse_size

    assert parse_size("64X100", "BATCHxSTEPS", "64x100") == (64, 100)
    for bad in ("64", "0x5", "ax5", "1x2x3"):
        with pytest.raises(ValueError, match=r"BATCHxSTEPS with positive integers, e\.g\. 64x100"):
            parse_size(bad, "BATCHxSTEPS", "64x100")
