"""Parameter counts of the layers the course uses, derived by formula (Keras-free).

A recurrent layer with ``units`` = n reading ``features`` = m has, for each of its ``k``
gate blocks, an input kernel (m × n), a recurrent kernel (n × n) and ``b`` bias vectors
of length n::

    count = k · (m·n + n² + b·n)

``k`` is the number of blocks of the kind's row in :data:`gru_companion.kinds.KINDS`
(:attr:`~gru_companion.kinds.Kind.gate_blocks`) and ``b`` its bias vectors per block
(:meth:`~gru_companion.kinds.Kind.bias_vectors`), so every kind is counted by the one
formula. For the three layers Keras ships:

=================  ===  ===============================================
layer              k    b
=================  ===  ===============================================
SimpleRNN          1    1
LSTM               4    1   (gates i, f, c, o)
GRU, reset_after   3    2   (gates z, r, h; an input and a recurrent bias)
GRU, reset before  3    1   (the Keras ≤ 2.3 default)
=================  ===  ===============================================

``use_bias=False`` sets b = 0. A kind with ``p`` peepholes
(:attr:`~gru_companion.kinds.Kind.peepholes`) also has one diagonal weight vector of
length n per peephole, whatever its biases::

    count = k · (m·n + n² + b·n) + p·n

The LSTM with peepholes of Chung et al. (2014) (``"peephole_lstm"``) has k = 4, b = 1 and
p = 3 (gates i, f, o): 3n parameters more than Keras's LSTM.

A ``Bidirectional`` wrapper holds two copies of the layer it wraps, whatever its merge
mode; the merge mode only decides the width of its output.

Every function returns a :class:`ParamCount`, whose ``formula`` is written with the same
numbers its ``count`` is computed from, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gru_companion.kinds import KINDS, Kind, by_keras_layer, kind_of
from gru_companion.validation import check_bool, check_choice, check_positive_int

#: Layers that are not recurrent but that :func:`count_layer` knows.
OTHER_LAYERS = ("embedding", "dense")

#: Merge modes of ``keras.layers.Bidirectional``; ``None`` returns both directions apart.
MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _recurrent_names() -> str:
    """The recurrent layers' names, for messages: ``"SimpleRNN, LSTM, GRU, ..."``."""
    return ", ".join(kind.name for kind in KINDS.values())


@dataclass(frozen=True)
class ParamCount:
    """The parameter count of one layer and the formula it comes from.

    Attributes
    ----------
    layer
        What the layer is, e.g. ``"GRU"`` or ``"Bidirectional(LSTM)"``.
    formula
        The count's derivation with the layer's numbers filled in, e.g.
        ``"3·(64·256 + 256² + 2·256)"``.
    count
        The number of scalar parameters.
    output_dim
        The width of the layer's output (the input width of the next layer).
    """

    layer: str
    formula: str
    count: int
    output_dim: int


@dataclass(frozen=True)
class LayerSpec:
    """A layer described by the numbers its parameter count depends on.

    Parameters
    ----------
    kind
        ``"embedding"``, ``"dense"`` or a key of :data:`gru_companion.kinds.KINDS`
        (``"simple_rnn"``, ``"lstm"``, ``"gru"``, ...).
    units
        Output width: ``units`` of a Dense or recurrent layer, ``output_dim`` of an Embedding.
    use_bias
        Whether the layer has bias vectors (ignored by Embedding, which has none).
    reset_after
        GRU only: whether the reset gate is applied after the recurrent matrix product
        (the Keras 3 default, two bias vectors per gate).
    bidirectional
        ``False`` for a plain layer, else the merge mode of a ``Bidirectional`` wrapper
        around a recurrent layer: ``"concat"``, ``"sum"``, ``"mul"``, ``"ave"`` or ``None``.
    """

    kind: str
    units: int
    use_bias: bool = True
    reset_after: bool = True
    bidirectional: Any = False

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, (*OTHER_LAYERS, *KINDS))
        check_positive_int("units", self.units)
        check_bool("use_bias", self.use_bias)
        check_bool("reset_after", self.reset_after)
        if self.bidirectional is not False:
            if self.kind not in KINDS:
                raise ValueError(
                    f"bidirectional wraps recurrent layers only ({', '.join(KINDS)}); "
                    f"got kind={self.kind!r}"
                )
            check_choice("bidirectional merge mode", self.bidirectional, MERGE_MODES)


