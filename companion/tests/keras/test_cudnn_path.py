"""The cuDNN conditions agree with the checks Keras itself makes (read from its source)."""

import importlib
import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_companion.keras.cudnn import cudnn_conditions, cudnn_mask_ok, is_right_padded

# Keras's private helpers, the ground truth (the package's ``rnn`` attribute is a function,
# so the module is imported by its full name).
tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")


def test_default_gru_meets_every_condition():
    layer = keras.layers.GRU(4, name="default_gru")
    conditions = cudnn_conditions(layer)
    assert [c.setting for c in conditions] == [
        "use_cudnn", "recurrent_dropout", "activation", "recurrent_activation",
        "unroll", "use_bias", "reset_after",
    ]
    assert all(c.met for c in conditions)


@pytest.mark.parametrize(
    "activation, recurrent_activation, unroll, use_bias, reset_after",
    list(itertools.product(
        ["tanh", "relu", tf.tanh], ["sigmoid", "hard_sigmoid"],
        [False, True], [True, False], [True, False],
    )),
)
def test_agrees_with_keras_own_check(
    activation, recurrent_activation, unroll, use_bias, reset_after
):
    layer = keras.layers.GRU(
        2, activation=activation, recurrent_activation=recurrent_activation,
        unroll=unroll, use_bias=use_bias, reset_after=reset_after,
    )
    keras_says = tf_rnn._do_gru_arguments_support_cudnn(
        layer.cell.activation, layer.cell.recurrent_activation,
        layer.unroll, layer.cell.use_bias, layer.cell.reset_after,
    )
    assert all(c.met for c in cudnn_conditions(layer)) == keras_says


def test_own_function_computing_tanh_is_not_accepted():
    layer = keras.layers.GRU(2, activation=lambda x: keras.ops.tanh(x))
    failed = [c.setting for c in cudnn_conditions(layer) if not c.met]
    assert failed == ["activation"]


@pytest.mark.parametrize(
    "kwargs, failed",
    [
        ({"recurrent_dropout": 0.2}, ["recurrent_dropout"]),
        ({"dropout": 0.2}, []),
        ({"use_cudnn": False}, ["use_cudnn"]),
        ({"use_cudnn": True}, []),
        ({"reset_after": False, "use_bias": False}, ["use_bias", "reset_after"]),
    ],
)
def test_failed_conditions_are_named(kwargs, failed):
    layer = keras.layers.GRU(2, **kwargs)
    assert [c.setting for c in cudnn_conditions(layer) if not c.met] == failed


def test_rejects_other_layers():
    with pytest.raises(TypeError, match="keras.layers.GRU"):
        cudnn_conditions(keras.layers.LSTM(2))


MASKS = [
    [[True, True, False, False]],
    [[False, False, True, True]],
    [[True, False, True, False]],
    [[True, True, True, True], [True, False, False, False]],
    [[False, False, False, False], [True, True, False, False]],
]


@pytest.mark.parametrize("mask", MASKS)
def test_right_padding_agrees_with_keras(mask):
    mask = np.array(mask)
    keras_says = bool(tf_rnn._is_sequence_right_padded(tf.constant(mask)))
    assert bool(is_right_padded(mask).all()) == keras_says
    fully_masked = bool(tf_rnn._has_fully_masked_sequence(tf.constant(mask)))
    assert cudnn_mask_ok(mask) == (keras_says and not fully_masked)


def test_right_padding_row_by_row():
    mask = np.array([[True, True, False], [False, True, True], [True, False, True]])
    assert is_right_padded(mask).tolist() == [True, False, False]
    assert not cudnn_mask_ok(mask)
    assert cudnn_mask_ok(mask[:1])


@pytest.mark.parametrize(
    "mask, error", [(np.ones(3, bool), ValueError), (np.ones((2, 3)), TypeError)]
)
def test_bad_masks(mask, error):
    with pytest.raises(error, match="mask must"):
        is_right_padded(mask)
