"""The budget-matched comparisons: one table of tasks (data, loss, metrics, defaults) and their run.

Every comparison here follows the recipe of Chung et al. (2014): for each kind of
recurrent layer, choose the number of units whose model (the recurrent layer plus its
``Dense`` read-out) has about the same number of parameters as the others
(:func:`~gru_companion.analysis.budgets.units_for_budget`), train it from fixed seeds
(:func:`~gru_companion.reproducibility.seed_everything`) with RMSprop (gradients clipped
to norm 1) and record, after every epoch, the training, validation and test metrics and
the seconds spent training (:func:`~gru_companion.experiments.training.train`).

A task is one row of :data:`TASKS`: how to make the data of one setting (a length, a
delay, a window) and seed, the loss, the metrics, the settings a run defaults to and
the options of its command. :func:`run_task` runs any of them; the command line
(:mod:`gru_companion.experiments.cli`) has one subcommand per row. A new task is a new
row: no function changes.

* ``chorales``: next-step prediction of the Bach chorales of
  :mod:`~gru_companion.data.chorales`, with the negative log-likelihood per time step
  (:func:`~gru_companion.data.chorales.bernoulli_nll`) as the metric.
* ``adding``: the adding problem of :mod:`~gru_companion.data.synthetic` at several
  sequence lengths; mean squared error, and accuracy as the share of sums predicted
  within :data:`~gru_companion.data.synthetic.ADDING_TOLERANCE`.
* ``copy``: the copy-memory task at several delays; cross-entropy per step and the
  accuracy over the symbols to copy.
* ``sunspots``: next year's sunspot number from windows of past years, against the
  persistence forecast.

Timings depend on the machine and on what else runs on it; they are recorded, with the
machine, but never compared with other machines' timings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gru_companion.analysis.budgets import ModelSize, units_for_budget
from gru_companion.experiments.training import build_model, predict, progress_bar, train
from gru_companion.kinds import CORE, kind_of
from gru_companion.validation import check_positive_int

#: The optimizer settings every task trains with (recorded in each result's config).
OPTIMIZER = {"optimizer": "RMSprop", "clipnorm": 1.0}


@dataclass(frozen=True)
class Setting:
    """One setting of a task (a length, a delay, a window) for one seed.

    Attributes
    ----------
    fit_data
        ``(inputs, targets)`` or ``(inputs, targets, sample_weight)`` to train on.
    evaluate
        A function of the model returning the epoch's metrics (a dict of floats).
    features, outputs
        Features per input step and units of the read-out.
    return_sequences
        Whether the model predicts at every step.
    loss
        The Keras loss.
    record
        Fields added to each run's record (e.g. ``{"seq_len": 50}``).
    """

    fit_data: tuple[np.ndarray, ...]
    evaluate: Callable[[Any], dict[str, float]]
    features: int
    outputs: int
    return_sequences: bool
    loss: Any
    record: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Option:
    """A task's own option: a keyword of its ``setting`` function and a command-line flag.

    Attributes
    ----------
    name
        The keyword (``"n_train"``); the flag is ``--n-train`` unless ``flag`` says otherwise.
    help
        The flag's help text.
    flag
        The flag, when it is not derived from ``name`` (``"--symbols"``).
    choices
        The values allowed, or ``None``.
    """

    name: str
    help: str
    flag: str | None = None
    choices: tuple[Any, ...] | None = None

    @property
    def cli_flag(self) -> str:
        """The command-line flag."""
        return self.flag or "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Task:
    """One comparison: its data, loss and metrics (through ``setting``) and its defaults.

    Attributes
    ----------
    name
        The subcommand and the stem of the result file.
    description
        One line for ``--help``.
    setting
        ``setting(value, seed, **options)``: the :class:`Setting` of one value of the axis
        (``None`` for a task without one) and seed; ``options`` are the task's own.
    defaults
        Every keyword :func:`run_task` takes for this task and its default: the axis (if
        any), ``seeds``, ``epochs``, ``budget``, ``batch_size``, ``learning_rate`` and the
        task's own options.
    axis
        The keyword of the values the task sweeps (``"seq_lens"``), or ``None``;
        ``--lengths`` on the command line.
    options
        The task's own options (beside those every task has).
    label
        How a value of the axis is shown in the progress bar (``"T={}"``).
    config
        ``config(**arguments)``: what the task adds to the result's config beside its
        arguments (sizes of the data, baselines).
    """

    name: str
    description: str
    setting: Callable[..., Setting]
    defaults: Mapping[str, Any]
    axis: str | None = None
    options: tuple[Option, ...] = ()
    label: str = "T={}"
    config: Callable[..., dict[str, Any]] = lambda **arguments: {}


def run_record(kind: str, seed: int, size: ModelSize, history: Any) -> dict[str, Any]:
    """A run's record: kind, seed, units, exact parameter counts and per-epoch rows."""
    return {
        "kind": kind, "seed": seed, "units": size.units, "params": size.total,
        "recurrent_params": size.recurrent, "readout_params": size.readout,
        "history": [dict(row) for row in history.rows],
    }  # fmt: skip


