r"""Gradients checked against finite differences.

A hand-written backward pass is wrong more easily than it is right: a missing term, a
transposed product or a gate's derivative in the wrong place still gives arrays of the
right shapes. The check here compares each gradient with the central difference

.. math::

    \frac{\partial L}{\partial \theta_i} \approx
    \frac{L(\theta + \varepsilon e_i) - L(\theta - \varepsilon e_i)}{2 \varepsilon},

whose error is of order :math:`\varepsilon^2` (plus rounding of order
:math:`10^{-16} |L| / \varepsilon`): with :math:`\varepsilon = 10^{-6}` in float64, a right
gradient agrees to about :math:`10^{-9}`, a wrong one typically to no digit at all. The
comparison is one number per array, the relative error

.. math::

    e = \frac{\lVert g_{\text{analytic}} - g_{\text{numeric}} \rVert_2}
             {\lVert g_{\text{analytic}} \rVert_2 + \lVert g_{\text{numeric}} \rVert_2},

which is 0 for equal gradients, 1 for opposite ones, and does not blow up where single
entries are near zero. Checks run in float64 only: in float32 rounding alone gives errors
around :math:`10^{-3}`.

Keep the arrays small (a handful of units, a few steps): the check evaluates the loss
twice per entry, and over long sequences a gradient can shrink so far that rounding
dominates its difference quotient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gru_companion.scratch.recurrent_layer import RecurrentLayer
from gru_companion.validation import check_positive_number, check_rng

#: The step of the central differences.
DEFAULT_EPSILON = 1e-6
#: The largest relative error accepted by default.
DEFAULT_TOLERANCE = 1e-6


class GradientCheckError(AssertionError):
    """A gradient disagrees with its finite-difference estimate.

    Attributes
    ----------
    errors
        The relative error of every array checked, by name.
    tolerance
        The largest relative error that was accepted.
    """

    def __init__(self, errors: dict[str, float], tolerance: float) -> None:
        self.errors = dict(errors)
        self.tolerance = tolerance
        failed = [f"{name}: {e:.1e}" for name, e in errors.items() if not e <= tolerance]
        super().__init__(
            f"gradient check failed: relative error above {tolerance:.0e} for "
            + ", ".join(failed)
            + " (the analytic gradient disagrees with central finite differences)"
        )


def _check_float64(name: str, value: Any) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if value.dtype != np.float64:
        raise TypeError(
            f"{name} must have dtype float64 (finite differences in {value.dtype} are "
            f"dominated by rounding), got {value.dtype}"
        )
    return value


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    r"""The relative error :math:`\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)`.

    Parameters
    ----------
    analytic, numeric
        Two arrays of the same shape.

    Returns
    -------
    float
        In [0, 1]; 0 when both arrays are zero.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    analytic, numeric = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"analytic and numeric gradients must have one shape, got {analytic.shape} "
            f"and {numeric.shape}"
        )
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradient(
    loss: Callable[[], float], array: np.ndarray, *, epsilon: float = DEFAULT_EPSILON
) -> np.ndarray:
    """The central-difference gradient of ``loss()`` with respect to ``array``.

    ``loss`` takes no argument and reads ``array``, which is changed in place, one entry
    at a time, to :math:`\\theta_i \\pm \\varepsilon` and then set back to its exact value.

    Parameters
    ----------
    loss
        A function of no argument returning a real number that depends on ``array``.
    array
        A float64 array that ``loss`` reads (a layer's weight, its inputs).
    epsilon
        The step, a positive number.

    Returns
    -------
    numpy.ndarray
        The estimated gradient, with the shape of ``array``.
    """
    array = _check_float64("array", array)
    epsilon = check_positive_number("epsilon", epsilon)
    gradient = np.empty_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        try:
            array[index] = original + epsilon
            above = float(loss())
            array[index] = original - epsilon
            below = float(loss())
        finally:
            array[index] = original
        gradient[index] = (above - below) / (2 * epsilon)
    return gradient


