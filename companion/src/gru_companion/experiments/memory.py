"""The experiment ``memory``: the peak memory of one Keras training step, GRU against LSTM.

Tutorials say a GRU "uses less memory" than an LSTM. The counts of
:mod:`gru_companion.analysis.step_costs` predict it for a hand-written backpropagation
through time; :func:`run_memory` measures it for Keras. For each size (units, steps) it
trains ``Input → layer → Dense(1)`` (:func:`~gru_companion.experiments.training.build_model`,
Adam, mean squared error) on one batch of random data, for the kinds of ``kinds`` at equal
width, and for those of ``budget_kinds`` also at the parameter budget of the ``reference``
kind at that width (:func:`~gru_companion.analysis.budgets.units_for_budget`).

**How the memory is measured.** TensorFlow's CPU allocator keeps no statistics by default
(``tf.config.experimental.get_memory_info("CPU:0")`` raises "Allocator stats not
available"). With the environment variable ``TF_CPU_ALLOCATOR_USE_BFC=true`` set before
TensorFlow is imported (:data:`ALLOCATOR_ENVIRONMENT`), the CPU gets TensorFlow's BFC
allocator, which counts the bytes of every tensor it hands out: its ``current`` and
``peak`` bytes are then readable, and ``reset_memory_stats`` sets the peak back to the
current bytes. Each configuration runs in its own fresh Python process
(:func:`measure_in_subprocess`), so that nothing an earlier configuration left behind
(freed blocks, traced graphs) counts for it. In that process :func:`measure_step` builds
and compiles the model, runs one training step (``train_on_batch``: forward, backward and
Adam update) to trace the graph and create the optimizer's slots, and then, ``repeats``
times: resets the peak, reads the bytes in use (the weights, the optimizer's state and
the batch), runs one training step and reads the peak. **The step's working memory is the
peak minus the bytes in use before it**: everything the step allocates on top of what
persists between steps (activations kept for the backward pass, gradients, temporaries).
The repeats show the spread; the summary uses their median.

Beside it each row records what the count of :mod:`~gru_companion.analysis.step_costs`
predicts (the cache of a hand-written BPTT, which recomputes nothing and keeps nothing
else), the step's wall-clock and CPU time (the CPU time of all threads, less disturbed
than the wall-clock time by other work on a shared machine, but counting the work of
every thread), and the process's peak resident memory (``VmHWM``, which also holds
TensorFlow itself).

Run ``python -m gru_companion.experiments memory`` (about three minutes on 2 cores):
:data:`COMMAND`; :func:`memory_summary` reads a stored result.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from gru_companion import validation
from gru_companion.analysis.budgets import model_size, units_for_budget
from gru_companion.analysis.step_costs import sequence_cost
from gru_companion.experiments.cli import Command, progress_argument
from gru_companion.experiments.training import progress_bar
from gru_companion.kinds import CORE, kind_of
from gru_companion.validation import check_positive_int

#: The environment a measuring process sets before TensorFlow is imported (the CPU's BFC
#: allocator), whose byte counts ``tf.config.experimental.get_memory_info("CPU:0")`` reads.
ALLOCATOR_ENVIRONMENT = {"TF_CPU_ALLOCATOR_USE_BFC": "true"}

#: The default sizes as (units, steps), three widths at 100 steps and two at 400 (a step of
#: 1,024 units over 400 steps takes several seconds, and the memory grows linearly with
#: the steps, which the smaller widths show).
DEFAULT_SIZES = ((64, 100), (256, 100), (1024, 100), (64, 400), (256, 400))
DEFAULT_BATCH = 64
DEFAULT_FEATURES = 32
DEFAULT_REPEATS = 3
OUT_PATH = pathlib.Path(__file__).resolve().parents[4] / "book" / "data" / "bench" / "memory.json"

#: How :func:`run_memory` measures, as stored in its result.
METHOD = (
    "Peak bytes of TensorFlow's CPU allocator (BFC, TF_CPU_ALLOCATOR_USE_BFC=true) during "
    "one train_on_batch step (forward, backward, Adam update), minus the bytes in use just "
    "before it; one fresh Python process per configuration, one unmeasured step first "
    "(tracing, optimizer slots), then the peak reset before each measured step."
)

_MIB = 2**20


def _check_sizes(sizes: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(sizes, (list, tuple)) or not sizes:
        raise TypeError(f"sizes must be a non-empty sequence of (units, steps), got {sizes!r}")
    checked = []
    for size in sizes:
        if not isinstance(size, (list, tuple)) or len(size) != 2:
            raise TypeError(f"each size must be a pair (units, steps), got {size!r}")
        checked.append((check_positive_int("units", size[0]), check_positive_int("steps", size[1])))
    return tuple(checked)


def _check_kinds(name: str, kinds: Any) -> tuple[str, ...]:
    if not isinstance(kinds, (list, tuple)):
        raise TypeError(f"{name} must be a tuple of kind keys, got {kinds!r}")
    for kind in kinds:
        kind_of(kind)
    return tuple(kinds)


def configurations(
    sizes: Sequence[tuple[int, int]] = DEFAULT_SIZES,
    *,
    kinds: Sequence[str] = CORE,
    budget_kinds: Sequence[str] = ("lstm",),
    reference: str = "gru",
    features: int = DEFAULT_FEATURES,
) -> list[dict[str, Any]]:
    """What :func:`run_memory` measures: one configuration per kind, width and length.

    For each size (units, steps): every kind of ``kinds`` with ``units`` units (equal
    width), then every kind of ``budget_kinds`` with the units whose model (layer and
    ``Dense(1)`` read-out) comes closest to the parameters of the ``reference`` kind's
    model at ``units`` (equal budget), unless that is the width already measured.

    Returns
    -------
    list of dict
        Each with ``kind``, ``units``, ``steps``, ``params`` (the model's parameters),
        ``width`` (the size's units, which the row is compared at) and ``comparison``
        (``"equal width"`` or ``"equal budget"``).

    Raises
    ------
    TypeError, ValueError
        If a size is not a pair of positive integers or a kind is unknown.
    """
    sizes = _check_sizes(sizes)
    kinds = _check_kinds("kinds", kinds)
    budget_kinds = _check_kinds("budget_kinds", budget_kinds)
    kind_of(reference)
    features = check_positive_int("features", features)
    rows = []
    for width, steps in sizes:
        budget = model_size(reference, features, width).total
        for kind in kinds:
            rows.append({"kind": kind, "units": width, "steps": steps, "width": width,
                         "comparison": "equal width",
                         "params": model_size(kind, features, width).total})  # fmt: skip
        for kind in budget_kinds:
            size = units_for_budget(kind, features, budget)
            if kind == reference or (kind in kinds and size.units == width):
                continue
            rows.append({"kind": kind, "units": size.units, "steps": steps, "width": width,
                         "comparison": "equal budget", "params": size.total})  # fmt: skip
    return rows


def _process_memory_mib() -> dict[str, float]:
    """This process's resident memory now (``VmRSS``) and at its peak (``VmHWM``), in MiB."""
    found = {}
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(line.split()[1]) / 1024  # kB
    except OSError:  # not on Linux
        pass
    return {"rss_mib": found.get("VmRSS"), "peak_rss_mib": found.get("VmHWM")}


def measure_step(
    kind: str,
    units: int,
    steps: int,
    *,
    batch: int = DEFAULT_BATCH,
    features: int = DEFAULT_FEATURES,
    repeats: int = DEFAULT_REPEATS,
    seed: int = 0,
) -> dict[str, Any]:
    """Measure the working memory of one training step, in this process.

    Call it in a process that set :data:`ALLOCATOR_ENVIRONMENT` before importing
    TensorFlow, and measured nothing before (:func:`measure_in_subprocess` does both).
    The method is the module's.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    units, steps, batch, features
        The layer's width, and the batch's shape (batch, steps, features).
    repeats
        Measured steps, after one unmeasured step.
    seed
        Seeds the weights and the random batch.

    Returns
    -------
    dict
        ``step_bytes``, ``bytes_before``, ``peak_bytes``, ``step_seconds`` (wall-clock
        time) and ``step_cpu_seconds`` (the CPU time of all the process's threads): lists
        with one value per repeat; ``rss_mib`` and ``peak_rss_mib``: the process's resident
        memory after the last step.

    Raises
    ------
    RuntimeError
        If TensorFlow's CPU allocator keeps no statistics (the environment variable was
        not set before TensorFlow was imported).
    """
    kind_of(kind)
    units, steps = check_positive_int("units", units), check_positive_int("steps", steps)
    batch, features = check_positive_int("batch", batch), check_positive_int("features", features)
    repeats = check_positive_int("repeats", repeats)
    import keras
    import tensorflow as tf

    from gru_companion.experiments.training import build_model

    try:
        tf.config.experimental.get_memory_info("CPU:0")
    except ValueError as error:
        raise RuntimeError(
            "TensorFlow's CPU allocator keeps no statistics in this process: set "
            f"{ALLOCATOR_ENVIRONMENT} before TensorFlow is imported "
            f"(measure_in_subprocess does); TensorFlow said: {error}"
        ) from error
    keras.utils.set_random_seed(seed)
    model = build_model(kind, features, units, 1, steps=steps, loss="mse")
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=(batch, steps, features)).astype(np.float32))
    y = tf.constant(rng.normal(size=(batch, 1)).astype(np.float32))
    model.train_on_batch(x, y)  # traces the step and creates Adam's slots
    names = ("step_bytes", "bytes_before", "peak_bytes", "step_seconds", "step_cpu_seconds")
    result: dict[str, Any] = {name: [] for name in names}
    for _ in range(repeats):
        tf.config.experimental.reset_memory_stats("CPU:0")
        before = tf.config.experimental.get_memory_info("CPU:0")["current"]
        start, cpu_start = time.perf_counter(), time.process_time()
        model.train_on_batch(x, y)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        peak = tf.config.experimental.get_memory_info("CPU:0")["peak"]
        result["step_bytes"].append(int(peak - before))
        result["bytes_before"].append(int(before))
        result["peak_bytes"].append(int(peak))
        result["step_seconds"].append(seconds)
        result["step_cpu_seconds"].append(cpu_seconds)
    result.update(_process_memory_mib())
    return result


