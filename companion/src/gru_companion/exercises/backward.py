r"""The exercise of backpropagation through one GRU step: every gradient, graded.

The reader writes the backward pass of one step of ``keras.layers.GRU`` with
``reset_after=True`` as one self-contained function: it takes the step's arguments and
the gradient of the loss with respect to the new state, and returns the gradients with
respect to every argument, in the order of the arguments::

    fn(x, h, kernel, recurrent_kernel, bias, d_h_new)
        -> (dx, dh, d_kernel, d_recurrent_kernel, d_bias)

``dx`` has the shape of ``x`` (batch, features), ``dh`` of ``h`` (batch, units),
``d_kernel`` (features, 3·units), ``d_recurrent_kernel`` (units, 3·units) and ``d_bias``
(2, 3·units): each gradient has the shape of what it is the gradient of, summed over the
batch for the weights. (Recomputing the forward step inside the function is part of the
exercise.) The reference is :func:`gru_companion.scratch.gru.gru_step_backward` after
:func:`~gru_companion.scratch.gru.gru_step`; the known mistakes are the exact gradients of
a mistaken forward step (z and 1 − z swapped, the reset gate before the product, PyTorch's
block order) and slips of the backward pass itself (the recurrent bias left out of the
reset gate's gradient, the derivative of the wrong activation, the direct path
:math:`\partial L / \partial h_{new} \odot z` left out, the recurrent blocks not
transposed on the way back).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from gru_companion.exercises.grading import (
    Exercise,
    Mistake,
    make_checker,
)
from gru_companion.exercises.gru import gru_step_cases
from gru_companion.scratch.gru import gru_step, gru_step_backward

#: The names of the five gradients, in the order the reader's function returns them.
GRADIENTS = ("dx", "dh", "d_kernel", "d_recurrent_kernel", "d_bias")


def solution_gru_step_backward(
    x: np.ndarray,
    h: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    d_h_new: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The gradients of one GRU step (``reset_after=True``): the worked solution.

    The forward step is recomputed, then the chain rule runs backwards through
    :math:`h_{new} = z \odot h + (1 - z) \odot \tilde h`, the activations
    (:math:`\sigma' = \sigma(1 - \sigma)`, :math:`\tanh' = 1 - \tanh^2`) and the products.

    Parameters
    ----------
    x, h, kernel, recurrent_kernel, bias
        The step's arguments, as for
        :func:`~gru_companion.exercises.gru.solution_gru_step`.
    d_h_new
        :math:`\partial L / \partial h_{new}`, shape (batch, units).

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx, dh, d_kernel, d_recurrent_kernel, d_bias)``: the gradients of the loss with
        respect to each argument, each of that argument's shape.
    """
    n = h.shape[1]
    # forward, keeping what the backward pass needs
    x_proj = x @ kernel + bias[0]
    h_proj = h @ recurrent_kernel + bias[1]
    z = 1 / (1 + np.exp(-(x_proj[:, :n] + h_proj[:, :n])))
    r = 1 / (1 + np.exp(-(x_proj[:, n : 2 * n] + h_proj[:, n : 2 * n])))
    q = h_proj[:, 2 * n :]  # h U_h + b'_h, which the reset gate multiplies
    h_tilde = np.tanh(x_proj[:, 2 * n :] + r * q)
    # backward through h_new = z * h + (1 - z) * h_tilde
    dh = d_h_new * z  # the direct path
    dz = d_h_new * (h - h_tilde)
    d_h_tilde = d_h_new * (1 - z)
    da_h = d_h_tilde * (1 - h_tilde**2)  # through tanh
    da_z = dz * z * (1 - z)  # through the sigmoid
    da_r = da_h * q * r * (1 - r)
    dq = da_h * r
    d_x_proj = np.concatenate([da_z, da_r, da_h], axis=1)  # gradient of x W + b
    d_h_proj = np.concatenate([da_z, da_r, dq], axis=1)  # gradient of h U + b'
    dx = d_x_proj @ kernel.T
    dh = dh + d_h_proj @ recurrent_kernel.T
    d_kernel = x.T @ d_x_proj
    d_recurrent_kernel = h.T @ d_h_proj
    d_bias = np.stack([d_x_proj.sum(axis=0), d_h_proj.sum(axis=0)])
    return dx, dh, d_kernel, d_recurrent_kernel, d_bias


