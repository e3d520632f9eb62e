r"""The LSTM with peephole connections in NumPy, the form Chung et al. (2014) compare the GRU with.

Gers and Schmidhuber (2000) let the gates look at the cell state: the input and forget
gates at the previous cell :math:`c_{t-1}`, the output gate at the new cell :math:`c_t`,
each through a diagonal weight (a vector :math:`V`, multiplied element by element):

.. math::

    i &= \sigma(x_t W_i + h_{t-1} U_i + V_i \odot c_{t-1} + b_i) \\
    f &= \sigma(x_t W_f + h_{t-1} U_f + V_f \odot c_{t-1} + b_f) \\
    \tilde c &= \tanh(x_t W_c + h_{t-1} U_c + b_c) \\
    c_t &= f \odot c_{t-1} + i \odot \tilde c \\
    o &= \sigma(x_t W_o + h_{t-1} U_o + V_o \odot c_t + b_o) \\
    h_t &= o \odot \tanh(c_t)

The weights are those of ``keras.layers.LSTM`` (blocks [i | f | c | o]: ``kernel`` (m, 4n),
``recurrent_kernel`` (n, 4n), ``bias`` (4n,)) and a fourth, ``peephole`` (3, n), whose
rows are :math:`V_i`, :math:`V_f`, :math:`V_o` (the row ``"peephole_lstm"`` of
:data:`gru_companion.kinds.KINDS` names the gates, in that order): 3n parameters more
than the LSTM. With zero peepholes it is exactly Keras's LSTM. Its Keras cell is
:class:`~gru_companion.keras.cells.PeepholeLSTMCell`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.kinds import kind_of
from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import (
    BIAS_SCALE,
    RecurrentLayer,
    StepGradients,
    split_gates,
)
from gru_companion.validation import check_shape, check_weight


def peephole_lstm_step(
    x_proj: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    recurrent_kernel: np.ndarray,
    peephole: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""One time step of the LSTM with peepholes.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 4n), blocks
        [i | f | c | o].
    h_prev, c_prev
        The previous output :math:`h_{t-1}` and cell state :math:`c_{t-1}`, each (batch, n).
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (n, 4n).
    peephole
        The rows :math:`V_i, V_f, V_o`, shape (3, n).

    Returns
    -------
    tuple
        ``(h, c, cache)``: the new output and cell state, each (batch, n), and the step's
        values by name (``h_prev``, ``c_prev``, ``i``, ``f``, ``c_tilde``, ``o``, ``c``).
    """
    x_i, x_f, x_c, x_o = split_gates(x_proj, 4)
    U_i, U_f, U_c, U_o = split_gates(recurrent_kernel, 4)
    V_i, V_f, V_o = peephole
    i = sigmoid(x_i + h_prev @ U_i + V_i * c_prev)  # the input gate sees the old cell ...
    f = sigmoid(x_f + h_prev @ U_f + V_f * c_prev)  # ... and so does the forget gate
    c_tilde = tanh(x_c + h_prev @ U_c)
    c = f * c_prev + i * c_tilde
    o = sigmoid(x_o + h_prev @ U_o + V_o * c)  # the output gate sees the new cell
    h = o * tanh(c)
    cache = {"h_prev": h_prev, "c_prev": c_prev, "i": i, "f": f, "c_tilde": c_tilde, "o": o, "c": c}
    return h, c, cache


