"""The tasks the kinds are compared on: one table row each (data, loss, metrics, defaults).

A task is one row of :data:`TASKS`: how to make the data of one setting (a length, a
delay, a window) and seed, with its training, validation and test sets; the loss; the
measurements taken after every epoch; the validation measurement that picks the learning
rate and stops training; the test measurement reported; what counts as solving it; and
the defaults of its study. :func:`~gru_companion.experiments.study.run_study` runs any of
them the same way; the command line (:mod:`gru_companion.experiments.cli`) has one
subcommand per row. A new task is a new row: no function changes.

* ``chorales``: next-step prediction of the Bach chorales of
  :mod:`~gru_companion.data.chorales`, the negative log-likelihood per time step
  (:func:`~gru_companion.data.chorales.bernoulli_nll`); with ``conventions="chung"`` the
  models, sizes and training of Chung et al. (2014), with ``"keras"`` the same with
  Keras's default cells.
* ``adding``: the adding problem of :mod:`~gru_companion.data.synthetic` at several
  sequence lengths; mean squared error against the 1/6 of predicting the mean.
* ``copy``: copy memory at several delays; accuracy over the symbols to copy against
  chance.
* ``counting``: the strings aⁿbⁿ, trained on short ones and tested on longer ones.
* ``sunspots``: next year's sunspot number from windows of past years, against
  persistence and a linear autoregression given the same window.

Timings depend on the machine and on what else runs on it; they are recorded, with the
machine, but never compared with other machines' timings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gru_companion.experiments.training import predict
from gru_companion.kinds import CORE
from gru_companion.validation import check_positive_int, check_positive_number

#: The optimizer every task trains with, as Chung et al. (2014) did (RMSprop, gradients
#: clipped to norm 1), recorded in each result's config.
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

    ``evaluate`` measures the validation set (``valid_*``) and the test set (``test_*``);
    the model never trains on either.
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
class Threshold:
    """What counts as solving a task: a test measurement at or beyond a value.

    Attributes
    ----------
    metric
        The measurement (``"test_accuracy"``).
    value
        The bound.
    above
        ``True``: solved when ``metric >= value``; ``False``: when ``metric <= value``.
    """

    metric: str
    value: float
    above: bool = True

    def met(self, row: Mapping[str, float]) -> bool:
        """Whether the measurements of ``row`` meet the threshold."""
        value = row[self.metric]
        return bool(value >= self.value if self.above else value <= self.value)

    def __str__(self) -> str:
        return f"{self.metric} {'>=' if self.above else '<='} {self.value:g}"


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
        Every keyword :func:`~gru_companion.experiments.study.run_study` takes for this
        task and its default: the axis (if any), the study's design (``learning_rates``,
        ``seeds``, ``search_seed``, ``max_epochs``, ``patience``, ``min_delta``,
        ``tolerance``),
        ``budget``, ``batch_size`` and the task's own options.
    monitor
        The validation measurement (lower is better) that picks the learning rate and
        stops training (``"valid_mse"``).
    score
        The test measurement reported for each run, at its best validation epoch.
    solved
        What counts as solving the task, or ``None`` when it has no such line.
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
    models
        ``models(**options)``: the kinds to train and, for each, the keywords of
        :func:`~gru_companion.experiments.training.build_model` it needs beyond those of
        the study (``units`` fixes the width instead of the budget; ``layer_options``,
        ``weight_noise``). By default, the three kinds Keras ships, sized by the budget.
    """

    name: str
    description: str
    setting: Callable[..., Setting]
    defaults: Mapping[str, Any]
    monitor: str
    score: str
    solved: Threshold | None = None
    axis: str | None = None
    options: tuple[Option, ...] = ()
    label: str = "T={}"
    config: Callable[..., dict[str, Any]] = lambda **arguments: {}
    models: Callable[..., dict[str, dict[str, Any]]] = lambda **options: {kind: {} for kind in CORE}


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


def _chorales(value: None, seed: int, *, subset: str, conventions: str) -> Setting:
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


