"""Step costs by formula, checked against a NumPy step whose every operation is counted.

The counting steps below compute exactly Keras's cells (checked against ``keras.layers``);
the backward passes use nothing of the forward pass but the step's inputs and the vectors
that :func:`cached_vectors` names, and are checked against finite differences: so the
cache the module counts is enough for backpropagation through time.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_companion.analysis.param_counts import gru_params, lstm_params, simple_rnn_params
from gru_companion.analysis.step_costs import (
    COUNTED_KINDS,
    DTYPE_BYTES,
    Cost,
    ElementwiseOps,
    SequenceCost,
    StepCost,
    cached_vectors,
    cost_table,
    elementwise_ops,
    sequence_cost,
    step_cost,
)

sizes = st.integers(min_value=1, max_value=300)
kinds = st.sampled_from(COUNTED_KINDS)
flags = st.booleans()

# The variants counted: (kind, reset_after); reset_after only matters for the GRU.
VARIANTS = [("simple_rnn", True), ("gru", True), ("gru", False), ("lstm", True)]


# --- a NumPy step that counts what it does ---------------------------------------------


class CountingOps:
    """Element-wise operations and matrix products that count themselves."""

    def __init__(self) -> None:
        self.input_macs = self.recurrent_macs = 0
        self.activations = self.products = self.sums = 0

    def matmul(self, a: np.ndarray, w: np.ndarray, *, recurrent: bool) -> np.ndarray:
        macs = a.shape[0] * a.shape[1] * w.shape[1]
        if recurrent:
            self.recurrent_macs += macs
        else:
            self.input_macs += macs
        return a @ w

    def add(self, a, b):
        self.sums += np.broadcast(a, b).size
        return a + b

    def sub(self, a, b):
        self.sums += np.broadcast(a, b).size
        return a - b

    def mul(self, a, b):
        self.products += np.broadcast(a, b).size
        return a * b

    def sigmoid(self, a):
        self.activations += a.size
        return 1.0 / (1.0 + np.exp(-a))

    def tanh(self, a):
        self.activations += a.size
        return np.tanh(a)


def blocks(matrix: np.ndarray, count: int) -> list[np.ndarray]:
    return np.split(matrix, count, axis=-1)


def affine(ops, x, w, h, u, biases=()):
    """x W + h U (+ each bias), summed left to right as the equations write it."""
    total = ops.add(ops.matmul(x, w, recurrent=False), ops.matmul(h, u, recurrent=True))
    for bias in biases:
        total = ops.add(total, bias)
    return total


def forward(kind, reset_after, ops, x, state, weights):
    """One step in Keras's form. Returns the new state and the BPTT cache."""
    kernel, recurrent, bias = weights
    if kind == "simple_rnn":
        (h,) = state
        new_h = ops.tanh(affine(ops, x, kernel, h, recurrent, () if bias is None else (bias,)))
        return (new_h,), {"h_t": new_h}
    if kind == "lstm":
        h, c = state
        bs = [()] * 4 if bias is None else [(b,) for b in blocks(bias, 4)]
        w, u = blocks(kernel, 4), blocks(recurrent, 4)
        i = ops.sigmoid(affine(ops, x, w[0], h, u[0], bs[0]))
        f = ops.sigmoid(affine(ops, x, w[1], h, u[1], bs[1]))
        cc = ops.tanh(affine(ops, x, w[2], h, u[2], bs[2]))
        o = ops.sigmoid(affine(ops, x, w[3], h, u[3], bs[3]))
        new_c = ops.add(ops.mul(f, c), ops.mul(i, cc))
        tc = ops.tanh(new_c)
        new_h = ops.mul(o, tc)
        cache = {"i": i, "f": f, "cc": cc, "o": o, "c": new_c, "tc": tc, "h": new_h}
        return (new_h, new_c), cache
    (h,) = state
    w, u = blocks(kernel, 3), blocks(recurrent, 3)
    if reset_after:
        if bias is None:
            b_in = b_rec = [None] * 3
        else:
            b_in, b_rec = blocks(bias[0], 3), blocks(bias[1], 3)

        def projected(a, m, b, recurrent_term):
            out = ops.matmul(a, m, recurrent=recurrent_term)
            return out if b is None else ops.add(out, b)

        z = ops.sigmoid(ops.add(projected(x, w[0], b_in[0], False),
                                projected(h, u[0], b_rec[0], True)))  # fmt: skip
        r = ops.sigmoid(ops.add(projected(x, w[1], b_in[1], False),
                                projected(h, u[1], b_rec[1], True)))  # fmt: skip
        hh = projected(h, u[2], b_rec[2], True)
        candidate = ops.tanh(ops.add(projected(x, w[2], b_in[2], False), ops.mul(r, hh)))
        reset_operand = hh
    else:
        bs = [()] * 3 if bias is None else [(b,) for b in blocks(bias, 3)]
        z = ops.sigmoid(affine(ops, x, w[0], h, u[0], bs[0]))
        r = ops.sigmoid(affine(ops, x, w[1], h, u[1], bs[1]))
        rh = ops.mul(r, h)
        xh = ops.matmul(x, w[2], recurrent=False)
        if bias is not None:
            xh = ops.add(xh, bs[2][0])
        candidate = ops.tanh(ops.add(xh, ops.matmul(rh, u[2], recurrent=True)))
        reset_operand = rh
    new_h = ops.add(ops.mul(z, h), ops.mul(ops.sub(1.0, z), candidate))
    cache = {"z": z, "r": r, "candidate": candidate, "reset_operand": reset_operand, "h": new_h}
    return (new_h,), cache


