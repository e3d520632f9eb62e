"""The benchmark's pieces that do not need Keras or minutes: grid, FLOP counts, timing."""

import pytest

from gru_companion.analysis.step_costs import step_cost
from gru_companion.experiments import bench


def test_grid_starts_at_the_base_size_and_varies_one_axis_at_a_time():
    sizes = bench.grid(bench.DEFAULT_AXES)
    assert sizes[0] == bench.BASE == (64, 100, 64, 256)
    assert len(sizes) == len(set(sizes))
    for size in sizes:
        changed = [a != b for a, b in zip(size, bench.BASE, strict=True)]
        assert sum(changed) <= 1
    batches = {s[0] for s in sizes}
    steps = {s[1] for s in sizes}
    units = {s[3] for s in sizes}
    assert min(batches) == 1 and max(batches) == 128
    assert min(steps) == 10 and max(steps) == 500
    assert min(units) == 32 and max(units) == 512


def test_flop_counts_follow_step_costs():
    flops = bench.flops_of("gru", 64, 100, 64, 256)
    step = step_cost("gru", 64, 256, batch=64)
    assert flops["flops_forward"] == 100 * step.flops.value
    assert flops["flops_forward_backward"] == 100 * (step.flops.value + 4 * step.macs.value)
    assert flops["flops_recurrence_forward"] == 100 * (
        2 * 64 * 256 * 3 * 256 + step.elementwise_ops.value
    )


def test_timeit_repeats_within_bounds_and_peak_is_positive():
    calls = []
    result = bench.timeit(lambda: calls.append(1), budget_s=0.0)
    assert result["repeats"] == 5 and len(calls) == 6  # one warm-up
    assert 0 <= result["min_s"] <= result["median_s"]
    peak = bench.matmul_peak(size=64, repeats=2)
    assert 0 < peak["median_gflops"] <= peak["best_gflops"]


def test_a_row_is_found_by_layer_and_the_sizes_that_differ_from_the_base():
    base = dict(zip(("batch", "steps", "features", "units"), bench.BASE, strict=True))
    rows = [{"layer": "GRU", **base}, {"layer": "GRU", **base, "units": 32},
            {"layer": "LSTM", **base}]  # fmt: skip
    results = {"base": base, "rows": rows}
    assert bench.bench_row(results, "GRU") is rows[0]
    assert bench.bench_row(results, "GRU", units=32) is rows[1]
    assert bench.bench_row(results, "LSTM") is rows[2]
    with pytest.raises(KeyError, match="no row of 'LSTM'"):
        bench.bench_row(results, "LSTM", units=32)


@pytest.mark.parametrize(("dtype", "tolerance"), [("float64", 1e-10), ("float32", 1e-5)])
def test_the_fast_gru_matches_the_readable_one(dtype, tolerance):
    assert bench.fast_matches_readable(dtype, tolerance)
    assert not bench.fast_matches_readable(dtype, 0.0, units=3)  # rounding differs somewhere


def _timed(layer, units, seconds, fastest, load=0.5):
    base = dict(zip(("batch", "steps", "features", "units"), bench.BASE, strict=True))
    return {**base, "layer": layer, "units": units, "keras_function_forward_backward_s": seconds,
            "keras_function_forward_backward_min_s": fastest, "load1": load}  # fmt: skip


def test_time_ratios_compare_two_kinds_width_by_width():
    base = dict(zip(("batch", "steps", "features", "units"), bench.BASE, strict=True))
    rows = [_timed("GRU", 32, 1.2, 1.1), _timed("LSTM", 32, 1.0, 1.0, load=2.0),
            _timed("GRU", 128, 3.0, 2.0), _timed("LSTM", 128, 4.0, 4.0),
            {**_timed("GRU", 64, 9.0, 9.0), "steps": 10}]  # fmt: skip
    ratios = bench.time_ratios({"base": base, "rows": rows})
    assert [r["units"] for r in ratios] == [32, 128]  # the row at 10 steps is not at the base
    assert ratios[0]["ratio"] == pytest.approx(1.2) and ratios[0]["load1"] == 2.0
    assert ratios[1]["ratio_of_fastest"] == pytest.approx(0.5)
    assert ratios[1]["seconds"] == 3.0 and ratios[1]["reference_seconds"] == 4.0
    with pytest.raises(KeyError):
        bench.time_ratios({"base": base, "rows": rows}, timing="numpy_forward")


def test_the_crossover_is_interpolated_in_the_log_of_the_width():
    def at(*pairs):
        return [{"units": units, "ratio": ratio} for units, ratio in pairs]

    assert bench.crossover_units(at((32, 1.2), (128, 0.8))) == pytest.approx(64)
    assert bench.crossover_units(at((32, 1.5), (64, 1.0), (128, 0.5))) == pytest.approx(64)
    assert bench.crossover_units(at((32, 1.1), (64, 0.9), (128, 1.05), (256, 0.7))) == (
        pytest.approx(128 * 2 ** (0.05 / 0.35))
    )  # the last fall through 1 counts
    assert bench.crossover_units(at((32, 0.9), (64, 0.8))) is None
    assert bench.crossover_units(at((32, 1.1), (64, 1.2))) is None


def test_a_keras_gru_step_runs_more_operations_than_an_lstm_step():
    counts = {kind: bench.loop_step_ops(kind) for kind in ("gru", "lstm")}
    for kind, ops in counts.items():
        assert ops["MatMul"] == 2, kind  # the input and the recurrent product
        assert not set(ops) & set(bench.BOOKKEEPING_OPS)
    assert counts["gru"]["Sigmoid"] == 2 and counts["lstm"]["Sigmoid"] == 3
    assert sum(counts["gru"].values()) > sum(counts["lstm"].values())
    assert bench.loop_step_ops("gru", units=64) == counts["gru"]  # whatever the width
