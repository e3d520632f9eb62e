"""Weight noise: gradients at noisy weights, updates applied to the clean ones.

Tiny models, one or two ``train_on_batch`` steps each. ``stddev=0`` must train exactly as
``keras.Sequential``; with noise, a linear model's update must be the gradient at the
weights plus the noise that a ``SeedGenerator`` with the same seed draws (under XLA the
draws are XLA's, so they are reproduced in an XLA function), and the weights left behind
must be the clean ones minus that update.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_companion.keras.weight_noise import WeightNoiseSequential


@pytest.fixture(autouse=True)
def xla_allowed():
    """TensorFlow's op determinism off during each test, and as it was afterwards.

    ``seed_everything`` (other tests) turns TensorFlow's op determinism on for the whole
    process, and Keras then silently trains without XLA; these tests need ``jit_compile``
    to mean what it says.
    """
    from tensorflow.python.framework import config

    was_on = config.is_op_determinism_enabled()
    config.disable_op_determinism()
    yield
    if was_on:
        config.enable_op_determinism()


RNG = np.random.default_rng(0)
X_SEQ = RNG.normal(size=(6, 4, 3)).astype(np.float32)
Y_SEQ = RNG.normal(size=(6, 2)).astype(np.float32)
SAMPLE_WEIGHT = RNG.uniform(0.5, 2.0, size=6).astype(np.float32)
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=(6, 2))
LEARNING_RATE = 0.5  # exact in float32, so SGD's float32 learning rate adds no rounding


def recurrent_layers():
    return [keras.Input((4, 3)), keras.layers.GRU(3), keras.layers.Dense(2)]


def linear_layers():
    return [keras.Input((3,), dtype="float64"), keras.layers.Dense(2, dtype="float64")]


def compiled(model, *, jit_compile, optimizer=None, float64=False):
    loss = keras.losses.MeanSquaredError(dtype="float64") if float64 else "mse"
    model.compile(
        optimizer=optimizer or keras.optimizers.SGD(LEARNING_RATE),
        loss=loss,
        metrics=["mae"],
        jit_compile=jit_compile,
    )
    return model


def linear_update(weights, noise):
    """One SGD step on the float64 MSE of the linear model, the gradient at weights + noise."""
    kernel, bias = weights[0] + noise[0], weights[1] + noise[1]
    residual = X @ kernel + bias - Y
    d_kernel = 2 * X.T @ residual / residual.size
    d_bias = 2 * residual.sum(axis=0) / residual.size
    return [weights[0] - LEARNING_RATE * d_kernel, weights[1] - LEARNING_RATE * d_bias]


@pytest.mark.parametrize(
    "jit_compile, loss_scaling", [(False, False), (True, False), (False, True)]
)
def test_no_noise_trains_exactly_as_keras_sequential(jit_compile, loss_scaling):
    def optimizer():
        sgd = keras.optimizers.SGD(LEARNING_RATE)
        return keras.optimizers.LossScaleOptimizer(sgd) if loss_scaling else sgd

    keras.utils.set_random_seed(0)
    plain = compiled(keras.Sequential(recurrent_layers()), jit_compile=jit_compile,
                     optimizer=optimizer())  # fmt: skip
    noisy = compiled(WeightNoiseSequential(recurrent_layers(), stddev=0.0, seed=1),
                     jit_compile=jit_compile, optimizer=optimizer())  # fmt: skip
    noisy.set_weights(plain.get_weights())
    assert plain.jit_compile is noisy.jit_compile is jit_compile
    for _ in range(2):
        logs = [
            model.train_on_batch(X_SEQ, Y_SEQ, sample_weight=SAMPLE_WEIGHT, return_dict=True)
            for model in (plain, noisy)
        ]
        assert logs[0] == logs[1] and set(logs[0]) == {"loss", "mae"}
    for a, b in zip(plain.get_weights(), noisy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_each_update_is_the_gradient_at_freshly_noisy_weights(jit_compile):
    start = [RNG.normal(size=(3, 2)), RNG.normal(size=2)]
    model = compiled(WeightNoiseSequential(linear_layers(), stddev=0.3, seed=7),
                     jit_compile=jit_compile, float64=True)  # fmt: skip
    model.set_weights(start)
    assert model.jit_compile is jit_compile
    generator = keras.random.SeedGenerator(7)  # the model's noise, drawn again

    def draw():
        return [
            keras.random.normal(w.shape, stddev=0.3, dtype="float64", seed=generator)
            for w in model.trainable_weights
        ]

    draw = tf.function(draw, jit_compile=True) if jit_compile else draw
    expected = start
    for _ in range(2):  # fresh noise at every step
        model.train_on_batch(X, Y)
        noise = [np.asarray(n) for n in draw()]
        assert all(np.all(n != 0) for n in noise)
        expected = linear_update(expected, noise)
        for ours, theirs in zip(model.get_weights(), expected, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)
    # what is left are clean weights: the model predicts as a plain one holding them
    plain = keras.Sequential(linear_layers())
    plain.set_weights(expected)
    np.testing.assert_allclose(model.predict(X, verbose=0), plain.predict(X, verbose=0),
                               rtol=0, atol=1e-12)  # fmt: skip
    noiseless = start
    for _ in range(2):
        noiseless = linear_update(noiseless, [0.0, 0.0])
    assert not np.allclose(model.get_weights()[0], noiseless[0])  # the noise moved the steps


def test_evaluation_and_prediction_use_the_clean_weights():
    keras.utils.set_random_seed(2)
    model = compiled(WeightNoiseSequential(recurrent_layers(), stddev=5.0), jit_compile=False)
    plain = compiled(keras.Sequential(recurrent_layers()), jit_compile=False)
    plain.set_weights(model.get_weights())
    np.testing.assert_array_equal(np.asarray(model(X_SEQ)), np.asarray(model(X_SEQ)))
    np.testing.assert_array_equal(model.predict(X_SEQ, verbose=0), plain.predict(X_SEQ, verbose=0))
    assert model.evaluate(X_SEQ, Y_SEQ, verbose=0) == plain.evaluate(X_SEQ, Y_SEQ, verbose=0)
    before = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", jit_compile=False)
    model.train_on_batch(X_SEQ, Y_SEQ)  # a step that moves nothing: the noise is taken back
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_runs_repeat_under_keras_set_random_seed():
    start = [RNG.normal(size=(3, 2)), RNG.normal(size=2)]

    def trained(seed):
        keras.utils.set_random_seed(seed)
        model = compiled(WeightNoiseSequential(linear_layers(), stddev=0.3), jit_compile=False,
                         float64=True)  # fmt: skip
        model.set_weights(start)
        model.fit(X, Y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        return model.get_weights()

    first, again, other = trained(3), trained(3), trained(4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.allclose(first[0], other[0])


def test_fit_with_validation_reports_the_usual_logs():
    keras.utils.set_random_seed(5)
    model = compiled(WeightNoiseSequential(recurrent_layers(), stddev=0.075, seed=0),
                     jit_compile=True)  # fmt: skip
    history = model.fit(X_SEQ, Y_SEQ, validation_data=(X_SEQ, Y_SEQ), batch_size=3, epochs=2,
                        verbose=0)  # fmt: skip
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize(
    "stddev, error, message",
    [
        ("0.1", TypeError, "stddev must be a non-negative number, got str"),
        (True, TypeError, "stddev must be a non-negative number, got bool"),
        (-0.1, ValueError, "stddev must be a non-negative finite number, got -0.1"),
        (float("nan"), ValueError, "non-negative finite number, got nan"),
        (float("inf"), ValueError, "non-negative finite number, got inf"),
    ],
)
def test_bad_stddev_is_refused(stddev, error, message):
    with pytest.raises(error, match=message):
        WeightNoiseSequential(linear_layers(), stddev=stddev)


def test_bad_seed_is_refused():
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        WeightNoiseSequential(linear_layers(), stddev=0.1, seed=-1)
    with pytest.raises(TypeError, match="seed must be a non-negative integer or None"):
        WeightNoiseSequential(linear_layers(), stddev=0.1, seed=1.5)
    with pytest.raises(TypeError, match="stddev"):
        WeightNoiseSequential(linear_layers())  # stddev has no default


def test_config_and_keras_file_round_trip(tmp_path):
    model = WeightNoiseSequential(linear_layers(), stddev=0.075, seed=11, name="noisy")
    model.set_weights([RNG.normal(size=(3, 2)), RNG.normal(size=2)])
    config = model.get_config()
    assert config["stddev"] == 0.075 and config["seed"] == 11
    rebuilt = WeightNoiseSequential.from_config(config)
    assert type(rebuilt) is WeightNoiseSequential and rebuilt.built and rebuilt.name == "noisy"
    assert (rebuilt.stddev, rebuilt.seed) == (0.075, 11)
    assert [w.shape for w in rebuilt.get_weights()] == [(3, 2), (2,)]
    path = tmp_path / "noisy.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is WeightNoiseSequential and loaded.stddev == 0.075
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
