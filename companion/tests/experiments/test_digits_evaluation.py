"""The digit classifier, built and trained by the shared builder and loop, and its evaluation."""

import numpy as np
import pytest

from gru_companion.analysis.param_counts import bidirectional_params, dense_params, gru_params
from gru_companion.data.digits import FEATURES, NUM_CLASSES, STEPS, DigitsSplit, split_digits
from gru_companion.experiments.digits import evaluate_digits
from gru_companion.experiments.training import build_model, train
from gru_companion.reproducibility import seed_everything

CLASSIFIER = {"steps": STEPS, "activation": "softmax", "input_name": "rows",
              "output_name": "classes", "loss": "sparse_categorical_crossentropy",
              "metrics": ["accuracy"]}  # fmt: skip


@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_parameter_count(bidirectional):
    model = build_model("gru", FEATURES, 16, NUM_CLASSES, bidirectional=bidirectional,
                        name="count", **CLASSIFIER)  # fmt: skip
    recurrent = gru_params(8, 16)
    if bidirectional:
        recurrent = bidirectional_params(recurrent)
    head = dense_params(recurrent.output_dim, 10)
    assert model.count_params() == recurrent.count + head.count


def _small_split():
    split = split_digits(seed=0)
    return DigitsSplit(split.x_train[:400], split.y_train[:400],
                       split.x_test[:200], split.y_test[:200])  # fmt: skip


def test_training_learns_and_is_reproducible():
    split = _small_split()

    def run():
        seed_everything(0)
        model = build_model("gru", FEATURES, 16, NUM_CLASSES, name="small", **CLASSIFIER)
        history = train(model, (split.x_train, split.y_train), epochs=4, batch_size=32,
                        validation=(split.x_test, split.y_test))  # fmt: skip
        return model, history

    model, history = run()
    assert history.epochs == 4
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] > 0.5  # chance is 0.1
    _, again = run()
    assert again.val_loss == history.val_loss

    evaluation = evaluate_digits(model, split)
    assert evaluation.confusion.shape == (10, 10)
    assert evaluation.confusion.sum() == len(split.y_test)
    np.testing.assert_array_equal(evaluation.confusion.sum(axis=1), np.bincount(split.y_test))
    assert evaluation.accuracy == pytest.approx(np.trace(evaluation.confusion) / 200)
    # The last epoch's validation accuracy is this accuracy.
    assert evaluation.accuracy == pytest.approx(history.val_accuracy[-1])
    with pytest.raises(TypeError, match="DigitsSplit"):
        evaluate_digits(model, None)
