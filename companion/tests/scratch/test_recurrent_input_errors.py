"""Every bad input to the NumPy recurrent layers fails with a message naming what was
expected and what came; nothing is converted or broadcast silently."""

import numpy as np
import pytest

from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.simple_rnn import NumpySimpleRNN

FEATURES, UNITS, BATCH, STEPS = 3, 4, 2, 5

LAYERS = {
    "SimpleRNN": (NumpySimpleRNN, {}),
    "LSTM": (NumpyLSTM, {}),
    "GRU reset_after=True": (NumpyGRU, {"reset_after": True}),
    "GRU reset_after=False": (NumpyGRU, {"reset_after": False}),
}
KINDS = list(LAYERS)


def make(kind, **kwargs):
    layer_class, options = LAYERS[kind]
    return layer_class.initialized(FEATURES, UNITS, seed=0, **options, **kwargs)


def good_inputs(dtype=np.float64):
    return np.random.default_rng(0).normal(size=(BATCH, STEPS, FEATURES)).astype(dtype)


def good_states(layer, dtype=np.float64):
    return [np.zeros((BATCH, UNITS), dtype=dtype) for _ in layer.state_names]


# ----------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("inputs", "error", "match"),
    [
        (good_inputs().tolist(), TypeError, r"inputs must be a numpy.ndarray .* got list"),
        (
            np.ones((BATCH, STEPS, FEATURES), dtype=np.int64),
            TypeError,
            "floating-point numbers of dtype float64 .* got dtype int64",
        ),
        (np.ones((BATCH, STEPS, FEATURES), dtype=bool), TypeError, "got dtype bool"),
        (
            good_inputs(np.float32),
            TypeError,
            r"inputs has dtype float32 but the layer's weights are float64.*astype",
        ),
        (
            np.ones((STEPS, FEATURES)),
            ValueError,
            r"3 dimensions \(batch, time, features\), got 2 \(shape \(5, 3\)\)",
        ),
        (np.ones((1, BATCH, STEPS, FEATURES)), ValueError, "3 dimensions .* got 4"),
        (
            np.ones((BATCH, STEPS, FEATURES + 1)),
            ValueError,
            r"must have 3 features \(the kernel has 3 rows\), got 4",
        ),
        (np.ones((BATCH, 0, FEATURES)), ValueError, r"at least one time step, got 0"),
        (np.ones((0, STEPS, FEATURES)), ValueError, r"at least one sequence, got shape \(0, 5"),
    ],
)
def test_bad_inputs(kind, inputs, error, match):
    layer = make(kind)
    with pytest.raises(error, match=match):
        layer(inputs)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs(kind, bad):
    x = good_inputs()
    x[1, 2, 0] = bad
    with pytest.raises(ValueError, match=r"inputs must be finite, got .* at index \(1, 2, 0\)"):
        make(kind)(x)


def test_float32_layer_refuses_float64_inputs():
    layer = make("GRU reset_after=True", dtype="float32")
    with pytest.raises(TypeError, match="inputs has dtype float64 but the layer's weights are"):
        layer(good_inputs())
    assert layer(good_inputs(np.float32)).dtype == np.float32


# ------------------------------------------------------------------------ initial state
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((UNITS,), r"\(batch, units\) = \(2, 4\), got \(4,\)"),  # would broadcast
        ((1, UNITS), r"\(batch, units\) = \(2, 4\), got \(1, 4\)"),  # would broadcast
        ((BATCH, UNITS + 1), r"\(batch, units\) = \(2, 4\), got \(2, 5\)"),
        ((BATCH, UNITS, 1), r"\(batch, units\) = \(2, 4\), got \(2, 4, 1\)"),
    ],
)
def test_initial_state_of_wrong_shape(kind, shape, match):
    layer = make(kind)
    states = good_states(layer)
    states[0] = np.zeros(shape)
    with pytest.raises(ValueError, match=r"initial_state\[0\] \(h\) must have shape " + match):
        layer(good_inputs(), initial_state=states)


def test_lstm_cell_state_of_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"initial_state\[1\] \(c\) must have shape"):
        make("LSTM")(good_inputs(), initial_state=[np.zeros((BATCH, UNITS)), np.zeros(UNITS)])


