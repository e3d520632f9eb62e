r"""Three simplified gated cells, each in NumPy and as a Keras cell written with ``keras.ops``.

Each variant removes or ties a gate of the GRU or the LSTM. With :math:`\sigma` the
logistic sigmoid and :math:`\odot` the element-wise product:

**Minimal gated unit** (MGU; Zhou et al., 2016). One gate :math:`f` does the work of both
of the GRU's gates: it decides how much of the state to replace *and* how much of the old
state the candidate sees.

.. math::

    f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
    \tilde h_t &= \tanh\big(x_t W_h + (f_t \odot h_{t-1}) U_h + b_h\big) \\
    h_t &= (1 - f_t) \odot h_{t-1} + f_t \odot \tilde h_t

It is exactly a ``keras.layers.GRU(reset_after=False)`` whose reset gate has the weights
of :math:`f` and whose update gate has their negatives (:math:`\sigma(-a) = 1 - \sigma(a)`):
:func:`mgu_as_gru_weights`.

**GRU without a reset gate** (:math:`r \equiv 1`), one of the ablations of Greff et al.
(2017) applied to the GRU:

.. math::

    z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z) \\
    \tilde h_t &= \tanh(x_t W_h + h_{t-1} U_h + b_h) \\
    h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

It is a ``keras.layers.GRU(reset_after=False)`` whose reset gate has zero weights and a
bias of 40, so that :math:`r = \sigma(40)`, which is 1 in float64:
:func:`no_reset_as_gru_weights`.

**Coupled-gate LSTM** (CIFG, "coupled input and forget gate"; Greff et al., 2017). The
input gate is tied to the forget gate, :math:`i_t = 1 - f_t`: the cell writes exactly as
much as it forgets.

.. math::

    f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
    \tilde c_t &= \tanh(x_t W_c + h_{t-1} U_c + b_c) \\
    o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) \\
    c_t &= f_t \odot c_{t-1} + (1 - f_t) \odot \tilde c_t \\
    h_t &= o_t \odot \tanh(c_t)

It is a ``keras.layers.LSTM`` whose input gate has the negatives of the forget gate's
weights: :func:`cifg_as_lstm_weights`.

Weights are laid out as Keras lays out the GRU's and the LSTM's, one column block per gate
in the order of the equations:

===================  ====================  ====================  ===========
variant              ``kernel``            ``recurrent_kernel``  ``bias``
===================  ====================  ====================  ===========
MGU                  (m, 2n), [f | h]      (n, 2n)               (2n,)
GRU without reset    (m, 2n), [z | h]      (n, 2n)               (2n,)
coupled-gate LSTM    (m, 3n), [f | c | o]  (n, 3n)               (3n,)
===================  ====================  ====================  ===========

The NumPy layers (:class:`NumpyMGU`, :class:`NumpyNoResetGRU`, :class:`NumpyCIFG`) share
the loop over time of :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`, and the
Keras cells (:class:`MGUCell`, :class:`NoResetGRUCell`, :class:`CIFGCell`) run in
``keras.layers.RNN`` (:func:`variant_layer`); :func:`numpy_twin` copies a Keras variant
into its NumPy layer. The cells register for serialization under the package
``gru_companion``.

:func:`compare_variants` trains every variant on the adding problem
(:mod:`gru_companion.experiments.adding_models`) with the same data, settings and seeds;
:func:`summarize_variants` tabulates the results. The full comparison runs from the
command line and writes a small JSON file (the command, package versions and machine
recorded beside the results)::

    python -m gru_companion.keras.variants --seeds 3 --epochs 15 --out book/data/gru_variants.json
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from gru_companion.data.synthetic import ADDING_BASELINE_MSE
from gru_companion.experiments.adding_models import (
    adding_data,
    build_adding_model,
    train_adding_model,
)
from gru_companion.experiments.result_files import (
    command_line,
    machine_description,
    package_versions,
    rounded_floats,
    write_result,
)
from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, split_gates
from gru_companion.validation import (
    check_bool,
    check_choice,
    check_int_at_least,
    check_positive_int,
    check_positive_number,
)

#: The cells compared in the chapter, the two full cells and the three variants.
VARIANTS = ("gru", "mgu", "gru_no_reset", "lstm", "cifg")

#: A readable name for each variant.
DISPLAY_NAMES = {
    "gru": "GRU",
    "mgu": "MGU (one gate)",
    "gru_no_reset": "GRU without reset gate",
    "lstm": "LSTM",
    "cifg": "coupled-gate LSTM",
}

#: Gate blocks in the weights of each variant (the GRU's candidate and the LSTM's cell
#: candidate count as blocks).
GATE_BLOCKS = {"gru": 3, "mgu": 2, "gru_no_reset": 2, "lstm": 4, "cifg": 3}

#: The bias that makes the reset gate 1 in float64, since sigma(40) = 1 - 4e-18 rounds to 1.
SATURATED_BIAS = 40.0


# ------------------------------------------------------------------------ NumPy steps
def mgu_step(
    x_proj: np.ndarray, h_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the minimal gated unit.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 2n), blocks [f | h].
    h_prev
        The previous state :math:`h_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`[U_f | U_h]`, shape (n, 2n).

    Returns
    -------
    tuple
        ``(h, cache)``: the new state (batch, n) and the step's values by name
        (``h_prev``, ``f``, ``h_tilde``, ``h``).
    """
    x_f, x_h = split_gates(x_proj, 2)
    U_f, U_h = split_gates(recurrent_kernel, 2)
    f = sigmoid(x_f + h_prev @ U_f)  # the one gate: how much to replace ...
    h_tilde = tanh(x_h + (f * h_prev) @ U_h)  # ... and how much of h_prev the candidate sees
    h = (1 - f) * h_prev + f * h_tilde
    return h, {"h_prev": h_prev, "f": f, "h_tilde": h_tilde, "h": h}