def run_task(
    task: str | Task, *, kinds: Sequence[str] = CORE, show_progress: bool = True, **arguments: Any
) -> dict[str, Any]:
    """Train every kind, from every seed, in every setting of a task; one record per run.

    The data of a setting and seed are made once and are the same for every kind; each
    model is seeded with the run's seed before it is built, compiled with RMSprop
    (:data:`OPTIMIZER`) and trained by :func:`~gru_companion.experiments.training.train`.

    Parameters
    ----------
    task
        A key of :data:`TASKS` or a :class:`Task`.
    kinds
        Keys of :data:`gru_companion.kinds.KINDS` (default: the three Keras ships).
    show_progress
        Whether to show a progress bar with an estimate of the time left.
    **arguments
        Keywords of the task's ``defaults`` (the others keep their default), e.g.
        ``seq_lens=(50, 100)``, ``seeds=(0, 1)``, ``epochs=3``.

    Returns
    -------
    dict
        ``config`` (the arguments and what the task adds) and ``runs``: for each setting,
        seed and kind, the setting's fields, the units, the exact parameter counts and the
        per-epoch ``history``.

    Raises
    ------
    TypeError, ValueError
        For an unknown task or keyword, or an argument out of range.
    """
    import keras

    from gru_companion.reproducibility import seed_everything

    task = task_of(task)
    unknown = set(arguments) - set(task.defaults)
    if unknown:
        raise TypeError(f"{task.name} takes {sorted(task.defaults)}, not {sorted(unknown)}")
    for kind in kinds:
        kind_of(kind)
    values = {**task.defaults, **arguments}
    seeds = tuple(values["seeds"])
    epochs = check_positive_int("epochs", values["epochs"])
    batch_size = check_positive_int("batch size", values["batch_size"])
    own = {option.name: values[option.name] for option in task.options}
    axis_values = tuple(values[task.axis]) if task.axis else (None,)
    runs = []
    with progress_bar(show_progress) as progress:
        bar = progress.add_task(
            task.name, total=len(axis_values) * len(seeds) * len(kinds) * epochs
        )
        for value in axis_values:
            for seed in seeds:
                setting = task.setting(value, seed, **own)
                for kind in kinds:
                    size = units_for_budget(kind, setting.features, values["budget"],
                                            setting.outputs)  # fmt: skip
                    where = "" if value is None else f" {task.label.format(value)}"
                    progress.update(
                        bar, description=f"{task.name}{where} {kind_of(kind).book_name} seed {seed}"
                    )
                    seed_everything(seed)
                    model = build_model(
                        kind, setting.features, size.units, setting.outputs,
                        return_sequences=setting.return_sequences, layer_name="recurrent",
                        loss=setting.loss, optimizer="rmsprop",
                        learning_rate=values["learning_rate"], clipnorm=OPTIMIZER["clipnorm"],
                        jit_compile="auto",
                    )  # fmt: skip
                    assert model.count_params() == size.total
                    history = train(model, setting.fit_data, epochs=epochs,
                                    batch_size=batch_size, evaluate=setting.evaluate,
                                    progress=progress, task=bar)  # fmt: skip
                    runs.append({**setting.record, **run_record(kind, seed, size, history)})
                    keras.backend.clear_session()
    config = {
        **({task.axis: list(axis_values)} if task.axis else {}),
        "epochs": epochs, "seeds": list(seeds), "budget": values["budget"],
        **own, "batch_size": batch_size, "optimizer": OPTIMIZER["optimizer"],
        "learning_rate": values["learning_rate"], "clipnorm": OPTIMIZER["clipnorm"],
        **task.config(**values),
    }  # fmt: skip
    return {"config": config, "runs": runs}


def task_of(task: str | Task) -> Task:
    """The row of ``task`` (a key of :data:`TASKS`), or ``task`` itself if it is a row."""
    if isinstance(task, Task):
        return task
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")
    return TASKS[task]