def test_lstm_needs_both_states():
    lstm = make("LSTM")
    with pytest.raises(TypeError, match=r"list \[h, c\] of 2 numpy.ndarray\(s\), got ndarray"):
        lstm(good_inputs(), initial_state=np.zeros((BATCH, UNITS)))
    with pytest.raises(ValueError, match=r"must hold 2 array\(s\) \[h, c\] for a LSTM, got 1"):
        lstm(good_inputs(), initial_state=[np.zeros((BATCH, UNITS))])


@pytest.mark.parametrize("kind", ["SimpleRNN", "GRU reset_after=True"])
def test_single_state_kinds_take_an_array_or_a_list_of_one(kind):
    layer = make(kind)
    h0 = np.ones((BATCH, UNITS))
    assert np.array_equal(layer(good_inputs(), h0), layer(good_inputs(), [h0]))
    with pytest.raises(ValueError, match=r"must hold 1 array\(s\) \[h\]"):
        layer(good_inputs(), initial_state=[h0, h0])
    with pytest.raises(TypeError, match="initial_state must be a list .* got dict"):
        layer(good_inputs(), initial_state={"h": h0})


@pytest.mark.parametrize("kind", KINDS)
def test_initial_state_of_wrong_dtype_or_not_finite(kind):
    layer = make(kind)
    states = good_states(layer, np.float32)
    with pytest.raises(TypeError, match=r"initial_state\[0\] \(h\) has dtype float32"):
        layer(good_inputs(), initial_state=states)
    states = good_states(layer)
    states[-1][0, 1] = np.nan
    with pytest.raises(ValueError, match=r"initial_state\[.\] \(.\) must be finite"):
        layer(good_inputs(), initial_state=states)
    states = [state.tolist() for state in good_states(layer)]
    with pytest.raises(TypeError, match=r"initial_state\[0\] \(h\) must be a numpy.ndarray"):
        layer(good_inputs(), initial_state=states)


# ------------------------------------------------------------------------------ weights
@pytest.mark.parametrize("kind", KINDS)
def test_units_and_features_must_be_positive(kind):
    with pytest.raises(ValueError, match=r"units must be a positive integer \(>= 1\), got 0"):
        LAYERS[kind][0].initialized(FEATURES, 0)
    with pytest.raises(ValueError, match="units must be a positive integer .* got -2"):
        LAYERS[kind][0].initialized(FEATURES, -2)
    with pytest.raises(TypeError, match="units must be a positive integer, got float 2.5"):
        LAYERS[kind][0].initialized(FEATURES, 2.5)
    with pytest.raises(ValueError, match="features must be a positive integer"):
        LAYERS[kind][0].initialized(0, UNITS)
    k = len(LAYERS[kind][0].gate_names)
    with pytest.raises(ValueError, match=r"units >= 1, got shape \(0, 0\)"):
        LAYERS[kind][0](np.zeros((FEATURES, 0)), np.zeros((0, 0)), None)
    with pytest.raises(ValueError, match=r"features >= 1, got shape \(0, "):
        LAYERS[kind][0](np.zeros((0, k)), np.zeros((1, k)), None)


