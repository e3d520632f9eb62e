"""kinds.py: one row per kind, consistent with itself and with what Keras ships."""

from __future__ import annotations

import keras
import pytest

from gru_companion.kinds import CORE, KINDS, VARIANTS, Kind, by_keras_layer, kind_of


def test_every_row_is_filed_under_its_key_with_gates_among_its_blocks():
    for key, kind in KINDS.items():
        assert kind.key == key
        assert set(kind.sigmoid_gates) < set(kind.blocks)  # at least one candidate block
        assert kind.gate_blocks == len(kind.blocks)
        assert kind.states in (("h",), ("h", "c"))
        assert kind.ties is None or kind.ties in CORE


def test_the_core_kinds_are_the_keras_layers_and_the_variants_tie_to_them():
    assert [kind_of(key).keras_layer for key in CORE] == ["SimpleRNN", "LSTM", "GRU"]
    for key in CORE:
        assert hasattr(keras.layers, kind_of(key).keras_layer)
        assert by_keras_layer(kind_of(key).keras_layer).key == key
    assert by_keras_layer("Dense") is None
    for key in VARIANTS:
        kind = kind_of(key)
        assert (kind.keras_layer is None) == (kind.ties is not None)


def test_bias_vectors_follow_keras():
    assert kind_of("gru").bias_vectors() == 2
    assert kind_of("gru").bias_vectors(reset_after=False) == 1
    assert kind_of("lstm").bias_vectors(reset_after=True) == 1  # no reset_after option
    assert kind_of("mgu").bias_vectors(use_bias=False) == 0


def test_the_book_names_a_tanh_rnn_as_the_literature_does():
    assert kind_of("simple_rnn").name == "SimpleRNN"
    assert kind_of("simple_rnn").book_name == "tanh RNN"


def test_bad_keys_and_bad_rows_are_refused():
    with pytest.raises(TypeError, match="kind must be a str"):
        kind_of(3)
    with pytest.raises(ValueError, match="kind must be one of .*got 'rnn'"):
        kind_of("rnn")
    with pytest.raises(ValueError, match="sigmoid gates"):
        Kind("bad", "Bad", "bad", ("h",), ("z",), ("h",))
    with pytest.raises(ValueError, match="repeat"):
        Kind("bad", "Bad", "bad", ("h", "h"), (), ("h",))


def test_every_kind_has_a_colour_of_its_own():
    colours = [kind.color for kind in KINDS.values()]
    assert len(set(colours)) == len(colours)


def test_peepholes_are_gates_that_read_a_cell_state():
    row = kind_of("peephole_lstm")
    assert row.peepholes == ("i", "f", "o") and row.blocks == kind_of("lstm").blocks
    assert row.states == ("h", "c") and row.keras_layer is None and row.ties is None
    assert all(not kind.peepholes for key, kind in KINDS.items() if key != "peephole_lstm")
    assert "peephole_lstm" not in CORE and "peephole_lstm" not in VARIANTS
    # added last: the kinds before it keep their positions, from which experiments draw seeds
    assert list(KINDS)[:7] == [*CORE, "mgu", "gru_no_reset", "cifg", "peephole_lstm"]
    with pytest.raises(ValueError, match="peepholes .* are not all sigmoid gates"):
        Kind("bad", "Bad", "bad", ("f", "c"), ("f",), ("h", "c"), peepholes=("c",))
    with pytest.raises(ValueError, match="repeat a gate"):
        Kind("bad", "Bad", "bad", ("f", "c"), ("f",), ("h", "c"), peepholes=("f", "f"))
    with pytest.raises(ValueError, match="read a cell state"):
        Kind("bad", "Bad", "bad", ("z", "h"), ("z",), ("h",), peepholes=("z",))
