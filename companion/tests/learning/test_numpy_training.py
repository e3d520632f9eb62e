"""The NumPy training stack: losses, read-out, optimizers and fit, each equal to Keras's.

A NumPy GRU model and its Keras twin, from the same weights, with the same loss and
optimizer on the same batches, have the same losses step after step (in float64, to
rounding), which checks the whole chain: loss gradients, read-out backward pass,
backpropagation through time, clipping and the optimizers' update formulas.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.src.optimizers.base_optimizer import clip_by_global_norm as keras_clip

from gru_companion.learning.gradient_check import check_gradients
from gru_companion.learning.losses import (
    BernoulliNLL,
    MeanSquaredError,
    SoftmaxCrossEntropy,
)
from gru_companion.learning.optimizers import (
    SGD,
    Adam,
    clip_by_global_norm,
    global_norm,
)
from gru_companion.learning.sequence_model import SequenceModel
from gru_companion.learning.training import History, batches, fit
from gru_companion.scratch.dense import NumpyDense
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------------ losses
def loss_cases():
    logits = RNG.normal(size=(4, 3, 5)) * 3
    labels = RNG.integers(0, 5, size=(4, 3))
    probabilities = np.eye(5)[labels] * 0.8 + 0.04
    binary = (RNG.random(size=(6, 2)) < 0.5).astype(float)
    return [
        ("mse", MeanSquaredError(), keras.losses.MeanSquaredError(dtype="float64"),
         RNG.normal(size=(6, 2)), RNG.normal(size=(6, 2))),
        ("bernoulli", BernoulliNLL(),
         keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64"),
         binary, RNG.normal(size=(6, 2)) * 4),
        ("sparse_softmax", SoftmaxCrossEntropy(),
         keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64"),
         labels, logits),
        ("softmax", SoftmaxCrossEntropy(),
         keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64"),
         probabilities, logits),
    ]  # fmt: skip


@pytest.mark.parametrize("case", loss_cases(), ids=lambda case: case[0])
def test_losses_and_gradients_equal_keras(case):
    _, loss, keras_loss, y_true, y_pred = case
    prediction = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        reference = keras_loss(y_true, prediction)
    value, gradient = loss.value_and_gradient(y_true, y_pred)
    assert abs(value - float(reference)) < 1e-13
    np.testing.assert_allclose(gradient, tape.gradient(reference, prediction), atol=1e-15)
    assert loss(y_true, y_pred) == value and np.array_equal(loss.gradient(y_true, y_pred), gradient)


@pytest.mark.parametrize("case", loss_cases(), ids=lambda case: case[0])
def test_loss_gradients_pass_the_finite_difference_check(case):
    _, loss, _, y_true, y_pred = case
    y_pred = y_pred.copy()
    errors = check_gradients(
        lambda: loss(y_true, y_pred), {"y_pred": y_pred}, {"y_pred": loss.gradient(y_true, y_pred)}
    )
    assert errors["y_pred"] < 1e-6


def test_cross_entropies_are_stable_for_huge_logits():
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert SoftmaxCrossEntropy()(np.array([0, 0]), logits) == 1000.0
        assert BernoulliNLL()(np.array([[1.0, 0.0], [1.0, 1.0]]), logits) == 250.0
    names = [loss.name for loss in (MeanSquaredError, BernoulliNLL, SoftmaxCrossEntropy)]
    assert names == ["mean_squared_error", "binary_crossentropy", "categorical_crossentropy"]


@pytest.mark.parametrize(
    ("loss", "y_true", "y_pred", "error", "message"),
    [
        (MeanSquaredError(), np.ones(3), np.ones((3, 1)), ValueError, "must have the shape"),
        (MeanSquaredError(), np.ones(3), np.array([1.0, np.nan, 0.0]), ValueError, "finite"),
        (MeanSquaredError(), np.ones(3), np.ones(3, dtype=int), TypeError, "floating-point"),
        (MeanSquaredError(), [1.0], np.ones(1), TypeError, "y_true must be a numpy.ndarray"),
        (BernoulliNLL(), np.full((2, 1), 2.0), np.ones((2, 1)), ValueError, r"in \[0, 1\]"),
        (SoftmaxCrossEntropy(), np.array([0, 3]), np.ones((2, 3)), ValueError, r"0 \.\. 2"),
        (SoftmaxCrossEntropy(), np.array([0, 1]), np.ones((2, 1)), ValueError, "at least 2"),
        (SoftmaxCrossEntropy(), np.ones((2, 3)), np.ones((2, 3)), ValueError, "summing to 1"),
    ],
)
def test_bad_loss_arguments(loss, y_true, y_pred, error, message):
    with pytest.raises(error, match=message):
        loss.value_and_gradient(y_true, y_pred)


# ---------------------------------------------------------------------------- read-out
def test_dense_equals_keras_and_its_gradients_pass_the_check():
    dense = NumpyDense(RNG.normal(size=(4, 3)), RNG.normal(size=3))
    keras_dense = keras.layers.Dense(3, dtype="float64")
    keras_dense.build((None, 4))
    keras_dense.set_weights(dense.get_weights())
    x = RNG.normal(size=(2, 5, 4))
    np.testing.assert_allclose(dense(x), keras_dense(x), atol=1e-14)
    r = RNG.normal(size=(2, 5, 3))
    grads = dense.backward(x, r)
    check_gradients(
        lambda: float(np.sum(r * dense(x))),
        {"kernel": dense.kernel, "bias": dense.bias, "inputs": x},
        {"kernel": grads.kernel, "bias": grads.bias, "inputs": grads.inputs},
    )
    initialized = NumpyDense.initialized(4, 3, seed=1, use_bias=False)
    assert initialized.bias is None and initialized.backward(x, r).bias is None
    assert np.all(NumpyDense.initialized(4, 3).bias == 0)


def test_bad_dense_arguments():
    dense = NumpyDense.initialized(4, 3)
    with pytest.raises(ValueError, match=r"inputs must have shape \(\.\.\., 4\)"):
        dense(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(2, 3\)"):
        dense.backward(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="d_outputs has dtype float32"):
        dense.backward(np.ones((2, 4)), np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="bias must have shape"):
        NumpyDense(np.ones((4, 3)), np.ones(4))


# -------------------------------------------------------------------------- optimizers
def keras_updates(keras_optimizer, gradients, start):
    variable = keras.Variable(start.copy(), dtype="float64")
    for gradient in gradients:
        keras_optimizer.apply_gradients([(tf.constant(gradient), variable)])
    return np.asarray(variable)


def numpy_updates(optimizer, gradients, start):
    params = {"w": start.copy()}
    for gradient in gradients:
        optimizer.apply(params, {"w": gradient.copy()})
    assert optimizer.iterations == len(gradients)
    return params["w"]


OPTIMIZER_CASES = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.003, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
    ("adam", {"learning_rate": 0.01, "global_clipnorm": 0.5}),
]


@pytest.mark.parametrize(("name", "options"), OPTIMIZER_CASES)
def test_optimizers_equal_keras(name, options):
    gradients = [RNG.normal(size=(3, 2)) * scale for scale in (1.0, 0.01, 3.0, 1e-6, 0.5)]
    start = RNG.normal(size=(3, 2))
    keras_class = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[name]
    numpy_class = {"sgd": SGD, "adam": Adam}[name]
    assert numpy_class.name == name
    reference = keras_updates(keras_class(**options), gradients, start)
    exact = numpy_updates(numpy_class(like_keras=True, **options), gradients, start)
    np.testing.assert_allclose(exact, reference, rtol=0, atol=1e-15)
    # without Keras's float32 constants, the updates differ in the 6th to 8th digit
    plain = numpy_updates(numpy_class(**options), gradients, start)
    np.testing.assert_allclose(plain, reference, rtol=0, atol=1e-5)


def test_adam_adds_epsilon_to_the_root_of_v_not_of_v_hat():
    """One step with a tiny gradient: Keras's form gives g / (|g| + eps / sqrt(1 - b2))."""
    g = np.array([1e-6])
    params = {"w": np.zeros(1)}
    Adam(learning_rate=1.0, epsilon=1e-6).apply(params, {"w": g})
    hat_v_form = -1e-6 / (1e-6 + 1e-6 / np.sqrt(1 - 0.999))  # epsilon next to sqrt(v)
    algorithm_1 = -1e-6 / (1e-6 + 1e-6)  # epsilon next to sqrt(v_hat)
    assert abs(params["w"][0] - hat_v_form) < 1e-12
    assert abs(params["w"][0] - algorithm_1) > 0.1


