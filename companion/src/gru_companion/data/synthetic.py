"""Synthetic long-range tasks: the adding problem, copy memory, first sign and counting (aⁿbⁿ).

Each needs a network to keep information over a chosen number of steps and is
generated here from a seed, so every run sees the same data.

* **Adding problem** (Hochreiter & Schmidhuber, 1997, in the two-channel form of
  Le et al., 2015). Each step carries a value drawn uniformly from [0, 1) and a marker,
  0 or 1; exactly two steps are marked. The target is the sum of the two marked values.
  Here one marker falls in the first half of the sequence and one in the second, so
  that the first must be remembered for about ``seq_len / 2`` steps or more (papers
  differ on where the markers may fall). Predicting the constant 1
  whatever the input gives a mean squared error of 1/6 (the variance of a sum of two
  uniform values), the level a network must beat (:data:`ADDING_BASELINE_MSE`).
* **Copy memory** (Arjovsky et al., 2016). Symbols: 0 is *blank*, 1 to ``n_symbols``
  are data, ``n_symbols + 1`` is the *delimiter*. An input sequence is ``copy_len`` data
  symbols, ``delay - 1`` blanks, the delimiter, then ``copy_len`` blanks, of length
  ``delay + 2 * copy_len``; the target is blank for ``delay + copy_len`` steps, then
  the ``copy_len`` data symbols in their order. With 8 symbols, 10 to copy and delay
  ``T`` this is the task of the paper. A model that remembers nothing does best by
  predicting blanks and then guessing uniformly, a cross-entropy per step of
  ``copy_len * log(n_symbols) / (delay + 2 * copy_len)``
  (:func:`copy_memory_baseline`).
* **First sign** (:func:`first_sign`). Each step is a number drawn from a standard normal;
  the label is 1 if the *first* one is positive. Everything after it is noise, so a model
  must store the first step and keep it; one that remembers nothing predicts 1/2.
* **Counting** (:func:`counting_strings`, after Weiss et al., 2018). The strings
  ``a…ab…b`` with as many b's as a's. Reading the b's, the network says at each step
  whether another b follows; it is right on the whole string only if it counted the a's
  and counts them down. Trained on short strings and tested on longer ones, it shows
  whether a network learned to count or only memorised the lengths it saw. The
  strings are listed, not drawn: no seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gru_companion.validation import (
    check_int_at_least,
    check_positive_int,
    check_positive_number,
    check_rng,
)

ADDING_BASELINE_MSE = 1.0 / 6.0
"""Mean squared error of always predicting 1 on the adding problem (in expectation)."""

ADDING_TOLERANCE = 0.04
"""A sum predicted within this distance of the target counts as correct (adding problem)."""


def adding_problem(
    n_samples: int, seq_len: int, *, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of the adding problem and their targets.

    Parameters
    ----------
    n_samples
        Number of sequences, at least 1.
    seq_len
        Steps per sequence, at least 2. The first marker is drawn uniformly from steps
        ``0 .. seq_len // 2 - 1``, the second from ``seq_len // 2 .. seq_len - 1``.
    seed
        A non-negative integer, or a ``numpy.random.Generator`` (which is advanced). The
        same integer gives the same arrays.

    Returns
    -------
    tuple of numpy.ndarray
        ``inputs``, ``float32`` of shape ``(n_samples, seq_len, 2)``: channel 0 the values,
        channel 1 the markers (exactly two 1s per sequence); ``targets``, ``float32`` of
        shape ``(n_samples, 1)``: the sum of the two marked values.

    Raises
    ------
    TypeError
        If ``n_samples`` or ``seq_len`` is not an integer, or ``seed`` neither an integer
        nor a generator.
    ValueError
        If ``n_samples < 1``, ``seq_len < 2`` or ``seed`` is negative.
    """
    n_samples = check_positive_int("n_samples", n_samples)
    seq_len = check_int_at_least("seq_len", seq_len, 2)
    rng = check_rng("seed", seed)
    half = seq_len // 2
    values = rng.uniform(0.0, 1.0, size=(n_samples, seq_len))
    first = rng.integers(0, half, size=n_samples)
    second = rng.integers(half, seq_len, size=n_samples)
    markers = np.zeros((n_samples, seq_len))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    inputs = np.stack([values, markers], axis=-1).astype(np.float32)
    # The sum of the float32 values, so that it equals what the inputs show.
    targets = inputs[rows, first, 0] + inputs[rows, second, 0]
    return inputs, targets[:, None].astype(np.float32)


