r"""A training loop for the NumPy models: batches, loss, backward pass, optimizer step.

:func:`fit` trains a :class:`~gru_companion.learning.sequence_model.SequenceModel` the way
``keras.Model.fit`` does: for each epoch, the training set is cut into consecutive
batches (shuffled first if asked), and for each batch the loss is computed, the
gradients are backpropagated and the optimizer updates the weights. It returns a
:class:`History` of the loss of every step (computed before that step's update, as
Keras reports it) and of every epoch (the mean over the epoch's batches weighted by
their sizes, as Keras's ``history.history["loss"]``). With ``shuffle=False``, a NumPy
model and its Keras twin with the same weights, loss and optimizer see the same batches
in the same order, and their losses agree to rounding.

``verbose=True`` shows a progress bar (``rich.progress``) with the running loss;
``verbose=False`` (the default) prints nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gru_companion.learning.losses import Loss
from gru_companion.learning.optimizers import Optimizer
from gru_companion.learning.sequence_model import SequenceModel
from gru_companion.validation import check_bool, check_positive_int, check_rng


@dataclass
class History:
    """The losses of a training run.

    Attributes
    ----------
    step_losses
        The loss of each batch, before the update it caused, in order.
    epoch_losses
        The loss of each epoch: its batches' losses averaged with their sizes as weights.
    grad_norms
        The global norm of the gradients at each step, before clipping.
    """

    step_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)


def batches(
    inputs: np.ndarray,
    targets: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int | np.random.Generator = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Consecutive batches of ``batch_size`` examples (the last one may be smaller).

    Parameters
    ----------
    inputs, targets
        Arrays with the examples along their first axis, the same number of them.
    batch_size
        A positive integer.
    shuffle
        ``True``: permute the examples first (with ``seed``).
    seed
        A seed or a ``numpy.random.Generator`` (advanced when shuffling).
    """
    count = _check_examples(inputs, targets)
    batch_size = check_positive_int("batch_size", batch_size)
    order = check_rng("seed", seed).permutation(count) if shuffle else np.arange(count)
    for start in range(0, count, batch_size):
        index = order[start : start + batch_size]
        yield inputs[index], targets[index]


def _check_examples(inputs: Any, targets: Any) -> int:
    for name, value in (("inputs", inputs), ("targets", targets)):
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
        if value.ndim < 1 or len(value) == 0:
            raise ValueError(f"{name} must hold at least one example, got shape {value.shape}")
    if len(inputs) != len(targets):
        raise ValueError(
            f"inputs and targets must hold as many examples, got {len(inputs)} and {len(targets)}"
        )
    return len(inputs)


def train_step(
    model: SequenceModel, loss: Loss, optimizer: Optimizer, inputs: np.ndarray, targets: np.ndarray
) -> tuple[float, float]:
    """One step: loss and gradients on a batch, then one optimizer update.

    Returns
    -------
    tuple
        ``(loss, grad_norm)``: the batch's loss before the update and the global norm of
        the gradients before clipping.
    """
    value, grads = model.loss_and_gradients(loss, inputs, targets)
    norm = optimizer.apply(model.parameters(), grads)
    return value, norm


def fit(
    model: SequenceModel,
    loss: Loss,
    optimizer: Optimizer,
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int | np.random.Generator = 0,
    verbose: bool = False,
) -> History:
    """Train ``model`` in place, as ``keras.Model.fit``; return the history of losses.

    Parameters
    ----------
    model
        A :class:`~gru_companion.learning.sequence_model.SequenceModel`.
    loss
        A loss from :mod:`gru_companion.learning.losses`.
    optimizer
        An optimizer from :mod:`gru_companion.learning.optimizers` (its state carries over
        between calls).
    inputs, targets
        The training set, examples along the first axis.
    epochs, batch_size
        Positive integers.
    shuffle
        ``True``: a new order of the examples every epoch (Keras's default; ``False``
        to see the same batches as a Keras twin trained with ``shuffle=False``).
    seed
        Seed of the shuffling.
    verbose
        ``True``: show a progress bar with the loss. ``False``: print nothing.

    Returns
    -------
    History
        The loss of every step and every epoch.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``epochs`` or ``batch_size`` is not positive, the data do not fit, or a loss
        turns NaN (the step is named).
    """
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(
            f"loss must be a gru_companion.learning.losses.Loss, got {type(loss).__name__}"
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a gru_companion.learning.optimizers.Optimizer, got "
            f"{type(optimizer).__name__}"
        )
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    shuffle = check_bool("shuffle", shuffle)
    verbose = check_bool("verbose", verbose)
    count = _check_examples(inputs, targets)
    rng = check_rng("seed", seed)
    steps_per_epoch = -(-count // batch_size)
    history = History()
    progress = _progress_bar(epochs * steps_per_epoch) if verbose else None
    try:
        for epoch in range(epochs):
            total, seen = 0.0, 0
            for x, y in batches(inputs, targets, batch_size, shuffle=shuffle, seed=rng):
                value, norm = train_step(model, loss, optimizer, x, y)
                if not np.isfinite(value):
                    raise ValueError(
                        f"the loss is {value} at step {len(history.step_losses) + 1} (epoch "
                        f"{epoch + 1}): lower the learning rate or clip the gradients"
                    )
                history.step_losses.append(value)
                history.grad_norms.append(norm)
                total, seen = total + value * len(x), seen + len(x)
                if progress is not None:
                    bar, task = progress
                    bar.update(task, advance=1, epoch=epoch + 1, loss=total / seen)
            history.epoch_losses.append(total / seen)
    finally:
        if progress is not None:
            progress[0].stop()
    return history


def _progress_bar(total: int) -> tuple[Any, Any]:
    """A started ``rich`` progress bar over ``total`` steps showing the epoch and loss."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
    )
    task = bar.add_task("training", total=total, epoch=1, loss=float("nan"))
    bar.start()
    return bar, task
