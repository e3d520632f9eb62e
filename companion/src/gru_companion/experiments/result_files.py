"""Result files: what the long experiments store under ``book/data``, and how chapters read them.

Experiments too slow for CI (the fair studies, the GRU variants, the gradient
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


def cpu_model() -> str:
    """The CPU's model name (Linux's ``/proc/cpuinfo``), else what ``platform`` says."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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
