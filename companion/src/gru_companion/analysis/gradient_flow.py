r"""How far back a gradient reaches: the norm of :math:`\partial h_T / \partial h_t`, measured.

Backpropagation through time multiplies one Jacobian per step: the gradient reaching the
state :math:`t` steps before the end is

.. math::

    \frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}
        \frac{\partial h_T}{\partial h_t}, \qquad
    \frac{\partial h_T}{\partial h_t} = \prod_{s = t + 1}^{T}
        \frac{\partial h_s}{\partial h_{s-1}}.

If the factors shrink vectors, the product shrinks geometrically with :math:`T - t` and
the early inputs get no gradient: the *vanishing gradient*. :func:`state_jacobian_norms`
measures the spectral norm (the largest factor by which the Jacobian stretches a vector)
of :math:`\partial h_T / \partial h_t` for every :math:`t`, exactly: it runs the layer's
backward pass (:meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward`) once per
unit of :math:`h_T`, all of them batched together, and reads the gradient of every
intermediate state. For an LSTM the state is the pair :math:`(h_t, c_t)` and the Jacobian
is taken with respect to both.

:func:`decay_per_step` summarises a curve by its average factor per step,
:func:`path_statistics` the gates that set each step's Jacobian, and
:func:`keras_initialized` builds a layer of any kind as Keras initialises it. The run that
measures a tanh RNN, an LSTM and a GRU on the adding problem before and after training
(``python -m gru_companion.experiments gradient-flow``) is
:mod:`gru_companion.experiments.gradient_flow`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.kinds import Kind, kind_of
from gru_companion.scratch.initializers import glorot_uniform, orthogonal
from gru_companion.scratch.recurrent_layer import RecurrentLayer, layer_class
from gru_companion.validation import check_positive_int, check_rng


def _forget_block(row: Kind) -> int | None:
    """The position of the block whose bias Keras starts at 1, or ``None``.

    Keras's ``LSTM`` starts its forget gate's bias at 1 (``unit_forget_bias=True``), and so
    do the course's cells of the LSTM family: the sigmoid gate named ``"f"`` of every kind
    that carries a cell state ``c`` (the LSTM, the coupled-gate LSTM, the LSTM with
    peepholes). The MGU's ``"f"`` gates a state ``h`` alone, and starts at 0.
    """
    if "c" in row.states and "f" in row.sigmoid_gates:
        return row.blocks.index("f")
    return None


#: The GRU's gate that sets its additive path, and its role, for :func:`path_statistics`
#: (the LSTM family's forget gate f is found from the rows, by :func:`_forget_block`).
_ADDITIVE_PATH_GATE = {"gru": ("z", "update")}


def _additive_path_gate(row: Kind) -> tuple[str, str] | None:
    """The gate that sets a kind's additive path and its role, or ``None`` (the tanh RNN)."""
    if _forget_block(row) is not None:
        return "f", "forget"
    return _ADDITIVE_PATH_GATE.get(row.key)


def keras_initialized(
    kind: str, features: int, units: int, *, seed: int | np.random.Generator = 0
) -> RecurrentLayer:
    """A float64 NumPy layer of any kind, initialised as Keras initialises its twin.

    Kernel Glorot-uniform, recurrent kernel orthogonal, biases zero, except the forget
    gate's biases in the LSTM family (the kinds with a cell state and a gate ``"f"``:
    the LSTM, the coupled-gate LSTM, the LSTM with peepholes), which Keras sets to 1
    (``unit_forget_bias=True``). A GRU gets Keras 3's two bias rows
    (``reset_after=True``). A kind's further weights
    (:attr:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.extra_weights`, the
    LSTM's peepholes) start at zero, as the course's Keras cells start them. (The layers'
    own ``initialized`` draws small random biases and peepholes instead, which suits
    tests, not experiments about initialisation.)

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS` with a NumPy layer
        (:func:`~gru_companion.scratch.recurrent_layer.layer_class`).
    features, units
        Positive integers.
    seed
        A non-negative integer seed or a ``numpy.random.Generator``.
    """
    row = kind_of(kind)
    cls = layer_class(kind)
    features = check_positive_int("features", features)
    units = check_positive_int("units", units)
    rng = check_rng("seed", seed)
    k = row.gate_blocks
    kernel = glorot_uniform(rng, features, k * units)
    recurrent_kernel = orthogonal(rng, units, k * units)
    rows = row.bias_vectors()
    bias = np.zeros((rows, k * units) if rows > 1 else k * units)
    forget = _forget_block(row)
    if forget is not None:
        bias[..., forget * units : (forget + 1) * units] = 1.0
    extra = []
    if cls.extra_weights:  # their shapes, from a layer the kind draws with its own generator
        drawn = cls.initialized(features, units, seed=0, use_bias=False)
        extra = [np.zeros_like(getattr(drawn, name)) for name in cls.extra_weights]
    return cls(kernel, recurrent_kernel, bias, *extra)


