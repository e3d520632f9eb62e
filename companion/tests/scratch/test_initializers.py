"""Keras's default initialisers in NumPy: shapes, ranges, orthogonality, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_companion.scratch.initializers import glorot_uniform, orthogonal

sizes = st.integers(1, 40)


@settings(max_examples=30, deadline=None)
@given(fan_in=sizes, fan_out=sizes, seed=st.integers(0, 2**32 - 1))
def test_glorot_uniform_stays_within_its_limit(fan_in, fan_out, seed):
    w = glorot_uniform(np.random.default_rng(seed), fan_in, fan_out)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert np.abs(w).max() <= np.sqrt(6.0 / (fan_in + fan_out))


def test_glorot_uniform_fills_its_range():
    w = glorot_uniform(np.random.default_rng(0), 300, 300)
    limit = np.sqrt(6.0 / 600)
    assert np.abs(w).max() > 0.99 * limit
    assert abs(w.var() - limit**2 / 3) < 0.02 * limit**2  # the variance of U(-a, a)


@settings(max_examples=30, deadline=None)
@given(rows=sizes, cols=sizes, seed=st.integers(0, 2**32 - 1))
def test_orthogonal_has_orthonormal_rows_or_columns(rows, cols, seed):
    q = orthogonal(np.random.default_rng(seed), rows, cols)
    assert q.shape == (rows, cols) and q.dtype == np.float64
    gram = q @ q.T if rows < cols else q.T @ q
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)


def test_square_orthogonal_matrix_keeps_lengths():
    q = orthogonal(np.random.default_rng(1), 16, 16)
    h = np.random.default_rng(2).normal(size=(5, 16))
    np.testing.assert_allclose(np.linalg.norm(h @ q, axis=1), np.linalg.norm(h, axis=1))


def test_the_same_generator_state_gives_the_same_matrices():
    a = orthogonal(np.random.default_rng(7), 4, 12)
    b = orthogonal(np.random.default_rng(7), 4, 12)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("function", [glorot_uniform, orthogonal])
@pytest.mark.parametrize(
    "shape, error, message",
    [((0, 3), ValueError, "positive integer"), ((2, 1.5), TypeError, "positive integer")],
)
def test_bad_sizes_are_refused(function, shape, error, message):
    with pytest.raises(error, match=message):
        function(np.random.default_rng(0), *shape)
