r"""The two squashing functions of recurrent cells, in NumPy: sigmoid and tanh.

Gates use the logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, which maps any real
number into (0, 1): a gate value is a fraction of something let through. Candidate states
use :math:`\tanh`, which maps into (-1, 1). Keras (``keras.activations.sigmoid`` and
``tanh``, the defaults of its recurrent layers) computes the same two functions; these
agree with them to float precision.

Written as the formula, ``1 / (1 + np.exp(-x))`` overflows for large negative ``x``
(``np.exp(1000)`` is ``inf`` and NumPy warns); :func:`sigmoid` never calls ``exp`` on a
positive number, so it gives 0 and 1 at the extremes without a warning.
"""

from __future__ import annotations

import numpy as np

#: The pre-activation that saturates the sigmoid. :math:`\sigma(40)` rounds to exactly 1 in
#: float32 and float64, and :math:`\sigma(-40) = e^{-40}/(1 + e^{-40}) \approx 4.2 \cdot
#: 10^{-18}` lets through a fraction of :math:`10^{-17}` of what it multiplies. A gate with
#: zero weights and this bias is held at 1 (its negative holds it at 0).
SATURATING_LOGIT = 40.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""The logistic sigmoid, elementwise, without overflow.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}} =
        \begin{cases}
            \dfrac{1}{1 + e^{-x}} & x \ge 0 \\[1ex]
            \dfrac{e^{x}}{1 + e^{x}} & x < 0
        \end{cases}

    Both branches are the same function; each is used where its ``exp`` sees a number
    that is not positive (``e = exp(-|x|)``), so ``exp`` never overflows.

    Parameters
    ----------
    x
        A floating-point array (any shape). Its dtype is kept.

    Returns
    -------
    numpy.ndarray
        :math:`\sigma(x)`, with the shape and dtype of ``x``.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x: np.ndarray) -> np.ndarray:
    r"""The hyperbolic tangent, elementwise: :math:`\tanh(x) = (e^{x} - e^{-x}) / (e^{x} + e^{-x})`.

    NumPy's ``np.tanh`` is already stable for large ``|x|`` (it saturates at -1 and 1).
    Like :func:`sigmoid`, it takes a floating-point array of any shape and returns one of
    the same shape and dtype.
    """
    return np.tanh(x)
