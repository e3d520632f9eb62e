"""The checker of a GRU step's gradients passes right gradients and names each planted mistake."""

from __future__ import annotations

import numpy as np
import pytest

from gru_companion.exercises import backward as exercises
from gru_companion.exercises.backward import check_gru_step_backward, solution_gru_step_backward
from gru_companion.scratch.gru import NumpyGRU


def reader_backward(x, h, kernel, recurrent_kernel, bias, d_h_new, *, mistake=None):
    """The gradients of one step as a reader writes them, block by block, with a planted slip."""
    n = h.shape[1]
    names = ("r", "z", "h") if mistake == "pytorch_order" else ("z", "r", "h")
    cols = {name: slice(i * n, (i + 1) * n) for i, name in enumerate(names)}
    W = {k: kernel[:, s] for k, s in cols.items()}
    U = {k: recurrent_kernel[:, s] for k, s in cols.items()}
    b = {k: bias[0, s] for k, s in cols.items()}
    b2 = {k: bias[1, s] for k, s in cols.items()}
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    z = sig(x @ W["z"] + b["z"] + h @ U["z"] + b2["z"])
    r = sig(x @ W["r"] + b["r"] + h @ U["r"] + b2["r"])
    q = h @ U["h"] + b2["h"]
    before = mistake == "reset_before"
    a_h = x @ W["h"] + b["h"] + ((r * h) @ U["h"] + b2["h"] if before else r * q)
    ht = np.tanh(a_h)
    g = d_h_new
    if mistake == "z_swapped":
        d_direct, d_z, d_ht = g * (1 - z), g * (ht - h), g * z
    else:
        d_direct, d_z, d_ht = g * z, g * (h - ht), g * (1 - z)
    d_ah = d_ht * ht * (1 - ht) if mistake == "tanh_derivative" else d_ht * (1 - ht * ht)
    dsig = (lambda s: 1 - s * s) if mistake == "sigmoid_derivative" else (lambda s: s * (1 - s))
    Ut = {k: (v if mistake == "untransposed_blocks" else v.T) for k, v in U.items()}
    d_az = d_z * dsig(z)
    grads = {}
    if before:
        d_rh = d_ah @ U["h"].T
        d_ar = d_rh * h * dsig(r)
        dh = d_direct + d_rh * r
        dU_h, db2_h = (r * h).T @ d_ah, d_ah.sum(0)
    else:
        q_used = h @ U["h"] if mistake == "recurrent_bias_left_out" else q
        d_ar = d_ah * q_used * dsig(r)
        d_q = d_ah * r
        dh = d_direct + d_q @ Ut["h"]
        dU_h, db2_h = h.T @ d_q, d_q.sum(0)
    if mistake == "no_direct_path":
        dh = dh - d_direct
    dh = dh + d_az @ Ut["z"] + d_ar @ Ut["r"]
    d_a = {"z": d_az, "r": d_ar, "h": d_ah}
    dx = sum(d_a[k] @ W[k].T for k in names)
    d_kernel = np.zeros_like(kernel)
    d_recurrent = np.zeros_like(recurrent_kernel)
    d_bias = np.zeros_like(bias)
    for k, s in cols.items():
        d_kernel[:, s] = x.T @ d_a[k]
        d_bias[0, s] = d_a[k].sum(0)
        d_recurrent[:, s] = dU_h if k == "h" else h.T @ d_a[k]
        d_bias[1, s] = db2_h if k == "h" else d_a[k].sum(0)
    grads = (dx, dh, d_kernel, d_recurrent, d_bias)
    return grads


MISTAKES = ("z_swapped", "no_direct_path", "reset_before", "pytorch_order",
            "recurrent_bias_left_out", "tanh_derivative", "sigmoid_derivative",
            "untransposed_blocks")  # fmt: skip


def test_every_known_mistake_is_planted_in_a_test():
    assert {m.key for m in exercises.GRU_STEP_BACKWARD.mistakes} == set(MISTAKES)


def _by_bptt(x, h, kernel, recurrent_kernel, bias, d_h_new):
    """One step of the companion's NumpyGRU.backward on a sequence of length 1."""
    layer = NumpyGRU(kernel, recurrent_kernel, bias)
    run = layer.run(x[:, None, :], h, keep_cache=True)
    grads = layer.backward(run, d_h_new)
    return (grads.inputs[:, 0], grads.initial_states[0], grads.kernel, grads.recurrent_kernel,
            grads.bias)  # fmt: skip


@pytest.mark.parametrize("fn", [solution_gru_step_backward, reader_backward, _by_bptt])
def test_check_gru_step_backward_passes_right_gradients(fn):
    result = check_gru_step_backward(fn)
    assert result.passed is True, result.verdict


def test_a_dict_of_the_five_gradients_is_accepted():
    def as_dict(*args):
        return dict(zip(exercises.GRADIENTS, solution_gru_step_backward(*args), strict=True))

    assert check_gru_step_backward(as_dict).passed


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_gru_step_backward_names_each_planted_mistake(mistake):
    def planted(x, h, kernel, recurrent_kernel, bias, d_h_new):
        return reader_backward(x, h, kernel, recurrent_kernel, bias, d_h_new, mistake=mistake)

    result = check_gru_step_backward(planted)
    assert not result.passed and result.problem == "values"
    assert result.cause == mistake, result.verdict
    assert result.quantities and "Likeliest cause: " in result.verdict


def test_the_verdict_names_the_gradients_that_differ_and_those_that_agree():
    def slip(x, h, kernel, recurrent_kernel, bias, d_h_new):
        dx, dh, d_kernel, d_recurrent, d_bias = solution_gru_step_backward(
            x, h, kernel, recurrent_kernel, bias, d_h_new
        )
        return dx, dh, d_kernel, d_recurrent, d_bias * np.array([[1], [0]], dtype=d_bias.dtype)

    result = check_gru_step_backward(slip)
    assert result.quantities == ("d_bias",) and result.cause is None
    assert "d_bias differs" in result.verdict
    assert "dx, dh, d_kernel and d_recurrent_kernel agree" in result.verdict


def test_a_transposed_kernel_gradient_is_a_shape_verdict_with_a_hint():
    def transposed(*args):
        dx, dh, d_kernel, d_recurrent, d_bias = solution_gru_step_backward(*args)
        return dx, dh, d_kernel.T, d_recurrent, d_bias

    result = check_gru_step_backward(transposed)
    assert result.problem == "shape" and result.quantities == ("d_kernel",)
    assert "transpose" in result.verdict
