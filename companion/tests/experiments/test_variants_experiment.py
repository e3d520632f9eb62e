"""The variants experiment: its summaries over seeds and the arguments it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.experiments.variants import compare_variants, mse_curves, summarize_variants

TINY = {"seq_len": 4, "units": 2, "n_train": 32, "n_test": 16, "epochs": 2, "batch_size": 16}


def test_summary_statistics_over_seeds():
    def run(variant, seed, mses, accuracy):
        return {"variant": variant, "seed": seed, "params": 10, "test_mse": mses,
                "test_accuracy": accuracy}  # fmt: skip

    result = {
        "runs": [
            run("gru", 0, [0.1, 0.01, 0.002], 0.5),
            run("gru", 1, [0.1, 0.05, 0.004], 0.7),
            run("lstm", 0, [0.1, 0.09, 0.08], 0.1),
        ]
    }
    summary = summarize_variants(result, solved_mse=0.02)
    assert summary.loc["gru", "test_mse_mean"] == pytest.approx(0.003)
    assert summary.loc["gru", "test_mse_std"] == pytest.approx(np.std([0.002, 0.004], ddof=1))
    assert summary.loc["gru", "solved"] == 2 and summary.loc["gru", "solved_epoch"] == 2.5
    assert summary.loc["lstm", "solved"] == 0 and np.isnan(summary.loc["lstm", "solved_epoch"])
    assert summary.loc["lstm", "name"] == "LSTM"


def test_mse_curves_over_seeds():
    result = {"runs": [
        {"variant": "mgu", "seed": 0, "test_mse": [0.3, 0.1]},
        {"variant": "mgu", "seed": 1, "test_mse": [0.1, 0.05]},
        {"variant": "gru", "seed": 0, "test_mse": [0.2, 0.02]},
    ]}  # fmt: skip
    curves = mse_curves(result)
    assert list(curves.columns) == ["variant", "epoch", "mean", "min", "max"]
    first = curves[(curves.variant == "mgu") & (curves.epoch == 1)].iloc[0]
    assert (first["mean"], first["min"], first["max"]) == pytest.approx((0.2, 0.1, 0.3))
    assert list(curves.variant.unique()) == ["mgu", "gru"] and len(curves) == 4
    with pytest.raises(TypeError, match="result must be a dict"):
        mse_curves({"runs": None})


def test_a_tiny_comparison_records_every_epoch():
    result = compare_variants(variants=("mgu",), seeds=(0,), **TINY)
    (run,) = result["runs"]
    assert run["variant"] == "mgu" and len(run["loss"]) == len(run["test_mse"]) == 2
    assert 0 <= run["test_accuracy"] <= 1 and result["config"]["tolerance"] == 0.04


def test_compare_and_summarize_refuse_bad_arguments():
    with pytest.raises(ValueError, match="variant must be one of"):
        compare_variants(variants=("gru", "rnn"), **TINY)
    with pytest.raises(ValueError, match="must not repeat"):
        compare_variants(seeds=(0, 0), **TINY)
    with pytest.raises(ValueError, match="non-negative integer"):
        compare_variants(seeds=(-1,), **TINY)
    with pytest.raises(TypeError, match="variants must be a non-empty sequence"):
        compare_variants(variants="gru", **TINY)
    with pytest.raises(TypeError, match="result must be a dict"):
        summarize_variants([])
    with pytest.raises(ValueError, match="solved_mse must be a positive finite number"):
        summarize_variants({"runs": []}, solved_mse=0)
