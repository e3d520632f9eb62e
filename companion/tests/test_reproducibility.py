"""Seeding makes Keras initialisation and NumPy draws repeat exactly."""

import os

import keras
import numpy as np
import pytest

from gru_companion.reproducibility import rounded, seed_everything


def test_importing_the_package_quiets_tensorflow():
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_same_seed_same_weights_and_draws():
    def draw():
        seed_everything(7)
        layer = keras.layers.GRU(3)
        layer.build((None, 4, 2))
        return [w.numpy() for w in layer.weights] + [np.random.rand(3)]

    first, second = draw(), draw()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_seeds(bad, error):
    with pytest.raises(error, match="seed must be"):
        seed_everything(bad)


def test_rounded():
    assert rounded(0.123456) == "0.1235"
    assert rounded(-0.00001) == "0.0000"
    assert rounded(2, digits=0) == "2"
    with pytest.raises(ValueError, match="finite"):
        rounded(float("nan"))
    with pytest.raises(ValueError, match="digits must be one of"):
        rounded(1.0, digits=12)