def peephole_lstm_step_backward(
    dh: np.ndarray,
    dc: np.ndarray,
    cache: dict[str, np.ndarray],
    recurrent_kernel: np.ndarray,
    peephole: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward pass of :func:`peephole_lstm_step`.

    As for the LSTM (:func:`~gru_companion.scratch.lstm.lstm_step_backward`), with the
    peepholes' three more paths. The output gate reads :math:`c_t`, so the cell's total
    gradient gains the output gate's:

    .. math::

        \delta c_t = \frac{\partial L}{\partial c_t}
            + \frac{\partial L}{\partial h_t} \odot o \odot (1 - \tanh^2 c_t)
            + \delta a_o \odot V_o,
        \qquad
        \delta a_o = \frac{\partial L}{\partial h_t} \odot \tanh c_t \odot o (1 - o),

    and the previous cell, read by the input and forget gates, gets
    :math:`\delta c_t \odot f + \delta a_i \odot V_i + \delta a_f \odot V_f`. The
    peepholes' gradients are :math:`\sum \delta a_i \odot c_{t-1}`,
    :math:`\sum \delta a_f \odot c_{t-1}` and :math:`\sum \delta a_o \odot c_t`, summed
    over the batch.

    Parameters
    ----------
    dh
        :math:`\partial L / \partial h_t`, shape (batch, n), total (output and next step).
    dc
        :math:`\partial L / \partial c_t` from the next step, shape (batch, n).
    cache
        The step's cache from :func:`peephole_lstm_step`.
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (n, 4n).
    peephole
        :math:`V_i, V_f, V_o`, shape (3, n).

    Returns
    -------
    tuple
        ``(dx_proj, dh_prev, dc_prev, d_recurrent_kernel, d_peephole)``: the gradients of
        the step's input projection (batch, 4n), of :math:`h_{t-1}` and :math:`c_{t-1}`
        (batch, n), and this step's parts of the gradients of :math:`U` (n, 4n) and of
        the peepholes (3, n).
    """
    V_i, V_f, V_o = peephole
    h_prev, c_prev, c = cache["h_prev"], cache["c_prev"], cache["c"]
    i, f, c_tilde, o = cache["i"], cache["f"], cache["c_tilde"], cache["o"]
    tanh_c = tanh(c)
    da_o = dh * tanh_c * o * (1 - o)  # h_t = o * tanh(c_t)
    # c_t reaches L from the next step, through h_t, and through the output gate's peephole
    dc = dc + dh * o * (1 - tanh_c**2) + da_o * V_o
    da_i = dc * c_tilde * i * (1 - i)  # c_t = f * c_{t-1} + i * c~
    da_f = dc * c_prev * f * (1 - f)
    da_c = dc * i * (1 - c_tilde**2)
    da = np.concatenate([da_i, da_f, da_c, da_o], axis=1)
    d_recurrent_kernel = h_prev.T @ da
    dh_prev = da @ recurrent_kernel.T
    dc_prev = dc * f + da_i * V_i + da_f * V_f  # the additive path and two peepholes
    d_peephole = np.stack(
        [(da_i * c_prev).sum(axis=0), (da_f * c_prev).sum(axis=0), (da_o * c).sum(axis=0)]
    )
    return da, dh_prev, dc_prev, d_recurrent_kernel, d_peephole


class NumpyPeepholeLSTM(RecurrentLayer):
    """The LSTM with peephole connections in NumPy (tanh and sigmoid activations).

    States are ``[h, c]``, as for :class:`~gru_companion.scratch.lstm.NumpyLSTM`.

    Parameters
    ----------
    kernel
        :math:`[W_i | W_f | W_c | W_o]`, shape (features, 4 units), float32 or float64.
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (units, 4 units), same dtype.
    bias
        :math:`[b_i | b_f | b_c | b_o]`, shape (4 units,), same dtype, or ``None``.
    peephole
        Rows :math:`V_i, V_f, V_o`, shape (3, units), same dtype: the diagonal weights
        through which the input, forget and output gates read the cell state.
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).

    Raises
    ------
    TypeError
        If a weight is not a float32 or float64 array, the dtypes differ, or a flag is
        not a bool.
    ValueError
        If a weight has the wrong shape or holds NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> layer = NumpyPeepholeLSTM.initialized(features=2, units=3, seed=0)
    >>> [w.shape for w in layer.get_weights()]
    [(2, 12), (3, 12), (12,), (3, 3)]
    >>> layer(np.ones((4, 5, 2))).shape
    (4, 3)
    """

    kind = "peephole_lstm"
    extra_weights = ("peephole",)

    def __init__(
        self,
        kernel: np.ndarray,
        recurrent_kernel: np.ndarray,
        bias: np.ndarray | None,
        peephole: np.ndarray,
        *,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
    ) -> None:
        super().__init__(
            kernel,
            recurrent_kernel,
            bias,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
        )
        peephole = check_weight("peephole", peephole)
        rows = len(kind_of(self.kind).peepholes)
        check_shape("peephole", peephole, f"({rows}, units)", (rows, self.units))
        if peephole.dtype != self.dtype:
            raise TypeError(
                f"all weights must have one dtype: kernel is {self.dtype}, "
                f"peephole is {peephole.dtype}"
            )
        #: The peepholes' diagonal weights, one row per gate of the kind's ``peepholes``
        #: (i, f, o), shape (3, n).
        self.peephole = peephole

    @classmethod
    def _initial_extra_weights(cls, rng: np.random.Generator, units: int) -> list[np.ndarray]:
        """Peepholes drawn uniformly from [-0.1, 0.1], like the biases (Keras starts at 0)."""
        rows = len(kind_of(cls.kind).peepholes)
        return [rng.uniform(-BIAS_SCALE, BIAS_SCALE, size=(rows, units))]

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]:
        """One step: :func:`peephole_lstm_step` with this layer's recurrent weights."""
        h, c, cache = peephole_lstm_step(x_proj, *states, self.recurrent_kernel, self.peephole)
        return (h, c), cache

    def step_backward(
        self, d_states: tuple[np.ndarray, ...], cache: dict[str, Any]
    ) -> StepGradients:
        """The backward pass of one step: :func:`peephole_lstm_step_backward`."""
        dx_proj, dh_prev, dc_prev, d_u, d_v = peephole_lstm_step_backward(
            *d_states, cache, self.recurrent_kernel, self.peephole
        )
        return StepGradients(dx_proj, (dh_prev, dc_prev), d_u, None, (d_v,))
