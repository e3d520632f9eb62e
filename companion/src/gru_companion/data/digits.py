"""Handwritten digits read row by row: a sequence task small enough to train in seconds.

scikit-learn ships the UCI handwritten digits (``sklearn.datasets.load_digits``, no
download): 1,797 images of 8 × 8 pixels with values 0 to 16, labels 0 to 9. Read from
top to bottom, an image is a sequence of 8 steps, each step a row of 8 features (pixel
values scaled to [0, 1]). A GRU reads the rows one at a time and its final state is
classified by a dense layer, so the model must remember what it saw in earlier rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.validation import (
    check_int_at_least,
    check_open_fraction,
)

#: Steps per sequence (image rows) and features per step (pixels per row).
STEPS = FEATURES = 8
#: Number of classes (digits 0 to 9).
NUM_CLASSES = 10


def load_digit_sequences() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as sequences of rows.

    Returns
    -------
    tuple of numpy.ndarray
        ``x``: float32 of shape (1797, 8, 8), ``x[i, t]`` the t-th row of image i, scaled
        to [0, 1]; ``y``: int64 labels of shape (1797,).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")
    return x, digits.target.astype("int64")


@dataclass(frozen=True)
class DigitsSplit:
    """A train/test split of the digit sequences (arrays as :func:`load_digit_sequences`)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def split_digits(test_fraction: float = 0.25, seed: int = 0) -> DigitsSplit:
    """Split the digits into train and test sets, stratified by label.

    Parameters
    ----------
    test_fraction
        Fraction of the images held out for testing, strictly between 0 and 1.
    seed
        Seed of the shuffle (a non-negative integer), so the split is the same every run.
    """
    test_fraction = check_open_fraction("test_fraction", test_fraction)
    seed = check_int_at_least("seed", seed, 0)
    from sklearn.model_selection import train_test_split

    x, y = load_digit_sequences()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return DigitsSplit(x_train, y_train, x_test, y_test)


