"""Argument checks shared by the whole package.

Every public function validates what it is given and raises a ``TypeError`` (wrong kind
of value) or ``ValueError`` (right kind, wrong value) whose message names the argument,
what was expected and what came. Nothing is silently converted or broadcast.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an integer >= 1, else raise.

    Parameters
    ----------
    name
        The argument's name, used in the error message.
    value
        The value to check. ``bool`` is rejected although it subclasses ``int``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is smaller than 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {type(value).__name__} {value!r}"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


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
