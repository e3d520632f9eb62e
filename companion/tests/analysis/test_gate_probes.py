"""Gate probes: a fixed gate is what it claims to be, and does what the equations say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gru_companion.analysis.gate_probes import (
    block_columns,
    gate_logit,
    gate_traces,
    with_block_constant,
    with_gate_fixed,
)
from gru_companion.figures.gate_traces import draw_gate_traces
from gru_companion.kinds import KINDS
from gru_companion.scratch.activations import (
    SATURATING_LOGIT,
    sigmoid,  # noqa: E402
)
from gru_companion.scratch.gru import NumpyGRU  # noqa: E402
from gru_companion.scratch.lstm import NumpyLSTM  # noqa: E402
from gru_companion.scratch.peephole_lstm import NumpyPeepholeLSTM  # noqa: E402
from gru_companion.scratch.simple_rnn import NumpySimpleRNN  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 12, 2))
H0 = RNG.normal(size=(3, 4))
C0 = RNG.normal(size=(3, 4))

LAYERS = [
    NumpyGRU.initialized(2, 4, seed=1),
    NumpyGRU.initialized(2, 4, seed=2, reset_after=False),
    NumpyLSTM.initialized(2, 4, seed=3),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _initial(layer):
    return [H0, C0] if layer.kind == "lstm" else H0


def test_block_columns_follow_keras_block_order():
    gru, lstm = LAYERS[0], LAYERS[2]
    assert [block_columns(gru, b) for b in "zrh"] == [slice(0, 4), slice(4, 8), slice(8, 12)]
    assert block_columns(lstm, "o") == slice(12, 16)


@pytest.mark.parametrize("layer", LAYERS, ids=["gru", "gru_reset_before", "lstm"])
def test_every_gate_fixed_to_every_value_is_that_value_at_every_step(layer):
    for gate in KINDS[layer.kind].sigmoid_gates:
        for value in (0.0, 0.25, 0.5, 0.9, 1.0):
            traces = gate_traces(with_gate_fixed(layer, gate, value), X, _initial(layer))
            expected = float(sigmoid(np.array(gate_logit(value))))
            assert np.all(traces[gate] == expected), (gate, value)
            assert abs(expected - value) < 1e-15


def test_fixing_a_gate_changes_nothing_else():
    for layer in LAYERS:
        for gate in KINDS[layer.kind].sigmoid_gates:
            fixed = with_gate_fixed(layer, gate, 0.3)
            columns = block_columns(layer, gate)
            for before, after in zip(layer.get_weights(), fixed.get_weights(), strict=True):
                keep = np.ones(before.shape[-1], dtype=bool)
                keep[columns] = False
                assert np.array_equal(before[..., keep], after[..., keep])
            assert fixed.get_config() == layer.get_config()
            assert type(fixed) is type(layer)


def test_a_closed_gate_is_exactly_one_and_an_open_one_nearly_zero():
    assert sigmoid(np.array(SATURATING_LOGIT)) == 1.0
    assert 0 < sigmoid(np.array(-SATURATING_LOGIT)) < 1e-17
    assert sigmoid(np.array(SATURATING_LOGIT, dtype=np.float32)) == np.float32(1.0)


def test_gru_update_gate_at_one_copies_the_state_exactly():
    for layer in LAYERS[:2]:
        copying = with_gate_fixed(layer, "z", 1.0)
        assert np.array_equal(copying(X, initial_state=H0), H0)


def test_gru_reset_gate_at_zero_makes_the_candidate_ignore_the_state():
    for layer in LAYERS[:2]:
        blind = with_gate_fixed(layer, "r", 0.0)
        one = gate_traces(blind, X[:, :1], H0)["h_tilde"]
        other = gate_traces(blind, X[:, :1], -H0)["h_tilde"]
        assert np.allclose(one, other, rtol=0, atol=1e-15)
        seeing = gate_traces(layer, X[:, :1], H0)["h_tilde"]
        assert not np.allclose(seeing, gate_traces(layer, X[:, :1], -H0)["h_tilde"])


def test_lstm_output_gate_controls_exposure():
    lstm = LAYERS[2]
    shown = gate_traces(with_gate_fixed(lstm, "o", 1.0), X, [H0, C0])
    assert np.array_equal(shown["h"], np.tanh(shown["c"]))
    hidden = gate_traces(with_gate_fixed(lstm, "o", 0.0), X, [H0, C0])
    assert np.max(np.abs(hidden["h"])) < 1e-17
    assert np.max(np.abs(hidden["c"])) > 0.1


def test_block_constant_sets_the_pre_activation_of_a_candidate():
    gru = LAYERS[0]
    constant = with_block_constant(gru, "h", 0.5)
    assert np.allclose(gate_traces(constant, X)["h_tilde"], np.tanh(0.5), rtol=0, atol=1e-15)
    per_unit = np.array([-1.0, 0.0, 0.5, 2.0])
    lstm = with_block_constant(LAYERS[2], "c", per_unit)
    assert np.allclose(gate_traces(lstm, X)["c_tilde"], np.tanh(per_unit), rtol=0, atol=1e-15)


def test_block_constant_keeps_float32():
    gru = NumpyGRU.initialized(2, 4, seed=1, dtype="float32")
    fixed = with_gate_fixed(gru, "z", 1.0)
    assert fixed.dtype == np.float32
    h0 = H0.astype(np.float32)
    assert np.array_equal(fixed(X.astype(np.float32), initial_state=h0), h0)


def peephole_lstm(seed=4):
    """An LSTM with peepholes large enough that a gate reading the cell visibly moves with it."""
    layer = NumpyPeepholeLSTM.initialized(2, 4, seed=seed)
    return NumpyPeepholeLSTM(*layer.get_weights()[:3], 5 * layer.peephole)


def test_a_gate_with_a_peephole_fixed_is_constant_its_peephole_row_zeroed():
    layer = peephole_lstm()
    cell = 3 * C0  # a cell state the peepholes see
    for gate in KINDS["peephole_lstm"].peepholes:  # i, f, o: every gate peeks
        row = KINDS["peephole_lstm"].peepholes.index(gate)
        fixed = with_gate_fixed(layer, gate, 0.25)
        assert not fixed.peephole[row].any()
        others = np.arange(3) != row
        assert np.array_equal(fixed.peephole[others], layer.peephole[others])
        traces = gate_traces(fixed, X, [H0, cell])
        assert np.all(traces[gate] == sigmoid(np.array(gate_logit(0.25)))), gate
        # with its peephole left open, the "fixed" gate would still move with the cell
        peeking = NumpyPeepholeLSTM(*fixed.get_weights()[:3], layer.peephole)
        assert np.ptp(gate_traces(peeking, X, [H0, cell])[gate]) > 1e-3, gate
    candidate = with_block_constant(layer, "c", 0.5)  # the candidate has no peephole
    assert np.array_equal(candidate.peephole, layer.peephole)
    assert np.allclose(gate_traces(candidate, X, [H0, cell])["c_tilde"], np.tanh(0.5), atol=1e-15)


def test_the_peephole_lstm_s_output_gate_controls_exposure():
    shown = gate_traces(with_gate_fixed(peephole_lstm(), "o", 1.0), X, [H0, C0])
    assert np.array_equal(shown["h"], np.tanh(shown["c"]))
    forgetting = with_gate_fixed(with_gate_fixed(peephole_lstm(), "f", 0.0), "i", 0.0)
    assert np.max(np.abs(forgetting(X, initial_state=[H0, C0]))) < 1e-15  # the cell stays 0


def test_a_weight_the_kind_s_row_does_not_describe_is_refused():
    class GRUWithAScale(NumpyGRU):
        """A GRU keeping a further weight that its kind's row knows nothing of."""

        extra_weights = ("scale",)

        def __init__(self, kernel, recurrent_kernel, bias, scale, **flags):
            super().__init__(kernel, recurrent_kernel, bias, **flags)
            self.scale = scale

    scaled = GRUWithAScale(*LAYERS[0].get_weights(), np.ones(4))
    with pytest.raises(ValueError, match=r"weights \['scale'\].*cannot be held constant"):
        with_gate_fixed(scaled, "z", 1.0)

    class PeepholeLSTMWithoutItsPeephole(NumpyPeepholeLSTM):
        extra_weights = ()

    blind = PeepholeLSTMWithoutItsPeephole(*peephole_lstm().get_weights())
    with pytest.raises(ValueError, match="keeps no weight 'peephole'"):
        with_block_constant(blind, "c", 0.0)


