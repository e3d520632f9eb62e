"""How papers and libraries write the GRU, and how their weights map onto Keras's.

The GRU appears in several forms that look different on paper:

=====================  ===========  ==============================  ==================
source                 gate order   new state                       reset gate applied
=====================  ===========  ==============================  ==================
Keras ``reset_after``  z, r, h      z·h₋₁ + (1 − z)·h̃               after U_h (2 biases)
Keras, reset before    z, r, h      z·h₋₁ + (1 − z)·h̃               before U_h (1 bias)
Cho et al. 2014        z, r         z·h₋₁ + (1 − z)·h̃               v1: after, v3: before
Chung et al. 2014      z, r         (1 − z)·h₋₁ + z·h̃               before U
PyTorch ``nn.GRU``     r, z, n      (1 − z)·n + z·h₋₁               after W_hn (2 biases)
cuDNN                  r, z, h'     (1 − z)·h' + z·h₋₁              after R_h (2 biases)
=====================  ===========  ==============================  ==================

This module writes the two forms that differ from Keras in more than notation, Chung et
al.'s and PyTorch's, as plain NumPy steps, and converts weights between them and Keras's
layout. The book uses them to show, by computation, that

* Chung et al.'s GRU is Keras's ``reset_after=False`` GRU with z replaced by 1 − z, which
  is the same as negating the update gate's weights and bias, since 1 − σ(a) = σ(−a);
* PyTorch's ``nn.GRU`` is Keras's ``reset_after=True`` GRU with its gate blocks reordered
  (r, z, n instead of z, r, h) and its matrices transposed.

All weights here are NumPy arrays; no deep-learning library is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.scratch.activations import sigmoid


def _split_blocks(matrix: np.ndarray, name: str, blocks: int = 3) -> list[np.ndarray]:
    """Split the last axis of ``matrix`` into ``blocks`` equal gate blocks."""
    width = matrix.shape[-1]
    if width % blocks:
        raise ValueError(
            f"{name} must have a last axis of {blocks}·units; got shape {matrix.shape}"
        )
    return np.split(matrix, blocks, axis=-1)


def _check_keras_gru_weights(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray, *, reset_after: bool
) -> int:
    """Check the shapes of Keras GRU weights and return the number of units."""
    for name, array in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel)):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(array).__name__}")
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    units = recurrent_kernel.shape[0]
    if recurrent_kernel.shape != (units, 3 * units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, 3·units); got {recurrent_kernel.shape}"
        )
    if kernel.shape[1] != 3 * units:
        raise ValueError(
            f"kernel must have shape (features, {3 * units}) for {units} units; "
            f"got {kernel.shape}"
        )
    expected_bias = (2, 3 * units) if reset_after else (3 * units,)
    if not isinstance(bias, np.ndarray) or bias.shape != expected_bias:
        shape = getattr(bias, "shape", type(bias).__name__)
        raise ValueError(
            f"bias must have shape {expected_bias} (reset_after={reset_after}); got {shape}"
        )
    return units


# --- Chung et al. (2014) -------------------------------------------------------------------


def chung_gru_step(
    x: np.ndarray,
    h_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    """One step of the GRU as Chung et al. (2014) write it, gate blocks [z | r | h].

    Chung et al. interpolate the other way round from Keras: ``z`` weights the *new*
    content.

    .. math::

        z &= \\sigma(x W_z + h_{t-1} U_z + b_z) \\\\
        r &= \\sigma(x W_r + h_{t-1} U_r + b_r) \\\\
        \\tilde h &= \\tanh(x W_h + (r \\odot h_{t-1}) U_h + b_h) \\\\
        h_t &= (1 - z) \\odot h_{t-1} + z \\odot \\tilde h

    Parameters
    ----------
    x
        Inputs at this step, shape (batch, features).
    h_prev
        Previous state, shape (batch, units).
    kernel, recurrent_kernel, bias
        Weights in Keras's layout for ``reset_after=False``: (features, 3·units),
        (units, 3·units) and (3·units,).

    Returns
    -------
    numpy.ndarray
        The new state, shape (batch, units).
    """
    _check_keras_gru_weights(kernel, recurrent_kernel, bias, reset_after=False)
    W_z, W_r, W_h = _split_blocks(kernel, "kernel")
    U_z, U_r, U_h = _split_blocks(recurrent_kernel, "recurrent_kernel")
    b_z, b_r, b_h = _split_blocks(bias, "bias")
    z = sigmoid(x @ W_z + h_prev @ U_z + b_z)
    r = sigmoid(x @ W_r + h_prev @ U_r + b_r)
    h_tilde = np.tanh(x @ W_h + (r * h_prev) @ U_h + b_h)
    return (1 - z) * h_prev + z * h_tilde


def chung_to_keras(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights of Chung et al.'s GRU as weights of Keras's ``reset_after=False`` GRU.

    Since 1 − σ(a) = σ(−a), Chung's update gate z equals 1 − z' for the Keras gate z'
    computed from the negated weights. Negating the z block of the kernel, the recurrent
    kernel and the bias therefore gives a Keras GRU that computes exactly the same
    function. The conversion is its own inverse.

    Returns
    -------
    tuple of numpy.ndarray
        ``(kernel, recurrent_kernel, bias)`` with the z block negated (new arrays).
    """
    units = _check_keras_gru_weights(kernel, recurrent_kernel, bias, reset_after=False)
    converted = []
    for array in (kernel, recurrent_kernel, bias):
        flipped = array.copy()
        flipped[..., :units] *= -1
        converted.append(flipped)
    return converted[0], converted[1], converted[2]


