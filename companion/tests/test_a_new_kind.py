"""The newcomer's test: a kind added in four places is accepted everywhere else unedited.

The fixture ``new_kind`` (``conftest.py``) adds the kind "leaky" as the course adds one: a
row in :data:`gru_companion.kinds.KINDS`, a NumPy layer naming its kind and a Keras cell
naming its kind. Budget sizing, parameter counts, ``from_keras``, the gate probes and the
experiments' model builder then take it without a line of theirs changed. Each room's own
tests go into more detail (``*/test_new_kind_in_*.py``).
"""

from __future__ import annotations

import numpy as np

from gru_companion.analysis.budgets import units_for_budget
from gru_companion.analysis.gate_probes import with_gate_fixed
from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.experiments.training import build_model
from gru_companion.keras.bridge import from_keras


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
