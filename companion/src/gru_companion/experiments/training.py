"""The experiments' one Keras model builder, one training loop and one history record.

Every Keras model the course trains is :func:`build_model`: ``Input``, one recurrent layer
of any kind of :data:`gru_companion.kinds.KINDS`
(:func:`gru_companion.keras.cells.keras_layer`), a ``Dense`` read-out; compiled when a
loss is given. Every training run is :func:`train`: one ``model.fit`` call per epoch, then
the epoch's measurements (the validation set through ``model.evaluate``, the task's own
metrics through a function of the model), each epoch timed. What it returns is a
:class:`History`: one row per epoch, read by column (``history.val_loss``) or by row
(``history.rows``, what the result files store). :func:`first_epoch_reaching` finds the
first epoch at which a metric reaches a target.

Seed before building (:func:`gru_companion.reproducibility.seed_everything`): the layers'
initial weights are drawn when they are constructed, the recurrent layer first, the
read-out second, and the batches are shuffled from the same seeds, so a seeded run gives
the same numbers every time. Training epoch by epoch gives exactly the numbers of one
``model.fit(epochs=...)`` call with ``validation_data`` (the tests check it).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.kinds import kind_of
from gru_companion.validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
    check_real,
)

#: The optimizers :func:`build_model` compiles with, by the name it takes.
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop"}


def build_model(
    kind: str,
    features: int,
    units: int,
    outputs: int,
    *,
    steps: int | None = None,
    return_sequences: bool = False,
    bidirectional: bool = False,
    activation: str | None = None,
    input_name: str = "frames",
    layer_name: str | None = None,
    output_name: str = "readout",
    name: str | None = None,
    loss: Any = None,
    optimizer: str = "adam",
    learning_rate: float = 0.01,
    clipnorm: float | None = None,
    metrics: Sequence[Any] = (),
    jit_compile: bool | str = False,
    layer_options: Mapping[str, Any] | None = None,
    weight_noise: float = 0.0,
) -> Any:
    """``Input → recurrent layer of kind → Dense``, compiled when ``loss`` is given.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`; the layer is
        ``keras_layer(kind, units, return_sequences=..., name=...)``.
    features
        Features per step of the input.
    units
        Units of the recurrent layer.
    outputs
        Units of the ``Dense`` read-out.
    steps
        Steps per sequence, or ``None`` for sequences of any length.
    return_sequences
        ``True``: the read-out is applied at every step; ``False``: to the last output.
    bidirectional
        Whether to wrap the layer in ``keras.layers.Bidirectional`` (named
        ``f"bidirectional_{layer_name}"``): read forwards and backwards, final outputs
        concatenated.
    activation
        The read-out's activation (``None``: linear, the losses then take logits).
    input_name, layer_name, output_name
        Names of the input, the recurrent layer (default: ``kind``) and the read-out, so
        that ``get_layer`` and summaries do not depend on how many models came before.
    name
        The model's name (default ``f"{kind}_{units}"``).
    loss
        A Keras loss, or ``None`` to return the model uncompiled.
    optimizer
        ``"adam"`` or ``"rmsprop"`` (keys of :data:`OPTIMIZERS`).
    learning_rate
        The optimizer's learning rate, a positive number.
    clipnorm
        ``None``, or the norm each gradient is clipped to.
    metrics
        Keras metrics reported beside the loss (e.g. ``["accuracy"]``).
    jit_compile
        Passed to ``model.compile``; off by default, since compiling with XLA takes
        longer than these small models train on a CPU (the long studies, whose runs
        train for many epochs, turn it on).
    layer_options
        More arguments of the recurrent layer (e.g. ``{"reset_after": False}`` for the
        GRU of Cho et al. and Chung et al.), or ``None``.
    weight_noise
        The standard deviation of the Gaussian noise added to every weight at each
        training step (:class:`~gru_companion.keras.weight_noise.WeightNoiseSequential`);
        0 trains a plain ``keras.Sequential``.

    Returns
    -------
    keras.Sequential
        Its layers: the recurrent layer (or its ``Bidirectional`` wrapper), the read-out.

    Raises
    ------
    TypeError, ValueError
        If an argument is of the wrong type or out of range (e.g. an unknown kind).
    """
    import keras

    from gru_companion.keras.cells import keras_layer

    kind_of(kind)
    features = check_positive_int("features", features)
    outputs = check_positive_int("outputs", outputs)
    if steps is not None:
        steps = check_positive_int("steps", steps)
    check_bool("bidirectional", bidirectional)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    learning_rate = check_positive_number("learning_rate", learning_rate)
    if clipnorm is not None:
        clipnorm = check_positive_number("clipnorm", clipnorm)
    if layer_options is not None and not isinstance(layer_options, Mapping):
        raise TypeError(f"layer_options must be a mapping or None, got {layer_options!r}")
    weight_noise = check_real("weight_noise", weight_noise)
    if not 0 <= weight_noise < np.inf:
        raise ValueError(f"weight_noise must be a finite number >= 0, got {weight_noise}")
    layer_name = layer_name or kind
    recurrent = keras_layer(kind, units, return_sequences=return_sequences, name=layer_name,
                            **(layer_options or {}))  # fmt: skip
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent, name=f"bidirectional_{layer_name}")
    layers = [
        keras.Input((steps, features), name=input_name),
        recurrent,
        keras.layers.Dense(outputs, activation=activation, name=output_name),
    ]
    if weight_noise > 0:
        from gru_companion.keras.weight_noise import WeightNoiseSequential

        model = WeightNoiseSequential(layers, stddev=weight_noise, name=name or f"{kind}_{units}")
    else:
        model = keras.Sequential(layers, name=name or f"{kind}_{units}")
    if loss is not None:
        options = {"learning_rate": learning_rate}
        if clipnorm is not None:
            options["clipnorm"] = clipnorm
        model.compile(
            optimizer=getattr(keras.optimizers, OPTIMIZERS[optimizer])(**options),
            loss=loss,
            metrics=list(metrics) or None,
            jit_compile=jit_compile,
        )
    return model


@dataclass(frozen=True)
class History:
    """What a training run measured: one row per epoch.

    Each row is a dict holding ``epoch`` (from 1) and the epoch's measurements, e.g.
    ``loss`` (the training loss, averaged over the epoch's batches as Keras reports it),
    ``val_loss`` (on the validation set at the end of the epoch), the task's own metrics,
    ``epoch_seconds`` (training only) and ``train_seconds`` (cumulative). A column reads
    as an attribute: ``history.val_loss`` is the tuple of every epoch's ``val_loss``.

    Attributes
    ----------
    rows
        The epochs' rows, in order.
    """

    rows: tuple[dict[str, float], ...]

    @classmethod
    def from_columns(cls, **columns: Sequence[float]) -> History:
        """The history whose columns are ``columns`` (of equal lengths), epochs counted from 1."""
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"columns must have one length, got lengths {sorted(lengths)}")
        (length,) = lengths
        return cls(
            tuple(
                {
                    "epoch": epoch,
                    **{key: float(values[epoch - 1]) for key, values in columns.items()},
                }
                for epoch in range(1, length + 1)
            )
        )

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(self.rows)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The columns, in the order of the first row."""
        return tuple(self.rows[0]) if self.rows else ()

    def column(self, metric: str) -> tuple[float, ...]:
        """Every epoch's value of ``metric``.

        Raises
        ------
        KeyError
            If no row holds ``metric`` (the message lists those that do).
        """
        if not self.rows or metric not in self.rows[0]:
            raise KeyError(f"no column {metric!r}; the history has {list(self.metrics)}")
        return tuple(row[metric] for row in self.rows)

    def final(self, metric: str) -> float:
        """The value of ``metric`` after the last epoch."""
        return self.column(metric)[-1]

    def best(self, metric: str) -> dict[str, float]:
        """The row of the epoch with the lowest ``metric`` (the first, in a tie).

        Raises
        ------
        KeyError
            If no row holds ``metric``.
        """
        values = self.column(metric)
        return dict(self.rows[int(np.argmin(values))])

    def __getattr__(self, name: str) -> tuple[float, ...]:
        if name.startswith("_") or name == "rows":
            raise AttributeError(name)
        try:
            return self.column(name)
        except KeyError as error:
            raise AttributeError(str(error)) from None


def first_epoch_reaching(
    history: History | Sequence[Mapping[str, float]], metric: str, target: float
) -> dict[str, float] | None:
    """The row of the first epoch whose ``metric`` is at or below ``target``, or ``None``.

    Parameters
    ----------
    history
        A :class:`History`, or its rows (as a result file stores them).
    metric
        A column, e.g. ``"valid_nll"`` or ``"test_mse"``.
    target
        The value to reach.

    Returns
    -------
    dict or None
        The epoch's row (with its ``epoch`` and, for :func:`train`'s rows, its cumulative
        ``train_seconds``).
    """
    rows = history.rows if isinstance(history, History) else history
    for row in rows:
        if row[metric] <= target:
            return dict(row)
    return None


class _NoProgress:
    """Stands in for a rich progress bar when none is wanted."""

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None

    def advance(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextlib.contextmanager
def progress_bar(show: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr with the time spent and an estimate of the time left.

    ``show=False`` yields a stand-in that accepts the same calls (``add_task``, ``update``,
    ``advance``) and shows nothing.
    """
    if not check_bool("show", show):
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as progress:
        yield progress


def train(
    model: Any,
    fit_data: tuple[np.ndarray, ...],
    *,
    epochs: int,
    batch_size: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    evaluate: Callable[[Any], Mapping[str, float]] | None = None,
    progress: Any = None,
    task: Any = 0,
    monitor: str | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    tolerance: float = 0.0,
) -> History:
    """Train a compiled ``model`` epoch by epoch, quietly; measure and time every epoch.

    Each epoch is one ``model.fit(..., epochs=1, shuffle=True)``; its row holds what
    ``fit`` reports (``loss`` and the compiled metrics), then ``val_<name>`` for each of
    them on ``validation`` (``model.evaluate`` with the same batch size, as ``fit`` does
    with ``validation_data``), then ``evaluate(model)``'s metrics, then the seconds.
    The validation set is never trained on. Seed before building the model for the same
    numbers on every run.

    With ``monitor`` and ``patience``, training stops early: after ``patience`` epochs in
    a row in which the monitored measurement (lower is better) did not fall below its best
    value so far by more than ``min_delta`` times that value and more than ``tolerance``
    (a change smaller than that is not worth training for). ``epochs`` is then a cap;
    the history ends at the epoch that stopped it, and :meth:`History.best` gives the
    epoch to report.

    Parameters
    ----------
    model
        A compiled Keras model, e.g. from :func:`build_model`.
    fit_data
        ``(inputs, targets)`` or ``(inputs, targets, sample_weight)``.
    epochs, batch_size
        Positive integers.
    validation
        ``(inputs, targets)`` measured after each epoch, or ``None``.
    evaluate
        A function of the model returning a dict of metrics, called after each epoch, or
        ``None``.
    progress, task
        A rich progress bar (from :func:`progress_bar`) and its task, advanced once per
        epoch, or ``None``.
    monitor
        A measurement of the rows (e.g. ``"valid_mse"``) to stop on, or ``None``.
    patience
        Epochs without improvement that stop training (with ``monitor``), or ``None``.
    min_delta
        The relative improvement that counts, a number in [0, 1).
    tolerance
        The absolute improvement that counts, a number >= 0.

    Returns
    -------
    History
        One row per epoch: ``epoch``, the metrics, ``epoch_seconds`` (training only) and
        ``train_seconds`` (cumulative training time, measurements excluded).

    Raises
    ------
    TypeError, ValueError
        If ``fit_data`` is not a tuple of 2 or 3 arrays, or a count is not a positive
        integer.
    """
    if not isinstance(fit_data, tuple) or len(fit_data) not in (2, 3):
        raise TypeError(
            "fit_data must be a tuple (inputs, targets) or (inputs, targets, sample_weight), "
            f"got {type(fit_data).__name__}"
        )
    if validation is not None and (not isinstance(validation, tuple) or len(validation) != 2):
        raise TypeError("validation must be a tuple (inputs, targets) or None")
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    if (monitor is None) != (patience is None):
        raise ValueError("early stopping needs both monitor and patience, or neither")
    if patience is not None:
        patience = check_positive_int("patience", patience)
    min_delta = check_real("min_delta", min_delta)
    if not 0 <= min_delta < 1:
        raise ValueError(f"min_delta must be in [0, 1), got {min_delta}")
    tolerance = check_real("tolerance", tolerance)
    if not 0 <= tolerance < np.inf:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance}")
    best, waited = np.inf, 0
    inputs, targets, *weights = fit_data
    sample_weight = weights[0] if weights else None
    rows = []
    elapsed = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        logs = model.fit(inputs, targets, sample_weight=sample_weight, batch_size=batch_size,
                         epochs=1, shuffle=True, verbose=0).history  # fmt: skip
        seconds = time.perf_counter() - start
        elapsed += seconds
        row: dict[str, float] = {"epoch": epoch}
        row.update((key, float(values[-1])) for key, values in logs.items())
        if validation is not None:
            scores = model.evaluate(*validation, batch_size=batch_size, verbose=0,
                                    return_dict=True)  # fmt: skip
            row.update((f"val_{key}", float(value)) for key, value in scores.items())
        if evaluate is not None:
            row.update((key, float(value)) for key, value in evaluate(model).items())
        row["epoch_seconds"] = seconds
        row["train_seconds"] = elapsed
        rows.append(row)
        if progress is not None:
            progress.advance(task)
        if monitor is not None:
            if monitor not in row:
                raise KeyError(f"cannot stop on {monitor!r}: the epochs measure {list(row)}")
            if not np.isfinite(best) or row[monitor] < best - max(min_delta * abs(best), tolerance):
                best, waited = row[monitor], 0
            else:
                waited += 1
                if waited >= patience:
                    break
    return History(tuple(rows))


def predict(model: Any, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
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