#: The program a measuring process runs: :func:`measure_step` on the JSON of its first
#: argument, the result printed as JSON on the last line.
_CHILD_PROGRAM = (
    "import json, sys\n"
    "from gru_companion.experiments.memory import measure_step\n"
    "print(json.dumps(measure_step(**json.loads(sys.argv[1]))))\n"
)


def measure_in_subprocess(
    kind: str,
    units: int,
    steps: int,
    *,
    batch: int = DEFAULT_BATCH,
    features: int = DEFAULT_FEATURES,
    repeats: int = DEFAULT_REPEATS,
    seed: int = 0,
    timeout_s: float = 600.0,
) -> dict[str, Any]:
    """:func:`measure_step` in a fresh Python process with TensorFlow's BFC allocator.

    Arguments and result as :func:`measure_step`; ``timeout_s`` bounds the process.

    Raises
    ------
    RuntimeError
        If the process fails (its standard error ends the message).
    """
    arguments = {"kind": kind, "units": units, "steps": steps, "batch": batch,
                 "features": features, "repeats": repeats, "seed": seed}  # fmt: skip
    environment = {**os.environ, **ALLOCATOR_ENVIRONMENT}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD_PROGRAM, json.dumps(arguments)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"measuring {arguments} failed (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    return json.loads(lines[-1])