# --- PyTorch nn.GRU --------------------------------------------------------------------

#: Position of each Keras gate block (z, r, h) in PyTorch's order (r, z, n).
_PYTORCH_ORDER = (1, 0, 2)


@dataclass(frozen=True)
class PyTorchGRUWeights:
    """The weights of one layer of PyTorch's ``nn.GRU``, as NumPy arrays.

    Attributes
    ----------
    weight_ih
        ``weight_ih_l0``: input weights, shape (3·units, features), blocks [r | z | n].
    weight_hh
        ``weight_hh_l0``: recurrent weights, shape (3·units, units), blocks [r | z | n].
    bias_ih
        ``bias_ih_l0``: input biases, shape (3·units,).
    bias_hh
        ``bias_hh_l0``: recurrent biases, shape (3·units,).
    """

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray
    bias_hh: np.ndarray


def keras_to_pytorch(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> PyTorchGRUWeights:
    """Convert Keras ``reset_after=True`` GRU weights to PyTorch's ``nn.GRU`` layout.

    Keras stores blocks [z | r | h] along the columns of (features, 3·units) matrices;
    PyTorch stores blocks [r | z | n] along the rows of (3·units, features) matrices. The
    bias rows (input, recurrent) become ``bias_ih`` and ``bias_hh``.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        Keras weights: (features, 3·units), (units, 3·units), (2, 3·units).
    """
    _check_keras_gru_weights(kernel, recurrent_kernel, bias, reset_after=True)

    def reorder(matrix: np.ndarray, name: str) -> np.ndarray:
        blocks = _split_blocks(matrix, name)
        return np.concatenate([blocks[i] for i in _PYTORCH_ORDER], axis=-1)

    return PyTorchGRUWeights(
        weight_ih=reorder(kernel, "kernel").T.copy(),
        weight_hh=reorder(recurrent_kernel, "recurrent_kernel").T.copy(),
        bias_ih=reorder(bias[0], "bias"),
        bias_hh=reorder(bias[1], "bias"),
    )


def pytorch_to_keras(weights: PyTorchGRUWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert PyTorch ``nn.GRU`` weights to Keras's ``reset_after=True`` layout.

    The inverse of :func:`keras_to_pytorch`: ``(kernel, recurrent_kernel, bias)``.
    """
    if not isinstance(weights, PyTorchGRUWeights):
        raise TypeError(f"weights must be PyTorchGRUWeights, got {type(weights).__name__}")

    def reorder(matrix: np.ndarray, name: str) -> np.ndarray:
        # (r, z, n) -> (z, r, h): swapping the first two blocks is its own inverse.
        blocks = _split_blocks(matrix, name)
        return np.concatenate([blocks[i] for i in _PYTORCH_ORDER], axis=-1)

    kernel = reorder(weights.weight_ih.T, "weight_ih")
    recurrent_kernel = reorder(weights.weight_hh.T, "weight_hh")
    bias = np.stack([reorder(weights.bias_ih, "bias_ih"), reorder(weights.bias_hh, "bias_hh")])
    _check_keras_gru_weights(kernel, recurrent_kernel, bias, reset_after=True)
    return kernel, recurrent_kernel, bias


def pytorch_gru_step(x: np.ndarray, h_prev: np.ndarray, weights: PyTorchGRUWeights) -> np.ndarray:
    """One step of PyTorch's ``nn.GRU``, as its documentation writes it.

    .. math::

        r &= \\sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\\\
        z &= \\sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\\\
        n &= \\tanh(W_{in} x + b_{in} + r \\odot (W_{hn} h + b_{hn})) \\\\
        h' &= (1 - z) \\odot n + z \\odot h

    Parameters
    ----------
    x
        Inputs at this step, shape (batch, features).
    h_prev
        Previous state, shape (batch, units).
    weights
        The layer's weights in PyTorch's layout.

    Returns
    -------
    numpy.ndarray
        The new state, shape (batch, units).
    """
    if not isinstance(weights, PyTorchGRUWeights):
        raise TypeError(f"weights must be PyTorchGRUWeights, got {type(weights).__name__}")
    W_ir, W_iz, W_in = np.split(weights.weight_ih, 3, axis=0)
    W_hr, W_hz, W_hn = np.split(weights.weight_hh, 3, axis=0)
    b_ir, b_iz, b_in = np.split(weights.bias_ih, 3)
    b_hr, b_hz, b_hn = np.split(weights.bias_hh, 3)
    r = sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev
