"""Result files: what the long experiments store under ``book/data``, and how chapters read them.

Experiments too slow for CI (the budget-matched comparisons, the GRU variants, the gradient
flow measurement, the benchmark) are run by ``python -m gru_companion.experiments``,
which writes one small JSON file.
Each file holds, beside the results, the exact command that produced it, the package
versions and a description of the machine, so that a chapter can say where its numbers
came from. Floats are rounded before they are stored: the files stay small, and their
diffs show real changes.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import shlex
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

#: Packages whose versions a result records.
RECORDED_PACKAGES = ("numpy", "tensorflow", "keras", "music21", "gru_companion")


def package_versions(packages: Sequence[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """Versions of Python and of ``packages``, ``"not installed"`` for those missing.

    TensorFlow is found whether it is installed as ``tensorflow`` or ``tensorflow-cpu``.
    """
    versions = {"python": platform.python_version()}
    for package in packages:
        versions[package] = "not installed"
        for distribution in (package.replace("_", "-"), f"{package}-cpu"):
            try:
                versions[package] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return versions


def machine_description() -> dict[str, Any]:
    """The platform, processor and CPUs the results were measured on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
    }


def rounded_floats(value: Any, digits: int) -> Any:
    """``value`` with every float in it (in nested dicts and lists) rounded to ``digits``."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {key: rounded_floats(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded_floats(item, digits) for item in value]
    return value


def command_line(program: str, argv: Sequence[str] | None) -> str:
    """The shell command that ran ``program`` with ``argv`` (``None``: ``sys.argv[1:]``)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    return " ".join([program, *map(shlex.quote, arguments)])


def write_result(path: str | pathlib.Path, record: dict[str, Any]) -> pathlib.Path:
    """Write ``record`` as indented JSON to ``path``, creating its folder; return the path."""
    out = pathlib.Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return out


def load_result(path: str | pathlib.Path) -> dict[str, Any]:
    """Read a result file written by :func:`write_result`."""
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def load_task_results(folder: str | pathlib.Path = "data") -> dict[str, dict[str, Any]]:
    """The stored result of every budget-matched task, by name, in the order of ``TASKS``.

    Each is ``<folder>/<name>.json``, as ``python -m gru_companion.experiments <name>``
    writes it (:data:`gru_companion.experiments.tasks.TASKS`).

    Parameters
    ----------
    folder
        The folder holding the files (``"data"`` from the book's folder).
    """
    from gru_companion.experiments.tasks import TASKS

    return {name: load_result(pathlib.Path(folder) / f"{name}.json") for name in TASKS}


def history_frame(result: dict[str, Any]) -> Any:
    """The per-epoch rows of every run of a result, as one ``pandas.DataFrame``.

    Each row holds the run's ``kind``, ``seed``, ``units``, ``params`` (and ``seq_len`` /
    ``delay`` / ``window`` where the task has them) beside the epoch's metrics.
    """
    import pandas as pd

    rows = []
    for run in result["runs"]:
        fixed = {key: value for key, value in run.items() if key != "history"}
        rows.extend({**fixed, **epoch} for epoch in run["history"])
    return pd.DataFrame(rows)


#: The columns that tell one run from another in a :func:`history_frame`, where present.
RUN_KEYS = ("seq_len", "kind", "seed")


def best_epochs(frame: Any, metric: str) -> Any:
    """Each run's row at its lowest ``metric``: where early stopping would have stopped it.

    Parameters
    ----------
    frame
        A :func:`history_frame`.
    metric
        A validation column, e.g. ``"valid_nll"`` or ``"valid_mse"``.

    Returns
    -------
    pandas.DataFrame
        One row per run (runs told apart by the columns of :data:`RUN_KEYS` that the
        frame has), ordered by those columns; the first epoch wins a tie.

    Raises
    ------
    KeyError
        If the frame has no column ``metric``.
    """
    if metric not in frame:
        raise KeyError(f"no column {metric!r}; the frame has {list(frame.columns)}")
    keys = [key for key in RUN_KEYS if key in frame]
    return frame.loc[frame.groupby(keys)[metric].idxmin()]
