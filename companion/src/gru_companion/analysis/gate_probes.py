r"""Probing the gates of the NumPy recurrent layers: gates held fixed, gates traced over time.

What a gate does is easiest to see by taking control of it. :func:`with_gate_fixed`
returns a copy of a :class:`~gru_companion.scratch.gru.NumpyGRU` or
:class:`~gru_companion.scratch.lstm.NumpyLSTM` in which one gate no longer depends on the input
or the state: its blocks of the kernel and the recurrent kernel are zero and its bias is
set so that the sigmoid gives a chosen constant. With the GRU's update gate held at 1, for
example, the state is copied from step to step whatever the input.

A gate "held at 1" is :math:`\sigma(40)`, which is exactly 1 in float32 and float64; a gate
"held at 0" is :math:`\sigma(-40) \approx 4 \cdot 10^{-18}`, which lets through a fraction
of :math:`10^{-17}` of what it multiplies (see :data:`FORCING_LOGIT`).
:func:`with_block_constant` does the same for any block, the candidate's included, with
a chosen pre-activation.

:func:`gate_traces` runs a layer over a batch and returns, for one sequence, each gate,
candidate and state at every step as an array (time, units); :func:`draw_gate_traces`
draws such traces as heatmaps, one row per unit.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gru_companion.scratch.recurrent_layer import RecurrentLayer
from gru_companion.validation import check_choice

#: The pre-activation that holds a gate at 1 (its negative holds it at 0):
#: :math:`\sigma(40) = 1` in float64, :math:`\sigma(-40) = e^{-40}/(1 + e^{-40})
#: \approx 4.2 \cdot 10^{-18}`.
FORCING_LOGIT = 40.0

#: The blocks of each kind of layer that are sigmoid gates (the others are candidates).
SIGMOID_GATES: dict[str, tuple[str, ...]] = {
    "SimpleRNN": (),
    "GRU": ("z", "r"),
    "LSTM": ("i", "f", "o"),
}

#: How :func:`draw_gate_traces` labels each traced quantity.
TRACE_LABELS: dict[str, str] = {
    "z": "$z_t$",
    "r": "$r_t$",
    "h_tilde": r"$\tilde h_t$",
    "h": "$h_t$",
    "h_prev": "$h_{t-1}$",
    "i": "$i_t$",
    "f": "$f_t$",
    "o": "$o_t$",
    "c_tilde": r"$\tilde c_t$",
    "c": "$c_t$",
    "c_prev": "$c_{t-1}$",
}

_GATE_NAMES = frozenset({"z", "r", "i", "f", "o"})
_LAYER_OPTIONS_NOT_IN_CONSTRUCTOR = ("units", "features", "use_bias", "dtype")


def _check_layer(layer: Any) -> RecurrentLayer:
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(
            f"layer must be a NumpySimpleRNN, NumpyGRU or NumpyLSTM, got {type(layer).__name__}"
        )
    return layer


def block_columns(layer: RecurrentLayer, block: str) -> slice:
    """The columns of ``block`` in the layer's kernel, recurrent kernel and bias.

    Keras stores a layer's blocks side by side (GRU: z, r, h; LSTM: i, f, c, o), each
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
    check_choice(f"block of a {layer.kind}", block, layer.gate_names)
    position = layer.gate_names.index(block)
    return slice(position * layer.units, (position + 1) * layer.units)