def embedding_params(input_dim: int, output_dim: int) -> ParamCount:
    """Count an ``Embedding``: one vector of ``output_dim`` numbers per token.

    Parameters
    ----------
    input_dim
        Vocabulary size (number of distinct token ids).
    output_dim
        Length of each embedding vector.
    """
    check_positive_int("input_dim", input_dim)
    check_positive_int("output_dim", output_dim)
    return ParamCount(
        layer="Embedding",
        formula=f"{input_dim}·{output_dim}",
        count=input_dim * output_dim,
        output_dim=output_dim,
    )


def dense_params(features: int, units: int, *, use_bias: bool = True) -> ParamCount:
    """Count a ``Dense`` layer: a kernel (features × units) and a bias (units).

    Parameters
    ----------
    features
        Width of the input.
    units
        Width of the output.
    use_bias
        Whether the layer adds a bias vector.
    """
    check_positive_int("features", features)
    check_positive_int("units", units)
    check_bool("use_bias", use_bias)
    if use_bias:
        formula, count = f"{features}·{units} + {units}", features * units + units
    else:
        formula, count = f"{features}·{units}", features * units
    return ParamCount(layer="Dense", formula=formula, count=count, output_dim=units)


def recurrent_params(
    kind: str,
    features: int,
    units: int,
    *,
    use_bias: bool = True,
    reset_after: bool = True,
) -> ParamCount:
    """Count a recurrent layer of any kind: ``k · (m·n + n² + b·n)``, ``+ p·n`` with peepholes.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`: ``"simple_rnn"`` (k = 1), ``"lstm"``
        (k = 4), ``"gru"`` (k = 3), a simplified cell of the chapter on variants, or
        ``"peephole_lstm"`` (k = 4 and p = 3 peepholes).
    features
        Number of input features m.
    units
        Number of units n (the width of the hidden state).
    use_bias
        Whether the layer has bias vectors; ``False`` gives b = 0.
    reset_after
        GRU only. ``True`` (Keras 3 default): b = 2, an input bias and a recurrent bias
        per gate. ``False``: b = 1. Ignored for the kinds without that option.

    Returns
    -------
    ParamCount
        The count, with the formula it was computed from.

    Examples
    --------
    >>> recurrent_params("mgu", 4, 5).formula
    '2·(4·5 + 5² + 5)'
    >>> recurrent_params("peephole_lstm", 4, 5).formula
    '4·(4·5 + 5² + 5) + 3·5'
    """
    row = kind_of(kind)
    check_positive_int("features", features)
    check_positive_int("units", units)
    check_bool("use_bias", use_bias)
    check_bool("reset_after", reset_after)

    gates = row.gate_blocks
    biases = row.bias_vectors(use_bias=use_bias, reset_after=reset_after)
    peepholes = len(row.peepholes)
    count = gates * (features * units + units * units + biases * units) + peepholes * units

    terms = [f"{features}·{units}", f"{units}²"]
    if biases:
        terms.append(f"{biases}·{units}" if biases > 1 else f"{units}")
    inner = " + ".join(terms)
    formula = inner if gates == 1 else f"{gates}·({inner})"
    if peepholes:
        formula += f" + {peepholes}·{units}"
    return ParamCount(layer=row.name, formula=formula, count=count, output_dim=units)


def simple_rnn_params(features: int, units: int, *, use_bias: bool = True) -> ParamCount:
    """Count a ``SimpleRNN``: ``m·n + n² + n``. See :func:`recurrent_params`."""
    return recurrent_params("simple_rnn", features, units, use_bias=use_bias)


