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
from gru_companion.keras.cells import keras_layer
from gru_companion.keras.seed_model import SEED_LAYERS, build_seed_model
from gru_companion.kinds import KINDS

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


@pytest.mark.parametrize("kind", list(KINDS))
def test_explain_model_counts_every_kind_as_its_keras_layer_holds_it(kind):
    """Keras's own classes, and the course's cells run by keras.layers.RNN (peepholes too)."""
    model = keras.Sequential([keras.Input((None, 5)),
                              keras_layer(kind, 3, return_sequences=True, name="one"),
                              keras.layers.Bidirectional(keras_layer(kind, 2), name="two"),
                              keras.layers.Dense(1)])  # fmt: skip
    report = explain_model(model)
    assert [row.count for row in report.rows] == [
        recurrent_params(kind, 5, 3).count,
        2 * recurrent_params(kind, 3, 2).count,
        4 + 1,
    ]
    assert report.mismatches == [] and report.total == model.count_params()
    assert report.rows[0].layer == KINDS[kind].name


def test_explain_model_counts_keras_s_cells_run_by_rnn():
    model = keras.Sequential([
        keras.Input((None, 4)),
        keras.layers.RNN(keras.layers.GRUCell(3, reset_after=False), return_sequences=True),
        keras.layers.RNN(keras.layers.LSTMCell(2, use_bias=False)),
    ])  # fmt: skip
    report = explain_model(model)
    assert [row.count for row in report.rows] == [
        gru_params(4, 3, reset_after=False).count,
        lstm_params(3, 2, use_bias=False).count,
    ]
    assert report.mismatches == []


def test_explain_model_names_an_unknown_cell():
    class Doubling(keras.layers.Layer):
        state_size = 2

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")

        def call(self, inputs, states):
            return 2 * states[0] + inputs @ self.kernel, [2 * states[0]]

    model = keras.Sequential([keras.Input((3, 4)), keras.layers.RNN(Doubling(), name="twice")])
    with pytest.raises(ValueError, match="unknown cell of class Doubling in the RNN layer 'twice'"):
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


# --------------------------------------------------------------------- peepholes, budgets
def test_peepholes_are_counted_from_the_row_not_the_key(monkeypatch):
    from gru_companion.analysis.budgets import model_size, units_for_budget
    from gru_companion.kinds import KINDS, Kind

    # a throw-away kind with one peephole: the count reads the row, whatever the key
    row = Kind("peeking", "Peeking", "peeking cell", ("f", "c", "o"), ("f", "o"), ("h", "c"),
               peepholes=("o",))  # fmt: skip
    monkeypatch.setitem(KINDS, row.key, row)
    count = recurrent_params("peeking", 3, 4)
    assert count.count == 3 * (3 * 4 + 16 + 4) + 4 and count.formula == "3·(3·4 + 4² + 4) + 1·4"
    assert recurrent_params("peeking", 3, 4, use_bias=False).count == 3 * (12 + 16) + 4
    assert model_size("peeking", 3, 4, 2).recurrent == count.count
    assert units_for_budget("peeking", 3, count.count + 10, 2).units == 4


def test_the_peephole_lstm_has_three_more_parameters_per_unit():
    import numpy as np

    from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM

    for features, units in ((1, 1), (88, 36), (5, 7)):
        peephole = recurrent_params("peephole_lstm", features, units)
        assert peephole.count == lstm_params(features, units).count + 3 * units
        layer = NumpyPeepholeLSTM.initialized(features, units, seed=0)
        assert sum(np.size(weight) for weight in layer.get_weights()) == peephole.count
        assert peephole.layer == "peephole LSTM"
    bidirectional = bidirectional_params(recurrent_params("peephole_lstm", 2, 3))
    assert bidirectional.count == 2 * (4 * (6 + 9 + 3) + 9)


def test_budgets_size_chung_s_models():
    from gru_companion.analysis.budgets import model_size, units_for_budget

    # 88 notes in, an 88-unit sigmoid read-out, about 20,000 parameters
    sizes = {
        ("simple_rnn", True): 78,
        ("gru", True): 41,
        ("gru", False): 42,
        ("lstm", True): 34,
        ("peephole_lstm", True): 34,
    }
    for (kind, reset_after), units in sizes.items():
        size = units_for_budget(kind, 88, 20_000, 88, reset_after=reset_after)
        assert size.units == units, kind
        count = recurrent_params(kind, 88, units, reset_after=reset_after).count
        assert size.recurrent == count and size.readout == dense_params(units, 88).count
    assert model_size("gru", 88, 46, 88, reset_after=False).recurrent == 3 * (88 * 46 + 46**2 + 46)
    assert model_size("lstm", 88, 5, 1, reset_after=False) == model_size("lstm", 88, 5, 1)
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        units_for_budget("gru", 88, 20_000, 88, reset_after=0)
