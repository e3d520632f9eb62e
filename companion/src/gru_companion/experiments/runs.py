"""Experiments that compare tanh RNNs, LSTMs and GRUs with matched parameter budgets.

Every comparison here follows the same recipe, that of Chung et al. (2014): for each kind
of recurrent layer, choose the number of units whose model (the recurrent layer plus its
``Dense`` read-out) has about the same number of parameters as the others
(:func:`units_for_budget`), train it from fixed seeds
(:func:`~gru_companion.reproducibility.seed_everything`) and record, after every epoch,
the training, validation and test metrics and the seconds spent training.

Three experiments can be run from the command line; each writes one small JSON file
holding the exact command, the package versions and a description of the machine beside
the results::

    python -m gru_companion.experiments.runs chorales --seeds 3 --epochs 150 --batch-size 4 \\
        --learning-rate 0.01
    python -m gru_companion.experiments.runs adding --seeds 3 --epochs 15 --n-train 3000 \\
        --lengths 50 100 200 400
    python -m gru_companion.experiments.runs copy --seeds 3 --epochs 20 --n-train 4000 \\
        --lengths 10 25 50 100 --copy-len 3 --symbols 4

(the commands that made the course's stored results; each file records its own).

* ``chorales``: next-step prediction of the Bach chorales of
  :mod:`~gru_companion.data.chorales`, with the negative log-likelihood per time step
  (:func:`~gru_companion.data.chorales.bernoulli_nll`) as the metric.
* ``adding``: the adding problem of :mod:`~gru_companion.data.synthetic` at several
  sequence lengths; mean squared error, and accuracy as the share of sums predicted
  within 0.04.
* ``copy``: the copy-memory task at several delays; cross-entropy per step and the
  accuracy over the symbols to copy.

Timings depend on the machine and on what else runs on it; they are recorded, with the
machine, but never compared with other machines' timings.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.analysis.budgets import ModelSize, units_for_budget
from gru_companion.experiments.result_files import (
    command_line,
    machine_description,
    package_versions,
    rounded_floats,
    write_result,
)
from gru_companion.validation import check_choice, check_positive_int

KINDS = ("simple_rnn", "lstm", "gru")
"""The recurrent layers compared, tanh RNN (``SimpleRNN``), ``LSTM`` and ``GRU``."""

DISPLAY_NAMES = {"simple_rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
"""How the book names each kind."""

EXPERIMENTS = ("chorales", "adding", "copy", "sunspots")
"""The experiments :func:`main` runs."""

ADDING_TOLERANCE = 0.04
"""A sum predicted within this distance of the target counts as correct (adding problem)."""


def build_model(
    kind: str,
    input_dim: int,
    units: int,
    output_dim: int,
    *,
    return_sequences: bool,
    name: str | None = None,
) -> Any:
    """A Keras model: ``Input``, one recurrent layer, a linear ``Dense`` read-out.

    The read-out returns logits (or the value itself for regression); the losses apply
    the sigmoid or softmax. Layers are named (``"recurrent"``, ``"readout"``), so that
    summaries do not depend on how many models were built before.
    """
    import keras

    check_choice("kind", kind, KINDS)
    layer_class = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
                   "gru": keras.layers.GRU}[kind]  # fmt: skip
    inputs = keras.Input(shape=(None, input_dim), name="frames")
    hidden = layer_class(units, return_sequences=return_sequences, name="recurrent")(inputs)
    outputs = keras.layers.Dense(output_dim, name="readout")(hidden)
    return keras.Model(inputs, outputs, name=name or f"{kind}_{units}")


# --- training ----------------------------------------------------------------------------


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


class _NullProgress:
    """Stands in for a rich progress bar when none is wanted."""

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None

    def advance(self, *args: Any, **kwargs: Any) -> None:
        return None


def train_run(
    model: Any,
    fit_data: tuple[np.ndarray, ...],
    evaluate: Any,
    *,
    epochs: int,
    batch_size: int,
    progress: Any = None,
    task: int = 0,
) -> list[dict[str, float]]:
    """Train ``model`` epoch by epoch; after each, time it and record ``evaluate(model)``.

    Parameters
    ----------
    model
        A compiled Keras model.
    fit_data
        ``(inputs, targets)`` or ``(inputs, targets, sample_weight)`` for ``model.fit``.
    evaluate
        A function of the model returning a dict of metrics (floats).
    epochs, batch_size
        As for ``model.fit``.
    progress, task
        A rich progress bar and its task, advanced once per epoch (optional).

    Returns
    -------
    list of dict
        One dict per epoch: ``epoch``, the metrics, ``epoch_seconds`` (training only) and
        ``train_seconds`` (cumulative training time, evaluation excluded).
    """
    check_positive_int("epochs", epochs)
    inputs, targets, *weights = fit_data
    sample_weight = weights[0] if weights else None
    history = []
    elapsed = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.fit(inputs, targets, sample_weight=sample_weight, batch_size=batch_size,
                  epochs=1, shuffle=True, verbose=0)  # fmt: skip
        seconds = time.perf_counter() - start
        elapsed += seconds
        row = {"epoch": epoch, **{k: float(v) for k, v in evaluate(model).items()}}
        row["epoch_seconds"] = seconds
        row["train_seconds"] = elapsed
        history.append(row)
        if progress is not None:
            progress.advance(task)
    return history


def _compile(model: Any, loss: Any, learning_rate: float) -> None:
    import keras

    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate, clipnorm=1.0),
        loss=loss,
    )


def _predict(model: Any, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's outputs, batch by batch, through one ``tf.function`` kept per model.

    Its input signature leaves the batch size and the length open, so it is traced once
    (``model.predict`` traces again for each new shape, and warns about it).
    """
    import tensorflow as tf

    forward = getattr(model, "_course_forward", None)
    if forward is None:
        spec = tf.TensorSpec((None, None, inputs.shape[-1]), tf.float32)
        forward = tf.function(lambda x: model(x, training=False), input_signature=[spec])
        model._course_forward = forward
    parts = [
        np.asarray(forward(tf.constant(inputs[start : start + batch_size])))
        for start in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(parts)


# --- the chorales ------------------------------------------------------------------------


def chorale_arrays(subset: str = "full") -> dict[str, Any]:
    """Padded next-step arrays of each split of the chorales (see :mod:`.chorales`)."""
    from gru_companion.data.chorales import load_chorales, next_step_batch

    data = load_chorales(subset)
    return {split: next_step_batch(list(data.rolls(split))) for split in ("train", "valid", "test")}


def run_chorales(
    *,
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 150,
    budget: int = 20_000,
    subset: str = "full",
    batch_size: int = 4,
    learning_rate: float = 1e-2,
    kinds: Sequence[str] = KINDS,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train each kind on the chorales from each seed; NLL per time step after each epoch.

    The model reads frame t (88 keys) and returns 88 logits for frame t + 1; padded steps
    get zero weight in the loss. The recorded NLL is
    :func:`~gru_companion.data.chorales.bernoulli_nll` over the real steps of a whole split.

    Returns
    -------
    dict
        ``config`` (the arguments, the sizes of the splits) and ``runs``: for each kind and
        seed, the units, the exact parameter counts and the per-epoch ``history``
        (``train_nll``, ``valid_nll``, ``test_nll``, ``epoch_seconds``, ``train_seconds``).
    """
    from gru_companion.data.chorales import N_KEYS, bernoulli_nll
    from gru_companion.reproducibility import seed_everything

    arrays = chorale_arrays(subset)

    def evaluate(model: Any) -> dict[str, float]:
        return {
            f"{split}_nll": bernoulli_nll(
                _predict(model, batch.inputs), batch.targets, batch.mask, from_logits=True
            )
            for split, batch in arrays.items()
        }

    import keras

    train = arrays["train"]
    fit_data = (train.inputs, train.targets, train.mask.astype(np.float32))
    runs = []
    progress = _progress() if show_progress else _NullProgress()
    context = progress if show_progress else _nullcontext()
    with context:
        task = progress.add_task("chorales", total=len(kinds) * len(seeds) * epochs)
        for kind in kinds:
            size = units_for_budget(kind, N_KEYS, budget, N_KEYS)
            for seed in seeds:
                progress.update(task, description=f"chorales {DISPLAY_NAMES[kind]} seed {seed}")
                seed_everything(seed)
                model = build_model(kind, N_KEYS, size.units, N_KEYS, return_sequences=True)
                assert model.count_params() == size.total
                _compile(model, keras.losses.BinaryCrossentropy(from_logits=True), learning_rate)
                history = train_run(model, fit_data, evaluate, epochs=epochs,
                                    batch_size=batch_size, progress=progress, task=task)
                runs.append(_run_record(kind, seed, size, history))
                keras.backend.clear_session()
    config = {
        "subset": subset, "epochs": epochs, "seeds": list(seeds), "budget": budget,
        "batch_size": batch_size, "optimizer": "RMSprop", "learning_rate": learning_rate,
        "clipnorm": 1.0,
        "pieces": {split: int(len(batch.lengths)) for split, batch in arrays.items()},
        "steps": {split: int(batch.lengths.sum()) for split, batch in arrays.items()},
    }  # fmt: skip
    return {"config": config, "runs": runs}


# --- the synthetic tasks -----------------------------------------------------------------


@dataclass(frozen=True)
class _Setting:
    """One setting of a sweep (a length, a delay, a window) for one seed: what to train on,
    how to score it, and the fields it adds to each run's record."""

    fit_data: tuple[np.ndarray, ...]
    evaluate: Callable[[Any], dict[str, float]]
    input_dim: int
    output_dim: int
    return_sequences: bool
    loss: Any
    record: dict[str, Any]


def _sweep(
    name: str,
    settings: Sequence[tuple[str, Callable[[int], _Setting]]],
    *,
    seeds: Sequence[int],
    kinds: Sequence[str],
    epochs: int,
    budget: int,
    batch_size: int,
    learning_rate: float,
    show_progress: bool,
) -> list[dict[str, Any]]:
    """Train every kind, from every seed, in every setting; one record per run.

    ``settings`` pairs a label (for the progress bar) with a function of the seed that
    makes the setting's data. The data of a setting and seed are the same for every kind;
    each model is seeded with the run's seed before it is built.
    """
    import keras

    from gru_companion.reproducibility import seed_everything

    runs = []
    progress = _progress() if show_progress else _NullProgress()
    context = progress if show_progress else _nullcontext()
    with context:
        task = progress.add_task(name, total=len(settings) * len(kinds) * len(seeds) * epochs)
        for label, make_setting in settings:
            for seed in seeds:
                setting = make_setting(seed)
                for kind in kinds:
                    size = units_for_budget(kind, setting.input_dim, budget, setting.output_dim)
                    description = f"{name} {label} {DISPLAY_NAMES[kind]} seed {seed}"
                    progress.update(task, description=description)
                    seed_everything(seed)
                    model = build_model(kind, setting.input_dim, size.units, setting.output_dim,
                                        return_sequences=setting.return_sequences)  # fmt: skip
                    _compile(model, setting.loss, learning_rate)
                    history = train_run(model, setting.fit_data, setting.evaluate,
                                        epochs=epochs, batch_size=batch_size,
                                        progress=progress, task=task)  # fmt: skip
                    runs.append({**setting.record, **_run_record(kind, seed, size, history)})
                    keras.backend.clear_session()
    return runs


def run_adding(
    *,
    seq_lens: Sequence[int] = (25, 50, 100, 200),
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 12,
    budget: int = 2_000,
    n_train: int = 2_000,
    n_test: int = 500,
    batch_size: int = 32,
    learning_rate: float = 5e-3,
    kinds: Sequence[str] = KINDS,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train each kind on the adding problem at each length; test MSE and accuracy per epoch.

    Accuracy is the share of test sums predicted within :data:`ADDING_TOLERANCE`. The data
    of a length and seed are the same for every kind.
    """
    from gru_companion.data.synthetic import adding_problem

    def setting(seq_len: int, seed: int) -> _Setting:
        x_train, y_train = adding_problem(n_train, seq_len, seed=1000 + seed)
        x_test, y_test = adding_problem(n_test, seq_len, seed=2000 + seed)

        def evaluate(model: Any) -> dict[str, float]:
            test_error = _predict(model, x_test) - y_test
            train_error = _predict(model, x_train) - y_train
            return {
                "train_mse": float(np.mean(train_error**2)),
                "test_mse": float(np.mean(test_error**2)),
                "test_accuracy": float(np.mean(np.abs(test_error) < ADDING_TOLERANCE)),
            }

        return _Setting((x_train, y_train), evaluate, 2, 1, False, "mse", {"seq_len": seq_len})

    runs = _sweep(
        "adding",
        [(f"T={n}", lambda seed, n=n: setting(n, seed)) for n in seq_lens],
        seeds=seeds, kinds=kinds, epochs=epochs, budget=budget, batch_size=batch_size,
        learning_rate=learning_rate, show_progress=show_progress,
    )  # fmt: skip
    config = {
        "seq_lens": list(seq_lens), "epochs": epochs, "seeds": list(seeds), "budget": budget,
        "n_train": n_train, "n_test": n_test, "batch_size": batch_size,
        "optimizer": "RMSprop", "learning_rate": learning_rate, "clipnorm": 1.0,
        "tolerance": ADDING_TOLERANCE, "baseline_mse": 1.0 / 6.0,
    }  # fmt: skip
    return {"config": config, "runs": runs}


def run_copy(
    *,
    delays: Sequence[int] = (10, 25, 50),
    seeds: Sequence[int] = (0, 1),
    epochs: int = 12,
    budget: int = 2_000,
    n_train: int = 2_000,
    n_test: int = 500,
    copy_len: int = 10,
    n_symbols: int = 8,
    batch_size: int = 32,
    learning_rate: float = 5e-3,
    kinds: Sequence[str] = KINDS,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train each kind on copy memory at each delay; cross-entropy and copy accuracy.

    ``test_accuracy`` is the share of the ``copy_len`` symbols to reproduce that are
    predicted right (chance: ``1 / n_symbols``); ``test_xent`` the cross-entropy per step
    over the whole sequence, to compare with
    :func:`~gru_companion.data.synthetic.copy_memory_baseline`.
    """
    import keras

    from gru_companion.data.synthetic import copy_memory, copy_memory_baseline

    options = {"copy_len": copy_len, "n_symbols": n_symbols}
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def setting(delay: int, seed: int) -> _Setting:
        x_train, y_train = copy_memory(n_train, delay, seed=1000 + seed, **options)
        x_test, y_test = copy_memory(n_test, delay, seed=2000 + seed, **options)

        def evaluate(model: Any) -> dict[str, float]:
            scores = {}
            for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
                logits = _predict(model, x).astype(np.float64)
                logits -= logits.max(axis=-1, keepdims=True)
                log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
                picked = np.take_along_axis(log_p, y[..., None].astype(int), -1)
                scores[f"{name}_xent"] = float(-picked.mean())
                guess = logits[:, -copy_len:].argmax(axis=-1)
                scores[f"{name}_accuracy"] = float(np.mean(guess == y[:, -copy_len:]))
            return scores

        record = {"delay": delay, "seq_len": delay + 2 * copy_len,
                  "baseline_xent": copy_memory_baseline(delay, **options)}  # fmt: skip
        return _Setting((x_train, y_train), evaluate, n_symbols + 2, n_symbols + 1, True, loss,
                        record)  # fmt: skip

    runs = _sweep(
        "copy",
        [(f"T={d}", lambda seed, d=d: setting(d, seed)) for d in delays],
        seeds=seeds, kinds=kinds, epochs=epochs, budget=budget, batch_size=batch_size,
        learning_rate=learning_rate, show_progress=show_progress,
    )  # fmt: skip
    config = {
        "delays": list(delays), "epochs": epochs, "seeds": list(seeds), "budget": budget,
        "n_train": n_train, "n_test": n_test, "copy_len": copy_len, "n_symbols": n_symbols,
        "batch_size": batch_size, "optimizer": "RMSprop", "learning_rate": learning_rate,
        "clipnorm": 1.0, "chance_accuracy": 1.0 / n_symbols,
    }  # fmt: skip
    return {"config": config, "runs": runs}


def run_sunspots(
    *,
    windows: Sequence[int] = (10, 20, 40, 80),
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 100,
    budget: int = 1_000,
    batch_size: int = 16,
    learning_rate: float = 3e-3,
    kinds: Sequence[str] = KINDS,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Forecast next year's sunspot number from the ``window`` years before it.

    The yearly series of :func:`~gru_companion.data.sunspots.load_sunspots` is split by time
    (:func:`~gru_companion.data.sunspots.chronological_windows`: 70 % training, 15 %
    validation, 15 % test, standardised with the training period's mean and standard
    deviation). Each epoch records the mean squared error of every period on the
    standardised scale and ``test_rmse``, the test error in sunspot numbers. Each run's
    record holds ``persistence_rmse``: the test error of predicting that next year repeats
    the last year, the baseline a forecast must beat.
    """
    from gru_companion.data.sunspots import chronological_windows, load_sunspots

    series = load_sunspots()

    def setting(window: int, seed: int) -> _Setting:
        split = chronological_windows(series, window=window)
        periods = {"train": (split.x_train, split.y_train), "valid": (split.x_valid, split.y_valid),
                   "test": (split.x_test, split.y_test)}  # fmt: skip
        persistence = split.unstandardize(split.x_test[:, -1]) - split.unstandardize(split.y_test)

        def evaluate(model: Any) -> dict[str, float]:
            scores = {}
            for name, (x, y) in periods.items():
                scores[f"{name}_mse"] = float(np.mean((_predict(model, x) - y) ** 2))
            error = split.unstandardize(_predict(model, split.x_test)) - split.unstandardize(
                split.y_test
            )
            scores["test_rmse"] = float(np.sqrt(np.mean(error**2)))
            return scores

        record = {"window": window, "seq_len": window,
                  "persistence_rmse": float(np.sqrt(np.mean(persistence**2)))}  # fmt: skip
        return _Setting((split.x_train, split.y_train), evaluate, 1, 1, False, "mse", record)

    runs = _sweep(
        "sunspots",
        [(f"window={w}", lambda seed, w=w: setting(w, seed)) for w in windows],
        seeds=seeds, kinds=kinds, epochs=epochs, budget=budget, batch_size=batch_size,
        learning_rate=learning_rate, show_progress=show_progress,
    )  # fmt: skip
    split = chronological_windows(series, window=max(windows))
    config = {
        "windows": list(windows), "epochs": epochs, "seeds": list(seeds), "budget": budget,
        "batch_size": batch_size, "optimizer": "RMSprop", "learning_rate": learning_rate,
        "clipnorm": 1.0, "years": [int(series.years[0]), int(series.years[-1])],
        "fractions": {"train": 0.7, "valid": 0.15, "test": 0.15},
        "mean": split.mean, "std": split.std,
    }  # fmt: skip
    return {"config": config, "runs": runs}


def _run_record(kind: str, seed: int, size: ModelSize, history: list[dict]) -> dict[str, Any]:
    return {
        "kind": kind, "seed": seed, "units": size.units, "params": size.total,
        "recurrent_params": size.recurrent, "readout_params": size.readout,
        "history": history,
    }  # fmt: skip


class _nullcontext:  # noqa: N801  (a stand-in for contextlib.nullcontext with a progress)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: Any) -> None:
        return None


# --- reading results ---------------------------------------------------------------------


def history_frame(result: dict[str, Any]) -> Any:
    """The per-epoch rows of every run of a result, as one ``pandas.DataFrame``.

    Each row holds the run's ``kind``, ``seed``, ``units``, ``params`` (and ``seq_len`` /
    ``delay`` where the experiment has them) beside the epoch's metrics.
    """
    import pandas as pd

    rows = []
    for run in result["runs"]:
        fixed = {key: value for key, value in run.items() if key != "history"}
        rows.extend({**fixed, **epoch} for epoch in run["history"])
    return pd.DataFrame(rows)


def first_epoch_reaching(history: Sequence[dict], metric: str, target: float) -> dict | None:
    """The first epoch whose ``metric`` is at or below ``target``, or ``None``.

    Returns the epoch's row (with its cumulative ``train_seconds``).
    """
    for row in history:
        if row[metric] <= target:
            return row
    return None


# --- command line ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run an experiment from the command line and write its JSON result."""
    parser = argparse.ArgumentParser(
        prog="python -m gru_companion.experiments.runs",
        description="Train tanh RNNs, LSTMs and GRUs with matched parameter budgets.",
    )
    parser.add_argument("experiment", choices=EXPERIMENTS)
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--budget", type=int, default=None, help="parameters per model")
    parser.add_argument("--lengths", type=int, nargs="+", default=None,
                        help="adding: lengths; copy: delays; sunspots: windows")  # fmt: skip
    parser.add_argument("--subset", choices=("full", "small"), default="full",
                        help="chorales: which pieces")  # fmt: skip
    parser.add_argument("--n-train", type=int, default=None, help="synthetic: sequences")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--copy-len", type=int, default=None, help="copy: symbols to copy")
    parser.add_argument("--symbols", type=int, default=None, help="copy: alphabet size")
    parser.add_argument("--out", default=None, help="JSON file to write")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    options: dict[str, Any] = {"seeds": tuple(range(check_positive_int("seeds", args.seeds))),
                               "show_progress": not args.no_progress}  # fmt: skip
    if args.epochs is not None:
        options["epochs"] = args.epochs
    if args.budget is not None:
        options["budget"] = args.budget
    if args.learning_rate is not None:
        options["learning_rate"] = args.learning_rate
    if args.batch_size is not None:
        options["batch_size"] = check_positive_int("batch size", args.batch_size)
    if args.experiment in ("adding", "copy") and args.n_train is not None:
        options["n_train"] = args.n_train
    if args.experiment == "chorales":
        options["subset"] = args.subset
        runner = run_chorales
    elif args.experiment == "sunspots":
        if args.lengths:
            options["windows"] = tuple(args.lengths)
        runner = run_sunspots
    elif args.experiment == "adding":
        if args.lengths:
            options["seq_lens"] = tuple(args.lengths)
        runner = run_adding
    else:
        if args.lengths:
            options["delays"] = tuple(args.lengths)
        if args.copy_len is not None:
            options["copy_len"] = args.copy_len
        if args.symbols is not None:
            options["n_symbols"] = args.symbols
        runner = run_copy
    out = pathlib.Path(args.out or f"book/data/{args.experiment}.json")

    load_start = os.getloadavg()
    start = time.perf_counter()
    result = runner(**options)
    wall = time.perf_counter() - start
    record = {
        "experiment": args.experiment,
        "command": command_line("python -m gru_companion.experiments.runs", argv),
        "wall_seconds": round(wall, 1),
        # other work on the machine slows every run and inflates the timed columns
        "load_average": {"start": [round(v, 2) for v in load_start],
                         "end": [round(v, 2) for v in os.getloadavg()]},
        "versions": package_versions(),
        "machine": machine_description(),
        **rounded_floats(result, 5),
    }
    write_result(out, record)
    print(f"wrote {out} ({out.stat().st_size:,} bytes) in {wall:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = [
    "ADDING_TOLERANCE", "DISPLAY_NAMES", "EXPERIMENTS", "KINDS",
    "build_model", "chorale_arrays", "first_epoch_reaching", "history_frame", "main",
    "run_adding", "run_sunspots",
    "run_chorales", "run_copy", "train_run",
]  # fmt: skip
