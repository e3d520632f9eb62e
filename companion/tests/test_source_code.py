"""source_of prints a function's code as the chapters show it."""

from __future__ import annotations

import pytest

from gru_companion.scratch.gru import NumpyGRU, gru_step
from gru_companion.source_code import source_of


def test_docstrings_are_removed_and_code_and_comments_kept():
    text = source_of(gru_step)
    assert text.startswith("def gru_step(")
    assert '"""' not in text
    assert "h = z * h_prev + (1 - z) * h_tilde" in text
    assert "# update gate" in text


def test_docstrings_can_be_kept():
    assert '"""One GRU time step.' in source_of(gru_step, docstring=True)


def test_methods_are_dedented():
    text = source_of(NumpyGRU.step)
    assert text.startswith("def step(")
    assert '"""' not in text


def test_classes_lose_every_docstring_inside():
    class Example:
        """Class doc."""

        def method(self):
            """Method doc."""
            return 1

    text = source_of(Example)
    assert "doc." not in text and "return 1" in text


@pytest.mark.parametrize("obj", [len, 3, "text"])
def test_objects_without_python_source_are_refused(obj):
    with pytest.raises(TypeError, match="must be a function, method or class"):
        source_of(obj)
