"""Chung et al.'s and PyTorch's GRU are Keras's GRU in other clothes: checked numerically."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_companion.scratch.conventions import (
    PyTorchGRUWeights,
    chung_gru_step,
    chung_to_keras,
    keras_to_pytorch,
    pytorch_gru_step,
    pytorch_to_keras,
)
from gru_companion.scratch.gru import NumpyGRU

sizes = st.integers(1, 6)


def _batch(seed: int, batch: int, width: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, width))


@given(features=sizes, units=sizes, batch=sizes, seed=st.integers(0, 2**16))
def test_chung_is_keras_reset_before_with_the_update_gate_negated(features, units, batch, seed):
    gru = NumpyGRU.initialized(features, units, seed=seed, reset_after=False)
    x, h = _batch(seed, batch, features), _batch(seed + 1, batch, units)
    # Chung's step with Keras's weights is a *different* function ...
    chung = chung_gru_step(x, h, gru.kernel, gru.recurrent_kernel, gru.bias)
    (keras_h,) = gru.cell(x, h)
    assert not np.allclose(chung, keras_h)
    # ... and the same one once the z block is negated.
    kernel, recurrent_kernel, bias = chung_to_keras(gru.kernel, gru.recurrent_kernel, gru.bias)
    chung = chung_gru_step(x, h, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(chung, keras_h, rtol=0, atol=1e-12)


def test_chung_conversion_is_its_own_inverse_and_copies():
    gru = NumpyGRU.initialized(3, 4, seed=1, reset_after=False)
    weights = (gru.kernel, gru.recurrent_kernel, gru.bias)
    twice = chung_to_keras(*chung_to_keras(*weights))
    for original, back in zip(weights, twice, strict=True):
        assert np.array_equal(original, back)
        assert back is not original


@given(features=sizes, units=sizes, batch=sizes, seed=st.integers(0, 2**16))
def test_pytorch_gru_is_keras_reset_after_reordered_and_transposed(features, units, batch, seed):
    gru = NumpyGRU.initialized(features, units, seed=seed, reset_after=True)
    x, h = _batch(seed, batch, features), _batch(seed + 1, batch, units)
    torch_weights = keras_to_pytorch(gru.kernel, gru.recurrent_kernel, gru.bias)
    assert torch_weights.weight_ih.shape == (3 * units, features)
    assert torch_weights.weight_hh.shape == (3 * units, units)
    (keras_h,) = gru.cell(x, h)
    np.testing.assert_allclose(pytorch_gru_step(x, h, torch_weights), keras_h, rtol=0, atol=1e-12)


def test_pytorch_round_trip_is_exact_and_reorders_r_and_z():
    gru = NumpyGRU.initialized(2, 3, seed=2)
    torch_weights = keras_to_pytorch(gru.kernel, gru.recurrent_kernel, gru.bias)
    # PyTorch's first block (r) is Keras's second (r), transposed.
    assert np.array_equal(torch_weights.weight_ih[:3], gru.kernel[:, 3:6].T)
    assert np.array_equal(torch_weights.bias_hh[3:6], gru.bias[1, :3])
    back = pytorch_to_keras(torch_weights)
    for original, converted in zip(gru.get_weights(), back, strict=True):
        assert np.array_equal(original, converted)


def test_reset_before_weights_cannot_become_pytorch_weights():
    gru = NumpyGRU.initialized(2, 3, seed=0, reset_after=False)
    with pytest.raises(ValueError, match=r"bias must have shape \(2, 9\)"):
        keras_to_pytorch(gru.kernel, gru.recurrent_kernel, gru.bias)


def test_bad_weights_are_named():
    gru = NumpyGRU.initialized(2, 3, seed=0, reset_after=False)
    with pytest.raises(ValueError, match="kernel must have shape"):
        chung_to_keras(gru.kernel[:, :6], gru.recurrent_kernel, gru.bias)
    with pytest.raises(ValueError, match="recurrent_kernel must have shape"):
        chung_to_keras(gru.kernel, gru.recurrent_kernel[:2], gru.bias)
    with pytest.raises(TypeError, match="kernel must be a numpy array"):
        chung_to_keras(gru.kernel.tolist(), gru.recurrent_kernel, gru.bias)
    with pytest.raises(TypeError, match="PyTorchGRUWeights"):
        pytorch_to_keras((gru.kernel, gru.recurrent_kernel, gru.bias))
    with pytest.raises(TypeError, match="PyTorchGRUWeights"):
        pytorch_gru_step(np.zeros((1, 2)), np.zeros((1, 3)), {"weight_ih": None})
    assert PyTorchGRUWeights.__dataclass_fields__.keys() == {
        "weight_ih", "weight_hh", "bias_ih", "bias_hh"
    }