def backward(kind, reset_after, cache, x, state, weights, grads):
    """Gradients of a step from its inputs and its cache only (no forward quantities)."""
    kernel, recurrent, bias = weights
    if kind == "simple_rnn":
        (h,) = state
        (dh,) = grads
        da = dh * (1 - cache["h_t"] ** 2)
        result = {"x": da @ kernel.T, "h": da @ recurrent.T, "W": x.T @ da, "U": h.T @ da}
        if bias is not None:
            result["b"] = da.sum(0)
        return result
    if kind == "lstm":
        h, c = state
        dh, dc_next = grads
        i, f, cc, o, tc = (cache[k] for k in ("i", "f", "cc", "o", "tc"))
        dc = dc_next + dh * o * (1 - tc**2)
        pre = np.concatenate(
            [dc * cc * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - cc**2),
             dh * tc * o * (1 - o)], axis=1,
        )  # fmt: skip
        result = {"x": pre @ kernel.T, "h": pre @ recurrent.T, "c": dc * f,
                  "W": x.T @ pre, "U": h.T @ pre}  # fmt: skip
        if bias is not None:
            result["b"] = pre.sum(0)
        return result
    (h,) = state
    (dh,) = grads
    z, r, candidate, operand = (cache[k] for k in ("z", "r", "candidate", "reset_operand"))
    u = blocks(recurrent, 3)
    da_h = dh * (1 - z) * (1 - candidate**2)
    da_z = dh * (h - candidate) * z * (1 - z)
    dh_prev = dh * z
    if reset_after:
        dr = da_h * operand
        d_hh = da_h * r  # gradient of h_{t-1} U_h + b'_h
        da_r = dr * r * (1 - r)
        pre_x = np.concatenate([da_z, da_r, da_h], axis=1)
        pre_h = np.concatenate([da_z, da_r, d_hh], axis=1)
        dU = h.T @ pre_h
        dh_prev = dh_prev + pre_h @ recurrent.T
    else:
        d_rh = da_h @ u[2].T
        da_r = d_rh * h * r * (1 - r)
        pre_x = np.concatenate([da_z, da_r, da_h], axis=1)
        dU = np.concatenate([h.T @ da_z, h.T @ da_r, operand.T @ da_h], axis=1)
        dh_prev = dh_prev + d_rh * r + da_z @ u[0].T + da_r @ u[1].T
    result = {"x": pre_x @ kernel.T, "h": dh_prev, "W": x.T @ pre_x, "U": dU}
    if bias is not None:
        result["b"] = np.stack([pre_x.sum(0), pre_h.sum(0)]) if reset_after else pre_x.sum(0)
    return result


def random_step(kind, reset_after, use_bias, batch, m, n, seed=0):
    rng = np.random.default_rng(seed)
    k = {"simple_rnn": 1, "gru": 3, "lstm": 4}[kind]
    kernel = rng.normal(size=(m, k * n)) * 0.5
    recurrent = rng.normal(size=(n, k * n)) * 0.5
    if not use_bias:
        bias = None
    elif kind == "gru" and reset_after:
        bias = rng.normal(size=(2, k * n)) * 0.5
    else:
        bias = rng.normal(size=(k * n,)) * 0.5
    x = rng.normal(size=(batch, m))
    state = tuple(rng.normal(size=(batch, n)) for _ in range(2 if kind == "lstm" else 1))
    return x, state, (kernel, recurrent, bias)


# --- the formulas against the counting step --------------------------------------------