def test_gate_traces_match_the_run():
    gru = LAYERS[0]
    run = gru.run(X, H0, keep_cache=True)
    traces = gate_traces(gru, X, H0, sequence=2)
    assert set(traces) == {"h_prev", "z", "r", "h_tilde", "h"}
    assert np.array_equal(traces["h"], run.outputs[2])
    assert np.array_equal(traces["h_prev"][0], H0[2])
    assert np.array_equal(traces["h_prev"][1:], traces["h"][:-1])
    simple = gate_traces(NumpySimpleRNN.initialized(2, 4, seed=0), X)
    assert set(simple) == {"h_prev", "h"}


def test_draw_gate_traces_draws_one_panel_per_name():
    traces = gate_traces(LAYERS[2], X)
    fig = draw_gate_traces(traces, ["i", "f", "o", "c"], title="LSTM")
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in panels] == ["$i_t$", "$f_t$", "$o_t$", "$c_t$"]
    assert panels[0].images[0].get_clim() == (0.0, 1.0)
    low, high = panels[3].images[0].get_clim()
    assert low == -high and high >= 1.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: block_columns("gru", "z"), TypeError, "layer must be"),
        (lambda: block_columns(LAYERS[0], "q"), ValueError, "block of a GRU"),
        (lambda: with_gate_fixed(LAYERS[0], "h", 1.0), ValueError, "sigmoid gates 'z', 'r'"),
        (lambda: with_gate_fixed(NumpySimpleRNN.initialized(2, 3), "h", 1.0), ValueError,
         "has no gates"),
        (lambda: with_gate_fixed(LAYERS[2], "f", 1.5), ValueError, r"in \[0, 1\]"),
        (lambda: with_gate_fixed(LAYERS[2], "f", True), TypeError, "number in"),
        (lambda: with_gate_fixed(NumpyGRU.initialized(2, 3, use_bias=False), "z", 1.0),
         ValueError, "use_bias=True"),
        (lambda: with_block_constant(LAYERS[0], "h", np.ones(3)), ValueError, r"shape \(units,\)"),
        (lambda: with_block_constant(LAYERS[0], "h", np.inf), ValueError, "finite"),
        (lambda: with_block_constant(LAYERS[0], "h", "0.5"), TypeError, "real number"),
        (lambda: gate_traces(LAYERS[0], X, sequence=3), ValueError, r"in \[0, 3\)"),
        (lambda: gate_traces(LAYERS[0], X, sequence=1.0), TypeError, "integer"),
        (lambda: draw_gate_traces({}, "z"), TypeError, "sequence of trace names"),
        (lambda: draw_gate_traces({}, []), ValueError, "at least one"),
        (lambda: draw_gate_traces({"z": np.zeros((2, 3))}, ["r"]), ValueError, "no trace"),
        (lambda: draw_gate_traces({"z": np.zeros(3)}, ["z"]), TypeError, "2-D"),
        (lambda: draw_gate_traces({"z": np.zeros((2, 3)), "r": np.zeros((3, 3))}, ["z", "r"]),
         ValueError, "one shape"),
    ],
)  # fmt: skip
def test_bad_arguments_get_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
