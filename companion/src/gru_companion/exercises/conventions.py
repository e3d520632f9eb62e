"""The exercises of the GRU's conventions: converting weights between Keras and PyTorch, graded.

Keras stores a ``reset_after=True`` GRU as ``kernel`` (features, 3·units),
``recurrent_kernel`` (units, 3·units) and ``bias`` (2, 3·units), blocks z, r, h along the
columns; PyTorch's ``nn.GRU`` stores ``weight_ih`` (3·units, features), ``weight_hh``
(3·units, units), ``bias_ih`` and ``bias_hh`` (3·units,), blocks r, z, n along the rows.
Two checkers, one per direction:

* :func:`check_keras_to_pytorch`: ``fn(kernel, recurrent_kernel, bias) -> (weight_ih,
  weight_hh, bias_ih, bias_hh)`` (a :class:`~gru_companion.scratch.conventions.PyTorchGRUWeights`
  is accepted too);
* :func:`check_pytorch_to_keras`: ``fn(weight_ih, weight_hh, bias_ih, bias_hh) ->
  (kernel, recurrent_kernel, bias)``.

The references are :func:`gru_companion.scratch.conventions.keras_to_pytorch` and
:func:`~gru_companion.scratch.conventions.pytorch_to_keras`. The known mistakes are the
blocks left in the other library's order, the two biases swapped and the biases left
unreordered; a matrix not transposed shows in its shape, and the verdict says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.exercises.grading import (
    Case,
    Exercise,
    Mistake,
    counted,
    make_checker,
    standard_configs,
)
from gru_companion.exercises.gru import gru_weights
from gru_companion.scratch.conventions import PyTorchGRUWeights, keras_to_pytorch, pytorch_to_keras


def solution_keras_to_pytorch(
    kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keras ``reset_after=True`` GRU weights in PyTorch's layout: the worked solution.

    Parameters
    ----------
    kernel, recurrent_kernel, bias
        Keras's weights: (features, 3·units), (units, 3·units), (2, 3·units), blocks z, r, h.

    Returns
    -------
    tuple of numpy.ndarray
        ``(weight_ih, weight_hh, bias_ih, bias_hh)``: (3·units, features), (3·units, units),
        (3·units,), (3·units,), blocks r, z, n.
    """

    def r_z_h(a: np.ndarray) -> np.ndarray:  # Keras's blocks z, r, h -> PyTorch's r, z, n
        z, r, h = np.split(a, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)

    return r_z_h(kernel).T, r_z_h(recurrent_kernel).T, r_z_h(bias[0]), r_z_h(bias[1])


