r"""GRU and LSTM side by side: cells with weights set by hand, and state Jacobians.

Each constructor here returns a :class:`~gru_companion.scratch.gru.NumpyGRU`,
:class:`~gru_companion.scratch.lstm.NumpyLSTM` or
:class:`~gru_companion.scratch.simple_rnn.NumpySimpleRNN` whose weights are chosen so that
one property of the cell shows in its numbers:

* :func:`identity_rnn`: the tanh RNN that comes closest to carrying its state unchanged
  (:math:`h_t = \tanh(h_{t-1})`), where a GRU or an LSTM with a gate held fixed
  (:func:`gru_companion.analysis.gate_probes.with_gate_fixed`) carries it exactly.
* :func:`read_write_lstm`, :func:`write_gru`: a value written into memory on a *write*
  signal; the LSTM shows it only on a *read* signal (output gate), the GRU at every step.
* :func:`counting_lstm`, :func:`averaging_gru`: the LSTM adds each input to its cell
  (:math:`f = i = 1`), a counter without bound; the GRU can only move its state part of
  the way towards each input (:math:`z` and :math:`1 - z`).

A gate is forced by zero weights and a bias of
:data:`~gru_companion.scratch.activations.SATURATING_LOGIT` = 40: in float64,
:math:`\sigma(40)` and :math:`\tanh(40)` round to exactly 1, and :math:`\sigma(-40)` is about
:math:`4 \cdot 10^{-18}`.

:func:`state_jacobian` and :func:`jacobian_product` measure how a step (or a whole
sequence) passes a change of the state on, by central differences on the layers' own
steps; :func:`gru_jacobian_parts` splits the GRU's one-step Jacobian into its three terms
by formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.scratch.activations import SATURATING_LOGIT
from gru_companion.scratch.gru import NumpyGRU, gru_step
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import RecurrentLayer, split_gates
from gru_companion.scratch.simple_rnn import NumpySimpleRNN
from gru_companion.validation import (
    check_ndarray,
    check_open_fraction,
    check_positive_int,
    check_positive_number,
)

#: The inputs of :func:`read_write_lstm` and :func:`write_gru`, in this order.
READ_WRITE_CHANNELS = ("value", "write", "read")


# ----------------------------------------------------------- carrying the memory
def identity_rnn(features: int, units: int) -> NumpySimpleRNN:
    r"""The tanh RNN closest to carrying its state: :math:`h_t = \tanh(h_{t-1})`.

    :math:`W = 0`, :math:`U = I`, :math:`b = 0`: the input is ignored and the state is
    fed back unchanged, except for the tanh, which no weight can remove.

    Parameters
    ----------
    features, units
        Positive integers.
    """
    features = check_positive_int("features", features)
    units = check_positive_int("units", units)
    return NumpySimpleRNN(
        np.zeros((features, units)), np.eye(units), np.zeros(units), return_sequences=True
    )


# ---------------------------------------------------------- exposing the memory or not
def read_write_lstm() -> NumpyLSTM:
    r"""A one-unit LSTM that stores a value on *write* and shows it only on *read*.

    Inputs (features) are :data:`READ_WRITE_CHANNELS`: a value :math:`v`, a write flag
    and a read flag (0 or 1). With :math:`S` =
    :data:`~gru_companion.scratch.activations.SATURATING_LOGIT` and no recurrent weights:

    * input gate :math:`i = \sigma(2S \cdot \text{write} - S)`: 1 on write, else ~0;
    * forget gate :math:`f = \sigma(S - 2S \cdot \text{write})`: ~0 on write (the old
      content is dropped), else 1;
    * candidate :math:`\tilde c = \tanh(v)`;
    * output gate :math:`o = \sigma(2S \cdot \text{read} - S)`: 1 on read, else ~0.

    So :math:`c_t = \tanh(v)` from the write on, and :math:`h_t = o_t \tanh(c_t)` is
    about :math:`4 \cdot 10^{-18}` except on read.
    """
    s = SATURATING_LOGIT
    kernel = np.zeros((3, 4))  # rows: value, write, read; columns: i, f, c, o
    kernel[1, 0], kernel[1, 1], kernel[0, 2], kernel[2, 3] = 2 * s, -2 * s, 1.0, 2 * s
    bias = np.array([-s, s, 0.0, -s])
    return NumpyLSTM(kernel, np.zeros((1, 4)), bias, return_sequences=True)


def write_gru() -> NumpyGRU:
    r"""A one-unit GRU that stores a value on *write*; its output is its state, always.

    Inputs as :func:`read_write_lstm` (the read flag has no weight: a GRU has no output
    gate). Update gate :math:`z = \sigma(S - 2S \cdot \text{write})`: 0 on write, else 1;
    candidate :math:`\tilde h = \tanh(v)`; reset gate unused (zero weights). So
    :math:`h_t = \tanh(v)` from the write on, at every step.
    """
    s = SATURATING_LOGIT
    kernel = np.zeros((3, 3))  # rows: value, write, read; columns: z, r, h
    kernel[1, 0], kernel[0, 2] = -2 * s, 1.0
    bias = np.zeros((2, 3))
    bias[0, 0] = s
    return NumpyGRU(kernel, np.zeros((1, 3)), bias, return_sequences=True)


# ------------------------------------------------------------------ counting or not
def counting_lstm() -> NumpyLSTM:
    r"""A one-unit LSTM whose cell adds up its inputs: :math:`c_t = c_{t-1} + x_t`.

    One input feature, :math:`x_t \in \{-1, 0, 1\}`. The input, forget and output gates
    are forced open (bias :data:`~gru_companion.scratch.activations.SATURATING_LOGIT`,
    so exactly 1), and the candidate is
    :math:`\tilde c = \tanh(40 x_t)`, which is exactly :math:`x_t` for these inputs. The
    cell therefore counts without rounding and without bound; the output is
    :math:`h_t = \tanh(c_t)`, 0 exactly when the count is 0.
    """
    s = SATURATING_LOGIT
    kernel = np.array([[0.0, 0.0, s, 0.0]])  # columns: i, f, c, o
    bias = np.array([s, s, 0.0, s])
    return NumpyLSTM(kernel, np.zeros((1, 4)), bias, return_sequences=True)


def averaging_gru(rate: float) -> NumpyGRU:
    r"""A one-unit GRU that moves its state a fraction ``rate`` towards each input.

    One input feature, :math:`x_t \in \{-1, 0, 1\}`. The update gate is constant,
    :math:`1 - z = \text{rate}`, and the candidate is :math:`\tanh(40 x_t) = x_t`, so
    :math:`h_t = (1 - \text{rate})\, h_{t-1} + \text{rate} \cdot x_t`: an exponential
    moving average, the closest a GRU's convex combination comes to a counter.

    Parameters
    ----------
    rate
        The fraction written per step, strictly between 0 and 1.
    """
    rate = check_open_fraction("rate", rate)
    kernel = np.array([[0.0, 0.0, SATURATING_LOGIT]])  # columns: z, r, h
    bias = np.zeros((2, 3))
    bias[0, 0] = np.log((1 - rate) / rate)  # sigma(b) = 1 - rate
    return NumpyGRU(kernel, np.zeros((1, 3)), bias, return_sequences=True)


# ------------------------------------------------------------------------- Jacobians
def _check_float64_layer(layer: Any) -> RecurrentLayer:
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be a NumPy recurrent layer, got {type(layer).__name__}")
    if layer.dtype != np.float64:
        raise ValueError(
            f"layer must compute in float64 for differences to be accurate, got {layer.dtype}"
        )
    return layer


def _check_step_input(layer: RecurrentLayer, x: Any) -> np.ndarray:
    x = check_ndarray("x", x, ndim=2, kinds="f")
    if x.shape != (1, layer.features):
        raise ValueError(f"x must have shape (1, {layer.features}), got {x.shape}")
    return x


def state_jacobian(
    layer: RecurrentLayer, x: np.ndarray, states: Any = None, *, eps: float = 1e-6
) -> np.ndarray:
    r"""The Jacobian of one step's new states with respect to the previous states.

    For a layer of any kind, with states :math:`s = (h)` or :math:`(h, c)` (its kind's
    :attr:`~gru_companion.kinds.Kind.states`), entry ``[j, k]`` is
    :math:`\partial s_t[j] / \partial s_{t-1}[k]`, the states concatenated in that order
    (:math:`h` first, then :math:`c`). Computed by central differences on
    :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.cell`: an error of about
    ``eps**2`` times the third derivative, about :math:`10^{-10}` with the default.

    Parameters
    ----------
    layer
        A NumPy recurrent layer computing in float64.
    x
        One step's input, shape (1, features), float64.
    states
        The previous states for a batch of one, as ``initial_state`` of
        :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.run` (``None``: zeros).
    eps
        The step of the differences, a positive number.

    Returns
    -------
    numpy.ndarray
        Shape (s n, s n), s the number of states.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer or ``x`` not a float array.
    ValueError
        If ``layer`` is not float64, ``x`` has the wrong shape or ``eps`` is not positive.
    """
    layer = _check_float64_layer(layer)
    x = _check_step_input(layer, x)
    eps = check_positive_number("eps", eps)
    base = np.concatenate(layer.check_states(states, 1), axis=1)[0]
    count, n = len(layer.state_names), layer.units
    jacobian = np.empty((count * n, count * n))
    for k in range(count * n):
        shifted = []
        for sign in (1.0, -1.0):
            s = base.copy()
            s[k] += sign * eps
            new = layer.cell(x, [part[None, :] for part in np.split(s, count)])
            shifted.append(np.concatenate(new, axis=1)[0])
        jacobian[:, k] = (shifted[0] - shifted[1]) / (2 * eps)
    return jacobian


def jacobian_product(
    layer: RecurrentLayer, inputs: np.ndarray, initial_state: Any = None
) -> np.ndarray:
    r"""How the last state of a sequence depends on the first: :math:`\partial s_T / \partial s_0`.

    The product :math:`J_T \cdots J_2 J_1` of the one-step Jacobians
    (:func:`state_jacobian`) along the run of ``layer`` over ``inputs``. Its size tells
    how much of a change of the initial state reaches step T, and, transposed, how much of
    a gradient at step T reaches step 0.

    Parameters
    ----------
    layer
        A NumPy recurrent layer computing in float64.
    inputs
        One sequence, shape (1, time, features), float64.
    initial_state
        As for :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.run`.

    Returns
    -------
    numpy.ndarray
        Shape (s n, s n).

    Raises
    ------
    TypeError, ValueError
        As :func:`state_jacobian`, or if ``inputs`` does not hold exactly one sequence.
    """
    layer = _check_float64_layer(layer)
    inputs = layer.check_inputs(inputs)
    if inputs.shape[0] != 1:
        raise ValueError(f"inputs must hold one sequence (batch 1), got {inputs.shape[0]}")
    states = layer.check_states(initial_state, 1)
    product = np.eye(len(states) * layer.units)
    for t in range(inputs.shape[1]):
        x = inputs[:, t]
        product = state_jacobian(layer, x, list(states)) @ product
        states = layer.cell(x, list(states))
    return product


def gru_jacobian_parts(layer: NumpyGRU, x: np.ndarray, h_prev: np.ndarray) -> dict[str, np.ndarray]:
    r"""The GRU's one-step Jacobian :math:`\partial h_t / \partial h_{t-1}`, term by term.

    Differentiating :math:`h_t = z \odot h_{t-1} + (1 - z) \odot \tilde h` gives three
    terms, entry ``[j, k]`` the derivative of :math:`h_t[j]` by :math:`h_{t-1}[k]`:

    .. math::

        J = \underbrace{\operatorname{diag}(z)}_{\text{direct}}
          + \underbrace{\operatorname{diag}\big((h_{t-1} - \tilde h)\, z (1 - z)\big)\,
            U_z^\top}_{\text{through } z}
          + \underbrace{\operatorname{diag}\big((1 - z)(1 - \tilde h^2)\big)\, C}_{
            \text{through } \tilde h}

    with :math:`C = \operatorname{diag}(r) U_h^\top + \operatorname{diag}(q\, r(1 - r))
    U_r^\top`, :math:`q = h_{t-1} U_h + b'_h` (``reset_after=True``), or
    :math:`C = U_h^\top \big(\operatorname{diag}(r) + \operatorname{diag}(h_{t-1} r
    (1 - r)) U_r^\top\big)` (``reset_after=False``). Both indirect terms carry a factor
    :math:`1 - z`: as the update gate closes (:math:`z \to 1`), :math:`J \to I`.

    Parameters
    ----------
    layer
        A NumPy GRU.
    x
        One step's input, shape (1, features), in the layer's dtype.
    h_prev
        The previous state, shape (1, units), in the layer's dtype.

    Returns
    -------
    dict
        Arrays by name: ``"direct"``, ``"through_z"``, ``"through_candidate"`` (each
        (n, n)), their sum ``"total"``, and the gates ``"z"``, ``"r"`` (each (n,)).

    Raises
    ------
    TypeError
        If ``layer`` is not a :class:`~gru_companion.scratch.gru.NumpyGRU` or an array is not
        floating point.
    ValueError
        If a shape is wrong.
    """
    if not isinstance(layer, NumpyGRU):
        raise TypeError(f"layer must be a NumpyGRU, got {type(layer).__name__}")
    x = _check_step_input(layer, x)
    (h_prev,) = layer.check_states(h_prev, 1, name="h_prev")
    x_proj = x @ layer.kernel
    if layer.input_bias is not None:
        x_proj = x_proj + layer.input_bias
    _, cache = gru_step(
        x_proj, h_prev, layer.recurrent_kernel, layer.recurrent_bias, reset_after=layer.reset_after
    )
    z, r, h_tilde, hp = cache["z"][0], cache["r"][0], cache["h_tilde"][0], h_prev[0]
    U_z, U_r, U_h = split_gates(layer.recurrent_kernel, 3)
    if layer.reset_after:
        b_h = 0.0 if layer.recurrent_bias is None else split_gates(layer.recurrent_bias, 3)[2]
        q = hp @ U_h + b_h
        candidate = np.diag(r) @ U_h.T + np.diag(q * r * (1 - r)) @ U_r.T
    else:
        candidate = U_h.T @ (np.diag(r) + np.diag(hp * r * (1 - r)) @ U_r.T)
    direct = np.diag(z)
    through_z = np.diag((hp - h_tilde) * z * (1 - z)) @ U_z.T
    through_candidate = np.diag((1 - z) * (1 - h_tilde**2)) @ candidate
    return {
        "direct": direct,
        "through_z": through_z,
        "through_candidate": through_candidate,
        "total": direct + through_z + through_candidate,
        "z": z,
        "r": r,
    }
