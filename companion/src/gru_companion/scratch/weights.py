"""What every NumPy layer knows of its weights: Keras's order, kernel first, optional bias last.

:class:`KerasWeights` is the base of :class:`~gru_companion.scratch.dense.NumpyDense` and
:class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`: both hold a ``kernel`` whose
rows are the input features, possibly more weights, and a ``bias`` or ``None``, all in one
dtype that the layer computes in.
"""

from __future__ import annotations

import numpy as np


class KerasWeights:
    """The shared reading of a layer's weights: ``features``, ``dtype``, ``use_bias``, copies.

    A subclass sets ``kernel`` (features, ...) and ``bias`` (an array or ``None``) and
    lists its weights in Keras's order in :meth:`_weights`.
    """

    kernel: np.ndarray
    bias: np.ndarray | None

    def _weights(self) -> list[np.ndarray | None]:
        """The weights in Keras's order, the bias last (``None`` without a bias)."""
        return [self.kernel, self.bias]

    @property
    def features(self) -> int:
        """Number of input features m the layer expects (the kernel's rows)."""
        return self.kernel.shape[0]

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the weights, which the layer computes in (float32 or float64)."""
        return self.kernel.dtype

    @property
    def use_bias(self) -> bool:
        """Whether the layer has a bias."""
        return self.bias is not None

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights in Keras's order; without a bias, as Keras, one fewer."""
        return [weight.copy() for weight in self._weights() if weight is not None]
