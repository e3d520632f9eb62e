"""The digits as row sequences, the split, the classifier and its training."""

import numpy as np
import pytest

from gru_companion.analysis.param_counts import bidirectional_params, dense_params, gru_params
from gru_companion.data.digits import DigitsSplit, load_digit_sequences, split_digits
from gru_companion.experiments.digits import (
    build_digits_classifier,
    evaluate_digits,
    train_digits_classifier,
)
from gru_companion.reproducibility import seed_everything


def test_images_read_as_rows():
    from sklearn.datasets import load_digits

    x, y = load_digit_sequences()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and set(y.tolist()) == set(range(10))
    assert x.min() == 0 and x.max() == 1
    # Step t of sequence i is row t of image i.
    np.testing.assert_array_equal(x[5, 3] * 16, load_digits().images[5][3])


def test_split_is_stratified_and_reproducible():
    split = split_digits(test_fraction=0.25, seed=0)
    assert len(split.x_test) == 450 and len(split.x_train) == 1347
    train_share = np.bincount(split.y_train) / len(split.y_train)
    test_share = np.bincount(split.y_test) / len(split.y_test)
    assert np.abs(train_share - test_share).max() < 0.01
    again = split_digits(test_fraction=0.25, seed=0)
    np.testing.assert_array_equal(split.y_test, again.y_test)
    other = split_digits(test_fraction=0.25, seed=1)
    assert not np.array_equal(split.y_test, other.y_test)


@pytest.mark.parametrize(
    "kwargs, error",
    [({"test_fraction": 0}, ValueError), ({"test_fraction": 1.5}, ValueError),
     ({"test_fraction": "a"}, TypeError), ({"seed": -1}, ValueError)],
)
def test_split_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        split_digits(**kwargs)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_parameter_count(bidirectional):
    model = build_digits_classifier(16, bidirectional=bidirectional, name="count")
    recurrent = gru_params(8, 16)
    if bidirectional:
        recurrent = bidirectional_params(recurrent)
    head = dense_params(recurrent.output_dim, 10)
    assert model.count_params() == recurrent.count + head.count
    assert [layer.name for layer in model.layers] == [
        "bidirectional_gru" if bidirectional else "gru", "classes"
    ]


@pytest.mark.parametrize(
    "kwargs, error",
    [({"units": 0}, ValueError), ({"bidirectional": 1}, TypeError),
     ({"learning_rate": 0}, ValueError), ({"learning_rate": "fast"}, TypeError)],
)
def test_classifier_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        build_digits_classifier(**kwargs)


def _small_split():
    split = split_digits(seed=0)
    return DigitsSplit(split.x_train[:400], split.y_train[:400],
                       split.x_test[:200], split.y_test[:200])


def test_training_learns_and_is_reproducible():
    split = _small_split()

    def run():
        seed_everything(0)
        model = build_digits_classifier(16, name="small")
        return model, train_digits_classifier(model, split, epochs=4, batch_size=32)

    model, history = run()
    assert history.epochs == 4
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] > 0.5  # chance is 0.1
    assert all(value == round(value, 4) for value in history.val_loss)
    _, again = run()
    assert again == history

    evaluation = evaluate_digits(model, split)
    assert evaluation.confusion.shape == (10, 10)
    assert evaluation.confusion.sum() == len(split.y_test)
    np.testing.assert_array_equal(evaluation.confusion.sum(axis=1), np.bincount(split.y_test))
    assert evaluation.accuracy == pytest.approx(np.trace(evaluation.confusion) / 200)
    # The last epoch's validation accuracy is this accuracy, rounded.
    assert round(evaluation.accuracy, 4) == history.val_accuracy[-1]


def test_training_rejects_bad_arguments():
    model = build_digits_classifier(4, name="bad")
    with pytest.raises(TypeError, match="DigitsSplit"):
        train_digits_classifier(model, (1, 2))
    with pytest.raises(ValueError, match="epochs"):
        train_digits_classifier(model, _small_split(), epochs=0)
    with pytest.raises(TypeError, match="DigitsSplit"):
        evaluate_digits(model, None)
