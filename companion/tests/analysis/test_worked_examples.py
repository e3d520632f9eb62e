"""The worked examples: the step by hand equals gru_step, the scalar gradient by paths equals
the backward pass and central differences, and the printed arithmetic is what was computed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gru_companion.analysis.worked_examples import (
    STATE_PATHS,
    WEIGHT_FACTORS,
    format_blocks,
    format_factor,
    format_number,
    scalar_gru_bptt,
    scalar_weights,
    worked_gru_step,
)
from gru_companion.learning.gradient_check import numerical_gradient
from gru_companion.scratch.gru import NumpyGRU, gru_step


def _one_decimal_gru(seed: int, features: int, units: int) -> NumpyGRU:
    rng = np.random.default_rng(seed)

    def draw(*shape: int) -> np.ndarray:
        return np.round(rng.uniform(-1, 1, size=shape), 1)

    return NumpyGRU(draw(features, 3 * units), draw(units, 3 * units), draw(2, 3 * units))


# ----------------------------------------------------------------------- formatting
@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(0.5, 4, "0.5"), (-0.2400000001, 4, "-0.24"), (0.44028, 4, "0.4403"), (2.0, 4, "2.0"),
     (-0.00001, 4, "0.0"), (1.25, 1, "1.2"), (-3.0, 2, "-3.0")],
)  # fmt: skip
def test_format_number_rounds_and_drops_trailing_zeros(value, decimals, text):
    assert format_number(value, decimals) == text


def test_format_factor_puts_negative_numbers_in_parentheses():
    assert format_factor(-0.5) == "(-0.5)"
    assert format_factor(0.5) == "0.5"
    assert format_factor(-0.00001) == "0.0"


def test_format_number_refuses_zero_decimals():
    with pytest.raises(ValueError, match="decimals"):
        format_number(1.0, 0)


def test_format_blocks_labels_columns_by_gate_and_unit():
    text = format_blocks(np.arange(12.0).reshape(2, 6) / 10, ["x1", "x2"], decimals=1)
    header, first, second = text.splitlines()
    assert header.split() == ["z1", "z2", "|", "r1", "r2", "|", "h~1", "h~2"]
    assert first.split() == ["x1", "0.0", "0.1", "|", "0.2", "0.3", "|", "0.4", "0.5"]
    assert second.split()[0] == "x2"
    with pytest.raises(ValueError, match="row_labels"):
        format_blocks(np.zeros((2, 6)), ["x1"])


# ------------------------------------------------------------------ one step by hand
@pytest.mark.parametrize(("features", "units"), [(2, 2), (1, 3), (3, 1), (4, 5)])
@pytest.mark.parametrize("seed", range(3))
def test_worked_step_equals_gru_step(seed, features, units):
    gru = _one_decimal_gru(seed, features, units)
    rng = np.random.default_rng(100 + seed)
    x, h_prev = rng.normal(size=features), rng.uniform(-1, 1, size=units)
    worked = worked_gru_step(gru, x, h_prev)
    h, cache = gru_step(
        x[None] @ gru.kernel + gru.bias[0], h_prev[None], gru.recurrent_kernel, gru.bias[1]
    )
    for name in ("z", "r", "h_tilde", "h"):
        np.testing.assert_allclose(getattr(worked, name), cache[name][0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(worked.h, gru.cell(x[None], h_prev[None])[0][0], atol=1e-14)


def test_worked_step_text_shows_every_term_and_result():
    gru = _one_decimal_gru(0, 2, 2)
    worked = worked_gru_step(gru, np.array([1.0, -0.5]), np.array([0.4, -0.8]))
    text = worked.text()
    for name, values in (("a_z", worked.a_z), ("z", worked.z), ("a_r", worked.a_r),
                         ("r", worked.r), ("q", worked.q), ("a_h", worked.a_h),
                         ("h~", worked.h_tilde), ("h", worked.h)):  # fmt: skip
        for j, value in enumerate(values, start=1):
            line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"{name}{j} "))
            assert line.endswith(f"= {format_number(value)}"), line
    # the line of a_z1 lists x1 W_z[0, 0] first and ends with b'_z[0]
    a_z1 = next(ln for ln in text.splitlines() if ln.strip().startswith("a_z1"))
    terms = a_z1.split("=")[1].split(" + ")
    assert terms[0].strip() == f"1.0×{format_factor(gru.kernel[0, 0])}"
    assert terms[-1].strip() == format_factor(gru.bias[1, 0])
    weights = worked.weights_text(decimals=1)
    assert "kernel [W_z | W_r | W_h], shape (2, 6):" in weights
    assert "x      = [1.0, -0.5]" in weights


def test_worked_step_checks_its_arguments():
    gru = _one_decimal_gru(0, 2, 2)
    x, h = np.array([1.0, -0.5]), np.array([0.4, -0.8])
    with pytest.raises(ValueError, match=r"x must have shape \(features,\)"):
        worked_gru_step(gru, np.ones(3), h)
    with pytest.raises(ValueError, match="h_prev must have 1 dimensions"):
        worked_gru_step(gru, x, h[None])
    with pytest.raises(ValueError, match="reset_after=True"):
        worked_gru_step(NumpyGRU.initialized(2, 2, reset_after=False), x, h)
    with pytest.raises(TypeError, match="float64"):
        worked_gru_step(gru.astype("float32"), x, h)
    with pytest.raises(TypeError, match="NumpyGRU"):
        worked_gru_step("gru", x, h)


# -------------------------------------------------------- a scalar backward pass by hand
@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_scalar_gradient_by_paths_equals_backward_and_differences(seed, steps):
    gru = _one_decimal_gru(seed, 1, 1)
    rng = np.random.default_rng(seed)
    xs, h0 = np.round(rng.uniform(-1, 1, size=steps), 1), 0.6
    worked = scalar_gru_bptt(gru, xs, h0)
    inputs, initial = xs.reshape(1, steps, 1), np.array([[h0]])
    assert worked.loss == pytest.approx(float(gru(inputs, initial_state=initial)[0, 0]), abs=1e-14)
    grads = gru.backward(gru.run(inputs, initial, keep_cache=True), np.ones((1, 1)))
    assert worked.d_h0 == pytest.approx(float(grads.initial_states[0][0, 0]), abs=1e-13)
    assert math.fsum(worked.routes.values()) == pytest.approx(worked.d_h0, abs=1e-13)
    assert len(worked.routes) == 4**steps
    for name in WEIGHT_FACTORS:
        block = "zrh".index(name[-1])
        weight = gru.kernel if name[0] == "W" else gru.recurrent_kernel
        expected = float((grads.kernel if name[0] == "W" else grads.recurrent_kernel)[0, block])
        assert worked.weight_gradient(name) == pytest.approx(expected, abs=1e-13), name
        numeric = numerical_gradient(
            lambda: float(gru(inputs, initial_state=initial)[0, 0]), weight
        )[0, block]
        assert worked.weight_gradient(name) == pytest.approx(numeric, abs=1e-8), name
    numeric_h0 = numerical_gradient(lambda: float(gru(inputs, initial_state=initial)[0, 0]),
                                    initial)[0, 0]  # fmt: skip
    assert worked.d_h0 == pytest.approx(numeric_h0, abs=1e-8)


def test_scalar_deltas_walk_back_from_one():
    gru = _one_decimal_gru(1, 1, 1)
    worked = scalar_gru_bptt(gru, np.array([1.0, -0.5, 0.3]), -0.2)
    assert worked.deltas[-1] == 1.0
    assert worked.deltas[1] == pytest.approx(worked.jacobian(3))
    assert worked.deltas[0] == pytest.approx(worked.jacobian(3) * worked.jacobian(2))
    for step, paths in zip(worked.steps, worked.paths, strict=True):
        assert set(paths) == set(STATE_PATHS)
        assert paths["additive"] == step.z


def test_scalar_text_prints_paths_routes_and_weights():
    gru = _one_decimal_gru(2, 1, 1)
    worked = scalar_gru_bptt(gru, np.array([1.0, -0.5]), 0.6)
    forward = worked.forward_text()
    assert forward.splitlines()[-1] == f"L = h_2 = {format_number(worked.loss)}"
    paths = worked.paths_text()
    assert paths.count("sum:") == 2
    assert f"sum:          {format_number(worked.jacobian(1))}" in paths
    routes = worked.routes_text()
    assert routes.splitlines()[0].endswith(f"= {format_number(worked.d_h0)}")
    assert "additive -> additive" in routes and "16 routes" in routes
    text = worked.weight_text("U_z")
    assert text.splitlines()[-1] == f"  sum: {format_number(worked.weight_gradient('U_z'))}"
    assert "δ_1 (h_0 - h~_1) z_1(1 - z_1) h_0" in text
    with pytest.raises(ValueError, match="name must be one of"):
        worked.weight_terms("V_z")


def test_scalar_gru_checks_its_arguments():
    gru = _one_decimal_gru(0, 1, 1)
    with pytest.raises(ValueError, match="one unit and one feature"):
        scalar_weights(_one_decimal_gru(0, 2, 1))
    with pytest.raises(ValueError, match="at most 6 steps"):
        scalar_gru_bptt(gru, np.zeros(7), 0.0)
    with pytest.raises(ValueError, match=">= 1"):
        scalar_gru_bptt(gru, np.zeros(0), 0.0)
    with pytest.raises(ValueError, match="finite"):
        scalar_gru_bptt(gru, np.zeros(2), float("nan"))
    assert set(scalar_weights(gru)) == {
        f"{kind}_{gate}{suffix}" for gate in "zrh"
        for kind, suffix in (("W", ""), ("U", ""), ("b", ""), ("b", "_rec"))
    }  # fmt: skip
