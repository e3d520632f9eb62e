"""The simplified cells: NumPy equals keras.ops, each equals a GRU or LSTM with tied weights."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from gru_companion.analysis.param_counts import recurrent_params
from gru_companion.experiments.result_files import load_result
from gru_companion.experiments.variants import (
    compare_variants,
    main,
    mse_curves,
    summarize_variants,
)
from gru_companion.keras.bridge import from_keras, to_keras
from gru_companion.keras.cells import CIFGCell, MGUCell, NoResetGRUCell, cell_class, keras_layer
from gru_companion.kinds import VARIANTS
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.lstm import NumpyLSTM
from gru_companion.scratch.recurrent_layer import layer_class
from gru_companion.scratch.variants import (
    NumpyCIFG,
    NumpyMGU,
    NumpyNoResetGRU,
    cifg_to_lstm,
    gru_no_reset_to_gru,
    mgu_to_gru,
)

FEATURES, UNITS, STEPS, BATCH = 3, 4, 7, 5
NEW_CELLS = ("mgu", "gru_no_reset", "cifg")
TIED = {
    "mgu": (mgu_to_gru, NumpyGRU, {"reset_after": False}),
    "gru_no_reset": (gru_no_reset_to_gru, NumpyGRU, {"reset_after": False}),
    "cifg": (cifg_to_lstm, NumpyLSTM, {}),
}


def _random_variant(variant: str, rng: np.random.Generator, dtype: str = "float64"):
    layer = keras_layer(variant, UNITS, return_sequences=True, dtype=dtype, name=variant)
    layer.build((None, None, FEATURES))
    layer.set_weights([rng.normal(scale=0.6, size=tuple(w.shape)) for w in layer.weights])
    return layer


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_from_keras_twin_computes_what_the_keras_cell_computes(variant):
    rng = np.random.default_rng(0)
    layer = _random_variant(variant, rng)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    twin = from_keras(layer)
    assert type(twin) is {"mgu": NumpyMGU, "gru_no_reset": NumpyNoResetGRU, "cifg": NumpyCIFG}[
        variant
    ]
    assert twin.return_sequences
    np.testing.assert_allclose(twin(x), np.asarray(layer(x)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_each_variant_is_a_gru_or_lstm_with_tied_weights(variant):
    rng = np.random.default_rng(1)
    layer = _random_variant(variant, rng)
    weights = [np.asarray(w) for w in layer.get_weights()]
    tie, full_class, options = TIED[variant]
    full = full_class(*tie(*weights), return_sequences=True, **options)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    np.testing.assert_allclose(full(x), from_keras(layer)(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", NEW_CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_cells_equal_keras_builtins_with_tied_weights(variant, dtype):
    rng = np.random.default_rng(2)
    layer = _random_variant(variant, rng, dtype=dtype)
    tie = TIED[variant][0]
    if variant == "cifg":
        builtin = keras.layers.LSTM(UNITS, return_sequences=True, dtype=dtype)
    else:
        builtin = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True, dtype=dtype)
    builtin.build((None, None, FEATURES))
    builtin.set_weights(tie(*[np.asarray(w) for w in layer.get_weights()]))
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(dtype)
    tolerance = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(builtin(x)), atol=tolerance)


def test_no_reset_gate_is_exactly_one():
    tied = gru_no_reset_to_gru(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(4))
    gru = NumpyGRU(*tied, reset_after=False)
    cache = gru.run(np.ones((1, 3, 2)), keep_cache=True).caches
    assert all(np.array_equal(step["r"], np.ones((1, 2))) for step in cache)


def test_cifg_input_gate_is_one_minus_forget_gate():
    rng = np.random.default_rng(3)
    variant = NumpyCIFG.initialized(FEATURES, UNITS, seed=3)
    full = NumpyLSTM(*cifg_to_lstm(*variant.get_weights()))
    for step in full.run(rng.normal(size=(2, STEPS, FEATURES)), keep_cache=True).caches:
        np.testing.assert_allclose(step["i"], 1 - step["f"], atol=1e-15)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("features", "units"), [(1, 1), (2, 16), (7, 5)])
def test_parameter_formula_matches_keras(variant, features, units):
    layer = keras_layer(variant, units)
    layer.build((None, None, features))
    assert recurrent_params(variant, features, units).count == layer.count_params()


def test_cifg_forget_bias_starts_at_one_like_keras_lstm():
    layer = keras_layer("cifg", 3)
    layer.build((None, None, 2))
    np.testing.assert_array_equal(np.asarray(layer.cell.bias), [1, 1, 1, 0, 0, 0, 0, 0, 0])
    for zero_start in (MGUCell, NoResetGRUCell):
        cell = zero_start(3)
        cell.build((None, 2))
        assert not np.any(np.asarray(cell.bias))


@pytest.mark.parametrize("cell_class", [MGUCell, NoResetGRUCell, CIFGCell])
def test_cells_rebuild_from_their_config(cell_class):
    cell = cell_class(5, name="cell")
    again = cell_class.from_config(cell.get_config())
    assert again.units == 5 and again.name == "cell"


def test_layers_and_cells_refuse_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        keras_layer("rnn", 4)
    with pytest.raises(TypeError, match="units must be a positive integer"):
        keras_layer("mgu", 4.0)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        MGUCell(0)
    with pytest.raises(TypeError, match="name must be a str"):
        keras_layer("gru", 4, name=3)
    with pytest.raises(TypeError, match="return_sequences must be True or False"):
        keras_layer("cifg", 4, return_sequences=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrent_params("tanh", 2, 3)


def test_from_keras_refuses_unbuilt_and_foreign_cells():
    with pytest.raises(ValueError, match="not built"):
        from_keras(keras_layer("mgu", 3))

    class OtherMGU(MGUCell):  # a subclass may compute something else: refused
        pass

    with pytest.raises(TypeError, match="running one of the course's cells"):
        from_keras(keras.layers.RNN(OtherMGU(3)))


@pytest.mark.parametrize("variant", NEW_CELLS)
def test_to_keras_gives_the_course_cell_back_bit_for_bit(variant):
    numpy_layer = layer_class(variant).initialized(FEATURES, UNITS, seed=4, return_state=True)
    back = to_keras(numpy_layer, name=f"{variant}_back")
    assert isinstance(back.cell, cell_class(variant)) and back.return_state
    for a, b in zip(numpy_layer.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(5).normal(size=(BATCH, STEPS, FEATURES))
    for ours, theirs in zip(numpy_layer(x), back(x), strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="always has a bias"):
        to_keras(layer_class(variant)(*numpy_layer.get_weights()[:2], None))


def test_tied_weights_refuse_what_the_variant_layer_refuses():
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 2 \* units\)"):
        mgu_to_gru(np.zeros((2, 6)), np.zeros((3, 5)), np.zeros(6))
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 3 \* units\)"):
        cifg_to_lstm(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="kernel must be a numpy.ndarray, got list"):
        gru_no_reset_to_gru([[0.0] * 4], np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="bias must have dtype float32 or float64"):
        gru_no_reset_to_gru(np.zeros((1, 4)), np.zeros((2, 4)), np.zeros(4, dtype=int))
    with pytest.raises(TypeError, match="the tied weights need one"):
        mgu_to_gru(np.zeros((1, 4)), np.zeros((2, 4)), None)


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


def test_command_line_trains_and_writes_json(tmp_path, capsys):
    out = tmp_path / "variants.json"
    assert main(["--variants", "gru_no_reset", "--seeds", "1", "--epochs", "2", "--seq-len",
                 "4", "--units", "2", "--n-train", "16", "--n-test", "8",
                 "--out", str(out)]) == 0  # fmt: skip
    record = load_result(out)
    assert record["command"].startswith("python -m gru_companion.scratch.variants --variants")
    assert record["config"]["variants"] == ["gru_no_reset"] and record["config"]["epochs"] == 2
    assert {"versions", "machine", "runs", "wall_seconds"} <= set(record)
    assert record["versions"]["tensorflow"] == __import__("tensorflow").__version__
    (run,) = json.loads(out.read_text())["runs"]
    assert run["seed"] == 0 and len(run["loss"]) == len(run["test_mse"]) == 2
    assert 0 <= run["test_accuracy"] <= 1
    assert run["params"] == recurrent_params("gru_no_reset", 2, 2).count
    summary = summarize_variants(record)
    assert list(summary.index) == ["gru_no_reset"] and summary.loc["gru_no_reset", "seeds"] == 1
    assert np.isnan(summary.loc["gru_no_reset", "test_mse_std"])
    output = capsys.readouterr().out
    assert "gru_no_reset seed 0: test MSE" in output and "wrote" in output
