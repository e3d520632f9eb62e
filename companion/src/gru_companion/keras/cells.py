"""The course's recurrent cells in ``keras.ops``, and a Keras layer of any kind.

Every cell here derives from :class:`KerasOpsCell`: a ``keras.layers.Layer`` computing
one time step of one kind of :data:`gru_companion.kinds.KINDS`, with the weights of
that kind laid out as Keras lays them out (one column block per entry of
:attr:`~gru_companion.kinds.Kind.blocks`):

=====================  ===============  =================================================
weight                 shape            content
=====================  ===============  =================================================
``kernel``             (m, k·n)         input weights, one column block per block
``recurrent_kernel``   (n, k·n)         recurrent weights, the same blocks
``bias``               (k·n,)           one bias per block (a GRU with
                                        ``reset_after=True``: (2, k·n), row 0 input
                                        biases, row 1 recurrent biases)
``peephole``           (p, n)           only for a kind with peepholes
                                        (:attr:`~gru_companion.kinds.Kind.peepholes`):
                                        one row of diagonal weights per such gate,
                                        starting at zero
=====================  ===============  =================================================

A cell names only its ``kind`` and writes its step (``call``); the base reads the
number of blocks and of states from the kind's row, builds the weights, gives the
config and registers the class twice: with Keras's serialization, as
``"gru_companion>ClassName"`` (so models using it save to and load from ``.keras``
files), and as its kind's cell, for :func:`keras_layer` and
:func:`gru_companion.keras.bridge.from_keras`. Wrapped in ``keras.layers.RNN``, a cell
runs over whole sequences, with masking, ``return_sequences``, ``return_state``,
``stateful`` and ``go_backwards`` handled by the wrapper.

* :class:`KerasOpsGRUCell` computes exactly what ``keras.layers.GRU`` does, in both of its
  forms (``reset_after``); :func:`ops_gru` runs it, and :func:`weights_after_one_step`
  shows that it also learns the same.
* :class:`MGUCell`, :class:`NoResetGRUCell` and :class:`CIFGCell` are the simplified cells
  of the chapter on variants, whose NumPy layers are in
  :mod:`gru_companion.scratch.variants`.
* :class:`PeepholeLSTMCell` is the LSTM with peephole connections of Chung et al. (2014),
  whose NumPy layer is :mod:`gru_companion.scratch.peephole_lstm`.
* :func:`keras_layer` builds a Keras recurrent layer of any kind: Keras's own class where
  Keras ships the kind, else the course's cell in ``keras.layers.RNN``.

The cells use only ``keras.ops``, so they run on any Keras backend. They keep to the
defaults of the built-in layers (tanh, sigmoid, a bias, no dropout).
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
import numpy as np
from keras import ops

from gru_companion.kinds import kind_of
from gru_companion.validation import (
    check_bool,
    check_choice,
    check_positive_int,
    check_positive_number,
)


class KerasOpsCell(keras.layers.Layer):
    """One time step of a kind of recurrent cell, in ``keras.ops``: the base of every course cell.

    A subclass sets :attr:`kind` and writes ``call(inputs, states)``; the base creates
    ``kernel`` (features, k·units), ``recurrent_kernel`` (units, k·units) and ``bias``
    (k·units,), with k the kind's number of blocks, and, for a kind with p peepholes,
    ``peephole`` (p, units) starting at zero; it tells ``keras.layers.RNN`` the kind's
    states (``state_size``) and output (``output_size``).

    Parameters
    ----------
    units
        Number of units n (the width of each state), a positive integer.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError, ValueError
        If ``units`` is not a positive integer (the message says which).
    """

    #: The key of the cell's row in :data:`gru_companion.kinds.KINDS`; a subclass that sets
    #: it is registered as that kind's cell.
    kind: ClassVar[str] = ""
    #: The blocks whose bias starts at 1 instead of 0 (``("f",)`` for a forget gate, as
    #: ``keras.layers.LSTM`` does with ``unit_forget_bias=True``).
    biases_start_at_one: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register a cell that names its own kind: for Keras's serialization and by kind."""
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("kind"):
            return
        blocks = kind_of(cls.kind).blocks
        if not set(cls.biases_start_at_one) <= set(blocks):
            raise ValueError(
                f"{cls.__name__}: biases_start_at_one {cls.biases_start_at_one} are not all "
                f"blocks of {cls.kind!r} {blocks}"
            )
        keras.saving.register_keras_serializable(package="gru_companion")(cls)
        _CELL_CLASSES[cls.kind] = cls

    def __init__(self, units: int, **kwargs: Any) -> None:
        # Checked before the base class sees kwargs, so a bad call fails with our message.
        units = check_positive_int("units", units)
        super().__init__(**kwargs)
        self.units = units
        states = len(kind_of(self.kind).states)
        #: What ``keras.layers.RNN`` reads: one vector of ``units`` numbers per state ...
        self.state_size = units if states == 1 else [units] * states
        #: ... and an output of the same width (the output is the new state h).
        self.output_size = units

    @property
    def gate_blocks(self) -> int:
        """The number k of column blocks of the weights, from the kind's row."""
        return kind_of(self.kind).gate_blocks

    def bias_shape(self) -> tuple[int, ...]:
        """The shape of ``bias``: (k·units,)."""
        return (self.gate_blocks * self.units,)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create ``kernel``, ``recurrent_kernel``, ``bias`` (and ``peephole``) for the features.

        ``input_shape[-1]`` is the number of features. A kind with peepholes also gets
        ``peephole`` (p, units), zeros, after the bias (Keras's order of ``get_weights``).
        """
        features, n, k = input_shape[-1], self.units, self.gate_blocks
        self.kernel = self.add_weight(
            shape=(features, k * n), initializer="glorot_uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(n, k * n), initializer="orthogonal", name="recurrent_kernel"
        )
        self.bias = self.add_weight(
            shape=self.bias_shape(), initializer=self._bias_initializer(), name="bias"
        )
        peepholes = kind_of(self.kind).peepholes
        if peepholes:
            self.peephole = self.add_weight(
                shape=(len(peepholes), n), initializer="zeros", name="peephole"
            )

    def _bias_initializer(self) -> Any:
        """Zeros, with ones in the blocks of :attr:`biases_start_at_one`."""
        if not self.biases_start_at_one:
            return "zeros"
        blocks, n = kind_of(self.kind).blocks, self.units
        start = np.concatenate(
            [np.full(n, 1.0 if block in self.biases_start_at_one else 0.0) for block in blocks]
        )

        def initializer(shape: Any, dtype: Any = None) -> Any:
            return ops.convert_to_tensor(start, dtype=dtype)

        return initializer

    def _projections(self, inputs: Any, h_prev: Any) -> tuple[list[Any], list[Any]]:
        """Input parts ``x W + b`` and the recurrent kernel's blocks, split per block."""
        k = self.gate_blocks
        x_parts = ops.split(ops.matmul(inputs, self.kernel) + self.bias, k, axis=-1)
        u_parts = ops.split(self.recurrent_kernel, k, axis=-1)
        return x_parts, u_parts

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, so that ``from_config`` rebuilds the cell."""
        return {**super().get_config(), "units": self.units}


#: The course's Keras cell class of each kind, filled as the cells are defined (see
#: :meth:`KerasOpsCell.__init_subclass__`); read it with :func:`cell_class`.
_CELL_CLASSES: dict[str, type[KerasOpsCell]] = {}


def cell_class(kind: str) -> type[KerasOpsCell]:
    """The course's ``keras.ops`` cell class of ``kind``: ``cell_class("mgu")`` is :class:`MGUCell`.

    ``kind`` must be a key of ``KINDS`` (else :func:`~gru_companion.kinds.kind_of` raises
    ``TypeError`` or ``ValueError``) that a course cell computes (else ``ValueError``).
    """
    if kind_of(kind).key not in _CELL_CLASSES:
        raise ValueError(f"no Keras cell computes the kind {kind!r}")
    return _CELL_CLASSES[kind]


class KerasOpsGRUCell(KerasOpsCell):
    """One GRU time step, in ``keras.ops``, with ``keras.layers.GRU``'s weights layout.

    .. math::

        z &= \\sigma(x W_z + b_z + h_{t-1} U_z + b'_z) \\\\
        r &= \\sigma(x W_r + b_r + h_{t-1} U_r + b'_r) \\\\
        \\tilde h &= \\tanh(x W_h + b_h + r \\odot (h_{t-1} U_h + b'_h))
            \\quad\\text{(reset\\_after=True)} \\\\
        \\tilde h &= \\tanh(x W_h + b_h + (r \\odot h_{t-1}) U_h)
            \\quad\\text{(reset\\_after=False, no } b'\\text{)} \\\\
        h_t &= z \\odot h_{t-1} + (1 - z) \\odot \\tilde h

    ``layer.set_weights(gru.get_weights())`` copies a ``keras.layers.GRU`` with the same
    ``reset_after`` into a layer of this cell. :func:`keras_layer` still builds
    ``keras.layers.GRU`` for the kind ``"gru"``; this cell is run by :func:`ops_gru`.

    Parameters
    ----------
    units
        Number of units n (the width of the state), a positive integer.
    reset_after
        ``True`` (the Keras default): the reset gate scales the recurrent term after the
        product with U_h, and each gate has an input and a recurrent bias (``bias`` of
        shape (2, 3n)). ``False``: the reset gate scales the state before the product,
        one bias per gate (shape (3n,)).
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Raises
    ------
    TypeError
        If ``units`` is not an integer or ``reset_after`` not a bool.
    ValueError
        If ``units`` is smaller than 1.
    """

    kind = "gru"

    def __init__(self, units: int, reset_after: bool = True, **kwargs: Any) -> None:
        units = check_positive_int("units", units)
        reset_after = check_bool("reset_after", reset_after)
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def bias_shape(self) -> tuple[int, ...]:
        """(2, 3·units) with ``reset_after=True`` (input and recurrent biases), else (3·units,)."""
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

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
        return {**super().get_config(), "reset_after": self.reset_after}


class MGUCell(KerasOpsCell):
    """One step of the minimal gated unit in ``keras.ops``.

    Blocks [f | h], as :class:`~gru_companion.scratch.variants.NumpyMGU`; parameters as
    :class:`KerasOpsCell`.
    """

    kind = "mgu"

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev]`` to ``(h, [h])``."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        (x_f, x_h), (U_f, U_h) = self._projections(inputs, h_prev)
        f = ops.sigmoid(x_f + ops.matmul(h_prev, U_f))
        h_tilde = ops.tanh(x_h + ops.matmul(f * h_prev, U_h))
        h = (1 - f) * h_prev + f * h_tilde
        return h, [h]


class NoResetGRUCell(KerasOpsCell):
    """One step of the GRU without reset gate in ``keras.ops``.

    Blocks [z | h], as :class:`~gru_companion.scratch.variants.NumpyNoResetGRU`; parameters
    as :class:`KerasOpsCell`.
    """

    kind = "gru_no_reset"

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev]`` to ``(h, [h])``."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        (x_z, x_h), (U_z, U_h) = self._projections(inputs, h_prev)
        z = ops.sigmoid(x_z + ops.matmul(h_prev, U_z))
        h_tilde = ops.tanh(x_h + ops.matmul(h_prev, U_h))
        h = z * h_prev + (1 - z) * h_tilde
        return h, [h]


class CIFGCell(KerasOpsCell):
    """One step of the coupled-gate LSTM in ``keras.ops``.

    Blocks [f | c | o] and states ``[h, c]``, as
    :class:`~gru_companion.scratch.variants.NumpyCIFG`; parameters as :class:`KerasOpsCell`.
    The forget gate's bias starts at 1, as ``keras.layers.LSTM``'s does
    (``unit_forget_bias=True``); the other biases start at 0.
    """

    kind = "cifg"
    biases_start_at_one = ("f",)

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


class PeepholeLSTMCell(KerasOpsCell):
    """One step of the LSTM with peephole connections in ``keras.ops``.

    .. math::

        i &= \\sigma(x W_i + h_{t-1} U_i + V_i \\odot c_{t-1} + b_i) \\\\
        f &= \\sigma(x W_f + h_{t-1} U_f + V_f \\odot c_{t-1} + b_f) \\\\
        \\tilde c &= \\tanh(x W_c + h_{t-1} U_c + b_c) \\\\
        c_t &= f \\odot c_{t-1} + i \\odot \\tilde c \\\\
        o &= \\sigma(x W_o + h_{t-1} U_o + V_o \\odot c_t + b_o) \\\\
        h_t &= o \\odot \\tanh(c_t)

    Blocks [i | f | c | o] and states ``[h, c]``, as ``keras.layers.LSTM``, and a fourth
    weight ``peephole`` (3, units) with rows :math:`V_i, V_f, V_o`, as
    :class:`~gru_companion.scratch.peephole_lstm.NumpyPeepholeLSTM`; parameters as
    :class:`KerasOpsCell`. The forget gate's bias starts at 1, as ``keras.layers.LSTM``'s
    does (``unit_forget_bias=True``), the other biases and the peepholes at 0: at the
    start it computes what a new ``keras.layers.LSTM`` with the same kernels computes.
    """

    kind = "peephole_lstm"
    biases_start_at_one = ("f",)

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        """One step: inputs (batch, m) and ``[h_prev, c_prev]`` to ``(h, [h, c])``."""
        h_prev, c_prev = states[0], states[1]
        (x_i, x_f, x_c, x_o), (U_i, U_f, U_c, U_o) = self._projections(inputs, h_prev)
        V_i, V_f, V_o = self.peephole[0], self.peephole[1], self.peephole[2]
        i = ops.sigmoid(x_i + ops.matmul(h_prev, U_i) + V_i * c_prev)
        f = ops.sigmoid(x_f + ops.matmul(h_prev, U_f) + V_f * c_prev)
        c_tilde = ops.tanh(x_c + ops.matmul(h_prev, U_c))
        c = f * c_prev + i * c_tilde
        o = ops.sigmoid(x_o + ops.matmul(h_prev, U_o) + V_o * c)  # peeks at the new cell
        h = o * ops.tanh(c)
        return h, [h, c]


def _check_name(name: Any) -> None:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str or None, got {type(name).__name__} {name!r}")


def _cell_layer(
    kind: str,
    units: int,
    *,
    name: str | None,
    dtype: Any,
    cell_options: dict[str, Any],
    **flags: Any,
) -> keras.layers.RNN:
    """``keras.layers.RNN`` running the course's cell of ``kind`` (named ``f"{name}_cell"``)."""
    cell_name = f"{name}_cell" if name else None
    cell = cell_class(kind)(units, name=cell_name, dtype=dtype, **cell_options)
    return keras.layers.RNN(cell, name=name, dtype=dtype, **flags)


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
    _check_name(name)
    return _cell_layer(
        "gru",
        units,
        name=name,
        dtype=dtype,
        cell_options={"reset_after": reset_after},
        return_sequences=return_sequences,
        return_state=return_state,
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

    A kind that Keras ships (its row names a ``keras_layer``: ``"simple_rnn"``,
    ``"lstm"``, ``"gru"``) is that ``keras.layers`` class, with Keras's defaults unless
    ``flags`` says otherwise; any other kind is the course's cell of that kind
    (:class:`MGUCell`, ...; see :func:`cell_class`) run by ``keras.layers.RNN``.

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
        Other arguments of the Keras layer (``reset_after``, ``go_backwards``,
        ``return_state``, ...).

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
    _check_name(name)
    if row.keras_layer is not None:
        options = {"return_sequences": return_sequences, "name": name, "dtype": dtype}
        return getattr(keras.layers, row.keras_layer)(units, **options, **flags)
    return _cell_layer(
        kind,
        units,
        name=name,
        dtype=dtype,
        cell_options={},
        return_sequences=return_sequences,
        **flags,
    )
