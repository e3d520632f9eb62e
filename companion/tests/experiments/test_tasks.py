"""The table of budget-matched tasks: matched sizes, seeded runs, a new task is one new row."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.analysis.budgets import units_for_budget
from gru_companion.experiments import tasks
from gru_companion.experiments.tasks import TASKS, Setting, Task, run_task
from gru_companion.experiments.training import build_model, predict
from gru_companion.kinds import CORE


def test_budget_matched_models_have_the_counted_size():
    for kind in CORE:
        size = units_for_budget(kind, 88, 20_000, 88)
        model = build_model(kind, 88, size.units, 88, return_sequences=True)
        assert model.count_params() == size.total
        assert abs(size.total - 20_000) < 0.02 * 20_000
    assert [units_for_budget(k, 88, 20_000, 88).units for k in CORE] == [78, 34, 41]


def test_every_task_has_its_defaults_and_options():
    assert list(TASKS) == ["chorales", "adding", "copy", "sunspots"]
    for task in TASKS.values():
        assert {"seeds", "epochs", "budget", "batch_size", "learning_rate"} <= set(task.defaults)
        assert task.axis is None or task.axis in task.defaults
        assert all(option.name in task.defaults for option in task.options)


def test_a_seeded_run_repeats_and_records_every_epoch():
    def once():
        return run_task("adding", seq_lens=(4,), seeds=(1,), kinds=("gru",), epochs=2,
                        budget=60, n_train=32, n_test=16, show_progress=False)  # fmt: skip

    first, second = once(), once()
    (run,) = first["runs"]
    assert (
        run["kind"] == "gru"
        and run["seq_len"] == 4
        and run["params"] == run["recurrent_params"] + run["readout_params"]
    )
    assert [row["epoch"] for row in run["history"]] == [1, 2]
    assert {"loss", "train_mse", "test_mse", "test_accuracy", "train_seconds"} <= set(
        run["history"][0]
    )
    for a, b in zip(run["history"], second["runs"][0]["history"], strict=True):
        assert a["test_mse"] == b["test_mse"] and a["loss"] == b["loss"]
    assert first["config"]["tolerance"] == 0.04 and first["config"]["seq_lens"] == [4]


def test_unknown_tasks_and_keywords_are_refused():
    with pytest.raises(ValueError, match="task must be one of"):
        run_task("parity")
    with pytest.raises(TypeError, match="adding takes"):
        run_task("adding", windows=(3,))
    with pytest.raises(ValueError, match="kind must be one of"):
        run_task("adding", kinds=("transformer",))


def test_a_new_task_is_one_row(monkeypatch):
    """A task added to the table runs through run_task without touching any function."""

    def setting(value, seed, *, scale):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(16, value, 1)).astype(np.float32)
        y = scale * x.sum(axis=1)

        def evaluate(model):
            return {"test_mse": float(np.mean((predict(model, x) - y) ** 2))}

        return Setting((x, y), evaluate, 1, 1, False, "mse", {"seq_len": value})

    task = Task("sum", "Sum the inputs.", setting,
                {"lengths": (3,), "seeds": (0,), "epochs": 1, "budget": 30, "batch_size": 8,
                 "learning_rate": 0.01, "scale": 2.0},
                axis="lengths", options=(tasks.Option("scale", "the factor"),))  # fmt: skip
    monkeypatch.setitem(TASKS, "sum", task)
    result = run_task("sum", kinds=("simple_rnn",), show_progress=False)
    assert result["config"]["scale"] == 2.0 and result["config"]["lengths"] == [3]
    assert np.isfinite(result["runs"][0]["history"][0]["test_mse"])