#: The units of Chung et al. (2014)'s music models, by the kind Keras ships (about
#: 20,000 parameters each on the music data, read-out excluded).
CHUNG_UNITS = dict(zip(CORE, (100, 36, 46), strict=True))
#: The form Chung et al. used where it is not Keras's default, by kind (the GRU in its
#: published reset-before form, Keras ``reset_after=False``, and the LSTM with peephole
#: connections). All their models trained with weight noise of standard deviation 0.075.
CHUNG_FORMS = {"gru": ("gru", {"layer_options": {"reset_after": False}}),
               "lstm": ("peephole_lstm", {})}  # fmt: skip
CHUNG_WEIGHT_NOISE = 0.075


def _chorale_models(*, conventions: str, **options: Any) -> dict[str, dict[str, Any]]:
    """Chung et al.'s three models; with ``"keras"`` the same sizes and training, but the
    cells Keras builds by default (a reset-after GRU, an LSTM without peepholes)."""
    models = {}
    for kind, units in CHUNG_UNITS.items():
        built, extra = (kind, {})
        if conventions == "chung":
            built, extra = CHUNG_FORMS.get(kind, (kind, {}))
        models[built] = {"units": units, **extra, "weight_noise": CHUNG_WEIGHT_NOISE}
    return models


def _chorales_config(*, subset: str, conventions: str, **arguments: Any) -> dict[str, Any]:
    arrays = chorale_arrays(subset)
    return {
        "pieces": {split: int(len(batch.lengths)) for split, batch in arrays.items()},
        "steps": {split: int(batch.lengths.sum()) for split, batch in arrays.items()},
        "weight_noise": CHUNG_WEIGHT_NOISE,
    }


def log_uniform_rates(samples: int, low: float, high: float, *, seed: int) -> tuple[float, ...]:
    """``samples`` learning rates drawn log-uniformly from [low, high], sorted, 3 digits.

    Chung et al. (2014) chose each model's learning rate as the best of samples drawn so;
    the course draws them once, from a seed, and tries the same ones for every kind.

    Raises
    ------
    TypeError, ValueError
        If ``samples`` is not a positive integer or the bounds are not
        ``0 < low < high``.
    """
    samples = check_positive_int("samples", samples)
    low, high = check_positive_number("low", low), check_positive_number("high", high)
    if not low < high:
        raise ValueError(f"low must be below high, got {low} and {high}")
    drawn = np.exp(np.random.default_rng(seed).uniform(np.log(low), np.log(high), samples))
    return tuple(sorted(float(f"{rate:.3g}") for rate in drawn))


# --- the synthetic tasks -----------------------------------------------------------------
# Seed s draws its training set from 1000 + s, its validation set from 3000 + s and its
# test set from 2000 + s.


def _adding(seq_len: int, seed: int, *, n_train: int, n_test: int) -> Setting:
    """The adding problem at ``seq_len`` steps: MSE on validation and test, and the test
    accuracy (sums within :data:`~gru_companion.data.synthetic.ADDING_TOLERANCE`)."""
    from gru_companion.data.synthetic import adding_accuracy, adding_problem

    x_train, y_train = adding_problem(n_train, seq_len, seed=1000 + seed)
    x_valid, y_valid = adding_problem(n_test, seq_len, seed=3000 + seed)
    x_test, y_test = adding_problem(n_test, seq_len, seed=2000 + seed)

    def evaluate(model: Any) -> dict[str, float]:
        valid, test = predict(model, x_valid), predict(model, x_test)
        return {
            "valid_mse": float(np.mean((valid - y_valid) ** 2)),
            "test_mse": float(np.mean((test - y_test) ** 2)),
            "test_accuracy": adding_accuracy(test, y_test),
        }

    return Setting((x_train, y_train), evaluate, 2, 1, False, "mse", {"seq_len": seq_len})


def _adding_config(**arguments: Any) -> dict[str, Any]:
    from gru_companion.data.synthetic import ADDING_BASELINE_MSE, ADDING_TOLERANCE

    return {"accuracy_tolerance": ADDING_TOLERANCE, "baseline_mse": ADDING_BASELINE_MSE}


