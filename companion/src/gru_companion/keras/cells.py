"""A GRU cell written with ``keras.ops``, computing exactly what ``keras.layers.GRU`` does.

:class:`KerasOpsGRUCell` is a ``keras.layers.Layer`` that computes one time step; wrapped
in ``keras.layers.RNN`` (see :func:`ops_gru`) it runs over whole sequences, with masking,
``return_sequences``, ``return_state``, ``stateful`` and ``go_backwards`` handled by the
wrapper. Its weights have the layout of ``keras.layers.GRU``, so
``layer.set_weights(gru.get_weights())`` copies a built-in GRU into it:

=====================  ===============  =================================================
weight                 shape            content
=====================  ===============  =================================================
``kernel``             (m, 3n)          input weights, column blocks [W_z | W_r | W_h]
``recurrent_kernel``   (n, 3n)          recurrent weights, blocks [U_z | U_r | U_h]
``bias``               (2, 3n)          ``reset_after=True``: row 0 input biases,
                                        row 1 recurrent biases, blocks [z | r | h]
``bias``               (3n,)            ``reset_after=False``: one bias per gate
=====================  ===============  =================================================

The cell uses only ``keras.ops``, so it runs on any Keras backend. It keeps to the
defaults of the built-in layer (tanh, sigmoid, a bias, no dropout) and has no options
beyond ``units`` and ``reset_after``; it registers itself for serialization as
``"gru_companion>KerasOpsGRUCell"``, so models that use it save to and load from
``.keras`` files.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from gru_companion.kinds import kind_of
from gru_companion.validation import check_bool, check_choice, check_positive_int


@keras.saving.register_keras_serializable(package="gru_companion")
class KerasOpsGRUCell(keras.layers.Layer):
    """One GRU time step, in ``keras.ops``, with ``keras.layers.GRU``'s weights layout.

    .. math::

        z &= \\sigma(x W_z + b_z + h_{t-1} U_z + b'_z) \\\\
        r &= \\sigma(x W_r + b_r + h_{t-1} U_r + b'_r) \\\\
        \\tilde h &= \\tanh(x W_h + b_h + r \\odot (h_{t-1} U_h + b'_h))
            \\quad\\text{(reset\\_after=True)} \\\\
        \\tilde h &= \\tanh(x W_h + b_h + (r \\odot h_{t-1}) U_h)
            \\quad\\text{(reset\\_after=False, no } b'\\text{)} \\\\
        h_t &= z \\odot h_{t-1} + (1 - z) \\odot \\tilde h

    Parameters
    ----------
    units
        Number of units n (the width of the state), a positive integer.
    reset_after
        ``True`` (the Keras default): the reset gate scales the recurrent term after the
        product with U_h, and each gate has an input and a recurrent bias. ``False``: the
        reset gate scales the state before the product, one bias per gate.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If ``units`` is not an integer or ``reset_after`` not a bool.
    ValueError
        If ``units`` is smaller than 1.
    """

    def __init__(self, units: int, reset_after: bool = True, **kwargs: Any) -> None:
        # Checked before the base class sees kwargs, so a bad call fails with our message.
        units = check_positive_int("units", units)
        reset_after = check_bool("reset_after", reset_after)
        super().__init__(**kwargs)
        self.units = units
        self.reset_after = reset_after
        #: What ``keras.layers.RNN`` reads: one state vector of ``units`` numbers ...
        self.state_size = units
        #: ... and an output of the same width (the output is the new state).
        self.output_size = units

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create the weights for inputs of ``input_shape[-1]`` features."""
        features, n = input_shape[-1], self.units
        self.kernel = self.add_weight(
            shape=(features, 3 * n), initializer="glorot_uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(n, 3 * n), initializer="orthogonal", name="recurrent_kernel"
        )
        bias_shape = (2, 3 * n) if self.reset_after else (3 * n,)
        self.bias = self.add_weight(shape=bias_shape, initializer="zeros", name="bias")

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev]`` (batch, n) to ``(h, [h])``."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        input_bias = self.bias[0] if self.reset_after else self.bias
        x_z, x_r, x_h = ops.split(ops.matmul(inputs, self.kernel) + input_bias, 3, axis=-1)
        if self.reset_after:
            recurrent = ops.matmul(h_prev, self.recurrent_kernel) + self.bias[1]
            h_z, h_r, h_h = ops.split(recurrent, 3, axis=-1)
            z = ops.sigmoid(x_z + h_z)
            r = ops.sigmoid(x_r + h_r)
            h_tilde = ops.tanh(x_h + r * h_h)  # reset gate after the product with U_h
        else:
            U_z, U_r, U_h = ops.split(self.recurrent_kernel, 3, axis=-1)
            z = ops.sigmoid(x_z + ops.matmul(h_prev, U_z))
            r = ops.sigmoid(x_r + ops.matmul(h_prev, U_r))
            h_tilde = ops.tanh(x_h + ops.matmul(r * h_prev, U_h))  # reset before U_h
        h = z * h_prev + (1 - z) * h_tilde
        return h, [h]

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, so that ``from_config`` rebuilds the cell."""
        return {**super().get_config(), "units": self.units, "reset_after": self.reset_after}


def ops_gru(
    units: int,
    *,
    reset_after: bool = True,
    return_sequences: bool = False,
    return_state: bool = False,
    name: str | None = None,
    dtype: Any = None,
) -> keras.layers.RNN:
    """A GRU layer made of :class:`KerasOpsGRUCell` in ``keras.layers.RNN``.

    It computes the same function as ``keras.layers.GRU(units, reset_after=...,
    return_sequences=..., return_state=...)`` and holds the same weights in the same
    layout, so ``set_weights`` copies one into the other.

    Parameters
    ----------
    units
        Number of units, a positive integer.
    reset_after
        See :class:`KerasOpsGRUCell`.
    return_sequences
        ``True``: return the output at every step, shape (batch, steps, units);
        ``False``: the last one, shape (batch, units).
    return_state
        ``True``: also return the final state.
    name
        The layer's name; the cell is named ``f"{name}_cell"``.
    dtype
        The layer's and the cell's dtype policy, e.g. ``"float64"``; ``None`` for
        Keras's default.
    """
    check_bool("return_sequences", return_sequences)
    check_bool("return_state", return_state)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str or None, got {type(name).__name__} {name!r}")
    cell_name = f"{name}_cell" if name else None
    cell = KerasOpsGRUCell(units, reset_after=reset_after, name=cell_name, dtype=dtype)
    return keras.layers.RNN(
        cell,
        return_sequences=return_sequences,
        return_state=return_state,
        name=name,
        dtype=dtype,
    )


def weights_after_one_step(
    recurrent_layer: Any,
    inputs: Any,
    targets: Any,
    start_weights: list[Any],
    *,
    optimizer: str = "sgd",
    learning_rate: float = 0.1,
    name: str | None = None,
) -> list[Any]:
    """All weights of a small model after one training step, to compare two recurrent layers.

    The model is ``keras.Input`` (the shape and dtype of ``inputs``), ``recurrent_layer``
    (returning its last output) and a linear ``Dense`` head named ``"head"``; it starts
    from ``start_weights``, takes one ``train_on_batch`` step on the mean squared error,
    and returns ``get_weights()``. Two layers that compute the same function from the
    same weights, such as ``keras.layers.GRU`` and :func:`ops_gru`, give the same result:
    their gradients agree too.

    Parameters
    ----------
    recurrent_layer
        An unbuilt or built Keras recurrent layer in the dtype of ``inputs``.
    inputs
        (batch, time, features) array.
    targets
        (batch, outputs) array: the head has ``outputs`` units.
    start_weights
        The model's weights, recurrent layer's first, then the head's kernel and bias.
    optimizer
        ``"sgd"`` or ``"adam"``.
    learning_rate
        A positive number.
    name
        The model's name.

    Returns
    -------
    list
        The model's weights after the step, as NumPy arrays.
    """
    from gru_companion.validation import check_positive_number

    check_choice("optimizer", optimizer, ("sgd", "adam"))
    learning_rate = check_positive_number("learning_rate", learning_rate)
    model = keras.Sequential(
        [
            keras.Input(inputs.shape[1:], dtype=str(inputs.dtype), name="steps"),
            recurrent_layer,
            keras.layers.Dense(targets.shape[-1], dtype=str(inputs.dtype), name="head"),
        ],
        name=name,
    )
    model.set_weights(start_weights)
    make = keras.optimizers.SGD if optimizer == "sgd" else keras.optimizers.Adam
    model.compile(optimizer=make(learning_rate=learning_rate), loss="mse", jit_compile=False)
    model.train_on_batch(inputs, targets)
    return model.get_weights()


#: The Keras cell class of each kind that Keras does not ship, filled as the cells are
#: defined; :func:`keras_layer` reads it.
_CELL_CLASSES: dict[str, type[keras.layers.Layer]] = {}


class _VariantCell(keras.layers.Layer):
    """Shared parts of the variant cells: units, weights, config."""

    #: Gate blocks of the weights.
    blocks: int = 0
    #: Initial bias per block ("zeros" or "ones").
    bias_init: tuple[str, ...] = ()
    #: The key of the cell's row in :data:`gru_companion.kinds.KINDS`.
    kind: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register a cell that names its kind, so :func:`keras_layer` builds it."""
        super().__init_subclass__(**kwargs)
        if cls.kind:
            kind_of(cls.kind)
            _CELL_CLASSES[cls.kind] = cls

    def __init__(self, units: int, **kwargs: Any) -> None:
        units = check_positive_int("units", units)
        super().__init__(**kwargs)
        self.units = units
        self.output_size = units
        states = len(kind_of(self.kind).states)
        self.state_size = units if states == 1 else [units] * states

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create ``kernel``, ``recurrent_kernel`` and ``bias`` for ``input_shape[-1]`` features."""
        features, n = input_shape[-1], self.units
        self.kernel = self.add_weight(
            shape=(features, self.blocks * n), initializer="glorot_uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(n, self.blocks * n), initializer="orthogonal", name="recurrent_kernel"
        )
        init = np.concatenate([np.full(n, 1.0 if b == "ones" else 0.0) for b in self.bias_init])

        def bias_initializer(shape: Any, dtype: Any = None) -> Any:
            return ops.convert_to_tensor(init, dtype=dtype)

        self.bias = self.add_weight(
            shape=(self.blocks * n,), initializer=bias_initializer, name="bias"
        )

    def _projections(self, inputs: Any, h_prev: Any) -> tuple[list[Any], list[Any]]:
        """Input parts ``x W + b`` and the recurrent kernel's blocks, split per gate."""
        x_parts = ops.split(ops.matmul(inputs, self.kernel) + self.bias, self.blocks, axis=-1)
        u_parts = ops.split(self.recurrent_kernel, self.blocks, axis=-1)
        return x_parts, u_parts

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, so that ``from_config`` rebuilds the cell."""
        return {**super().get_config(), "units": self.units}



@keras.saving.register_keras_serializable(package="gru_companion")
class MGUCell(_VariantCell):
    """One step of the minimal gated unit in ``keras.ops`` (weights as :class:`NumpyMGU`).

    Parameters
    ----------
    units
        Number of units n, a positive integer.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If ``units`` is not an integer.
    ValueError
        If ``units`` is smaller than 1.
    """

    kind = "mgu"
    blocks = 2
    bias_init = ("zeros", "zeros")

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev]`` to ``(h, [h])``."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        (x_f, x_h), (U_f, U_h) = self._projections(inputs, h_prev)
        f = ops.sigmoid(x_f + ops.matmul(h_prev, U_f))
        h_tilde = ops.tanh(x_h + ops.matmul(f * h_prev, U_h))
        h = (1 - f) * h_prev + f * h_tilde
        return h, [h]



@keras.saving.register_keras_serializable(package="gru_companion")
class NoResetGRUCell(_VariantCell):
    """One step of the GRU without reset gate in ``keras.ops`` (weights: :class:`NumpyNoResetGRU`).

    Parameters
    ----------
    units
        Number of units n, a positive integer.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If ``units`` is not an integer.
    ValueError
        If ``units`` is smaller than 1.
    """

    kind = "gru_no_reset"
    blocks = 2
    bias_init = ("zeros", "zeros")

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev]`` to ``(h, [h])``."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        (x_z, x_h), (U_z, U_h) = self._projections(inputs, h_prev)
        z = ops.sigmoid(x_z + ops.matmul(h_prev, U_z))
        h_tilde = ops.tanh(x_h + ops.matmul(h_prev, U_h))
        h = z * h_prev + (1 - z) * h_tilde
        return h, [h]



@keras.saving.register_keras_serializable(package="gru_companion")
class CIFGCell(_VariantCell):
    """One step of the coupled-gate LSTM in ``keras.ops`` (weights as :class:`NumpyCIFG`).

    The forget gate's bias starts at 1, as ``keras.layers.LSTM``'s does
    (``unit_forget_bias=True``); the other biases start at 0.

    Parameters
    ----------
    units
        Number of units n, a positive integer.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If ``units`` is not an integer.
    ValueError
        If ``units`` is smaller than 1.
    """

    kind = "cifg"
    blocks = 3
    bias_init = ("ones", "zeros", "zeros")

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev, c_prev]`` to ``(h, [h, c])``."""
        h_prev, c_prev = states[0], states[1]
        (x_f, x_c, x_o), (U_f, U_c, U_o) = self._projections(inputs, h_prev)
        f = ops.sigmoid(x_f + ops.matmul(h_prev, U_f))
        c_tilde = ops.tanh(x_c + ops.matmul(h_prev, U_c))
        o = ops.sigmoid(x_o + ops.matmul(h_prev, U_o))
        c = f * c_prev + (1 - f) * c_tilde
        h = o * ops.tanh(c)
        return h, [h, c]



def keras_layer(
    kind: str,
    units: int,
    *,
    return_sequences: bool = False,
    name: str | None = None,
    dtype: Any = None,
    **flags: Any,
) -> Any:
    """A Keras recurrent layer of any kind of :data:`gru_companion.kinds.KINDS`.

    A kind that Keras ships (``"simple_rnn"``, ``"lstm"``, ``"gru"``) is its own
    ``keras.layers`` class, with Keras's defaults unless ``flags`` says otherwise; any
    other kind is the course's cell of that kind (:class:`MGUCell`, ...) run by
    ``keras.layers.RNN``.

    Parameters
    ----------
    kind
        A key of ``KINDS``.
    units
        Number of units, a positive integer.
    return_sequences
        ``True``: the output of every step; ``False``: the last one.
    name
        The layer's name (a cell run by ``keras.layers.RNN`` is named ``f"{name}_cell"``).
    dtype
        The dtype policy, e.g. ``"float64"``; ``None`` for Keras's default.
    **flags
        Other arguments of a Keras layer (``reset_after``, ``go_backwards``, ...).

    Raises
    ------
    ValueError
        If ``kind`` is not a key of ``KINDS``, no Keras cell computes it, or ``units`` < 1.
    TypeError
        If ``units`` is not an integer, ``return_sequences`` not a bool or ``name``
        neither a str nor ``None``.
    """
    row = kind_of(kind)
    units = check_positive_int("units", units)
    check_bool("return_sequences", return_sequences)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str or None, got {type(name).__name__} {name!r}")
    options = {"return_sequences": return_sequences, "name": name, "dtype": dtype, **flags}
    if row.keras_layer is not None:
        return getattr(keras.layers, row.keras_layer)(units, **options)
    if kind not in _CELL_CLASSES:
        raise ValueError(f"no Keras cell computes the kind {kind!r}")
    cell = _CELL_CLASSES[kind](units, name=f"{name}_cell" if name else None, dtype=dtype)
    return keras.layers.RNN(cell, **options)
