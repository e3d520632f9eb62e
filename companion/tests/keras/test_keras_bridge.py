"""The NumPy twins compute what keras.layers.SimpleRNN, LSTM and GRU compute; weights
pass between NumPy and Keras unchanged."""

import functools

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_companion.keras.bridge import (
    check_supported,
    from_keras,
    random_keras_layer,
    to_keras,
)
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.simple_rnn import NumpySimpleRNN

# kind -> (Keras class, its options, NumPy class, number of states)
KINDS = {
    "SimpleRNN": (keras.layers.SimpleRNN, {}, NumpySimpleRNN, 1),
    "LSTM": (keras.layers.LSTM, {}, NumpyLSTM, 2),
    "GRU reset_after=True": (keras.layers.GRU, {"reset_after": True}, NumpyGRU, 1),
    "GRU reset_after=False": (keras.layers.GRU, {"reset_after": False}, NumpyGRU, 1),
}
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


@functools.cache
def keras_layer(kind, units, features, dtype, use_bias, sequences, state, backwards):
    """A built Keras layer, one per configuration (its weights are set by each test)."""
    keras_class, options, _, _ = KINDS[kind]
    layer = keras_class(
        units,
        use_bias=use_bias,
        return_sequences=sequences,
        return_state=state,
        go_backwards=backwards,
        dtype=dtype,
        **options,
    )
    layer.build((None, None, features))
    return layer


def as_list(result):
    """Keras's or the twin's result as a list of NumPy arrays."""
    items = result if isinstance(result, list | tuple) else [result]
    return [np.asarray(keras.ops.convert_to_numpy(item)) for item in items]


@st.composite
def cases(draw):
    return {
        "units": draw(st.integers(1, 6)),
        "features": draw(st.integers(1, 5)),
        "batch": draw(st.integers(1, 3)),
        "steps": draw(st.integers(1, 6)),
        "dtype": draw(st.sampled_from(["float64", "float32"])),
        "use_bias": draw(st.booleans()),
        "sequences": draw(st.booleans()),
        "state": draw(st.booleans()),
        "backwards": draw(st.booleans()),
        "initial_state": draw(st.booleans()),
        "scale": draw(st.sampled_from([0.5, 1.0, 2.0])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def case_layer(kind, case, *, cached=True):
    """The Keras layer of a :func:`cases` case (a fresh one unless ``cached``)."""
    make = keras_layer if cached else keras_layer.__wrapped__
    return make(kind, case["units"], case["features"], case["dtype"], case["use_bias"],
                case["sequences"], case["state"], case["backwards"])  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=40)
@given(case=cases())
def test_twin_computes_what_keras_computes(kind, case):
    assert_twin_computes_what_keras_computes(kind, case_layer(kind, case), case)


def assert_twin_computes_what_keras_computes(kind, layer, case, tolerance=None, call=None):
    """With random weights, ``from_keras(layer)`` returns what ``layer`` returns, to
    ``tolerance`` (default: :data:`TOLERANCE` of the case's dtype); ``call(layer, x,
    initial_state)`` calls the layer (default: ``layer(x, initial_state=initial_state)``).
    The same proof runs on the JAX backend too (``equality_on_backend.py``)."""
    dtype = case["dtype"]
    tolerance = TOLERANCE[dtype] if tolerance is None else tolerance
    rng = np.random.default_rng(case["seed"])
    scale = case["scale"]
    # Random non-zero weights everywhere, biases included.
    weights = [rng.uniform(-scale, scale, size=w.shape).astype(dtype) for w in layer.get_weights()]
    layer.set_weights(weights)
    x = rng.normal(size=(case["batch"], case["steps"], case["features"])).astype(dtype)
    n_states = KINDS[kind][3]
    initial = None
    if case["initial_state"]:
        shape = (case["batch"], case["units"])
        initial = [rng.normal(size=shape).astype(dtype) for _ in range(n_states)]

    if call is None:
        expected = as_list(layer(x, initial_state=initial))
    else:
        expected = as_list(call(layer, x, initial))
    twin = from_keras(layer)
    got = as_list(twin(x, initial_state=initial))

    assert type(twin) is KINDS[kind][2]
    assert len(got) == len(expected) == (1 + n_states if case["state"] else 1)
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype == np.dtype(dtype)
        assert g.shape == e.shape
        assert np.max(np.abs(g - e)) <= tolerance


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_weights_round_trip_bit_exact(kind, dtype, use_bias):
    layer = keras_layer(kind, 3, 2, dtype, use_bias, False, False, False)
    rng = np.random.default_rng(7)
    layer.set_weights([rng.normal(size=w.shape).astype(dtype) for w in layer.get_weights()])
    original = layer.get_weights()

    twin = from_keras(layer)
    back = to_keras(twin, name="back")
    assert (twin.bias is None) == (not use_bias)
    for a, b, c in zip(original, twin.get_weights(), back.get_weights(), strict=True):
        assert a.dtype == b.dtype == c.dtype == np.dtype(dtype)
        assert np.array_equal(a, b) and np.array_equal(a, c)
    again = from_keras(back)  # and NumPy -> Keras -> NumPy
    assert all(
        np.array_equal(a, b) for a, b in zip(twin.get_weights(), again.get_weights(), strict=True)
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_twin_and_back_keep_the_settings(kind):
    layer = keras_layer(kind, 2, 3, "float64", True, True, True, True)
    twin = from_keras(layer)
    config = layer.get_config()
    assert twin.units == 2 and twin.features == 3 and twin.dtype == np.float64
    for key in ("return_sequences", "return_state", "go_backwards", "use_bias"):
        assert getattr(twin, key) == config[key]
    if "reset_after" in config:
        assert twin.reset_after == config["reset_after"]
    back = to_keras(twin).get_config()
    for key in ("units", "return_sequences", "return_state", "go_backwards", "use_bias"):
        assert back[key] == config[key]
    assert back.get("reset_after") == config.get("reset_after")
    assert back["dtype"]["config"]["name"] == "float64"


def test_float32_numpy_layer_gives_float32_keras_layer():
    numpy_layer = NumpyGRU.initialized(3, 2, seed=1, dtype="float32", reset_after=False)
    keras_gru = to_keras(numpy_layer, name="gru_from_numpy")
    assert keras_gru.name == "gru_from_numpy"
    assert keras_gru.variable_dtype == "float32" and keras_gru.get_config()["reset_after"] is False
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    assert np.max(np.abs(np.asarray(keras_gru(x)) - numpy_layer(x))) <= 1e-5


def test_to_keras_refuses_what_is_not_a_numpy_layer():
    with pytest.raises(TypeError, match="layer must be a NumPy recurrent layer"):
        to_keras("not a layer")


def test_dropout_and_unroll_are_accepted_and_the_twin_is_the_inference_pass():
    layer = keras.layers.GRU(
        3, dropout=0.5, recurrent_dropout=0.3, unroll=True, dtype="float64", name="dropped"
    )
    x = np.random.default_rng(4).normal(size=(2, 4, 2))
    expected = np.asarray(layer(x, training=False))
    assert np.max(np.abs(from_keras(layer)(x) - expected)) <= 1e-10


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: keras.layers.GRU(2, activation="relu"), ValueError, "activation='relu'"),
        (
            lambda: keras.layers.LSTM(2, recurrent_activation="hard_sigmoid"),
            ValueError,
            "recurrent_activation='hard_sigmoid'",
        ),
        (lambda: keras.layers.SimpleRNN(2, activation="relu"), ValueError, "only 'tanh'"),
        (lambda: keras.layers.GRU(2, stateful=True), ValueError, "is stateful"),
        (
            lambda: keras.layers.GRU(2, dtype="mixed_float16"),
            ValueError,
            "computes in float16 with float32 weights",
        ),
        (lambda: keras.layers.GRU(2, dtype="float16"), ValueError, "float32 or float64"),
        (lambda: keras.layers.Dense(2), TypeError, "must be one of keras.layers.SimpleRNN"),
        (
            lambda: keras.layers.RNN(keras.layers.GRUCell(2)),
            TypeError,
            "or a keras.layers.RNN running one of the course's cells",
        ),
    ],
)
def test_from_keras_refuses_what_the_twin_does_not_compute(make, error, match):
    layer = make()
    with pytest.raises(error, match=match):
        from_keras(layer)


