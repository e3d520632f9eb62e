"""The newcomer's test: a kind added in four places is accepted everywhere else unedited.

The fixture ``new_kind`` (``conftest.py``) adds the kind "leaky" as the course adds one: a
row in :data:`gru_companion.kinds.KINDS`, a NumPy layer naming its kind and a Keras cell
naming its kind. Budget sizing, parameter counts, ``from_keras``, the gate probes and the
experiments' model builder then take it without a line of theirs changed. The fixture
``new_peeking_kind`` adds a kind that keeps a further weight, a peephole: the consumers of
weights (counts, ``explain_model``, the bridge, the gate probes, Keras-like initialisation,
the Jacobians, the gradient check, the NumPy model and its optimizer) take that weight too.
Each room's own tests go into more detail (``*/test_new_kind_in_*.py``).
"""

from __future__ import annotations

import keras
import numpy as np

from gru_companion.analysis.budgets import units_for_budget
from gru_companion.analysis.gate_probes import gate_logit, gate_traces, with_gate_fixed
from gru_companion.analysis.gradient_flow import keras_initialized, state_jacobian_norms
from gru_companion.analysis.param_counts import dense_params, explain_model, recurrent_params
from gru_companion.experiments.training import build_model
from gru_companion.keras.bridge import from_keras
from gru_companion.keras.cells import keras_layer
from gru_companion.learning.gradient_check import check_gradients, check_layer_gradients
from gru_companion.learning.losses import MeanSquaredError
from gru_companion.learning.optimizers import Adam
from gru_companion.learning.sequence_model import SequenceModel
from gru_companion.learning.training import fit
from gru_companion.scratch.activations import sigmoid
from gru_companion.scratch.dense import NumpyDense


def test_a_new_kind_is_sized_counted_bridged_probed_and_built(new_kind):
    # Parameter counts: k = 2 blocks, one bias vector each.
    assert recurrent_params("leaky", 3, 4).count == 2 * (3 * 4 + 4 * 4 + 4)
    # Budget sizing: the width whose model comes closest to 1,000 parameters.
    size = units_for_budget("leaky", 3, 1_000, 1)
    assert size.total == recurrent_params("leaky", 3, size.units).count + size.readout
    # The experiments' model builder: Input -> the kind's Keras layer -> Dense.
    model = build_model("leaky", 3, size.units, 1, steps=6, name="leaky_model")
    assert model.count_params() == size.total
    assert model.count_params() == size.recurrent + dense_params(size.units, 1).count
    # from_keras: the trained-or-not Keras layer's NumPy twin computes the same.
    keras_layer = model.get_layer("leaky")
    twin = from_keras(keras_layer)
    assert type(twin) is new_kind.numpy_class
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(twin(x), np.asarray(keras_layer(x)), atol=1e-5)
    # Gate probes: the gate read from the row; held at 1, it copies the state.
    h0 = np.random.default_rng(1).normal(size=(2, size.units)).astype(np.float32)
    np.testing.assert_array_equal(with_gate_fixed(twin, "a", 1.0)(x, initial_state=h0), h0)


def test_a_kind_with_a_peephole_is_counted_explained_and_bridged(new_peeking_kind):
    count = recurrent_params("peeking", 3, 4)
    assert count.count == 2 * (3 * 4 + 4 * 4 + 4) + 4 and count.formula.endswith(" + 1·4")
    model = keras.Sequential(
        [keras.Input((6, 3)), keras_layer("peeking", 4, name="peeking", dtype="float64"),
         keras.layers.Dense(1)]
    )  # fmt: skip
    report = explain_model(model)  # a keras.layers.RNN running the kind's cell
    assert [row.count for row in report.rows] == [count.count, dense_params(4, 1).count]
    assert report.mismatches == [] and report.total == model.count_params()
    keras_recurrent = model.get_layer("peeking")
    rng = np.random.default_rng(0)
    keras_recurrent.set_weights([rng.normal(scale=0.5, size=w.shape)
                                 for w in keras_recurrent.get_weights()])  # fmt: skip
    twin = from_keras(keras_recurrent)
    assert type(twin) is new_peeking_kind.numpy_class and twin.peephole.shape == (1, 4)
    x = rng.normal(size=(2, 6, 3))
    np.testing.assert_allclose(twin(x), np.asarray(keras_recurrent(x)), rtol=0, atol=1e-12)
    # Keras-like initialisation: the forget gate's bias at 1 and the peephole at 0, as the cell
    fresh = keras_layer("peeking", 4, dtype="float64")
    fresh.build((None, None, 3))
    for ours, theirs in zip(keras_initialized("peeking", 3, 4).get_weights()[2:],
                            fresh.get_weights()[2:], strict=True):  # fmt: skip
        np.testing.assert_array_equal(ours, theirs)


def test_a_kind_with_a_peephole_is_probed_differentiated_and_trained(new_peeking_kind):
    layer = new_peeking_kind.numpy_class.initialized(3, 4, seed=1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 6, 3))
    states = [rng.normal(size=(2, 4)), 3 * rng.normal(size=(2, 4))]  # a cell the peephole sees
    # Gate probes: the fixed gate's peephole is zeroed too, so the gate is truly constant.
    fixed = with_gate_fixed(layer, "f", 0.25)
    assert not fixed.peephole.any() and layer.peephole.any()
    traces = gate_traces(fixed, x, states)
    assert np.all(traces["f"] == sigmoid(np.array(gate_logit(0.25))))
    # The exact Jacobians and the gradient check reach the peephole.
    norms = state_jacobian_norms(layer, x, states)
    assert norms.shape == (2, 7) and np.allclose(norms[:, -1], 1)
    errors = check_layer_gradients(layer, x, states)
    assert "peephole" in errors and max(errors.values()) < 1e-6
    # The NumPy model lists the peephole as a parameter; its optimizer updates it.
    model = SequenceModel(layer, NumpyDense.initialized(4, 1, seed=1))
    assert list(model.parameters())[:4] == ["recurrent/kernel", "recurrent/recurrent_kernel",
                                            "recurrent/bias", "recurrent/peephole"]  # fmt: skip
    y = x.sum(axis=(1, 2))[:, None]
    loss = MeanSquaredError()
    _, grads = model.loss_and_gradients(loss, x, y)
    check_gradients(lambda: loss(y, model(x)), model.parameters(), grads)
    before = layer.peephole.copy()
    fit(model, loss, Adam(0.01), x, y, epochs=1, batch_size=2)
    assert not np.array_equal(before, layer.peephole)
