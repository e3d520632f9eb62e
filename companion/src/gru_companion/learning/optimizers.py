r"""SGD and Adam in NumPy, with Keras's update formulas, operation for operation.

An optimizer turns gradients into changes of the weights. Both here update a dictionary
of named NumPy arrays in place (:meth:`Optimizer.apply`), keeping their own state per name,
and compute exactly what ``keras.optimizers.SGD`` and ``keras.optimizers.Adam`` compute
(Keras 3, ``keras/src/optimizers/sgd.py`` and ``adam.py``), in the same order of
floating-point operations, so that a NumPy model and its Keras twin trained side by side
stay equal to rounding.

**SGD** (learning rate :math:`\eta`, momentum :math:`\mu`):
:math:`\theta \leftarrow \theta - \eta g` without momentum; with momentum
:math:`m \leftarrow \mu m - \eta g`, then :math:`\theta \leftarrow \theta + m`, or
:math:`\theta \leftarrow \theta + \mu m - \eta g` (Nesterov).

**Adam** at step :math:`t = 1, 2, \dots`:

.. math::

    m &\leftarrow m + (g - m)(1 - \beta_1), \qquad
    v \leftarrow v + (g^2 - v)(1 - \beta_2), \\
    \alpha_t &= \eta \, \sqrt{1 - \beta_2^t} \, / \, (1 - \beta_1^t), \qquad
    \theta \leftarrow \theta - \frac{\alpha_t\, m}{\sqrt{v} + \hat\varepsilon}.

This is the form of the Adam paper's remark before its Algorithm 1 ("the efficiency of
algorithm 1 can, at the expense of clarity, be improved"): the bias corrections are
folded into the step size :math:`\alpha_t`, and the :math:`\hat\varepsilon` (default
:math:`10^{-7}` in Keras, :math:`10^{-8}` in the paper and PyTorch) is added to
:math:`\sqrt{v}`, not to :math:`\sqrt{\hat v} = \sqrt{v / (1 - \beta_2^t)}` as in
Algorithm 1 itself. The two placements differ by a factor :math:`\sqrt{1 - \beta_2^t}` on
epsilon, which matters in the first steps when gradients are small.

**Gradient clipping** by global norm (Keras ``global_clipnorm=c``): all gradients are
multiplied by :math:`c \cdot \min(1 / \lVert g \rVert, 1 / c)`, where
:math:`\lVert g \rVert` is the Euclidean norm of all of them together, so the direction of
the update is kept and its norm is at most :math:`c`.

**Where Keras rounds to float32.** Keras 3 with the TensorFlow backend keeps the learning
rate in ``keras.config.floatx()`` (float32 by default), so ``learning_rate=0.01`` is applied
as ``float32(0.01)`` = 0.009999999776..., even to float64 weights; and it casts the Python
floats :math:`\beta_1, \beta_2` (in the powers :math:`\beta^t`) and SGD's momentum with
``tf.cast``, which turns a Python float into a float32 tensor first: :math:`\beta_1 = 0.9`
becomes 0.899999976... The factors :math:`1 - \beta` and :math:`\hat\varepsilon` stay
float64. Adam's first step then differs by a relative :math:`6 \cdot 10^{-6}`. The
optimizers here use the constants as given; with ``like_keras=True`` they round the same
constants to float32 as Keras does, and a float64 model trained side by side with its
Keras twin stays equal to float64 rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from gru_companion.validation import check_bool, check_positive_number, check_real


def _check_real(name: str, value: Any, *, low: float, high: float, closed_low: bool) -> float:
    number = check_real(name, value)
    above_low = number >= low if closed_low else number > low
    if not (above_low and number < high and math.isfinite(number)):
        bracket = "[" if closed_low else "("
        raise ValueError(f"{name} must be in {bracket}{low}, {high}), got {value}")
    return number


def _check_clipnorm(value: Any) -> float | None:
    return None if value is None else check_positive_number("global_clipnorm", value)


def _check_gradients(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        raise TypeError(
            "params and grads must be dictionaries of numpy arrays by name, got "
            f"{type(params).__name__} and {type(grads).__name__}"
        )
    if set(params) != set(grads):
        missing = sorted(set(params) - set(grads))
        extra = sorted(set(grads) - set(params))
        raise ValueError(
            f"grads must have one gradient per parameter: missing {missing}, unknown {extra}"
        )
    for name, param in params.items():
        grad = grads[name]
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            raise TypeError(f"parameter {name!r} must be a floating-point numpy.ndarray")
        if not isinstance(grad, np.ndarray):
            raise TypeError(
                f"the gradient of {name!r} must be a numpy.ndarray, got {type(grad).__name__}"
            )
        if grad.dtype != param.dtype:
            raise TypeError(
                f"the gradient of {name!r} has dtype {grad.dtype}, the parameter {param.dtype}"
            )
        if grad.shape != param.shape:
            raise ValueError(
                f"the gradient of {name!r} has shape {grad.shape}, the parameter {param.shape}"
            )
        if not np.all(np.isfinite(grad)):
            raise ValueError(f"the gradient of {name!r} holds NaN or infinity")


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """The Euclidean norm of all gradients together, :math:`\\sqrt{\\sum g^2}`."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_by_global_norm(
    grads: Mapping[str, np.ndarray], clip_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients so their global norm is at most ``clip_norm`` (Keras's formula).

    Parameters
    ----------
    grads
        The gradients by name.
    clip_norm
        A positive number.

    Returns
    -------
    tuple
        ``(clipped, norm)``: new arrays multiplied by
        ``clip_norm * min(1 / norm, 1 / clip_norm)``, and the global norm before clipping.
    """
    clip_norm = _check_clipnorm(clip_norm)
    if clip_norm is None:
        raise ValueError("clip_norm must be a positive number, got None")
    norm = global_norm(grads)
    scale = clip_norm * min(1.0 / norm, 1.0 / clip_norm) if norm > 0 else 1.0
    return {name: g * np.asarray(scale, dtype=g.dtype) for name, g in grads.items()}, norm


class Optimizer:
    """The shared part of the optimizers: step counter, clipping, argument checks.

    Parameters
    ----------
    learning_rate
        A positive number.
    global_clipnorm
        ``None`` (no clipping) or a positive number: clip the gradients' global norm to
        it before each update (:func:`clip_by_global_norm`).
    like_keras
        ``True``: round the learning rate, and the constants Keras casts through float32,
        to float32 as Keras does (see the module's description). ``False`` (default):
        use them as given.
    """

    #: Keras's name for the optimizer.
    name: ClassVar[str] = ""

    def __init__(
        self,
        learning_rate: float,
        *,
        global_clipnorm: float | None = None,
        like_keras: bool = False,
    ) -> None:
        self.learning_rate = check_positive_number("learning_rate", learning_rate)
        self.global_clipnorm = _check_clipnorm(global_clipnorm)
        self.like_keras = check_bool("like_keras", like_keras)
        #: Updates applied so far (Keras's ``optimizer.iterations``).
        self.iterations = 0
        self._slots: dict[str, dict[str, np.ndarray]] = {}
        self._names: set[str] | None = None

    def _constant(self, value: float, dtype: np.dtype) -> np.ndarray:
        """``value`` in ``dtype``; through float32 first with ``like_keras``, as Keras does."""
        return np.asarray(np.float32(value) if self.like_keras else value, dtype=dtype)

    def _slot(self, kind: str, name: str, like: np.ndarray) -> np.ndarray:
        return self._slots.setdefault(kind, {}).setdefault(name, np.zeros_like(like))

    def apply(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> float:
        """Update the parameters in place with one step; return the gradients' global norm.

        Parameters
        ----------
        params
            The parameters by name: the arrays the model computes with (changed in
            place). The same names at every call.
        grads
            Their gradients, same names, shapes and dtypes.

        Returns
        -------
        float
            The global norm of the gradients, before clipping.

        Raises
        ------
        TypeError
            If a value is not a NumPy array, or dtypes differ.
        ValueError
            If names or shapes differ, a gradient is not finite, or the names differ
            from those of the first call.
        """
        _check_gradients(params, grads)
        if self._names is None:
            self._names = set(params)
        elif set(params) != self._names:
            raise ValueError(
                "apply must be called with the same parameters every step (the optimizer "
                f"keeps state for {sorted(self._names)}), got {sorted(params)}"
            )
        if self.global_clipnorm is not None:
            grads, norm = clip_by_global_norm(grads, self.global_clipnorm)
        else:
            norm = global_norm(grads)
        for name, param in params.items():
            self._update(name, param, grads[name])
        self.iterations += 1
        return norm

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "global_clipnorm": self.global_clipnorm,
            "like_keras": self.like_keras,
        }

    def get_config(self) -> dict[str, Any]:
        """The optimizer's settings, with Keras's argument names."""
        return self._settings()

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self._settings().items())
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as Keras's ``SGD``.

    Parameters
    ----------
    learning_rate
        A positive number (Keras's default 0.01).
    momentum
        In [0, 1).
    nesterov
        Nesterov momentum.
    global_clipnorm, like_keras
        See :class:`Optimizer`.
    """

    name = "sgd"

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        *,
        global_clipnorm: float | None = None,
        like_keras: bool = False,
    ) -> None:
        super().__init__(learning_rate, global_clipnorm=global_clipnorm, like_keras=like_keras)
        self.momentum = _check_real("momentum", momentum, low=0.0, high=1.0, closed_low=True)
        self.nesterov = check_bool("nesterov", nesterov)

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        learning_rate = self._constant(self.learning_rate, param.dtype)
        if self.momentum == 0:
            param -= grad * learning_rate
            return
        momentum = self._constant(self.momentum, param.dtype)
        m = self._slot("momentum", name, param)
        m[...] = m * momentum - grad * learning_rate
        if self.nesterov:
            param += m * momentum - grad * learning_rate
        else:
            param += m

    def _settings(self) -> dict[str, Any]:
        return {**super()._settings(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam, as Keras's ``Adam`` (epsilon added to :math:`\\sqrt{v}`; see the module).

    Parameters
    ----------
    learning_rate
        A positive number (Keras's default 0.001).
    beta_1, beta_2
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon
        A positive number (Keras's default 1e-7).
    global_clipnorm, like_keras
        See :class:`Optimizer`.
    """

    name = "adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        *,
        global_clipnorm: float | None = None,
        like_keras: bool = False,
    ) -> None:
        super().__init__(learning_rate, global_clipnorm=global_clipnorm, like_keras=like_keras)
        self.beta_1 = _check_real("beta_1", beta_1, low=0.0, high=1.0, closed_low=True)
        self.beta_2 = _check_real("beta_2", beta_2, low=0.0, high=1.0, closed_low=True)
        self.epsilon = _check_real("epsilon", epsilon, low=0.0, high=math.inf, closed_low=False)

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        dtype = param.dtype
        step = np.asarray(self.iterations + 1, dtype=dtype)
        beta_1_power = np.power(self._constant(self.beta_1, dtype), step)
        beta_2_power = np.power(self._constant(self.beta_2, dtype), step)
        m = self._slot("m", name, param)
        v = self._slot("v", name, param)
        learning_rate = self._constant(self.learning_rate, dtype)
        # the bias corrections 1 - beta^t, folded into the step size
        alpha = learning_rate * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m += (grad - m) * np.asarray(1 - self.beta_1, dtype=dtype)
        v += (np.square(grad) - v) * np.asarray(1 - self.beta_2, dtype=dtype)
        param -= (m * alpha) / (np.sqrt(v) + np.asarray(self.epsilon, dtype=dtype))

    def _settings(self) -> dict[str, Any]:
        return {
            **super()._settings(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
