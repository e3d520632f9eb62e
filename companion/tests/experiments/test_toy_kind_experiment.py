"""A throw-away kind (a row and a Keras cell) is built, budget-sized and trained unedited.

The kind ``"toy"`` has one gate a and one state h
(``h = a * h_prev + (1 - a) * tanh(x W_h + b_h + h_prev U_h)``): a row in ``KINDS`` and a
``KerasOpsCell`` subclass naming only its kind. The experiments' model builder, the task
runner and the command line must accept it; the registries are restored afterwards.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
from keras import ops

from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.experiments.tasks import run_task
from gru_companion.experiments.training import build_model, train
from gru_companion.keras import cells
from gru_companion.keras.cells import KerasOpsCell
from gru_companion.kinds import KINDS, Kind


@pytest.fixture
def toy(monkeypatch):
    """The kind "toy": its row and its Keras cell, removed after the test."""
    monkeypatch.setitem(KINDS, "toy", Kind("toy", "ToyRNN", "toy RNN", ("a", "h"), ("a",), ("h",)))
    # Entries that do not exist yet: monkeypatch deletes them again after the test.
    monkeypatch.setitem(cells._CELL_CLASSES, "toy", None)
    monkeypatch.setitem(keras.saving.get_custom_objects(), "gru_companion>ToyCell", None)

    class ToyCell(KerasOpsCell):
        kind = "toy"

        def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
            h_prev = states[0] if isinstance(states, (list, tuple)) else states
            (x_a, x_h), (U_a, U_h) = self._projections(inputs, h_prev)
            a = ops.sigmoid(x_a + ops.matmul(h_prev, U_a))
            h = a * h_prev + (1 - a) * ops.tanh(x_h + ops.matmul(h_prev, U_h))
            return h, [h]

    return ToyCell


def test_the_model_builder_accepts_the_new_kind(toy):
    model = build_model("toy", 2, 3, 1, steps=5, loss="mse", name="toy_model")
    assert isinstance(model.layers[0].cell, toy) and model.layers[0].name == "toy"
    assert model.count_params() == recurrent_params("toy", 2, 3).count + dense_params(3, 1).count
    x = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
    history = train(model, (x, x.sum(axis=(1, 2))[:, None]), epochs=1, batch_size=4)
    assert np.isfinite(history.final("loss"))


def test_a_task_runs_the_new_kind_at_a_matched_budget(toy):
    result = run_task("adding", kinds=("toy", "gru"), seq_lens=(4,), seeds=(0,), epochs=1,
                      budget=80, n_train=16, n_test=8, show_progress=False)  # fmt: skip
    toy_run, gru_run = result["runs"]
    assert toy_run["kind"] == "toy" and abs(toy_run["params"] - gru_run["params"]) < 20
