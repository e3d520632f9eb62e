"""The table of tasks: matched sizes, held-out sets, thresholds, Chung et al.'s models."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.analysis.budgets import units_for_budget
from gru_companion.experiments.tasks import (
    CHUNG_UNITS,
    TASKS,
    Threshold,
    log_uniform_rates,
    task_of,
)
from gru_companion.experiments.training import build_model
from gru_companion.kinds import CORE


def test_budget_matched_models_have_the_counted_size():
    for kind in CORE:
        size = units_for_budget(kind, 88, 20_000, 88)
        model = build_model(kind, 88, size.units, 88, return_sequences=True)
        assert model.count_params() == size.total
        assert abs(size.total - 20_000) < 0.02 * 20_000
    assert [units_for_budget(k, 88, 20_000, 88).units for k in CORE] == [78, 34, 41]


def test_every_task_has_its_design_options_and_measurements():
    assert list(TASKS) == ["chorales", "adding", "copy", "counting", "sunspots"]
    design = {"learning_rates", "seeds", "search_seed", "max_epochs", "patience", "min_delta",
              "budget", "batch_size"}  # fmt: skip
    for task in TASKS.values():
        assert design <= set(task.defaults), task.name
        assert task.monitor.startswith("valid_") and task.score.startswith(("test_", "counts"))
        assert task.axis is None or task.axis in task.defaults
        assert all(option.name in task.defaults for option in task.options)
        assert task.defaults["max_epochs"] >= 10 * task.defaults["patience"]


@pytest.mark.parametrize("name", ["adding", "copy", "counting", "sunspots"])
def test_each_setting_measures_validation_and_test_sets(name):
    task = TASKS[name]
    value = task.defaults[task.axis][0] if task.axis else None
    small = {"n_train": 8, "n_test": 4} if name in ("adding", "copy") else {}
    own = {o.name: small.get(o.name, task.defaults[o.name]) for o in task.options}
    setting = task.setting(value, 0, **own)
    model = build_model("gru", setting.features, 3, setting.outputs,
                        return_sequences=setting.return_sequences)  # fmt: skip
    scores = setting.evaluate(model)
    assert task.monitor in scores and task.score in scores
    assert all(np.isfinite(v) for v in scores.values())
    if name in ("adding", "copy"):  # the three sets are drawn from three seeds
        x_train = setting.fit_data[0]
        assert x_train.shape[0] == 8


def test_the_sunspot_runs_carry_both_baselines():
    setting = TASKS["sunspots"].setting(11, 0)
    record = setting.record
    assert record["autoregressive_rmse"] < record["persistence_rmse"]
    assert 1 <= record["autoregressive_lags"] <= 11


def test_chung_models_and_the_keras_conventions():
    chung = TASKS["chorales"].models(subset="full", conventions="chung")
    keras_cells = TASKS["chorales"].models(subset="full", conventions="keras")
    assert list(chung) == ["simple_rnn", "peephole_lstm", "gru"]
    assert list(keras_cells) == ["simple_rnn", "lstm", "gru"]
    assert chung["gru"]["layer_options"] == {"reset_after": False}
    assert "layer_options" not in keras_cells["gru"]
    for models in (chung, keras_cells):
        assert [m["units"] for m in models.values()] == [100, 36, 46]
        assert {m["weight_noise"] for m in models.values()} == {0.075}
    assert CHUNG_UNITS == {"simple_rnn": 100, "lstm": 36, "gru": 46}


def test_log_uniform_rates_are_seeded_sorted_and_inside_the_bounds():
    rates = log_uniform_rates(10, 1e-4, 1e-2, seed=3)
    assert rates == log_uniform_rates(10, 1e-4, 1e-2, seed=3) and list(rates) == sorted(rates)
    assert all(1e-4 <= r <= 1e-2 for r in rates) and len(rates) == 10
    with pytest.raises(ValueError, match="low must be below high"):
        log_uniform_rates(3, 1e-2, 1e-3, seed=0)
    with pytest.raises(ValueError, match="samples must be a positive integer"):
        log_uniform_rates(0, 1e-4, 1e-2, seed=0)


def test_thresholds_read_a_row():
    assert Threshold("test_accuracy", 0.9).met({"test_accuracy": 0.9})
    assert not Threshold("test_mse", 0.01, above=False).met({"test_mse": 0.02})
    assert str(Threshold("test_mse", 0.01, above=False)) == "test_mse <= 0.01"


def test_unknown_tasks_are_refused():
    with pytest.raises(ValueError, match="task must be one of"):
        task_of("parity")
