"""A GRU classifier of handwritten digits read row by row, built and trained in Keras.

The data are :mod:`gru_companion.data.digits`; the model reads the 8 rows of an image
one at a time and classifies its final state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.data.digits import FEATURES, HISTORY_DIGITS, NUM_CLASSES, STEPS, DigitsSplit
from gru_companion.validation import (
    check_bool,
    check_positive_int,
    check_positive_number,
)


def build_digits_classifier(
    units: int = 32,
    *,
    bidirectional: bool = False,
    learning_rate: float = 0.01,
    name: str = "digits_gru",
) -> Any:
    """A GRU classifier of 8-step sequences of 8 features, compiled.

    ``Input(8, 8) → GRU(units) → Dense(10, softmax)``, or with the GRU wrapped in
    ``Bidirectional`` (rows read top-down and bottom-up, final states concatenated).
    Compiled with Adam, sparse categorical cross-entropy and accuracy; ``jit_compile``
    is off, since compiling with XLA takes longer than the whole training on a CPU.

    Parameters
    ----------
    units
        Units of the GRU.
    bidirectional
        Whether to wrap the GRU in ``keras.layers.Bidirectional``.
    learning_rate
        Adam's learning rate, a positive number.
    name
        The model's name. Its layers are named ``rows``, ``gru`` (or ``bidirectional_gru``)
        and ``classes``.
    """
    check_positive_int("units", units)
    check_bool("bidirectional", bidirectional)
    learning_rate = check_positive_number("learning_rate", learning_rate)
    import keras

    recurrent = keras.layers.GRU(units, name="gru")
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent, name="bidirectional_gru")
    model = keras.Sequential(
        [
            keras.Input((STEPS, FEATURES), name="rows"),
            recurrent,
            keras.layers.Dense(NUM_CLASSES, activation="softmax", name="classes"),
        ],
        name=name,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    return model



@dataclass(frozen=True)
class TrainingHistory:
    """Per-epoch metrics of a training run, rounded to :data:`HISTORY_DIGITS` decimals.

    Attributes
    ----------
    loss, accuracy
        On the training set (averaged over each epoch's batches, as Keras reports them).
    val_loss, val_accuracy
        On the test set, at the end of each epoch.
    """

    loss: tuple[float, ...]
    accuracy: tuple[float, ...]
    val_loss: tuple[float, ...]
    val_accuracy: tuple[float, ...]

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(self.loss)



def train_digits_classifier(
    model: Any, split: DigitsSplit, *, epochs: int = 15, batch_size: int = 32
) -> TrainingHistory:
    """Train ``model`` on ``split``'s training set, quietly, and return its history.

    Seed first (:func:`gru_companion.reproducibility.seed_everything`) for the same
    numbers on every run. The test set is evaluated after each epoch (``validation_data``);
    it is never trained on.

    Parameters
    ----------
    model
        A compiled model, e.g. from :func:`build_digits_classifier`.
    split
        The data.
    epochs, batch_size
        Positive integers.
    """
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit, got {type(split).__name__}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    history = model.fit(
        split.x_train,
        split.y_train,
        validation_data=(split.x_test, split.y_test),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    ).history

    def rounded(key: str) -> tuple[float, ...]:
        return tuple(round(float(value), HISTORY_DIGITS) for value in history[key])

    return TrainingHistory(
        loss=rounded("loss"),
        accuracy=rounded("accuracy"),
        val_loss=rounded("val_loss"),
        val_accuracy=rounded("val_accuracy"),
    )



@dataclass(frozen=True)
class DigitsEvaluation:
    """A classifier's results on the test set.

    Attributes
    ----------
    accuracy
        Fraction of test images classified correctly.
    confusion
        (10, 10) integer counts: ``confusion[i, j]`` test images of digit i predicted j.
    predictions
        The predicted digit of every test image.
    """

    accuracy: float
    confusion: np.ndarray
    predictions: np.ndarray



def evaluate_digits(model: Any, split: DigitsSplit) -> DigitsEvaluation:
    """Classify ``split``'s test set with ``model`` and count what went where."""
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit, got {type(split).__name__}")
    probabilities = np.asarray(model.predict(split.x_test, verbose=0))
    predictions = probabilities.argmax(axis=-1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (split.y_test, predictions), 1)
    accuracy = float(np.mean(predictions == split.y_test))
    return DigitsEvaluation(accuracy=accuracy, confusion=confusion, predictions=predictions)
