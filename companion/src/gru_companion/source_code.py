"""The source of the companion's functions, as the chapters print it.

A chapter that explains an equation prints the lines of the package that compute it,
so the code on the page is the code the tests check. Docstrings repeat what the chapter
says around the code, so by default they are left out.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any


def source_of(obj: Any, *, docstring: bool = False) -> str:
    """Return the source code of a function, method or class, optionally without docstrings.

    Parameters
    ----------
    obj
        A function, method or class defined in Python source.
    docstring
        ``True`` keeps the docstrings; ``False`` (default) removes the docstring of
        ``obj`` and of every function and class inside it, leaving the signature and
        the body as written, comments included.

    Returns
    -------
    str
        The source, dedented, ending with a newline.

    Raises
    ------
    TypeError
        If ``obj`` has no Python source (a built-in, or an instance).
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise TypeError(
            f"obj must be a function, method or class, got {type(obj).__name__} {obj!r}"
        )
    source = textwrap.dedent(inspect.getsource(obj))
    if docstring:
        return source
    lines = source.splitlines(keepends=True)
    drop: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            drop.update(range(first.lineno - 1, first.end_lineno))
    return "".join(line for number, line in enumerate(lines) if number not in drop)
