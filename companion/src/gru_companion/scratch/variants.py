r"""The three simplified gated cells in NumPy, and the tied GRU or LSTM weights equal to each.

Each variant removes or ties a gate of the GRU or the LSTM. With :math:`\sigma` the
logistic sigmoid and :math:`\odot` the element-wise product:

**Minimal gated unit** (MGU; Zhou et al., 2016). One gate :math:`f` does the work of both
of the GRU's gates: it decides how much of the state to replace *and* how much of the old
state the candidate sees.

.. math::

    f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
    \tilde h_t &= \tanh\big(x_t W_h + (f_t \odot h_{t-1}) U_h + b_h\big) \\
    h_t &= (1 - f_t) \odot h_{t-1} + f_t \odot \tilde h_t

It is exactly a ``keras.layers.GRU(reset_after=False)`` whose reset gate has the weights
of :math:`f` and whose update gate has their negatives (:math:`\sigma(-a) = 1 - \sigma(a)`):
:func:`mgu_to_gru`.

**GRU without a reset gate** (:math:`r \equiv 1`), one of the ablations of Greff et al.
(2017) applied to the GRU:

.. math::

    z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z) \\
    \tilde h_t &= \tanh(x_t W_h + h_{t-1} U_h + b_h) \\
    h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

It is a ``keras.layers.GRU(reset_after=False)`` whose reset gate has zero weights and a
bias of 40, so that :math:`r = \sigma(40)`, which is 1 in float64:
:func:`gru_no_reset_to_gru`.

**Coupled-gate LSTM** (CIFG, "coupled input and forget gate"; Greff et al., 2017). The
input gate is tied to the forget gate, :math:`i_t = 1 - f_t`: the cell writes exactly as
much as it forgets.

.. math::

    f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
    \tilde c_t &= \tanh(x_t W_c + h_{t-1} U_c + b_c) \\
    o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) \\
    c_t &= f_t \odot c_{t-1} + (1 - f_t) \odot \tilde c_t \\
    h_t &= o_t \odot \tanh(c_t)

It is a ``keras.layers.LSTM`` whose input gate has the negatives of the forget gate's
weights: :func:`cifg_to_lstm`.

Weights are laid out as Keras lays out the GRU's and the LSTM's, one column block per gate
in the order of the equations:

===================  ====================  ====================  ===========
variant              ``kernel``            ``recurrent_kernel``  ``bias``
===================  ====================  ====================  ===========
MGU                  (m, 2n), [f | h]      (n, 2n)               (2n,)
GRU without reset    (m, 2n), [z | h]      (n, 2n)               (2n,)
coupled-gate LSTM    (m, 3n), [f | c | o]  (n, 3n)               (3n,)
===================  ====================  ====================  ===========

The NumPy layers (:class:`NumpyMGU`, :class:`NumpyNoResetGRU`, :class:`NumpyCIFG`) share
the loop over time of :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`;
their rows in :data:`gru_companion.kinds.KINDS` are ``"mgu"``, ``"gru_no_reset"`` and
``"cifg"``. The converters, named ``<from>_to_<to>`` by kind, give the weights of the full
Keras cell that computes each variant. Their Keras cells are in
:mod:`gru_companion.keras.cells`; the comparison on the adding problem is the experiment
``variants`` of :mod:`gru_companion.experiments`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gru_companion.scratch.activations import SATURATING_LOGIT, sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, split_gates


def mgu_step(
    x_proj: np.ndarray, h_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the minimal gated unit.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 2n), blocks [f | h].
    h_prev
        The previous state :math:`h_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`[U_f | U_h]`, shape (n, 2n).

    Returns
    -------
    tuple
        ``(h, cache)``: the new state (batch, n) and the step's values by name
        (``h_prev``, ``f``, ``h_tilde``, ``h``).
    """
    x_f, x_h = split_gates(x_proj, 2)
    U_f, U_h = split_gates(recurrent_kernel, 2)
    f = sigmoid(x_f + h_prev @ U_f)  # the one gate: how much to replace ...
    h_tilde = tanh(x_h + (f * h_prev) @ U_h)  # ... and how much of h_prev the candidate sees
    h = (1 - f) * h_prev + f * h_tilde
    return h, {"h_prev": h_prev, "f": f, "h_tilde": h_tilde, "h": h}


