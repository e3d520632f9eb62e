"""The benchmark: the NumPy layers against Keras and against this machine's matmul throughput.

Run ``python -m gru_companion.experiments bench`` (about five minutes on 2 cores) or with
``--quick`` (under a minute); :data:`COMMAND`. For GRU, LSTM and SimpleRNN over a grid
of sizes, one size changed at a time around the base size (batch 64, 100 steps, 64
features, 256 units, float32), it times, with one warm-up call and the median of several repeats:

- NumPy forward and forward + backward (the readable layers; for the GRU also
  :mod:`gru_companion.scratch.fast_gru`);
- Keras forward, eager (``layer(x)``) and compiled (a ``tf.function``), and Keras forward
  + backward (``tf.GradientTape`` inside a ``tf.function``), on the same weights
  (:func:`~gru_companion.keras.bridge.to_keras`);

and reports the ratios NumPy / Keras. FLOPs are counted by formula
(:func:`~gru_companion.analysis.step_costs.sequence_cost`; a backward pass counts twice the
forward's matrix products, its element-wise work is not counted), and achieved GFLOP/s
are given as a fraction of the float32 matrix-product throughput measured in the same run
(the best of 10 products 2048 × 2048 with NumPy's BLAS and all its threads, measured
three times: at the start, after the base size and at the end; the highest counts). At the base
size it also times the GRU's recurrence alone, the per-step product alone (the upper
bound of the loop) and the fast GRU with one BLAS thread.

The results, with a description of the machine (platform, CPU model, cores, BLAS, versions,
load average before and after and at every row), go to ``book/data/bench/`` as JSON and
CSV. Timings on a shared machine are noisy: compare rows of one run, and read the load
average. :func:`bench_row` finds a row of a stored run; :func:`fast_matches_readable` checks
that the fast GRU computes what the readable one computes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import pathlib
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import gru_companion  # noqa: F401  (sets TensorFlow's environment before it is imported)
from gru_companion.analysis.step_costs import sequence_cost
from gru_companion.experiments.cli import Command, progress_argument
from gru_companion.experiments.result_files import cpu_model, write_result
from gru_companion.experiments.training import progress_bar
from gru_companion.kinds import CORE, kind_of
from gru_companion.scratch.fast_gru import fast_gru_backward, fast_gru_forward, fast_gru_recurrence
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.recurrent_layer import layer_class

#: The base size, as (batch, steps, features, units); the grid varies one of them at a time.
BASE = (64, 100, 64, 256)
#: Sizes varied one at a time around BASE in the default grid.
DEFAULT_AXES = {
    "units": (32, 128, 256, 512),
    "steps": (10, 100, 500),
    "batch": (1, 16, 64, 128),
}
QUICK_AXES = {"units": (64, 256), "steps": (20, 100), "batch": (64,)}
#: The kinds timed; each row names its layer by the kind's ``name`` (``"GRU"``).
LAYERS = CORE
OUT_DIR = pathlib.Path(__file__).resolve().parents[4] / "book" / "data" / "bench"


def grid(axes: dict[str, tuple[int, ...]]) -> list[tuple[int, int, int, int]]:
    """The sizes (batch, steps, features, units): BASE, then each axis varied alone."""
    sizes = [BASE]
    batch, steps, features, units = BASE
    for value in axes["units"]:
        sizes.append((batch, steps, features, value))
    for value in axes["steps"]:
        sizes.append((batch, value, features, units))
    for value in axes["batch"]:
        sizes.append((value, steps, features, units))
    return list(dict.fromkeys(sizes))


def timeit(
    fn: Callable[[], Any], *, min_repeats: int = 5, max_repeats: int = 9, budget_s: float = 1.0
) -> dict[str, float]:
    """One warm-up call, then repeats (at least 5, at most 9, within about ``budget_s``)."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_repeats:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= min_repeats and time.perf_counter() - start > budget_s:
            break
    return {"median_s": float(np.median(times)), "min_s": float(min(times)), "repeats": len(times)}


