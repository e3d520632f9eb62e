"""From Keras to NumPy and back, for every kind: :func:`from_keras` and :func:`to_keras`.

:func:`from_keras` reads a built Keras recurrent layer of any kind of
:data:`gru_companion.kinds.KINDS` and returns the NumPy layer of that kind
(:func:`gru_companion.scratch.recurrent_layer.layer_class`) with copies of its weights and
its flags (``return_sequences``, ``return_state``, ``go_backwards``, ``use_bias``,
``reset_after``), in its dtype: its *twin*. The Keras layer is either a class Keras ships
(``keras.layers.SimpleRNN``, ``LSTM``, ``GRU``: the kind whose row names it) or a
``keras.layers.RNN`` running one of the course's cells (:mod:`gru_companion.keras.cells`:
the cell's ``kind``). Calling the twin on a NumPy batch returns what calling the Keras
layer on it returns (in inference mode, and without a mask). :func:`to_keras` builds the
Keras layer of a NumPy layer's kind (:func:`gru_companion.keras.cells.keras_layer`) with
its settings and weights. Weights pass both ways unchanged, bit for bit: ``kernel``,
``recurrent_kernel``, ``bias`` and, for the LSTM with peepholes
(:class:`~gru_companion.keras.cells.PeepholeLSTMCell`), ``peephole``, in Keras's order.

What the twin does not model, and what :func:`from_keras` does about it:

=============================================  =========================================
Keras setting                                  ``from_keras``
=============================================  =========================================
``activation`` other than ``"tanh"``,          ``ValueError``: the NumPy cells use tanh
``recurrent_activation`` other than            and the logistic sigmoid only
``"sigmoid"``
``stateful=True``                              ``ValueError``: the twin keeps no state
                                               between calls; pass the states as
                                               ``initial_state`` instead
a mixed-precision dtype policy                 ``ValueError``: the twin computes in one
(compute dtype differs from variable dtype),   dtype, float32 or float64
or a dtype other than float32 or float64
``dropout``, ``recurrent_dropout`` > 0         accepted: dropout acts only in training;
                                               the twin computes what the layer does in
                                               inference (``training=False``)
``unroll=True``                                accepted: the same computation, unrolled
``zero_output_for_mask``                       accepted: it matters only with a mask, and
                                               the twin takes no mask
initializers, regularizers, constraints        ignored: they do not change the forward
                                               pass (:func:`to_keras` uses Keras's
                                               defaults)
=============================================  =========================================

:func:`random_keras_layer` builds a Keras layer with seeded random biases, to compare with
its twin, and :func:`tape_gradients` takes Keras's own gradients, to compare with
:meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward`.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from gru_companion.keras.cells import KerasOpsCell, cell_class, keras_layer
from gru_companion.kinds import KINDS, Kind, by_keras_layer, kind_of
from gru_companion.reproducibility import seed_everything
from gru_companion.scratch.recurrent_layer import RecurrentLayer, layer_class
from gru_companion.validation import (
    FLOAT_DTYPES,
    check_choice,
    check_positive_int,
    check_positive_number,
)


def _keras_class(row: Kind) -> type:
    """The ``keras.layers`` class a kind's row names."""
    return getattr(keras.layers, row.keras_layer)


def _keras_classes() -> str:
    """The ``keras.layers`` classes the kinds name, for messages."""
    return ", ".join(f"keras.layers.{row.keras_layer}" for row in KINDS.values() if row.keras_layer)


def _kind_computed_by(keras_layer: Any) -> Kind:
    """The kind a Keras layer computes: its class's, or its course cell's; else ``TypeError``."""
    if type(keras_layer) is keras.layers.RNN:
        cell = keras_layer.cell
        if isinstance(cell, KerasOpsCell) and cell.kind and cell_class(cell.kind) is type(cell):
            return kind_of(cell.kind)
    else:
        row = by_keras_layer(type(keras_layer).__name__)
        if row is not None and _keras_class(row) is type(keras_layer):
            return row
    raise TypeError(
        f"keras_layer must be one of {_keras_classes()} (exactly, not a subclass), or a "
        "keras.layers.RNN running one of the course's cells (a KerasOpsCell such as "
        f"MGUCell), got {type(keras_layer).__module__}.{type(keras_layer).__qualname__}"
    )