def _copy(delay: int, seed: int, *, n_train: int, n_test: int, copy_len: int,
          n_symbols: int) -> Setting:  # fmt: skip
    """Copy memory at ``delay``: cross-entropy per step and accuracy over the copied symbols.

    ``*_accuracy`` is the share of the ``copy_len`` symbols to reproduce that are
    predicted right (chance: ``1 / n_symbols``); ``*_xent`` the cross-entropy per step
    over the whole sequence, to compare with
    :func:`~gru_companion.data.synthetic.copy_memory_baseline`.
    """
    import keras

    from gru_companion.data.synthetic import copy_memory, copy_memory_baseline

    options = {"copy_len": copy_len, "n_symbols": n_symbols}
    x_train, y_train = copy_memory(n_train, delay, seed=1000 + seed, **options)
    held_out = {"valid": copy_memory(n_test, delay, seed=3000 + seed, **options),
                "test": copy_memory(n_test, delay, seed=2000 + seed, **options)}  # fmt: skip

    def evaluate(model: Any) -> dict[str, float]:
        scores = {}
        for name, (x, y) in held_out.items():
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


def _counting(value: None, seed: int, *, train_up_to: int, valid_up_to: int,
              test_up_to: int, repeats: int) -> Setting:  # fmt: skip
    """aⁿbⁿ: train on n = 1..``train_up_to`` (each ``repeats`` times), validate on the n
    just beyond, test on the n beyond those.

    The validation strings (n up to ``valid_up_to``) are longer than any trained on, so
    the rate and the epoch chosen on them favour a network that counts a little beyond
    what it saw; the test strings ask it to count much further. ``test_recognised`` is
    the share of test strings counted right at every step
    (:func:`~gru_companion.data.synthetic.counting_recognised`); ``counts_up_to`` the
    largest n below which every string, trained or not, is counted right. The data do not
    depend on the seed (the strings are listed); the seed draws the weights and the
    batches.
    """
    import keras

    from gru_companion.data.synthetic import counting_recognised, counting_strings

    train = counting_strings(list(range(1, train_up_to + 1)) * repeats, steps=2 * train_up_to)
    every_n = list(range(1, test_up_to + 1))
    ladder = counting_strings(every_n)
    valid = slice(train_up_to, valid_up_to)
    test = slice(valid_up_to, test_up_to)

    def evaluate(model: Any) -> dict[str, float]:
        logits = predict(model, ladder[0])
        recognised = counting_recognised(logits, ladder[1], ladder[2])
        target, weight = ladder[1][valid, :, 0], ladder[2][valid]
        bce = np.logaddexp(0.0, logits[valid, :, 0]) - target * logits[valid, :, 0]
        failed = np.flatnonzero(~recognised)
        return {
            "valid_loss": float((bce * weight).sum() / weight.sum()),
            "valid_recognised": float(recognised[valid].mean()),
            "test_recognised": float(recognised[test].mean()),
            "counts_up_to": float(failed[0] if failed.size else test_up_to),
        }

    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    return Setting(train, evaluate, 2, 1, True, loss)


# --- the sunspots ------------------------------------------------------------------------


def _sunspots(window: int, seed: int) -> Setting:
    """Next year's sunspot number from the ``window`` years before it.

    The yearly series of :func:`~gru_companion.data.sunspots.load_sunspots` is split by
    time (:func:`~gru_companion.data.sunspots.chronological_windows`: 70 % training, 15 %
    validation, 15 % test, standardised with the training period's mean and standard
    deviation); the test years are the same for every window. Each epoch records the
    mean squared error of the validation and test periods on the standardised scale and
    ``test_rmse``, the test error in sunspot numbers. Each run's record holds the test
    errors of the forecasts it must beat (:mod:`~gru_companion.analysis.forecast_baselines`):
    ``persistence_rmse`` (next year repeats this one) and ``autoregressive_rmse`` (the
    linear autoregression on at most the same window, its order ``autoregressive_lags``
    chosen on the validation period).
    """
    from gru_companion.analysis.forecast_baselines import (
        autoregressive_forecast,
        persistence_rmse,
        rmse,
    )
    from gru_companion.data.sunspots import chronological_windows, load_sunspots

    split = chronological_windows(load_sunspots(), window=window)

    def evaluate(model: Any) -> dict[str, float]:
        valid, test = predict(model, split.x_valid), predict(model, split.x_test)
        return {
            "valid_mse": float(np.mean((valid - split.y_valid) ** 2)),
            "test_mse": float(np.mean((test - split.y_test) ** 2)),
            "test_rmse": rmse(split.unstandardize(test), split.unstandardize(split.y_test)),
        }

    linear = autoregressive_forecast(split)
    record = {"window": window, "seq_len": window, "persistence_rmse": persistence_rmse(split),
              "autoregressive_rmse": linear.test_rmse,
              "autoregressive_lags": linear.lags}  # fmt: skip
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