def no_reset_gru_step(
    x_proj: np.ndarray, h_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the GRU without a reset gate (:math:`r \equiv 1`).

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 2n), blocks [z | h].
    h_prev
        The previous state :math:`h_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`[U_z | U_h]`, shape (n, 2n).

    Returns
    -------
    tuple
        ``(h, cache)``: the new state (batch, n) and the step's values by name
        (``h_prev``, ``z``, ``h_tilde``, ``h``).
    """
    x_z, x_h = split_gates(x_proj, 2)
    U_z, U_h = split_gates(recurrent_kernel, 2)
    z = sigmoid(x_z + h_prev @ U_z)  # update gate: how much of h_prev to keep
    h_tilde = tanh(x_h + h_prev @ U_h)  # the candidate always sees all of h_prev
    h = z * h_prev + (1 - z) * h_tilde
    return h, {"h_prev": h_prev, "z": z, "h_tilde": h_tilde, "h": h}


def cifg_step(
    x_proj: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""One step of the coupled-gate LSTM (:math:`i = 1 - f`).

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 3n), blocks
        [f | c | o].
    h_prev, c_prev
        The previous output and cell state, each (batch, n).
    recurrent_kernel
        :math:`[U_f | U_c | U_o]`, shape (n, 3n).

    Returns
    -------
    tuple
        ``(h, c, cache)``: the new output and cell state and the step's values by name
        (``h_prev``, ``c_prev``, ``f``, ``c_tilde``, ``o``, ``c``).
    """
    x_f, x_c, x_o = split_gates(x_proj, 3)
    U_f, U_c, U_o = split_gates(recurrent_kernel, 3)
    f = sigmoid(x_f + h_prev @ U_f)  # forget gate; the input gate is 1 - f
    c_tilde = tanh(x_c + h_prev @ U_c)
    o = sigmoid(x_o + h_prev @ U_o)
    c = f * c_prev + (1 - f) * c_tilde  # writes exactly as much as it forgets
    h = o * tanh(c)
    cache = {"h_prev": h_prev, "c_prev": c_prev, "f": f, "c_tilde": c_tilde, "o": o, "c": c}
    return h, c, cache


# ----------------------------------------------------------------------- NumPy layers
class NumpyMGU(RecurrentLayer):
    """The minimal gated unit in NumPy (:func:`mgu_step` over a sequence).

    Parameters
    ----------
    kernel
        :math:`[W_f | W_h]`, shape (features, 2 units), float32 or float64.
    recurrent_kernel
        :math:`[U_f | U_h]`, shape (units, 2 units), same dtype.
    bias
        :math:`[b_f | b_h]`, shape (2 units,), same dtype, or ``None``.
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).
    """

    kind = "MGU"
    gate_names = ("f", "h")
    state_names = ("h",)

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`mgu_step` with this layer's recurrent kernel."""
        h, cache = mgu_step(x_proj, states[0], self.recurrent_kernel)
        return (h,), cache


class NumpyNoResetGRU(RecurrentLayer):
    """The GRU without a reset gate in NumPy (:func:`no_reset_gru_step` over a sequence).

    Parameters
    ----------
    kernel
        :math:`[W_z | W_h]`, shape (features, 2 units), float32 or float64.
    recurrent_kernel
        :math:`[U_z | U_h]`, shape (units, 2 units), same dtype.
    bias
        :math:`[b_z | b_h]`, shape (2 units,), same dtype, or ``None``.
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).
    """

    kind = "GRU without reset gate"
    gate_names = ("z", "h")
    state_names = ("h",)

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`no_reset_gru_step` with this layer's recurrent kernel."""
        h, cache = no_reset_gru_step(x_proj, states[0], self.recurrent_kernel)
        return (h,), cache


class NumpyCIFG(RecurrentLayer):
    """The coupled-gate LSTM in NumPy (:func:`cifg_step` over a sequence).

    States are ``[h, c]``, as in an LSTM.

    Parameters
    ----------
    kernel
        :math:`[W_f | W_c | W_o]`, shape (features, 3 units), float32 or float64.
    recurrent_kernel
        :math:`[U_f | U_c | U_o]`, shape (units, 3 units), same dtype.
    bias
        :math:`[b_f | b_c | b_o]`, shape (3 units,), same dtype, or ``None``.
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).
    """

    kind = "coupled-gate LSTM"
    gate_names = ("f", "c", "o")
    state_names = ("h", "c")

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`cifg_step` with this layer's recurrent kernel."""
        h, c, cache = cifg_step(x_proj, states[0], states[1], self.recurrent_kernel)
        return (h, c), cache


# ------------------------------------------------------------------------ Keras cells
class _VariantCell(keras.layers.Layer):
    """Shared parts of the variant cells: units, weights, config."""

    #: Gate blocks of the weights.
    blocks: int = 0
    #: Initial bias per block ("zeros" or "ones").
    bias_init: tuple[str, ...] = ()
    #: How many states a step carries, 1 (``h``) or 2 (``h`` and ``c``).
    states: int = 1

    def __init__(self, units: int, **kwargs: Any) -> None:
        units = check_positive_int("units", units)
        super().__init__(**kwargs)
        self.units = units
        self.output_size = units
        self.state_size = units if self.states == 1 else [units] * self.states

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

    blocks = 3
    bias_init = ("ones", "zeros", "zeros")
    states = 2

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


_CELLS: dict[str, tuple[type[_VariantCell], type[RecurrentLayer]]] = {
    "mgu": (MGUCell, NumpyMGU),
    "gru_no_reset": (NoResetGRUCell, NumpyNoResetGRU),
    "cifg": (CIFGCell, NumpyCIFG),
}


def variant_layer(
    variant: str,
    units: int,
    *,
    return_sequences: bool = False,
    name: str | None = None,
    dtype: Any = None,
) -> Any:
    """A Keras recurrent layer of one of :data:`VARIANTS`.

    ``"gru"`` and ``"lstm"`` are Keras's own ``keras.layers.GRU`` and ``keras.layers.LSTM``
    (default settings); the three variants are their cell in ``keras.layers.RNN``.

    Parameters
    ----------
    variant
        One of :data:`VARIANTS`.
    units
        Number of units, a positive integer.
    return_sequences
        ``True``: the output of every step; ``False``: the last one.
    name
        The layer's name (its cell, for a variant, is named ``f"{name}_cell"``).
    dtype
        The dtype policy, e.g. ``"float64"``; ``None`` for Keras's default.

    Raises
    ------
    ValueError
        If ``variant`` is not one of :data:`VARIANTS` or ``units`` < 1.
    TypeError
        If ``units`` is not an integer, ``return_sequences`` not a bool or ``name``
        neither a str nor ``None``.
    """
    check_choice("variant", variant, VARIANTS)
    units = check_positive_int("units", units)
    check_bool("return_sequences", return_sequences)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str or None, got {type(name).__name__} {name!r}")
    if variant == "gru":
        return keras.layers.GRU(units, return_sequences=return_sequences, name=name, dtype=dtype)
    if variant == "lstm":
        return keras.layers.LSTM(units, return_sequences=return_sequences, name=name, dtype=dtype)
    cell_class = _CELLS[variant][0]
    cell = cell_class(units, name=f"{name}_cell" if name else None, dtype=dtype)
    return keras.layers.RNN(cell, return_sequences=return_sequences, name=name, dtype=dtype)


def variant_params(variant: str, input_dim: int, units: int) -> int:
    """The number of parameters of a layer of ``variant``, by formula.

    With m inputs and n units: GRU (``reset_after=True``, two bias rows)
    3(mn + n² + 2n); LSTM 4(mn + n² + n); MGU and the GRU without reset gate
    2(mn + n² + n); the coupled-gate LSTM 3(mn + n² + n).

    Parameters
    ----------
    variant
        One of :data:`VARIANTS`.
    input_dim, units
        m and n, positive integers.
    """
    check_choice("variant", variant, VARIANTS)
    m = check_positive_int("input_dim", input_dim)
    n = check_positive_int("units", units)
    biases = 2 * n if variant == "gru" else n
    return GATE_BLOCKS[variant] * (m * n + n * n + biases)


def numpy_twin(layer: Any) -> RecurrentLayer:
    """The NumPy layer computing what a built Keras variant layer computes, with its weights.

    Parameters
    ----------
    layer
        A built ``keras.layers.RNN`` whose cell is a :class:`MGUCell`,
        :class:`NoResetGRUCell` or :class:`CIFGCell` (from :func:`variant_layer`). For
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
    numpy_class = next(n for c, n in _CELLS.values() if type(cell) is c)
    weights = [np.array(w) for w in cell.get_weights()]
    return numpy_class(*weights, return_sequences=bool(layer.return_sequences))


# ------------------------------------------------ the variants as tied GRUs and LSTMs
def _check_variant_weights(
    kernel: Any, recurrent_kernel: Any, bias: Any, blocks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = []
    for label, value in (
        ("kernel", kernel),
        ("recurrent_kernel", recurrent_kernel),
        ("bias", bias),
    ):
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise TypeError(f"{label} must be a floating numpy.ndarray, got {type(value).__name__}")
        arrays.append(value)
    kernel, recurrent_kernel, bias = arrays
    n = recurrent_kernel.shape[0] if recurrent_kernel.ndim == 2 else -1
    if (
        n < 1
        or recurrent_kernel.shape != (n, blocks * n)
        or kernel.ndim != 2
        or kernel.shape[1] != blocks * n
        or bias.shape != (blocks * n,)
    ):
        raise ValueError(
            f"weights must have shapes (m, {blocks}n), (n, {blocks}n) and ({blocks}n,), got "
            f"{kernel.shape}, {recurrent_kernel.shape} and {bias.shape}"
        )
    return kernel, recurrent_kernel, bias


def mgu_as_gru_weights(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.GRU(reset_after=False)`` that computes this MGU.

    The GRU's update gate gets the negated weights of :math:`f` (so :math:`z = 1 - f`) and
    its reset gate :math:`f`'s weights (so :math:`r = f`); the candidate's are unchanged.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        The MGU's weights, shapes (m, 2n), (n, 2n), (2n,) (as :class:`NumpyMGU`).

    Returns
    -------
    list of numpy.ndarray
        ``[kernel (m, 3n), recurrent_kernel (n, 3n), bias (3n,)]`` in the GRU's block
        order [z | r | h].
    """
    kernel, recurrent_kernel, bias = _check_variant_weights(kernel, recurrent_kernel, bias, 2)

    def tie(weight: np.ndarray) -> np.ndarray:
        f, h = split_gates(weight, 2)
        return np.concatenate([-f, f, h], axis=-1)

    return [tie(kernel), tie(recurrent_kernel), tie(bias)]


def no_reset_as_gru_weights(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.GRU(reset_after=False)`` computing this GRU without reset gate.

    The reset gate gets zero weights and the bias :data:`SATURATED_BIAS`, so
    :math:`r = \sigma(40)`, which rounds to 1 in float64 and in float32.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        The variant's weights, shapes (m, 2n), (n, 2n), (2n,) (as :class:`NumpyNoResetGRU`).

    Returns
    -------
    list of numpy.ndarray
        ``[kernel (m, 3n), recurrent_kernel (n, 3n), bias (3n,)]``, blocks [z | r | h].
    """
    kernel, recurrent_kernel, bias = _check_variant_weights(kernel, recurrent_kernel, bias, 2)

    def with_reset(weight: np.ndarray, value: float) -> np.ndarray:
        z, h = split_gates(weight, 2)
        return np.concatenate([z, np.full_like(z, value), h], axis=-1)

    return [
        with_reset(kernel, 0.0),
        with_reset(recurrent_kernel, 0.0),
        with_reset(bias, SATURATED_BIAS),
    ]


def cifg_as_lstm_weights(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    r"""Weights of a ``keras.layers.LSTM`` that computes this coupled-gate LSTM.

    The input gate gets the negated weights of the forget gate, so
    :math:`i = \sigma(-a_f) = 1 - \sigma(a_f) = 1 - f`.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        The variant's weights, shapes (m, 3n), (n, 3n), (3n,) (as :class:`NumpyCIFG`).

    Returns
    -------
    list of numpy.ndarray
        ``[kernel (m, 4n), recurrent_kernel (n, 4n), bias (4n,)]``, blocks [i | f | c | o].
    """
    kernel, recurrent_kernel, bias = _check_variant_weights(kernel, recurrent_kernel, bias, 3)

    def tie(weight: np.ndarray) -> np.ndarray:
        f, c, o = split_gates(weight, 3)
        return np.concatenate([-f, f, c, o], axis=-1)

    return [tie(kernel), tie(recurrent_kernel), tie(bias)]


# ---------------------------------------------------------------- the comparison
#: A prediction within this distance of the sum counts as correct (as in
#: :data:`gru_companion.experiments.runs.ADDING_TOLERANCE`).
ADDING_TOLERANCE = 0.04

#: The test MSE counted as solved, a tenth of the baseline's 1/6.
SOLVED_MSE = ADDING_BASELINE_MSE / 10


def compare_variants(
    *,
    variants: Sequence[str] = VARIANTS,
    seeds: Sequence[int] = (0, 1, 2),
    seq_len: int = 50,
    units: int = 16,
    n_train: int = 3000,
    n_test: int = 1000,
    epochs: int = 15,
    batch_size: int = 64,
    learning_rate: float = 0.01,
    data_seed: int = 0,
    report: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train each variant on the adding problem with the same data, settings and seeds.

    For every seed and variant: :func:`~gru_companion.reproducibility.seed_everything`
    with the seed, a model ``Input → variant_layer(variant, units) → Dense(1)``
    (:func:`~gru_companion.experiments.adding_models.build_adding_model`, Adam), trained for
    ``epochs`` epochs; the training loss and test MSE of every epoch, the final test
    accuracy (share of sums predicted within :data:`ADDING_TOLERANCE`) and the training
    time are recorded. The data (drawn from ``data_seed``) are the same for every run;
    the seed changes the initial weights and the order of the batches.

    Parameters
    ----------
    variants
        Names from :data:`VARIANTS`, without repeats.
    seeds
        Non-negative integers, without repeats.
    seq_len, units, n_train, n_test, epochs, batch_size
        Positive integers (``seq_len`` at least 2).
    learning_rate
        Adam's learning rate.
    data_seed
        Seed of the data.
    report
        Called with a line of text after each run (e.g. ``print``), or ``None``.

    Returns
    -------
    dict
        ``{"config": {...}, "runs": [...]}``, one run per seed and variant with keys
        ``variant``, ``seed``, ``params``, ``loss``, ``test_mse`` (per epoch),
        ``test_accuracy`` and ``train_seconds``.

    Raises
    ------
    TypeError, ValueError
        If an argument is of the wrong type or out of range.
    """
    from gru_companion.reproducibility import seed_everything

    if isinstance(variants, str) or not isinstance(variants, Sequence) or not variants:
        raise TypeError(f"variants must be a non-empty sequence of names, got {variants!r}")
    for variant in variants:
        check_choice("variant", variant, VARIANTS)
    if isinstance(seeds, str) or not isinstance(seeds, Sequence) or not seeds:
        raise TypeError(f"seeds must be a non-empty sequence of integers, got {seeds!r}")
    for seed in seeds:
        check_int_at_least("each seed", seed, 0, expected="a non-negative integer")
    if len(set(variants)) != len(variants) or len(set(seeds)) != len(seeds):
        raise ValueError("variants and seeds must not repeat")
    units = check_positive_int("units", units)
    epochs = check_positive_int("epochs", epochs)
    if report is not None and not callable(report):
        raise TypeError("report must be callable or None")
    data = adding_data(seq_len, n_train, n_test, seed=data_seed)
    runs = []
    for seed in seeds:
        for variant in variants:
            seed_everything(seed)
            model = build_adding_model(
                variant_layer(variant, units, name=variant),
                data.seq_len,
                learning_rate=learning_rate,
                name=f"adding_{variant}",
            )
            start = time.perf_counter()
            history = train_adding_model(model, data, epochs=epochs, batch_size=batch_size)
            seconds = time.perf_counter() - start
            predictions = np.asarray(model(data.x_test, training=False))
            accuracy = float(np.mean(np.abs(predictions - data.y_test) < ADDING_TOLERANCE))
            runs.append(
                {
                    "variant": variant,
                    "seed": seed,
                    "params": variant_params(variant, 2, units),
                    "loss": list(history.loss),
                    "test_mse": list(history.test_mse),
                    "test_accuracy": accuracy,
                    "train_seconds": seconds,
                }
            )
            keras.backend.clear_session()
            if report is not None:
                report(
                    f"{variant:>12} seed {seed}: test MSE {history.final_test_mse:.4f}, "
                    f"accuracy {accuracy:.3f}, {seconds:.0f} s"
                )
    config = {
        "task": "adding",
        "variants": list(variants),
        "seeds": list(seeds),
        "seq_len": data.seq_len,
        "units": units,
        "n_train": n_train,
        "n_test": n_test,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": "Adam",
        "learning_rate": learning_rate,
        "data_seed": data_seed,
        "baseline_mse": ADDING_BASELINE_MSE,
        "tolerance": ADDING_TOLERANCE,
    }
    return {"config": config, "runs": runs}


def summarize_variants(result: dict[str, Any], *, solved_mse: float = SOLVED_MSE) -> Any:
    """One row per variant: parameters, final test MSE and accuracy (mean and std over seeds).

    Parameters
    ----------
    result
        From :func:`compare_variants`, or read back from its JSON file.
    solved_mse
        The test MSE counted as solved; the column ``solved_epoch`` is the mean first
        epoch below it over the seeds that reached it, ``solved`` how many seeds did.

    Returns
    -------
    pandas.DataFrame
        Indexed by variant (in the order of the runs), columns ``name``, ``params``,
        ``seeds``, ``test_mse_mean``, ``test_mse_std``, ``accuracy_mean``,
        ``accuracy_std``, ``solved``, ``solved_epoch``. Standard deviations are the
        sample standard deviation (``ddof=1``), NaN for a single seed.

    Raises
    ------
    TypeError
        If ``result`` is not a dict with a list of runs.
    ValueError
        If ``solved_mse`` is not positive.
    """
    import pandas as pd

    if not isinstance(result, dict) or not isinstance(result.get("runs"), list):
        raise TypeError("result must be a dict with a list of runs, from compare_variants")
    solved_mse = check_positive_number("solved_mse", solved_mse)
    rows = []
    for run in result["runs"]:
        below = [epoch for epoch, mse in enumerate(run["test_mse"], 1) if mse < solved_mse]
        rows.append(
            {
                "variant": run["variant"],
                "params": run["params"],
                "test_mse": run["test_mse"][-1],
                "accuracy": run["test_accuracy"],
                "solved_epoch": below[0] if below else np.nan,
            }
        )
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("variant", sort=False)
    summary = pd.DataFrame(
        {
            "name": [DISPLAY_NAMES[variant] for variant in grouped.groups],
            "params": grouped["params"].first(),
            "seeds": grouped.size(),
            "test_mse_mean": grouped["test_mse"].mean(),
            "test_mse_std": grouped["test_mse"].std(ddof=1),
            "accuracy_mean": grouped["accuracy"].mean(),
            "accuracy_std": grouped["accuracy"].std(ddof=1),
            "solved": grouped["solved_epoch"].count(),
            "solved_epoch": grouped["solved_epoch"].mean(),
        }
    )
    return summary


def mse_curves(result: dict[str, Any]) -> Any:
    """The test MSE after every epoch, per variant: mean, minimum and maximum over the seeds.

    Parameters
    ----------
    result
        From :func:`compare_variants`, or read back from its JSON file.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant``, ``epoch`` (from 1), ``mean``, ``min``, ``max``, one row per
        variant and epoch, variants in the order of the runs.

    Raises
    ------
    TypeError
        If ``result`` is not a dict with a list of runs.
    """
    import pandas as pd

    if not isinstance(result, dict) or not isinstance(result.get("runs"), list):
        raise TypeError("result must be a dict with a list of runs, from compare_variants")
    rows = [
        {"variant": run["variant"], "seed": run["seed"], "epoch": epoch, "test_mse": mse}
        for run in result["runs"]
        for epoch, mse in enumerate(run["test_mse"], start=1)
    ]
    frame = pd.DataFrame(rows)
    grouped = frame.groupby(["variant", "epoch"], sort=False)["test_mse"]
    return grouped.agg(["mean", "min", "max"]).reset_index()


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`compare_variants` from the command line and write its JSON result.

    Parameters
    ----------
    argv
        The arguments (``None``: ``sys.argv[1:]``); ``--help`` lists them.
    """
    parser = argparse.ArgumentParser(
        prog="python -m gru_companion.keras.variants",
        description="Train the GRU, the LSTM and three simplified cells on the adding problem.",
    )
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--out", default="book/data/gru_variants.json", help="JSON file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = compare_variants(
        variants=tuple(args.variants),
        seeds=tuple(range(check_positive_int("seeds", args.seeds))),
        epochs=args.epochs,
        seq_len=args.seq_len,
        units=args.units,
        n_train=args.n_train,
        n_test=args.n_test,
        report=print,
    )
    wall = time.perf_counter() - start
    record = {
        "command": command_line("python -m gru_companion.keras.variants", argv),
        "wall_seconds": round(wall, 1),
        "versions": package_versions(),
        "machine": machine_description(),
        **rounded_floats(result, 6),
    }
    out = write_result(args.out, record)
    print(f"wrote {out} ({out.stat().st_size:,} bytes) in {wall:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