def test_clip_by_global_norm_equals_keras():
    grads = {"a": RNG.normal(size=(3, 2)), "b": RNG.normal(size=4)}
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert abs(global_norm(grads) - norm) < 1e-12
    for clip in (0.5, 100.0):
        clipped, before = clip_by_global_norm(grads, clip)
        reference = keras_clip([tf.constant(g) for g in grads.values()], clip)
        for mine, theirs in zip(clipped.values(), reference, strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-15)
        assert before == global_norm(grads)
        assert global_norm(clipped) <= clip * (1 + 1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: SGD(learning_rate=0), ValueError, "learning_rate must be a positive"),
        (lambda: Adam(learning_rate=-1e-3), ValueError, "learning_rate must be a positive"),
        (lambda: Adam(learning_rate="fast"), TypeError, "learning_rate must be a positive"),
        (lambda: Adam(learning_rate=float("nan")), ValueError, "finite"),
        (lambda: Adam(beta_1=1.0), ValueError, r"beta_1 must be in \[0.0, 1.0\)"),
        (lambda: Adam(epsilon=0), ValueError, "epsilon must be in"),
        (lambda: SGD(momentum=-0.1), ValueError, "momentum must be in"),
        (lambda: SGD(global_clipnorm=0), ValueError, "global_clipnorm must be a positive finite"),
        (lambda: SGD(nesterov="yes"), TypeError, "nesterov must be True or False"),
    ],
)
def test_bad_optimizer_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_gradients_for_an_optimizer():
    optimizer = Adam()
    params = {"w": np.zeros((2, 2))}
    with pytest.raises(ValueError, match=r"missing \['w'\], unknown \['v'\]"):
        optimizer.apply(params, {"v": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"shape \(2,\), the parameter \(2, 2\)"):
        optimizer.apply(params, {"w": np.zeros(2)})
    with pytest.raises(TypeError, match="dtype float32, the parameter float64"):
        optimizer.apply(params, {"w": np.zeros((2, 2), dtype=np.float32)})
    with pytest.raises(ValueError, match="holds NaN or infinity"):
        optimizer.apply(params, {"w": np.full((2, 2), np.nan)})
    optimizer.apply(params, {"w": np.ones((2, 2))})
    with pytest.raises(ValueError, match="same parameters every step"):
        optimizer.apply({"u": np.zeros(1)}, {"u": np.ones(1)})


# ---------------------------------------------------------------------------- training
def memory_task(count=48, steps=7, seed=0):
    """Recall the sign of the first input at the end of a noisy sequence."""
    x = np.random.default_rng(seed).normal(size=(count, steps, 2))
    return x, (x[:, 0, :1] > 0).astype(float)


def gru_model(seed=1, **flags):
    return SequenceModel(
        NumpyGRU.initialized(2, 5, seed=seed, **flags), NumpyDense.initialized(5, 1, seed=seed)
    )


@pytest.mark.parametrize("reset_after", [True, False])
def test_numpy_gru_and_keras_gru_train_step_for_step_alike(reset_after):
    x, y = memory_task()
    model = gru_model(reset_after=reset_after)
    twin = model.to_keras()
    keras_loss = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
    keras_optimizer = keras.optimizers.Adam(0.05, global_clipnorm=1.0)
    history = fit(model, BernoulliNLL(), Adam(0.05, global_clipnorm=1.0, like_keras=True),
                  x, y, epochs=2, batch_size=16)  # fmt: skip
    keras_losses = []
    for _ in range(2):
        for xb, yb in batches(x, y, 16):
            with tf.GradientTape() as tape:
                value = keras_loss(yb, twin(xb))
            grads = tape.gradient(value, twin.trainable_weights)
            keras_optimizer.apply_gradients(zip(grads, twin.trainable_weights, strict=True))
            keras_losses.append(float(value))
    assert len(history.step_losses) == 6
    # equal to rounding (asked: 1e-6), since like_keras rounds the constants as Keras does
    np.testing.assert_allclose(history.step_losses, keras_losses, rtol=0, atol=1e-12)
    for mine, theirs in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    assert history.step_losses[-1] < history.step_losses[0]


def test_numpy_peephole_lstm_and_its_keras_twin_train_step_for_step_alike():
    x, y = memory_task(count=32)
    model = SequenceModel(NumpyPeepholeLSTM.initialized(2, 3, seed=3),
                          NumpyDense.initialized(3, 1, seed=3))  # fmt: skip
    assert list(model.parameters()) == [
        "recurrent/kernel", "recurrent/recurrent_kernel", "recurrent/bias", "recurrent/peephole",
        "readout/kernel", "readout/bias",
    ]  # fmt: skip
    assert model.parameters()["recurrent/peephole"] is model.recurrent.peephole  # not a copy
    twin = model.to_keras()
    keras_loss = keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
    twin.compile(optimizer=keras.optimizers.Adam(0.05), loss=keras_loss, jit_compile=False)
    keras_losses = [float(twin.train_on_batch(xb, yb)) for xb, yb in batches(x, y, 16)]
    start = model.recurrent.peephole.copy()
    history = fit(model, BernoulliNLL(), Adam(0.05, like_keras=True), x, y, epochs=1,
                  batch_size=16)  # fmt: skip
    assert not np.array_equal(start, model.recurrent.peephole)  # the optimizer moved it
    # Keras's train_on_batch reports the loss before its step, as fit's step losses
    np.testing.assert_allclose(history.step_losses, keras_losses, rtol=0, atol=1e-6)
    for mine, theirs in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def test_fit_reports_the_epoch_losses_keras_fit_reports():
    x, y = memory_task(count=40)
    model = SequenceModel(NumpyLSTM.initialized(2, 3, seed=2), NumpyDense.initialized(3, 1))
    twin = model.to_keras()
    twin.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                 loss=keras.losses.MeanSquaredError(dtype="float64"))  # fmt: skip
    keras_history = twin.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    history = fit(model, MeanSquaredError(), SGD(0.1, momentum=0.9, like_keras=True),
                  x, y, epochs=3, batch_size=16)  # fmt: skip
    # Keras's loss tracker averages in float32: equal to about 1e-8
    np.testing.assert_allclose(history.epoch_losses, keras_history.history["loss"], atol=1e-6)
    sizes = [16, 16, 8]
    first_epoch = np.dot(history.step_losses[:3], sizes) / 40
    assert abs(history.epoch_losses[0] - first_epoch) < 1e-15