def copy_memory(
    n_samples: int,
    delay: int,
    *,
    copy_len: int = 10,
    n_symbols: int = 8,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of the copy-memory task: one-hot inputs and integer targets.

    Parameters
    ----------
    n_samples, seed
        As for :func:`adding_problem`.
    delay
        ``T`` in Arjovsky et al. (2016), at least 1. The data symbols are at steps
        ``0 .. copy_len - 1`` and the delimiter at step ``copy_len + delay - 1``,
        ``delay`` steps after the last of them; each symbol is asked for
        ``delay + copy_len`` steps after it was shown. Sequences have
        ``delay + 2 * copy_len`` steps.
    copy_len
        Number of data symbols to remember and copy, at least 1.
    n_symbols
        Number of distinct data symbols, at least 1 (they are 1 .. ``n_symbols``).

    Returns
    -------
    tuple of numpy.ndarray
        ``inputs``, ``float32`` of shape ``(n_samples, delay + 2 * copy_len,
        n_symbols + 2)``, one-hot over blank (0), the data symbols and the delimiter
        (``n_symbols + 1``); ``targets``, ``int32`` of shape
        ``(n_samples, delay + 2 * copy_len)``, classes 0 (blank) to ``n_symbols``: blank,
        then the data symbols over the last ``copy_len`` steps.

    Raises
    ------
    TypeError
        If a count is not an integer, or ``seed`` neither an integer nor a generator.
    ValueError
        If a count is below 1 or ``seed`` is negative.
    """
    n_samples = check_positive_int("n_samples", n_samples)
    delay = check_positive_int("delay", delay)
    copy_len = check_positive_int("copy_len", copy_len)
    n_symbols = check_positive_int("n_symbols", n_symbols)
    rng = check_rng("seed", seed)
    length = delay + 2 * copy_len
    data = rng.integers(1, n_symbols + 1, size=(n_samples, copy_len))
    symbols = np.zeros((n_samples, length), dtype=np.int64)
    symbols[:, :copy_len] = data
    symbols[:, copy_len + delay - 1] = n_symbols + 1
    targets = np.zeros((n_samples, length), dtype=np.int32)
    targets[:, -copy_len:] = data
    inputs = np.eye(n_symbols + 2, dtype=np.float32)[symbols]
    return inputs, targets


def first_sign(
    n_samples: int, steps: int, *, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of standard normal numbers labelled by the sign of their first step.

    Every step after the first is noise: a model must store the first step and keep it to
    the end; one that remembers nothing can only predict 1/2.

    Parameters
    ----------
    steps
        Steps per sequence, at least 1.
    n_samples, seed
        As for :func:`adding_problem`: a generator passed as ``seed`` is advanced, so a
        training and a test set drawn one after the other differ.

    Returns
    -------
    tuple of numpy.ndarray
        ``inputs``, float64 of shape ``(n_samples, steps, 1)``; ``labels``, float64 of
        shape ``(n_samples, 1)``: 1.0 where the first step is positive, else 0.0.

    Raises
    ------
    TypeError
        If a count is not an integer or ``seed`` is neither an integer nor a generator.
    ValueError
        If a count is below 1 or ``seed`` is negative.

    Examples
    --------
    >>> inputs, labels = first_sign(4, 10, seed=0)
    >>> inputs.shape, labels.shape
    ((4, 10, 1), (4, 1))
    """
    n_samples = check_positive_int("n_samples", n_samples)
    steps = check_positive_int("steps", steps)
    rng = check_rng("seed", seed)
    inputs = rng.normal(size=(n_samples, steps, 1))
    return inputs, (inputs[:, 0] > 0).astype(float)


def copy_memory_baseline(delay: int, *, copy_len: int = 10, n_symbols: int = 8) -> float:
    """Cross-entropy per step (nats) of the best memoryless strategy on copy memory.

    Predict blank with certainty while the target is blank, then each data symbol with
    probability ``1 / n_symbols``: ``copy_len * log(n_symbols) / (delay + 2 * copy_len)``
    (Arjovsky et al., 2016, with 10 symbols to copy out of 8).

    Parameters
    ----------
    delay, copy_len, n_symbols
        As for :func:`copy_memory`.

    Raises
    ------
    TypeError, ValueError
        As :func:`copy_memory` for the same arguments.
    """
    delay = check_positive_int("delay", delay)
    copy_len = check_positive_int("copy_len", copy_len)
    n_symbols = check_positive_int("n_symbols", n_symbols)
    return copy_len * float(np.log(n_symbols)) / (delay + 2 * copy_len)


@dataclass(frozen=True)
class AddingData:
    """A training and a test set of the adding problem.

    Attributes
    ----------
    x_train, x_test
        Inputs (float32, or float64 when asked for), shape (samples, seq_len, 2):
        channel 0 the values, channel 1 the markers.
    y_train, y_test
        Targets of the same dtype, shape (samples, 1).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def seq_len(self) -> int:
        """Steps per sequence."""
        return int(self.x_train.shape[1])

    @property
    def test_markers(self) -> np.ndarray:
        """Where the test sequences are marked, a bool array of shape (samples, seq_len)."""
        return self.x_test[:, :, 1] == 1


def adding_data(
    seq_len: int,
    n_train: int = 3000,
    n_test: int = 1000,
    *,
    seed: int | np.random.Generator = 0,
    test_seed: int | np.random.Generator | None = None,
    dtype: str | np.dtype = "float32",
) -> AddingData:
    """A training and a test set of the adding problem, drawn from seeds.

    Every experiment of the course draws its adding data here. By default both sets come
    from ``seed``: the training set first, then the test set, from the same generator, so
    they do not overlap in their random draws. The long runs instead draw the test set
    from a seed of its own (``test_seed``): the budget-matched comparisons use
    ``seed=1000 + s, test_seed=2000 + s`` for their seed ``s``, the gradient-flow
    measurement ``seed=s, test_seed=s + 1``; their stored results were drawn so.

    Parameters
    ----------
    seq_len
        Steps per sequence, at least 2.
    n_train, n_test
        Numbers of sequences, positive integers.
    seed
        A non-negative integer or a ``numpy.random.Generator``, for the training set (and
        the test set when ``test_seed`` is ``None``).
    test_seed
        ``None``, or a seed or generator of the test set's own.
    dtype
        ``"float32"`` (as :func:`adding_problem` draws them) or ``"float64"`` (the same
        numbers, converted: for the NumPy training stack).

    Raises
    ------
    TypeError
        If a count is not an integer or a seed is neither an integer nor a generator.
    ValueError
        If ``seq_len < 2``, a count is below 1, a seed is negative or ``dtype`` is
        neither float32 nor float64.
    """
    seq_len = check_int_at_least("seq_len", seq_len, 2)
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    rng = check_rng("seed", seed)
    test_rng = rng if test_seed is None else check_rng("test_seed", test_seed)
    x_train, y_train = adding_problem(n_train, seq_len, seed=rng)
    x_test, y_test = adding_problem(n_test, seq_len, seed=test_rng)
    arrays = (x_train, y_train, x_test, y_test)
    return AddingData(*(array.astype(dtype, copy=False) for array in arrays))


def adding_accuracy(
    predictions: np.ndarray, targets: np.ndarray, *, tolerance: float = ADDING_TOLERANCE
) -> float:
    """The share of sums predicted within ``tolerance`` of their targets.

    Parameters
    ----------
    predictions, targets
        Arrays of the same shape, e.g. ``(samples, 1)``.
    tolerance
        The largest distance counted as correct, a positive number
        (:data:`ADDING_TOLERANCE`).

    Raises
    ------
    ValueError
        If the shapes differ or ``tolerance`` is not positive.
    """
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    if predictions.shape != targets.shape:
        raise ValueError(
            f"predictions and targets must have the same shape, got {predictions.shape} "
            f"and {targets.shape}"
        )
    tolerance = check_positive_number("tolerance", tolerance)
    return float(np.mean(np.abs(predictions - targets) < tolerance))


def counting_strings(
    counts: Sequence[int], *, steps: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strings aⁿbⁿ for each n of ``counts``, with the counting targets.

    Step t of a string reads one symbol, one-hot: ``[1, 0]`` for *a*, ``[0, 1]`` for *b*.
    While reading the b's the target says whether another b follows (1) or the string
    ends here (0); the a steps carry no target (weight 0: after an *a* either symbol may
    come). Strings shorter than ``steps`` are padded at the end with zero inputs and
    zero weights; a recurrent network reads forwards, so the padding changes nothing it
    predicts on the real steps.

    Parameters
    ----------
    counts
        The n of each string, integers of at least 1 (repeat one to train on it more).
    steps
        The padded length, at least ``2 * max(counts)``; ``None``: exactly that.

    Returns
    -------
    tuple of numpy.ndarray
        ``inputs`` float32 ``(strings, steps, 2)``, ``targets`` float32
        ``(strings, steps, 1)`` and ``weights`` float32 ``(strings, steps)``: 1 on the b
        steps, where a target is defined.

    Raises
    ------
    TypeError
        If a count or ``steps`` is not an integer.
    ValueError
        If ``counts`` is empty, a count is below 1 or ``steps`` is too short.

    Examples
    --------
    >>> inputs, targets, weights = counting_strings([2])
    >>> inputs[0].argmax(axis=-1).tolist(), targets[0, :, 0].tolist(), weights[0].tolist()
    ([0, 0, 1, 1], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0])
    """
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence) or not counts:
        raise ValueError(f"counts must be a non-empty sequence of integers, got {counts!r}")
    counts = [check_positive_int("count", n) for n in counts]
    longest = 2 * max(counts)
    steps = (
        longest
        if steps is None
        else check_int_at_least(
            "steps", steps, longest, expected=f"an integer of at least 2 * max(counts) = {longest}"
        )
    )
    inputs = np.zeros((len(counts), steps, 2), np.float32)
    targets = np.zeros((len(counts), steps, 1), np.float32)
    weights = np.zeros((len(counts), steps), np.float32)
    for row, n in enumerate(counts):
        inputs[row, :n, 0] = 1.0
        inputs[row, n : 2 * n, 1] = 1.0
        targets[row, n : 2 * n - 1, 0] = 1.0
        weights[row, n : 2 * n] = 1.0
    return inputs, targets, weights


def counting_recognised(logits: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Whether each string of :func:`counting_strings` was counted right at every b step.

    A step's prediction is "another b" when its logit is positive.

    Parameters
    ----------
    logits
        The network's outputs, shape ``(strings, steps, 1)`` or ``(strings, steps)``.
    targets, weights
        As :func:`counting_strings` returns them.

    Returns
    -------
    numpy.ndarray
        Booleans, one per string.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    logits = np.asarray(logits).reshape(weights.shape[0], -1)
    targets = np.asarray(targets).reshape(weights.shape[0], -1)
    if logits.shape != weights.shape or targets.shape != weights.shape:
        raise ValueError(
            f"logits {logits.shape} and targets {targets.shape} must match weights {weights.shape}"
        )
    wrong = ((logits > 0) != (targets > 0.5)) & (weights > 0)
    return ~wrong.any(axis=1)