def solution_pytorch_to_keras(
    weight_ih: np.ndarray, weight_hh: np.ndarray, bias_ih: np.ndarray, bias_hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch ``nn.GRU`` weights in Keras's ``reset_after=True`` layout: the worked solution.

    Parameters
    ----------
    weight_ih, weight_hh, bias_ih, bias_hh
        PyTorch's weights: (3·units, features), (3·units, units), (3·units,), (3·units,),
        blocks r, z, n.

    Returns
    -------
    tuple of numpy.ndarray
        ``(kernel, recurrent_kernel, bias)``: (features, 3·units), (units, 3·units),
        (2, 3·units), blocks z, r, h.
    """

    def z_r_h(a: np.ndarray) -> np.ndarray:  # PyTorch's blocks r, z, n -> Keras's z, r, h
        r, z, n = np.split(a, 3, axis=-1)
        return np.concatenate([z, r, n], axis=-1)

    bias = np.stack([z_r_h(bias_ih), z_r_h(bias_hh)])
    return z_r_h(weight_ih.T), z_r_h(weight_hh.T), bias


def _swap_first_blocks(a: np.ndarray, axis: int = -1) -> np.ndarray:
    first, second, third = np.split(a, 3, axis=axis)
    return np.concatenate([second, first, third], axis=axis)


def _as_tuple(value: Any) -> Any:
    if isinstance(value, PyTorchGRUWeights):
        return value.weight_ih, value.weight_hh, value.bias_ih, value.bias_hh
    return value


def _to_pytorch(kernel, recurrent_kernel, bias) -> tuple[np.ndarray, ...]:
    return _as_tuple(keras_to_pytorch(kernel, recurrent_kernel, bias))


def _to_keras(weight_ih, weight_hh, bias_ih, bias_hh) -> tuple[np.ndarray, ...]:
    return pytorch_to_keras(PyTorchGRUWeights(weight_ih, weight_hh, bias_ih, bias_hh))


def _cases(seed: int, *, to_pytorch: bool) -> list[Case]:
    cases = []
    for number, config in enumerate(standard_configs(seed), start=1):
        if config.zero_state or config.saturated:
            continue
        rng = np.random.default_rng([seed, number])
        kernel, recurrent_kernel, bias = gru_weights(rng, config)
        description = (f"{counted(config.features, 'feature')}, "
                       f"{counted(config.units, 'unit')}, {config.dtype}")
        tags = [config.dtype.name] + (["one unit"] if config.units == 1 else [])
        if to_pytorch:
            inputs = {"kernel": kernel, "recurrent_kernel": recurrent_kernel, "bias": bias}
        else:
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            inputs = dict(zip(names, _to_pytorch(kernel, recurrent_kernel, bias), strict=True))
        cases.append(Case(len(cases) + 1, description, inputs, tuple(tags)))
    return cases


def _keras_to_pytorch_mistakes() -> tuple[Mistake, ...]:
    def not_reordered(kernel, recurrent_kernel, bias):
        return kernel.T, recurrent_kernel.T, bias[0], bias[1]

    def biases_swapped(kernel, recurrent_kernel, bias):
        weight_ih, weight_hh, bias_ih, bias_hh = _to_pytorch(kernel, recurrent_kernel, bias)
        return weight_ih, weight_hh, bias_hh, bias_ih

    def biases_not_reordered(kernel, recurrent_kernel, bias):
        weight_ih, weight_hh, _, _ = _to_pytorch(kernel, recurrent_kernel, bias)
        return weight_ih, weight_hh, bias[0], bias[1]

    return (
        Mistake("not_reordered", "the blocks left in Keras's order z, r, h; PyTorch's rows "
                "are r, z, n (the first two blocks change places)", not_reordered),
        Mistake("biases_swapped", "the two biases swapped: bias[0] (added to x W) is "
                "bias_ih, bias[1] (added to h U) is bias_hh", biases_swapped),
        Mistake("biases_not_reordered", "the biases left in Keras's order z, r, h while the "
                "matrices were reordered: reorder every weight the same way",
                biases_not_reordered),
    )  # fmt: skip


def _pytorch_to_keras_mistakes() -> tuple[Mistake, ...]:
    def not_reordered(weight_ih, weight_hh, bias_ih, bias_hh):
        return weight_ih.T, weight_hh.T, np.stack([bias_ih, bias_hh])

    def biases_swapped(weight_ih, weight_hh, bias_ih, bias_hh):
        kernel, recurrent_kernel, bias = _to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
        return kernel, recurrent_kernel, bias[::-1]

    def biases_not_reordered(weight_ih, weight_hh, bias_ih, bias_hh):
        kernel, recurrent_kernel, _ = _to_keras(weight_ih, weight_hh, bias_ih, bias_hh)
        return kernel, recurrent_kernel, np.stack([bias_ih, bias_hh])

    return (
        Mistake("not_reordered", "the blocks left in PyTorch's order r, z, n; Keras's "
                "columns are z, r, h (the first two blocks change places)", not_reordered),
        Mistake("biases_swapped", "the two bias rows swapped: row 0 is bias_ih (added to "
                "x W), row 1 is bias_hh (added to h U)", biases_swapped),
        Mistake("biases_not_reordered", "the biases left in PyTorch's order r, z, n while "
                "the matrices were reordered: reorder every weight the same way",
                biases_not_reordered),
    )  # fmt: skip


KERAS_TO_PYTORCH = Exercise(
    checker="check_keras_to_pytorch",
    task="the companion's keras_to_pytorch",
    parameters=("kernel", "recurrent_kernel", "bias"),
    outputs=("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
    output_shapes=("(3·units, features)", "(3·units, units)", "(3·units,)", "(3·units,)"),
    reference=_to_pytorch,
    cases=lambda seed: _cases(seed, to_pytorch=True),
    mistakes=_keras_to_pytorch_mistakes(),
    unpack=_as_tuple,
)

PYTORCH_TO_KERAS = Exercise(
    checker="check_pytorch_to_keras",
    task="the companion's pytorch_to_keras",
    parameters=("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
    outputs=("kernel", "recurrent_kernel", "bias"),
    output_shapes=("(features, 3·units)", "(units, 3·units)", "(2, 3·units)"),
    reference=_to_keras,
    cases=lambda seed: _cases(seed, to_pytorch=False),
    mistakes=_pytorch_to_keras_mistakes(),
)


check_keras_to_pytorch = make_checker(
    KERAS_TO_PYTORCH,
    __name__,
    "Grade a converter of Keras GRU weights (``reset_after=True``) to PyTorch's ``nn.GRU``.",
    (
        "The reader's ``fn(kernel, recurrent_kernel, bias) -> (weight_ih, weight_hh, "
        "bias_ih, bias_hh)`` (see the module's docstring for the shapes), in the "
        "weights' dtype. It must not change its arguments."
    ),
)


check_pytorch_to_keras = make_checker(
    PYTORCH_TO_KERAS,
    __name__,
    "Grade a converter of PyTorch ``nn.GRU`` weights to Keras's ``reset_after=True`` GRU.",
    (
        "The reader's ``fn(weight_ih, weight_hh, bias_ih, bias_hh) -> (kernel, "
        "recurrent_kernel, bias)`` (see the module's docstring for the shapes)."
    ),
)