def check_gradients(
    loss: Callable[[], float],
    arrays: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    epsilon: float = DEFAULT_EPSILON,
) -> dict[str, float]:
    """Compare analytic gradients with central differences; raise if one disagrees.

    Parameters
    ----------
    loss
        A function of no argument returning the loss, reading the ``arrays``.
    arrays
        The float64 arrays the loss depends on, by name (changed in place during the
        check, and restored).
    analytic
        The gradients to check, with the same names and shapes.
    tolerance
        The largest relative error (see :func:`relative_error`) accepted.
    epsilon
        The step of the differences.

    Returns
    -------
    dict
        The relative error of each array, by name.

    Raises
    ------
    GradientCheckError
        If a relative error exceeds ``tolerance`` (an ``AssertionError``), naming each
        array that failed.
    ValueError
        If the names or shapes of ``arrays`` and ``analytic`` differ.
    """
    tolerance = check_positive_number("tolerance", tolerance)
    if set(arrays) != set(analytic):
        raise ValueError(
            f"arrays and analytic must name the same arrays, got {sorted(arrays)} and "
            f"{sorted(analytic)}"
        )
    errors = {}
    for name, array in arrays.items():
        gradient = analytic[name]
        if not isinstance(gradient, np.ndarray) or gradient.shape != array.shape:
            shape = getattr(gradient, "shape", type(gradient).__name__)
            raise ValueError(
                f"the analytic gradient of {name} must be an array of shape {array.shape}, "
                f"got {shape}"
            )
        numeric = numerical_gradient(loss, _check_float64(name, array), epsilon=epsilon)
        errors[name] = relative_error(gradient, numeric)
    if not all(error <= tolerance for error in errors.values()):
        raise GradientCheckError(errors, tolerance)
    return errors


def check_layer_gradients(
    layer: RecurrentLayer,
    inputs: np.ndarray,
    initial_state: Any = None,
    *,
    seed: int | np.random.Generator = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    epsilon: float = DEFAULT_EPSILON,
) -> dict[str, float]:
    r"""Check a recurrent layer's backward pass against central differences.

    The gradients of
    :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward` are compared
    with those of a loss that is a random linear function of everything the layer returns,
    :math:`L = \sum R \odot \text{output} + \sum_s S_s \odot \text{state}_s` (the states
    only with ``return_state``), whose gradient with respect to the outputs is the random
    :math:`R, S_s`: every output entry gets its own weight, so a gradient routed to the
    wrong step or unit shows. Checked are each weight (a kind's further weights too, such
    as the peepholes of an LSTM with peepholes), the inputs and each initial state.

    Parameters
    ----------
    layer
        A float64 NumPy recurrent layer with a backward pass (``NumpySimpleRNN``,
        ``NumpyLSTM``, ``NumpyGRU``, ``NumpyPeepholeLSTM``, ...; its weights are perturbed
        in place during the check, and restored).
    inputs
        Float64 inputs (batch, time, features). Not changed (a copy is perturbed).
    initial_state
        ``None`` (zeros, whose gradient is checked too) or the initial states.
    seed
        Seed of the random weights :math:`R, S_s` of the loss.
    tolerance, epsilon
        As in :func:`check_gradients`.

    Returns
    -------
    dict
        The relative errors, by name: ``kernel``, ``recurrent_kernel``, ``bias`` (if the
        layer has one), each further weight of the layer's
        :attr:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.extra_weights`
        (``peephole``), ``inputs``, and ``initial_state[h]`` (and ``initial_state[c]``).

    Raises
    ------
    GradientCheckError
        If a relative error exceeds ``tolerance``.
    TypeError
        If the layer does not compute in float64.
    """
    if not isinstance(layer, RecurrentLayer):
        raise TypeError(f"layer must be a NumPy recurrent layer, got {type(layer).__name__}")
    if layer.dtype != np.float64:
        raise TypeError(
            f"layer must compute in float64 for a gradient check, got {layer.dtype} "
            "(use layer.astype('float64'))"
        )
    rng = check_rng("seed", seed)
    x = layer.check_inputs(inputs).copy()
    states = [state.copy() for state in layer.check_states(initial_state, x.shape[0])]
    forward = layer.run(x, states, keep_cache=True)
    output = forward.outputs if layer.return_sequences else forward.outputs[:, -1]
    r_output = rng.normal(size=output.shape)
    r_states = [rng.normal(size=s.shape) for s in forward.states] if layer.return_state else None

    def loss() -> float:
        returned = layer(x, states)
        out, *final = returned if layer.return_state else [returned]
        total = np.sum(r_output * out)
        if r_states is not None:
            total += sum(np.sum(r * s) for r, s in zip(r_states, final, strict=True))
        return float(total)

    gradients = layer.backward(forward, r_output, r_states)
    weights = ("kernel", "recurrent_kernel", "bias", *layer.extra_weights)
    arrays = {name: getattr(layer, name) for name in weights if getattr(layer, name) is not None}
    analytic = gradients.weights()  # the same names: the bias only if there is one
    arrays["inputs"], analytic["inputs"] = x, gradients.inputs
    for name, state, gradient in zip(
        layer.state_names, states, gradients.initial_states, strict=True
    ):
        arrays[f"initial_state[{name}]"] = state
        analytic[f"initial_state[{name}]"] = gradient
    return check_gradients(loss, arrays, analytic, tolerance=tolerance, epsilon=epsilon)
