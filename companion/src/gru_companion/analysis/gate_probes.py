r"""Probing the gates of the NumPy recurrent layers: gates held fixed, traced, compared.

What a gate does is easiest to see by taking control of it. :func:`with_gate_fixed`
returns a copy of a NumPy recurrent layer of any kind (a
:class:`~gru_companion.scratch.gru.NumpyGRU`, a :class:`~gru_companion.scratch.lstm.NumpyLSTM`,
a simplified cell, ...) in which one gate no longer depends on the input or the state: its
blocks of the kernel and the recurrent kernel are zero and its bias is set so that the
sigmoid gives a chosen constant. With the GRU's update gate held at 1, for example, the
state is copied from step to step whatever the input. The gates of a kind are the
:attr:`~gru_companion.kinds.Kind.sigmoid_gates` of its row in
:data:`gru_companion.kinds.KINDS`. A gate that also reads the cell state through a
peephole (:attr:`~gru_companion.kinds.Kind.peepholes`, the LSTM with peepholes) has its
row of the weight ``peephole`` zeroed too, so that nothing but the bias reaches it; the
layer's other weights are carried over unchanged.

A gate "held at 1" is :math:`\sigma(40)`, which is exactly 1 in float32 and float64; a gate
"held at 0" is :math:`\sigma(-40) \approx 4 \cdot 10^{-18}`, which lets through a fraction
of :math:`10^{-17}` of what it multiplies (see
:data:`~gru_companion.scratch.activations.SATURATING_LOGIT`). :func:`with_block_constant`
does the same for any block, the candidate's included, with a chosen pre-activation.

:func:`gate_traces` runs a layer over a batch and returns, for one sequence, each gate,
candidate and state at every step as an array (time, units)
(:func:`gru_companion.figures.gate_traces.draw_gate_traces` draws them as heatmaps);
:func:`marker_response` compares how much each gate moves at marked and unmarked steps.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.kinds import kind_of
from gru_companion.scratch.activations import SATURATING_LOGIT
from gru_companion.scratch.recurrent_layer import RecurrentLayer
from gru_companion.validation import check_choice, check_ndarray

_LAYER_OPTIONS_NOT_IN_CONSTRUCTOR = ("units", "features", "use_bias", "dtype")


def _check_layer(layer: Any) -> RecurrentLayer:
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(
            "layer must be a NumPy recurrent layer (a gru_companion.scratch RecurrentLayer "
            f"of any kind), got {type(layer).__name__}"
        )
    return layer


def block_columns(layer: RecurrentLayer, block: str) -> slice:
    """The columns of ``block`` in the layer's kernel, recurrent kernel and bias.

    Keras stores a layer's blocks side by side, in the order of its kind's
    :attr:`~gru_companion.kinds.Kind.blocks` (GRU: z, r, h; LSTM: i, f, c, o), each
    ``units`` columns wide.

    Parameters
    ----------
    layer
        A NumPy recurrent layer.
    block
        One of ``layer.gate_names``.

    Returns
    -------
    slice
        ``slice(k n, (k + 1) n)`` for the block in position k.

    Examples
    --------
    >>> from gru_companion.scratch.gru import NumpyGRU
    >>> block_columns(NumpyGRU.initialized(features=2, units=3), "r")
    slice(3, 6, None)
    """
    _check_layer(layer)
    check_choice(f"block of a {layer.kind_name}", block, layer.gate_names)
    position = layer.gate_names.index(block)
    return slice(position * layer.units, (position + 1) * layer.units)


def _rebuilt(layer: RecurrentLayer, weights: list[np.ndarray]) -> RecurrentLayer:
    """A layer of ``layer``'s class and settings holding ``weights`` (Keras's order, a bias)."""
    options = {
        key: value
        for key, value in layer.get_config().items()
        if key not in _LAYER_OPTIONS_NOT_IN_CONSTRUCTOR
    }
    return type(layer)(*weights, **options)


def _peephole_row(layer: RecurrentLayer, block: str) -> int | None:
    """The row of ``block`` in the layer's weight ``peephole``, or ``None`` if it has none.

    Raises ``ValueError`` for a layer keeping a further weight that its kind's row does not
    describe (whether it feeds ``block`` cannot be known, so the block could not be held
    constant), or lacking the weight ``peephole`` its kind's peepholes are kept in.
    """
    peepholes = kind_of(layer.kind).peepholes
    described = ("peephole",) if peepholes else ()
    if peepholes and "peephole" not in layer.extra_weights:
        raise ValueError(
            f"the kind of a {layer.kind_name} has the peepholes {peepholes}, but the layer "
            f"keeps no weight 'peephole' (its further weights: {layer.extra_weights})"
        )
    unknown = [name for name in layer.extra_weights if name not in described]
    if unknown:
        raise ValueError(
            f"a {layer.kind_name} keeps the weights {unknown} beyond kernel, "
            "recurrent_kernel and bias, which its kind's row does not describe (only a "
            "kind's peepholes are known, as the weight 'peephole'): cannot tell whether "
            f"they feed the block {block!r}, so it cannot be held constant"
        )
    return peepholes.index(block) if block in peepholes else None


def with_block_constant(layer: RecurrentLayer, block: str, pre_activation: Any) -> RecurrentLayer:
    """A copy of ``layer`` whose ``block`` has a constant pre-activation.

    The block's columns of the kernel :math:`W` and of the recurrent kernel :math:`U`
    become zero, its input bias becomes ``pre_activation``, its recurrent bias
    :math:`b'` (a GRU with ``reset_after=True``) zero, and so does its peephole
    :math:`V` (a gate of :attr:`~gru_companion.kinds.Kind.peepholes`: its row of the
    weight ``peephole``). What the block computes before its sigmoid or tanh is then
    ``pre_activation`` at every step, whatever the input and the states. The other
    blocks, the other peepholes and the layer's flags are unchanged.

    Parameters
    ----------
    layer
        A NumPy recurrent layer with biases (``use_bias=True``).
    block
        One of ``layer.gate_names``, e.g. ``"z"`` or ``"h"`` for a GRU.
    pre_activation
        A finite real number, or a finite array of shape (units,) for one value per unit.

    Returns
    -------
    RecurrentLayer
        A new layer of the same kind; ``layer`` is not changed.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer, or ``pre_activation`` is neither a real
        number nor an array.
    ValueError
        If ``block`` is not one of the layer's blocks, the layer has no bias,
        ``pre_activation`` is not finite or has the wrong shape, or the layer keeps a
        further weight that its kind's row does not describe (whether it feeds the block
        is unknown).
    """
    columns = block_columns(layer, block)
    peephole_row = _peephole_row(layer, block)
    if not layer.use_bias:
        raise ValueError(
            f"with_block_constant needs a {layer.kind_name} with biases (use_bias=True): the "
            "constant is set through the bias"
        )
    if isinstance(pre_activation, np.ndarray):
        if pre_activation.shape != (layer.units,):
            raise ValueError(
                f"pre_activation must be a number or an array of shape (units,) = "
                f"({layer.units},), got shape {pre_activation.shape}"
            )
        value = pre_activation.astype(layer.dtype)
    elif isinstance(pre_activation, numbers.Real) and not isinstance(pre_activation, bool):
        value = np.full(layer.units, float(pre_activation), dtype=layer.dtype)
    else:
        raise TypeError(
            "pre_activation must be a real number or a numpy.ndarray of shape (units,), "
            f"got {type(pre_activation).__name__} {pre_activation!r}"
        )
    if not np.all(np.isfinite(value)):
        raise ValueError(f"pre_activation must be finite, got {pre_activation!r}")
    # copies, in Keras's order: kernel, recurrent_kernel, bias, then the kind's further weights
    kernel, recurrent_kernel, bias, *extra = layer.get_weights()
    kernel[:, columns] = 0.0
    recurrent_kernel[:, columns] = 0.0
    if bias.ndim == 2:  # GRU, reset_after=True: row 0 input bias b, row 1 recurrent bias b'
        bias[0, columns] = value
        bias[1, columns] = 0.0
    else:
        bias[columns] = value
    if peephole_row is not None:  # the gate no longer peeks at the cell state
        extra[layer.extra_weights.index("peephole")][peephole_row] = 0.0
    return _rebuilt(layer, [kernel, recurrent_kernel, bias, *extra])


def gate_logit(value: Any) -> float:
    r"""The pre-activation :math:`a` with :math:`\sigma(a)` = ``value`` (0 and 1 included).

    ``0`` and ``1`` map to :math:`\mp`
    :data:`~gru_companion.scratch.activations.SATURATING_LOGIT`; values strictly between them
    to :math:`\log(v / (1 - v))`.

    Parameters
    ----------
    value
        A real number in [0, 1].

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is outside [0, 1] (or NaN).

    Examples
    --------
    >>> gate_logit(0.5), gate_logit(1), gate_logit(0)
    (0.0, 40.0, -40.0)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a number in [0, 1], got {type(value).__name__} {value!r}")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"value must be in [0, 1], got {value}")
    if value == 0.0:
        return -SATURATING_LOGIT
    if value == 1.0:
        return SATURATING_LOGIT
    return math.log(value / (1.0 - value))