@pytest.mark.parametrize("kind, reset_after", VARIANTS)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("batch, m, n", [(1, 1, 1), (2, 3, 4), (5, 7, 2)])
def test_counts_equal_a_counted_numpy_step(kind, reset_after, use_bias, batch, m, n):
    x, state, weights = random_step(kind, reset_after, use_bias, batch, m, n)
    ops = CountingOps()
    _, cache = forward(kind, reset_after, ops, x, state, weights)
    cost = step_cost(kind, m, n, batch=batch, use_bias=use_bias, reset_after=reset_after)
    assert ops.input_macs == cost.input_macs.value
    assert ops.recurrent_macs == cost.recurrent_macs.value
    per_unit = cost.elementwise
    assert ops.activations == batch * n * per_unit.activations
    assert ops.products == batch * n * per_unit.products
    assert ops.sums == batch * n * per_unit.sums
    counted = ops.activations + ops.products + ops.sums
    assert counted == cost.elementwise_ops.value
    assert 2 * (ops.input_macs + ops.recurrent_macs) + counted == cost.flops.value
    # The cache holds the vectors named, each batch × units.
    assert len(cache) == len(cached_vectors(kind, reset_after=reset_after))
    assert all(v.shape == (batch, n) for v in cache.values())
    itemsize = DTYPE_BYTES[cost.dtype]
    assert sum(v.size for v in cache.values()) * itemsize == cost.cache_bytes.value
    assert len(state) * batch * n * itemsize == cost.state_bytes.value
    assert sum(w.size for w in weights if w is not None) == cost.params.count


@pytest.mark.parametrize("kind, reset_after", VARIANTS)
@pytest.mark.parametrize("use_bias", [True, False])
def test_the_cache_is_enough_for_the_gradients(kind, reset_after, use_bias):
    """Backward from inputs + cache only equals finite differences of the forward step."""
    batch, m, n = 2, 3, 4
    x, state, weights = random_step(kind, reset_after, use_bias, batch, m, n, seed=1)
    rng = np.random.default_rng(2)
    upstream = tuple(rng.normal(size=(batch, n)) for _ in state)

    def loss(x, state, weights):
        new_state, _ = forward(kind, reset_after, CountingOps(), x, state, weights)
        return sum(float((s * g).sum()) for s, g in zip(new_state, upstream, strict=True))

    _, cache = forward(kind, reset_after, CountingOps(), x, state, weights)
    grads = backward(kind, reset_after, cache, x, state, weights, upstream)

    named = {"x": x, "h": state[0], "W": weights[0], "U": weights[1]}
    if kind == "lstm":
        named["c"] = state[1]
    if use_bias:
        named["b"] = weights[2]

    def rebuilt(name, value):
        new_x = value if name == "x" else x
        new_state = list(state)
        if name == "h":
            new_state[0] = value
        if name == "c":
            new_state[1] = value
        new_weights = [
            value if name == key else array
            for key, array in zip(("W", "U", "b"), weights, strict=True)
        ]
        return new_x, tuple(new_state), tuple(new_weights)

    eps = 1e-6
    for name, array in named.items():
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            numeric[index] = (loss(*rebuilt(name, plus)) - loss(*rebuilt(name, minus))) / (
                2 * eps
            )
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("kind, reset_after", VARIANTS)
def test_the_counting_step_is_keras_cell(kind, reset_after):
    batch, m, n = 3, 5, 4
    cells = {
        "simple_rnn": lambda: keras.layers.SimpleRNNCell(n),
        "gru": lambda: keras.layers.GRUCell(n, reset_after=reset_after),
        "lstm": lambda: keras.layers.LSTMCell(n),
    }
    cell = cells[kind]()
    x, state, weights = random_step(kind, reset_after, True, batch, m, n, seed=3)
    x32 = x.astype("float32")
    state32 = [s.astype("float32") for s in state]
    cell(x32, state32)  # builds the cell
    cell.set_weights([w.astype("float32") for w in weights])
    _, keras_state = cell(x32, state32)
    ours, _ = forward(kind, reset_after, CountingOps(), x, state, weights)
    for theirs, mine in zip(keras_state, ours, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs), mine, atol=1e-5)


# --- formulas by hand -------------------------------------------------------------------


