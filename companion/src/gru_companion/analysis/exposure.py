r"""How much of its memory a recurrent layer shows: the output gate, measured per unit.

Tutorials say that a GRU exposes its whole state, while an LSTM's output gate decides how
much of its memory cell it shows. Both halves can be measured. An LSTM keeps its memory in
the cell state :math:`c_t` and outputs :math:`h_t = o_t \odot \tanh(c_t)`: the output gate
:math:`o_t` scales what the next layer (and the next step's gates) see of the memory. A
GRU, a tanh RNN and the other one-state kinds output their state itself, :math:`h_t`: what
they remember is what they show.

:func:`memory_exposure` runs a NumPy layer over a batch
(:func:`~gru_companion.analysis.gate_probes.gate_traces`, one sequence at a time) and
reports, for every unit:

- the **mean output gate** :math:`\overline{o}`;
- the **hidden share**: the share of steps at which the gate hides more than it shows,
  :math:`o_t < 0.5`;
- the **exposure**: how much of the squashed memory reaches the output,
  :math:`\overline{|h|} \,/\, \overline{|\tanh c|}`, means over steps and sequences. Since
  :math:`|h_t| = o_t |\tanh c_t|`, it is the output gate's mean weighted by how much
  there was to show: 1 when everything is shown, 0 when nothing is.

For a kind whose output is its state the three are 1, 0 and 1 by construction, and are
returned as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.analysis.gate_probes import gate_traces
from gru_companion.kinds import kind_of
from gru_companion.scratch.recurrent_layer import RecurrentLayer

#: A gate below this hides more of the memory than it shows.
HIDING_THRESHOLD = 0.5
#: The output gate's name in the step cache of a kind with a memory cell.
OUTPUT_GATE = "o"


@dataclass(frozen=True)
class Exposure:
    """How much of its memory a layer showed over a batch, per unit.

    Attributes
    ----------
    kind
        The layer's kind (a key of :data:`gru_companion.kinds.KINDS`).
    memory
        The state that holds the memory: ``"c"`` for a kind with a memory cell, ``"h"``
        for a kind whose output is its state.
    output_gate_mean
        The mean output gate of each unit, shape (units,); ones for a kind without one.
    hidden_share
        The share of steps (over all sequences) at which each unit's output gate was
        below :data:`HIDING_THRESHOLD`; zeros for a kind without one.
    exposure
        Each unit's mean :math:`|h|` over its mean :math:`|\\tanh c|`, in [0, 1]; NaN for
        a unit whose cell stayed exactly 0; ones for a kind without a memory cell.
    overall_exposure
        The same ratio over every unit at once (sums over units, steps and sequences).
    """

    kind: str
    memory: str
    output_gate_mean: np.ndarray
    hidden_share: np.ndarray
    exposure: np.ndarray
    overall_exposure: float

    @property
    def has_output_gate(self) -> bool:
        """Whether the layer has an output gate between its memory and its output."""
        return self.memory != "h"


def memory_state(kind: str) -> str:
    """The state that holds a kind's memory: its second state (``"c"``) if it has one, else ``"h"``.

    Raises
    ------
    ValueError
        If the kind is unknown, or carries a memory cell but has no output gate
        :data:`OUTPUT_GATE`.

    Examples
    --------
    >>> memory_state("lstm"), memory_state("gru")
    ('c', 'h')
    """
    row = kind_of(kind)
    if len(row.states) == 1:
        return row.states[0]
    if OUTPUT_GATE not in row.sigmoid_gates:
        raise ValueError(
            f"a {row.name} carries the states {row.states} but has no output gate "
            f"{OUTPUT_GATE!r}: its exposure is not defined"
        )
    return row.states[1]


def memory_exposure(layer: RecurrentLayer, inputs: np.ndarray) -> Exposure:
    r"""Per unit: the mean output gate, how often it hides the memory, how much it shows.

    Parameters
    ----------
    layer
        A NumPy recurrent layer of any kind, e.g. the twin of a trained Keras layer
        (:func:`~gru_companion.keras.bridge.from_keras`); it starts every sequence from
        zero states, as Keras does.
    inputs
        A batch (batch, time, features) in the layer's dtype.

    Returns
    -------
    Exposure
        For a kind with a memory cell, measured over every step of every sequence; for a
        kind whose output is its state, ones, zeros and ones (nothing is hidden), after
        checking the inputs.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer.
    ValueError
        If ``inputs`` do not fit the layer (as
        :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.run` raises).

    Examples
    --------
    >>> import numpy as np
    >>> from gru_companion.analysis.gate_probes import with_gate_fixed
    >>> from gru_companion.scratch.lstm import NumpyLSTM
    >>> lstm = NumpyLSTM.initialized(features=2, units=3, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(4, 10, 2))
    >>> shown = memory_exposure(with_gate_fixed(lstm, "o", 0.25), x)
    >>> np.round(shown.exposure, 6), shown.hidden_share
    (array([0.25, 0.25, 0.25]), array([1., 1., 1.]))
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(
            "layer must be a NumPy recurrent layer (a gru_companion.scratch RecurrentLayer), "
            f"got {type(layer).__name__}"
        )
    inputs = layer.check_inputs(inputs)
    memory = memory_state(layer.kind)
    units = layer.units
    if memory == "h":
        ones = np.ones(units)
        return Exposure(layer.kind, memory, ones, np.zeros(units), ones.copy(), 1.0)
    gate_sum = np.zeros(units)
    hidden = np.zeros(units)
    shown = np.zeros(units)
    squashed = np.zeros(units)
    for row in range(inputs.shape[0]):
        traces = gate_traces(layer, inputs[row : row + 1])  # (time, units) each
        gate = traces[OUTPUT_GATE].astype(np.float64)
        gate_sum += gate.sum(axis=0)
        hidden += (gate < HIDING_THRESHOLD).sum(axis=0)
        shown += np.abs(traces["h"]).sum(axis=0)
        squashed += np.abs(np.tanh(traces[memory])).sum(axis=0)
    count = inputs.shape[0] * inputs.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        exposure = np.where(squashed > 0, shown / squashed, np.nan)
    total = squashed.sum()
    return Exposure(
        kind=layer.kind,
        memory=memory,
        output_gate_mean=gate_sum / count,
        hidden_share=hidden / count,
        exposure=exposure,
        overall_exposure=float(shown.sum() / total) if total > 0 else float("nan"),
    )
