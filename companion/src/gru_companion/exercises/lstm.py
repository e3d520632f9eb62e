r"""The exercise of the LSTM's forward pass: one step of ``keras.layers.LSTM``, graded.

The reader writes ``fn(x, h, c, kernel, recurrent_kernel, bias) -> (h_new, c_new)`` with
Keras's layout, blocks i, f, c, o along the columns: ``kernel`` (features, 4·units),
``recurrent_kernel`` (units, 4·units), ``bias`` (4·units,). The reference is
:func:`gru_companion.scratch.lstm.lstm_step`; the known mistakes are another block order
(i, f, o, c as in CS231n's notes, or i and f swapped), another activation, the output's
tanh left out, the old cell state in the output, the two results returned the other way
round, the recurrent blocks transposed and the bias left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gru_companion.exercises.grading import (
    Case,
    Exercise,
    Mistake,
    make_checker,
    standard_configs,
)
from gru_companion.scratch.activations import sigmoid
from gru_companion.scratch.lstm import lstm_step

#: The pre-activation of a saturated gate in the cases with saturated gates.
SATURATION = 30.0


def solution_lstm_step(
    x: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""One step of ``keras.layers.LSTM``: the worked solution.

    .. math::

        i &= \sigma(x W_i + h U_i + b_i) \qquad f = \sigma(x W_f + h U_f + b_f) \\
        \tilde c &= \tanh(x W_c + h U_c + b_c) \qquad o = \sigma(x W_o + h U_o + b_o) \\
        c_{new} &= f \odot c + i \odot \tilde c \\
        h_{new} &= o \odot \tanh(c_{new})

    Parameters
    ----------
    x
        The step's inputs, shape (batch, features).
    h, c
        The previous output and cell state, each (batch, units).
    kernel
        :math:`[W_i | W_f | W_c | W_o]`, shape (features, 4·units).
    recurrent_kernel
        :math:`[U_i | U_f | U_c | U_o]`, shape (units, 4·units).
    bias
        :math:`[b_i | b_f | b_c | b_o]`, shape (4·units,).

    Returns
    -------
    tuple of numpy.ndarray
        ``(h_new, c_new)``, each (batch, units).
    """
    a = x @ kernel + h @ recurrent_kernel + bias  # every block's pre-activation
    a_i, a_f, a_c, a_o = np.split(a, 4, axis=1)
    i = 1 / (1 + np.exp(-a_i))  # input gate
    f = 1 / (1 + np.exp(-a_f))  # forget gate
    c_tilde = np.tanh(a_c)  # candidate cell values
    o = 1 / (1 + np.exp(-a_o))  # output gate
    c_new = f * c + i * c_tilde
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def _reference(x, h, c, kernel, recurrent_kernel, bias) -> tuple[np.ndarray, np.ndarray]:
    h_new, c_new, _ = lstm_step(x @ kernel + bias, h, c, recurrent_kernel)
    return h_new, c_new