def test_from_keras_needs_a_built_layer():
    with pytest.raises(ValueError, match=r"is not built .* layer.build\(\(None, None, features"):
        from_keras(keras.layers.LSTM(2))


def test_check_supported_returns_the_config():
    layer = keras.layers.SimpleRNN(2, go_backwards=True)
    assert check_supported(layer)["go_backwards"] is True


@pytest.mark.parametrize(
    "layer_class", [keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU]
)
def test_random_keras_layers_have_seeded_non_zero_biases(layer_class):
    first = random_keras_layer(layer_class, 3, 2, seed=5, return_sequences=True)
    again = random_keras_layer(layer_class, 3, 2, seed=5, return_sequences=True)
    bias = np.asarray(first.get_weights()[-1])
    assert first.built and first.return_sequences and first.dtype == "float64"
    assert np.all(bias != 0) and np.all(np.abs(bias) <= 0.5)
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        assert np.array_equal(a, b)
    twin = from_keras(first)
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    np.testing.assert_allclose(twin(x), np.asarray(first(x)), rtol=0, atol=1e-12)


def test_random_keras_layer_refuses_other_layers_and_bad_sizes():
    with pytest.raises(TypeError, match="layer_class must be"):
        random_keras_layer(keras.layers.Dense, 3, 2)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        random_keras_layer(keras.layers.GRU, 0, 2)
    with pytest.raises(ValueError, match="dtype must be one of"):
        random_keras_layer(keras.layers.GRU, 3, 2, dtype="float16")


def test_tape_gradients_refuses_missing_state_weights_and_bad_states():
    from gru_companion.keras.bridge import tape_gradients

    layer = random_keras_layer(keras.layers.GRU, 2, 3, return_state=True)
    x, h0 = np.zeros((1, 4, 3)), np.zeros((1, 2))
    with pytest.raises(ValueError, match="d_states must be given"):
        tape_gradients(layer, x, [h0], np.ones((1, 2)))
    with pytest.raises(TypeError, match="initial_states must be a list"):
        tape_gradients(layer, x, h0, np.ones((1, 2)), [np.ones((1, 2))])
