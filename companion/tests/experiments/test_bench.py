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
