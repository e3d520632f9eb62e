"""The keras.ops GRU cell computes and learns exactly what keras.layers.GRU does."""

import keras
import numpy as np
import pytest

from gru_companion.keras.bridge import from_keras, to_keras
from gru_companion.keras.cells import KerasOpsGRUCell, ops_gru, weights_after_one_step
from gru_companion.scratch.gru import NumpyGRU

FEATURES, UNITS, STEPS, BATCH = 3, 4, 6, 5
TOLERANCE = 1e-10


def _random_weights(layer, rng):
    """Non-zero random values for every weight (biases included), float64."""
    return [rng.normal(scale=0.5, size=tuple(weight.shape)) for weight in layer.weights]


def _pair(reset_after, return_sequences, rng):
    """A built-in GRU and the keras.ops GRU, float64, with the same random weights."""
    builtin = keras.layers.GRU(
        UNITS, reset_after=reset_after, return_sequences=return_sequences,
        dtype="float64", name="builtin",
    )
    ours = ops_gru(
        UNITS, reset_after=reset_after, return_sequences=return_sequences,
        dtype="float64", name="ours",
    )
    builtin.build((None, None, FEATURES))
    ours.build((None, None, FEATURES))
    weights = _random_weights(builtin, rng)
    builtin.set_weights(weights)
    ours.set_weights(weights)
    return builtin, ours


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_same_outputs_as_keras_gru(reset_after, return_sequences):
    rng = np.random.default_rng(0)
    builtin, ours = _pair(reset_after, return_sequences, rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    expected, got = np.asarray(builtin(x)), np.asarray(ours(x))
    assert got.dtype == np.float64
    assert got.shape == ((BATCH, STEPS, UNITS) if return_sequences else (BATCH, UNITS))
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("reset_after", [True, False])
def test_from_keras_reads_the_ops_gru_as_a_numpy_gru(reset_after):
    rng = np.random.default_rng(5)
    builtin, ours = _pair(reset_after, True, rng)
    twin = from_keras(ours)
    assert type(twin) is NumpyGRU and twin.reset_after is reset_after and twin.return_sequences
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(twin(x), np.asarray(ours(x)), rtol=0, atol=TOLERANCE)
    # back to Keras, the kind "gru" is keras.layers.GRU itself, not the keras.ops cell
    assert type(to_keras(twin)) is keras.layers.GRU


@pytest.mark.parametrize("reset_after", [True, False])
def test_same_weights_layout_as_keras_gru(reset_after):
    builtin, ours = _pair(reset_after, False, np.random.default_rng(1))
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in builtin.weights]
    expected_bias = (2, 3 * UNITS) if reset_after else (3 * UNITS,)
    assert tuple(ours.cell.bias.shape) == expected_bias


def test_mask_and_initial_state_handled_by_the_rnn_wrapper():
    rng = np.random.default_rng(2)
    builtin, ours = _pair(True, True, rng)
    x = rng.normal(size=(2, STEPS, FEATURES))
    mask = np.array([[True] * STEPS, [True] * 3 + [False] * (STEPS - 3)])
    h0 = rng.normal(size=(2, UNITS))
    np.testing.assert_allclose(
        np.asarray(ours(x, mask=mask, initial_state=h0)),
        np.asarray(builtin(x, mask=mask, initial_state=h0)),
        rtol=0, atol=TOLERANCE,
    )


def _model(layer, name):
    return keras.Sequential(
        [keras.Input((STEPS, FEATURES), dtype="float64"), layer,
         keras.layers.Dense(2, dtype="float64", name="head")],
        name=name,
    )


@pytest.mark.parametrize(
    "reset_after, optimizer",
    [(True, "sgd"), (False, "sgd"), (True, "adam"), (False, "adam")],
)
def test_same_weights_after_one_training_step(reset_after, optimizer):
    rng = np.random.default_rng(3)
    builtin, ours = _pair(reset_after, False, rng)
    initial_kernel = builtin.get_weights()[0]
    head = [rng.normal(size=(UNITS, 2)), rng.normal(size=(2,))]
    start = [*builtin.get_weights(), *head]
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    y = rng.normal(size=(BATCH, 2))
    after_builtin, after_ours = (
        weights_after_one_step(layer, x, y, start, optimizer=optimizer, name=f"{label}_model")
        for layer, label in ((builtin, "builtin"), (ours, "ours"))
    )
    for expected, got in zip(after_builtin, after_ours, strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    # The step really changed the GRU's weights (a test of equal weights is empty otherwise).
    assert not np.allclose(after_builtin[0], initial_kernel)


def test_one_step_refuses_an_unknown_optimizer():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        weights_after_one_step(None, np.zeros((1, 2, 3)), np.zeros((1, 2)), [], optimizer="rmsprop")


def test_get_config_round_trip():
    cell = KerasOpsGRUCell(7, reset_after=False, name="cell", dtype="float64")
    config = cell.get_config()
    assert config["units"] == 7 and config["reset_after"] is False
    clone = KerasOpsGRUCell.from_config(config)
    assert (clone.units, clone.reset_after, clone.name) == (7, False, "cell")
    assert clone.dtype_policy.name == "float64"
    assert clone.state_size == clone.output_size == 7


def test_serialization_of_a_layer_using_the_cell():
    layer = ops_gru(3, reset_after=False, return_sequences=True, name="ops_gru")
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["config"]["cell"]["registered_name"] == "gru_companion>KerasOpsGRUCell"
    restored = keras.saving.deserialize_keras_object(serialized)
    assert isinstance(restored.cell, KerasOpsGRUCell)
    assert restored.cell.units == 3 and restored.cell.reset_after is False
    assert restored.return_sequences and restored.name == "ops_gru"


def test_saved_model_reloads_with_identical_outputs(tmp_path):
    keras.utils.set_random_seed(0)
    model = _model(ops_gru(UNITS, dtype="float64", name="ops_gru"), "saved")
    x = np.random.default_rng(4).normal(size=(2, STEPS, FEATURES))
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(reloaded(x)), np.asarray(model(x)))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"units": 0}, ValueError, "units must be a positive integer"),
        ({"units": -3}, ValueError, "units must be a positive integer"),
        ({"units": 2.5}, TypeError, "units must be a positive integer"),
        ({"units": True}, TypeError, "units must be a positive integer"),
        ({"units": 4, "reset_after": 1}, TypeError, "reset_after must be True or False"),
        ({"units": 4, "reset_after": "yes"}, TypeError, "reset_after must be True or False"),
    ],
)
def test_bad_arguments_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        KerasOpsGRUCell(**kwargs)


def test_ops_gru_bad_arguments_raise():
    with pytest.raises(TypeError, match="return_sequences must be True or False"):
        ops_gru(3, return_sequences="yes")
    with pytest.raises(TypeError, match="name must be a str"):
        ops_gru(3, name=5)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        ops_gru(0)
