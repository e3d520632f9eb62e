"""The one model builder, the one training loop and its history."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gru_companion.analysis.param_counts import (
    bidirectional_params,
    dense_params,
    recurrent_params,
)
from gru_companion.data.synthetic import adding_data
from gru_companion.experiments.training import (
    History,
    build_model,
    first_epoch_reaching,
    predict,
    progress_bar,
    train,
)
from gru_companion.kinds import KINDS
from gru_companion.reproducibility import seed_everything


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_builds_with_the_exact_parameter_count(kind):
    model = build_model(kind, 3, 5, 2, name="count")
    expected = recurrent_params(kind, 3, 5).count + dense_params(5, 2).count
    assert model.count_params() == expected
    assert [layer.name for layer in model.layers] == [kind, "readout"]
    keras.backend.clear_session()


def test_names_head_and_bidirectional_wrapper():
    model = build_model("gru", 8, 4, 10, steps=8, bidirectional=True, activation="softmax",
                        input_name="rows", output_name="classes", name="digits")  # fmt: skip
    recurrent = bidirectional_params(recurrent_params("gru", 8, 4))
    assert model.count_params() == recurrent.count + dense_params(8, 10).count
    assert [layer.name for layer in model.layers] == ["bidirectional_gru", "classes"]
    assert model.name == "digits" and model.input_shape == (None, 8, 8)
    probabilities = np.asarray(model(np.zeros((2, 8, 8), np.float32)))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    sequences = build_model("lstm", 2, 3, 4, return_sequences=True)
    assert sequences.output_shape == (None, None, 4) and sequences.name == "lstm_3"


def test_compiled_with_the_optimizer_asked_for():
    model = build_model("simple_rnn", 2, 3, 1, loss="mse", optimizer="rmsprop",
                        learning_rate=0.005, clipnorm=1.0)  # fmt: skip
    assert type(model.optimizer).__name__ == "RMSprop"
    assert model.optimizer.clipnorm == 1.0
    assert float(model.optimizer.learning_rate) == pytest.approx(0.005)
    assert not build_model("gru", 2, 3, 1).compiled


@pytest.mark.parametrize(
    "kwargs, error",
    [({"kind": "transformer"}, ValueError), ({"units": 0}, ValueError),
     ({"features": 1.5}, TypeError), ({"optimizer": "sgd"}, ValueError),
     ({"learning_rate": 0}, ValueError), ({"bidirectional": 1}, TypeError),
     ({"clipnorm": -1.0}, ValueError)],
)  # fmt: skip
def test_build_model_refuses_bad_arguments(kwargs, error):
    arguments = {"kind": "gru", "features": 2, "units": 3, "outputs": 1, "loss": "mse", **kwargs}
    with pytest.raises(error):
        build_model(**arguments)


def test_training_epoch_by_epoch_equals_one_fit_with_validation():
    data = adding_data(6, 96, 32, seed=0)

    def model():
        seed_everything(0)
        return build_model("gru", 2, 3, 1, steps=6, loss="mse")

    reference = model()
    logs = reference.fit(data.x_train, data.y_train, epochs=3, batch_size=32, verbose=0,
                         validation_data=(data.x_test, data.y_test)).history  # fmt: skip
    ours = model()
    history = train(ours, (data.x_train, data.y_train), epochs=3, batch_size=32,
                    validation=(data.x_test, data.y_test))  # fmt: skip
    assert history.loss == tuple(logs["loss"]) and history.val_loss == tuple(logs["val_loss"])
    for a, b in zip(reference.get_weights(), ours.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.epochs == 3 and history.column("epoch") == (1, 2, 3)
    assert history.final("train_seconds") == pytest.approx(sum(history.epoch_seconds))


def test_train_records_the_task_metrics_and_advances_the_progress():
    data = adding_data(5, 32, 8, seed=1)
    seed_everything(0)
    model = build_model("lstm", 2, 2, 1, loss="mse")

    def evaluate(m):
        return {"test_mse": float(np.mean((predict(m, data.x_test) - data.y_test) ** 2))}

    with progress_bar(False) as progress:
        history = train(model, (data.x_train, data.y_train, np.ones(32, np.float32)), epochs=2,
                        batch_size=16, evaluate=evaluate, progress=progress)  # fmt: skip
    assert history.metrics == ("epoch", "loss", "test_mse", "epoch_seconds", "train_seconds")
    assert predict(model, data.x_test, batch_size=3).shape == (8, 1)
    with pytest.raises(TypeError, match="fit_data must be a tuple"):
        train(model, [data.x_train, data.y_train], epochs=1, batch_size=4)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        train(model, (data.x_train, data.y_train), epochs=0, batch_size=4)


def test_history_columns_and_first_epoch_reaching():
    history = History.from_columns(loss=[0.3, 0.2, 0.1], test_mse=[0.2, 0.05, 0.001])
    assert history.test_mse == (0.2, 0.05, 0.001) and history.final("loss") == 0.1
    assert first_epoch_reaching(history, "test_mse", 0.05)["epoch"] == 2
    assert first_epoch_reaching(history.rows, "test_mse", 1e-4) is None
    rows = [{"epoch": 1, "mse": 2.0, "train_seconds": 1.5}, {"epoch": 2, "mse": 1.0}]
    assert first_epoch_reaching(rows, "mse", 2.0)["train_seconds"] == 1.5
    with pytest.raises(AttributeError, match="no column 'accuracy'"):
        history.accuracy  # noqa: B018
    with pytest.raises(ValueError, match="one length"):
        History.from_columns(loss=[1.0], val_loss=[1.0, 2.0])


def _fitted_model(seed: int = 0):
    seed_everything(seed)
    data = adding_data(5, 64, 16, seed=0)
    model = build_model("gru", 2, 3, 1, loss="mse", learning_rate=0.01)
    return model, data


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    model, data = _fitted_model()
    scores = iter([5.0, 4.0, 4.5, 3.99, 4.2, 1.0])

    def evaluate(model):
        return {"valid_mse": next(scores)}

    history = train(model, (data.x_train, data.y_train), epochs=6, batch_size=16,
                    evaluate=evaluate, monitor="valid_mse", patience=2, min_delta=0.01)  # fmt: skip
    # 3.99 is below 4.0 but by less than 1 %: it does not count, so epochs 3 and 4 wait
    assert history.epochs == 4 and history.best("valid_mse")["epoch"] == 4
    assert history.valid_mse == (5.0, 4.0, 4.5, 3.99)


def test_an_absolute_tolerance_ignores_tiny_gains():
    model, data = _fitted_model()
    scores = iter([1.0, 0.5, 0.4995, 0.4990, 0.1])
    history = train(model, (data.x_train, data.y_train), epochs=5, batch_size=16,
                    evaluate=lambda m: {"valid_mse": next(scores)}, monitor="valid_mse",
                    patience=2, tolerance=0.01)  # fmt: skip
    assert history.epochs == 4


@pytest.mark.parametrize(
    "options, error, message",
    [({"monitor": "valid_mse"}, ValueError, "needs both monitor and patience"),
     ({"monitor": "valid_mse", "patience": 0}, ValueError, "patience must be a positive"),
     ({"monitor": "x", "patience": 1, "min_delta": 1.0}, ValueError, "min_delta must be in"),
     ({"monitor": "x", "patience": 1, "tolerance": -1.0}, ValueError, "tolerance must be"),
     ({"monitor": "valid_nll", "patience": 1}, KeyError, "cannot stop on 'valid_nll'")],
)  # fmt: skip
def test_bad_early_stopping_settings_are_refused(options, error, message):
    model, data = _fitted_model()
    with pytest.raises(error, match=message):
        train(model, (data.x_train, data.y_train), epochs=2, batch_size=16,
              evaluate=lambda m: {"valid_mse": 1.0}, **options)  # fmt: skip


def test_weight_noise_and_layer_options_reach_the_model():
    model = build_model("gru", 2, 3, 1, layer_options={"reset_after": False})
    assert model.get_layer("gru").reset_after is False
    with pytest.raises(TypeError, match="layer_options must be a mapping"):
        build_model("gru", 2, 3, 1, layer_options=[("reset_after", False)])
    with pytest.raises(ValueError, match="weight_noise must be a finite number >= 0"):
        build_model("gru", 2, 3, 1, weight_noise=-0.1)