def mistaken_lstm_step(  # the reference's arguments, then one flag per mistake
    x: np.ndarray, h: np.ndarray, c: np.ndarray, kernel: np.ndarray,
    recurrent_kernel: np.ndarray, bias: np.ndarray, *,
    order: tuple[int, int, int, int] = (0, 1, 2, 3),
    candidate: Callable[[np.ndarray], np.ndarray] = np.tanh,
    gate: Callable[[np.ndarray], np.ndarray] = sigmoid, output_tanh: bool = True,
    old_cell_in_output: bool = False, outputs_swapped: bool = False,
    transpose_blocks: bool = False, use_bias: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step with known mistakes switched on (the defaults: the right step).

    Parameters
    ----------
    x, h, c, kernel, recurrent_kernel, bias
        As in :func:`solution_lstm_step`.
    order
        Which column block each of i, f, c, o reads: ``(0, 1, 3, 2)`` is the order
        i, f, o, c.
    candidate, gate
        The activations of the candidate and of the three gates.
    output_tanh
        ``False``: ``h_new = o * c_new``.
    old_cell_in_output
        ``h_new = o * tanh(c)`` from the previous cell state.
    outputs_swapped
        Return ``(c_new, h_new)``.
    transpose_blocks
        Multiply the state by each block of the recurrent kernel transposed.
    use_bias
        ``False``: leave out the bias.
    """
    n = h.shape[1]
    blocks = [slice(i * n, (i + 1) * n) for i in order]
    b = bias if use_bias else np.zeros_like(bias)

    def a(block: slice) -> np.ndarray:
        u = recurrent_kernel[:, block]
        return x @ kernel[:, block] + h @ (u.T if transpose_blocks else u) + b[block]

    s_i, s_f, s_c, s_o = blocks
    i, f, o = gate(a(s_i)), gate(a(s_f)), gate(a(s_o))
    c_new = f * c + i * candidate(a(s_c))
    shown = c if old_cell_in_output else c_new
    h_new = o * (np.tanh(shown) if output_tanh else shown)
    return (c_new, h_new) if outputs_swapped else (h_new, c_new)


_MISTAKES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "order_ifoc",
        "the blocks read in the order i, f, o, c (CS231n's) instead of Keras's i, f, c, o: "
        "the third block is the candidate, the fourth the output gate",
        {"order": (0, 1, 3, 2)},
    ),
    (
        "i_f_swapped",
        "the input and forget gates swapped: Keras's first block is the input gate i, "
        "the second the forget gate f",
        {"order": (1, 0, 2, 3)},
    ),
    (
        "outputs_swapped",
        "the two results returned the other way round: return (h_new, c_new)",
        {"outputs_swapped": True},
    ),
    (
        "output_without_tanh",
        "the wrong activation: h_new = o * tanh(c_new); the tanh of the cell state is left out",
        {"output_tanh": False},
    ),
    (
        "old_cell_in_output",
        "h_new computed from the previous cell state: h_new = o * tanh(c_new), with the new one",
        {"old_cell_in_output": True},
    ),
    (
        "candidate_sigmoid",
        "the wrong activation: the candidate c_tilde goes through tanh, not the sigmoid",
        {"candidate": sigmoid},
    ),
    (
        "gates_tanh",
        "the wrong activation: the gates i, f and o go through the sigmoid, not tanh",
        {"gate": np.tanh},
    ),
    (
        "transposed_blocks",
        "a transposed weight: each block of the recurrent kernel is used transposed; the "
        "state (batch, units) multiplies the block as stored, h @ U_i",
        {"transpose_blocks": True},
    ),
    ("bias_left_out", "the bias left out: each block adds its bias", {"use_bias": False}),
)


def _compute(options: dict[str, Any], *args: Any) -> tuple[np.ndarray, np.ndarray]:
    return mistaken_lstm_step(*args, **options)


def _cases(seed: int) -> list[Case]:
    cases = []
    for number, config in enumerate(standard_configs(seed), start=1):
        rng = np.random.default_rng([seed, number])
        m, n, dtype = config.features, config.units, config.dtype
        x = rng.normal(size=(config.batch, m))
        h = rng.uniform(-1, 1, size=(config.batch, n))
        c = rng.normal(0.0, 1.0, size=(config.batch, n))
        if config.zero_state:
            h, c = np.zeros_like(h), np.zeros_like(c)
        kernel = rng.normal(0.0, 0.6, size=(m, 4 * n))
        recurrent_kernel = rng.normal(0.0, 0.6, size=(n, 4 * n))
        bias = rng.normal(0.0, 0.5, size=4 * n)
        if config.saturated:  # the gates i, f and o, not the candidate
            for block in (0, 1, 3):
                bias[block * n : (block + 1) * n] = SATURATION * rng.choice([-1.0, 1.0], size=n)
        arrays = {"x": x, "h": h, "c": c, "kernel": kernel, "recurrent_kernel": recurrent_kernel,
                  "bias": bias}  # fmt: skip
        inputs = {name: value.astype(dtype) for name, value in arrays.items()}
        cases.append(Case(number, config.describe(), inputs, tuple(config.tags())))
    return cases


LSTM_STEP = Exercise(
    checker="check_lstm_step",
    task="the companion's LSTM step",
    parameters=("x", "h", "c", "kernel", "recurrent_kernel", "bias"),
    outputs=("h_new", "c_new"),
    output_shapes=("(batch, units)", "(batch, units)"),
    reference=_reference,
    cases=_cases,
    mistakes=Mistake.table(_MISTAKES, _compute),
)


check_lstm_step = make_checker(
    LSTM_STEP,
    __name__,
    "Grade one step of ``keras.layers.LSTM``.",
    (
        "The reader's ``fn(x, h, c, kernel, recurrent_kernel, bias) -> (h_new, "
        "c_new)``: ``x`` (batch, features), ``h`` and ``c`` (batch, units), ``kernel`` "
        "(features, 4·units), ``recurrent_kernel`` (units, 4·units), ``bias`` "
        "(4·units,), blocks i, f, c, o; the tuple of the new output and the new cell "
        "state, each (batch, units) in the inputs' dtype. It must not change its "
        "arguments."
    ),
)
