r"""Loss functions in NumPy, each with its gradient, computing what Keras's losses compute.

Every loss takes ``(y_true, y_pred)`` in Keras's order and averages over every
prediction, as Keras's default reduction (``"sum_over_batch_size"``) does: over the
batch, and over the time steps when a model predicts at every step. Its
:meth:`~Loss.gradient` is :math:`\partial L / \partial y_\text{pred}`, the starting point of
a backward pass.

- :class:`MeanSquaredError`: the mean of :math:`(\hat y - y)^2`; Keras
  ``MeanSquaredError()``.
- :class:`SoftmaxCrossEntropy`: :math:`-\log \mathrm{softmax}(s)_y` for integer labels,
  :math:`-\sum_k y_k \log \mathrm{softmax}(s)_k` for probabilities; Keras
  ``SparseCategoricalCrossentropy(from_logits=True)`` and
  ``CategoricalCrossentropy(from_logits=True)``.
- :class:`BernoulliNLL`: the mean of :math:`-y \log \sigma(s) - (1 - y)\log(1 - \sigma(s))`;
  Keras ``BinaryCrossentropy(from_logits=True)``.

The two cross-entropies take *logits* :math:`s` (the read-out's raw outputs), not
probabilities, and are computed without overflow: the log-softmax subtracts the largest
logit first, and the Bernoulli negative log-likelihood is written as
:math:`\max(s, 0) - s y + \log(1 + e^{-|s|})`. Their gradients are the famous
"prediction minus target": :math:`\mathrm{softmax}(s) - y` and :math:`\sigma(s) - y`,
divided by the number of predictions.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from gru_companion.scratch.activations import sigmoid


def _check_predictions(y_pred: Any) -> np.ndarray:
    if not isinstance(y_pred, np.ndarray):
        raise TypeError(f"y_pred must be a numpy.ndarray, got {type(y_pred).__name__}")
    if y_pred.dtype.kind != "f":
        raise TypeError(f"y_pred must hold floating-point numbers, got dtype {y_pred.dtype}")
    if y_pred.ndim < 1 or y_pred.size == 0:
        raise ValueError(
            f"y_pred must have at least one axis and one entry, got shape {y_pred.shape}"
        )
    if not np.all(np.isfinite(y_pred)):
        raise ValueError("y_pred must be finite, got NaN or infinity")
    return y_pred


def _check_targets(y_true: Any, shape: tuple[int, ...], kinds: str = "biuf") -> np.ndarray:
    if not isinstance(y_true, np.ndarray):
        raise TypeError(f"y_true must be a numpy.ndarray, got {type(y_true).__name__}")
    if y_true.dtype.kind not in kinds:
        raise TypeError(f"y_true must hold real numbers, got dtype {y_true.dtype}")
    if y_true.shape != shape:
        raise ValueError(
            f"y_true must have the shape of y_pred, {shape}, got {y_true.shape} (nothing is "
            "broadcast: reshape the targets, e.g. y[:, None] for one output per sequence)"
        )
    if not np.all(np.isfinite(y_true)):
        raise ValueError("y_true must be finite, got NaN or infinity")
    return y_true


class Loss:
    """A loss: its value (a float) and its gradient with respect to the predictions."""

    #: The name Keras gives this loss.
    name: ClassVar[str] = ""

    def _check(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
        y_pred = _check_predictions(y_pred)
        y_true = _check_targets(y_true, y_pred.shape)
        return y_true.astype(y_pred.dtype, copy=False), y_pred

    def value_and_gradient(self, y_true: Any, y_pred: Any) -> tuple[float, np.ndarray]:
        """The loss and :math:`\\partial L / \\partial y_\\text{pred}` (shape of ``y_pred``).

        Parameters
        ----------
        y_true
            The targets (see the class).
        y_pred
            The predictions, a floating-point array.

        Raises
        ------
        TypeError
            If an argument is not a NumPy array of a suitable dtype.
        ValueError
            If the shapes do not fit or a value is not finite or out of range.
        """
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        """The loss, a float (see :meth:`value_and_gradient`)."""
        return self.value_and_gradient(y_true, y_pred)[0]

    def gradient(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """:math:`\\partial L / \\partial y_\\text{pred}` (see :meth:`value_and_gradient`)."""
        return self.value_and_gradient(y_true, y_pred)[1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    r"""The mean of :math:`(\hat y - y)^2` over all entries; gradient :math:`2(\hat y - y)/N`.

    ``y_true`` has the shape of ``y_pred``; :math:`N` is the number of entries.
    """

    name = "mean_squared_error"

    def value_and_gradient(self, y_true: Any, y_pred: Any) -> tuple[float, np.ndarray]:
        y_true, y_pred = self._check(y_true, y_pred)
        error = y_pred - y_true
        return float(np.mean(error**2)), 2 * error / error.size


class BernoulliNLL(Loss):
    r"""The negative log-likelihood of binary targets under :math:`p = \sigma(s)`, from logits.

    Per entry :math:`-y \log \sigma(s) - (1 - y) \log(1 - \sigma(s))`, computed as
    :math:`\max(s, 0) - s y + \log(1 + e^{-|s|})` (no overflow for any :math:`s`, no
    :math:`\log 0`), averaged over all entries; the gradient is
    :math:`(\sigma(s) - y) / N`. ``y_true`` has the shape of the logits, with values in
    [0, 1]. Keras: ``BinaryCrossentropy(from_logits=True)``.
    """

    name = "binary_crossentropy"

    def value_and_gradient(self, y_true: Any, y_pred: Any) -> tuple[float, np.ndarray]:
        y_true, logits = self._check(y_true, y_pred)
        if np.any((y_true < 0) | (y_true > 1)):
            raise ValueError("y_true must hold probabilities in [0, 1] (binary targets)")
        per_entry = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
        return float(np.mean(per_entry)), (sigmoid(logits) - y_true) / logits.size


class SoftmaxCrossEntropy(Loss):
    r"""The cross-entropy of a softmax over the last axis, from logits.

    ``y_pred`` holds logits, shape (..., classes). ``y_true`` is either integer class
    labels of shape (...) (Keras ``SparseCategoricalCrossentropy(from_logits=True)``) or
    probabilities of the logits' shape, such as one-hot rows (Keras
    ``CategoricalCrossentropy(from_logits=True)``). With
    :math:`\log \mathrm{softmax}(s)_k = s_k - \max s - \log \sum_j e^{s_j - \max s}`, the
    loss is :math:`-\sum_k y_k \log \mathrm{softmax}(s)_k` averaged over the predictions
    (all axes but the last), and its gradient :math:`(\mathrm{softmax}(s) - y) / N`.
    """

    name = "categorical_crossentropy"

    def _check(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
        logits = _check_predictions(y_pred)
        if logits.shape[-1] < 2:
            raise ValueError(
                f"y_pred must hold one logit per class, at least 2, on its last axis, got "
                f"shape {logits.shape} (for one binary output use BernoulliNLL)"
            )
        classes = logits.shape[-1]
        if isinstance(y_true, np.ndarray) and y_true.dtype.kind in "iu":
            labels = _check_targets(y_true, logits.shape[:-1], kinds="iu")
            if np.any((labels < 0) | (labels >= classes)):
                raise ValueError(
                    f"y_true must hold class labels in 0 .. {classes - 1}, got values from "
                    f"{labels.min()} to {labels.max()}"
                )
            return np.eye(classes, dtype=logits.dtype)[labels], logits
        targets = _check_targets(y_true, logits.shape, kinds="f")
        if np.any(targets < 0) or not np.allclose(targets.sum(axis=-1), 1):
            raise ValueError(
                "y_true must be integer labels or probabilities (non-negative, summing to 1 "
                "over the last axis)"
            )
        return targets.astype(logits.dtype, copy=False), logits

    def value_and_gradient(self, y_true: Any, y_pred: Any) -> tuple[float, np.ndarray]:
        targets, logits = self._check(y_true, y_pred)
        shifted = logits - logits.max(axis=-1, keepdims=True)  # exp never overflows
        log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        count = logits.size // logits.shape[-1]  # the number of predictions
        value = -np.sum(targets * log_softmax) / count
        return float(value), (np.exp(log_softmax) - targets) / count