def with_gate_fixed(layer: RecurrentLayer, gate: str, value: Any) -> RecurrentLayer:
    r"""A copy of ``layer`` in which ``gate`` equals ``value`` at every step, for every unit.

    The gate's weights (its peephole too, if it has one) are zeroed and its bias set to
    :func:`gate_logit` of ``value`` (see :func:`with_block_constant`). ``value=1`` gives
    a gate of exactly 1;
    ``value=0`` a gate of about :math:`4 \cdot 10^{-18}`.

    Parameters
    ----------
    layer
        A NumPy recurrent layer with biases, of a kind with gates (a
        :class:`~gru_companion.scratch.gru.NumpyGRU`, a
        :class:`~gru_companion.scratch.lstm.NumpyLSTM`, a simplified cell, ...).
    gate
        One of the kind's :attr:`~gru_companion.kinds.Kind.sigmoid_gates`: ``"z"`` or
        ``"r"`` for a GRU, ``"i"``, ``"f"`` or ``"o"`` for an LSTM, ``"f"`` for an MGU.
    value
        The gate's value, a number in [0, 1].

    Returns
    -------
    RecurrentLayer
        As :func:`with_block_constant`: a new layer, ``layer`` unchanged.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer or ``value`` not a number.
    ValueError
        If ``gate`` is not a sigmoid gate of the layer (a candidate block, or a
        SimpleRNN, which has no gates), ``value`` is outside [0, 1], the layer has no
        bias, or it keeps a weight its kind's row does not describe (see
        :func:`with_block_constant`).

    Examples
    --------
    >>> import numpy as np
    >>> from gru_companion.scratch.gru import NumpyGRU
    >>> gru = NumpyGRU.initialized(features=2, units=3, seed=0)
    >>> copying = with_gate_fixed(gru, "z", 1.0)
    >>> h0 = np.array([[0.5, -0.2, 0.1]])
    >>> bool(np.array_equal(copying(np.ones((1, 20, 2)), initial_state=h0), h0))
    True
    """
    _check_layer(layer)
    gates = kind_of(layer.kind).sigmoid_gates
    if gate not in gates:
        if not gates:
            raise ValueError(f"a {layer.kind_name} has no gates; got gate={gate!r}")
        allowed = ", ".join(repr(name) for name in gates)
        raise ValueError(
            f"gate of a {layer.kind_name} must be one of its sigmoid gates {allowed}; got {gate!r}"
        )
    return with_block_constant(layer, gate, gate_logit(value))