def matmul_peak(size: int = 2048, repeats: int = 10) -> dict[str, float]:
    """Float32 GFLOP/s of NumPy's BLAS on a (size × size) product: best and median."""
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t0)
    flops = 2 * size**3
    return {
        "size": size,
        "best_gflops": flops / min(times) / 1e9,
        "median_gflops": flops / float(np.median(times)) / 1e9,
    }


def machine() -> dict[str, Any]:
    """Platform, CPU model, cores, BLAS and library versions, load average."""
    import keras
    import tensorflow as tf

    cpu = cpu_model()
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    try:
        from threadpoolctl import threadpool_info

        pools = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "version", "architecture")}
            for p in threadpool_info()
        ]
    except ImportError:  # pragma: no cover
        pools = []
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu_model": cpu,
        "cpu_count": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "numpy": np.__version__,
        "blas": {k: blas.get(k) for k in ("name", "version", "openblas configuration")},
        "blas_threadpools": pools,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "gpu": "none used (CPU only)",
    }


def flops_of(kind: str, batch: int, steps: int, features: int, units: int) -> dict[str, int]:
    """Forward FLOPs (step_costs) and forward + backward FLOPs (+ 2 × the forward's MACs · 2)."""
    cost = sequence_cost(kind, features, units, steps, batch=batch, dtype="float32")
    forward = cost.flops.value
    recurrent = steps * (2 * cost.step.recurrent_macs.value + cost.step.elementwise_ops.value)
    return {
        "flops_forward": forward,
        "flops_forward_backward": forward + 4 * cost.macs.value,
        "flops_recurrence_forward": recurrent,
    }


