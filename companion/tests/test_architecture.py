"""The package's layout holds: Keras-free rooms stay Keras-free, names of kinds live in kinds.py,
every module says in one line what it owns, and one command line runs every long experiment."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gru_companion
from gru_companion.kinds import KINDS

PACKAGE = Path(gru_companion.__file__).parent

#: The rooms that must work without Keras, TensorFlow or matplotlib installed.
KERAS_FREE_ROOMS = ("scratch", "learning", "analysis", "data", "exercises")
FORBIDDEN = ("keras", "tensorflow", "matplotlib")


def _modules(room: str | None = None) -> list[str]:
    base = PACKAGE / room if room else PACKAGE
    names = []
    for path in sorted(base.rglob("*.py")):
        parts = ("gru_companion", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("room", KERAS_FREE_ROOMS)
def test_keras_free_rooms_import_no_keras_tensorflow_or_matplotlib(room: str) -> None:
    modules = _modules(room)
    assert modules, f"no modules found in {room}"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"{room} imports {result.stdout.strip()}"


def _docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)


@pytest.mark.parametrize("module", _modules(), ids=lambda name: name)
def test_every_module_opens_with_one_line_saying_what_it_owns(module: str) -> None:
    parts = module.split(".")[1:]
    path = PACKAGE.joinpath(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    doc = _docstring(path)
    assert doc, f"{module} has no docstring"
    first, _, rest = doc.partition("\n")
    assert first.strip() and first.rstrip().endswith((".", ":")), (
        f"{module}: the docstring's first line must be one sentence: {first!r}"
    )
    assert not rest or rest.startswith("\n"), f"{module}: the first line must stand alone"
    assert "to be written" not in doc, f"{module}: placeholder docstring"


def _string_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def test_the_book_names_of_kinds_are_written_only_in_kinds_py() -> None:
    """No module but kinds.py spells a kind's display name as a string of its own."""
    names = {kind.book_name for kind in KINDS.values()} | {
        kind.name for kind in KINDS.values() if kind.name != kind.keras_layer
    }
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "kinds.py":
            continue
        found = names & _string_literals(path)
        offenders += [f"{path.relative_to(PACKAGE)}: {name!r}" for name in sorted(found)]
    assert offenders == []


def test_no_module_keeps_its_own_table_of_kinds() -> None:
    """A tuple or dict literal whose items are three or more kind keys is a closed list of kinds."""
    keys = set(KINDS)
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "kinds.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
            if not isinstance(node, ast.Dict | ast.Tuple | ast.List | ast.Set) or not items:
                continue
            strings = [i.value for i in items if isinstance(i, ast.Constant)]
            if len([s for s in strings if s in keys]) >= 3:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_one_command_line_lists_every_long_run() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gru_companion.experiments", "--help"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for command in ("chorales", "adding", "copy", "counting", "sunspots", "variants",
                    "gradient-flow", "bench", "memory", "gpu-bench"):  # fmt: skip
        assert re.search(rf"\b{command}\b", result.stdout), f"--help does not list {command}"
