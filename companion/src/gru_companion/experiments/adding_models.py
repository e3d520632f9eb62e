"""Small recurrent models for the adding problem, trained in seconds, and how their gates respond.

The data come from :func:`gru_companion.data.synthetic.adding_problem`: each step holds a
value in [0, 1) and a marker, two steps are marked (one in each half), and the target is
the sum of the two marked values. Predicting the constant 1 gives a mean squared error of
1/6 (:data:`~gru_companion.data.synthetic.ADDING_BASELINE_MSE`): a model that beats it
clearly has learned to find the markers and to keep the first value until the second.

The model is ``Input(seq_len, 2) → recurrent layer → Dense(1)``, trained with Adam on the
mean squared error, quietly (``verbose=0``). Seed first
(:func:`gru_companion.reproducibility.seed_everything`) for the same numbers on every run.

:func:`marker_response` runs a trained layer's NumPy twin
(:func:`gru_companion.keras.bridge.from_keras`) over test sequences and measures how much
each gate moves at the marked steps compared with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gru_companion.data.synthetic import AddingData
from gru_companion.validation import (
    check_int_at_least,
    check_positive_int,
    check_positive_number,
)


def build_adding_model(
    recurrent_layer: Any,
    seq_len: int,
    *,
    learning_rate: float = 0.01,
    name: str = "adding",
) -> Any:
    """``Input(seq_len, 2) → recurrent_layer → Dense(1)``, compiled for the adding problem.

    Compiled with Adam and the mean squared error; ``jit_compile`` is off (compiling with
    XLA takes longer than the training itself on a CPU). The layers are named ``sequence``,
    the recurrent layer's own name, and ``sum``.

    Parameters
    ----------
    recurrent_layer
        A Keras recurrent layer that returns its last output (``return_sequences=False``),
        e.g. ``keras.layers.GRU(16, name="gru")``.
    seq_len
        Steps per sequence, at least 2.
    learning_rate
        Adam's learning rate, a positive number.
    name
        The model's name.

    Raises
    ------
    TypeError
        If ``recurrent_layer`` is not a Keras layer, or an argument has the wrong type.
    ValueError
        If the layer returns sequences, ``seq_len < 2`` or ``learning_rate`` is not positive.
    """
    import keras

    if not isinstance(recurrent_layer, keras.layers.Layer):
        raise TypeError(
            f"recurrent_layer must be a keras.layers.Layer, got {type(recurrent_layer).__name__}"
        )
    if getattr(recurrent_layer, "return_sequences", False):
        raise ValueError("recurrent_layer must return its last output (return_sequences=False)")
    seq_len = check_int_at_least("seq_len", seq_len, 2)
    learning_rate = check_positive_number("learning_rate", learning_rate)
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    model = keras.Sequential(
        [
            keras.Input((seq_len, 2), name="sequence"),
            recurrent_layer,
            keras.layers.Dense(1, name="sum"),
        ],
        name=name,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mse",
        jit_compile=False,
    )
    return model


@dataclass(frozen=True)
class AddingHistory:
    """Per-epoch mean squared errors of a training run.

    Attributes
    ----------
    loss
        On the training set (averaged over each epoch's batches, as Keras reports it).
    test_mse
        On the test set, at the end of each epoch.
    """

    loss: tuple[float, ...]
    test_mse: tuple[float, ...]

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(self.loss)

    @property
    def final_test_mse(self) -> float:
        """The test MSE after the last epoch."""
        return self.test_mse[-1]

    def first_epoch_below(self, threshold: float) -> int | None:
        """The first epoch (counted from 1) whose test MSE is below ``threshold``, or ``None``.

        Parameters
        ----------
        threshold
            A positive number, e.g. a tenth of the baseline's MSE.
        """
        threshold = check_positive_number("threshold", threshold)
        for epoch, mse in enumerate(self.test_mse, start=1):
            if mse < threshold:
                return epoch
        return None


def train_adding_model(
    model: Any, data: AddingData, *, epochs: int = 10, batch_size: int = 64
) -> AddingHistory:
    """Train ``model`` on ``data``'s training set, quietly, and return its history.

    The test set is evaluated after each epoch (``validation_data``); it is never trained
    on. Seed first for the same numbers on every run.

    Parameters
    ----------
    model
        A compiled model, e.g. from :func:`build_adding_model`.
    data
        The data, from :func:`adding_data`.
    epochs, batch_size
        Positive integers.

    Raises
    ------
    TypeError
        If ``data`` is not :class:`AddingData` or a count is not an integer.
    ValueError
        If a count is below 1.
    """
    if not isinstance(data, AddingData):
        raise TypeError(f"data must be an AddingData, got {type(data).__name__}")
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    history = model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_test, data.y_test),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    ).history
    return AddingHistory(
        loss=tuple(float(value) for value in history["loss"]),
        test_mse=tuple(float(value) for value in history["val_loss"]),
    )