def bench_size(
    kind: str, batch: int, steps: int, features: int, units: int, budget_s: float
) -> dict[str, Any]:
    """Every timing of one kind of layer (a key of ``KINDS``) at one size, as one row."""
    import tensorflow as tf

    from gru_companion.keras.bridge import to_keras

    layer = layer_class(kind).initialized(features, units, seed=0, dtype="float32",
                                          return_sequences=True)  # fmt: skip
    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, steps, features)).astype(np.float32)
    d_out = rng.normal(size=(batch, steps, units)).astype(np.float32)
    keras_layer = to_keras(layer)
    x_tf, d_tf = tf.constant(x), tf.constant(d_out)

    @tf.function
    def keras_forward(inputs: Any) -> Any:
        return keras_layer(inputs)

    @tf.function
    def keras_forward_backward(inputs: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(keras_layer(inputs) * d_tf)
        return tape.gradient(loss, [inputs, *keras_layer.trainable_weights])

    def numpy_forward() -> Any:
        return layer.run(x).outputs

    def numpy_forward_backward() -> Any:
        return layer.backward(layer.run(x, keep_cache=True), d_out)

    agree = float(np.max(np.abs(np.asarray(keras_forward(x_tf)) - numpy_forward())))
    timings = {
        "numpy_forward": timeit(numpy_forward, budget_s=budget_s),
        "numpy_forward_backward": timeit(numpy_forward_backward, budget_s=budget_s),
        "keras_eager_forward": timeit(lambda: keras_layer(x_tf).numpy(), budget_s=budget_s),
        "keras_function_forward": timeit(lambda: keras_forward(x_tf).numpy(), budget_s=budget_s),
        "keras_function_forward_backward": timeit(
            lambda: [g.numpy() for g in keras_forward_backward(x_tf)], budget_s=budget_s
        ),
    }
    if kind == "gru":
        timings["fast_forward"] = timeit(lambda: fast_gru_forward(layer, x), budget_s=budget_s)
        timings["fast_forward_backward"] = timeit(
            lambda: fast_gru_backward(layer, fast_gru_forward(layer, x), d_out), budget_s=budget_s
        )
        with _one_blas_thread():  # the small per-step products need no second thread
            timings["fast1_forward"] = timeit(lambda: fast_gru_forward(layer, x), budget_s=budget_s)
            timings["fast1_forward_backward"] = timeit(
                lambda: fast_gru_backward(layer, fast_gru_forward(layer, x), d_out),
                budget_s=budget_s,
            )
    row: dict[str, Any] = {
        "layer": kind_of(kind).name,
        "batch": batch,
        "steps": steps,
        "features": features,
        "units": units,
        "dtype": "float32",
        "max_abs_diff_keras": agree,
        "load1": os.getloadavg()[0],
    }
    row.update(flops_of(kind, batch, steps, features, units))
    for name, t in timings.items():
        row[f"{name}_s"] = t["median_s"]
        row[f"{name}_min_s"] = t["min_s"]
        row[f"{name}_repeats"] = t["repeats"]
    for impl in ("numpy", "fast", "fast1"):
        if f"{impl}_forward_s" not in row:
            continue
        row[f"ratio_{impl}_forward"] = row[f"{impl}_forward_s"] / row["keras_function_forward_s"]
        row[f"ratio_{impl}_forward_backward"] = (
            row[f"{impl}_forward_backward_s"] / row["keras_function_forward_backward_s"]
        )
    for name in timings:
        total = row["flops_forward_backward" if name.endswith("backward") else "flops_forward"]
        row[f"{name}_gflops"] = total / row[f"{name}_s"] / 1e9
    return row


def _one_blas_thread() -> Any:
    """A context in which NumPy's BLAS uses one thread (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def recurrence_analysis(budget_s: float) -> dict[str, Any]:
    """At BASE: the GRU recurrence alone, its per-step product alone, and one BLAS thread."""
    batch, steps, features, units = BASE
    layer = NumpyGRU.initialized(features, units, seed=0, dtype="float32", return_sequences=True)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, steps, features)).astype(np.float32)
    d_out = rng.normal(size=(batch, steps, units)).astype(np.float32)
    xp = rng.normal(size=(steps, batch, 3 * units)).astype(np.float32)
    h0 = np.zeros((batch, units), np.float32)
    u, b_h = layer.recurrent_kernel, layer.bias[1, 2 * units :]
    out = np.empty((batch, 3 * units), np.float32)
    h = rng.normal(size=(batch, units)).astype(np.float32)

    def products_only() -> None:
        for _ in range(steps):
            np.matmul(h, u, out=out)

    flops = flops_of("gru", *BASE)["flops_recurrence_forward"]
    product_flops = steps * 2 * batch * units * 3 * units
    result = {
        "recurrence_s": timeit(lambda: fast_gru_recurrence(xp, u, b_h, h0), budget_s=budget_s),
        "products_only_s": timeit(products_only, budget_s=budget_s),
        "flops_recurrence_forward": flops,
        "flops_products_only": product_flops,
    }
    with _one_blas_thread():
        result["one_thread_products_only_s"] = timeit(products_only, budget_s=budget_s)
        result["one_thread_recurrence_s"] = timeit(
            lambda: fast_gru_recurrence(xp, u, b_h, h0), budget_s=budget_s
        )
        result["one_thread_fast_forward_backward_s"] = timeit(
            lambda: fast_gru_backward(layer, fast_gru_forward(layer, x), d_out),
            budget_s=budget_s,
        )
        result["one_thread_matmul_peak"] = matmul_peak()
    result["load1"] = os.getloadavg()[0]
    return result


def run(quick: bool = False, verbose: bool = True, show_progress: bool = False) -> dict[str, Any]:
    """Run the benchmark (the quick grid or the default one) and return its results.

    ``verbose`` prints a line per row and the summary; ``show_progress`` shows a progress
    bar with an estimate of the time left. :func:`write_bench` writes the results.
    """
    budget_s = 0.3 if quick else 0.6
    info = machine()
    load_start = os.getloadavg()
    peaks = [matmul_peak()]  # measured at the start, after the base size and at the end
    rows = []
    sizes = grid(QUICK_AXES if quick else DEFAULT_AXES)
    with progress_bar(show_progress) as progress:
        bar = progress.add_task("bench", total=len(sizes) * len(LAYERS))
        for size in sizes:
            for kind in LAYERS:
                progress.update(bar, description=f"bench {kind_of(kind).name} {size}")
                row = bench_size(kind, *size, budget_s=budget_s)
                rows.append(row)
                progress.advance(bar)
                if len(rows) == len(LAYERS):  # once more after the base size's rows
                    peaks.append(matmul_peak())
                if verbose:
                    fast = row.get("ratio_fast_forward_backward")
                    fast1 = row.get("ratio_fast1_forward_backward")
                    print(
                        f"{row['layer']:9s} B={size[0]:3d} T={size[1]:3d} n={size[3]:3d}  "
                        f"fwd+bwd numpy/keras {row['ratio_numpy_forward_backward']:6.2f}"
                        + ("" if fast is None
                           else f"  fast/keras {fast:5.2f} (1 thread {fast1:5.2f})")
                        + f"  load {row['load1']:.1f}",
                        flush=True,
                    )  # fmt: skip
    analysis = recurrence_analysis(budget_s)
    peaks.append(matmul_peak())
    results = {
        "grid": "quick" if quick else "default",
        "base": dict(zip(("batch", "steps", "features", "units"), BASE, strict=True)),
        "machine": info,
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "matmul_peaks": peaks,
        "peak_gflops": max(p["best_gflops"] for p in peaks),
        "recurrence_analysis": analysis,
        "rows": rows,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    results["summary"] = summary(results)
    if verbose:
        print(json.dumps(results["summary"], indent=1))
    return results


def write_bench(results: dict[str, Any], out_dir: str | Path = OUT_DIR) -> list[Path]:
    """Write ``bench-<grid>.json`` (everything) and ``.csv`` (the rows) to ``out_dir``."""
    stem = Path(out_dir) / f"bench-{results['grid']}"
    rows = results["rows"]
    paths = [write_result(stem.with_suffix(".json"), results), stem.with_suffix(".csv")]
    with paths[1].open("w", newline="") as handle:
        fields = list(dict.fromkeys(key for row in rows for key in row))  # first seen, first
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return paths


def bench_row(results: dict[str, Any], layer: str, **size: int) -> dict[str, Any]:
    """The row of ``layer`` (``"GRU"``) at the base size, with the sizes in ``size`` changed.

    Parameters
    ----------
    results
        A benchmark's results (e.g. read back from ``bench-default.json``).
    layer
        The layer as the rows name it: a kind's ``name`` (``"GRU"``, ``"LSTM"``,
        ``"SimpleRNN"``).
    **size
        Sizes that differ from the base size: ``batch``, ``steps``, ``features``, ``units``.

    Raises
    ------
    KeyError
        If no row has that layer and size.
    """
    want = {**results["base"], **size}
    for row in results["rows"]:
        if row["layer"] == layer and all(row[key] == value for key, value in want.items()):
            return row
    raise KeyError(f"no row of {layer!r} at {want}")


def time_ratios(
    results: dict[str, Any],
    kind: str = "gru",
    reference: str = "lstm",
    timing: str = "keras_function_forward_backward",
) -> list[dict[str, Any]]:
    """The time of ``kind`` over that of ``reference`` at every width of a stored run.

    Parameters
    ----------
    results
        A benchmark's results (e.g. read back from ``bench-default.json``).
    kind, reference
        Keys of :data:`~gru_companion.kinds.KINDS` among the run's :data:`LAYERS`.
    timing
        The timed column, without ``_s``: ``"keras_function_forward_backward"`` (Keras,
        forward + backward in a ``tf.function``), ``"keras_function_forward"``, ...

    Returns
    -------
    list of dict
        One per width of the run (batch, steps and features at the base size), by width:
        ``units``, ``seconds`` and ``reference_seconds`` (medians), ``ratio`` and
        ``ratio_of_fastest`` (the same with each side's fastest repeat), ``load1``.

    Raises
    ------
    KeyError
        If the run has no such timing, or no row of either kind at a width.
    """
    layer, other = kind_of(kind).name, kind_of(reference).name
    base = results["base"]
    at_base = [r for r in results["rows"] if all(r[k] == base[k] for k in ("batch", "steps"))]
    widths = sorted({row["units"] for row in at_base if row["features"] == base["features"]})
    found = []
    for units in widths:
        mine, theirs = (
            bench_row(results, layer, units=units),
            bench_row(results, other, units=units),
        )
        found.append({
            "units": units,
            "seconds": mine[f"{timing}_s"],
            "reference_seconds": theirs[f"{timing}_s"],
            "ratio": mine[f"{timing}_s"] / theirs[f"{timing}_s"],
            "ratio_of_fastest": mine[f"{timing}_min_s"] / theirs[f"{timing}_min_s"],
            "load1": max(mine["load1"], theirs["load1"]),
        })  # fmt: skip
    return found


def crossover_units(ratios: list[dict[str, Any]]) -> float | None:
    """The width at which a time ratio of :func:`time_ratios` falls through 1, or ``None``.

    Between the last width with a ratio of at least 1 and the next width, the ratio is
    interpolated linearly in the logarithm of the width (the widths of the grid double).
    ``None`` if the ratio is below 1 at every width or at none.

    Examples
    --------
    >>> crossover_units([{"units": 32, "ratio": 1.2}, {"units": 128, "ratio": 0.8}])
    64.0
    """
    above = [i for i, row in enumerate(ratios) if row["ratio"] >= 1]
    if not above or above[-1] == len(ratios) - 1:
        return None
    low, high = ratios[above[-1]], ratios[above[-1] + 1]
    share = (low["ratio"] - 1) / (low["ratio"] - high["ratio"])
    return float(np.exp(np.log(low["units"]) + share * np.log(high["units"] / low["units"])))


#: Graph nodes that do no work of their own, left out by :func:`loop_step_ops`.
BOOKKEEPING_OPS = ("Const", "Identity", "NoOp")


def loop_step_ops(kind: str, units: int = 8) -> dict[str, int]:
    """The TensorFlow operations one step of a Keras layer's loop runs, by type.

    On a CPU, Keras runs a recurrent layer as a ``while`` loop whose body is one step of
    the cell; every operation in it is dispatched once per step, at a fixed cost of
    microseconds whatever its size. This traces the layer
    (:func:`~gru_companion.keras.cells.keras_layer`) forward in a ``tf.function`` and counts
    the nodes of the loop's body, except :data:`BOOKKEEPING_OPS`. The count does not depend
    on the width.

    Parameters
    ----------
    kind
        A key of :data:`~gru_companion.kinds.KINDS`.
    units
        The width traced.

    Returns
    -------
    dict
        Operation type to count, by type.
    """
    import tensorflow as tf

    from gru_companion.keras.cells import keras_layer

    layer = keras_layer(kind, units)
    traced = tf.function(lambda inputs: layer(inputs))
    graph = traced.get_concrete_function(tf.TensorSpec((2, 3, 4), tf.float32)).graph
    bodies = [f for f in graph.as_graph_def().library.function if "while_body" in f.signature.name]
    if len(bodies) != 1:
        raise RuntimeError(
            f"expected one while loop in the traced {kind} layer, found {len(bodies)}"
        )
    counts: dict[str, int] = {}
    for node in bodies[0].node_def:
        if node.op not in BOOKKEEPING_OPS:
            counts[node.op] = counts.get(node.op, 0) + 1
    return dict(sorted(counts.items()))


def fast_matches_readable(
    dtype: str, tolerance: float, *, batch: int = 4, steps: int = 9, features: int = 5,
    units: int = 7, seed: int = 3,
) -> bool:  # fmt: skip
    """Whether the fast GRU computes the readable GRU's outputs and gradients within ``tolerance``.

    A :class:`~gru_companion.scratch.gru.NumpyGRU` drawn from ``seed`` (inputs, initial
    state and output gradients from ``seed + 1``) runs forward and backward both ways
    (:mod:`gru_companion.scratch.fast_gru`); the outputs and every gradient (inputs,
    initial state, kernel, recurrent kernel, bias) must have the same dtype and shape and
    differ by at most ``tolerance`` times ``max(1, largest magnitude)``.
    """
    layer = NumpyGRU.initialized(features, units, seed=seed, dtype=dtype, return_sequences=True,
                                 return_state=True)  # fmt: skip
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    h0 = rng.normal(size=(batch, units)).astype(dtype)
    d_out = rng.normal(size=(batch, steps, units)).astype(dtype)
    d_last = rng.normal(size=(batch, units)).astype(dtype)
    readable = layer.run(x, h0, keep_cache=True)
    fast = fast_gru_forward(layer, x, h0)
    want = layer.backward(readable, d_out, [d_last])
    got = fast_gru_backward(layer, fast, d_out, d_last)
    pairs = [(fast.outputs, readable.outputs), (got.initial_state, want.initial_states[0])]
    pairs += [(getattr(got, k), getattr(want, k))
              for k in ("inputs", "kernel", "recurrent_kernel", "bias")]  # fmt: skip
    return all(
        a.dtype == b.dtype
        and a.shape == b.shape
        and np.abs(a - b).max() <= tolerance * max(1, np.abs(b).max())
        for a, b in pairs
    )


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """The findings at BASE: time ratios to Keras (forward + backward) and fractions of peak."""
    peak = results["peak_gflops"]
    gru = bench_row(results, kind_of("gru").name)
    a = results["recurrence_analysis"]
    recurrence = a["flops_recurrence_forward"] / a["recurrence_s"]["median_s"] / 1e9
    products = a["flops_products_only"] / a["products_only_s"]["median_s"] / 1e9
    out = {
        "peak_gflops": peak,
        "ratio_fast_forward_backward": gru["ratio_fast_forward_backward"],
        "ratio_readable_forward_backward": gru["ratio_numpy_forward_backward"],
        "ratio_fast_forward": gru["ratio_fast_forward"],
        "ratio_fast1_forward_backward": gru["ratio_fast1_forward_backward"],
        "ratio_fast1_forward": gru["ratio_fast1_forward"],
        "fast1_forward_backward_fraction_of_peak": gru["fast1_forward_backward_gflops"] / peak,
        "fast_forward_backward_fraction_of_peak": gru["fast_forward_backward_gflops"] / peak,
        "keras_forward_backward_fraction_of_peak": gru["keras_function_forward_backward_gflops"]
        / peak,
        "recurrence_gflops": recurrence,
        "recurrence_fraction_of_peak": recurrence / peak,
        "products_only_fraction_of_peak": products / peak,
        "load1_at_base_row": gru["load1"],
    }
    if "one_thread_recurrence_s" in a:
        out["one_thread_recurrence_fraction_of_peak"] = (
            a["flops_recurrence_forward"] / a["one_thread_recurrence_s"]["median_s"] / 1e9 / peak
        )
        out["one_thread_products_only_fraction_of_peak"] = (
            a["flops_products_only"] / a["one_thread_products_only_s"]["median_s"] / 1e9 / peak
        )
        out["one_thread_ratio_fast_forward_backward"] = (
            a["one_thread_fast_forward_backward_s"]["median_s"]
            / gru["keras_function_forward_backward_s"]
        )
    return out


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a small grid (under a minute)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT_DIR,
                        help="folder for JSON and CSV; default book/data/bench")  # fmt: skip
    progress_argument(parser)


#: The subcommand ``bench`` of ``python -m gru_companion.experiments``.
COMMAND = Command(
    "bench",
    "Time the NumPy layers against Keras and this machine's matmul throughput.",
    _add_arguments,
    lambda args: run(quick=args.quick, show_progress=not args.no_progress),
    write=lambda record, args: write_bench(record, args.out),
)