# --- the chorales ------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def chorale_arrays(subset: str = "full") -> dict[str, Any]:
    """Padded next-step arrays of each split of the chorales (read once per subset)."""
    from gru_companion.data.chorales import load_chorales, next_step_batch

    data = load_chorales(subset)
    return {split: next_step_batch(list(data.rolls(split))) for split in ("train", "valid", "test")}


def _chorales(value: None, seed: int, *, subset: str) -> Setting:
    """Frame t (88 keys) to 88 logits for frame t + 1; padded steps get zero weight.

    The recorded NLL is :func:`~gru_companion.data.chorales.bernoulli_nll` over the real
    steps of a whole split. The data do not depend on the seed.
    """
    import keras

    from gru_companion.data.chorales import N_KEYS, bernoulli_nll

    arrays = chorale_arrays(subset)

    def evaluate(model: Any) -> dict[str, float]:
        return {
            f"{split}_nll": bernoulli_nll(
                predict(model, batch.inputs), batch.targets, batch.mask, from_logits=True
            )
            for split, batch in arrays.items()
        }

    train_batch = arrays["train"]
    fit_data = (train_batch.inputs, train_batch.targets, train_batch.mask.astype(np.float32))
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    return Setting(fit_data, evaluate, N_KEYS, N_KEYS, True, loss)


def _chorales_config(*, subset: str, **arguments: Any) -> dict[str, Any]:
    arrays = chorale_arrays(subset)
    return {
        "pieces": {split: int(len(batch.lengths)) for split, batch in arrays.items()},
        "steps": {split: int(batch.lengths.sum()) for split, batch in arrays.items()},
    }


# --- the synthetic tasks -----------------------------------------------------------------


def _adding(seq_len: int, seed: int, *, n_train: int, n_test: int) -> Setting:
    """The adding problem at ``seq_len`` steps; training set from seed ``1000 + seed``,
    test set from ``2000 + seed`` (as the stored results were drawn)."""
    from gru_companion.data.synthetic import adding_accuracy, adding_data

    data = adding_data(seq_len, n_train, n_test, seed=1000 + seed, test_seed=2000 + seed)

    def evaluate(model: Any) -> dict[str, float]:
        test = predict(model, data.x_test)
        train_error = predict(model, data.x_train) - data.y_train
        return {
            "train_mse": float(np.mean(train_error**2)),
            "test_mse": float(np.mean((test - data.y_test) ** 2)),
            "test_accuracy": adding_accuracy(test, data.y_test),
        }

    return Setting((data.x_train, data.y_train), evaluate, 2, 1, False, "mse",
                   {"seq_len": seq_len})  # fmt: skip


def _adding_config(**arguments: Any) -> dict[str, Any]:
    from gru_companion.data.synthetic import ADDING_BASELINE_MSE, ADDING_TOLERANCE

    return {"tolerance": ADDING_TOLERANCE, "baseline_mse": ADDING_BASELINE_MSE}


def _copy(delay: int, seed: int, *, n_train: int, n_test: int, copy_len: int,
          n_symbols: int) -> Setting:  # fmt: skip
    """Copy memory at ``delay``: cross-entropy per step and accuracy over the copied symbols.

    ``test_accuracy`` is the share of the ``copy_len`` symbols to reproduce that are
    predicted right (chance: ``1 / n_symbols``); ``test_xent`` the cross-entropy per step
    over the whole sequence, to compare with
    :func:`~gru_companion.data.synthetic.copy_memory_baseline`.
    """
    import keras

    from gru_companion.data.synthetic import copy_memory, copy_memory_baseline

    options = {"copy_len": copy_len, "n_symbols": n_symbols}
    x_train, y_train = copy_memory(n_train, delay, seed=1000 + seed, **options)
    x_test, y_test = copy_memory(n_test, delay, seed=2000 + seed, **options)

    def evaluate(model: Any) -> dict[str, float]:
        scores = {}
        for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
            logits = predict(model, x).astype(np.float64)
            logits -= logits.max(axis=-1, keepdims=True)
            log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
            picked = np.take_along_axis(log_p, y[..., None].astype(int), -1)
            scores[f"{name}_xent"] = float(-picked.mean())
            guess = logits[:, -copy_len:].argmax(axis=-1)
            scores[f"{name}_accuracy"] = float(np.mean(guess == y[:, -copy_len:]))
        return scores

    record = {"delay": delay, "seq_len": delay + 2 * copy_len,
              "baseline_xent": copy_memory_baseline(delay, **options)}  # fmt: skip
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return Setting((x_train, y_train), evaluate, n_symbols + 2, n_symbols + 1, True, loss, record)