def gate_traces(
    layer: RecurrentLayer,
    inputs: np.ndarray,
    initial_state: Any = None,
    *,
    sequence: int = 0,
) -> dict[str, np.ndarray]:
    """Every gate, candidate and state of one sequence, step by step.

    Runs ``layer.run(inputs, initial_state, keep_cache=True)`` and stacks, for the
    sequence in row ``sequence`` of the batch, each value the step caches (GRU: ``h_prev``,
    ``z``, ``r``, ``h_tilde``; LSTM: ``h_prev``, ``c_prev``, ``i``, ``f``, ``c_tilde``,
    ``o``, ``c``; SimpleRNN: ``h_prev``, ``h``), and the output ``h``.

    Parameters
    ----------
    layer
        A NumPy recurrent layer.
    inputs
        A batch (batch, time, features) in the layer's dtype.
    initial_state
        As for :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.run`.
    sequence
        Which row of the batch to trace.

    Returns
    -------
    dict
        An array of shape (time, units) for each name, row t the value at step t + 1, in
        the order the layer read the steps (reversed for ``go_backwards``).

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer or ``sequence`` not an integer.
    ValueError
        If ``sequence`` is not a row of the batch (and as ``run`` raises for bad inputs).
    """
    _check_layer(layer)
    result = layer.run(inputs, initial_state, keep_cache=True)
    batch = result.outputs.shape[0]
    if isinstance(sequence, bool) or not isinstance(sequence, numbers.Integral):
        raise TypeError(f"sequence must be an integer, got {type(sequence).__name__}")
    if not 0 <= sequence < batch:
        raise ValueError(
            f"sequence must be in [0, {batch}) (the batch has {batch}), got {sequence}"
        )
    names = list(result.caches[0])
    traces = {name: np.stack([cache[name][sequence] for cache in result.caches]) for name in names}
    traces["h"] = result.outputs[sequence].copy()
    return traces


