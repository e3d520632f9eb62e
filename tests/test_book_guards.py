"""The book's guarantees, as tests: on the real book, and on bad notebooks made to fail them.

nbval only compares cells that are stored executed, and Sphinx only builds pages listed
in ``_toc.yml``; so a stripped notebook or an unlisted page would "pass" while nothing
checks it. These tests make that impossible, and show that each guard does catch the
fault it is meant to catch.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from tests.book_guards import (
    book_pages,
    keras_imported_before_companion,
    landing_page_problems,
    positional_pointers,
    prose_words,
    toc_problems,
    undocumented_modules,
    unjustified_ignored_outputs,
    unproven_numbers,
    unverifiable_cells,
)

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = [page for page in book_pages(BOOK) if page.suffix == ".ipynb"]
PAGES = book_pages(BOOK)


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


# --- the real book ---------------------------------------------------------------------


def test_the_book_has_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_code_cell_is_stored_executed_without_error(notebook: Path) -> None:
    assert unverifiable_cells(notebook) == []


def test_every_page_is_in_the_toc_and_every_toc_entry_exists() -> None:
    assert toc_problems(ROOT, BOOK) == []


def test_the_landing_page_lists_every_chapter_in_toc_order() -> None:
    assert landing_page_problems(ROOT, BOOK / "intro.md") == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_ignored_output_is_justified_and_asserted(notebook: Path) -> None:
    assert unjustified_ignored_outputs(notebook) == []


#: The chapters' prose stays short enough to read as one course.
MAX_PROSE_WORDS = 24_000


def test_the_chapters_prose_stays_within_its_length() -> None:
    assert prose_words(NOTEBOOKS) <= MAX_PROSE_WORDS


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_no_page_points_to_a_chapter_by_position(page: Path) -> None:
    assert positional_pointers(page) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_number_in_prose_is_shown_by_the_chapter(notebook: Path) -> None:
    assert unproven_numbers(notebook) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_companion_is_imported_before_keras(notebook: Path) -> None:
    assert keras_imported_before_companion(notebook) == []


def test_every_companion_module_is_on_the_api_page() -> None:
    package = ROOT / "companion" / "src" / "gru_companion"
    assert undocumented_modules(package, BOOK / "api.md") == []


# --- the guards fail on bad books ------------------------------------------------------


def test_an_undocumented_module_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    for name in ("__init__", "__main__", "_private", "cells", "plots"):
        (package / f"{name}.py").write_text("")
    api = tmp_path / "api.md"
    api.write_text("```{eval-rst}\n.. automodule:: pkg\n.. automodule:: pkg.cells\n"
                   ".. automodule:: pkg.gone\n```\n")
    assert undocumented_modules(package, api) == [
        "not on api.md: pkg.plots",
        "on api.md but not in the package: pkg.gone",
    ]


def _notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# A page"), *cells]
    nbformat.write(notebook, str(path))
    return path


def _executed(source: str, text: str = "1\n", count: int = 1, **metadata) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, execution_count=count, metadata=metadata)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


@pytest.fixture
def small_book(tmp_path: Path) -> Path:
    """A copy of the toc and one listed, executed notebook: a book that passes."""
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapter\n",
        encoding="utf-8",
    )
    (book / "intro.md").write_text("# Intro\n", encoding="utf-8")
    _notebook(book / "chapter.ipynb", _executed("print(1)"))
    return tmp_path


def test_a_good_small_book_passes_every_guard(small_book: Path) -> None:
    chapter = small_book / "book" / "chapter.ipynb"
    assert toc_problems(small_book, small_book / "book") == []
    assert unverifiable_cells(chapter) == []
    assert unjustified_ignored_outputs(chapter) == []


def test_a_chapter_missing_from_the_landing_page_is_caught(small_book: Path) -> None:
    landing = small_book / "book" / "intro.md"
    landing.write_text("# Intro\n\n## The chapters\n\n- {doc}`chapter`\n", encoding="utf-8")
    assert landing_page_problems(small_book, landing) == []
    toc = small_book / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "  - file: book/second\n", encoding="utf-8")
    assert landing_page_problems(small_book, landing) == [
        "intro.md does not list the chapter 'second'"
    ]
    landing.write_text(
        "# Intro\n\n## The chapters\n\n- {doc}`Two <second>`\n- {doc}`chapter`\n",
        encoding="utf-8",
    )
    assert landing_page_problems(small_book, landing) == [
        "intro.md lists the chapters in another order than _toc.yml"
    ]


def test_a_stripped_notebook_is_caught(small_book: Path) -> None:
    chapter = small_book / "book" / "chapter.ipynb"
    notebook = nbformat.read(str(chapter), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = []
    nbformat.write(notebook, str(chapter))
    assert unverifiable_cells(chapter) == [f"{chapter}: code cell 0 is stored unexecuted"]


def test_a_notebook_storing_an_error_is_caught(tmp_path: Path) -> None:
    cell = nbformat.v4.new_code_cell("1 / 0", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
        )
    ]
    notebook = _notebook(tmp_path / "broken.ipynb", cell)
    assert unverifiable_cells(notebook) == [f"{notebook}: code cell 0 stores an error"]


def test_an_unlisted_page_is_caught(small_book: Path) -> None:
    extra = small_book / "book" / "forgotten.ipynb"
    shutil.copy(small_book / "book" / "chapter.ipynb", extra)
    assert toc_problems(small_book, small_book / "book") == [
        f"{extra} is not listed in _toc.yml"
    ]


def test_a_toc_entry_without_a_page_is_caught(small_book: Path) -> None:
    (small_book / "book" / "chapter.ipynb").unlink()
    problems = toc_problems(small_book, small_book / "book")
    assert problems == [
        "_toc.yml lists 'book/chapter', but no book/chapter.ipynb or book/chapter.md exists"
    ]


def test_an_ignored_output_needs_a_reason_and_an_assertion(tmp_path: Path) -> None:
    bare = _notebook(
        tmp_path / "bare.ipynb", _executed("print(time.time())", tags=["nbval-ignore-output"])
    )
    problems = unjustified_ignored_outputs(bare)
    assert len(problems) == 2
    assert "without a '# Output not compared:" in problems[0]
    assert "asserts on the result" in problems[1]

    justified = _notebook(
        tmp_path / "justified.ipynb",
        _executed(
            "# Output not compared: wall-clock time differs on every run.\n"
            "# NBVAL_IGNORE_OUTPUT\n"
            "elapsed = measure()\n"
            "print(elapsed)"
        ),
        _executed("assert 0 < elapsed < 60", count=2),
    )
    assert unjustified_ignored_outputs(justified) == []


def test_keras_before_the_companion_is_caught(tmp_path: Path) -> None:
    wrong = _notebook(tmp_path / "wrong.ipynb", _executed("import keras\nimport gru_companion"))
    right = _notebook(tmp_path / "right.ipynb", _executed("import gru_companion\nimport keras"))
    assert keras_imported_before_companion(wrong) == [
        f"{wrong}: code cell 0 imports keras/tensorflow before gru_companion"
    ]
    assert keras_imported_before_companion(right) == []


def test_a_number_in_prose_needs_an_output_that_shows_it(tmp_path: Path) -> None:
    def chapter(prose: str, printed: str) -> Path:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [
            nbformat.v4.new_markdown_cell(prose),
            _executed("print(result)", text=printed),
        ]
        path = tmp_path / "chapter.ipynb"
        nbformat.write(notebook, str(path))
        return path

    proven = "The test NLL is 8.69, the error about $10^{-8}$, with Keras 3.15.1 {cite}`a2014`."
    assert unproven_numbers(chapter(proven, "NLL 8.6912, error 7.1e-09\n")) == []
    stale = "The test NLL is 8.71, and the error about 10⁻¹²."
    assert unproven_numbers(chapter(stale, "NLL 8.6912, error 7.1e-09\n")) == [
        "chapter.ipynb: markdown cell 0: 8.71",
        "chapter.ipynb: markdown cell 0: 10^-12",
    ]


def test_a_positional_pointer_and_the_prose_length_are_measured(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("As the previous chapter showed, and {doc}`gru` proves."),
        nbformat.v4.new_markdown_cell("The next two chapters measure it. Later chapters too."),
    ]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(notebook, str(path))
    assert positional_pointers(path) == [
        "chapter.ipynb: 'the previous chapter'",
        "chapter.ipynb: 'The next two chapters'",
    ]
    assert prose_words([path]) == 17
