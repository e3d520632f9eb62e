r"""The simple (Elman) recurrent network in NumPy, computing what ``keras.layers.SimpleRNN`` does.

One state, no gates:

.. math::

    h_t = \tanh(x_t W + b + h_{t-1} U)

with ``kernel`` :math:`W` (m, n), ``recurrent_kernel`` :math:`U` (n, n) and ``bias``
:math:`b` (n,). The input part :math:`x_t W + b` of all steps is computed beforehand in
one matrix product (see :mod:`gru_companion.scratch.recurrent_layer`); :func:`simple_rnn_step`
adds the recurrent part.
"""

from __future__ import annotations

import numpy as np

from gru_companion.scratch.activations import tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer


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


def simple_rnn_step_backward(
    dh: np.ndarray, cache: dict[str, np.ndarray], recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward pass of :func:`simple_rnn_step`.

    With :math:`a_t = x_t W + b + h_{t-1} U` and :math:`h_t = \tanh(a_t)`:

    .. math::

        \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2),
        \qquad
        \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial a_t} U^\top,
        \qquad
        \frac{\partial L}{\partial U} \mathrel{+}= h_{t-1}^\top
        \frac{\partial L}{\partial a_t}.

    Parameters
    ----------
    dh
        :math:`\partial L / \partial h_t`, shape (batch, n): the total gradient of the
        step's new state (from its output and from the next step).
    cache
        The step's cache from :func:`simple_rnn_step` (``h_prev``, ``h``).
    recurrent_kernel
        :math:`U`, shape (n, n).

    Returns
    -------
    tuple
        ``(dx_proj, dh_prev, d_recurrent_kernel)``: the gradients of the step's input
        projection :math:`x_t W + b` (batch, n), of :math:`h_{t-1}` (batch, n), and this
        step's part of the gradient of :math:`U` (n, n).
    """
    h_prev, h = cache["h_prev"], cache["h"]
    da = dh * (1 - h**2)  # through tanh: tanh'(a_t) = 1 - tanh(a_t)^2 = 1 - h_t^2
    d_recurrent_kernel = h_prev.T @ da  # a_t = x_t W + b + h_{t-1} U, summed over the batch
    dh_prev = da @ recurrent_kernel.T  # the only path from h_{t-1} to h_t goes through U
    return da, dh_prev, d_recurrent_kernel  # da is also the gradient of x_t W + b


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
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).

    Examples
    --------
    >>> import numpy as np
    >>> rnn = NumpySimpleRNN.initialized(features=2, units=3, seed=0)
    >>> rnn(np.ones((4, 5, 2))).shape
    (4, 3)
    """

    kind = "simple_rnn"
    step_function = staticmethod(simple_rnn_step)
    step_backward_function = staticmethod(simple_rnn_step_backward)
