r"""A dense read-out layer in NumPy, with its backward pass: ``keras.layers.Dense`` (linear).

A recurrent layer returns states; a task wants predictions. The read-out maps each state
row :math:`h` (the last state, or every step's with ``return_sequences``) to
:math:`y = h W + b`, with ``kernel`` :math:`W` of shape (n, k) and ``bias`` :math:`b` of
shape (k,), as Keras's ``Dense(k)`` without activation (the losses of
:mod:`gru_companion.learning.losses` take logits). Its gradients, for inputs with any leading axes
flattened into rows :math:`H`:

.. math::

    \frac{\partial L}{\partial H} = \frac{\partial L}{\partial Y} W^\top, \qquad
    \frac{\partial L}{\partial W} = H^\top \frac{\partial L}{\partial Y}, \qquad
    \frac{\partial L}{\partial b} = \sum_\text{rows} \frac{\partial L}{\partial Y}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from gru_companion.scratch.initializers import glorot_uniform
from gru_companion.scratch.weights import KerasWeights
from gru_companion.validation import (
    check_finite,
    check_float_array,
    check_weight,
)


@dataclass(frozen=True)
class DenseGradients:
    """The gradients of a loss with respect to a dense layer's inputs and weights.

    Attributes
    ----------
    inputs
        Shape of the inputs.
    kernel
        Shape (n, k).
    bias
        Shape (k,), or ``None`` without a bias.
    """

    inputs: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray | None

    def weights(self) -> dict[str, np.ndarray]:
        """The weights' gradients by name (``bias`` left out if ``None``)."""
        named = {"kernel": self.kernel}
        if self.bias is not None:
            named["bias"] = self.bias
        return named


class NumpyDense(KerasWeights):
    """``keras.layers.Dense`` without activation, in NumPy.

    Its ``features``, ``dtype``, ``use_bias`` and ``get_weights()`` (``[kernel, bias]``)
    are those of :class:`~gru_companion.scratch.weights.KerasWeights`.

    Parameters
    ----------
    kernel
        :math:`W`, shape (features, units), float32 or float64.
    bias
        :math:`b`, shape (units,), same dtype, or ``None`` (``use_bias=False``).

    Raises
    ------
    TypeError
        If a weight is not a float32 or float64 array, or the dtypes differ.
    ValueError
        If a shape is wrong or a weight is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> dense = NumpyDense.initialized(features=4, units=2, seed=0)
    >>> dense(np.ones((3, 5, 4))).shape
    (3, 5, 2)
    """

    def __init__(self, kernel: np.ndarray, bias: np.ndarray | None = None) -> None:
        kernel = check_weight("kernel", kernel)
        if kernel.ndim != 2 or 0 in kernel.shape:
            raise ValueError(
                f"kernel must have shape (features, units), both >= 1, got {kernel.shape}"
            )
        if bias is not None:
            bias = check_weight("bias", bias)
            if bias.shape != (kernel.shape[1],):
                raise ValueError(
                    f"bias must have shape (units,) = ({kernel.shape[1]},), got {bias.shape}"
                )
            if bias.dtype != kernel.dtype:
                raise TypeError(
                    f"all weights must have one dtype: kernel is {kernel.dtype}, bias is "
                    f"{bias.dtype}"
                )
        #: :math:`W`, shape (features, units).
        self.kernel = kernel
        #: :math:`b`, shape (units,), or ``None``.
        self.bias = bias

    @classmethod
    def initialized(
        cls,
        features: int,
        units: int,
        *,
        seed: int | np.random.Generator = 0,
        dtype: Any = "float64",
        use_bias: bool = True,
    ) -> Self:
        """A layer initialized as Keras does: Glorot-uniform kernel, zero bias.

        Parameters
        ----------
        features, units
            Positive integers.
        seed
            A non-negative integer seed or a ``numpy.random.Generator``.
        dtype
            ``"float32"`` or ``"float64"`` (default).
        use_bias
            ``False``: no bias.
        """
        features, units, rng, dtype, use_bias = cls._initial_settings(
            features, units, seed, dtype, use_bias
        )
        kernel = glorot_uniform(rng, features, units).astype(dtype)
        return cls(kernel, np.zeros(units, dtype=dtype) if use_bias else None)

    @property
    def units(self) -> int:
        """The number of outputs."""
        return self.kernel.shape[1]

    def _check_inputs(self, inputs: Any) -> np.ndarray:
        inputs = check_float_array("inputs", inputs, "of shape (..., features)", self.dtype)
        if inputs.ndim < 1 or inputs.shape[-1] != self.features:
            raise ValueError(f"inputs must have shape (..., {self.features}), got {inputs.shape}")
        check_finite("inputs", inputs)
        return inputs

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """:math:`y = h W + b` over the last axis of ``inputs`` (any leading axes)."""
        inputs = self._check_inputs(inputs)
        outputs = inputs @ self.kernel
        return outputs if self.bias is None else outputs + self.bias

    def backward(self, inputs: np.ndarray, d_outputs: np.ndarray) -> DenseGradients:
        """The gradients from :math:`\\partial L / \\partial y`, for the given ``inputs``.

        Parameters
        ----------
        inputs
            The inputs of the forward pass, shape (..., features).
        d_outputs
            :math:`\\partial L / \\partial y`, shape (..., units), the weights' dtype.

        Raises
        ------
        TypeError, ValueError
            If an array has the wrong type, dtype or shape, or is not finite.
        """
        inputs = self._check_inputs(inputs)
        d_outputs = check_float_array("d_outputs", d_outputs, "of shape (..., units)", self.dtype)
        expected = (*inputs.shape[:-1], self.units)
        if d_outputs.shape != expected:
            raise ValueError(f"d_outputs must have shape {expected}, got {d_outputs.shape}")
        check_finite("d_outputs", d_outputs)
        rows = inputs.reshape(-1, self.features)
        d_rows = d_outputs.reshape(-1, self.units)
        return DenseGradients(
            inputs=d_outputs @ self.kernel.T,
            kernel=rows.T @ d_rows,
            bias=None if self.bias is None else d_rows.sum(axis=0),
        )

    def __repr__(self) -> str:
        return (
            f"NumpyDense(features={self.features}, units={self.units}, "
            f"use_bias={self.bias is not None}, dtype='{self.dtype}')"
        )