def check_supported(keras_layer: Any) -> dict[str, Any]:
    """Return the config of a Keras layer the NumPy twins can compute, else raise.

    Parameters
    ----------
    keras_layer
        A ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``, or a ``keras.layers.RNN``
        running a course cell (:class:`~gru_companion.keras.cells.KerasOpsCell`).

    Returns
    -------
    dict
        The layer's ``get_config()``.

    Raises
    ------
    TypeError
        If ``keras_layer`` is none of these.
    ValueError
        If its activations are not tanh and sigmoid, it is stateful, or its dtype policy
        is mixed or not float32 or float64 (see the table in this module's
        description).
    """
    _kind_computed_by(keras_layer)
    config = keras_layer.get_config()
    name = f"{type(keras_layer).__name__} layer {keras_layer.name!r}"
    if config.get("activation", "tanh") != "tanh":
        raise ValueError(
            f"{name} has activation={config['activation']!r}; the NumPy twin supports only 'tanh'"
        )
    if config.get("recurrent_activation", "sigmoid") != "sigmoid":
        raise ValueError(
            f"{name} has recurrent_activation={config['recurrent_activation']!r}; the "
            "NumPy twin supports only 'sigmoid'"
        )
    if config["stateful"]:
        raise ValueError(
            f"{name} is stateful; the NumPy twin keeps no state between calls: use a "
            "layer with stateful=False and pass the states as initial_state"
        )
    for part in (keras_layer, keras_layer.cell):
        compute, variable = part.compute_dtype, part.variable_dtype
        if compute != variable or np.dtype(variable) not in FLOAT_DTYPES:
            raise ValueError(
                f"{name} computes in {compute} with {variable} weights; the NumPy twin "
                "computes in one dtype, float32 or float64"
            )
    return config


def from_keras(keras_layer: Any) -> RecurrentLayer:
    """The NumPy twin of a built Keras recurrent layer of any kind.

    The twin is the NumPy layer of the Keras layer's kind (``NumpyGRU`` for a
    ``keras.layers.GRU``, ``NumpyMGU`` for a ``keras.layers.RNN`` running an
    :class:`~gru_companion.keras.cells.MGUCell`, ...). It holds copies of the layer's
    weights (in their dtype) and its flags ``return_sequences``, ``return_state``,
    ``go_backwards`` and, for a GRU, ``reset_after``; ``use_bias=False`` gives a twin
    whose ``bias`` is ``None``. For inputs ``x`` of the layer's dtype, ``twin(x)`` returns
    what ``keras_layer(x)`` returns, as NumPy arrays: the same values up to rounding
    (within about 1e-6 in float32 and 1e-12 in float64 for moderate weights), and the
    same structure (one array, or ``[output, *states]`` with ``return_state``; an LSTM's
    states are ``[h, c]``). Dropout is ignored: the twin computes the layer's inference
    pass.

    Parameters
    ----------
    keras_layer
        A built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``, or a built
        ``keras.layers.RNN`` running a course cell (e.g. from
        :func:`~gru_companion.keras.cells.keras_layer`); built means called once, or built
        with ``keras_layer.build((None, None, features))``.

    Returns
    -------
    RecurrentLayer
        The NumPy layer of its kind.

    Raises
    ------
    TypeError
        If ``keras_layer`` is none of these layers.
    ValueError
        If it is not built, or has a setting the twin does not compute (see
        :func:`check_supported`).
    """
    row = _kind_computed_by(keras_layer)
    config = check_supported(keras_layer)
    if not keras_layer.built:
        raise ValueError(
            f"{type(keras_layer).__name__} layer {keras_layer.name!r} is not built and has "
            "no weights yet: call it on a batch or build it with "
            "layer.build((None, None, features)) first"
        )
    weights = [np.array(w) for w in keras_layer.get_weights()]
    if not config.get("use_bias", True):
        weights.append(None)
    options = {
        "return_sequences": config["return_sequences"],
        "return_state": config["return_state"],
        "go_backwards": config["go_backwards"],
    }
    if row.has_reset_after:
        options["reset_after"] = keras_layer.cell.reset_after
    return layer_class(row.key)(*weights, **options)