@pytest.mark.parametrize("kind", KINDS)
def test_weights_of_wrong_shape(kind):
    layer_class, options = LAYERS[kind]
    good = make(kind)
    k = len(good.gate_names)
    kernel, recurrent, bias = good.kernel, good.recurrent_kernel, good.bias

    def build(kernel=kernel, recurrent=recurrent, bias=bias):
        return layer_class(kernel, recurrent, bias, **options)

    with pytest.raises(ValueError, match=rf"kernel must have shape \(features, {k} \* units\)"):
        build(kernel=kernel[:, :-1])
    with pytest.raises(ValueError, match=r"kernel must have shape .* got shape \(12,\)"):
        build(kernel=np.zeros(12))
    with pytest.raises(
        ValueError, match=rf"recurrent_kernel must have shape \(units, {k} \* units\)"
    ):
        build(recurrent=recurrent[:, :-1])
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape .* got \(3, "):
        build(recurrent=recurrent[:-1])
    with pytest.raises(ValueError, match=r"bias must have shape .* got \(5,\)"):
        build(bias=np.zeros(5))


def test_gru_bias_shape_follows_reset_after():
    after = make("GRU reset_after=True")
    before = make("GRU reset_after=False")
    assert after.bias.shape == (2, 12) and before.bias.shape == (12,)
    with pytest.raises(ValueError, match=r"bias must have shape \(2, 3 \* units\) = \(2, 12\)"):
        NumpyGRU(after.kernel, after.recurrent_kernel, before.bias, reset_after=True)
    with pytest.raises(ValueError, match=r"bias must have shape \(3 \* units,\) = \(12,\)"):
        NumpyGRU(after.kernel, after.recurrent_kernel, after.bias, reset_after=False)


@pytest.mark.parametrize("kind", KINDS)
def test_weights_of_wrong_type_or_dtype_or_not_finite(kind):
    layer_class, options = LAYERS[kind]
    good = make(kind)
    kernel, recurrent, bias = good.kernel, good.recurrent_kernel, good.bias
    with pytest.raises(TypeError, match="kernel must be a numpy.ndarray, got list"):
        layer_class(kernel.tolist(), recurrent, bias, **options)
    with pytest.raises(TypeError, match="kernel must have dtype float32 or float64, got .*int"):
        layer_class(kernel.astype(int), recurrent, bias, **options)
    with pytest.raises(TypeError, match="must have dtype float32 or float64, got dtype float16"):
        layer_class(kernel, recurrent, bias.astype(np.float16), **options)
    with pytest.raises(
        TypeError, match="one dtype: kernel is float64, recurrent_kernel is float32"
    ):
        layer_class(kernel, recurrent.astype(np.float32), bias, **options)
    with pytest.raises(TypeError, match="one dtype: kernel is float32, bias is float64"):
        layer_class(kernel.astype(np.float32), recurrent.astype(np.float32), bias, **options)
    broken = recurrent.copy()
    broken[1, 2] = np.inf
    with pytest.raises(
        ValueError, match=r"recurrent_kernel must be finite, got inf at index \(1, 2\)"
    ):
        layer_class(kernel, broken, bias, **options)


# -------------------------------------------------------------------- other arguments
@pytest.mark.parametrize("kind", KINDS)
def test_flags_must_be_bools(kind):
    for flag in ("return_sequences", "return_state", "go_backwards", "use_bias"):
        with pytest.raises(TypeError, match=f"{flag} must be True or False, got int 1"):
            make(kind, **{flag: 1})
    with pytest.raises(TypeError, match="keep_cache must be True or False"):
        make(kind).run(good_inputs(), keep_cache="yes")


def test_reset_after_must_be_a_bool():
    with pytest.raises(TypeError, match="reset_after must be True or False, got str"):
        NumpyGRU.initialized(FEATURES, UNITS, reset_after="yes")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dtype": "float16"}, ValueError, "dtype must be 'float32' or 'float64', got float16"),
        ({"dtype": "int32"}, ValueError, "dtype must be 'float32' or 'float64', got int32"),
        ({"dtype": "nonsense"}, TypeError, "dtype must be 'float32' or 'float64', got 'nons"),
        ({"seed": -1}, ValueError, "seed must be a non-negative integer seed, got -1"),
        ({"seed": 1.5}, TypeError, "seed must be a non-negative integer .* got float"),
        ({"reset_before": True}, TypeError, "reset_before"),
    ],
)
def test_initialized_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        NumpyLSTM.initialized(FEATURES, UNITS, **kwargs)


def test_astype_refuses_other_dtypes():
    with pytest.raises(ValueError, match="got float16"):
        make("SimpleRNN").astype(np.float16)


def test_cell_checks_its_input():
    layer = make("GRU reset_after=True")
    with pytest.raises(ValueError, match=r"x must have 2 dimensions \(batch, features\), got 3"):
        layer.cell(good_inputs())
    with pytest.raises(ValueError, match=r"features = 3, got \(2, 4\)"):
        layer.cell(np.zeros((BATCH, FEATURES + 1)))
    with pytest.raises(TypeError, match="x has dtype float32"):
        layer.cell(np.zeros((BATCH, FEATURES), dtype=np.float32))
    with pytest.raises(ValueError, match=r"states\[0\] \(h\) must have shape"):
        layer.cell(np.zeros((BATCH, FEATURES)), np.zeros((BATCH + 1, UNITS)))
    with pytest.raises(ValueError, match="x must be finite"):
        layer.cell(np.full((BATCH, FEATURES), np.nan))


def test_the_shared_machinery_is_not_a_layer_itself():
    from gru_companion.scratch.recurrent_layer import RecurrentLayer

    with pytest.raises(TypeError, match="use the layer of a kind, e.g. NumpyGRU"):
        RecurrentLayer(np.zeros((1, 1)), np.zeros((1, 1)), None)
