"""A throw-away kind is built, budget-sized and trained by the experiments unedited.

The shared fixture ``new_kind`` (``companion/tests/conftest.py``) adds the kind ``"leaky"``:
a row in ``KINDS``, a NumPy layer and a ``KerasOpsCell`` subclass naming only its kind.
The experiments' model builder and the study runner must accept it.
"""

from __future__ import annotations

import numpy as np

from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.experiments.study import run_study
from gru_companion.experiments.training import build_model, train


def test_the_model_builder_accepts_the_new_kind(new_kind):
    model = build_model("leaky", 2, 3, 1, steps=5, loss="mse", name="leaky_model")
    assert isinstance(model.layers[0].cell, new_kind.keras_cell) and model.layers[0].name == "leaky"
    assert model.count_params() == recurrent_params("leaky", 2, 3).count + dense_params(3, 1).count
    x = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
    history = train(model, (x, x.sum(axis=(1, 2))[:, None]), epochs=1, batch_size=4)
    assert np.isfinite(history.final("loss"))


def test_a_study_runs_the_new_kind_at_a_matched_budget(new_kind):
    result = run_study("adding", kinds=("leaky", "gru"), seq_lens=(4,), seeds=(0,),
                       learning_rates=(0.01,), max_epochs=1, budget=80, n_train=16,
                       n_test=8, show_progress=False, jit_compile=False)  # fmt: skip
    leaky_run, gru_run = result["runs"]
    assert leaky_run["kind"] == "leaky" and abs(leaky_run["params"] - gru_run["params"]) < 20
