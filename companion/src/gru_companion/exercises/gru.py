r"""Exercises of the GRU's forward pass: one step in both of Keras's variants, and the whole layer.

Three checkers, each with its worked solution:

* :func:`check_gru_step`: the reader writes ``fn(x, h, kernel, recurrent_kernel, bias)
  -> h_new``, one step of ``keras.layers.GRU`` (``reset_after=True``, ``bias``
  (2, 3·units));
* :func:`check_gru_step_reset_before`: the same with ``reset_after=False`` (``bias``
  (3·units,));
* :func:`check_gru_layer`: ``fn(inputs, initial_state, kernel, recurrent_kernel, bias,
  return_sequences) -> outputs``, the layer over a batch of sequences.

Weights are laid out as Keras lays them out, blocks z, r, h along the columns: ``kernel``
(features, 3·units), ``recurrent_kernel`` (units, 3·units). The references are
:func:`gru_companion.scratch.gru.gru_step` and :class:`~gru_companion.scratch.gru.NumpyGRU`;
the known mistakes are the same cell with one thing changed (z and 1 − z swapped, the reset
gate on the other side of the product, PyTorch's block order, a bias left out, another
activation, the recurrent blocks transposed) and, for the layer, the loop over time done
wrong (the initial state ignored, the outputs shifted by one step, the steps read backwards).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from gru_companion.exercises.grading import (
    Case,
    Config,
    Exercise,
    Mistake,
    make_checker,
    standard_configs,
)
from gru_companion.scratch.activations import sigmoid
from gru_companion.scratch.gru import NumpyGRU, gru_step

#: The pre-activation of a saturated gate in the cases with saturated gates.
SATURATION = 30.0


# ------------------------------------------------------------------------------ solutions
def solution_gru_step(
    x: np.ndarray,
    h: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    r"""One step of ``keras.layers.GRU`` with ``reset_after=True``: the worked solution.

    .. math::

        z &= \sigma(x W_z + b_z + h U_z + b'_z) \\
        r &= \sigma(x W_r + b_r + h U_r + b'_r) \\
        \tilde h &= \tanh(x W_h + b_h + r \odot (h U_h + b'_h)) \\
        h_{new} &= z \odot h + (1 - z) \odot \tilde h

    Parameters
    ----------
    x
        The step's inputs, shape (batch, features).
    h
        The previous state, shape (batch, units).
    kernel
        :math:`[W_z | W_r | W_h]`, shape (features, 3·units).
    recurrent_kernel
        :math:`[U_z | U_r | U_h]`, shape (units, 3·units).
    bias
        Shape (2, 3·units): row 0 the input biases :math:`b`, row 1 the recurrent
        biases :math:`b'`, each in blocks z, r, h.

    Returns
    -------
    numpy.ndarray
        The new state, shape (batch, units), in the inputs' dtype.
    """
    units = h.shape[1]
    x_proj = x @ kernel + bias[0]  # the input's part of every block
    h_proj = h @ recurrent_kernel + bias[1]  # the state's part of every block
    x_z, x_r, x_h = x_proj[:, :units], x_proj[:, units : 2 * units], x_proj[:, 2 * units :]
    h_z, h_r, h_h = h_proj[:, :units], h_proj[:, units : 2 * units], h_proj[:, 2 * units :]
    z = 1 / (1 + np.exp(-(x_z + h_z)))  # update gate
    r = 1 / (1 + np.exp(-(x_r + h_r)))  # reset gate
    h_tilde = np.tanh(x_h + r * h_h)  # candidate: reset after the product
    return z * h + (1 - z) * h_tilde


def solution_gru_step_reset_before(
    x: np.ndarray,
    h: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    r"""One step of ``keras.layers.GRU`` with ``reset_after=False``: the worked solution.

    .. math::

        z &= \sigma(x W_z + h U_z + b_z) \\
        r &= \sigma(x W_r + h U_r + b_r) \\
        \tilde h &= \tanh(x W_h + (r \odot h) U_h + b_h) \\
        h_{new} &= z \odot h + (1 - z) \odot \tilde h

    Parameters
    ----------
    x, h, kernel, recurrent_kernel
        As in :func:`solution_gru_step`.
    bias
        :math:`[b_z | b_r | b_h]`, shape (3·units,): one bias per block.

    Returns
    -------
    numpy.ndarray
        The new state, shape (batch, units).
    """
    units = h.shape[1]
    W_z, W_r, W_h = kernel[:, :units], kernel[:, units : 2 * units], kernel[:, 2 * units :]
    U_z, U_r, U_h = (
        recurrent_kernel[:, :units],
        recurrent_kernel[:, units : 2 * units],
        recurrent_kernel[:, 2 * units :],
    )
    b_z, b_r, b_h = bias[:units], bias[units : 2 * units], bias[2 * units :]
    z = 1 / (1 + np.exp(-(x @ W_z + h @ U_z + b_z)))
    r = 1 / (1 + np.exp(-(x @ W_r + h @ U_r + b_r)))
    h_tilde = np.tanh(x @ W_h + (r * h) @ U_h + b_h)  # reset before the product
    return z * h + (1 - z) * h_tilde


def solution_gru_layer(
    inputs: np.ndarray,
    initial_state: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    return_sequences: bool,
) -> np.ndarray:
    """``keras.layers.GRU`` (``reset_after=True``) over a batch of sequences: the worked solution.

    Parameters
    ----------
    inputs
        The sequences, shape (batch, time, features).
    initial_state
        The state before the first step, shape (batch, units).
    kernel, recurrent_kernel, bias
        As in :func:`solution_gru_step`.
    return_sequences
        ``True``: return every step's state, shape (batch, time, units); ``False``: only
        the last, shape (batch, units).

    Returns
    -------
    numpy.ndarray
        The outputs, in the inputs' dtype.
    """
    h = initial_state
    outputs = []
    for t in range(inputs.shape[1]):
        h = solution_gru_step(inputs[:, t], h, kernel, recurrent_kernel, bias)
        outputs.append(h)
    return np.stack(outputs, axis=1) if return_sequences else h


# ----------------------------------------------------------------------------- references
def _reference_step(x, h, kernel, recurrent_kernel, bias) -> tuple[np.ndarray]:
    if bias.ndim == 2:  # reset_after=True: input and recurrent biases
        h_new, _ = gru_step(x @ kernel + bias[0], h, recurrent_kernel, bias[1], reset_after=True)
    else:
        h_new, _ = gru_step(x @ kernel + bias, h, recurrent_kernel, None, reset_after=False)
    return (h_new,)


def _reference_layer(inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences):
    layer = NumpyGRU(kernel, recurrent_kernel, bias, return_sequences=return_sequences)
    return (layer(inputs, initial_state=initial_state),)


# ------------------------------------------------------------------------------- mistakes
def _relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0)


def mistaken_gru_step(  # the reference's arguments, then one flag per mistake
    x: np.ndarray, h: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
    bias: np.ndarray, *, swap_z: bool = False, other_reset: bool = False,
    order: tuple[int, int, int] = (0, 1, 2), recurrent_bias: bool = True,
    bias_rows_swapped: bool = False, use_bias: bool = True,
    candidate: Callable[[np.ndarray], np.ndarray] = np.tanh,
    gate: Callable[[np.ndarray], np.ndarray] = sigmoid, transpose_blocks: bool = False,
) -> np.ndarray:
    """One GRU step with known mistakes switched on: what a mistaken reader computes.

    With every option at its default, this is the GRU step the exercises ask for (the
    variant is read from the bias's shape: (2, 3·units) ``reset_after=True``, (3·units,)
    ``reset_after=False``).

    Parameters
    ----------
    x, h, kernel, recurrent_kernel, bias
        As in :func:`solution_gru_step` or :func:`solution_gru_step_reset_before`.
    swap_z
        ``h_new = (1 - z) h + z h̃`` (Chung et al.'s convention).
    other_reset
        Apply the reset gate on the other side of the product with ``U_h``.
    order
        Which column block each of z, r, h reads: ``(1, 0, 2)`` is PyTorch's r, z, h.
    recurrent_bias
        ``False``: leave out row 1 of a (2, 3·units) bias.
    bias_rows_swapped
        Use row 1 of the bias as the input bias and row 0 as the recurrent one.
    use_bias
        ``False``: leave out every bias.
    candidate, gate
        The activations of the candidate and of the two gates.
    transpose_blocks
        Multiply the state by each block of the recurrent kernel transposed.
    """
    units = h.shape[1]
    blocks = [slice(i * units, (i + 1) * units) for i in order]
    two_rows = bias.ndim == 2
    if two_rows:
        b, b2 = (bias[1], bias[0]) if bias_rows_swapped else (bias[0], bias[1])
        b2 = b2 if recurrent_bias else np.zeros_like(b2)
    else:
        b, b2 = bias, np.zeros_like(bias)
    if not use_bias:
        b, b2 = np.zeros_like(b), np.zeros_like(b2)

    def U(block: slice) -> np.ndarray:
        u = recurrent_kernel[:, block]
        return u.T if transpose_blocks else u

    s_z, s_r, s_h = blocks
    z = gate(x @ kernel[:, s_z] + b[s_z] + h @ U(s_z) + b2[s_z])
    r = gate(x @ kernel[:, s_r] + b[s_r] + h @ U(s_r) + b2[s_r])
    reset_after = two_rows != other_reset
    if reset_after:
        a_h = x @ kernel[:, s_h] + b[s_h] + r * (h @ U(s_h) + b2[s_h])
    else:
        a_h = x @ kernel[:, s_h] + b[s_h] + (r * h) @ U(s_h) + b2[s_h]
    h_tilde = candidate(a_h)
    return (1 - z) * h + z * h_tilde if swap_z else z * h + (1 - z) * h_tilde


#: The mistakes shared by both variants of the step: (key, cause, options).
_STEP_MISTAKES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "z_swapped",
        "z and 1 - z swapped: Keras keeps the old state with z, "
        "h_new = z * h + (1 - z) * h_tilde (Chung et al. write it the other way round)",
        {"swap_z": True},
    ),
    (
        "pytorch_order",
        "the blocks read in PyTorch's order r, z, h instead of Keras's z, r, h "
        "(the first block of the columns is the update gate z)",
        {"order": (1, 0, 2)},
    ),
    (
        "candidate_sigmoid",
        "the wrong activation: the candidate h_tilde goes through tanh, not the sigmoid",
        {"candidate": sigmoid},
    ),
    (
        "candidate_relu",
        "the wrong activation: the candidate h_tilde goes through tanh, not relu",
        {"candidate": _relu},
    ),
    (
        "gates_tanh",
        "the wrong activation: the gates z and r go through the sigmoid, not tanh",
        {"gate": np.tanh},
    ),
    (
        "transposed_blocks",
        "a transposed weight: each block U_z, U_r, U_h of the recurrent kernel is used "
        "transposed; the state (batch, units) multiplies the block as stored, h @ U_z",
        {"transpose_blocks": True},
    ),
)

_RESET_AFTER_MISTAKES = (
    (
        "reset_before",
        "the reset gate applied before the product, (r * h) @ U_h, instead of after it, "
        "r * (h @ U_h + b'_h), as reset_after=True asks",
        {"other_reset": True},
    ),
    (
        "recurrent_bias_left_out",
        "the recurrent bias left out: with reset_after=True, bias[1] (b') is added to "
        "h @ U in every block, inside the reset gate's product for the candidate",
        {"recurrent_bias": False},
    ),
    (
        "bias_rows_swapped",
        "the two rows of the bias swapped: bias[0] is the input bias (added to x @ W), "
        "bias[1] the recurrent one (added to h @ U, inside the reset gate's product)",
        {"bias_rows_swapped": True},
    ),
)

_RESET_BEFORE_MISTAKES = (
    (
        "reset_after",
        "the reset gate applied after the product, r * (h @ U_h), instead of before it, "
        "(r * h) @ U_h, as reset_after=False asks",
        {"other_reset": True},
    ),
    (
        "bias_left_out",
        "the bias left out: each block adds its bias b_z, b_r, b_h",
        {"use_bias": False},
    ),
)


def _step_mistakes(reset_after: bool) -> tuple[Mistake, ...]:
    own = _RESET_AFTER_MISTAKES if reset_after else _RESET_BEFORE_MISTAKES
    ordered = (_STEP_MISTAKES[0], own[0], *_STEP_MISTAKES[1:], *own[1:])

    def compute(options: dict[str, Any], *args: Any) -> tuple[np.ndarray]:
        return (mistaken_gru_step(*args, **options),)

    return tuple(Mistake(key, cause, partial(compute, options)) for key, cause, options in ordered)


# ---------------------------------------------------------------------------------- cases
def gru_weights(
    rng: np.random.Generator, config: Config, *, reset_after: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random GRU weights for a case: ``(kernel, recurrent_kernel, bias)`` in the case's dtype.

    With ``config.saturated`` the gates' biases are ±:data:`SATURATION`, so every gate is
    0 or 1 to float precision.
    """
    m, n, dtype = config.features, config.units, config.dtype
    kernel = rng.normal(0.0, 0.6, size=(m, 3 * n))
    recurrent_kernel = rng.normal(0.0, 0.6, size=(n, 3 * n))
    bias = rng.normal(0.0, 0.5, size=(2, 3 * n) if reset_after else (3 * n,))
    if config.saturated:
        gates = SATURATION * rng.choice([-1.0, 1.0], size=2 * n)
        if reset_after:
            bias[0, : 2 * n] = gates
        else:
            bias[: 2 * n] = gates
    return kernel.astype(dtype), recurrent_kernel.astype(dtype), bias.astype(dtype)


def gru_step_cases(seed: int, *, reset_after: bool, with_gradient: bool = False) -> list[Case]:
    """The seeded cases of the GRU-step exercises: ``x``, ``h`` and the weights per case.

    With ``with_gradient``, each case also holds ``d_h_new`` (batch, units), the gradient
    of a loss with respect to the new state, for the backward-pass exercise.
    """
    cases = []
    for number, config in enumerate(standard_configs(seed), start=1):
        rng = np.random.default_rng([seed, number])
        x = rng.normal(size=(config.batch, config.features)).astype(config.dtype)
        h = rng.uniform(-1, 1, size=(config.batch, config.units)).astype(config.dtype)
        if config.zero_state:
            h = np.zeros_like(h)
        kernel, recurrent_kernel, bias = gru_weights(rng, config, reset_after=reset_after)
        inputs = {"x": x, "h": h, "kernel": kernel, "recurrent_kernel": recurrent_kernel,
                  "bias": bias}  # fmt: skip
        if with_gradient:
            inputs["d_h_new"] = rng.normal(size=(config.batch, config.units)).astype(config.dtype)
        cases.append(Case(number, config.describe(), inputs, tuple(config.tags())))
    return cases


def _layer_cases(seed: int) -> list[Case]:
    cases = []
    for number, config in enumerate(standard_configs(seed), start=1):
        rng = np.random.default_rng([seed, number])
        steps = 1 if number in (1, 4, 9) else int(rng.integers(2, 6))
        return_sequences = number % 2 == 1
        inputs = rng.normal(size=(config.batch, steps, config.features)).astype(config.dtype)
        h0 = rng.uniform(-1, 1, size=(config.batch, config.units)).astype(config.dtype)
        if config.zero_state:
            h0 = np.zeros_like(h0)
        kernel, recurrent_kernel, bias = gru_weights(rng, config)
        tags = [*config.tags(), f"return_sequences={return_sequences}"]
        tags += ["one time step"] if steps == 1 else []
        description = (
            f"{config.describe()}, {steps} time step{'s' if steps > 1 else ''}, "
            f"return_sequences={return_sequences}"
        )
        arguments = {"inputs": inputs, "initial_state": h0, "kernel": kernel,
                     "recurrent_kernel": recurrent_kernel, "bias": bias,
                     "return_sequences": return_sequences}  # fmt: skip
        cases.append(Case(number, description, arguments, tuple(tags)))
    return cases


# -------------------------------------------------------------------------- layer mistakes
def mistaken_gru_layer(
    inputs: np.ndarray,
    initial_state: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    return_sequences: bool,
    *,
    ignore_initial_state: bool = False,
    shifted: bool = False,
    backwards: bool = False,
    **step_options: Any,
) -> np.ndarray:
    """The GRU layer with known mistakes switched on (the defaults: the right layer).

    Parameters
    ----------
    inputs, initial_state, kernel, recurrent_kernel, bias, return_sequences
        As in :func:`solution_gru_layer`.
    ignore_initial_state
        Start from zeros whatever the initial state.
    shifted
        Return the state *before* each step (the initial state first, the last step's new
        state left out).
    backwards
        Read the steps from the last to the first.
    **step_options
        Mistakes of the step, as :func:`mistaken_gru_step` takes them.
    """
    h = np.zeros_like(initial_state) if ignore_initial_state else initial_state
    steps = range(inputs.shape[1])
    outputs = []
    for t in reversed(steps) if backwards else steps:
        before = h
        h = mistaken_gru_step(inputs[:, t], h, kernel, recurrent_kernel, bias, **step_options)
        outputs.append(before if shifted else h)
    if return_sequences:
        return np.stack(outputs, axis=1)
    return outputs[-1]


_LAYER_MISTAKES = (
    (
        "initial_state_ignored",
        "the initial state ignored: the first step reads initial_state, not zeros",
        {"ignore_initial_state": True},
    ),
    (
        "outputs_shifted",
        "the outputs shifted by one step: each output is the state after its step "
        "(h_1 ... h_T), not before it (h_0 ... h_(T-1))",
        {"shifted": True},
    ),
    (
        "steps_reversed",
        "the steps read backwards: the layer reads the sequence from t = 0 to the last step",
        {"backwards": True},
    ),
)


def _layer_mistakes() -> tuple[Mistake, ...]:
    step_mistakes = (_STEP_MISTAKES[0], _RESET_AFTER_MISTAKES[0], *_STEP_MISTAKES[1:],
                     *_RESET_AFTER_MISTAKES[1:])  # fmt: skip

    def compute(options: dict[str, Any], *args: Any) -> tuple[np.ndarray]:
        return (mistaken_gru_layer(*args, **options),)

    return tuple(
        Mistake(key, cause, partial(compute, options))
        for key, cause, options in (*_LAYER_MISTAKES, *step_mistakes)
    )


# ------------------------------------------------------------------------------- checkers
_STEP = ("x", "h", "kernel", "recurrent_kernel", "bias")



def _step_exercise(reset_after: bool) -> Exercise:
    """The exercise of one GRU step in either form of the candidate."""
    return Exercise(
        checker="check_gru_step" if reset_after else "check_gru_step_reset_before",
        task=f"the companion's GRU step (reset_after={reset_after})",
        parameters=_STEP,
        outputs=("h_new",),
        output_shapes=("(batch, units)",),
        reference=_reference_step,
        cases=partial(gru_step_cases, reset_after=reset_after),
        mistakes=_step_mistakes(reset_after=reset_after),
    )


GRU_STEP = _step_exercise(reset_after=True)
GRU_STEP_RESET_BEFORE = _step_exercise(reset_after=False)

GRU_LAYER = Exercise(
    checker="check_gru_layer",
    task="the companion's NumpyGRU",
    parameters=("inputs", "initial_state", "kernel", "recurrent_kernel", "bias",
                "return_sequences"),  # fmt: skip
    outputs=("outputs",),
    output_shapes=("(batch, time, units) with return_sequences, else (batch, units)",),
    reference=_reference_layer,
    cases=_layer_cases,
    mistakes=_layer_mistakes(),
)


check_gru_step = make_checker(
    GRU_STEP,
    __name__,
    "Grade a GRU step with ``reset_after=True``, the Keras default.",
    (
        "The reader's ``fn(x, h, kernel, recurrent_kernel, bias) -> h_new``: ``x`` "
        "(batch, features), ``h`` (batch, units), ``kernel`` (features, 3·units), "
        "``recurrent_kernel`` (units, 3·units), ``bias`` (2, 3·units) (row 0 input "
        "biases, row 1 recurrent biases), blocks z, r, h; ``h_new`` (batch, units) in "
        "the inputs' dtype. It must not change its arguments."
    ),
)


check_gru_step_reset_before = make_checker(
    GRU_STEP_RESET_BEFORE,
    __name__,
    "Grade a GRU step with ``reset_after=False`` (the reset gate before the product).",
    (
        "The reader's ``fn(x, h, kernel, recurrent_kernel, bias) -> h_new``, as for "
        ":func:`check_gru_step` but with one bias per block, ``bias`` (3·units,)."
    ),
)


check_gru_layer = make_checker(
    GRU_LAYER,
    __name__,
    "Grade a GRU layer (``reset_after=True``) run over a batch of sequences.",
    (
        "The reader's ``fn(inputs, initial_state, kernel, recurrent_kernel, bias, "
        "return_sequences) -> outputs``: ``inputs`` (batch, time, features), "
        "``initial_state`` (batch, units), the weights as for :func:`check_gru_step`, "
        "``return_sequences`` a bool; ``outputs`` (batch, time, units) with "
        "``return_sequences=True`` (every step's new state), else (batch, units) (the "
        "last one)."
    ),
)
