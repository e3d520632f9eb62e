"""Argument checks shared by the whole package.

Every public function validates what it is given and raises a ``TypeError`` (wrong kind
of value) or ``ValueError`` (right kind, wrong value) whose message names the argument,
what was expected and what came. Nothing is silently converted or broadcast.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

#: The dtypes the NumPy layers compute in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an integer >= 1, else raise ``TypeError`` or ``ValueError``.

    :func:`check_int_at_least` with a minimum of 1, the message saying "a positive integer".
    """
    return check_int_at_least(name, value, 1, expected="a positive integer")


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool``, else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    options = list(choices)
    if value not in options:
        allowed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_int_at_least(name: str, value: Any, minimum: int, *, expected: str | None = None) -> int:
    """Return ``value`` if it is an integer >= ``minimum``, else raise.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        The value to check. ``bool`` is rejected although it subclasses ``int``.
    minimum
        The smallest value allowed.
    expected
        How the messages describe an allowed value; by default
        ``"an integer >= {minimum}"`` (a custom wording is followed by the bound).

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is smaller than ``minimum``.
    """
    wording = f"an integer >= {minimum}" if expected is None else expected
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {wording}, got {type(value).__name__} {value!r}")
    if value < minimum:
        bound = "" if expected is None else f" (>= {minimum})"
        raise ValueError(f"{name} must be {wording}{bound}, got {value}")
    return int(value)


def check_real(name: str, value: Any, *, expected: str = "a real number") -> float:
    """Return ``value`` as a ``float`` if it is a real number (``bool`` rejected), else raise.

    The type check every number check starts with; the range is the caller's.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        The value to check.
    expected
        How the message describes an allowed value, e.g. ``"a positive number"``.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (a ``bool`` is not one here).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    return float(value)


def check_positive_number(name: str, value: Any) -> float:
    """Return ``value`` as a ``float`` if it is a finite real number > 0, else raise.

    For learning rates, tolerances, thresholds and step sizes.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        The value to check. ``bool`` is rejected.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is not positive, or is infinite or NaN.
    """
    number = check_real(name, value, expected="a positive number")
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return number


def check_open_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a ``float`` if it is a real number strictly between 0 and 1.

    For fractions of a data set and rates. Arguments as for :func:`check_positive_number`;
    raises ``TypeError`` if ``value`` is not a real number (:func:`check_real`), and
    ``ValueError`` if it is not strictly between 0 and 1 (NaN included).
    """
    number = check_real(name, value, expected="a number strictly between 0 and 1")
    if not 0.0 < number < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return number


def check_rng(name: str, value: Any) -> np.random.Generator:
    """Return a NumPy random ``Generator`` from a seed or a generator, else raise.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        A non-negative integer seed (turned into ``numpy.random.default_rng(value)``), or a
        ``numpy.random.Generator``, returned as it is (drawing from it advances its state).

    Raises
    ------
    TypeError
        If ``value`` is neither an integer nor a ``numpy.random.Generator``.
    ValueError
        If ``value`` is a negative integer.
    """
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a non-negative integer seed or a numpy.random.Generator, "
            f"got {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer seed, got {value}")
    return np.random.default_rng(int(value))


def check_ndarray(
    name: str, value: Any, *, ndim: int | None = None, kinds: str = "biuf"
) -> np.ndarray:
    """Return ``value`` if it is a NumPy array of the expected rank and kind, else raise.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        The value to check. Lists are not converted: an ``numpy.ndarray`` is required.
    ndim
        The number of dimensions required, or ``None`` for any.
    kinds
        The ``dtype.kind`` letters allowed: ``"b"`` bool, ``"i"`` signed integer,
        ``"u"`` unsigned integer, ``"f"`` floating point.

    Raises
    ------
    TypeError
        If ``value`` is not a ``numpy.ndarray`` or its dtype is not of an allowed kind.
    ValueError
        If ``value`` does not have ``ndim`` dimensions.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if value.dtype.kind not in kinds:
        names = {"b": "bool", "i": "int", "u": "unsigned int", "f": "float"}
        allowed = ", ".join(names.get(kind, kind) for kind in kinds)
        raise TypeError(f"{name} must have a dtype of kind {allowed}; got dtype {value.dtype}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got {value.ndim} (shape {value.shape})"
        )
    return value


def check_float_array(name: str, value: Any, what: str, dtype: np.dtype) -> np.ndarray:
    """Return ``value`` if it is a floating ndarray of exactly ``dtype``, else raise ``TypeError``.

    ``what`` describes the expected array in the message (e.g. ``"(batch, time, features)"``);
    ``dtype`` is the dtype of the weights it will meet: nothing is cast silently.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray {what} of dtype {dtype}, got {type(value).__name__}"
        )
    if value.dtype.kind != "f":
        raise TypeError(
            f"{name} must hold floating-point numbers of dtype {dtype} (the dtype of the "
            f"layer's weights), got dtype {value.dtype}"
        )
    if value.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {value.dtype} but the layer's weights are {dtype}; nothing "
            f"is cast silently: pass {name}.astype(np.{dtype}) or use "
            f"layer.astype('{value.dtype}')"
        )
    return value


def check_shape(name: str, value: np.ndarray, labels: str, expected: tuple[int, ...]) -> None:
    """Raise ``ValueError`` unless ``value.shape == expected``; ``labels`` names the axes."""
    if value.shape != expected:
        raise ValueError(f"{name} must have shape {labels} = {expected}, got {value.shape}")


def check_finite(name: str, value: np.ndarray) -> None:
    """Raise ``ValueError`` if ``value`` holds a NaN or an infinity, naming the first."""
    bad = ~np.isfinite(value)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite, got {value[index]} at index {index} "
            f"({int(bad.sum())} non-finite value(s) in all)"
        )


def check_weight(name: str, value: Any) -> np.ndarray:
    """Raise unless ``value`` is a float32 or float64 ndarray; return a copy."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if value.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got dtype {value.dtype}")
    check_finite(name, value)
    return value.copy()


def check_float_dtype(dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``ValueError``."""
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from error
    if result not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {result}")
    return result


def parse_size(
    text: str, pattern: str = "UNITSxSTEPS", example: str = "256x100"
) -> tuple[int, int]:
    """A size written as two positive integers joined by ``x`` (``"256x100"``), as a pair.

    Parameters
    ----------
    text
        The size as written on a command line; ``X`` counts as ``x``.
    pattern, example
        What the two numbers are and an example, for the error message.

    Raises
    ------
    ValueError
        If ``text`` is not two positive integers joined by ``x``.
    """
    parts = str(text).lower().split("x")
    if len(parts) != 2 or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(
            f"a size is {pattern} with positive integers, e.g. {example}; got {text!r}"
        )
    return int(parts[0]), int(parts[1])