def state_jacobian_norms(
    layer: RecurrentLayer, inputs: np.ndarray, initial_state: Any = None
) -> np.ndarray:
    r"""The spectral norm of :math:`\partial h_T / \partial s_t` for every step, per sequence.

    Parameters
    ----------
    layer
        A NumPy recurrent layer (its flags are ignored: the sequence is read forwards and
        :math:`h_T` is the last state).
    inputs
        Shape (batch, T, features), the layer's dtype.
    initial_state
        ``None`` (zeros) or the initial states.

    Returns
    -------
    numpy.ndarray
        Shape (batch, T + 1): entry ``[b, t]`` is
        :math:`\lVert \partial h_T / \partial s_t \rVert_2` for sequence ``b``, with
        :math:`s_t = h_t` (:math:`(h_t, c_t)` for an LSTM) the state after :math:`t`
        steps; ``[:, T]`` is 1 (the identity) and ``[:, 0]`` is the initial state's.
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be a NumPy recurrent layer, got {type(layer).__name__}")
    inputs = layer.check_inputs(inputs)
    batch, _, _ = inputs.shape
    n = layer.units
    options = {**layer._options(), "return_sequences": False, "return_state": False}
    options["go_backwards"] = False
    weights = [getattr(layer, name) for name in ("kernel", "recurrent_kernel", "bias")]
    weights += [getattr(layer, name) for name in layer.extra_weights]  # the peepholes, ...
    forward = type(layer)(*weights, **options)
    states = forward.check_states(initial_state, batch)
    # one copy of each sequence per unit i of h_T, seeded with the unit vector e_i
    repeated = np.repeat(inputs, n, axis=0)
    repeated_states = [np.repeat(s, n, axis=0) for s in states]
    seeds = np.tile(np.eye(n, dtype=layer.dtype), (batch, 1))
    run = forward.run(repeated, repeated_states, keep_cache=True)
    gradients = forward.backward(run, seeds, keep_state_gradients=True)
    # rows i of the Jacobian, for every step: (batch * n, T + 1, width) -> (batch, T + 1, n, width)
    rows = np.concatenate(gradients.step_states, axis=-1)
    jacobians = rows.reshape(batch, n, rows.shape[1], rows.shape[2]).transpose(0, 2, 1, 3)
    return np.linalg.norm(jacobians, ord=2, axis=(-2, -1))


def decay_per_step(norms: np.ndarray, *, lags: int | None = None) -> float:
    r"""The average factor by which the norm shrinks per step back in time.

    The geometric mean over sequences of :math:`\lVert \partial h_T / \partial h_t \rVert`
    at lag :math:`T - t = \ell` (``norms[:, T - ell]``), compared between lags 0 and ``lags``:
    :math:`(\text{norm at } \ell / \text{norm at } 0)^{1/\ell}`. A factor 0.5 halves the
    gradient every step; 1 keeps it.

    Parameters
    ----------
    norms
        The output of :func:`state_jacobian_norms`, shape (batch, T + 1).
    lags
        The lag :math:`\ell` to compare with (default: all T steps).
    """
    norms = np.asarray(norms, dtype=float)
    steps = norms.shape[1] - 1
    lags = steps if lags is None else lags
    if not 1 <= lags <= steps:
        raise ValueError(f"lags must be between 1 and {steps}, got {lags}")
    log_profile = np.mean(np.log10(np.maximum(norms, 1e-300)), axis=0)[::-1]  # index = lag
    return float(10 ** ((log_profile[lags] - log_profile[0]) / lags))


def mean_log10_profile(norms: np.ndarray) -> list[float]:
    """The mean over sequences of log10 of the norms, indexed by the lag T − t."""
    norms = np.asarray(norms, dtype=float)
    return [float(v) for v in np.mean(np.log10(np.maximum(norms, 1e-300)), axis=0)[::-1]]


def path_statistics(layer: RecurrentLayer, inputs: np.ndarray) -> dict[str, float]:
    r"""The numbers that set each step's Jacobian, averaged over a batch of sequences.

    - tanh RNN: :math:`\partial h_t / \partial h_{t-1} = \mathrm{diag}(1 - h_t^2)\, U^\top`
      (in the row convention :math:`h_t = \tanh(\dots + h_{t-1} U)`), so its norm is at
      most :math:`\max(1 - h_t^2) \cdot \lVert U \rVert_2`: ``mean_tanh_derivative``
      (the mean of :math:`1 - h_t^2`) and ``recurrent_norm`` (:math:`\lVert U \rVert_2`).
    - GRU: the Jacobian is :math:`\mathrm{diag}(z_t)` plus terms through the gates and
      the candidate: ``mean_update_gate`` (the mean of :math:`z_t`) and
      ``fraction_update_gate_above_0.9``.
    - LSTM (and the rest of its family: the coupled-gate LSTM, the LSTM with peepholes):
      the cell's own path is :math:`\mathrm{diag}(f_t)`: ``mean_forget_gate`` and
      ``fraction_forget_gate_above_0.9``.

    And for the GRU and the LSTM, ``log10_best_unit_product``: the gate multiplied along
    the whole sequence (:math:`\prod_t z_t`, :math:`\prod_t f_t`), for the unit where it
    is largest, as the mean over the sequences of its log10: how much of a gradient the
    best unit's additive path keeps from the last step to the first. The tanh RNN has no
    such path: every route from :math:`h_{t-1}` to :math:`h_t` goes through :math:`U`.

    Parameters
    ----------
    layer
        A NumPy recurrent layer.
    inputs
        Shape (batch, time, features).
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be a NumPy recurrent layer, got {type(layer).__name__}")
    caches = layer.run(inputs, keep_cache=True).caches

    def best_unit(factors: np.ndarray) -> float:  # factors: (time, batch, units)
        per_unit = np.mean(np.sum(np.log10(factors), axis=0), axis=0)
        return float(per_unit.max())

    gate = _additive_path_gate(kind_of(layer.kind))
    if gate is not None:
        block, role = gate
        values = np.stack([cache[block] for cache in caches])
        return {
            f"mean_{role}_gate": float(values.mean()),
            f"fraction_{role}_gate_above_0.9": float(np.mean(values > 0.9)),
            "log10_best_unit_product": best_unit(values),
        }
    h = np.stack([cache["h"] for cache in caches])
    return {
        "mean_tanh_derivative": float(np.mean(1 - h**2)),
        "recurrent_norm": float(np.linalg.norm(layer.recurrent_kernel, ord=2)),
    }
