"""A kind added as one row of kinds.KINDS, plus its NumPy layer, is accepted by the analysis.

The shared fixture ``new_kind`` (``companion/tests/conftest.py``) adds a throw-away kind
"leaky" (a gate a and a candidate h, one state h) and its NumPy layer;
parameter counts, budget sizing, Keras-like initialisation and the gate probes then take
it without being edited, and the step costs refuse it, naming the kinds they count.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gru_companion.analysis.budgets import model_size, units_for_budget  # noqa: E402
from gru_companion.analysis.gate_probes import (  # noqa: E402
    block_columns,
    gate_traces,
    with_block_constant,
    with_gate_fixed,
)
from gru_companion.analysis.gradient_flow import keras_initialized  # noqa: E402
from gru_companion.analysis.param_counts import (  # noqa: E402
    LayerSpec,
    count_stack,
    recurrent_params,
)
from gru_companion.analysis.step_costs import step_cost  # noqa: E402
from gru_companion.figures.gate_traces import draw_gate_traces  # noqa: E402
from gru_companion.scratch import recurrent_layer  # noqa: E402


@pytest.fixture
def leaky_layer_class(new_kind):
    """The NumPy layer of the shared throw-away kind "leaky"; figures closed after the test."""
    yield new_kind.numpy_class
    plt.close("all")


def test_the_layer_reads_its_names_from_the_row(leaky_layer_class):
    assert recurrent_layer.layer_class("leaky") is leaky_layer_class
    assert leaky_layer_class.kind_name == "LeakyRNN"
    assert leaky_layer_class.gate_names == ("a", "h") and leaky_layer_class.state_names == ("h",)


def test_parameter_counts_take_the_new_kind(leaky_layer_class):
    count = recurrent_params("leaky", 3, 4)
    assert count.layer == "LeakyRNN"
    assert count.formula == "2·(3·4 + 4² + 4)" and count.count == 64
    layer = leaky_layer_class.initialized(3, 4, seed=0)
    assert sum(weight.size for weight in layer.get_weights()) == count.count
    stack = count_stack(3, [LayerSpec("leaky", 4), LayerSpec("dense", 1)])
    assert [c.count for c in stack] == [64, 5]
    assert recurrent_params("leaky", 3, 4, use_bias=False).count == 2 * (12 + 16)


def test_budget_sizing_takes_the_new_kind(leaky_layer_class):
    size = units_for_budget("leaky", 3, 1_000, 2)
    assert size.kind == "leaky"
    assert size.total == model_size("leaky", 3, size.units, 2).total
    for other in (size.units - 1, size.units + 1):
        assert abs(size.total - 1_000) <= abs(model_size("leaky", 3, other, 2).total - 1_000)


def test_keras_like_initialisation_takes_the_new_kind(leaky_layer_class):
    layer = keras_initialized("leaky", 2, 3, seed=0)
    assert isinstance(layer, leaky_layer_class)
    assert layer.bias.shape == (6,) and not layer.bias.any()  # not of the LSTM family


def test_gate_probes_take_the_new_kind(leaky_layer_class):
    layer = leaky_layer_class.initialized(2, 3, seed=1)
    x = np.random.default_rng(0).normal(size=(2, 7, 2))
    h0 = np.random.default_rng(1).normal(size=(2, 3))

    assert block_columns(layer, "h") == slice(3, 6)
    carrying = with_gate_fixed(layer, "a", 1.0)
    assert isinstance(carrying, leaky_layer_class)
    np.testing.assert_array_equal(carrying(x, initial_state=h0), h0)  # a = 1 copies the state

    constant = with_block_constant(layer, "h", 0.0)  # the candidate is tanh(0) = 0
    np.testing.assert_allclose(constant.run(x, keep_cache=True).caches[3]["h_tilde"], 0.0)

    traces = gate_traces(with_gate_fixed(layer, "a", 0.25), x, h0, sequence=1)
    assert set(traces) == {"h_prev", "a", "h_tilde", "h"}
    assert all(values.shape == (7, 3) for values in traces.values())
    np.testing.assert_allclose(traces["a"], 0.25, rtol=1e-12)

    with pytest.raises(ValueError, match="sigmoid gates 'a'"):
        with_gate_fixed(layer, "h", 1.0)  # the candidate is not a gate


def test_gate_traces_draw_the_new_gate_on_the_gate_scale(leaky_layer_class):
    layer = leaky_layer_class.initialized(2, 3, seed=1)
    traces = gate_traces(layer, np.random.default_rng(0).normal(size=(1, 5, 2)))
    figure = draw_gate_traces(traces, ["a", "h_tilde"])
    gate_image, candidate_image = (ax.images[0] for ax in figure.axes[:2])
    assert gate_image.get_clim() == (0.0, 1.0)
    assert candidate_image.get_clim()[0] < 0


def test_step_costs_refuse_a_kind_without_formulas_naming_those_they_count(leaky_layer_class):
    with pytest.raises(ValueError, match="'simple_rnn', 'gru', 'lstm'.*got 'leaky'"):
        step_cost("leaky", 3, 4)