def no_reset_gru_step(
    x_proj: np.ndarray, h_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the GRU without a reset gate (:math:`r \equiv 1`).

    Arguments and result as :func:`mgu_step`, with the blocks [z | h] and the cache
    ``h_prev``, ``z``, ``h_tilde``, ``h``.
    """
    x_z, x_h = split_gates(x_proj, 2)
    U_z, U_h = split_gates(recurrent_kernel, 2)
    z = sigmoid(x_z + h_prev @ U_z)  # update gate: how much of h_prev to keep
    h_tilde = tanh(x_h + h_prev @ U_h)  # the candidate always sees all of h_prev
    h = z * h_prev + (1 - z) * h_tilde
    return h, {"h_prev": h_prev, "z": z, "h_tilde": h_tilde, "h": h}


def cifg_step(
    x_proj: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the coupled-gate LSTM (:math:`i = 1 - f`).

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 3n), blocks
        [f | c | o].
    h_prev, c_prev
        The previous output and cell state, each (batch, n).
    recurrent_kernel
        :math:`[U_f | U_c | U_o]`, shape (n, 3n).

    Returns
    -------
    tuple
        ``(h, c, cache)``: the new output and cell state and the step's values by name
        (``h_prev``, ``c_prev``, ``f``, ``c_tilde``, ``o``, ``c``).
    """
    x_f, x_c, x_o = split_gates(x_proj, 3)
    U_f, U_c, U_o = split_gates(recurrent_kernel, 3)
    f = sigmoid(x_f + h_prev @ U_f)  # forget gate; the input gate is 1 - f
    c_tilde = tanh(x_c + h_prev @ U_c)
    o = sigmoid(x_o + h_prev @ U_o)
    c = f * c_prev + (1 - f) * c_tilde  # writes exactly as much as it forgets
    h = o * tanh(c)
    cache = {"h_prev": h_prev, "c_prev": c_prev, "f": f, "c_tilde": c_tilde, "o": o, "c": c}
    return h, c, cache


class NumpyMGU(RecurrentLayer):
    """The minimal gated unit in NumPy: :func:`mgu_step` over a sequence.

    Weights [f | h] (the module's table); parameters as
    :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`.
    """

    kind = "mgu"
    step_function = staticmethod(mgu_step)


class NumpyNoResetGRU(RecurrentLayer):
    """The GRU without a reset gate in NumPy: :func:`no_reset_gru_step` over a sequence.

    Weights [z | h] (the module's table); parameters as
    :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`.
    """

    kind = "gru_no_reset"
    step_function = staticmethod(no_reset_gru_step)


class NumpyCIFG(RecurrentLayer):
    """The coupled-gate LSTM in NumPy: :func:`cifg_step` over a sequence.

    Weights [f | c | o] and states ``[h, c]``, as in an LSTM (the module's table);
    parameters as :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`.
    """

    kind = "cifg"
    step_function = staticmethod(cifg_step)


def _tied(
    layer: type[RecurrentLayer],
    tie: Callable[..., list[np.ndarray]],
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any,
) -> list[np.ndarray]:
    """Each weight, checked as ``layer`` checks it, cut into its blocks and tied.

    ``tie(*blocks, bias=...)`` returns the full cell's blocks of one weight (``bias`` is
    ``True`` for the bias).
    """
    if bias is None:
        raise TypeError("bias must be a numpy.ndarray, got NoneType: the tied weights need one")
    weights = layer(kernel, recurrent_kernel, bias).get_weights()
    k = len(layer.gate_names)
    return [
        np.concatenate(tie(*split_gates(weight, k), bias=index == 2), axis=-1)
        for index, weight in enumerate(weights)
    ]


def mgu_to_gru(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.GRU(reset_after=False)`` that computes this MGU.

    The GRU's update gate gets the negated weights of :math:`f` (so :math:`z = 1 - f`) and
    its reset gate :math:`f`'s weights (so :math:`r = f`); the candidate's are unchanged.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        The MGU's weights, shapes (m, 2n), (n, 2n), (2n,); :class:`NumpyMGU`'s checks
        apply (``TypeError`` or ``ValueError``), and the bias is required.

    Returns
    -------
    list of numpy.ndarray
        ``[kernel (m, 3n), recurrent_kernel (n, 3n), bias (3n,)]`` in the GRU's block
        order [z | r | h].
    """

    def tie(f: np.ndarray, h: np.ndarray, bias: bool) -> list[np.ndarray]:
        return [-f, f, h]

    return _tied(NumpyMGU, tie, kernel, recurrent_kernel, bias)


def gru_no_reset_to_gru(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.GRU(reset_after=False)`` computing this GRU without reset gate.

    The reset gate gets zero weights and the bias
    :data:`~gru_companion.scratch.activations.SATURATING_LOGIT`, so
    :math:`r = \sigma(40)`, which rounds to 1 in float64 and in float32. Arguments as
    :func:`mgu_to_gru`, with the blocks [z | h] (checked by :class:`NumpyNoResetGRU`);
    the result has the blocks [z | r | h].
    """

    def tie(z: np.ndarray, h: np.ndarray, bias: bool) -> list[np.ndarray]:
        return [z, np.full_like(z, SATURATING_LOGIT if bias else 0.0), h]

    return _tied(NumpyNoResetGRU, tie, kernel, recurrent_kernel, bias)


def cifg_to_lstm(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.LSTM`` that computes this coupled-gate LSTM.

    The input gate gets the negated weights of the forget gate, so
    :math:`i = \sigma(-a_f) = 1 - \sigma(a_f) = 1 - f`. Arguments as :func:`mgu_to_gru`,
    with the blocks [f | c | o], shapes (m, 3n), (n, 3n), (3n,) (checked by
    :class:`NumpyCIFG`); the result has the blocks [i | f | c | o], shapes (m, 4n), (n, 4n),
    (4n,).
    """

    def tie(f: np.ndarray, c: np.ndarray, o: np.ndarray, bias: bool) -> list[np.ndarray]:
        return [-f, f, c, o]

    return _tied(NumpyCIFG, tie, kernel, recurrent_kernel, bias)