def run_memory(
    sizes: Sequence[tuple[int, int]] = DEFAULT_SIZES,
    *,
    kinds: Sequence[str] = CORE,
    budget_kinds: Sequence[str] = ("lstm",),
    reference: str = "gru",
    batch: int = DEFAULT_BATCH,
    features: int = DEFAULT_FEATURES,
    repeats: int = DEFAULT_REPEATS,
    seed: int = 0,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Measure every configuration of :func:`configurations`, each in a fresh process.

    Parameters
    ----------
    sizes
        Pairs (units, steps).
    kinds, budget_kinds, reference
        As for :func:`configurations`.
    batch, features, repeats, seed
        As for :func:`measure_step`.
    show_progress
        Show a progress bar with an estimate of the time left.

    Returns
    -------
    dict
        ``method`` (:data:`METHOD`), ``config``, ``machine`` (the benchmark's description:
        CPU, BLAS, versions, TensorFlow's threads), ``rows`` (one per configuration and
        repeat: ``kind``, ``units``, ``steps``, ``width``, ``comparison``, ``params``,
        ``repeat``, ``step_mib``, ``before_mib``, ``step_seconds``, ``step_cpu_seconds``, the
        predicted
        ``bptt_cache_mib``, the process's ``peak_rss_mib`` and the load average) and
        ``summary`` (:func:`memory_summary`).
    """
    from gru_companion.experiments.bench import machine

    plan = configurations(sizes, kinds=kinds, budget_kinds=budget_kinds, reference=reference,
                          features=features)  # fmt: skip
    batch, repeats = check_positive_int("batch", batch), check_positive_int("repeats", repeats)
    rows = []
    with progress_bar(show_progress) as progress:
        bar = progress.add_task("memory", total=len(plan))
        for config in plan:
            name = kind_of(config["kind"]).name
            progress.update(bar, description=f"memory {name} {config['units']}x{config['steps']}")
            measured = measure_in_subprocess(config["kind"], config["units"], config["steps"],
                                             batch=batch, features=features, repeats=repeats,
                                             seed=seed)  # fmt: skip
            cache = sequence_cost(config["kind"], features, config["units"], config["steps"],
                                  batch=batch).cache_bytes.value  # fmt: skip
            for repeat in range(repeats):
                rows.append({
                    **config,
                    "layer": name,
                    "repeat": repeat,
                    "step_mib": measured["step_bytes"][repeat] / _MIB,
                    "before_mib": measured["bytes_before"][repeat] / _MIB,
                    "step_seconds": measured["step_seconds"][repeat],
                    "step_cpu_seconds": measured["step_cpu_seconds"][repeat],
                    "bptt_cache_mib": cache / _MIB,
                    "peak_rss_mib": measured["peak_rss_mib"],
                    "load1": os.getloadavg()[0],
                })  # fmt: skip
            progress.advance(bar)
    result = {
        "method": METHOD,
        "config": {
            "sizes": [list(size) for size in _check_sizes(sizes)],
            "kinds": list(kinds),
            "budget_kinds": list(budget_kinds),
            "reference": reference,
            "batch": batch,
            "features": features,
            "repeats": repeats,
            "seed": seed,
            "model": "Input -> layer -> Dense(1), Adam (learning rate 0.01), MSE",
            "environment": ALLOCATOR_ENVIRONMENT,
        },  # fmt: skip
        "machine": machine(),
        "rows": rows,
    }
    result["summary"] = memory_summary(result)
    return result


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def memory_summary(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings per size: medians over repeats, and GRU / LSTM ratios.

    Parameters
    ----------
    result
        A result of :func:`run_memory` (e.g. read back from ``book/data/bench/memory.json``),
        measured with the kinds ``"gru"`` and ``"lstm"``.

    Returns
    -------
    list of dict
        One per size (``width``, ``steps``), in the order measured, with, for each
        configuration measured at that size, keyed ``"<kind>"`` at equal width and
        ``"<kind>_budget"`` at equal budget: ``units``, ``params``, ``step_mib`` (median),
        ``step_mib_range`` (min, max), ``values_per_unit_step`` (the median step memory
        in float32 values per unit, step and sequence), ``step_seconds`` (median),
        ``step_seconds_fastest`` (the fastest repeat, the least disturbed by other work on
        the machine), ``step_cpu_seconds`` (median) and ``bptt_cache_mib``; and the ratios
        ``gru_lstm_memory_width``, ``gru_lstm_memory_budget`` (of the medians),
        ``gru_lstm_time_width``, ``gru_lstm_time_budget`` (of the fastest repeats),
        ``gru_lstm_cpu_time_width``, ``gru_lstm_cpu_time_budget`` (of the medians of the
        CPU time), ``gru_lstm_predicted_width``,
        ``gru_lstm_predicted_budget`` (of the counted BPTT caches), where both sides
        were measured.
    """
    batch = result["config"]["batch"]
    groups: dict[tuple[int, int], dict[str, list[dict[str, Any]]]] = {}
    for row in result["rows"]:
        size = groups.setdefault((row["width"], row["steps"]), {})
        key = row["kind"] if row["comparison"] == "equal width" else f"{row['kind']}_budget"
        size.setdefault(key, []).append(row)
    findings = []
    for (width, steps), by_key in groups.items():
        entry: dict[str, Any] = {"width": width, "steps": steps}
        for key, rows in by_key.items():
            memory = [row["step_mib"] for row in rows]
            seconds = [row["step_seconds"] for row in rows]
            units = rows[0]["units"]
            entry[key] = {
                "units": units,
                "params": rows[0]["params"],
                "step_mib": _median(memory),
                "step_mib_range": [min(memory), max(memory)],
                "values_per_unit_step": _median(memory) * _MIB / (4 * batch * steps * units),
                "step_seconds": _median(seconds),
                "step_seconds_fastest": min(seconds),
                "step_cpu_seconds": _median([row["step_cpu_seconds"] for row in rows]),
                "bptt_cache_mib": rows[0]["bptt_cache_mib"],
            }
        gru = entry.get("gru")
        for label, lstm in (("width", entry.get("lstm")), ("budget", entry.get("lstm_budget"))):
            if label == "budget" and lstm is None:
                lstm = entry.get("lstm")  # the budget gave the LSTM the same width
            if gru is None or lstm is None:
                continue
            entry[f"gru_lstm_memory_{label}"] = gru["step_mib"] / lstm["step_mib"]
            entry[f"gru_lstm_time_{label}"] = (
                gru["step_seconds_fastest"] / lstm["step_seconds_fastest"]
            )
            entry[f"gru_lstm_cpu_time_{label}"] = gru["step_cpu_seconds"] / lstm["step_cpu_seconds"]
            entry[f"gru_lstm_predicted_{label}"] = gru["bptt_cache_mib"] / lstm["bptt_cache_mib"]
        findings.append(entry)
    return findings


def parse_size(text: str) -> tuple[int, int]:
    """A size written ``UNITSxSTEPS`` (``"256x100"``) as the pair (256, 100)."""
    return validation.parse_size(text, "UNITSxSTEPS", "256x100")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    default_sizes = " ".join(f"{units}x{steps}" for units, steps in DEFAULT_SIZES)
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=list(DEFAULT_SIZES),
                        metavar="UNITSxSTEPS", help=f"default {default_sizes}")  # fmt: skip
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                        help="sequences per batch; default %(default)s")  # fmt: skip
    parser.add_argument("--features", type=int, default=DEFAULT_FEATURES,
                        help="features per step; default %(default)s")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="measured steps per configuration; default %(default)s")  # fmt: skip
    parser.add_argument("--out", type=pathlib.Path, default=OUT_PATH,
                        help="JSON file to write; default book/data/bench/memory.json")  # fmt: skip
    progress_argument(parser)


#: The subcommand ``memory`` of ``python -m gru_companion.experiments``.
COMMAND = Command(
    "memory",
    "Measure the peak memory of one Keras training step, GRU against LSTM and tanh RNN.",
    _add_arguments,
    lambda args: run_memory(
        tuple(args.sizes),
        batch=args.batch,
        features=args.features,
        repeats=args.repeats,
        show_progress=not args.no_progress,
    ),
    digits=5,
)
