"""Checks that keep the book's guarantees honest.

nbval compares a cell only if the notebook stores it executed; Sphinx builds only the
pages ``_toc.yml`` lists. Each function here returns a list of problems (empty when all is
well), so a test can assert on it and show the reader of a failure what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import yaml

PAGE_SUFFIXES = (".ipynb", ".md")
IGNORE_OUTPUT_TAG = "nbval-ignore-output"
IGNORE_OUTPUT_COMMENT = "# NBVAL_IGNORE_OUTPUT"
#: A cell whose output is not compared must say why on a comment line starting so.
JUSTIFICATION = "# Output not compared:"
COMPANION_IMPORT = re.compile(r"^\s*(import gru_companion|from gru_companion)", re.M)
TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+(keras|tensorflow)\b", re.M)


def book_pages(book_dir: Path) -> list[Path]:
    """Every page (notebook or Markdown) under ``book_dir``, skipping build folders."""
    pages = []
    for path in sorted(book_dir.rglob("*")):
        if path.suffix not in PAGE_SUFFIXES:
            continue
        if {"_build", ".ipynb_checkpoints"} & set(path.parts):
            continue
        pages.append(path)
    return pages


def code_cells(notebook_path: Path) -> list[dict]:
    """The code cells of a notebook, read as plain JSON."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    return [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def unverifiable_cells(notebook_path: Path) -> list[str]:
    """Code cells nbval could not verify: never executed, or storing an error."""
    problems = []
    for index, cell in enumerate(code_cells(notebook_path)):
        if not _source(cell).strip():
            continue
        if cell.get("execution_count") is None:
            problems.append(f"{notebook_path}: code cell {index} is stored unexecuted")
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            problems.append(f"{notebook_path}: code cell {index} stores an error")
    return problems