def lstm_params(features: int, units: int, *, use_bias: bool = True) -> ParamCount:
    """Count an ``LSTM``: ``4·(m·n + n² + n)``. See :func:`recurrent_params`."""
    return recurrent_params("lstm", features, units, use_bias=use_bias)


def gru_params(
    features: int, units: int, *, use_bias: bool = True, reset_after: bool = True
) -> ParamCount:
    """Count a ``GRU``: ``3·(m·n + n² + 2n)``, or ``3·(m·n + n² + n)`` with ``reset_after=False``.

    Examples
    --------
    The same ``GRU(5)`` on 4 features in Keras 3 and in Keras ≤ 2.3:

    >>> gru_params(4, 5).count
    165
    >>> gru_params(4, 5, reset_after=False).count
    150
    """
    return recurrent_params("gru", features, units, use_bias=use_bias, reset_after=reset_after)


def bidirectional_params(wrapped: ParamCount, merge_mode: str | None = "concat") -> ParamCount:
    """Count a ``Bidirectional`` wrapper: two copies of the wrapped layer.

    Parameters
    ----------
    wrapped
        The count of the recurrent layer that is wrapped (one direction).
    merge_mode
        How the two directions' outputs are combined. ``"concat"`` doubles the output
        width; ``"sum"``, ``"mul"`` and ``"ave"`` keep it; ``None`` returns the two outputs
        apart (each of the wrapped width). The count does not depend on it.
    """
    if not isinstance(wrapped, ParamCount):
        raise TypeError(f"wrapped must be a ParamCount, got {type(wrapped).__name__}")
    if wrapped.layer not in {kind.name for kind in KINDS.values()}:
        raise ValueError(
            f"Bidirectional wraps a recurrent layer ({_recurrent_names()}), got {wrapped.layer}"
        )
    check_choice("merge_mode", merge_mode, MERGE_MODES)
    output_dim = 2 * wrapped.output_dim if merge_mode == "concat" else wrapped.output_dim
    return ParamCount(
        layer=f"Bidirectional({wrapped.layer})",
        formula=f"2·[{wrapped.formula}]",
        count=2 * wrapped.count,
        output_dim=output_dim,
    )


def count_layer(spec: LayerSpec, features: int) -> ParamCount:
    """Count the layer ``spec`` describes when it reads ``features`` features.

    For an Embedding, ``features`` is the vocabulary size (Keras's ``input_dim``): the
    number of distinct token ids it reads.
    """
    if not isinstance(spec, LayerSpec):
        raise TypeError(f"spec must be a LayerSpec, got {type(spec).__name__}")
    if spec.kind == "embedding":
        return embedding_params(features, spec.units)
    if spec.kind == "dense":
        return dense_params(features, spec.units, use_bias=spec.use_bias)
    one_direction = recurrent_params(
        spec.kind,
        features,
        spec.units,
        use_bias=spec.use_bias,
        reset_after=spec.reset_after,
    )
    if spec.bidirectional is False:
        return one_direction
    return bidirectional_params(one_direction, spec.bidirectional)


def count_stack(features: int, layers: Sequence[LayerSpec]) -> list[ParamCount]:
    """Count a stack of layers, each reading the output width of the one before.

    Parameters
    ----------
    features
        Width of the stack's input (the vocabulary size if the first layer is an Embedding).
    layers
        The layers, first to last.

    Returns
    -------
    list of ParamCount
        One count per layer; their sum is the stack's total.

    Examples
    --------
    A typical introductory model: an embedding, a GRU, a SimpleRNN and a classifier.

    >>> seed = [LayerSpec("embedding", 64), LayerSpec("gru", 256),
    ...         LayerSpec("simple_rnn", 128), LayerSpec("dense", 10)]
    >>> [c.count for c in count_stack(1000, seed)]
    [64000, 247296, 49280, 1290]
    """
    check_positive_int("features", features)
    if len(layers) == 0:
        raise ValueError("layers must hold at least one LayerSpec, got an empty sequence")
    counts = []
    width = features
    for position, spec in enumerate(layers):
        if spec.kind == "embedding" and position > 0:
            raise ValueError(
                f"an Embedding can only be the first layer of a stack; found at position {position}"
            )
        if spec.bidirectional is None and position < len(layers) - 1:
            raise ValueError(
                "a Bidirectional layer with merge_mode=None returns two outputs and cannot "
                f"feed the next layer; found at position {position} of {len(layers)}"
            )
        count = count_layer(spec, width)
        counts.append(count)
        width = count.output_dim
    return counts


