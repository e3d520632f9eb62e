r"""What one time step of a recurrent layer costs, counted by formula (Keras-free).

For a layer of ``k`` gate blocks (SimpleRNN 1, GRU 3, LSTM 4: the blocks of its kind's row
in :data:`gru_companion.kinds.KINDS`) with ``units`` = n, reading ``features`` = m for a
batch of B sequences, one step costs:

=================  ============================  ==========================================
quantity           formula                       what it counts
=================  ============================  ==========================================
input projection   B·m·k·n multiply-adds (MACs)  :math:`x_t W` for all k gate blocks
recurrent product  B·n·k·n MACs                  :math:`h_{t-1} U` for all k gate blocks
element-wise work  B·n·e operations              e per unit and batch row, see below
FLOPs              2·MACs + B·n·e                a MAC is 2 FLOPs
state carried      s·B·n values                  s states of the kind: 1 (h), 2 for the
                                                 LSTM (h and c)
weights            P values                      P parameters, from
                                                 :mod:`~gru_companion.analysis.param_counts`
BPTT cache         v·B·n values per step         v vectors, see below
=================  ============================  ==========================================

Bytes are values times the size of one value of the ``dtype`` (:data:`DTYPE_BYTES`).

**Counting convention for element-wise work.** Each scalar operation on one unit of one
batch row counts 1: an activation (one σ or tanh evaluation, whatever it costs in
hardware), a product (``⊙``), a sum (an addition or a subtraction, ``1 − z`` included).
Adding the two matrix products :math:`x_t W + h_{t-1} U` is one sum; adding a bias vector is
one sum. Inside a matrix product, each multiply-add is one MAC (2 FLOPs), the usual
convention (an m-term dot product is m MACs, though it needs only m − 1 additions). Per unit
and batch row, with biases:

====================  ===========  ========  ====  ======  ==================================
kind                  activations  products  sums  total   sums, counted
====================  ===========  ========  ====  ======  ==================================
SimpleRNN             1            0         2     3       xW + hU, + b
GRU, reset_after      3            3         11    17      3 per gate (xW + b + hU + b'),
                                                           1 − z, the final +
GRU, reset before     3            3         8     14      2 per gate (xW + hU + b), 1 − z, +
LSTM                  5            3         9     17      2 per gate (xW + hU + b), f⊙c + i⊙c̃
====================  ===========  ========  ====  ======  ==================================

Products: the GRU's :math:`r_t \odot (\dots)`, :math:`z_t \odot h_{t-1}` and
:math:`(1 - z_t) \odot \tilde h_t`; the LSTM's :math:`f_t \odot c_{t-1}`,
:math:`i_t \odot \tilde c_t` and :math:`o_t \odot \tanh(c_t)`. The LSTM's fifth activation
is :math:`\tanh(c_t)`. Without biases (``use_bias=False``) every bias sum disappears
(:func:`elementwise_ops`).

**What backpropagation through time caches.** The backward pass of a step needs the step's
inputs :math:`x_t` and :math:`h_{t-1}` (and :math:`c_{t-1}`), which are the layer's input and
the previous step's cached state, and the following vectors of B·n values, which a
hand-written BPTT that recomputes nothing keeps for every step (:func:`cached_vectors`):

====================  ======================================================================
kind                  cached per step
====================  ======================================================================
SimpleRNN             :math:`h_t` (tanh' = 1 − :math:`h_t^2`)
GRU, reset_after      :math:`z_t, r_t, \tilde h_t, h_{t-1} U_h + b'_h` (what :math:`r_t`
                      scaled), :math:`h_t`
GRU, reset before     :math:`z_t, r_t, \tilde h_t, r_t \odot h_{t-1}` (the operand of
                      :math:`U_h`), :math:`h_t`
LSTM                  :math:`i_t, f_t, \tilde c_t, o_t, c_t, \tanh(c_t), h_t`
====================  ======================================================================

The inputs :math:`x_t` are not counted (the layer below holds them). Frameworks differ:
automatic differentiation may keep more (each pre-activation), cuDNN keeps its own
"reserve space", and gradient checkpointing keeps less and recomputes.

The element-wise counts and the cached vectors are this module's own formulas, written for
the kinds of :data:`COUNTED_KINDS`; every other number (blocks, states, parameters, the
layer's name) comes from the kind's row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from gru_companion.analysis.param_counts import ParamCount, recurrent_params
from gru_companion.kinds import Kind, kind_of
from gru_companion.validation import check_bool, check_choice, check_positive_int

#: Bytes of one value of each supported dtype.
DTYPE_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


@dataclass(frozen=True)
class Cost:
    """A counted quantity and the formula it was computed from.

    Attributes
    ----------
    value
        The number (MACs, operations or bytes).
    formula
        The derivation with the numbers filled in, e.g. ``"1·64·3·256"``.
    """

    value: int
    formula: str

    def __int__(self) -> int:
        return self.value


@dataclass(frozen=True)
class ElementwiseOps:
    """Element-wise operations per unit and batch row of one step.

    Attributes
    ----------
    activations
        σ and tanh evaluations.
    products
        Element-wise products (``⊙``).
    sums
        Additions and subtractions (bias additions, ``x W + h U``, ``1 − z``, …).
    """

    activations: int
    products: int
    sums: int

    @property
    def total(self) -> int:
        """All element-wise operations per unit and batch row."""
        return self.activations + self.products + self.sums


@dataclass(frozen=True)
class StepCost:
    """The cost of one time step of one recurrent layer.

    Attributes
    ----------
    layer
        The kind's name (:attr:`~gru_companion.kinds.Kind.name`, e.g. ``"GRU"``).
    kind
        The kind's key, one of :data:`COUNTED_KINDS`.
    features, units, batch
        m, n and B.
    dtype
        The dtype the byte counts are for.
    reset_after
        GRU only (``True`` for the other kinds, where it has no meaning).
    use_bias
        Whether the layer has biases.
    params
        The parameter count, from :mod:`~gru_companion.analysis.param_counts`.
    input_macs
        MACs of the input projection :math:`x_t W`: B·m·k·n.
    recurrent_macs
        MACs of the recurrent product :math:`h_{t-1} U`: B·n·k·n.
    macs
        Their sum.
    elementwise
        The element-wise operations per unit and batch row.
    elementwise_ops
        Element-wise operations of the step: B·n·(activations + products + sums).
    flops
        2·MACs + element-wise operations.
    state_bytes
        The states carried to the next step (the kind's states: h; h and c for the LSTM).
    weight_bytes
        The parameters.
    cache_bytes
        What a BPTT implementation keeps for this step (:func:`cached_vectors`).
    """

    layer: str
    kind: str
    features: int
    units: int
    batch: int
    dtype: str
    reset_after: bool
    use_bias: bool
    params: ParamCount
    input_macs: Cost
    recurrent_macs: Cost
    macs: Cost
    elementwise: ElementwiseOps
    elementwise_ops: Cost
    flops: Cost
    state_bytes: Cost
    weight_bytes: Cost
    cache_bytes: Cost

    def as_row(self) -> dict[str, Any]:
        """The numbers as one flat row (a dict), e.g. for a ``pandas.DataFrame``."""
        return {
            "layer": self.layer,
            "features": self.features,
            "units": self.units,
            "batch": self.batch,
            "dtype": self.dtype,
            "params": self.params.count,
            "input_macs": self.input_macs.value,
            "recurrent_macs": self.recurrent_macs.value,
            "macs": self.macs.value,
            "elementwise_ops": self.elementwise_ops.value,
            "flops": self.flops.value,
            "state_bytes": self.state_bytes.value,
            "weight_bytes": self.weight_bytes.value,
            "cache_bytes": self.cache_bytes.value,
        }


@dataclass(frozen=True)
class SequenceCost:
    """The cost of running a layer over a sequence of ``steps`` time steps.

    Work and the BPTT cache grow with the number of steps; the state and the weights do
    not (the same weights serve every step, and only the latest state is carried).

    Attributes
    ----------
    step
        The cost of one step.
    steps
        The sequence length T.
    macs
        T · (MACs of a step).
    flops
        T · (FLOPs of a step).
    state_bytes
        The state carried between steps, as for one step.
    weight_bytes
        The parameters, as for one step.
    cache_bytes
        T · (BPTT cache of a step): what training must hold until the backward pass.
    """

    step: StepCost
    steps: int
    macs: Cost
    flops: Cost
    state_bytes: Cost
    weight_bytes: Cost
    cache_bytes: Cost


def _simple_rnn_ops(use_bias: bool, reset_after: bool) -> ElementwiseOps:
    # tanh(xW + hU + b): one sum joins the products, one adds the bias.
    return ElementwiseOps(activations=1, products=0, sums=1 + int(use_bias))


def _gru_ops(use_bias: bool, reset_after: bool) -> ElementwiseOps:
    biases = int(use_bias) * (2 if reset_after else 1)
    # Per gate: one sum joins xW and hU, one per bias. Then 1 - z and the final +.
    # Products: r ⊙ (recurrent term or h_{t-1}), z ⊙ h_{t-1}, (1 - z) ⊙ h~.
    return ElementwiseOps(activations=3, products=3, sums=3 * (1 + biases) + 2)


def _lstm_ops(use_bias: bool, reset_after: bool) -> ElementwiseOps:
    # Per block one sum joins xW and hU, one adds the bias; c_t = f⊙c + i⊙c~ adds once.
    # Activations: σ(i), σ(f), tanh(c~), σ(o) and tanh(c_t).
    return ElementwiseOps(activations=5, products=3, sums=4 * (1 + int(use_bias)) + 1)


def _simple_rnn_cache(reset_after: bool) -> tuple[str, ...]:
    return ("h_t",)  # tanh' = 1 - h_t²


def _gru_cache(reset_after: bool) -> tuple[str, ...]:
    reset_operand = "h_{t-1} U_h + b'_h" if reset_after else "r_t ⊙ h_{t-1}"
    return ("z_t", "r_t", "h~_t", reset_operand, "h_t")


def _lstm_cache(reset_after: bool) -> tuple[str, ...]:
    return ("i_t", "f_t", "c~_t", "o_t", "c_t", "tanh(c_t)", "h_t")


class _Formulas(NamedTuple):
    """This module's own formulas for one kind."""

    kind: str
    ops: Callable[[bool, bool], ElementwiseOps]  # (use_bias, reset_after) -> per unit and row
    cache: Callable[[bool], tuple[str, ...]]  # reset_after -> the vectors BPTT keeps


_FORMULAS: dict[str, _Formulas] = {
    formulas.kind: formulas
    for formulas in (
        _Formulas("simple_rnn", _simple_rnn_ops, _simple_rnn_cache),
        _Formulas("gru", _gru_ops, _gru_cache),
        _Formulas("lstm", _lstm_ops, _lstm_cache),
    )
}

#: The kinds whose costs are counted, those this module has element-wise and cache formulas for.
COUNTED_KINDS = tuple(_FORMULAS)


def _counted_kind(kind: Any) -> Kind:
    """The row of ``kind``, if this module has formulas for it, else a ``ValueError``."""
    if not isinstance(kind, str) or kind not in _FORMULAS:
        allowed = ", ".join(repr(key) for key in COUNTED_KINDS)
        raise ValueError(
            f"kind must be one of {allowed} (the kinds whose element-wise work and BPTT "
            f"cache this module has formulas for); got {kind!r}"
        )
    return kind_of(kind)


def _check_kind_options(kind: Any, use_bias: Any, reset_after: Any) -> Kind:
    row = _counted_kind(kind)
    check_bool("use_bias", use_bias)
    check_bool("reset_after", reset_after)
    return row


def elementwise_ops(
    kind: str, *, use_bias: bool = True, reset_after: bool = True
) -> ElementwiseOps:
    """Count the element-wise operations of one step, per unit and batch row.

    Parameters
    ----------
    kind
        One of :data:`COUNTED_KINDS`: ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.
    use_bias
        Whether the layer adds bias vectors (each bias addition is one sum).
    reset_after
        GRU only: Keras's default form, with two bias vectors per gate (input and
        recurrent), or ``False`` for one. Ignored for the other kinds.

    Returns
    -------
    ElementwiseOps
        Activations, products and sums per unit; see the module's table.

    Examples
    --------
    >>> elementwise_ops("gru").total, elementwise_ops("lstm").total
    (17, 17)
    >>> elementwise_ops("gru", reset_after=False).total
    14
    """
    _check_kind_options(kind, use_bias, reset_after)
    return _FORMULAS[kind].ops(use_bias, reset_after)


def cached_vectors(kind: str, *, reset_after: bool = True) -> tuple[str, ...]:
    """Name the vectors (each batch × units) that BPTT keeps for every step.

    Parameters
    ----------
    kind
        One of :data:`COUNTED_KINDS`: ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.
    reset_after
        GRU only: which form of the candidate state. Ignored for the other kinds.

    Returns
    -------
    tuple of str
        The names, in the course's notation: enough, with the step's inputs, to compute
        every gradient of the step without recomputing the forward pass.
    """
    _counted_kind(kind)
    check_bool("reset_after", reset_after)
    return _FORMULAS[kind].cache(reset_after)


def step_cost(
    kind: str,
    features: int,
    units: int,
    *,
    batch: int = 1,
    dtype: str = "float32",
    use_bias: bool = True,
    reset_after: bool = True,
) -> StepCost:
    """Count the work and memory of one time step of a recurrent layer.

    Parameters
    ----------
    kind
        One of :data:`COUNTED_KINDS`: ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.
    features
        Number of input features m.
    units
        Number of units n.
    batch
        Number of sequences B processed together.
    dtype
        ``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``: the size of every
        stored value (weights, state, cache).
    use_bias
        Whether the layer has bias vectors.
    reset_after
        GRU only (Keras's default ``True``); ignored for the other kinds.

    Returns
    -------
    StepCost
        Every count with its formula.

    Examples
    --------
    >>> cost = step_cost("gru", 64, 256)
    >>> cost.macs.value, cost.macs.formula
    (245760, '1·64·3·256 + 1·256·3·256')
    >>> cost.flops.value
    495872
    """
    row = _check_kind_options(kind, use_bias, reset_after)
    m = check_positive_int("features", features)
    n = check_positive_int("units", units)
    b = check_positive_int("batch", batch)
    check_choice("dtype", dtype, DTYPE_BYTES)
    if not row.has_reset_after:
        reset_after = True
    size = DTYPE_BYTES[dtype]
    k = row.gate_blocks

    params = recurrent_params(kind, m, n, use_bias=use_bias, reset_after=reset_after)
    input_macs = Cost(b * m * k * n, f"{b}·{m}·{k}·{n}")
    recurrent_macs = Cost(b * n * k * n, f"{b}·{n}·{k}·{n}")
    macs = Cost(
        input_macs.value + recurrent_macs.value,
        f"{input_macs.formula} + {recurrent_macs.formula}",
    )
    ops = elementwise_ops(kind, use_bias=use_bias, reset_after=reset_after)
    elementwise = Cost(
        b * n * ops.total, f"{b}·{n}·({ops.activations} + {ops.products} + {ops.sums})"
    )
    flops = Cost(2 * macs.value + elementwise.value, f"2·{macs.value} + {elementwise.value}")

    states = len(row.states)
    state_bytes = Cost(
        states * b * n * size,
        f"{b}·{n}·{size}" if states == 1 else f"{states}·{b}·{n}·{size}",
    )
    weight_bytes = Cost(params.count * size, f"{params.count}·{size}")
    cached = len(cached_vectors(kind, reset_after=reset_after))
    cache_bytes = Cost(
        cached * b * n * size,
        f"{b}·{n}·{size}" if cached == 1 else f"{cached}·{b}·{n}·{size}",
    )
    return StepCost(
        layer=row.name,
        kind=kind,
        features=m,
        units=n,
        batch=b,
        dtype=dtype,
        reset_after=reset_after,
        use_bias=use_bias,
        params=params,
        input_macs=input_macs,
        recurrent_macs=recurrent_macs,
        macs=macs,
        elementwise=ops,
        elementwise_ops=elementwise,
        flops=flops,
        state_bytes=state_bytes,
        weight_bytes=weight_bytes,
        cache_bytes=cache_bytes,
    )


def sequence_cost(
    kind: str,
    features: int,
    units: int,
    steps: int,
    *,
    batch: int = 1,
    dtype: str = "float32",
    use_bias: bool = True,
    reset_after: bool = True,
) -> SequenceCost:
    """Count the work and memory of running a layer over ``steps`` time steps.

    The input projections of all steps can be computed as one large matrix product before
    the recurrence (Keras and cuDNN do), which changes their speed but not their count.

    Parameters
    ----------
    kind, features, units, batch, dtype, use_bias, reset_after
        As for :func:`step_cost`.
    steps
        The sequence length T.

    Returns
    -------
    SequenceCost
        The per-step cost and the totals over the sequence.

    Examples
    --------
    >>> cost = sequence_cost("lstm", 64, 256, 100, batch=32)
    >>> cost.cache_bytes.formula
    '100·7·32·256·4'
    """
    step = step_cost(
        kind, features, units, batch=batch, dtype=dtype, use_bias=use_bias,
        reset_after=reset_after,
    )  # fmt: skip
    t = check_positive_int("steps", steps)
    return SequenceCost(
        step=step,
        steps=t,
        macs=Cost(t * step.macs.value, f"{t}·({step.macs.formula})"),
        flops=Cost(t * step.flops.value, f"{t}·({step.flops.formula})"),
        state_bytes=step.state_bytes,
        weight_bytes=step.weight_bytes,
        cache_bytes=Cost(t * step.cache_bytes.value, f"{t}·{step.cache_bytes.formula}"),
    )


def cost_table(
    units: Sequence[int] = (32, 64, 128, 256, 512, 1024),
    *,
    features: int | None = None,
    kinds: Sequence[str] = COUNTED_KINDS,
    batch: int = 1,
    steps: int = 1,
    dtype: str = "float32",
    use_bias: bool = True,
    reset_after: bool = True,
) -> Any:
    """Tabulate the costs of the layer kinds over a range of widths.

    Parameters
    ----------
    units
        The widths n to tabulate, one group of rows each.
    features
        The number of input features m; ``None`` uses m = n for every row (a layer in a
        stack of equal widths).
    kinds
        The kinds to compare, each one of :data:`COUNTED_KINDS`.
    batch, dtype, use_bias, reset_after
        As for :func:`step_cost`.
    steps
        Sequence length T: work and cache columns are for T steps (1: one step).

    Returns
    -------
    pandas.DataFrame
        One row per width and kind, with the columns of :meth:`StepCost.as_row` (work and
        cache multiplied by ``steps``), ``steps``, and, when ``"lstm"`` is among the kinds,
        ``params_vs_lstm`` and ``flops_vs_lstm``: the ratios to the LSTM of the same width.

    Examples
    --------
    >>> table = cost_table([256])
    >>> table[["layer", "params", "macs"]].values.tolist()
    [['SimpleRNN', 131328, 131072], ['GRU', 394752, 393216], ['LSTM', 525312, 524288]]
    >>> table["flops_vs_lstm"].round(3).tolist()
    [0.25, 0.751, 1.0]
    """
    import pandas as pd

    if isinstance(units, (str, bytes)) or not isinstance(units, Sequence) or not units:
        raise TypeError(f"units must be a non-empty sequence of positive integers, got {units!r}")
    for width in units:
        check_positive_int("each of units", width)
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise TypeError(f"kinds must be a non-empty sequence of kinds, got {kinds!r}")
    for kind in kinds:
        _counted_kind(kind)
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must not repeat a kind, got {list(kinds)}")
    if features is not None:
        check_positive_int("features", features)
    t = check_positive_int("steps", steps)

    rows = []
    for width in units:
        m = width if features is None else features
        costs = {
            kind: sequence_cost(
                kind, m, width, t, batch=batch, dtype=dtype, use_bias=use_bias,
                reset_after=reset_after,
            )  # fmt: skip
            for kind in kinds
        }
        for kind in kinds:
            cost = costs[kind]
            row = cost.step.as_row()
            row.update(
                steps=t,
                input_macs=t * cost.step.input_macs.value,
                recurrent_macs=t * cost.step.recurrent_macs.value,
                macs=cost.macs.value,
                elementwise_ops=t * cost.step.elementwise_ops.value,
                flops=cost.flops.value,
                cache_bytes=cost.cache_bytes.value,
            )
            if "lstm" in costs:
                lstm = costs["lstm"]
                row["params_vs_lstm"] = cost.step.params.count / lstm.step.params.count
                row["flops_vs_lstm"] = cost.flops.value / lstm.flops.value
            rows.append(row)
    return pd.DataFrame(rows)
