"""The fair study: one learning-rate search per kind, seeds at the chosen rate, resumable."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.experiments import study, tasks
from gru_companion.experiments.result_files import load_result
from gru_companion.experiments.study import run_study, study_summary, study_table
from gru_companion.experiments.tasks import TASKS, Setting, Task, Threshold
from gru_companion.experiments.training import predict


def _sum_setting(value, seed, *, scale):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(32, value, 1)).astype(np.float32)
    y = scale * x.sum(axis=1)
    x_valid = rng.normal(size=(16, value, 1)).astype(np.float32)

    def evaluate(model):
        valid = float(np.mean((predict(model, x_valid) - scale * x_valid.sum(axis=1)) ** 2))
        return {"valid_mse": valid, "test_mse": valid}

    return Setting((x, y), evaluate, 1, 1, False, "mse", {"seq_len": value})


SUM = Task(
    "sum", "Sum the inputs.", _sum_setting,
    {"lengths": (3,), "learning_rates": (0.03, 0.001), "seeds": (0, 1), "search_seed": 0,
     "max_epochs": 3, "patience": 1, "min_delta": 0.0, "tolerance": 0.0, "budget": 30,
     "batch_size": 8, "scale": 2.0},
    monitor="valid_mse", score="test_mse", solved=Threshold("test_mse", 100.0, above=False),
    axis="lengths", options=(tasks.Option("scale", "the factor"),),
    models=lambda **options: {"simple_rnn": {}, "gru": {}},
)  # fmt: skip


@pytest.fixture
def sum_task(monkeypatch):
    """A task added to the table: a new task is one row, no function changes."""
    monkeypatch.setitem(TASKS, "sum", SUM)
    return SUM


# the tiny runs below train without XLA: compiling would take longer than they train


def test_search_then_seeds_at_the_chosen_rate(sum_task):
    result = run_study("sum", show_progress=False, jit_compile=False)
    runs = result["runs"]
    assert [(r["kind"], r["seed"], r["phase"]) for r in runs] == [
        ("simple_rnn", 0, "search"), ("simple_rnn", 0, "search"), ("simple_rnn", 1, "seeds"),
        ("gru", 0, "search"), ("gru", 0, "search"), ("gru", 1, "seeds")]  # fmt: skip
    for kind in ("simple_rnn", "gru"):
        search = [r for r in runs if r["kind"] == kind and r["phase"] == "search"]
        best = min(search, key=lambda r: min(row["valid_mse"] for row in r["history"]))
        (chosen,) = [s for s in result["selected"] if s["kind"] == kind]
        (seed_run,) = [r for r in runs if r["kind"] == kind and r["phase"] == "seeds"]
        assert chosen["learning_rate"] == best["learning_rate"] == seed_run["learning_rate"]
    for run in runs:
        assert 1 <= run["best_epoch"] <= run["stopped_epoch"] <= 3
        assert run["stopped_early"] == (run["stopped_epoch"] < 3)
        assert run["setting"] == run["seq_len"] == 3
    assert result["config"]["solved"] == "test_mse <= 100"


def test_the_table_and_summary_report_the_chosen_seeds(sum_task):
    result = run_study("sum", show_progress=False, jit_compile=False)
    table = study_table(result)
    assert len(table) == 6 and table["selected"].sum() == 4
    assert set(table.columns) >= {"kind", "seed", "best_epoch", "test_mse", "solved"}
    summary = study_summary(result)
    assert list(summary.kind) == ["simple_rnn", "gru"] and list(summary.seeds) == [2, 2]
    assert (summary["low"] <= summary["median"]).all() and list(summary.solved) == [2, 2]


def test_a_study_resumes_from_its_file(sum_task, tmp_path, monkeypatch):
    out = tmp_path / "sum.json"
    first = run_study(
        "sum", out=out, record={"command": "made here"}, show_progress=False, jit_compile=False
    )
    stored = load_result(out)
    assert stored["command"] == "made here" and stored["runs"] == first["runs"]
    # drop the last run, as if the study had been interrupted before it
    import json

    stored["runs"] = stored["runs"][:-1]
    out.write_text(json.dumps(stored))
    trained = []
    real = study._train_run
    monkeypatch.setattr(study, "_train_run", lambda *a, **k: trained.append(k) or real(*a, **k))
    again = run_study("sum", out=out, show_progress=False, jit_compile=False)
    assert len(trained) == 1 and trained[0]["seed"] == 1
    assert [r["kind"] for r in again["runs"]] == [r["kind"] for r in first["runs"]]
    for a, b in zip(again["runs"][-1]["history"], first["runs"][-1]["history"], strict=True):
        assert a["loss"] == b["loss"] and a["valid_mse"] == b["valid_mse"]  # seeded: the same


def test_a_file_of_another_design_is_refused(sum_task, tmp_path):
    out = tmp_path / "sum.json"
    run_study(
        "sum", out=out, seeds=(0,), learning_rates=(0.01,), show_progress=False, jit_compile=False
    )
    with pytest.raises(ValueError, match=r"another design \(it differs in \['seeds'\]\)"):
        run_study(
            "sum",
            out=out,
            seeds=(0, 1),
            learning_rates=(0.01,),
            show_progress=False,
            jit_compile=False,
        )


@pytest.mark.parametrize(
    "arguments, error, message",
    [({"windows": (3,)}, TypeError, "sum takes"),
     ({"learning_rates": ()}, ValueError, "at least one rate"),
     ({"learning_rates": (-0.1,)}, ValueError, "learning rate must be a positive finite number"),
     ({"seeds": (0, 0)}, ValueError, "distinct"),
     ({"patience": 0}, ValueError, "patience must be a positive integer")],
)  # fmt: skip
def test_a_bad_design_is_refused(sum_task, arguments, error, message):
    with pytest.raises(error, match=message):
        run_study("sum", show_progress=False, jit_compile=False, **arguments)


def _table(values_by_kind, setting=10):
    import pandas as pd

    rows = [
        {"setting": setting, "kind": kind, "seed": seed, "selected": True, "test_mse": value}
        for kind, values in values_by_kind.items()
        for seed, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_a_leader_is_clear_only_when_its_seeds_beat_the_others():
    from gru_companion.experiments.study import leaders

    apart = leaders(_table({"gru": [0.1, 0.2, 0.15, 0.12, 0.11],
                            "lstm": [0.5, 0.6, 0.55, 0.7, 0.52]}), "test_mse")  # fmt: skip
    (row,) = apart.to_dict("records")
    assert row["leader"] == "gru" and row["clear"] and row["verdict"] == "GRU ahead"
    assert row["p_value"] == pytest.approx(2 / 252)  # all 25 pairs one way: 2 / C(10, 5)
    mixed = leaders(_table({"gru": [0.1, 0.6, 0.15, 0.52, 0.11],
                            "lstm": [0.5, 0.2, 0.55, 0.7, 0.12]}), "test_mse")  # fmt: skip
    assert mixed.verdict.tolist() == ["tie"] and not mixed.clear.iloc[0]
    higher = leaders(_table({"gru": [1, 2, 3], "lstm": [4, 5, 6]}), "test_mse",
                     lower_is_better=False)  # fmt: skip
    assert higher.leader.tolist() == ["lstm"]
    assert leaders(_table({"gru": [1.0]}), "test_mse").empty  # one kind so far: no verdict
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        leaders(_table({"gru": [1.0]}), "test_mse", alpha=1.5)


def test_the_report_prints_each_kind_and_the_verdict(sum_task):
    from gru_companion.experiments.study import study_report

    result = run_study("sum", show_progress=False, jit_compile=False)
    lines = study_report(result, digits=2).splitlines()
    assert lines[0].split()[:4] == ["setting", "kind", "rate", "solved"]
    assert lines[1].split()[0] == "3" and "2/2" in lines[1]
    assert lines[-1].strip().startswith("-> ") and "(p = " in lines[-1]
    with pytest.raises(ValueError, match="digits"):
        study_report(result, digits=-1)


def test_time_to_target_counts_the_seeds_that_reach_it_and_when(sum_task):
    from gru_companion.experiments.study import time_to_target

    result = run_study("sum", show_progress=False, jit_compile=False)
    monitor = result["config"]["monitor"]
    reached = time_to_target(result, monitor, float("inf"))  # every run reaches it at once
    assert (reached.reached == reached.seeds).all() and (reached.epoch == 1).all()
    never = time_to_target(result, monitor, -1.0)
    assert (never.reached == 0).all() and never.epoch.isna().all()
    table = study_table(result)
    assert len(reached) == table[table.selected].groupby(["setting", "kind"]).ngroups
    with pytest.raises(ValueError, match="record no 'nonsense'"):
        time_to_target(result, "nonsense", 1.0)


def test_processes_given_different_kinds_share_one_file(sum_task, tmp_path, monkeypatch):
    import json

    full = run_study("sum", show_progress=False, jit_compile=False)
    other = [run for run in full["runs"] if run["kind"] == "simple_rnn"]
    out = tmp_path / "sum.json"
    trained = []
    real = study._train_run

    def train_while_another_process_writes(*args, **kwargs):
        if not out.exists():  # the other process, training the tanh RNN, saves meanwhile
            out.write_text(json.dumps({"config": full["config"], "runs": other}))
        trained.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(study, "_train_run", train_while_another_process_writes)
    run_study("sum", out=out, only_kinds=["gru"], show_progress=False, jit_compile=False)
    stored = load_result(out)
    assert set(trained) == {"gru"}  # this process trained its kind only, and kept the other's
    assert sorted(run["kind"] for run in stored["runs"]) == ["gru"] * 3 + ["simple_rnn"] * 3
    assert stored["config"] == full["config"]
    assert sorted(s["kind"] for s in stored["selected"]) == ["gru", "simple_rnn"]
    with pytest.raises(ValueError, match="only_kinds must be some of the study's kinds"):
        run_study("sum", only_kinds=["lstm"], show_progress=False, jit_compile=False)
