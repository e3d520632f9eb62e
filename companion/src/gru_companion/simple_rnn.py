r"""The simple (Elman) recurrent network in NumPy, computing what ``keras.layers.SimpleRNN`` does.

One state, no gates:

.. math::

    h_t = \tanh(x_t W + b + h_{t-1} U)

with ``kernel`` :math:`W` (m, n), ``recurrent_kernel`` :math:`U` (n, n) and ``bias``
:math:`b` (n,). The input part :math:`x_t W + b` of all steps is computed beforehand in
one matrix product (see :mod:`gru_companion.recurrent_layer`); :func:`simple_rnn_step`
adds the recurrent part.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.activations import tanh
from gru_companion.recurrent_layer import RecurrentLayer


def simple_rnn_step(
    x_proj: np.ndarray, h_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One SimpleRNN time step: :math:`h_t = \tanh(x_t W + b + h_{t-1} U)`.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, n).
    h_prev
        The previous state :math:`h_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`U`, shape (n, n).

    Returns
    -------
    tuple
        ``(h, cache)``: the new state (batch, n), also the step's output, and the
        step's values by name (``h_prev``, ``h``).
    """
    h = tanh(x_proj + h_prev @ recurrent_kernel)
    return h, {"h_prev": h_prev, "h": h}


class NumpySimpleRNN(RecurrentLayer):
    """``keras.layers.SimpleRNN`` (tanh activation) in NumPy.

    Parameters
    ----------
    kernel
        :math:`W`, shape (features, units), float32 or float64.
    recurrent_kernel
        :math:`U`, shape (units, units), same dtype.
    bias
        :math:`b`, shape (units,), same dtype, or ``None`` (``use_bias=False``).
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.recurrent_layer.RecurrentLayer`).

    Examples
    --------
    >>> import numpy as np
    >>> rnn = NumpySimpleRNN.initialized(features=2, units=3, seed=0)
    >>> rnn(np.ones((4, 5, 2))).shape
    (4, 3)
    """

    kind = "SimpleRNN"
    gate_names = ("h",)
    state_names = ("h",)

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`simple_rnn_step` with this layer's recurrent kernel."""
        h, cache = simple_rnn_step(x_proj, states[0], self.recurrent_kernel)
        return (h,), cache