def to_keras(layer: RecurrentLayer, *, name: str | None = None) -> Any:
    """A new, built Keras layer with the kind, settings and weights of a NumPy layer.

    The Keras layer is :func:`~gru_companion.keras.cells.keras_layer` of the NumPy
    layer's kind (``keras.layers.GRU`` for a ``NumpyGRU``, a ``keras.layers.RNN`` running
    an :class:`~gru_companion.keras.cells.MGUCell` for a ``NumpyMGU``, ...), with its
    ``units``, ``use_bias``, flags (``return_sequences``, ``return_state``,
    ``go_backwards``, ``reset_after``) and dtype (``dtype="float64"`` for a float64
    layer), and copies of its weights: its ``get_weights()`` equals
    ``layer.get_weights()`` bit for bit. Other settings are Keras's defaults.

    Parameters
    ----------
    layer
        A NumPy recurrent layer (a
        :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer` such as ``NumpyGRU``).
    name
        The Keras layer's name; ``None`` lets Keras choose one.

    Returns
    -------
    keras.layers.Layer
        A built Keras layer of the same kind.

    Raises
    ------
    TypeError
        If ``layer`` is not a NumPy recurrent layer.
    ValueError
        If ``layer`` has no bias but the kind's Keras layer is a course cell (which always
        has one).
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(
            "layer must be a NumPy recurrent layer (a RecurrentLayer such as NumpyGRU), "
            f"got {type(layer).__name__}"
        )
    row = kind_of(layer.kind)
    options = dict(layer._options())
    if row.keras_layer is not None:
        options["use_bias"] = layer.use_bias
    elif not layer.use_bias:
        raise ValueError(
            f"the Keras cell of the kind {row.key!r} always has a bias; "
            f"this {type(layer).__name__} has none"
        )
    built = keras_layer(row.key, layer.units, dtype=str(layer.dtype), name=name, **options)
    built.build((None, None, layer.features))
    built.set_weights(layer.get_weights())
    return built


def random_keras_layer(
    layer_class: type,
    units: int,
    features: int,
    *,
    dtype: str = "float64",
    seed: int = 0,
    bias_scale: float = 0.5,
    **flags: Any,
) -> Any:
    """A built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` with seeded random weights *and biases*.

    Keras starts biases at zero (an LSTM's forget bias at one), which would hide a bias
    in the wrong place when a twin is compared with the layer. Here every bias is drawn
    uniformly from [-``bias_scale``, ``bias_scale``] (for an LSTM with
    ``unit_forget_bias=False``, so the forget gate's too); kernels keep Keras's
    initializers. The seeds are set first, so the same arguments give the same weights.

    Parameters
    ----------
    layer_class
        A ``keras.layers`` class that a kind of :data:`~gru_companion.kinds.KINDS` names
        (``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``).
    units, features
        Number of units n and of input features m, positive integers.
    dtype
        ``"float32"`` or ``"float64"``.
    seed
        A non-negative integer.
    bias_scale
        Half-width of the biases' uniform distribution, a positive number.
    **flags
        Other arguments of the layer (``return_sequences``, ``reset_after``, ``name``, ...).

    Returns
    -------
    keras.layers.Layer
        The layer, built for ``(None, None, features)``.

    Raises
    ------
    TypeError
        If ``layer_class`` is not such a class, or a size is not an integer.
    ValueError
        If a size is smaller than 1 or ``dtype`` is neither float32 nor float64.
    """
    row = by_keras_layer(getattr(layer_class, "__name__", ""))
    if row is None or _keras_class(row) is not layer_class:
        raise TypeError(
            f"layer_class must be one of {_keras_classes()}, "
            f"got {getattr(layer_class, '__name__', layer_class)!r}"
        )
    units = check_positive_int("units", units)
    features = check_positive_int("features", features)
    check_choice("dtype", dtype, ("float32", "float64"))
    check_positive_number("bias_scale", bias_scale)
    seed_everything(seed)
    if layer_class is keras.layers.LSTM:
        flags.setdefault("unit_forget_bias", False)
    layer = layer_class(
        units,
        dtype=dtype,
        bias_initializer=keras.initializers.RandomUniform(-bias_scale, bias_scale, seed=seed),
        **flags,
    )
    layer.build((None, None, features))
    return layer


def tape_gradients(
    keras_layer: Any,
    inputs: np.ndarray,
    initial_states: list[np.ndarray],
    d_outputs: np.ndarray,
    d_states: list[np.ndarray] | None = None,
) -> dict[str, Any]:
    """Keras's own gradients of a linear loss of a recurrent layer, by ``tf.GradientTape``.

    The loss is :math:`L = \\sum d_{out} \\odot \\text{outputs}` plus, when the layer
    returns its state, :math:`\\sum_i d_{state,i} \\odot \\text{state}_i`: its gradient
    with respect to the outputs and final states is exactly ``d_outputs`` and ``d_states``,
    which is what :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward` takes, so
    the two can be compared name by name.

    Parameters
    ----------
    keras_layer
        A built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``, or a ``keras.layers.RNN``
        running a course cell (e.g. from :func:`to_keras`).
    inputs
        (batch, time, features), in the layer's dtype.
    initial_states
        One array (batch, units) per state of the layer (two for an LSTM).
    d_outputs
        The weights of the outputs in the loss, of the shape the layer returns.
    d_states
        The weights of the final states, one per state; used only when the layer returns
        its state (``None`` otherwise).

    Returns
    -------
    dict
        The gradient of each weight by its name (``kernel``, ``recurrent_kernel``, ``bias``
        if the layer has one, ``peephole`` for a peephole LSTM: the names of
        :meth:`~gru_companion.scratch.recurrent_layer.RecurrentGradients.weights`),
        ``inputs``, and ``initial_states`` (a list), as NumPy arrays.

    Raises
    ------
    TypeError
        If ``initial_states`` is not a list or tuple of arrays.
    ValueError
        If the layer returns its state but ``d_states`` is missing.
    """
    import tensorflow as tf

    if not isinstance(initial_states, list | tuple):
        raise TypeError(
            f"initial_states must be a list of arrays, got {type(initial_states).__name__}"
        )
    if keras_layer.return_state and d_states is None:
        raise ValueError("the layer returns its state: d_states must be given")
    x = tf.constant(inputs)
    states = [tf.constant(state) for state in initial_states]
    with tf.GradientTape() as tape:
        tape.watch([x, *states])
        returned = keras_layer(x, initial_state=states if len(states) > 1 else states[0])
        output, *final = returned if keras_layer.return_state else [returned]
        loss = tf.reduce_sum(d_outputs * output)
        if keras_layer.return_state:
            loss += sum(tf.reduce_sum(d * f) for d, f in zip(d_states, final, strict=True))
    weights = keras_layer.trainable_weights
    grads = tape.gradient(loss, [*weights, x, *states])
    names = [weight.name for weight in weights]  # kernel, recurrent_kernel, bias, ...
    named: dict[str, Any] = {name: np.asarray(g) for name, g in zip(names, grads, strict=False)}
    named["inputs"] = np.asarray(grads[len(weights)])
    named["initial_states"] = [np.asarray(g) for g in grads[len(weights) + 1 :]]
    return named
