"""The memory experiment: what it measures, how it measures it, and how it summarises it."""

from __future__ import annotations

from statistics import median

import pytest

from gru_companion.analysis.budgets import model_size, units_for_budget
from gru_companion.analysis.step_costs import sequence_cost
from gru_companion.experiments import memory
from gru_companion.kinds import CORE


def test_each_size_measures_every_kind_at_equal_width_and_the_lstm_at_the_grus_budget():
    plan = memory.configurations(((64, 100), (256, 400)), features=32)
    for width, steps in ((64, 100), (256, 400)):
        rows = [row for row in plan if (row["width"], row["steps"]) == (width, steps)]
        same = [row for row in rows if row["comparison"] == "equal width"]
        assert [row["kind"] for row in same] == list(CORE)
        assert all(row["units"] == width for row in same)
        assert all(row["params"] == model_size(row["kind"], 32, width).total for row in same)
        (budget,) = [row for row in rows if row["comparison"] == "equal budget"]
        want = units_for_budget("lstm", 32, model_size("gru", 32, width).total)
        assert (budget["kind"], budget["units"], budget["params"]) == (
            "lstm",
            want.units,
            want.total,
        )
        assert budget["units"] < width


def test_a_budget_that_changes_no_width_adds_no_configuration():
    plan = memory.configurations(((64, 10),), kinds=("gru", "lstm"), budget_kinds=("gru",))
    assert [row["kind"] for row in plan] == ["gru", "lstm"]


@pytest.mark.parametrize(
    ("sizes", "error"),
    [((), TypeError), ((64, 100), TypeError), (((64,),), TypeError), (((0, 100),), ValueError),
     (((64, -1),), ValueError)],
)  # fmt: skip
def test_bad_sizes_say_what_was_expected(sizes, error):
    with pytest.raises(error):
        memory.configurations(sizes)


def test_bad_kinds_are_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        memory.configurations(kinds=("gru", "transformer"))
    with pytest.raises(TypeError, match="tuple of kind keys"):
        memory.configurations(budget_kinds="lstm")


def test_sizes_are_written_units_x_steps():
    assert memory.parse_size("256x100") == (256, 100)
    assert memory.parse_size("64X400") == (64, 400)
    for bad in ("256", "256x", "0x100", "ax3", "1x2x3"):
        with pytest.raises(ValueError, match="UNITSxSTEPS"):
            memory.parse_size(bad)


def test_measuring_needs_the_allocator_that_counts_its_bytes():
    # this process imported TensorFlow without TF_CPU_ALLOCATOR_USE_BFC
    with pytest.raises(RuntimeError, match="TF_CPU_ALLOCATOR_USE_BFC"):
        memory.measure_step("gru", 4, 3, batch=2, repeats=1)


def test_a_fresh_process_measures_a_step_that_grows_with_the_sequence():
    short = memory.measure_in_subprocess("gru", 64, 25, batch=32, repeats=3)
    long = memory.measure_in_subprocess("gru", 64, 100, batch=32, repeats=3)
    lstm = memory.measure_in_subprocess("lstm", 64, 100, batch=32, repeats=3)
    assert len(short["step_bytes"]) == len(short["step_seconds"]) == 3
    assert len(short["step_cpu_seconds"]) == 3 and min(short["step_cpu_seconds"]) > 0
    assert all(b > 0 for b in short["bytes_before"])  # the weights and Adam's slots
    assert all(p == s + b for p, s, b in zip(short["peak_bytes"], short["step_bytes"],
                                             short["bytes_before"], strict=True))  # fmt: skip
    # what is kept for the backward pass grows with the steps: four times as many
    assert 2.5 < median(long["step_bytes"]) / median(short["step_bytes"]) < 4.5
    # at equal width the LSTM keeps more, and both at least the counted BPTT cache
    assert median(long["step_bytes"]) < median(lstm["step_bytes"])
    assert min(long["step_bytes"]) > sequence_cost("gru", 32, 64, 100, batch=32).cache_bytes.value
    assert short["peak_rss_mib"] > 100  # the process, TensorFlow included


def test_a_failing_process_reports_its_error():
    with pytest.raises(RuntimeError, match="failed"):
        memory.measure_in_subprocess("gru", 4, 3, batch=-2, timeout_s=120)


def _row(kind, units, width, comparison, step_mib, seconds, steps=10):
    return {"kind": kind, "units": units, "steps": steps, "width": width,
            "comparison": comparison, "params": units, "step_mib": step_mib,
            "step_seconds": seconds,
        "step_cpu_seconds": 2 * seconds,
            "bptt_cache_mib": {"gru": 5, "lstm": 7}[kind] * units / 100}  # fmt: skip


