"""From Keras to NumPy and back: the NumPy twin of a Keras recurrent layer, and the reverse.

:func:`from_keras` reads a built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU`` and
returns a :class:`~gru_companion.scratch.simple_rnn.NumpySimpleRNN`,
:class:`~gru_companion.scratch.lstm.NumpyLSTM` or :class:`~gru_companion.scratch.gru.NumpyGRU` with
copies of its weights and its flags (``return_sequences``, ``return_state``,
``go_backwards``, ``use_bias``, ``reset_after``), in its dtype. Calling the twin on a
NumPy batch returns what calling the Keras layer on it returns (in inference mode, and
without a mask). :func:`to_keras` builds a new Keras layer from a NumPy one;
:func:`copy_weights_to_keras` fills an existing Keras layer. Weights pass both ways
unchanged, bit for bit.

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

Only this module imports Keras; the NumPy layers work without it.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from gru_companion.keras.cells import _VariantCell
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import RecurrentLayer, layer_class
from gru_companion.scratch.simple_rnn import NumpySimpleRNN
from gru_companion.validation import FLOAT_DTYPES

#: Each Keras layer class with its NumPy twin's class.
TWINS: tuple[tuple[type, type[RecurrentLayer]], ...] = (
    (keras.layers.SimpleRNN, NumpySimpleRNN),
    (keras.layers.LSTM, NumpyLSTM),
    (keras.layers.GRU, NumpyGRU),
)


def _numpy_class(keras_layer: Any) -> type[RecurrentLayer]:
    for keras_class, numpy_class in TWINS:
        if type(keras_layer) is keras_class:
            return numpy_class
    supported = ", ".join(f"keras.layers.{k.__name__}" for k, _ in TWINS)
    raise TypeError(
        f"keras_layer must be one of {supported} (exactly, not a subclass or a "
        f"keras.layers.RNN wrapping a cell), got {type(keras_layer).__module__}."
        f"{type(keras_layer).__qualname__}"
    )


def _keras_class(layer: Any) -> type:
    for keras_class, numpy_class in TWINS:
        if type(layer) is numpy_class:
            return keras_class
    supported = ", ".join(n.__name__ for _, n in TWINS)
    raise TypeError(f"layer must be one of {supported}, got {type(layer).__name__}")


def check_supported(keras_layer: Any) -> dict[str, Any]:
    """Return the config of a Keras layer the NumPy twins can compute, else raise.

    Parameters
    ----------
    keras_layer
        A ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``.

    Returns
    -------
    dict
        The layer's ``get_config()``.

    Raises
    ------
    TypeError
        If ``keras_layer`` is not one of the three layer classes.
    ValueError
        If its activations are not tanh and sigmoid, it is stateful, or its dtype policy
        is mixed or not float32 or float64 (see the table in this module's
        description).
    """
    _numpy_class(keras_layer)
    config = keras_layer.get_config()
    name = f"{type(keras_layer).__name__} layer {keras_layer.name!r}"
    if config["activation"] != "tanh":
        raise ValueError(
            f"{name} has activation={config['activation']!r}; the NumPy twin supports "
            "only 'tanh'"
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
    compute, variable = keras_layer.compute_dtype, keras_layer.variable_dtype
    if compute != variable or np.dtype(variable) not in FLOAT_DTYPES:
        raise ValueError(
            f"{name} computes in {compute} with {variable} weights; the NumPy twin "
            "computes in one dtype, float32 or float64"
        )
    return config


def from_keras(keras_layer: Any) -> RecurrentLayer:
    """The NumPy twin of a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer.

    The twin holds copies of the layer's weights (in their dtype) and its flags
    ``return_sequences``, ``return_state``, ``go_backwards`` and, for a GRU,
    ``reset_after``; ``use_bias=False`` gives a twin whose ``bias`` is ``None``. For
    inputs ``x`` of the layer's dtype, ``twin(x)`` returns what ``keras_layer(x)``
    returns, as NumPy arrays: the same values up to rounding (within about 1e-6 in
    float32 and 1e-12 in float64 for moderate weights), and the same structure (one
    array, or ``[output, *states]`` with ``return_state``; an LSTM's states are
    ``[h, c]``). Dropout is ignored: the twin computes the layer's inference pass.

    Parameters
    ----------
    keras_layer
        A built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU`` (called once, or built
        with ``keras_layer.build((None, None, features))``).

    Returns
    -------
    RecurrentLayer
        A ``NumpySimpleRNN``, ``NumpyLSTM`` or ``NumpyGRU``.

    Raises
    ------
    TypeError
        If ``keras_layer`` is not one of the three layer classes.
    ValueError
        If it is not built, or has a setting the twin does not compute (see
        :func:`check_supported`).
    """
    numpy_class = _numpy_class(keras_layer)
    config = check_supported(keras_layer)
    if not keras_layer.built:
        raise ValueError(
            f"{type(keras_layer).__name__} layer {keras_layer.name!r} is not built and has "
            "no weights yet: call it on a batch or build it with "
            "layer.build((None, None, features)) first"
        )
    weights = [np.array(w) for w in keras_layer.get_weights()]
    if not config["use_bias"]:
        weights.append(None)
    options = {
        "return_sequences": config["return_sequences"],
        "return_state": config["return_state"],
        "go_backwards": config["go_backwards"],
    }
    if numpy_class is NumpyGRU:
        options["reset_after"] = config["reset_after"]
    return numpy_class(*weights, **options)


def to_keras(layer: RecurrentLayer, *, name: str | None = None) -> Any:
    """A new, built Keras layer with the settings and weights of a NumPy layer.

    The Keras layer has the NumPy layer's kind, ``units``, ``use_bias``, flags
    (``return_sequences``, ``return_state``, ``go_backwards``, ``reset_after``) and
    dtype (``dtype="float64"`` for a float64 layer), and copies of its weights: its
    ``get_weights()`` equals ``layer.get_weights()`` bit for bit. Other settings are
    Keras's defaults.

    Parameters
    ----------
    layer
        A ``NumpySimpleRNN``, ``NumpyLSTM`` or ``NumpyGRU``.
    name
        The Keras layer's name; ``None`` lets Keras choose one.

    Returns
    -------
    keras.layers.Layer
        A built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``.

    Raises
    ------
    TypeError
        If ``layer`` is not one of the three NumPy layer classes.
    """
    keras_class = _keras_class(layer)
    options = dict(layer._options())
    keras_layer = keras_class(
        layer.units, use_bias=layer.use_bias, dtype=str(layer.dtype), name=name, **options
    )
    keras_layer.build((None, None, layer.features))
    keras_layer.set_weights(layer.get_weights())
    return keras_layer


def copy_weights_to_keras(layer: RecurrentLayer, keras_layer: Any) -> None:
    """Copy a NumPy layer's weights into a Keras layer with the same weights layout.

    Only the weights are copied: the Keras layer keeps its own ``return_sequences``,
    ``return_state`` and ``go_backwards``. An unbuilt Keras layer is built for the NumPy
    layer's number of features first.

    Parameters
    ----------
    layer
        A ``NumpySimpleRNN``, ``NumpyLSTM`` or ``NumpyGRU``.
    keras_layer
        A Keras layer of the matching kind, with the same ``units``, ``use_bias``,
        ``reset_after`` (GRU) and dtype, and the same number of input features if built.

    Raises
    ------
    TypeError
        If the layers are not of matching kinds.
    ValueError
        If a setting that shapes the weights differs (named in the message).
    """
    keras_class = _keras_class(layer)
    if type(keras_layer) is not keras_class:
        raise TypeError(
            f"keras_layer must be a keras.layers.{keras_class.__name__} for a "
            f"{type(layer).__name__}, got {type(keras_layer).__name__}"
        )
    config = keras_layer.get_config()
    expected = {"units": layer.units, "use_bias": layer.use_bias}
    if isinstance(layer, NumpyGRU):
        expected["reset_after"] = layer.reset_after
    for key, value in expected.items():
        if config[key] != value:
            raise ValueError(
                f"{key} differs: the NumPy layer has {value!r}, the Keras layer "
                f"{config[key]!r}"
            )
    if keras_layer.variable_dtype != str(layer.dtype):
        raise ValueError(
            f"dtype differs: the NumPy layer has {layer.dtype}, the Keras layer "
            f"{keras_layer.variable_dtype}"
        )
    if not keras_layer.built:
        keras_layer.build((None, None, layer.features))
    features = keras_layer.get_weights()[0].shape[0]
    if features != layer.features:
        raise ValueError(
            f"features differ: the NumPy layer reads {layer.features}, the Keras layer "
            f"was built for {features}"
        )
    keras_layer.set_weights(layer.get_weights())


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
        ``keras.layers.SimpleRNN``, ``keras.layers.LSTM`` or ``keras.layers.GRU``.
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
        If ``layer_class`` is not one of the three classes, or a size is not an integer.
    ValueError
        If a size is smaller than 1 or ``dtype`` is neither float32 nor float64.
    """
    from gru_companion.reproducibility import seed_everything
    from gru_companion.validation import check_choice, check_positive_int, check_positive_number

    if layer_class not in [keras_class for keras_class, _ in TWINS]:
        raise TypeError(
            "layer_class must be keras.layers.SimpleRNN, LSTM or GRU, "
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
        A built ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU`` (e.g. from :func:`to_keras`).
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
        ``kernel``, ``recurrent_kernel`` and ``bias`` (if the layer has one), ``inputs``, and
        ``initial_states`` (a list), as NumPy arrays.

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
    names = ["kernel", "recurrent_kernel", "bias"][: len(weights)]
    named: dict[str, Any] = {name: np.asarray(g) for name, g in zip(names, grads, strict=False)}
    named["inputs"] = np.asarray(grads[len(weights)])
    named["initial_states"] = [np.asarray(g) for g in grads[len(weights) + 1 :]]
    return named


def numpy_twin(layer: Any) -> RecurrentLayer:
    """The NumPy layer computing what a built Keras variant layer computes, with its weights.

    Parameters
    ----------
    layer
        A built ``keras.layers.RNN`` whose cell is a :class:`MGUCell`,
        :class:`NoResetGRUCell` or :class:`CIFGCell` (from :func:`keras_layer`). For
        ``keras.layers.GRU`` and ``LSTM`` use
        :func:`gru_companion.keras.bridge.from_keras`.

    Returns
    -------
    RecurrentLayer
        A :class:`NumpyMGU`, :class:`NumpyNoResetGRU` or :class:`NumpyCIFG` with copies of
        the weights, in their dtype, and the layer's ``return_sequences``.

    Raises
    ------
    TypeError
        If ``layer`` is not such a layer.
    ValueError
        If it is not built yet.
    """
    cell = getattr(layer, "cell", None)
    if not isinstance(layer, keras.layers.RNN) or not isinstance(cell, _VariantCell):
        raise TypeError(
            "layer must be a keras.layers.RNN of an MGUCell, NoResetGRUCell or CIFGCell, got "
            f"{type(layer).__name__}"
        )
    if not cell.built:
        raise ValueError("layer is not built: call it on inputs (or build it) first")
    numpy_class = layer_class(cell.kind)
    weights = [np.array(w) for w in cell.get_weights()]
    return numpy_class(*weights, return_sequences=bool(layer.return_sequences))
