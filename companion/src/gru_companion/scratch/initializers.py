"""Keras's default initial weights, in NumPy.

A recurrent layer in Keras starts with a **Glorot-uniform** input kernel
(``keras.initializers.GlorotUniform``: uniform in :math:`\\pm\\sqrt{6 / (\\text{fan-in} +
\\text{fan-out})}`, which keeps the variance of activations about equal from layer to
layer) and an **orthogonal** recurrent kernel (``keras.initializers.Orthogonal``: a matrix
whose rows or columns are orthonormal, so that multiplying a state by it, step after
step, neither shrinks nor grows it at first). A ``Dense`` layer starts with a
Glorot-uniform kernel too. These functions draw the same *kinds* of matrices from a NumPy
generator; they do not reproduce Keras's random numbers (Keras draws from its own
seeded generator), and the course copies weights between NumPy and Keras when it needs
equal numbers (:mod:`gru_companion.keras.bridge`).
"""

from __future__ import annotations

import numpy as np

from gru_companion.validation import check_positive_int


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """A (fan_in, fan_out) float64 matrix, uniform in :math:`\\pm\\sqrt{6 / (f_i + f_o)}`.

    :math:`f_i` is ``fan_in``, :math:`f_o` is ``fan_out``.

    Parameters
    ----------
    rng
        The generator to draw from (its state advances).
    fan_in, fan_out
        The matrix's rows (inputs) and columns (outputs), positive integers; for a
        recurrent layer's kernel, ``fan_out`` is the width of all gate blocks together.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(fan_in, fan_out)``.
    """
    fan_in = check_positive_int("fan_in", fan_in)
    fan_out = check_positive_int("fan_out", fan_out)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def orthogonal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A (rows, cols) float64 matrix with orthonormal rows or columns, as Keras's ``Orthogonal``.

    The Q factor of the QR decomposition of a Gaussian matrix, with the signs fixed by R's
    diagonal so that the result is uniformly distributed; transposed when it is wider than
    tall, so that its *rows* are orthonormal then.

    Parameters
    ----------
    rng
        The generator to draw from (its state advances).
    rows, cols
        Positive integers; a recurrent kernel has ``rows = units`` and
        ``cols = blocks * units``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(rows, cols)``: ``q.T @ q`` (tall) or ``q @ q.T`` (wide) is the
        identity.
    """
    rows = check_positive_int("rows", rows)
    cols = check_positive_int("cols", cols)
    normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(normal)
    q = q * np.sign(np.diag(r))
    return q.T if rows < cols else q
