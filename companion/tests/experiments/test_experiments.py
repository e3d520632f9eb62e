"""The experiment runner: matched budgets, exact counts, recorded histories, the CLI."""

import json

import keras
import numpy as np
import pytest

from gru_companion.analysis.budgets import model_size, units_for_budget
from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.experiments import runs as experiments
from gru_companion.experiments.runs import KINDS, build_model, first_epoch_reaching, history_frame


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("input_dim", "budget", "output_dim"),
                         [(88, 20_000, 88), (2, 2_000, 1), (10, 2_000, 9)])  # fmt: skip
def test_units_for_budget_is_the_closest_count(kind, input_dim, budget, output_dim):
    size = units_for_budget(kind, input_dim, budget, output_dim)
    assert size.total == (recurrent_params(kind, input_dim, size.units).count
                          + dense_params(size.units, output_dim).count)  # fmt: skip
    for other in (size.units - 1, size.units + 1):
        if other >= 1:
            neighbour = model_size(kind, input_dim, other, output_dim)
            assert abs(neighbour.total - budget) >= abs(size.total - budget)


def test_units_for_budget_matches_keras_and_the_budget():
    for kind in KINDS:
        size = units_for_budget(kind, 88, 20_000, 88)
        model = build_model(kind, 88, size.units, 88, return_sequences=True)
        assert model.count_params() == size.total
        assert abs(size.total - 20_000) < 0.02 * 20_000
    assert [units_for_budget(k, 88, 20_000, 88).units for k in KINDS] == [78, 34, 41]


def test_units_for_budget_refuses_a_budget_below_one_unit():
    with pytest.raises(ValueError, match="one unit already has"):
        units_for_budget("lstm", 88, 100, 88)
    with pytest.raises(ValueError, match="kind"):
        units_for_budget("transformer", 2, 100)


def test_train_run_records_every_epoch_and_is_seeded():
    from gru_companion.data.synthetic import adding_problem
    from gru_companion.reproducibility import seed_everything

    x, y = adding_problem(64, 10, seed=0)

    def once():
        seed_everything(0)
        model = build_model("gru", 2, 4, 1, return_sequences=False)
        model.compile(optimizer="rmsprop", loss="mse")
        history = experiments.train_run(
            model, (x, y), lambda m: {"mse": float(np.mean((experiments._predict(m, x) - y) ** 2))},
            epochs=2, batch_size=32,
        )
        keras.backend.clear_session()
        return history

    first, second = once(), once()
    assert [row["epoch"] for row in first] == [1, 2]
    assert first[1]["train_seconds"] == pytest.approx(
        first[0]["epoch_seconds"] + first[1]["epoch_seconds"])
    assert [row["mse"] for row in first] == pytest.approx([row["mse"] for row in second])
    assert first_epoch_reaching(first, "mse", 1e9)["epoch"] == 1
    assert first_epoch_reaching(first, "mse", -1.0) is None


def test_cli_writes_a_small_result_with_command_versions_and_machine(tmp_path):
    out = tmp_path / "copy.json"
    code = experiments.main(["copy", "--seeds", "1", "--epochs", "1", "--lengths", "3",
                             "--n-train", "32", "--budget", "400", "--no-progress",
                             "--out", str(out)])  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text())
    assert result["command"].startswith("python -m gru_companion.experiments.runs copy --seeds 1")
    assert {"python", "tensorflow", "keras", "numpy"} <= set(result["versions"])
    assert result["machine"]["cpu_count"] >= 1
    assert [run["kind"] for run in result["runs"]] == list(KINDS)
    frame = history_frame(result)
    assert set(frame.columns) >= {"kind", "seed", "delay", "test_accuracy", "train_seconds"}
    assert out.stat().st_size < 20_000


def test_cli_runs_the_sunspots_forecast_with_its_persistence_baseline(tmp_path):
    out = tmp_path / "sunspots.json"
    code = experiments.main(["sunspots", "--seeds", "1", "--epochs", "1", "--lengths", "5",
                             "--budget", "300", "--batch-size", "64", "--no-progress",
                             "--out", str(out)])  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text())
    assert result["config"]["windows"] == [5] and result["config"]["batch_size"] == 64
    assert set(result["load_average"]) == {"start", "end"}
    assert [run["kind"] for run in result["runs"]] == list(KINDS)
    for run in result["runs"]:
        assert run["window"] == run["seq_len"] == 5
        assert run["persistence_rmse"] > 0
        epoch = run["history"][0]
        assert {"train_mse", "valid_mse", "test_mse", "test_rmse"} <= set(epoch)
        # the RMSE in sunspot numbers is the standardised test MSE, rescaled
        expected = np.sqrt(epoch["test_mse"]) * result["config"]["std"]
        assert epoch["test_rmse"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize(
    "argv, message",
    [(["copy", "--batch-size", "0"], "batch size must be a positive integer"),
     (["adding", "--seeds", "0"], "seeds must be a positive integer")],
)  # fmt: skip
def test_cli_refuses_bad_numbers(argv, message):
    with pytest.raises(ValueError, match=message):
        experiments.main(argv)
