"""The exercise of parameter counts: the formula for any recurrent layer Keras ships, graded.

The reader writes ``fn(kind, features, units, use_bias, reset_after) -> count``: the number
of parameters of a ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU`` (``kind`` one of
:data:`gru_companion.kinds.CORE`: ``"simple_rnn"``, ``"lstm"``, ``"gru"``) reading
``features`` inputs into ``units`` units, with or without biases, and for the GRU with
``reset_after`` (two bias vectors per block) or without (one). ``reset_after`` is
ignored for the other kinds. The reference is
:func:`gru_companion.analysis.param_counts.recurrent_params`; the known mistakes are a
bias vector too few or too many, the recurrent kernel left out or given the input's
width, and the number of blocks wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from gru_companion.analysis.param_counts import recurrent_params
from gru_companion.exercises.grading import (
    Case,
    Exercise,
    Mistake,
    make_checker,
)
from gru_companion.kinds import CORE, kind_of

#: The (features, units) of the cases, one of each, a small layer and the tutorial's size.
SIZES = ((1, 1), (3, 5), (64, 256))


def solution_param_count(
    kind: str, features: int, units: int, use_bias: bool, reset_after: bool
) -> int:
    """The parameters of a Keras recurrent layer, ``k · (m·n + n² + b·n)``: the worked solution.

    Parameters
    ----------
    kind
        ``"simple_rnn"`` (k = 1 block), ``"lstm"`` (k = 4: i, f, c, o) or ``"gru"``
        (k = 3: z, r, h).
    features
        The input width m.
    units
        The number of units n.
    use_bias
        Whether the layer has biases.
    reset_after
        GRU only: ``True`` gives two bias vectors per block (input and recurrent).

    Returns
    -------
    int
        The number of scalar parameters.
    """
    if kind == "simple_rnn":
        blocks = 1
    elif kind == "lstm":
        blocks = 4
    else:
        blocks = 3
    if not use_bias:
        biases = 0
    elif kind == "gru" and reset_after:
        biases = 2
    else:
        biases = 1
    # per block: a kernel (m × n), a recurrent kernel (n × n) and the bias vectors (b × n)
    return blocks * (features * units + units * units + biases * units)


def _reference(kind, features, units, use_bias, reset_after) -> tuple[int]:
    count = recurrent_params(kind, features, units, use_bias=use_bias, reset_after=reset_after)
    return (count.count,)


def _mistaken_count(
    kind: str,
    features: int,
    units: int,
    use_bias: bool,
    reset_after: bool,
    *,
    biases: Callable[[Any, bool, bool], int] | None = None,
    recurrent: str = "n*n",
    blocks: str = "all",
    bias_once: bool = False,
) -> tuple[int]:
    row = kind_of(kind)
    k = {"all": row.gate_blocks, "gates": len(row.sigmoid_gates), "one": 1}[blocks]
    b = (biases or (lambda r, u, a: r.bias_vectors(use_bias=u, reset_after=a)))(
        row, use_bias, reset_after
    )
    m, n = features, units
    per_block = m * n + {"n*n": n * n, "m*n": m * n, "none": 0}[recurrent]
    if bias_once:
        return (k * per_block + b * n,)
    return (k * (per_block + b * n),)


_MISTAKES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "recurrent_bias_left_out",
        "the recurrent bias left out: a GRU with reset_after=True has two bias vectors per "
        "block, b = 2 (an input and a recurrent bias)",
        {"biases": lambda row, use_bias, reset_after: int(use_bias)},
    ),
    (
        "reset_after_ignored",
        "reset_after ignored: a GRU with reset_after=False has one bias vector per block",
        {"biases": lambda row, use_bias, reset_after: row.bias_vectors(use_bias=use_bias)},
    ),
    (
        "use_bias_ignored",
        "use_bias ignored: without biases b = 0",
        {"biases": lambda row, use_bias, reset_after: row.bias_vectors(reset_after=reset_after)},
    ),
    (
        "recurrent_kernel_left_out",
        "the recurrent kernel left out: each block also has n × n recurrent weights",
        {"recurrent": "none"},
    ),
    (
        "recurrent_kernel_width",
        "the recurrent kernel counted as features × units: it reads the state, so it is "
        "units × units (n²)",
        {"recurrent": "m*n"},
    ),
    (
        "gates_only",
        "the candidate block left out: k counts every block, the gates and the candidate "
        "(SimpleRNN 1, GRU 3, LSTM 4)",
        {"blocks": "gates"},
    ),
    (
        "one_block",
        "one block counted: a layer has k blocks of weights (SimpleRNN 1, GRU 3, LSTM 4)",
        {"blocks": "one"},
    ),
    (
        "bias_once",
        "the bias vectors counted once for the layer: every block has its own",
        {"bias_once": True},
    ),
)


def _cases(seed: int) -> list[Case]:
    """Every kind of :data:`~gru_companion.kinds.CORE`, with and without biases and reset_after.

    The cases are the same for every seed: the count is exact arithmetic.
    """
    cases = []
    for kind in CORE:
        for features, units in SIZES:
            for use_bias in (True, False):
                for reset_after in (True, False):
                    inputs = {"kind": kind, "features": features, "units": units,
                              "use_bias": use_bias, "reset_after": reset_after}  # fmt: skip
                    tags = ["one unit"] if units == 1 else []
                    tags += [] if use_bias else ["use_bias=False"]
                    tags += [] if reset_after else ["reset_after=False"]
                    description = ", ".join(f"{name}={value!r}" for name, value in inputs.items())
                    cases.append(Case(len(cases) + 1, description, inputs, tuple(tags)))
    return cases


PARAM_COUNT = Exercise(
    checker="check_param_count",
    task="the companion's recurrent_params",
    parameters=("kind", "features", "units", "use_bias", "reset_after"),
    outputs=("count",),
    output_shapes=("an int",),
    reference=_reference,
    cases=_cases,
    mistakes=tuple(
        Mistake(key, cause, partial(_mistaken_count, **opts)) for key, cause, opts in _MISTAKES
    ),
)


check_param_count = make_checker(
    PARAM_COUNT,
    __name__,
    "Grade a parameter-count formula for ``SimpleRNN``, ``LSTM`` and ``GRU`` layers.",
    (
        "The reader's ``fn(kind, features, units, use_bias, reset_after) -> count``: "
        "``kind`` one of ``\"simple_rnn\"``, ``\"lstm\"``, ``\"gru\"``; ``features`` and "
        "``units`` positive ints; ``use_bias`` and ``reset_after`` bools "
        "(``reset_after`` matters for the GRU only); the count an int. The cases do not "
        "depend on ``seed``."
    ),
)
