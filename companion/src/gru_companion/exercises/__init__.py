"""Exercises: the reader's code, graded against the companion's proven code (Keras-free).

Each coding exercise of the book has a checker here, which runs the reader's function on
random seeded cases against the companion's reference and returns a
:class:`~gru_companion.exercises.grading.CheckResult` (``passed``, and a verdict that names
the quantity that differs, the likeliest cause and the worst case), and a worked solution
the chapters show in a collapsed block:

* :mod:`~gru_companion.exercises.gru`: ``check_gru_step`` and ``solution_gru_step``
  (``reset_after=True``), ``check_gru_step_reset_before`` and
  ``solution_gru_step_reset_before``, ``check_gru_layer`` and ``solution_gru_layer``;
* :mod:`~gru_companion.exercises.lstm`: ``check_lstm_step`` and ``solution_lstm_step``;
* :mod:`~gru_companion.exercises.backward`: ``check_gru_step_backward`` and
  ``solution_gru_step_backward``;
* :mod:`~gru_companion.exercises.conventions`: ``check_keras_to_pytorch`` and
  ``solution_keras_to_pytorch``, ``check_pytorch_to_keras`` and
  ``solution_pytorch_to_keras``;
* :mod:`~gru_companion.exercises.counts`: ``check_param_count`` and
  ``solution_param_count``.

The shared machinery (cases, time limit, checks of what came back, diagnosis) is in
:mod:`~gru_companion.exercises.grading`.
"""

from gru_companion.exercises.backward import check_gru_step_backward, solution_gru_step_backward
from gru_companion.exercises.conventions import (
    check_keras_to_pytorch,
    check_pytorch_to_keras,
    solution_keras_to_pytorch,
    solution_pytorch_to_keras,
)
from gru_companion.exercises.counts import check_param_count, solution_param_count
from gru_companion.exercises.grading import CheckResult
from gru_companion.exercises.gru import (
    check_gru_layer,
    check_gru_step,
    check_gru_step_reset_before,
    solution_gru_layer,
    solution_gru_step,
    solution_gru_step_reset_before,
)
from gru_companion.exercises.lstm import check_lstm_step, solution_lstm_step

__all__ = [
    "CheckResult",
    "check_gru_layer",
    "check_gru_step",
    "check_gru_step_backward",
    "check_gru_step_reset_before",
    "check_keras_to_pytorch",
    "check_lstm_step",
    "check_param_count",
    "check_pytorch_to_keras",
    "solution_gru_layer",
    "solution_gru_step",
    "solution_gru_step_backward",
    "solution_gru_step_reset_before",
    "solution_keras_to_pytorch",
    "solution_lstm_step",
    "solution_param_count",
    "solution_pytorch_to_keras",
]