def _reference(x, h, kernel, recurrent_kernel, bias, d_h_new) -> tuple[np.ndarray, ...]:
    _, cache = gru_step(x @ kernel + bias[0], h, recurrent_kernel, bias[1], reset_after=True)
    d_x_proj, dh, d_recurrent_kernel, d_recurrent_bias = gru_step_backward(
        d_h_new, cache, recurrent_kernel, bias[1], reset_after=True
    )
    d_bias = np.stack([d_x_proj.sum(axis=0), d_recurrent_bias])
    return d_x_proj @ kernel.T, dh, x.T @ d_x_proj, d_recurrent_kernel, d_bias


def mistaken_gru_step_backward(  # the reference's arguments, then one flag per mistake
    x: np.ndarray, h: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
    bias: np.ndarray, d_h_new: np.ndarray, *, swap_z: bool = False, reset_before: bool = False,
    order: tuple[int, int, int] = (0, 1, 2), q_without_bias: bool = False,
    tanh_derivative_as_sigmoid: bool = False, sigmoid_derivative_as_tanh: bool = False,
    no_direct_path: bool = False, untransposed_blocks: bool = False,
) -> tuple[np.ndarray, ...]:
    """The gradients of one GRU step with known mistakes switched on (defaults: the right ones).

    Parameters
    ----------
    x, h, kernel, recurrent_kernel, bias, d_h_new
        As in :func:`solution_gru_step_backward`.
    swap_z
        The exact gradients of ``h_new = (1 - z) h + z h̃``.
    reset_before
        The exact gradients of the candidate ``tanh(x W_h + b_h + (r h) U_h + b'_h)``.
    order
        Which column block each of z, r, h reads (``(1, 0, 2)``: PyTorch's r, z, h).
    q_without_bias
        Leave ``b'_h`` out of ``q = h U_h + b'_h`` in the reset gate's gradient.
    tanh_derivative_as_sigmoid
        Use ``h̃ (1 - h̃)`` for the derivative of tanh.
    sigmoid_derivative_as_tanh
        Use ``1 - g²`` for the derivative of the gates' sigmoid.
    no_direct_path
        Leave ``d_h_new * z`` out of ``dh``.
    untransposed_blocks
        Send the gradient back to ``h`` through each recurrent block not transposed.
    """
    n = h.shape[1]
    s_z, s_r, s_h = (slice(i * n, (i + 1) * n) for i in order)
    U = recurrent_kernel
    x_proj = x @ kernel + bias[0]
    h_proj = h @ U + bias[1]
    z = 1 / (1 + np.exp(-(x_proj[:, s_z] + h_proj[:, s_z])))
    r = 1 / (1 + np.exp(-(x_proj[:, s_r] + h_proj[:, s_r])))
    q = h_proj[:, s_h]
    if reset_before:
        h_tilde = np.tanh(x_proj[:, s_h] + (r * h) @ U[:, s_h] + bias[1][s_h])
    else:
        h_tilde = np.tanh(x_proj[:, s_h] + r * q)
    if swap_z:
        direct, dz, d_h_tilde = d_h_new * (1 - z), d_h_new * (h_tilde - h), d_h_new * z
    else:
        direct, dz, d_h_tilde = d_h_new * z, d_h_new * (h - h_tilde), d_h_new * (1 - z)
    if tanh_derivative_as_sigmoid:
        da_h = d_h_tilde * h_tilde * (1 - h_tilde)
    else:
        da_h = d_h_tilde * (1 - h_tilde**2)

    def gate_derivative(g: np.ndarray) -> np.ndarray:
        return 1 - g**2 if sigmoid_derivative_as_tanh else g * (1 - g)

    da_z = dz * gate_derivative(z)

    def back(d: np.ndarray, block: slice) -> np.ndarray:
        u = U[:, block]
        return d @ (u if untransposed_blocks else u.T)

    d_x_proj = np.empty_like(x_proj)
    d_h_proj = np.empty_like(h_proj)
    dh = np.zeros_like(h) if no_direct_path else direct
    d_recurrent_kernel = np.empty_like(U)
    if reset_before:
        g = back(da_h, s_h)  # gradient of r * h
        da_r = g * h * gate_derivative(r)
        dh = dh + g * r
        d_recurrent_kernel[:, s_h] = (r * h).T @ da_h
        d_h_proj[:, s_h] = da_h  # the recurrent bias b'_h is added after the product
    else:
        q_used = h @ U[:, s_h] if q_without_bias else q
        da_r = da_h * q_used * gate_derivative(r)
        dq = da_h * r
        dh = dh + back(dq, s_h)
        d_recurrent_kernel[:, s_h] = h.T @ dq
        d_h_proj[:, s_h] = dq
    dh = dh + back(da_z, s_z) + back(da_r, s_r)
    for block, d in ((s_z, da_z), (s_r, da_r)):
        d_recurrent_kernel[:, block] = h.T @ d
        d_h_proj[:, block] = d
    for block, d in ((s_z, da_z), (s_r, da_r), (s_h, da_h)):
        d_x_proj[:, block] = d
    d_bias = np.stack([d_x_proj.sum(axis=0), d_h_proj.sum(axis=0)])
    return d_x_proj @ kernel.T, dh, x.T @ d_x_proj, d_recurrent_kernel, d_bias


