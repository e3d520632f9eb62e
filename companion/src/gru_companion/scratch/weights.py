"""What every NumPy layer knows of its weights: Keras's order, kernel first, optional bias last.

:class:`KerasWeights` is the base of :class:`~gru_companion.scratch.dense.NumpyDense` and
:class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`: both hold a ``kernel`` whose
rows are the input features, possibly more weights, and a ``bias`` or ``None``, all in one
dtype that the layer computes in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.validation import check_bool, check_float_dtype, check_positive_int, check_rng


class KerasWeights:
    """The shared reading of a layer's weights: ``features``, ``dtype``, ``use_bias``, copies.

    A subclass sets ``kernel`` (features, ...) and ``bias`` (an array or ``None``) and
    lists its weights in Keras's order in ``_weights``.
    """

    kernel: np.ndarray
    bias: np.ndarray | None

    @staticmethod
    def _initial_settings(
        features: Any, units: Any, seed: Any, dtype: Any, use_bias: Any
    ) -> tuple[int, int, np.random.Generator, np.dtype, bool]:
        """The checked arguments of an ``initialized`` layer: sizes, generator, dtype, bias."""
        features = check_positive_int("features", features)
        units = check_positive_int("units", units)
        dtype = check_float_dtype(dtype)
        use_bias = check_bool("use_bias", use_bias)
        return features, units, check_rng("seed", seed), dtype, use_bias

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
