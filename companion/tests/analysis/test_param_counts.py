"""Parameter counts by formula, checked against Keras over random configurations."""

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_companion.analysis.param_counts import (
    LayerSpec,
    ParamCount,
    bidirectional_params,
    count_layer,
    count_stack,
    dense_params,
    embedding_params,
    explain_model,
    gru_params,
    lstm_params,
    recurrent_params,
    simple_rnn_params,
    spec_from_keras_layer,
)
from gru_companion.keras.seed_model import SEED_LAYERS, build_seed_model

sizes = st.integers(min_value=1, max_value=40)
recurrent_kinds = st.sampled_from(["simple_rnn", "lstm", "gru"])
merge_modes = st.sampled_from(["concat", "sum", "mul", "ave", None])

KERAS_CLASSES = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def keras_recurrent(kind, units, use_bias, reset_after):
    options = {"use_bias": use_bias}
    if kind == "gru":
        options["reset_after"] = reset_after
    return KERAS_CLASSES[kind](units, **options)


def built_count(layer, input_shape):
    model = keras.Sequential([keras.Input(shape=input_shape), layer])
    return model.layers[-1].count_params()


# --- exact values quoted in the book --------------------------------------------------


def test_seed_model_counts():
    counts = count_stack(1000, SEED_LAYERS)
    assert [c.count for c in counts] == [64_000, 247_296, 49_280, 1_290]
    assert sum(c.count for c in counts) == 361_866


def test_gru5_on_4_features_keras3_and_keras2():
    assert gru_params(4, 5).count == 165
    assert gru_params(4, 5, reset_after=False).count == 150


def test_formulas_read_like_the_book():
    assert gru_params(64, 256).formula == "3·(64·256 + 256² + 2·256)"
    assert gru_params(64, 256, reset_after=False).formula == "3·(64·256 + 256² + 256)"
    assert simple_rnn_params(256, 128).formula == "256·128 + 128² + 128"
    assert lstm_params(3, 2, use_bias=False).formula == "4·(3·2 + 2²)"
    assert dense_params(128, 10).formula == "128·10 + 10"
    assert embedding_params(1000, 64).formula == "1000·64"


# --- properties against Keras ------------------------------------------------------------


@settings(max_examples=40)
@given(kind=recurrent_kinds, input_dim=sizes, units=sizes, use_bias=st.booleans(),
       reset_after=st.booleans())
def test_recurrent_counts_equal_keras(kind, input_dim, units, use_bias, reset_after):
    ours = recurrent_params(kind, input_dim, units, use_bias=use_bias, reset_after=reset_after)
    layer = keras_recurrent(kind, units, use_bias, reset_after)
    assert ours.count == built_count(layer, (None, input_dim))


@settings(max_examples=25)
@given(kind=recurrent_kinds, input_dim=sizes, units=sizes, use_bias=st.booleans(),
       reset_after=st.booleans(), merge_mode=merge_modes)
def test_bidirectional_counts_equal_keras(kind, input_dim, units, use_bias, reset_after,
                                          merge_mode):
    spec = LayerSpec(kind, units, use_bias=use_bias, reset_after=reset_after,
                     bidirectional=merge_mode)
    ours = count_layer(spec, input_dim)
    wrapper = keras.layers.Bidirectional(
        keras_recurrent(kind, units, use_bias, reset_after), merge_mode=merge_mode
    )
    model = keras.Sequential([keras.Input(shape=(None, input_dim)), wrapper])
    assert ours.count == model.layers[-1].count_params()
    if merge_mode is not None:
        assert ours.output_dim == model.output_shape[-1]


