"""Memory exposure: a shut output gate shows nothing, an open one everything, a GRU always all."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_companion.analysis.exposure import HIDING_THRESHOLD, memory_exposure, memory_state
from gru_companion.analysis.gate_probes import with_block_constant, with_gate_fixed
from gru_companion.analysis.hand_set_cells import read_write_lstm, write_gru
from gru_companion.kinds import KINDS
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import layer_class

X = np.random.default_rng(0).normal(size=(5, 12, 3))
LSTM = NumpyLSTM.initialized(3, 4, seed=1)


def test_an_output_gate_held_open_shows_the_whole_memory():
    shown = memory_exposure(with_gate_fixed(LSTM, "o", 1.0), X)
    assert shown.kind == "lstm" and shown.memory == "c" and shown.has_output_gate
    np.testing.assert_array_equal(shown.output_gate_mean, np.ones(4))
    np.testing.assert_array_equal(shown.hidden_share, np.zeros(4))
    np.testing.assert_allclose(shown.exposure, np.ones(4), rtol=1e-15)
    assert shown.overall_exposure == pytest.approx(1.0, rel=1e-15)


def test_an_output_gate_held_shut_shows_nothing():
    shown = memory_exposure(with_gate_fixed(LSTM, "o", 0.0), X)
    assert np.all(shown.output_gate_mean < 1e-17)
    np.testing.assert_array_equal(shown.hidden_share, np.ones(4))
    assert np.all(shown.exposure < 1e-17) and shown.overall_exposure < 1e-17


@pytest.mark.parametrize("gate", [0.2, 0.49, 0.51, 0.9])
def test_a_constant_gate_shows_its_value_and_hides_below_one_half(gate):
    shown = memory_exposure(with_gate_fixed(LSTM, "o", gate), X)
    np.testing.assert_allclose(shown.exposure, gate, rtol=1e-12)
    np.testing.assert_allclose(shown.output_gate_mean, gate, rtol=1e-12)
    np.testing.assert_array_equal(shown.hidden_share, float(gate < HIDING_THRESHOLD))


def test_the_numbers_are_those_of_the_layers_own_run():
    run = LSTM.run(X, keep_cache=True)
    gate = np.stack([cache["o"] for cache in run.caches], axis=1)  # (batch, time, units)
    cell = np.stack([cache["c"] for cache in run.caches], axis=1)
    shown = memory_exposure(LSTM, X)
    np.testing.assert_allclose(shown.output_gate_mean, gate.mean(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(shown.hidden_share, (gate < 0.5).mean(axis=(0, 1)))
    expected = np.abs(run.outputs).mean(axis=(0, 1)) / np.abs(np.tanh(cell)).mean(axis=(0, 1))
    np.testing.assert_allclose(shown.exposure, expected, rtol=1e-12)
    overall = np.abs(run.outputs).sum() / np.abs(np.tanh(cell)).sum()
    assert shown.overall_exposure == pytest.approx(overall, rel=1e-12)


def test_the_hand_set_reader_shows_its_memory_at_the_read_step_only():
    steps, write, read = 20, 4, 15
    signals = np.zeros((1, steps, 3))
    signals[0, :, 0] = 0.8  # the value
    signals[0, write, 1] = 1.0
    signals[0, read, 2] = 1.0
    shown = memory_exposure(read_write_lstm(), signals)
    assert shown.hidden_share[0] == pytest.approx((steps - 1) / steps)
    # the cell holds tanh(0.8) from the write on; h shows it once, at the read
    assert shown.exposure[0] == pytest.approx(1 / (steps - write), rel=1e-9)
    everything = memory_exposure(write_gru(), signals)
    assert everything.exposure[0] == 1.0 and not everything.has_output_gate


@pytest.mark.parametrize("kind", [key for key, row in KINDS.items() if len(row.states) == 1])
def test_a_kind_whose_output_is_its_state_shows_everything_by_construction(kind):
    layer = layer_class(kind).initialized(3, 4, seed=0)
    shown = memory_exposure(layer, X)
    assert shown.memory == "h" == memory_state(kind)
    np.testing.assert_array_equal(shown.exposure, np.ones(4))
    np.testing.assert_array_equal(shown.output_gate_mean, np.ones(4))
    np.testing.assert_array_equal(shown.hidden_share, np.zeros(4))
    assert shown.overall_exposure == 1.0


@pytest.mark.parametrize("kind", [key for key, row in KINDS.items() if len(row.states) == 2])
def test_every_kind_with_a_memory_cell_is_measured_through_its_output_gate(kind):
    layer = layer_class(kind).initialized(3, 4, seed=0)
    shown = memory_exposure(layer, X)
    assert shown.memory == "c" and shown.has_output_gate
    assert np.all((0 < shown.exposure) & (shown.exposure < 1))


@given(seed=st.integers(0, 2**16), scale=st.floats(0.1, 5.0))
def test_exposure_lies_between_the_least_and_the_most_open_gate(seed, scale):
    layer = NumpyLSTM.initialized(2, 3, seed=seed)
    x = np.random.default_rng(seed).normal(scale=scale, size=(3, 8, 2))
    shown = memory_exposure(layer, x)
    run = layer.run(x, keep_cache=True)
    gate = np.stack([cache["o"] for cache in run.caches], axis=1)
    assert np.all(gate.min(axis=(0, 1)) - 1e-12 <= shown.exposure)
    assert np.all(shown.exposure <= gate.max(axis=(0, 1)) + 1e-12)
    assert np.all((0 <= shown.hidden_share) & (shown.hidden_share <= 1))


def test_a_unit_whose_cell_stays_zero_has_no_exposure():
    silent = with_block_constant(LSTM, "c", 0.0)  # candidate tanh(0) = 0: c stays exactly 0
    shown = memory_exposure(silent, X)
    assert np.all(np.isnan(shown.exposure)) and np.isnan(shown.overall_exposure)
    assert np.all((0 < shown.output_gate_mean) & (shown.output_gate_mean < 1))


def test_bad_input_says_what_was_expected():
    with pytest.raises(TypeError, match="NumPy recurrent layer"):
        memory_exposure("lstm", X)
    with pytest.raises(ValueError):
        memory_exposure(LSTM, X[0])  # no batch axis
    with pytest.raises(ValueError, match="kind must be one of"):
        memory_state("transformer")


def test_a_cell_with_no_output_gate_has_no_exposure(monkeypatch):
    from gru_companion.kinds import Kind

    monkeypatch.setitem(KINDS, "gateless", Kind("gateless", "Gateless", "gateless cell",
                                                ("f", "c"), ("f",), ("h", "c")))  # fmt: skip
    with pytest.raises(ValueError, match="no output gate"):
        memory_state("gateless")