@dataclass(frozen=True)
class LayerReport:
    """One row of :func:`explain_model`: a layer's count by formula and by Keras."""

    name: str
    layer: str
    formula: str
    count: int
    keras_count: int

    @property
    def matches(self) -> bool:
        """Whether the formula's count equals Keras's ``count_params()``."""
        return self.count == self.keras_count


@dataclass(frozen=True)
class ModelReport:
    """The parameter count of a Keras model, layer by layer, derived and checked."""

    model_name: str
    rows: tuple[LayerReport, ...]

    @property
    def total(self) -> int:
        """The sum of the derived counts."""
        return sum(row.count for row in self.rows)

    @property
    def keras_total(self) -> int:
        """The sum of Keras's per-layer counts."""
        return sum(row.keras_count for row in self.rows)

    @property
    def mismatches(self) -> list[LayerReport]:
        """The rows whose derived count differs from Keras's (empty when all agree)."""
        return [row for row in self.rows if not row.matches]

    def to_text(self) -> str:
        """Render the report as a plain-text table (stable across terminals)."""
        header = ("layer", "kind", "formula", "count", "Keras", "equal")
        lines = [
            (r.name, r.layer, r.formula, f"{r.count:,}", f"{r.keras_count:,}", str(r.matches))
            for r in self.rows
        ]
        footer = (
            "total",
            "",
            "",
            f"{self.total:,}",
            f"{self.keras_total:,}",
            str(self.total == self.keras_total),
        )
        table = [header, *lines, footer]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        numeric = {3, 4}

        def render(row: tuple[str, ...]) -> str:
            cells = [
                cell.rjust(width) if i in numeric else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        rule = "  ".join("-" * width for width in widths)
        body = [render(row) for row in lines]
        return "\n".join([render(header), rule, *body, rule, render(footer)])

    def __str__(self) -> str:
        return self.to_text()


def _kind_of_cell(cell: Any) -> Kind | None:
    """The kind a recurrent cell computes, read without Keras, or ``None``.

    A course cell (:class:`~gru_companion.keras.cells.KerasOpsCell`) names its kind in
    its attribute ``kind``; a cell Keras ships is named after its layer
    (``keras.layers.GRUCell`` computes what ``keras.layers.GRU`` does).
    """
    key = getattr(cell, "kind", None)
    if isinstance(key, str) and key in KINDS:
        return KINDS[key]
    class_name = type(cell).__name__
    return by_keras_layer(class_name.removesuffix("Cell")) if class_name.endswith("Cell") else None


def spec_from_keras_layer(layer: Any) -> LayerSpec | None:
    """Describe a Keras layer as a :class:`LayerSpec`, or ``None`` if it has no parameters.

    Only the layer's configuration is read (never its weights), so the count derived from
    the spec is an independent check of Keras's. A recurrent layer is a class Keras ships
    (``keras.layers.GRU``, ...), or a ``keras.layers.RNN`` running a cell of a kind: one
    of the course's cells (:mod:`gru_companion.keras.cells`, whose attribute ``kind``
    names it) or a cell Keras ships (``keras.layers.GRUCell``, ...); a ``Bidirectional``
    wrapper holds one of these.

    Raises
    ------
    ValueError
        If the layer has parameters and is of a kind this module does not know.
    """
    other_layers = {"Embedding": "embedding", "Dense": "dense"}
    class_name = type(layer).__name__
    recurrent = by_keras_layer(class_name)
    config_source = layer
    if class_name == "RNN":  # keras.layers.RNN: the cell says the kind and holds the settings
        recurrent = _kind_of_cell(layer.cell)
        config_source = layer.cell
    if class_name == "Bidirectional":
        inner = spec_from_keras_layer(layer.forward_layer)
        if inner is None or inner.kind not in KINDS:
            raise ValueError(
                f"Bidirectional must wrap a recurrent layer ({_recurrent_names()}), got "
                f"{type(layer.forward_layer).__name__}"
            )
        return LayerSpec(
            inner.kind,
            inner.units,
            use_bias=inner.use_bias,
            reset_after=inner.reset_after,
            bidirectional=layer.merge_mode,
        )
    if recurrent is None and class_name not in other_layers:
        if not layer.weights:
            return None
        keras_layers = [kind.keras_layer for kind in KINDS.values() if kind.keras_layer]
        known = ", ".join([*other_layers, *keras_layers, "Bidirectional"])
        if class_name == "RNN":
            cell = type(layer.cell).__name__
            raise ValueError(
                f"unknown cell of class {cell} in the RNN layer {layer.name!r}: known are "
                "the course's cells (whose attribute kind is a key of KINDS) and the cells "
                f"of {', '.join(keras_layers)}"
            )
        raise ValueError(
            f"unknown layer {layer.name!r} of class {class_name}; known: {known}, and RNN "
            "running a cell of a kind"
        )
    config = config_source.get_config()
    kind = recurrent.key if recurrent is not None else other_layers[class_name]
    if kind == "embedding":
        return LayerSpec(kind, config["output_dim"])
    return LayerSpec(
        kind,
        config["units"],
        use_bias=config.get("use_bias", True),  # the course's cells always have a bias
        reset_after=config.get("reset_after", True),
    )


def explain_model(model: Any) -> ModelReport:
    """Derive a built Keras model's parameter count layer by layer and check it.

    Each layer's input width is read from the model's graph, its options from its
    configuration (a ``keras.layers.RNN``'s from its cell's: any kind of
    :data:`~gru_companion.kinds.KINDS`, see :func:`spec_from_keras_layer`); the count is
    then computed with this module's formulas (:func:`recurrent_params` for a recurrent
    layer, peepholes included) and set beside the layer's own ``count_params()``.

    Parameters
    ----------
    model
        A built ``keras.Model`` (e.g. a ``Sequential`` that starts with ``keras.Input``).

    Returns
    -------
    ModelReport
        One row per layer with parameters; ``report.mismatches`` is empty when every
        derived count equals Keras's.

    Raises
    ------
    ValueError
        If the model is not built, or holds a layer with parameters of an unknown kind.
    """
    if not hasattr(model, "layers") or not hasattr(model, "built"):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError(
            f"model {model.name!r} is not built, so its layers have no weights to count; "
            "start it with keras.Input(shape=...) or call model.build(input_shape)"
        )
    rows = []
    for layer in model.layers:
        spec = spec_from_keras_layer(layer)
        if spec is None:
            continue
        if spec.kind == "embedding":
            features = layer.get_config()["input_dim"]  # Keras's name of the vocabulary size
        else:
            layer_input = layer.input
            # A layer fed by a Masking layer also receives the mask as a second input.
            if isinstance(layer_input, (list, tuple)):
                layer_input = layer_input[0]
            features = layer_input.shape[-1]
        derived = count_layer(spec, features)
        rows.append(
            LayerReport(
                name=layer.name,
                layer=derived.layer,
                formula=derived.formula,
                count=derived.count,
                keras_count=layer.count_params(),
            )
        )
    return ModelReport(model_name=model.name, rows=tuple(rows))