@dataclass(frozen=True)
class MarkerResponse:
    r"""How much one gate moves at marked steps, compared with unmarked ones.

    The change of gate :math:`g` at step :math:`t \ge 1` is the mean over units of
    :math:`|g_t - g_{t-1}|`; step 0 has no predecessor and is left out.

    Attributes
    ----------
    gate
        The gate's name in the step cache (``"z"``, ``"r"``, ``"i"``, ...).
    marked_change
        The mean change at marked steps.
    unmarked_change
        The mean change at the other steps.
    ratio
        ``marked_change / unmarked_change``.
    marked_mean, unmarked_mean
        The gate's mean value (over units and sequences) at marked and at unmarked steps.
    marked_unit_means, unmarked_unit_means
        The same means for each unit separately, shape (units,).
    """

    gate: str
    marked_change: float
    unmarked_change: float
    ratio: float
    marked_mean: float
    unmarked_mean: float
    marked_unit_means: np.ndarray
    unmarked_unit_means: np.ndarray


def marker_response(
    layer: RecurrentLayer, inputs: np.ndarray, marked: np.ndarray, gates: tuple[str, ...]
) -> dict[str, MarkerResponse]:
    """Run ``layer`` over ``inputs`` and compare each gate at marked and unmarked steps.

    Parameters
    ----------
    layer
        A NumPy recurrent layer (not going backwards), e.g. the twin of a trained Keras
        layer.
    inputs
        Shape (batch, time, features), in the layer's dtype.
    marked
        Bool, shape (batch, time): the marked steps (for the adding problem,
        ``inputs[:, :, 1] == 1``). After step 0, some steps must be marked and some not.
    gates
        Names of values in the layer's step cache, e.g. ``("z", "r")`` for a GRU or
        ``("i", "f", "o")`` for an LSTM.

    Returns
    -------
    dict
        One :class:`MarkerResponse` per gate name, in the order of ``gates``.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer, ``marked`` not a bool array or
        ``gates`` not a tuple of names.
    ValueError
        If the layer goes backwards, ``marked`` does not fit ``inputs``, no step (or
        every step) after step 0 is marked, or a gate is not in the step cache.
    """
    _check_layer(layer)
    if layer.go_backwards:
        raise ValueError("layer must read forwards (go_backwards=False)")
    if not isinstance(gates, tuple) or not gates or not all(isinstance(g, str) for g in gates):
        raise TypeError(f"gates must be a non-empty tuple of names, got {gates!r}")
    marked = check_ndarray("marked", marked, ndim=2, kinds="b")
    inputs = layer.check_inputs(inputs)
    if marked.shape != inputs.shape[:2]:
        raise ValueError(
            f"marked must have shape (batch, time) = {inputs.shape[:2]}, got {marked.shape}"
        )
    later = marked[:, 1:]
    if not later.any() or later.all():
        raise ValueError("after step 0, some steps must be marked and some not")
    caches = layer.run(inputs, keep_cache=True).caches
    missing = [gate for gate in gates if gate not in caches[0]]
    if missing:
        raise ValueError(
            f"the {layer.kind_name} step cache holds {sorted(caches[0])}, not {missing}"
        )
    responses = {}
    for gate in gates:
        trace = np.stack([cache[gate] for cache in caches], axis=1)  # (batch, time, units)
        change = np.abs(np.diff(trace, axis=1)).mean(axis=-1)  # (batch, time - 1)
        marked_change = float(change[later].mean())
        unmarked_change = float(change[~later].mean())
        responses[gate] = MarkerResponse(
            gate=gate,
            marked_change=marked_change,
            unmarked_change=unmarked_change,
            ratio=marked_change / unmarked_change,
            marked_mean=float(trace[marked].mean()),
            unmarked_mean=float(trace[~marked].mean()),
            marked_unit_means=trace[marked].mean(axis=0),
            unmarked_unit_means=trace[~marked].mean(axis=0),
        )
    return responses
