"""Result files record how they were made and read back what was written."""

from __future__ import annotations

from gru_companion.experiments.result_files import (
    command_line,
    load_result,
    machine_description,
    package_versions,
    rounded_floats,
    write_result,
)


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


def test_the_cpu_model_is_named():
    from gru_companion.experiments.result_files import cpu_model

    assert isinstance(cpu_model(), str) and cpu_model().strip()
