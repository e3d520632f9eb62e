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
product (see :mod:`gru_companion.scratch.recurrent_layer`); :func:`lstm_step` does the rest.
"""

from __future__ import annotations

import numpy as np

from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, split_gates


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


def lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: dict[str, np.ndarray], recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward pass of :func:`lstm_step`.

    From :math:`h_t = o \odot \tanh(c_t)` and :math:`c_t = f \odot c_{t-1} + i \odot
    \tilde c`, the cell state's total gradient is

    .. math::

        \delta c_t = \frac{\partial L}{\partial c_t}
            + \frac{\partial L}{\partial h_t} \odot o \odot (1 - \tanh^2 c_t),
        \qquad
        \frac{\partial L}{\partial c_{t-1}} = \delta c_t \odot f,

    an element-wise product with the forget gate only: the LSTM's additive path. The
    gates' pre-activations get :math:`\delta c_t \odot \tilde c \odot i(1 - i)`,
    :math:`\delta c_t \odot c_{t-1} \odot f(1 - f)`,
    :math:`\delta c_t \odot i \odot (1 - \tilde c^2)` and
    :math:`\partial L / \partial h_t \odot \tanh c_t \odot o(1 - o)`; with
    :math:`\delta a` those four blocks side by side,
    :math:`\partial L / \partial h_{t-1} = \delta a\, U^\top`.

    Parameters
    ----------
    dh
        :math:`\partial L / \partial h_t`, shape (batch, n), total (output and next step).
    dc
        :math:`\partial L / \partial c_t` from the next step, shape (batch, n).
    cache
        The step's cache from :func:`lstm_step`.
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (n, 4n).

    Returns
    -------
    tuple
        ``(dx_proj, dh_prev, dc_prev, d_recurrent_kernel)``: the gradients of the step's
        input projection (batch, 4n), of :math:`h_{t-1}` and :math:`c_{t-1}` (batch, n),
        and this step's part of the gradient of :math:`U` (n, 4n).
    """
    h_prev, c_prev, c = cache["h_prev"], cache["c_prev"], cache["c"]
    i, f, c_tilde, o = cache["i"], cache["f"], cache["c_tilde"], cache["o"]
    tanh_c = tanh(c)  # recomputed: one tanh is cheaper to redo than to keep
    do = dh * tanh_c  # h_t = o * tanh(c_t)
    dc = dc + dh * o * (1 - tanh_c**2)  # c_t reaches L directly (next step) and through h_t
    di, df, dc_tilde = dc * c_tilde, dc * c_prev, dc * i  # c_t = f * c_{t-1} + i * c~
    da = np.concatenate(  # through the activations: sigma' = s(1 - s), tanh' = 1 - t^2
        [di * i * (1 - i), df * f * (1 - f), dc_tilde * (1 - c_tilde**2), do * o * (1 - o)],
        axis=1,
    )
    d_recurrent_kernel = h_prev.T @ da  # every block reads h_{t-1} U
    dh_prev = da @ recurrent_kernel.T
    dc_prev = dc * f  # the cell's additive path: only the forget gate scales it
    return da, dh_prev, dc_prev, d_recurrent_kernel


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
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).

    Examples
    --------
    >>> import numpy as np
    >>> lstm = NumpyLSTM.initialized(features=2, units=3, seed=0, return_state=True)
    >>> output, h, c = lstm(np.ones((4, 5, 2)))
    >>> output.shape, c.shape
    ((4, 3), (4, 3))
    """

    kind = "lstm"
    step_function = staticmethod(lstm_step)
    step_backward_function = staticmethod(lstm_step_backward)