def _copy_config(*, n_symbols: int, **arguments: Any) -> dict[str, Any]:
    return {"chance_accuracy": 1.0 / n_symbols}


# --- the sunspots ------------------------------------------------------------------------


def _sunspots(window: int, seed: int) -> Setting:
    """Next year's sunspot number from the ``window`` years before it.

    The yearly series of :func:`~gru_companion.data.sunspots.load_sunspots` is split by
    time (:func:`~gru_companion.data.sunspots.chronological_windows`: 70 % training, 15 %
    validation, 15 % test, standardised with the training period's mean and standard
    deviation). Each epoch records the mean squared error of every period on the
    standardised scale and ``test_rmse``, the test error in sunspot numbers. Each run's
    record holds ``persistence_rmse``: the test error of predicting that next year repeats
    the last year, the baseline a forecast must beat.
    """
    from gru_companion.data.sunspots import chronological_windows, load_sunspots

    split = chronological_windows(load_sunspots(), window=window)
    periods = {"train": (split.x_train, split.y_train), "valid": (split.x_valid, split.y_valid),
               "test": (split.x_test, split.y_test)}  # fmt: skip
    persistence = split.unstandardize(split.x_test[:, -1]) - split.unstandardize(split.y_test)

    def evaluate(model: Any) -> dict[str, float]:
        scores = {}
        for name, (x, y) in periods.items():
            scores[f"{name}_mse"] = float(np.mean((predict(model, x) - y) ** 2))
        error = split.unstandardize(predict(model, split.x_test)) - split.unstandardize(
            split.y_test
        )
        scores["test_rmse"] = float(np.sqrt(np.mean(error**2)))
        return scores

    record = {"window": window, "seq_len": window,
              "persistence_rmse": float(np.sqrt(np.mean(persistence**2)))}  # fmt: skip
    return Setting((split.x_train, split.y_train), evaluate, 1, 1, False, "mse", record)


def _sunspots_config(*, windows: Sequence[int], **arguments: Any) -> dict[str, Any]:
    from gru_companion.data.sunspots import chronological_windows, load_sunspots

    series = load_sunspots()
    split = chronological_windows(series, window=max(windows))
    return {
        "years": [int(series.years[0]), int(series.years[-1])],
        "fractions": {"train": 0.7, "valid": 0.15, "test": 0.15},
        "mean": split.mean, "std": split.std,
    }  # fmt: skip


_SYNTHETIC = (Option("n_train", "sequences to train on"),
              Option("n_test", "sequences to test on"))  # fmt: skip

#: Every task, by name, in the order the book reads them, which :func:`run_task` and the
#: command line run. A new task is a new row.
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "chorales", "Next-step prediction of the Bach chorales (NLL per step).",
            _chorales, {"seeds": (0, 1, 2), "epochs": 150, "budget": 20_000,
                        "batch_size": 4, "learning_rate": 1e-2, "subset": "full"},
            options=(Option("subset", "which pieces", choices=("full", "small")),),
            config=_chorales_config,
        ),
        Task(
            "adding", "The adding problem at several sequence lengths (MSE, accuracy).",
            _adding, {"seq_lens": (25, 50, 100, 200), "seeds": (0, 1, 2), "epochs": 12,
                      "budget": 2_000, "n_train": 2_000, "n_test": 500, "batch_size": 32,
                      "learning_rate": 5e-3},
            axis="seq_lens", options=_SYNTHETIC, config=_adding_config,
        ),
        Task(
            "copy", "Copy memory at several delays (cross-entropy, copy accuracy).",
            _copy, {"delays": (10, 25, 50), "seeds": (0, 1), "epochs": 12, "budget": 2_000,
                    "n_train": 2_000, "n_test": 500, "copy_len": 10, "n_symbols": 8,
                    "batch_size": 32, "learning_rate": 5e-3},
            axis="delays",
            options=(*_SYNTHETIC, Option("copy_len", "symbols to copy"),
                     Option("n_symbols", "alphabet size", flag="--symbols")),
            config=_copy_config,
        ),
        Task(
            "sunspots", "Forecast next year's sunspot number from windows of past years.",
            _sunspots, {"windows": (10, 20, 40, 80), "seeds": (0, 1, 2), "epochs": 100,
                        "budget": 1_000, "batch_size": 16, "learning_rate": 3e-3},
            axis="windows", label="window={}", config=_sunspots_config,
        ),
    )
}  # fmt: skip
