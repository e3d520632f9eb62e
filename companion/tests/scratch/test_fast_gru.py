"""The fast GRU computes what the readable NumpyGRU computes: outputs and every gradient."""

import numpy as np
import pytest

from gru_companion.scratch.fast_gru import fast_gru_backward, fast_gru_forward
from gru_companion.scratch.gru import NumpyGRU

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def _case(dtype, batch=3, steps=7, features=4, units=5, seed=0):
    layer = NumpyGRU.initialized(
        features, units, seed=seed, dtype=dtype, return_sequences=True, return_state=True
    )
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    h0 = rng.normal(size=(batch, units)).astype(dtype)
    d_out = rng.normal(size=(batch, steps, units)).astype(dtype)
    d_last = rng.normal(size=(batch, units)).astype(dtype)
    return layer, x, h0, d_out, d_last


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(3, 7, 4, 5), (1, 1, 2, 3), (8, 20, 6, 16)])
def test_forward_and_gradients_equal_the_readable_gru(dtype, shape):
    batch, steps, features, units = shape
    layer, x, h0, d_out, d_last = _case(dtype, batch, steps, features, units)
    tol = TOLERANCE[dtype]
    readable = layer.run(x, h0, keep_cache=True)
    fast = fast_gru_forward(layer, x, h0)
    assert fast.outputs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(fast.outputs, readable.outputs, rtol=0, atol=tol)
    expected = layer.backward(readable, d_out, [d_last])
    got = fast_gru_backward(layer, fast, d_out, d_last)
    for name in ("inputs", "kernel", "recurrent_kernel", "bias"):
        want = getattr(expected, name)
        have = getattr(got, name)
        assert have.shape == want.shape and have.dtype == want.dtype, name
        np.testing.assert_allclose(have, want, rtol=0, atol=tol * max(1, np.abs(want).max()))
    np.testing.assert_allclose(got.initial_state, expected.initial_states[0], rtol=0, atol=tol)


def test_zero_initial_state_and_only_last_gradient():
    layer, x, _, _, d_last = _case("float64")
    readable = layer.run(x, keep_cache=True)
    fast = fast_gru_forward(layer, x)
    np.testing.assert_allclose(fast.outputs, readable.outputs, rtol=0, atol=1e-12)
    expected = layer.backward(readable, None, [d_last])
    got = fast_gru_backward(layer, fast, None, d_last)
    np.testing.assert_allclose(got.recurrent_kernel, expected.recurrent_kernel, atol=1e-10)
    np.testing.assert_allclose(got.inputs, expected.inputs, atol=1e-10)


def test_large_pre_activations_stay_finite_without_warnings():
    layer, x, h0, d_out, _ = _case("float32")
    with np.errstate(all="raise"):
        run = fast_gru_forward(layer, x * 1e4, h0)
        grads = fast_gru_backward(layer, run, d_out)
    assert np.isfinite(run.outputs).all() and np.isfinite(grads.kernel).all()


def test_unsupported_layers_are_refused():
    with pytest.raises(ValueError, match="reset_after=True"):
        fast_gru_forward(NumpyGRU.initialized(2, 3, reset_after=False), np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="reset_after=True"):
        fast_gru_forward(NumpyGRU.initialized(2, 3, use_bias=False), np.ones((1, 2, 2)))
    with pytest.raises(TypeError, match="NumpyGRU"):
        fast_gru_forward("GRU", np.ones((1, 2, 2)))
