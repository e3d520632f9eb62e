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

import numpy as np

from gru_companion.data.synthetic import adding_problem
from gru_companion.scratch.recurrent_layer import RecurrentLayer
from gru_companion.validation import (
    check_int_at_least,
    check_ndarray,
    check_positive_int,
    check_positive_number,
    check_rng,
)


@dataclass(frozen=True)
class AddingData:
    """A training and a test set of the adding problem.

    Attributes
    ----------
    x_train, x_test
        float32 inputs, shape (samples, seq_len, 2): channel 0 the values, channel 1 the
        markers.
    y_train, y_test
        float32 targets, shape (samples, 1).
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
) -> AddingData:
    """Draw a training and a test set of the adding problem from one seed.

    Parameters
    ----------
    seq_len
        Steps per sequence, at least 2.
    n_train, n_test
        Numbers of sequences, positive integers.
    seed
        A non-negative integer or a ``numpy.random.Generator``; the training set is drawn
        first, then the test set, from the same generator, so they do not overlap in
        their random draws.

    Raises
    ------
    TypeError
        If a count is not an integer or ``seed`` is neither an integer nor a generator.
    ValueError
        If ``seq_len < 2``, a count is below 1 or ``seed`` is negative.
    """
    seq_len = check_int_at_least("seq_len", seq_len, 2)
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    rng = check_rng("seed", seed)
    x_train, y_train = adding_problem(n_train, seq_len, seed=rng)
    x_test, y_test = adding_problem(n_test, seq_len, seed=rng)
    return AddingData(x_train, y_train, x_test, y_test)


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


@dataclass(frozen=True)
class MarkerResponse:
    r"""How much one gate moves at marked steps, compared with unmarked ones.

    The change of gate :math:`g` at step :math:`t \ge 1` is the mean over units of
    :math:`|g_t - g_{t-1}|`; step 0 has no predecessor and is left out.

    Attributes
    ----------
    gate
        The gate's name in the step cache (``"z"``, ``"r"``, ``"i"``, ...).
    marked_change
        The mean change at marked steps.
    unmarked_change
        The mean change at the other steps.
    ratio
        ``marked_change / unmarked_change``.
    marked_mean, unmarked_mean
        The gate's mean value (over units and sequences) at marked and at unmarked steps.
    marked_unit_means, unmarked_unit_means
        The same means for each unit separately, shape (units,).
    """

    gate: str
    marked_change: float
    unmarked_change: float
    ratio: float
    marked_mean: float
    unmarked_mean: float
    marked_unit_means: np.ndarray
    unmarked_unit_means: np.ndarray


def marker_response(
    layer: RecurrentLayer, inputs: np.ndarray, marked: np.ndarray, gates: tuple[str, ...]
) -> dict[str, MarkerResponse]:
    """Run ``layer`` over ``inputs`` and compare each gate at marked and unmarked steps.

    Parameters
    ----------
    layer
        A NumPy recurrent layer (not going backwards), e.g. the twin of a trained Keras
        layer.
    inputs
        Shape (batch, time, features), in the layer's dtype.
    marked
        Bool, shape (batch, time): the marked steps (for the adding problem,
        ``inputs[:, :, 1] == 1``). After step 0, some steps must be marked and some not.
    gates
        Names of values in the layer's step cache, e.g. ``("z", "r")`` for a GRU or
        ``("i", "f", "o")`` for an LSTM.

    Returns
    -------
    dict
        One :class:`MarkerResponse` per gate name, in the order of ``gates``.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer, ``marked`` not a bool array or
        ``gates`` not a tuple of names.
    ValueError
        If the layer goes backwards, ``marked`` does not fit ``inputs``, no step (or
        every step) after step 0 is marked, or a gate is not in the step cache.
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be a NumPy recurrent layer, got {type(layer).__name__}")
    if layer.go_backwards:
        raise ValueError("layer must read forwards (go_backwards=False)")
    if not isinstance(gates, tuple) or not gates or not all(isinstance(g, str) for g in gates):
        raise TypeError(f"gates must be a non-empty tuple of names, got {gates!r}")
    marked = check_ndarray("marked", marked, ndim=2, kinds="b")
    inputs = layer.check_inputs(inputs)
    if marked.shape != inputs.shape[:2]:
        raise ValueError(
            f"marked must have shape (batch, time) = {inputs.shape[:2]}, got {marked.shape}"
        )
    later = marked[:, 1:]
    if not later.any() or later.all():
        raise ValueError("after step 0, some steps must be marked and some not")
    caches = layer.run(inputs, keep_cache=True).caches
    missing = [gate for gate in gates if gate not in caches[0]]
    if missing:
        raise ValueError(f"the {layer.kind} step cache holds {sorted(caches[0])}, not {missing}")
    responses = {}
    for gate in gates:
        trace = np.stack([cache[gate] for cache in caches], axis=1)  # (batch, time, units)
        change = np.abs(np.diff(trace, axis=1)).mean(axis=-1)  # (batch, time - 1)
        marked_change = float(change[later].mean())
        unmarked_change = float(change[~later].mean())
        responses[gate] = MarkerResponse(
            gate=gate,
            marked_change=marked_change,
            unmarked_change=unmarked_change,
            ratio=marked_change / unmarked_change,
            marked_mean=float(trace[marked].mean()),
            unmarked_mean=float(trace[~marked].mean()),
            marked_unit_means=trace[marked].mean(axis=0),
            unmarked_unit_means=trace[~marked].mean(axis=0),
        )
    return responses
