"""The gradient-flow experiment: its data, models and probes are reproducible."""

from __future__ import annotations

import numpy as np

from gru_companion.data.synthetic import adding_problem
from gru_companion.experiments.gradient_flow import (
    experiment_data,
    held_out_set,
    run_experiment,
    untrained_model,
)


def test_the_experiment_models_and_probes_are_reproducible():
    first, second = untrained_model("gru", units=4, seed=3), untrained_model("gru", units=4, seed=3)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other = untrained_model("simple_rnn", units=4, seed=3)
    assert other.recurrent.kind == "simple_rnn" and other.readout.units == 1
    x, y = held_out_set(7, seed=3)
    assert x.shape == (512, 7, 2) and y.shape == (512, 1) and x.dtype == np.float64
    np.testing.assert_array_equal(x, held_out_set(7, seed=3)[0])


def test_training_data_from_the_seed_and_test_data_from_the_next():
    data = experiment_data(6, 20, seed=4)
    np.testing.assert_array_equal(data.x_train, adding_problem(20, 6, seed=4)[0])
    np.testing.assert_array_equal(data.x_test, adding_problem(512, 6, seed=5)[0])
    np.testing.assert_array_equal(data.x_test, held_out_set(6, seed=4)[0])


def test_a_small_run_of_one_kind():
    small = run_experiment(steps=4, units=2, train_count=8, epochs=1, kinds=("gru",))
    assert set(small["results"]) == {"gru"}
    assert small["settings"]["train_count"] == 8
