"""How a Keras classifier of handwritten digits read row by row does on the test set.

The data are :mod:`gru_companion.data.digits`; the classifier reads the 8 rows of an
image one at a time and classifies its final state. It is built and trained like every
model of the course (:mod:`gru_companion.experiments.training`)::

    classifier = build_model("gru", FEATURES, 32, NUM_CLASSES, steps=STEPS,
                             activation="softmax", input_name="rows", output_name="classes",
                             loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                             name="digits_gru")
    history = train(classifier, (split.x_train, split.y_train), epochs=15, batch_size=32,
                    validation=(split.x_test, split.y_test))

:func:`evaluate_digits` then counts what went where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.data.digits import NUM_CLASSES, DigitsSplit


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
