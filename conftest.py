"""Repository-wide pytest setup: store notebook outputs exactly as nbval produces them.

``python -m pytest book --store-outputs`` runs every notebook under nbval, cell by cell
in one kernel, just as the checking run does, and writes what each cell printed back into
the notebook: outputs, execution counts, no timestamps. The next plain ``pytest`` then
compares against outputs made by the same machinery (the same executor, the same
environment, TensorFlow's C-level logging uncaptured as under nbval). A notebook in which
a cell raises is left untouched and the run fails.
"""

from __future__ import annotations

import nbformat
import pytest

STORE_OPTION = "--store-outputs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        STORE_OPTION,
        action="store_true",
        help="run notebooks under nbval and store their fresh outputs in the .ipynb files",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption(STORE_OPTION):
        return
    from nbval.plugin import IPyNbCell

    # Outputs are being refreshed, so any difference from the stored ones is expected.
    IPyNbCell.compare_outputs = lambda self, test, ref, skip_compare=None: True
    config.stash[_NOTEBOOKS] = {}


_NOTEBOOKS = pytest.StashKey[dict]()


def _as_stored_output(output: dict, execution_count: int) -> nbformat.NotebookNode:
    kind = output["output_type"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=output["name"], text=output["text"])
    stored = nbformat.v4.new_output(kind, data=output["data"], metadata=output["metadata"])
    if kind == "execute_result":
        stored.execution_count = execution_count
    return stored


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if not item.config.getoption(STORE_OPTION) or not hasattr(item, "test_outputs"):
        return
    report = outcome.get_result()
    notebook_file = item.parent
    record = item.config.stash[_NOTEBOOKS].setdefault(
        notebook_file.path, {"file": notebook_file, "failed": False, "count": 0}
    )
    if report.when != "call":
        if report.failed:
            record["failed"] = True
        return
    if report.failed or item.test_outputs is None:
        record["failed"] = True
        return
    record["count"] += 1
    cell = item.cell
    cell.execution_count = record["count"]
    cell.outputs = [_as_stored_output(out, record["count"]) for out in item.test_outputs]


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not session.config.getoption(STORE_OPTION):
        return
    for path, record in session.config.stash[_NOTEBOOKS].items():
        if record["failed"]:
            print(f"\nnot stored (a cell failed): {path}")
            continue
        notebook = record["file"].nb
        notebook.metadata.pop("widgets", None)
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(notebook, str(path))
        print(f"\nstored outputs: {path}")


# --- each notebook's wall time under nbval, for the CI log ------------------------------

_notebook_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    notebook, separator, _ = report.nodeid.partition(".ipynb::")
    if separator:  # setup, call and teardown of every cell of a notebook
        key = notebook + ".ipynb"
        _notebook_seconds[key] = _notebook_seconds.get(key, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _notebook_seconds:
        return
    terminalreporter.section("wall time of each notebook under nbval")
    for notebook, seconds in sorted(_notebook_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:7.1f} s  {notebook}")
    total = sum(_notebook_seconds.values())
    terminalreporter.write_line(
        f"{total:7.1f} s  all {len(_notebook_seconds)} notebooks "
        "(summed; pytest -n runs them side by side)"
    )