def test_the_summary_takes_medians_and_ratios_at_equal_width_and_budget():
    rows = [_row("gru", 100, 100, "equal width", mib, s) for mib, s in ((9, 2), (10, 1), (30, 3))]
    rows += [_row("lstm", 100, 100, "equal width", mib, 2.0) for mib in (20, 20, 21)]
    rows += [_row("lstm", 80, 100, "equal budget", mib, 1.0) for mib in (12, 16, 8)]
    (entry,) = memory.memory_summary({"config": {"batch": 4}, "rows": rows})
    assert (entry["width"], entry["steps"]) == (100, 10)
    assert entry["gru"]["step_mib"] == 10 and entry["gru"]["step_mib_range"] == [9, 30]
    assert entry["gru"]["step_seconds"] == 2 and entry["gru"]["step_seconds_fastest"] == 1
    assert entry["gru"]["values_per_unit_step"] == 10 * 2**20 / (4 * 4 * 10 * 100)
    assert entry["gru_lstm_memory_width"] == pytest.approx(10 / 20)
    assert entry["gru_lstm_memory_budget"] == pytest.approx(10 / 12)
    assert entry["gru_lstm_time_width"] == pytest.approx(1 / 2.0)
    assert entry["gru"]["step_cpu_seconds"] == 4
    assert entry["gru_lstm_cpu_time_width"] == pytest.approx(4 / 4.0)
    assert entry["gru_lstm_predicted_width"] == pytest.approx(5 / 7)
    assert entry["gru_lstm_predicted_budget"] == pytest.approx(5 * 100 / (7 * 80))


def test_without_a_budget_row_the_budget_is_the_equal_width_one():
    rows = [
        _row("gru", 10, 10, "equal width", 1.0, 1.0),
        _row("lstm", 10, 10, "equal width", 2.0, 1.0),
    ]
    (entry,) = memory.memory_summary({"config": {"batch": 1}, "rows": rows})
    assert entry["gru_lstm_memory_budget"] == entry["gru_lstm_memory_width"] == 0.5


def test_run_memory_records_method_config_machine_and_a_row_per_repeat(monkeypatch):
    calls = []

    def fake(kind, units, steps, **options):
        calls.append((kind, units, steps, options))
        return {"step_bytes": [2**20, 3 * 2**20], "bytes_before": [2**20, 2**20],
                "peak_bytes": [2 * 2**20, 4 * 2**20], "step_seconds": [0.5, 0.25],
            "step_cpu_seconds": [0.75, 0.5],
                "rss_mib": 700.0, "peak_rss_mib": 800.0}  # fmt: skip

    monkeypatch.setattr(memory, "measure_in_subprocess", fake)
    result = memory.run_memory(((16, 5),), kinds=("gru", "lstm"), batch=4, features=3, repeats=2)
    assert [call[:3] for call in calls] == [("gru", 16, 5), ("lstm", 16, 5), ("lstm", 14, 5)]
    assert calls[0][3] == {"batch": 4, "features": 3, "repeats": 2, "seed": 0}
    assert result["method"] == memory.METHOD and "TF_CPU_ALLOCATOR_USE_BFC" in result["method"]
    assert result["config"]["sizes"] == [[16, 5]] and result["config"]["batch"] == 4
    assert result["config"]["environment"] == memory.ALLOCATOR_ENVIRONMENT
    assert "tensorflow" in result["machine"] and "cpu_model" in result["machine"]
    assert len(result["rows"]) == 3 * 2
    first = result["rows"][0]
    assert first["layer"] == "GRU" and first["repeat"] == 0
    assert (first["step_mib"], first["before_mib"], first["peak_rss_mib"]) == (1.0, 1.0, 800.0)
    assert (first["step_seconds"], first["step_cpu_seconds"]) == (0.5, 0.75)
    cache = sequence_cost("gru", 3, 16, 5, batch=4).cache_bytes.value
    assert first["bptt_cache_mib"] == cache / 2**20
    assert result["summary"] == memory.memory_summary(result)


def test_the_command_parses_its_defaults_and_sizes():
    import argparse

    parser = argparse.ArgumentParser()
    memory.COMMAND.add_arguments(parser)
    args = parser.parse_args([])
    assert tuple(args.sizes) == memory.DEFAULT_SIZES and args.repeats == 3
    args = parser.parse_args(["--sizes", "8x4", "16x2", "--batch", "2", "--no-progress"])
    assert args.sizes == [(8, 4), (16, 2)] and args.batch == 2 and args.no_progress
    assert memory.COMMAND.name == "memory"