def test_small_sizes_by_hand():
    # m = 2 features, n = 3 units, one sequence.
    gru = step_cost("gru", 2, 3)
    assert (gru.input_macs.value, gru.recurrent_macs.value) == (2 * 3 * 3, 3 * 3 * 3)
    assert gru.elementwise_ops.value == 3 * 17
    assert gru.flops.value == 2 * (18 + 27) + 51
    assert gru.input_macs.formula == "1·2·3·3"
    assert gru.elementwise_ops.formula == "1·3·(3 + 3 + 11)"
    lstm = step_cost("lstm", 2, 3)
    assert (lstm.input_macs.value, lstm.recurrent_macs.value) == (24, 36)
    assert lstm.flops.value == 2 * 60 + 3 * 17
    rnn = step_cost("simple_rnn", 2, 3)
    assert rnn.flops.value == 2 * (6 + 9) + 3 * 3
    assert step_cost("gru", 2, 3, reset_after=False).elementwise_ops.value == 3 * 14


def test_elementwise_table():
    table = {
        ("simple_rnn", True): (1, 0, 2),
        ("gru", True): (3, 3, 11),
        ("gru", False): (3, 3, 8),
        ("lstm", True): (5, 3, 9),
    }
    for (kind, reset_after), (a, p, s) in table.items():
        ops = elementwise_ops(kind, reset_after=reset_after)
        assert ops == ElementwiseOps(a, p, s)
    assert elementwise_ops("gru", use_bias=False).total == 11
    assert elementwise_ops("gru", use_bias=False, reset_after=False).total == 11
    assert elementwise_ops("lstm", use_bias=False).total == 13
    assert elementwise_ops("simple_rnn", use_bias=False).total == 2


def test_memory_by_hand():
    lstm = step_cost("lstm", 64, 256, batch=32, dtype="float32")
    assert lstm.state_bytes.value == 2 * 32 * 256 * 4
    assert lstm.state_bytes.formula == "2·32·256·4"
    assert lstm.cache_bytes.value == 7 * 32 * 256 * 4
    assert lstm.weight_bytes.value == 4 * (64 * 256 + 256 * 256 + 256) * 4
    gru = step_cost("gru", 64, 256, batch=32, dtype="float32")
    assert gru.state_bytes.value == 32 * 256 * 4
    assert gru.cache_bytes.value == 5 * 32 * 256 * 4
    assert gru.weight_bytes.formula == "247296·4"


# --- properties over sizes --------------------------------------------------------------


@given(kind=kinds, m=sizes, n=sizes, use_bias=flags, reset_after=flags)
def test_params_are_param_counts(kind, m, n, use_bias, reset_after):
    cost = step_cost(kind, m, n, use_bias=use_bias, reset_after=reset_after)
    expected = {
        "simple_rnn": lambda: simple_rnn_params(m, n, use_bias=use_bias),
        "gru": lambda: gru_params(m, n, use_bias=use_bias, reset_after=reset_after),
        "lstm": lambda: lstm_params(m, n, use_bias=use_bias),
    }[kind]()
    assert cost.params == expected


@given(m=sizes, n=sizes, batch=st.integers(1, 64))
def test_gru_weight_macs_are_three_quarters_of_lstm(m, n, batch):
    gru = step_cost("gru", m, n, batch=batch)
    lstm = step_cost("lstm", m, n, batch=batch)
    assert 4 * gru.macs.value == 3 * lstm.macs.value
    assert 4 * gru.input_macs.value == 3 * lstm.input_macs.value
    assert 4 * gru.recurrent_macs.value == 3 * lstm.recurrent_macs.value
    # The element-wise work is the same (17 per unit), so the GRU's FLOPs exceed 3/4.
    assert 4 * gru.flops.value > 3 * lstm.flops.value


def test_flop_and_param_ratios_tend_to_three_quarters():
    ratios = []
    for n in (8, 64, 512, 4096):
        gru, lstm = step_cost("gru", n, n), step_cost("lstm", n, n)
        ratios.append((gru.flops.value / lstm.flops.value, gru.params.count / lstm.params.count))
    flops, params = zip(*ratios, strict=True)
    assert list(flops) == sorted(flops, reverse=True)
    assert list(params) == sorted(params, reverse=True)
    assert abs(flops[-1] - 0.75) < 1e-3 and abs(params[-1] - 0.75) < 1e-3
    assert flops[0] > 0.76


@given(kind=kinds, m=sizes, n=sizes, batch=st.integers(1, 64), reset_after=flags)
def test_bytes_scale_with_dtype_and_work_does_not(kind, m, n, batch, reset_after):
    costs = {
        dtype: step_cost(kind, m, n, batch=batch, dtype=dtype, reset_after=reset_after)
        for dtype in DTYPE_BYTES
    }
    for field in ("state_bytes", "weight_bytes", "cache_bytes"):
        half = getattr(costs["float16"], field).value
        assert getattr(costs["bfloat16"], field).value == half
        assert getattr(costs["float32"], field).value == 2 * half
        assert getattr(costs["float64"], field).value == 4 * half
    assert len({c.flops for c in costs.values()}) == 1
    assert costs["float64"].weight_bytes.value == 8 * costs["float64"].params.count


