"""When ``keras.layers.GRU`` runs NVIDIA's fused cuDNN kernel, checked from its settings and mask.

With the TensorFlow backend, ``GRU.inner_loop`` (``keras/src/layers/rnn/gru.py``) first
tries ``backend.gru`` (``keras/src/backend/tensorflow/rnn.py``), which runs the whole
sequence in one cuDNN call, and falls back to the generic step-by-step loop
(``keras.layers.RNN``'s ``while_loop`` over the cell) when that is not possible. In
Keras 3.15 the fused kernel is tried when **all** of the following hold:

1. ``use_cudnn`` is ``"auto"`` (the default) or ``True`` (``True`` turns the fallback into
   an error);
2. ``recurrent_dropout == 0`` (input ``dropout`` is fine: one mask per sequence is applied
   to the inputs before the kernel runs);
3. ``activation`` is tanh and ``recurrent_activation`` is sigmoid, the library functions
   themselves (``keras.activations.tanh``, ``keras.ops.tanh`` or ``tf.tanh``; likewise
   for sigmoid), not a function of your own that computes the same thing;
4. ``unroll=False``;
5. ``use_bias=True``;
6. ``reset_after=True``: cuDNN implements only the form in which the reset gate scales
   ``h U_h + b'_h``, with separate input and recurrent biases;
7. a GPU is visible to TensorFlow;
8. at run time, the mask (if any) is strictly right-padded (every sequence's real steps
   come first, then only padding) and no sequence is fully masked.

This module checks conditions 1 to 6 from a layer's settings (they can be checked on any
machine) and condition 8 from a mask. Condition 7 is
``tf.config.list_logical_devices("GPU")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CudnnCondition:
    """One requirement of the cuDNN path and whether a layer meets it.

    Attributes
    ----------
    setting
        The layer setting the requirement is about, e.g. ``"reset_after"``.
    required
        What the fused kernel needs, in words.
    value
        The layer's value of the setting, as text.
    met
        Whether the layer meets the requirement.
    """

    setting: str
    required: str
    value: str
    met: bool


def _library_functions(name: str) -> tuple[Any, ...]:
    """The function objects Keras accepts as ``name`` ("tanh" or "sigmoid") for cuDNN."""
    import keras

    functions = [getattr(keras.activations, name), getattr(keras.ops, name)]
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        functions.append(getattr(tf, name))
    return tuple(functions)


def _function_name(function: Any) -> str:
    return getattr(function, "__name__", type(function).__name__)


def cudnn_conditions(layer: Any) -> list[CudnnCondition]:
    """The settings-based requirements of the cuDNN path, checked for ``layer``.

    Parameters
    ----------
    layer
        A ``keras.layers.GRU`` (built or not).

    Returns
    -------
    list of CudnnCondition
        Conditions 1 to 6 of the module's list, in that order.
    """
    import keras

    if not isinstance(layer, keras.layers.GRU):
        raise TypeError(f"layer must be a keras.layers.GRU, got {type(layer).__name__}")
    cell = layer.cell
    tanh, sigmoid = _library_functions("tanh"), _library_functions("sigmoid")
    return [
        CudnnCondition("use_cudnn", '"auto" or True', repr(layer.use_cudnn),
                       layer.use_cudnn in ("auto", True)),
        CudnnCondition("recurrent_dropout", "0", repr(cell.recurrent_dropout),
                       not cell.recurrent_dropout),
        CudnnCondition("activation", "the library tanh", _function_name(cell.activation),
                       any(cell.activation is f for f in tanh)),
        CudnnCondition("recurrent_activation", "the library sigmoid",
                       _function_name(cell.recurrent_activation),
                       any(cell.recurrent_activation is f for f in sigmoid)),
        CudnnCondition("unroll", "False", repr(layer.unroll), not layer.unroll),
        CudnnCondition("use_bias", "True", repr(cell.use_bias), bool(cell.use_bias)),
        CudnnCondition("reset_after", "True", repr(cell.reset_after), bool(cell.reset_after)),
    ]


def _check_mask(mask: Any) -> np.ndarray:
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"mask must be 2-D (batch, steps), got shape {array.shape}")
    if array.dtype != bool:
        raise TypeError(f"mask must hold booleans, got dtype {array.dtype}")
    return array


def is_right_padded(mask: Any) -> np.ndarray:
    """For each sequence of a mask, whether its real steps all come before its padding.

    Parameters
    ----------
    mask
        Booleans of shape (batch, steps), ``True`` where a step is real.

    Returns
    -------
    numpy.ndarray
        Booleans of shape (batch,). A row such as ``[True, True, False]`` is right-padded;
        ``[False, True, True]`` (left padding) and ``[True, False, True]`` are not. A row
        with no ``True`` counts as right-padded here (see :func:`cudnn_mask_ok`).
    """
    array = _check_mask(mask)
    lengths = array.sum(axis=1)
    expected = np.arange(array.shape[1])[None, :] < lengths[:, None]
    return np.all(array == expected, axis=1)


def cudnn_mask_ok(mask: Any) -> bool:
    """Whether the cuDNN kernel accepts ``mask``: every row right-padded, none all padding."""
    array = _check_mask(mask)
    return bool(is_right_padded(array).all() and array.any(axis=1).all())
