"""The NumPy recurrent layers: activations, the shared time loop, each cell's equations."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.gru import NumpyGRU, gru_step
from gru_companion.scratch.lstm import NumpyLSTM, lstm_step
from gru_companion.scratch.recurrent_layer import input_projection, split_gates
from gru_companion.scratch.simple_rnn import NumpySimpleRNN, simple_rnn_step

LAYERS = {
    "SimpleRNN": (NumpySimpleRNN, {}),
    "LSTM": (NumpyLSTM, {}),
    "GRU reset_after=True": (NumpyGRU, {"reset_after": True}),
    "GRU reset_after=False": (NumpyGRU, {"reset_after": False}),
}


def make(kind, features=3, units=4, **kwargs):
    layer_class, options = LAYERS[kind]
    return layer_class.initialized(features, units, **options, **kwargs)


# ----------------------------------------------------------------------------- activations
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_at_the_extremes_without_warnings(dtype):
    x = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y = sigmoid(x)
    assert y.dtype == dtype
    assert y[0] == 0.0 and y[2] == 0.5 and y[-1] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            1 / (1 + np.exp(-x))  # the formula as written overflows


def test_sigmoid_and_tanh_are_the_textbook_functions():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14, atol=0)
    np.testing.assert_allclose(sigmoid(x) + sigmoid(-x), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_and_tanh_agree_with_keras(dtype):
    import keras

    x = np.concatenate([np.linspace(-50, 50, 1001), [-1000.0, 1000.0]]).astype(dtype)
    for ours, theirs in ((sigmoid, keras.activations.sigmoid), (tanh, keras.activations.tanh)):
        expected = keras.ops.convert_to_numpy(theirs(x))
        assert np.max(np.abs(ours(x) - expected)) <= 10 * np.finfo(dtype).eps


def test_numpy_modules_do_not_import_keras():
    """Every module of the scratch room, imported in a fresh interpreter, leaves Keras,
    TensorFlow and matplotlib unimported."""
    code = (
        "import importlib, pkgutil, sys; import gru_companion.scratch as room; "
        "[importlib.import_module(f'{room.__name__}.{m.name}') "
        "for m in pkgutil.iter_modules(room.__path__)]; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------- shared machinery
@settings(max_examples=25)
@given(
    batch=st.integers(1, 3),
    steps=st.integers(1, 5),
    features=st.integers(1, 4),
    width=st.integers(1, 8),
    use_bias=st.booleans(),
)
def test_input_projection_is_every_step_projected(batch, steps, features, width, use_bias):
    rng = np.random.default_rng(batch * 100 + steps * 10 + features)
    x = rng.normal(size=(batch, steps, features))
    kernel = rng.normal(size=(features, width))
    bias = rng.normal(size=width) if use_bias else None
    projection = input_projection(x, kernel, bias)
    assert projection.shape == (batch, steps, width)
    for t in range(steps):
        expected = x[:, t] @ kernel + (0 if bias is None else bias)
        np.testing.assert_allclose(projection[:, t], expected, rtol=0, atol=1e-12)


def test_split_gates_gives_views_in_column_order():
    a = np.arange(12.0).reshape(2, 6)
    first, second, third = split_gates(a, 3)
    assert np.array_equal(second, [[2.0, 3.0], [8.0, 9.0]])
    assert np.shares_memory(first, a)
    assert [b.shape for b in split_gates(np.arange(8.0), 4)] == [(2,)] * 4


@pytest.mark.parametrize("kind", list(LAYERS))
@settings(max_examples=25)
@given(
    batch=st.integers(1, 3),
    steps=st.integers(1, 6),
    dtype=st.sampled_from(["float32", "float64"]),
    use_bias=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_sequence_machinery(kind, batch, steps, dtype, use_bias, seed):
    """Flags, initial states, go_backwards and chunking, the same for every kind."""
    rng = np.random.default_rng(seed)
    full = make(
        kind, seed=seed, dtype=dtype, use_bias=use_bias, return_sequences=True, return_state=True
    )
    x = rng.normal(size=(batch, steps, 3)).astype(dtype)
    n_states = len(full.state_names)
    initial = [rng.normal(size=(batch, 4)).astype(dtype) for _ in range(n_states)]

    outputs, *states = full(x, initial_state=initial)
    assert outputs.dtype == np.dtype(dtype) and outputs.shape == (batch, steps, 4)
    assert len(states) == n_states
    assert np.array_equal(states[0], outputs[:, -1])  # the output of a step is its h

    options = {"reset_after": full.reset_after} if isinstance(full, NumpyGRU) else {}
    weights = full.get_weights() + ([] if use_bias else [None])
    last_only = type(full)(*weights, **options)
    assert np.array_equal(last_only(x, initial_state=initial), outputs[:, -1])

    # go_backwards reads the reversed sequence and returns the outputs in reading order
    backwards = type(full)(*weights, return_sequences=True, go_backwards=True, **options)
    forwards = type(full)(*weights, return_sequences=True, **options)
    np.testing.assert_allclose(backwards(x), forwards(x[:, ::-1]), rtol=0, atol=1e-6)

    # the final states of one chunk are the initial states of the next
    if steps > 1:
        cut = steps // 2
        first, *middle = full(x[:, :cut], initial_state=initial)
        second, *end = full(x[:, cut:], initial_state=middle)
        tolerance = 1e-12 if dtype == "float64" else 1e-5
        np.testing.assert_allclose(
            np.concatenate([first, second], axis=1), outputs, rtol=0, atol=tolerance
        )
        for a, b in zip(end, states, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_zero_initial_state_is_the_default(kind):
    layer = make(kind, return_state=True)
    x = np.random.default_rng(0).normal(size=(2, 3, 3))
    zeros = [np.zeros((2, 4)) for _ in layer.state_names]
    for a, b in zip(layer(x), layer(x, initial_state=zeros), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_cell_is_one_step_of_the_layer(kind):
    layer = make(kind, seed=5, return_state=True)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2, 3))
    states = layer.cell(x[:, 0])
    states = layer.cell(x[:, 1], states)
    _, *expected = layer(x)
    for a, b in zip(states, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_run_keeps_the_cache_a_backward_pass_needs():
    gru = NumpyGRU.initialized(3, 4, seed=2)
    x = np.random.default_rng(3).normal(size=(2, 5, 3))
    run = gru.run(x, keep_cache=True)
    assert len(run.caches) == 5 and gru.run(x).caches is None
    assert run.input_projection.shape == (2, 5, 12)
    assert np.array_equal(run.caches[0]["h_prev"], run.initial_states[0])
    for t, cache in enumerate(run.caches):
        assert set(cache) == {"h_prev", "z", "r", "h_tilde", "h"}
        np.testing.assert_allclose(
            cache["h"],
            cache["z"] * cache["h_prev"] + (1 - cache["z"]) * cache["h_tilde"],
            rtol=0,
            atol=1e-15,
        )
        assert np.array_equal(cache["h"], run.outputs[:, t])
        if t > 0:
            assert np.array_equal(cache["h_prev"], run.outputs[:, t - 1])
    lstm_run = NumpyLSTM.initialized(3, 4, seed=2).run(x, keep_cache=True)
    for cache in lstm_run.caches:
        np.testing.assert_allclose(
            cache["c"],
            cache["f"] * cache["c_prev"] + cache["i"] * cache["c_tilde"],
            rtol=0,
            atol=1e-15,
        )
    assert np.array_equal(lstm_run.caches[-1]["c"], lstm_run.states[1])


# --------------------------------------------------------------------- the equations
def test_simple_rnn_step_is_its_equation():
    rng = np.random.default_rng(0)
    x_proj, h_prev, u = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    h, _ = simple_rnn_step(x_proj, h_prev, u)
    assert np.array_equal(h, np.tanh(x_proj + h_prev @ u))


def test_lstm_step_is_its_equations():
    rng = np.random.default_rng(1)
    n = 3
    x_proj, u = rng.normal(size=(2, 4 * n)), rng.normal(size=(n, 4 * n))
    h_prev, c_prev = rng.normal(size=(2, n)), rng.normal(size=(2, n))
    h, c, _ = lstm_step(x_proj, h_prev, c_prev, u)
    pre = x_proj + h_prev @ u  # all four gates at once, then cut into blocks
    logistic = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, o = logistic(pre[:, :n]), logistic(pre[:, n : 2 * n]), logistic(pre[:, 3 * n :])
    c_expected = f * c_prev + i * np.tanh(pre[:, 2 * n : 3 * n])
    np.testing.assert_allclose(c, c_expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(c_expected), rtol=0, atol=1e-14)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_is_its_equations(reset_after):
    rng = np.random.default_rng(2)
    n = 3
    x_proj, u = rng.normal(size=(2, 3 * n)), rng.normal(size=(n, 3 * n))
    h_prev = rng.normal(size=(2, n))
    b = rng.normal(size=3 * n) if reset_after else None
    h, cache = gru_step(x_proj, h_prev, u, b, reset_after=reset_after)
    logistic = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    inner = h_prev @ u + (b if reset_after else 0)
    z = logistic(x_proj[:, :n] + inner[:, :n])
    r = logistic(x_proj[:, n : 2 * n] + inner[:, n : 2 * n])
    if reset_after:
        h_tilde = np.tanh(x_proj[:, 2 * n :] + r * inner[:, 2 * n :])
    else:
        h_tilde = np.tanh(x_proj[:, 2 * n :] + (r * h_prev) @ u[:, 2 * n :])
    np.testing.assert_allclose(cache["z"], z, rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache["r"], r, rtol=0, atol=1e-14)
    np.testing.assert_allclose(h, z * h_prev + (1 - z) * h_tilde, rtol=0, atol=1e-14)


def test_gru_variants_agree_when_the_reset_gate_is_open():
    """With r = 1 (a huge reset bias) both candidates are tanh(x W_h + b_h + h U_h)."""
    after = NumpyGRU.initialized(2, 3, seed=4, return_sequences=True)
    bias = after.bias.copy()
    bias[0, 3:6] = 1000.0  # input bias of r
    bias[1] = 0.0
    after = NumpyGRU(after.kernel, after.recurrent_kernel, bias, return_sequences=True)
    before = NumpyGRU(
        after.kernel, after.recurrent_kernel, bias[0], reset_after=False, return_sequences=True
    )
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    np.testing.assert_allclose(after(x), before(x), rtol=0, atol=1e-14)


# ------------------------------------------------------------------ construction
@pytest.mark.parametrize("kind", list(LAYERS))
def test_initialized_weights(kind):
    layer = make(kind, features=3, units=4, seed=11)
    k = len(layer.gate_names)
    assert layer.kernel.shape == (3, k * 4) and layer.recurrent_kernel.shape == (4, k * 4)
    expected_bias = (2, 12) if getattr(layer, "reset_after", False) else (k * 4,)
    assert layer.bias.shape == expected_bias and np.all(layer.bias != 0)
    np.testing.assert_allclose(
        layer.recurrent_kernel @ layer.recurrent_kernel.T, np.eye(4), atol=1e-12
    )
    again = make(kind, features=3, units=4, seed=11)
    assert all(
        np.array_equal(a, b) for a, b in zip(layer.get_weights(), again.get_weights(), strict=True)
    )
    assert not np.array_equal(layer.kernel, make(kind, seed=12).kernel)
    assert make(kind, use_bias=False).bias is None
    assert len(make(kind, use_bias=False).get_weights()) == 2
    assert make(kind, dtype="float32").dtype == np.float32


def test_astype_repr_and_config():
    gru = NumpyGRU.initialized(2, 3, seed=0, reset_after=False, go_backwards=True)
    single = gru.astype("float32")
    assert single.dtype == np.float32 and single.reset_after is False and single.go_backwards
    assert np.array_equal(single.kernel, gru.kernel.astype(np.float32))
    assert repr(gru) == (
        "NumpyGRU(units=3, features=2, use_bias=True, dtype='float64', reset_after=False, "
        "return_sequences=False, return_state=False, go_backwards=True)"
    )
    assert gru.get_config()["units"] == 3


def test_weights_are_copied_in():
    kernel = np.zeros((2, 3))
    rnn = NumpySimpleRNN(kernel, np.eye(3), None)
    kernel[0, 0] = 5.0
    assert rnn.kernel[0, 0] == 0.0
    rnn.get_weights()[0][0, 0] = 7.0
    assert rnn.kernel[0, 0] == 0.0