@settings(max_examples=25)
@given(input_dim=sizes, units=sizes, use_bias=st.booleans())
def test_dense_counts_equal_keras(input_dim, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    assert dense_params(input_dim, units, use_bias=use_bias).count == built_count(
        layer, (input_dim,)
    )


@settings(max_examples=15)
@given(vocabulary=st.integers(1, 5000), output_dim=sizes)
def test_embedding_counts_equal_keras(vocabulary, output_dim):
    layer = keras.layers.Embedding(vocabulary, output_dim)
    assert embedding_params(vocabulary, output_dim).count == built_count(layer, (None,))


layer_specs = st.builds(
    LayerSpec,
    kind=recurrent_kinds,
    units=sizes,
    use_bias=st.booleans(),
    reset_after=st.booleans(),
    bidirectional=st.sampled_from([False, "concat", "sum"]),
)


def keras_layer_from_spec(spec, return_sequences):
    layer = keras_recurrent(spec.kind, spec.units, spec.use_bias, spec.reset_after)
    layer.return_sequences = return_sequences
    if spec.bidirectional is False:
        return layer
    return keras.layers.Bidirectional(layer, merge_mode=spec.bidirectional)


@settings(max_examples=15)
@given(vocabulary=st.integers(2, 300), embedding_dim=sizes,
       stack=st.lists(layer_specs, min_size=1, max_size=3), classes=sizes)
def test_stacks_equal_keras_and_explain_model_agrees(vocabulary, embedding_dim, stack, classes):
    specs = [LayerSpec("embedding", embedding_dim), *stack, LayerSpec("dense", classes)]
    ours = count_stack(vocabulary, specs)

    layers = [keras.Input(shape=(None,), dtype="int32"),
              keras.layers.Embedding(vocabulary, embedding_dim)]
    for position, spec in enumerate(stack):
        layers.append(keras_layer_from_spec(spec, return_sequences=position < len(stack) - 1))
    layers.append(keras.layers.Dense(classes))
    model = keras.Sequential(layers)

    report = explain_model(model)
    assert [row.count for row in report.rows] == [c.count for c in ours]
    assert report.mismatches == []
    assert report.total == model.count_params()


# --- explain_model ----------------------------------------------------------------------


def test_explain_seed_model():
    report = explain_model(build_seed_model())
    assert [(r.name, r.count) for r in report.rows] == [
        ("embedding", 64_000), ("gru", 247_296), ("simple_rnn", 49_280), ("dense", 1_290)
    ]
    assert report.total == report.keras_total == 361_866
    text = report.to_text()
    assert "3·(64·256 + 256² + 2·256)" in text
    assert text.splitlines()[-1].split()[:3] == ["total", "361,866", "361,866"]


def test_explain_skips_layers_without_parameters():
    model = keras.Sequential([
        keras.Input(shape=(7, 3)),
        keras.layers.Masking(),
        keras.layers.GRU(4),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(2),
    ])
    report = explain_model(model)
    assert [row.layer for row in report.rows] == ["GRU", "Dense"]
    assert report.total == model.count_params()


def test_explain_unbuilt_model_says_how_to_build_it():
    with pytest.raises(ValueError, match="not built.*keras.Input"):
        explain_model(build_seed_model(with_input=False))


def test_explain_rejects_non_models():
    with pytest.raises(TypeError, match="keras.Model"):
        explain_model([1, 2, 3])


def test_unknown_layer_with_parameters_is_named():
    model = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.Conv1D(2, 3)])
    with pytest.raises(ValueError, match="unknown layer .*Conv1D"):
        explain_model(model)


def test_spec_of_parameter_free_layer_is_none():
    assert spec_from_keras_layer(keras.layers.Dropout(0.1)) is None


# --- bad arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -3])
def test_non_positive_sizes_raise_value_error(bad):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        gru_params(4, bad)
    with pytest.raises(ValueError, match="features must be a positive integer"):
        lstm_params(bad, 4)


@pytest.mark.parametrize("bad", [2.5, "8", True, None])
def test_non_integer_sizes_raise_type_error(bad):
    with pytest.raises(TypeError, match="units must be a positive integer, got"):
        simple_rnn_params(3, bad)


def test_unknown_layer_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        LayerSpec("conv", 3)
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrent_params("transformer", 3, 4)


def test_bad_flags_and_merge_modes():
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        gru_params(3, 4, reset_after="yes")
    with pytest.raises(ValueError, match="merge mode must be one of"):
        LayerSpec("gru", 4, bidirectional="max")
    with pytest.raises(ValueError, match="recurrent layers only"):
        LayerSpec("dense", 4, bidirectional="concat")
    with pytest.raises(ValueError, match="wraps a recurrent layer"):
        bidirectional_params(dense_params(3, 4))
    with pytest.raises(TypeError, match="ParamCount"):
        bidirectional_params(12)


def test_bad_stacks():
    with pytest.raises(ValueError, match="at least one LayerSpec"):
        count_stack(10, [])
    with pytest.raises(ValueError, match="Embedding can only be the first"):
        count_stack(10, [LayerSpec("gru", 3), LayerSpec("embedding", 4)])
    with pytest.raises(ValueError, match="merge_mode=None returns two outputs"):
        count_stack(10, [LayerSpec("gru", 3, bidirectional=None), LayerSpec("dense", 2)])
    with pytest.raises(TypeError, match="LayerSpec"):
        count_layer(("gru", 3), 4)


def test_param_count_is_a_value():
    assert gru_params(4, 5) == ParamCount("GRU", "3·(4·5 + 5² + 2·5)", 165, 5)
