r"""The LSTM in NumPy, computing what ``keras.layers.LSTM`` does.

Two states, the output :math:`h` and the cell :math:`c`, and four blocks of weights in
Keras's order i, f, c, o (``kernel`` (m, 4n), ``recurrent_kernel`` (n, 4n), ``bias``
(4n,)):

.. math::

    i &= \sigma(x_t W_i + b_i + h_{t-1} U_i) \\
    f &= \sigma(x_t W_f + b_f + h_{t-1} U_f) \\
    \tilde c &= \tanh(x_t W_c + b_c + h_{t-1} U_c) \\
    o &= \sigma(x_t W_o + b_o + h_{t-1} U_o) \\
    c_t &= f \odot c_{t-1} + i \odot \tilde c \\
    h_t &= o \odot \tanh(c_t)

The input parts :math:`x_t W + b` of all steps are computed beforehand in one matrix
product (see :mod:`gru_companion.recurrent_layer`); :func:`lstm_step` does the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.activations import sigmoid, tanh
from gru_companion.recurrent_layer import RecurrentLayer, split_gates


def lstm_step(
    x_proj: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""One LSTM time step.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 4n), blocks
        [i | f | c | o].
    h_prev
        The previous output :math:`h_{t-1}`, shape (batch, n).
    c_prev
        The previous cell state :math:`c_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (n, 4n).

    Returns
    -------
    tuple
        ``(h, c, cache)``: the new output and cell state, each (batch, n), and the step's
        values by name (``h_prev``, ``c_prev``, ``i``, ``f``, ``c_tilde``, ``o``, ``c``).
    """
    x_i, x_f, x_c, x_o = split_gates(x_proj, 4)
    U_i, U_f, U_c, U_o = split_gates(recurrent_kernel, 4)
    i = sigmoid(x_i + h_prev @ U_i)  # input gate: how much of the candidate to write
    f = sigmoid(x_f + h_prev @ U_f)  # forget gate: how much of the old cell to keep
    c_tilde = tanh(x_c + h_prev @ U_c)  # candidate cell values
    o = sigmoid(x_o + h_prev @ U_o)  # output gate: how much of the cell to show
    c = f * c_prev + i * c_tilde
    h = o * tanh(c)
    cache = {"h_prev": h_prev, "c_prev": c_prev, "i": i, "f": f, "c_tilde": c_tilde, "o": o, "c": c}
    return h, c, cache


class NumpyLSTM(RecurrentLayer):
    """``keras.layers.LSTM`` (tanh and sigmoid activations) in NumPy.

    States are ``[h, c]``, as in Keras: ``initial_state`` takes the list ``[h0, c0]``,
    and with ``return_state`` a call returns ``[output, h, c]``.

    Parameters
    ----------
    kernel
        :math:`[W_i | W_f | W_c | W_o]`, shape (features, 4 units), float32 or float64.
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (units, 4 units), same dtype.
    bias
        :math:`[b_i | b_f | b_c | b_o]`, shape (4 units,), same dtype, or ``None``.
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.recurrent_layer.RecurrentLayer`).

    Examples
    --------
    >>> import numpy as np
    >>> lstm = NumpyLSTM.initialized(features=2, units=3, seed=0, return_state=True)
    >>> output, h, c = lstm(np.ones((4, 5, 2)))
    >>> output.shape, c.shape
    ((4, 3), (4, 3))
    """

    kind = "LSTM"
    gate_names = ("i", "f", "c", "o")
    state_names = ("h", "c")

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`lstm_step` with this layer's recurrent kernel."""
        h, c, cache = lstm_step(x_proj, states[0], states[1], self.recurrent_kernel)
        return (h, c), cache