#: The design every synthetic study shares. Three learning rates tried with the first
#: seed, five seeds at the best one, each run trained until its validation measurement
#: has not improved by 1 % (and by 0.001) for 10 epochs (the cap is far beyond).
SYNTHETIC_DESIGN = {
    "learning_rates": (1e-3, 3e-3, 1e-2), "seeds": (0, 1, 2, 3, 4), "search_seed": 0,
    "max_epochs": 200, "patience": 10, "min_delta": 0.01, "tolerance": 1e-3,
}  # fmt: skip

_SYNTHETIC = (Option("n_train", "sequences to train on"),
              Option("n_test", "sequences to validate and to test on"))  # fmt: skip

#: Every task, by name, in the order the book reads them, which
#: :func:`~gru_companion.experiments.study.run_study` and the command line run. A new task
#: is a new row.
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "chorales", "Next-step prediction of the Bach chorales (NLL per step).",
            _chorales, {"learning_rates": log_uniform_rates(4, 1e-4, 1e-2, seed=2014),
                        "seeds": (0, 1, 2), "search_seed": 0, "max_epochs": 500,
                        "patience": 10, "min_delta": 0.001, "tolerance": 0.01,
                        "budget": 20_000,
                        "batch_size": 4, "subset": "full", "conventions": "chung"},
            monitor="valid_nll", score="test_nll",
            options=(Option("subset", "which pieces", choices=("full", "small")),
                     Option("conventions", "the paper's cells (chung) or Keras's (keras)",
                            choices=("chung", "keras"))),
            config=_chorales_config, models=_chorale_models,
        ),
        Task(
            "adding", "The adding problem at several sequence lengths (MSE, accuracy).",
            _adding, {"seq_lens": (50, 100, 200, 400), **SYNTHETIC_DESIGN, "budget": 2_000,
                      "n_train": 2_000, "n_test": 500, "batch_size": 64},
            monitor="valid_mse", score="test_mse", solved=Threshold("test_mse", 0.01, False),
            axis="seq_lens", options=_SYNTHETIC, config=_adding_config,
        ),
        Task(
            "copy", "Copy memory at several delays (cross-entropy, copy accuracy).",
            _copy, {"delays": (50, 100, 200, 400), **SYNTHETIC_DESIGN, "budget": 2_000,
                    "n_train": 2_000, "n_test": 500, "copy_len": 3, "n_symbols": 4,
                    "batch_size": 64},
            monitor="valid_xent", score="test_accuracy", solved=Threshold("test_accuracy", 0.9),
            axis="delays",
            options=(*_SYNTHETIC, Option("copy_len", "symbols to copy"),
                     Option("n_symbols", "alphabet size", flag="--symbols")),
            config=_copy_config,
        ),
        Task(
            "counting", "Count aⁿbⁿ: train on short strings, test on longer ones.",
            _counting, {**SYNTHETIC_DESIGN, "budget": 2_000, "train_up_to": 50,
                        "valid_up_to": 60, "test_up_to": 150, "repeats": 20,
                        "batch_size": 50},
            monitor="valid_loss", score="test_recognised",
            solved=Threshold("test_recognised", 1.0),
            options=(Option("train_up_to", "largest n trained on"),
                     Option("valid_up_to", "largest n validated on"),
                     Option("test_up_to", "largest n tested on"),
                     Option("repeats", "copies of each training string")),
        ),
        Task(
            "sunspots", "Forecast next year's sunspot number from windows of past years.",
            _sunspots, {"windows": (5, 11, 22, 44), **SYNTHETIC_DESIGN, "max_epochs": 1_000,
                        "budget": 1_000, "batch_size": 16},
            monitor="valid_mse", score="test_rmse",
            axis="windows", label="window={}", config=_sunspots_config,
        ),
    )
}  # fmt: skip
