"""Result files record how they were made and read back what was written."""

from __future__ import annotations

import pathlib

import pytest

from gru_companion.experiments.result_files import (
    best_epochs,
    command_line,
    history_frame,
    load_result,
    load_task_results,
    machine_description,
    package_versions,
    rounded_floats,
    write_result,
)
from gru_companion.experiments.tasks import TASKS

DATA = pathlib.Path(__file__).resolve().parents[3] / "book" / "data"


def test_versions_find_tensorflow_installed_as_tensorflow_cpu():
    versions = package_versions()
    assert versions["tensorflow"] != "not installed"
    assert versions["keras"].startswith("3.")
    assert package_versions(("no_such_package",))["no_such_package"] == "not installed"


def test_machine_description_names_the_cpus():
    machine = machine_description()
    assert machine["cpu_count"] >= 1 and machine["usable_cpus"] >= 1


def test_floats_are_rounded_inside_nested_records():
    record = {"a": 0.123456789, "b": [1.98765, {"c": 2.5e-7}], "d": 3, "e": "x"}
    assert rounded_floats(record, 3) == {"a": 0.123, "b": [1.988, {"c": 0.0}], "d": 3, "e": "x"}


def test_the_command_is_quoted_for_a_shell():
    assert command_line("python -m m", ["run", "--out", "a b.json"]) == (
        "python -m m run --out 'a b.json'"
    )


def test_written_results_load_back(tmp_path):
    record = {"command": "python -m m", "values": [0.5, 1]}
    path = write_result(tmp_path / "nested" / "result.json", record)
    assert path.read_text(encoding="utf-8").endswith("\n")
    assert load_result(path) == record


def test_history_frame_and_each_runs_best_epoch():
    result = {"runs": [
        {"kind": "gru", "seed": 0, "seq_len": 5, "history": [
            {"epoch": 1, "valid_mse": 0.5}, {"epoch": 2, "valid_mse": 0.2},
            {"epoch": 3, "valid_mse": 0.3}]},
        {"kind": "gru", "seed": 1, "seq_len": 5, "history": [
            {"epoch": 1, "valid_mse": 0.1}, {"epoch": 2, "valid_mse": 0.1}]},
        {"kind": "gru", "seed": 0, "seq_len": 9, "history": [{"epoch": 1, "valid_mse": 0.4}]},
    ]}  # fmt: skip
    frame = history_frame(result)
    assert len(frame) == 6 and set(frame.columns) == {"kind", "seed", "seq_len", "epoch",
                                                      "valid_mse"}  # fmt: skip
    best = best_epochs(frame, "valid_mse")
    assert list(zip(best.seq_len, best.seed, best.epoch, strict=True)) == [
        (5, 0, 2), (5, 1, 1), (9, 0, 1)]  # fmt: skip
    without_lengths = best_epochs(frame.drop(columns="seq_len"), "valid_mse")
    assert list(without_lengths.epoch) == [2, 1]  # runs told apart by kind and seed only
    with pytest.raises(KeyError, match="no column 'valid_nll'"):
        best_epochs(frame, "valid_nll")


def test_the_stored_task_results_load_in_the_order_of_the_tasks():
    results = load_task_results(DATA)
    assert list(results) == list(TASKS)
    assert all(result["experiment"] == name for name, result in results.items())