def _rebuilt(
    layer: RecurrentLayer, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> RecurrentLayer:
    options = {
        key: value
        for key, value in layer.get_config().items()
        if key not in _LAYER_OPTIONS_NOT_IN_CONSTRUCTOR
    }
    return type(layer)(kernel, recurrent_kernel, bias, **options)


def with_block_constant(layer: RecurrentLayer, block: str, pre_activation: Any) -> RecurrentLayer:
    """A copy of ``layer`` whose ``block`` has a constant pre-activation.

    The block's columns of the kernel :math:`W` and of the recurrent kernel :math:`U`
    become zero, its input bias becomes ``pre_activation`` and its recurrent bias
    :math:`b'` (a GRU with ``reset_after=True``) zero. What the block computes before its
    sigmoid or tanh is then ``pre_activation`` at every step, whatever the input and the
    state. The other blocks, and the layer's flags, are unchanged.

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
        If ``block`` is not one of the layer's blocks, the layer has no bias, or
        ``pre_activation`` is not finite or has the wrong shape.
    """
    columns = block_columns(layer, block)
    if not layer.use_bias:
        raise ValueError(
            f"with_block_constant needs a {layer.kind} with biases (use_bias=True): the "
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
    kernel, recurrent_kernel, bias = (weight.copy() for weight in layer.get_weights())
    kernel[:, columns] = 0.0
    recurrent_kernel[:, columns] = 0.0
    if bias.ndim == 2:  # GRU, reset_after=True: row 0 input bias b, row 1 recurrent bias b'
        bias[0, columns] = value
        bias[1, columns] = 0.0
    else:
        bias[columns] = value
    return _rebuilt(layer, kernel, recurrent_kernel, bias)


def gate_logit(value: Any) -> float:
    r"""The pre-activation :math:`a` with :math:`\sigma(a)` = ``value`` (0 and 1 included).

    ``0`` and ``1`` map to :math:`\mp` :data:`FORCING_LOGIT`; values strictly between
    them to :math:`\log(v / (1 - v))`.

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
        return -FORCING_LOGIT
    if value == 1.0:
        return FORCING_LOGIT
    return math.log(value / (1.0 - value))


def with_gate_fixed(layer: RecurrentLayer, gate: str, value: Any) -> RecurrentLayer:
    r"""A copy of ``layer`` in which ``gate`` equals ``value`` at every step, for every unit.

    The gate's weights are zeroed and its bias set to :func:`gate_logit` of ``value``
    (see :func:`with_block_constant`). ``value=1`` gives a gate of exactly 1;
    ``value=0`` a gate of about :math:`4 \cdot 10^{-18}`.

    Parameters
    ----------
    layer
        A :class:`~gru_companion.scratch.gru.NumpyGRU` or :class:`~gru_companion.scratch.lstm.NumpyLSTM`
        with biases.
    gate
        A sigmoid gate of the layer (:data:`SIGMOID_GATES`): ``"z"`` or ``"r"`` for a GRU,
        ``"i"``, ``"f"`` or ``"o"`` for an LSTM.
    value
        The gate's value, a number in [0, 1].

    Returns
    -------
    RecurrentLayer
        A new layer of the same kind; ``layer`` is not changed.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer or ``value`` not a number.
    ValueError
        If ``gate`` is not a sigmoid gate of the layer (a candidate block, or a
        SimpleRNN, which has no gates), ``value`` is outside [0, 1], or the layer has no
        bias.

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
    gates = SIGMOID_GATES.get(layer.kind, ())
    if gate not in gates:
        if not gates:
            raise ValueError(f"a {layer.kind} has no gates; got gate={gate!r}")
        allowed = ", ".join(repr(name) for name in gates)
        raise ValueError(
            f"gate of a {layer.kind} must be one of its sigmoid gates {allowed}; got {gate!r}"
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


def draw_gate_traces(
    traces: Mapping[str, np.ndarray],
    names: Sequence[str],
    *,
    title: str | None = None,
) -> Figure:
    """Draw traces from :func:`gate_traces` as heatmaps: one panel per name, units by steps.

    Gates (``z``, ``r``, ``i``, ``f``, ``o``) are drawn on a 0-to-1 scale; every other
    quantity on a symmetric scale from -s to s, with s the larger of 1 and its largest
    absolute value.

    Parameters
    ----------
    traces
        Arrays of shape (time, units) by name, e.g. the result of :func:`gate_traces`.
    names
        The names to draw, top to bottom (each a key of ``traces``).
    title
        A title over the figure, or ``None``.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure, one Axes per name (with a colour bar each).

    Raises
    ------
    TypeError
        If ``names`` is a string or not a sequence, or a trace is not a 2-D array.
    ValueError
        If ``names`` is empty or names a missing trace, or the traces differ in shape.
    """
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of trace names, got {names!r}")
    if len(names) == 0:
        raise ValueError("names must name at least one trace, got an empty sequence")
    shapes = set()
    for name in names:
        if name not in traces:
            raise ValueError(f"no trace named {name!r}; traces hold {sorted(traces)}")
        values = traces[name]
        if not isinstance(values, np.ndarray) or values.ndim != 2:
            raise TypeError(f"trace {name!r} must be a 2-D numpy.ndarray (time, units)")
        shapes.add(values.shape)
    if len(shapes) != 1:
        raise ValueError(f"the traces must share one shape (time, units), got {sorted(shapes)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")

    import matplotlib.pyplot as plt

    steps, units = shapes.pop()
    width = min(12.0, 3.0 + 0.25 * steps)
    height = 0.5 + (0.5 + 0.25 * units) * len(names)
    fig, axes = plt.subplots(
        len(names), 1, figsize=(width, height), squeeze=False, sharex=True, layout="constrained"
    )
    for name, ax in zip(names, axes[:, 0], strict=True):
        values = traces[name]
        if name in _GATE_NAMES:
            low, high, cmap = 0.0, 1.0, "viridis"
        else:
            high = max(1.0, float(np.max(np.abs(values))))
            low, cmap = -high, "RdBu_r"
        image = ax.imshow(
            values.T,
            aspect="auto",
            cmap=cmap,
            vmin=low,
            vmax=high,
            interpolation="nearest",
            extent=(0.5, steps + 0.5, units - 0.5, -0.5),
        )
        ax.set_ylabel(
            TRACE_LABELS.get(name, name), rotation=0, ha="right", va="center", fontsize=12
        )
        ax.set_yticks(range(units))
        ax.set_yticklabels([str(unit + 1) for unit in range(units)], fontsize=7)
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    axes[-1, 0].set_xlabel("step $t$")
    if title is not None:
        fig.suptitle(title)
    return fig