_MISTAKES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "z_swapped",
        "the gradients of a step with z and 1 - z swapped: h_new = z * h + (1 - z) * h_tilde "
        "sends d_h_new * z straight to h, d_h_new * (1 - z) into h_tilde and "
        "d_h_new * (h - h_tilde) into z",
        {"swap_z": True},
    ),
    (
        "no_direct_path",
        "the direct path left out of dh: h_new = z * h + ... sends d_h_new * z straight "
        "back to h, besides what flows through the gates and the candidate",
        {"no_direct_path": True},
    ),
    (
        "reset_before",
        "the gradients of the reset gate applied before the product, (r * h) @ U_h; with "
        "reset_after=True the candidate is tanh(x W_h + b_h + r * (h @ U_h + b'_h))",
        {"reset_before": True},
    ),
    (
        "pytorch_order",
        "the blocks read in PyTorch's order r, z, h instead of Keras's z, r, h",
        {"order": (1, 0, 2)},
    ),
    (
        "recurrent_bias_left_out",
        "the recurrent bias left out of q = h @ U_h + b'_h, the value the reset gate "
        "multiplies: d a_r = d a_h * q * r * (1 - r)",
        {"q_without_bias": True},
    ),
    (
        "tanh_derivative",
        "the derivative of the wrong activation for the candidate: tanh' = 1 - h_tilde**2, "
        "not h_tilde * (1 - h_tilde) (the sigmoid's)",
        {"tanh_derivative_as_sigmoid": True},
    ),
    (
        "sigmoid_derivative",
        "the derivative of the wrong activation for the gates: sigmoid' = z * (1 - z), "
        "not 1 - z**2 (tanh's)",
        {"sigmoid_derivative_as_tanh": True},
    ),
    (
        "untransposed_blocks",
        "a weight not transposed on the way back: the gradient reaches h through each block "
        "as d_a @ U_block.T (the forward pass computed h @ U_block)",
        {"untransposed_blocks": True},
    ),
)


def _compute(options: dict[str, Any], *args: Any) -> tuple[np.ndarray, ...]:
    return mistaken_gru_step_backward(*args, **options)


GRU_STEP_BACKWARD = Exercise(
    checker="check_gru_step_backward",
    task="the companion's gradients of a GRU step",
    parameters=("x", "h", "kernel", "recurrent_kernel", "bias", "d_h_new"),
    outputs=GRADIENTS,
    output_shapes=("(batch, features)", "(batch, units)", "(features, 3·units)",
                   "(units, 3·units)", "(2, 3·units)"),  # fmt: skip
    reference=_reference,
    cases=partial(gru_step_cases, reset_after=True, with_gradient=True),
    mistakes=Mistake.table(_MISTAKES, _compute),
)


check_gru_step_backward = make_checker(
    GRU_STEP_BACKWARD,
    __name__,
    "Grade the backward pass of one GRU step (``reset_after=True``): all five gradients.",
    (
        "The reader's ``fn(x, h, kernel, recurrent_kernel, bias, d_h_new) -> (dx, dh, "
        "d_kernel, d_recurrent_kernel, d_bias)``: the step's arguments as for "
        ":func:`~gru_companion.exercises.gru.check_gru_step` and the gradient of the "
        "loss with respect to the new state, ``d_h_new`` (batch, units); the gradients "
        "with respect to ``x``, ``h``, ``kernel``, ``recurrent_kernel`` and ``bias``, "
        "each of the shape of what it is the gradient of (a dict with these five names "
        "is accepted too). It must not change its arguments."
    ),
)
