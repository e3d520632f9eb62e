"""``model.summary()`` as plain text of a fixed width.

Keras prints its summary with the ``rich`` library: the table's width follows the terminal
(``COLUMNS``, TTY or not) and, in a notebook, the output carries HTML and ANSI colour codes.
Captured through ``print_fn`` at a fixed ``line_length``, with the console width rich reads
from the environment (``COLUMNS``, or ``JUPYTER_COLUMNS`` in a notebook) pinned to the same
value while it prints, it is plain text, the same in a terminal, in Jupyter and under
``pytest --nbval``. While it prints, rich is also told that it is not in a notebook: a
console that believes it is in Jupyter publishes its (here empty) buffer as an extra
HTML output when the capture ends, which would show up as an empty box on the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gru_companion.validation import check_positive_int

#: Width of the summaries printed in the book.
SUMMARY_WIDTH = 78


@contextmanager
def _console_width(columns: int) -> Iterator[None]:
    """Pin the width ``rich`` consoles read from the environment and turn off their
    notebook mode; restore both afterwards."""
    import rich.console

    names = ("COLUMNS", "JUPYTER_COLUMNS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(columns) for name in names})
    detect_jupyter = rich.console._is_jupyter
    rich.console._is_jupyter = lambda: False
    try:
        yield
    finally:
        rich.console._is_jupyter = detect_jupyter
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def summary_text(model: Any, line_length: int = SUMMARY_WIDTH) -> str:
    """Return ``model.summary()`` as plain text, ``line_length`` characters wide.

    Parameters
    ----------
    model
        A ``keras.Model``, built or not.
    line_length
        Width of the table in characters, 40 to 200.
    """
    if not hasattr(model, "summary"):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    check_positive_int("line_length", line_length)
    if not 40 <= line_length <= 200:
        raise ValueError(f"line_length must be between 40 and 200, got {line_length}")
    captured: list[str] = []
    with _console_width(line_length):
        model.summary(line_length=line_length, print_fn=lambda text, **_: captured.append(text))
    return "\n".join(line.rstrip() for line in "".join(captured).splitlines())