def toc_entries(toc_path: Path) -> list[str]:
    """Every file named in a Jupyter Book ``_toc.yml`` (root first), without suffix."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    entries = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                entries.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return [str(Path(entry).with_suffix("")) for entry in entries]


def toc_problems(root: Path, book_dir: Path) -> list[str]:
    """Pages missing from ``_toc.yml``, and ``_toc.yml`` entries with no page."""
    listed = toc_entries(root / "_toc.yml")
    pages = {str(page.relative_to(root).with_suffix("")): page for page in book_pages(book_dir)}
    problems = [
        f"{pages[name]} is not listed in _toc.yml" for name in sorted(set(pages) - set(listed))
    ]
    for entry in listed:
        if not any((root / entry).with_suffix(suffix).exists() for suffix in PAGE_SUFFIXES):
            problems.append(f"_toc.yml lists {entry!r}, but no {entry}.ipynb or {entry}.md exists")
    return problems


#: A link to a page in Markdown: {doc}`name` or {doc}`text <name>`.
DOC_LINK = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")


def landing_page_problems(root: Path, landing: Path) -> list[str]:
    """Chapters of ``_toc.yml`` the landing page does not list, or lists out of order.

    The landing page's section ``## The chapters`` links every page of the table of
    contents but itself with ``{doc}``, once each, in the order of ``_toc.yml``.
    """
    toc_pages = [Path(entry).name for entry in toc_entries(root / "_toc.yml")[1:]]
    text = landing.read_text(encoding="utf-8")
    if "## The chapters" not in text:
        return [f"{landing.name} has no section '## The chapters'"]
    section = text.split("## The chapters", 1)[1].split("\n## ", 1)[0]
    listed = [Path(name).name for name in DOC_LINK.findall(section)]
    problems = [f"{landing.name} does not list the chapter {page!r}"
                for page in toc_pages if page not in listed]  # fmt: skip
    problems += [f"{landing.name} lists {page!r} more than once"
                 for page in sorted({p for p in listed if listed.count(p) > 1})]  # fmt: skip
    problems += [f"{landing.name} lists {page!r}, which is not in _toc.yml"
                 for page in listed if page not in toc_pages]  # fmt: skip
    in_toc = [page for page in listed if page in toc_pages]
    if not problems and in_toc != toc_pages:
        problems.append(f"{landing.name} lists the chapters in another order than _toc.yml")
    return problems


def unjustified_ignored_outputs(notebook_path: Path) -> list[str]:
    """Cells whose output nbval ignores without a reason, or without an assertion after.

    A cell marked ``nbval-ignore-output`` (tag or comment) must carry a comment line
    starting with ``# Output not compared:`` and the reason, and it or the next code cell
    must ``assert`` on what it computed.
    """
    problems = []
    cells = code_cells(notebook_path)
    for index, cell in enumerate(cells):
        source = _source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if IGNORE_OUTPUT_TAG not in tags and IGNORE_OUTPUT_COMMENT not in source:
            continue
        if JUSTIFICATION not in source:
            problems.append(
                f"{notebook_path}: code cell {index} ignores its output without a "
                f"'{JUSTIFICATION} <reason>' comment"
            )
        following = _source(cells[index + 1]) if index + 1 < len(cells) else ""
        if "assert " not in source and "assert " not in following:
            problems.append(
                f"{notebook_path}: code cell {index} ignores its output and neither it nor the "
                "next code cell asserts on the result"
            )
    return problems


def keras_imported_before_companion(notebook_path: Path) -> list[str]:
    """Notebooks that import keras or tensorflow before ``gru_companion``.

    Importing the companion first sets ``TF_CPP_MIN_LOG_LEVEL`` and
    ``TF_ENABLE_ONEDNN_OPTS``; TensorFlow reads them once, when it is first imported.
    """
    for index, cell in enumerate(code_cells(notebook_path)):
        source = _source(cell)
        companion = COMPANION_IMPORT.search(source)
        tensorflow = TENSORFLOW_IMPORT.search(source)
        if tensorflow and (not companion or tensorflow.start() < companion.start()):
            return [f"{notebook_path}: code cell {index} imports keras/tensorflow before "
                    "gru_companion"]
        if companion:
            return []
    return []


AUTOMODULE = re.compile(r"^\.\. automodule:: ([\w.]+)\s*$", re.M)


def undocumented_modules(package_dir: Path, api_page: Path) -> list[str]:
    """Modules of the package (``package_dir``) that the API page does not document.

    The package's subpackages (its rooms) and their modules count as modules. The page
    documents a module with an ``.. automodule::`` directive; private modules
    (``_name.py``) and ``__main__`` are exempt. A module listed on the page but missing
    from the package is reported too.
    """
    package = package_dir.name
    modules = {package}
    for path in package_dir.rglob("*.py"):
        parts = path.relative_to(package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and not any(part.startswith("_") for part in parts):
            modules.add(".".join((package, *parts)))
    documented = set(AUTOMODULE.findall(api_page.read_text(encoding="utf-8")))
    problems = [f"not on {api_page.name}: {name}" for name in sorted(modules - documented)]
    problems += [f"on {api_page.name} but not in the package: {name}"
                 for name in sorted(documented - modules)]  # fmt: skip
    return problems


# --- numbers in prose ------------------------------------------------------------------

#: A decimal number in prose (0.472, 8.69, 1e-12, 7·10⁻⁸ counts as its power below).
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE]-\d+)(?![\w.]*\d)")
#: A power of ten with a negative exponent: 10⁻⁸, $10^{-8}$, 10^-8.
SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
POWER_OF_TEN = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*(?:\\cdot|·|×|\\times)\s*)?"
    r"10(?:\^\{?(-\d+)\}?|([⁻][⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
#: A number written after one of these words is a version, not a result.
VERSION_WORDS = re.compile(
    r"(?:Keras|TensorFlow|tf\.keras|Python|PyTorch|JAX|NumPy|CUDA|cuDNN|version|Sphinx|"
    r"Book|nbval|music21|statsmodels|scikit-learn|myst-nb|pip|Ubuntu|Debian)[\s`]*(?:≤|<=|>=)?\s*$"
)
#: Numbers that may stand in prose without an output: constants of the equations and of
#: the tasks' definitions that the chapters define in words (each with why).
PROSE_CONSTANTS = {
    "0.5": "a half: a gate half open, a probability of one half",
    "1.0": "one, written as a float",
    "0.0": "zero, written as a float",
}
#: Text that holds no claims: citations, links, labels, figure names.
NO_CLAIMS = re.compile(
    r"\{cite(?::\w+)?\}`[^`]*`|\{(?:doc|ref|numref|eq|term)\}`[^`]*`|\]\([^)]*\)"
    r"|https?://\S+|\(\w[\w-]*\)=|arXiv:\S+|\b\d+\.\d+\.\d+(?:\.\d+)?\b"
)


def _output_texts(notebook: dict) -> list[str]:
    texts = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        texts.append(_source(cell))  # a setting in the code is on the page too
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append("".join(output.get("text", "")))
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                value = output.get("data", {}).get(mime)
                if value is not None:
                    texts.append("".join(value))
    return texts


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _shown_numbers(notebook: dict) -> list[float]:
    numbers = []
    for text in _output_texts(notebook):
        for match in _NUMBER.findall(text.replace(",", "")):
            try:
                numbers.append(abs(float(match)))
            except ValueError:
                continue
    return numbers


def _decimal_shown(text: str, shown: list[float]) -> bool:
    value = abs(float(text))
    if "e" in text.lower():
        return any(x > 0 and abs(math.log10(x) - math.log10(value)) <= 0.5 for x in shown)
    decimals = len(text.split(".")[1])
    half_step = 0.5 * 10.0**-decimals
    return any(abs(x - value) <= half_step + 1e-12 for x in shown)


def _power_shown(mantissa: str | None, exponent: int, shown: list[float]) -> bool:
    """A bare power (about 10⁻⁸) is shown by any output within half a decade of it; one
    with a mantissa (4·10⁻¹⁸) by an output that rounds to it."""
    if mantissa is None:
        return any(x > 0 and abs(math.log10(x) - exponent) <= 0.5 for x in shown)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    value = float(mantissa) * 10.0**exponent
    return any(abs(x - value) <= 0.5 * 10.0 ** (exponent - decimals) * 1.0001 for x in shown)


def unproven_numbers(notebook_path: Path) -> list[str]:
    """Decimal numbers and negative powers of ten in prose that no output of the notebook shows.

    A number in a Markdown cell is proven when a code cell of the same notebook prints it
    (at the precision the prose gives: 8.69 is shown by an output 8.6912), holds it in
    its code (a setting), or glues it into the prose. Powers of ten (10⁻⁸) count as shown
    when an output has that order of magnitude. Versions, citations, links and the
    constants in :data:`PROSE_CONSTANTS` are exempt.
    """
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    shown = _shown_numbers(notebook)
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = NO_CLAIMS.sub(" ", _source(cell))
        for match in DECIMAL.finditer(text):
            number = match.group(1)
            if number in PROSE_CONSTANTS or VERSION_WORDS.search(text[: match.start()]):
                continue
            if not _decimal_shown(number, shown):
                problems.append(f"{notebook_path.name}: markdown cell {index}: {number}")
        for match in POWER_OF_TEN.finditer(text):
            mantissa, exponent = match.group(1), (match.group(2) or match.group(3))
            exponent = int(exponent.translate(SUPERSCRIPT))
            if not _power_shown(mantissa, exponent, shown):
                written = f"{mantissa}·10^{exponent}" if mantissa else f"10^{exponent}"
                problems.append(f"{notebook_path.name}: markdown cell {index}: {written}")
    return problems


# --- pointers and length ------------------------------------------------------------------

#: Pointers that break when chapters move: a chapter is named by a link, never by position.
POSITIONAL_POINTER = re.compile(
    r"\b(?:the\s+)?(?:previous|next|preceding|following|last)\s+"
    r"(?:two\s+|three\s+)?chapters?\b",
    re.I,
)


def _markdown_texts(page: Path) -> list[str]:
    if page.suffix == ".md":
        return [page.read_text(encoding="utf-8")]
    notebook = json.loads(page.read_text(encoding="utf-8"))
    return [_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "markdown"]


def positional_pointers(page: Path) -> list[str]:
    """Phrases such as "the previous chapter" in a page's prose (links do not move)."""
    return [
        f"{page.name}: {match.group(0)!r}"
        for text in _markdown_texts(page)
        for match in POSITIONAL_POINTER.finditer(text)
    ]


def prose_words(notebooks: list[Path]) -> int:
    """Words of the chapters' Markdown cells (whitespace-separated, math and code included)."""
    return sum(len(text.split()) for page in notebooks for text in _markdown_texts(page))