def test_model_gradients_pass_the_finite_difference_check():
    x, y = memory_task(count=3, steps=4)
    model = gru_model(return_sequences=True)
    targets = np.repeat(y[:, None], 4, axis=1)
    loss = BernoulliNLL()
    _, grads = model.loss_and_gradients(loss, x, targets)
    errors = check_gradients(lambda: loss(targets, model(x)), model.parameters(), grads)
    assert len(errors) == 5 and max(errors.values()) < 1e-6


def test_verbose_false_prints_nothing_and_verbose_true_shows_progress(capsys):
    x, y = memory_task(count=8)
    history = fit(gru_model(), BernoulliNLL(), SGD(0.1), x, y, epochs=2, batch_size=4)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert isinstance(history, History) and len(history.epoch_losses) == 2
    fit(gru_model(), BernoulliNLL(), SGD(0.1), x, y, epochs=2, batch_size=4, verbose=True)
    captured = capsys.readouterr()
    assert "4/4" in captured.out + captured.err


def test_shuffle_changes_the_batches_but_not_the_examples():
    x, y = np.arange(10.0)[:, None], np.arange(10.0)
    plain = [b for _, b in batches(x, y, 4)]
    assert [len(b) for b in plain] == [4, 4, 2] and np.array_equal(np.concatenate(plain), y)
    shuffled = np.concatenate([b for _, b in batches(x, y, 4, shuffle=True, seed=1)])
    assert sorted(shuffled) == list(y) and not np.array_equal(shuffled, y)


def test_bad_training_arguments():
    x, y = memory_task(count=8)
    model = gru_model()
    with pytest.raises(ValueError, match="as many examples"):
        fit(model, BernoulliNLL(), SGD(), x, y[:5])
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(model, BernoulliNLL(), SGD(), x, y, epochs=0)
    with pytest.raises(TypeError, match="optimizer must be"):
        fit(model, BernoulliNLL(), "adam", x, y)
    with pytest.raises(TypeError, match="loss must be"):
        fit(model, "mse", SGD(), x, y)
    with pytest.raises(TypeError, match="verbose must be True or False"):
        fit(model, BernoulliNLL(), SGD(), x, y, verbose=1)
    with pytest.raises(ValueError, match="the loss is nan at step 1|must be finite"):
        fit(model, MeanSquaredError(), SGD(), x, np.full_like(y, np.nan))
    with pytest.raises(ValueError, match="return_state=False"):
        SequenceModel(NumpyGRU.initialized(2, 5, return_state=True), NumpyDense.initialized(5, 1))
    with pytest.raises(ValueError, match="reads 4 features but the recurrent layer has 5"):
        SequenceModel(NumpyGRU.initialized(2, 5), NumpyDense.initialized(4, 1))