@given(kind=kinds, m=sizes, n=sizes, batch=st.integers(2, 64), steps=st.integers(1, 500))
def test_batch_and_sequence_scaling(kind, m, n, batch, steps):
    one = step_cost(kind, m, n)
    many = step_cost(kind, m, n, batch=batch)
    for field in ("input_macs", "recurrent_macs", "macs", "elementwise_ops", "flops",
                  "state_bytes", "cache_bytes"):  # fmt: skip
        assert getattr(many, field).value == batch * getattr(one, field).value
    assert many.weight_bytes == one.weight_bytes
    seq = sequence_cost(kind, m, n, steps, batch=batch)
    assert isinstance(seq, SequenceCost) and seq.step == many
    assert seq.macs.value == steps * many.macs.value
    assert seq.flops.value == steps * many.flops.value
    assert seq.cache_bytes.value == steps * many.cache_bytes.value
    assert seq.state_bytes == many.state_bytes and seq.weight_bytes == many.weight_bytes


@given(kind=kinds, m=sizes, n=sizes, batch=st.integers(1, 16), use_bias=flags)
def test_formulas_evaluate_to_their_values(kind, m, n, batch, use_bias):
    cost = step_cost(kind, m, n, batch=batch, use_bias=use_bias)
    for field in ("input_macs", "recurrent_macs", "macs", "elementwise_ops", "flops",
                  "state_bytes", "weight_bytes", "cache_bytes"):  # fmt: skip
        value = getattr(cost, field)
        assert isinstance(value, Cost)
        expression = value.formula.replace("·", "*").replace("²", "**2")
        assert eval(expression, {"__builtins__": {}}) == value.value, (field, value)
        assert int(value) == value.value


def test_as_row_and_table():
    cost = step_cost("gru", 64, 256)
    assert isinstance(cost, StepCost)
    row = cost.as_row()
    assert row["layer"] == "GRU" and row["params"] == 247_296 and row["flops"] == cost.flops.value
    table = cost_table([32, 256], steps=10, batch=4, dtype="float16")
    assert list(table["layer"]) == ["SimpleRNN", "GRU", "LSTM"] * 2
    assert list(table["units"]) == [32] * 3 + [256] * 3
    assert (table["features"] == table["units"]).all()
    lstm256 = sequence_cost("lstm", 256, 256, 10, batch=4, dtype="float16")
    last = table.iloc[-1]
    assert last["flops"] == lstm256.flops.value
    assert last["cache_bytes"] == lstm256.cache_bytes.value
    assert last["state_bytes"] == lstm256.state_bytes.value
    assert last["flops_vs_lstm"] == 1.0
    gru_row = table.iloc[4]
    assert gru_row["params_vs_lstm"] == 394_752 / 525_312
    fixed = cost_table([8, 16], features=3, kinds=["gru"])
    assert list(fixed["features"]) == [3, 3]
    assert "flops_vs_lstm" not in fixed.columns


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: step_cost("rnn", 2, 3), ValueError, "kind must be one of"),
        (lambda: step_cost("gru", 0, 3), ValueError, "features"),
        (lambda: step_cost("gru", 2, 3.0), TypeError, "units must be a positive integer"),
        (lambda: step_cost("gru", 2, 3, batch=True), TypeError, "batch"),
        (lambda: step_cost("gru", 2, 3, dtype="int8"), ValueError, "dtype must be one of"),
        (lambda: step_cost("gru", 2, 3, dtype=np.float32), ValueError, "dtype"),
        (lambda: step_cost("gru", 2, 3, use_bias=1), TypeError, "use_bias"),
        (lambda: step_cost("lstm", 2, 3, reset_after="yes"), TypeError, "reset_after"),
        (lambda: sequence_cost("gru", 2, 3, 0), ValueError, "steps"),
        (lambda: elementwise_ops("GRU"), ValueError, "kind"),
        (lambda: cached_vectors("gru", reset_after=None), TypeError, "reset_after"),
        (lambda: cost_table([]), TypeError, "units"),
        (lambda: cost_table(64), TypeError, "units"),
        (lambda: cost_table([64, -1]), ValueError, "each of units"),
        (lambda: cost_table([64], kinds="gru"), TypeError, "kinds"),
        (lambda: cost_table([64], kinds=["gru", "gru"]), ValueError, "repeat"),
        (lambda: cost_table([64], features=0), ValueError, "features"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
