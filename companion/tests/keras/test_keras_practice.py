"""Padding, masks, stateful chunks, copies and dropout masks behave as the chapter says."""

import keras
import numpy as np
import pytest

from gru_companion.keras.practice import (
    dropout_masks,
    gru_like,
    masked_run,
    pad_batch,
    run_in_chunks,
)

FEATURES, UNITS = 2, 3


def _gru(rng, **kwargs):
    """A built float64 GRU with random non-zero weights, biases included."""
    layer = keras.layers.GRU(UNITS, dtype="float64", **kwargs)
    layer.build((None, None, FEATURES))
    layer.set_weights([rng.normal(size=tuple(w.shape)) for w in layer.weights])
    return layer


def _sequences(rng, lengths=(5, 3, 1)):
    return [rng.normal(size=(length, FEATURES)) for length in lengths]


def test_pad_batch_right_and_left():
    a, b = np.ones((3, 2)), 2 * np.ones((1, 2))
    batch, mask = pad_batch([a, b], padding="post")
    assert batch.shape == (2, 3, 2) and batch.dtype == np.float32
    assert mask.tolist() == [[True] * 3, [True, False, False]]
    assert batch[1, :, 0].tolist() == [2, 0, 0]
    batch, mask = pad_batch([a, b], padding="pre", dtype="float64")
    assert mask.tolist() == [[True] * 3, [False, False, True]]
    assert batch[1, :, 0].tolist() == [0, 0, 2] and batch.dtype == np.float64


@pytest.mark.parametrize(
    "sequences, message",
    [
        ([], "non-empty list"),
        ([np.ones(3)], "2-D"),
        ([np.ones((2, 2)), np.ones((2, 3))], "same features"),
        ([np.ones((0, 2))], "at least one step"),
    ],
)
def test_pad_batch_rejects_bad_sequences(sequences, message):
    with pytest.raises(ValueError, match=message):
        pad_batch(sequences)


def test_pad_batch_rejects_bad_padding():
    with pytest.raises(ValueError, match="padding must be one of"):
        pad_batch([np.ones((2, 2))], padding="left")


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_masked_padding_leaves_the_final_state_as_without_padding(padding):
    rng = np.random.default_rng(0)
    layer = _gru(rng, return_sequences=True, return_state=True)
    run = masked_run(layer, _sequences(rng), padding=padding)
    assert run.final_state_error < 1e-12
    unmasked = masked_run(layer, _sequences(np.random.default_rng(0)), padding=padding,
                          use_mask=False)
    assert unmasked.final_state_error > 1e-3  # zeros read as data move the state


def test_outputs_at_masked_steps():
    rng = np.random.default_rng(1)
    layer = _gru(rng, return_sequences=True, return_state=True)
    right = masked_run(layer, _sequences(rng), padding="post")
    # Right padding: every padded step repeats the last real output, which is the state.
    short = right.outputs[2]
    assert np.array_equal(short[1:], np.repeat(short[:1], 4, axis=0))
    np.testing.assert_array_equal(short[0], right.final_states[2])
    # Left padding: before the first real step the output is zeros.
    left = masked_run(layer, _sequences(np.random.default_rng(1)), padding="pre")
    assert not left.outputs[2][:4].any()


def test_masked_run_needs_sequences_and_state():
    layer = keras.layers.GRU(2, return_sequences=True)
    with pytest.raises(ValueError, match="return_state=True"):
        masked_run(layer, [np.ones((2, 2))])
    with pytest.raises(TypeError, match="keras.layers.RNN"):
        masked_run(keras.layers.Dense(2), [np.ones((2, 2))])


@pytest.mark.parametrize("chunk_length", [1, 3, 7])
def test_stateful_chunks_equal_one_pass(chunk_length):
    rng = np.random.default_rng(2)
    layer = _gru(rng, return_sequences=True, name="whole")
    stateful = gru_like(layer, name="stateful", batch_size=2, stateful=True)
    x = rng.normal(size=(2, 7, FEATURES))
    np.testing.assert_allclose(
        run_in_chunks(stateful, x, chunk_length), np.asarray(layer(x)), rtol=0, atol=1e-12
    )
    # A second run starts again from zero: run_in_chunks resets the state first.
    np.testing.assert_allclose(
        run_in_chunks(stateful, x, chunk_length), np.asarray(layer(x)), rtol=0, atol=1e-12
    )


def test_run_in_chunks_needs_a_stateful_layer():
    layer = _gru(np.random.default_rng(3), return_sequences=True)
    with pytest.raises(ValueError, match="must be stateful"):
        run_in_chunks(layer, np.ones((1, 2, FEATURES)), 1)


def test_gru_like_copies_weights_and_changes_settings():
    layer = _gru(np.random.default_rng(4), name="original")
    copy = gru_like(layer, name="unrolled", unroll=True)
    assert copy.unroll and copy.name == "unrolled" and copy.units == UNITS
    for a, b in zip(layer.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(5).normal(size=(2, 4, FEATURES))
    np.testing.assert_allclose(np.asarray(copy(x)), np.asarray(layer(x)), rtol=0, atol=1e-12)


def test_gru_like_rejects_bad_requests():
    layer = _gru(np.random.default_rng(6))
    with pytest.raises(ValueError, match="needs batch_size"):
        gru_like(layer, name="s", stateful=True)
    with pytest.raises(ValueError, match="changing \\['units'\\]"):
        gru_like(layer, name="u", units=5)
    with pytest.raises(ValueError, match="must be built"):
        gru_like(keras.layers.GRU(2), name="x")
    with pytest.raises(TypeError, match="keras.layers.GRU"):
        gru_like(keras.layers.LSTM(2), name="x")


def test_dropout_masks_shapes_and_values():
    keras.utils.set_random_seed(0)
    layer = _gru(np.random.default_rng(7))
    x = np.ones((4, 5, FEATURES))
    none = dropout_masks(layer, x)
    assert none.inputs is None and none.recurrent is None
    inputs_only = dropout_masks(gru_like(layer, name="d", dropout=0.5), x)
    assert inputs_only.inputs.shape == (1, 4, FEATURES) and inputs_only.recurrent is None
    assert set(np.unique(inputs_only.inputs)) <= {0.0, 2.0}
    both = dropout_masks(gru_like(layer, name="dr", dropout=0.5, recurrent_dropout=0.5), x)
    assert both.inputs.shape == (3, 4, FEATURES)
    assert both.recurrent.shape == (3, 4, UNITS)
    assert set(np.unique(both.recurrent)) <= {0.0, 2.0}
