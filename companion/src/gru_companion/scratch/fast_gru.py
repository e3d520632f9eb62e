r"""A fast NumPy GRU (``reset_after=True``), equal to :class:`~gru_companion.scratch.gru.NumpyGRU`.

The readable GRU (:mod:`gru_companion.scratch.gru`) splits every weight into its gate blocks and
allocates new arrays at every step, so that each line is one equation. This module
computes exactly the same forward pass and gradients, with what fast implementations do
instead:

- **time-major layout**: everything is stored as (time, batch, ...), so the values of one
  step are one contiguous block;
- **all input projections in one matrix product** :math:`X W + b` before the loop, with
  the recurrent biases of z and r folded into it (they are plain sums);
- **one fused product per step**: :math:`h_{t-1} [U_z | U_r | U_h]`, shape
  (batch, 3n), for all three gates at once (possible because ``reset_after=True``
  applies :math:`r` *after* the product);
- **preallocated buffers** and element-wise work **in place** (``out=``), so the loop
  allocates nothing;
- :math:`\sigma(a) = \tfrac12 (1 + \tanh(a / 2))`: one ``tanh`` instead of the stable
  two-branch sigmoid (equal in exact arithmetic, no overflow);
- in the backward pass, the gradient of :math:`U` as **one large product after the
  loop**, :math:`H^\top G` over all steps at once (:math:`H` the states, :math:`G` the
  gradients of :math:`h_{t-1} U + b'`), instead of one outer product per step; the loop
  keeps only the product it cannot avoid, :math:`G_t U^\top`.

Only ``reset_after=True`` (the Keras default) with a bias is covered, with
``return_sequences=True`` semantics (all outputs returned; the gradient of the last state
can be given separately). ``companion/tests/test_fast_gru.py`` proves the results equal
to :class:`~gru_companion.scratch.gru.NumpyGRU` in float64 (to 1e-10) and float32 (to 1e-5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_companion.scratch.gru import NumpyGRU


@dataclass(frozen=True)
class FastGRURun:
    """What :func:`fast_gru_forward` keeps for the backward pass (time-major arrays).

    Attributes
    ----------
    inputs
        The inputs, time-major (time, batch, m).
    states
        :math:`h_0, \\dots, h_T`, shape (time + 1, batch, n); ``states[0]`` the initial state.
    gates
        :math:`[z_t | r_t]` per step, shape (time, batch, 2n).
    candidates
        :math:`\\tilde h_t` per step, shape (time, batch, n).
    recurrent_h
        :math:`q_t = h_{t-1} U_h + b'_h` per step, shape (time, batch, n).
    """

    inputs: np.ndarray
    states: np.ndarray
    gates: np.ndarray
    candidates: np.ndarray
    recurrent_h: np.ndarray

    @property
    def outputs(self) -> np.ndarray:
        """The outputs :math:`h_1, \\dots, h_T`, batch-major (batch, time, n), as Keras."""
        return self.states[1:].transpose(1, 0, 2)


@dataclass(frozen=True)
class FastGRUGradients:
    """The gradients from :func:`fast_gru_backward`, named and shaped as the weights.

    Attributes
    ----------
    inputs
        (batch, time, m).
    initial_state
        (batch, n).
    kernel, recurrent_kernel, bias
        (m, 3n), (n, 3n), (2, 3n).
    """

    inputs: np.ndarray
    initial_state: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """σ(a) = (1 + tanh(a/2)) / 2, in place."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


def _check_layer(layer: NumpyGRU) -> None:
    if not isinstance(layer, NumpyGRU):
        raise TypeError(f"layer must be a NumpyGRU, got {type(layer).__name__}")
    if not layer.reset_after or layer.bias is None or layer.go_backwards:
        raise ValueError(
            "the fast GRU covers reset_after=True with a bias and go_backwards=False "
            "(the Keras defaults) only"
        )


def fast_gru_forward(
    layer: NumpyGRU, inputs: np.ndarray, initial_state: np.ndarray | None = None
) -> FastGRURun:
    """The forward pass of ``layer`` over ``inputs`` (batch, time, m).

    Parameters
    ----------
    layer
        A :class:`~gru_companion.scratch.gru.NumpyGRU` with ``reset_after=True``, a bias and
        ``go_backwards=False``; its weights and dtype are used.
    inputs
        Sequences (batch, time, m) in the layer's dtype (checked by the layer).
    initial_state
        :math:`h_0`, (batch, n); ``None`` for zeros.

    Returns
    -------
    FastGRURun
        All states and the cached gates (its ``outputs`` are what ``layer`` returns with
        ``return_sequences=True``).
    """
    _check_layer(layer)
    inputs = layer.check_inputs(inputs)
    (h0,) = layer.check_states(initial_state, inputs.shape[0])
    batch, steps, features = inputs.shape
    n = layer.units
    U, b_in, b_rec = layer.recurrent_kernel, layer.bias[0], layer.bias[1]
    x = np.ascontiguousarray(inputs.transpose(1, 0, 2))  # (time, batch, m)
    # 1. all input projections at once; b'_z and b'_r are plain sums: fold them in here
    bias = b_in.copy()
    bias[: 2 * n] += b_rec[: 2 * n]
    xp = (x.reshape(steps * batch, features) @ layer.kernel).reshape(steps, batch, 3 * n)
    xp += bias
    states, gates, candidates, recurrent_h = fast_gru_recurrence(xp, U, b_rec[2 * n :], h0)
    return FastGRURun(x, states, gates, candidates, recurrent_h)


def fast_gru_recurrence(
    xp: np.ndarray, recurrent_kernel: np.ndarray, b_h: np.ndarray, h0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The recurrence of :func:`fast_gru_forward`, given the input projections.

    Parameters
    ----------
    xp
        :math:`x_t W + b` (with :math:`b'_z, b'_r` folded in), time-major (time, batch, 3n).
    recurrent_kernel
        :math:`[U_z | U_r | U_h]`, (n, 3n).
    b_h
        :math:`b'_h`, (n,).
    h0
        The initial state, (batch, n).

    Returns
    -------
    tuple
        ``(states, gates, candidates, recurrent_h)`` as in :class:`FastGRURun`.
    """
    steps, batch, _ = xp.shape
    n = recurrent_kernel.shape[0]
    dtype = xp.dtype
    U = recurrent_kernel
    states = np.empty((steps + 1, batch, n), dtype=dtype)
    states[0] = h0
    gates = np.empty((steps, batch, 2 * n), dtype=dtype)
    candidates = np.empty((steps, batch, n), dtype=dtype)
    recurrent_h = np.empty((steps, batch, n), dtype=dtype)
    hu = np.empty((batch, 3 * n), dtype=dtype)  # h_{t-1} U, reused every step
    # 2. the recurrence: one product per step, the rest in place
    for t in range(steps):
        h_prev, zr, h_tilde, q = states[t], gates[t], candidates[t], recurrent_h[t]
        np.matmul(h_prev, U, out=hu)  # all three gates in one product
        np.add(xp[t, :, : 2 * n], hu[:, : 2 * n], out=zr)
        _sigmoid_(zr)  # [z | r]
        z, r = zr[:, :n], zr[:, n:]
        np.add(hu[:, 2 * n :], b_h, out=q)  # q = h_{t-1} U_h + b'_h
        np.multiply(r, q, out=h_tilde)
        h_tilde += xp[t, :, 2 * n :]
        np.tanh(h_tilde, out=h_tilde)  # candidate
        h = states[t + 1]  # h = h_tilde + z (h_prev - h_tilde)
        np.subtract(h_prev, h_tilde, out=h)
        h *= z
        h += h_tilde
    return states, gates, candidates, recurrent_h


def fast_gru_backward(
    layer: NumpyGRU,
    run: FastGRURun,
    d_outputs: np.ndarray | None = None,
    d_last: np.ndarray | None = None,
) -> FastGRUGradients:
    r"""Backpropagation through time for :func:`fast_gru_forward`.

    Parameters
    ----------
    layer
        The layer that made ``run`` (weights unchanged since).
    run
        From :func:`fast_gru_forward`.
    d_outputs
        :math:`\partial L / \partial` outputs, (batch, time, n), or ``None``.
    d_last
        :math:`\partial L / \partial h_T`, (batch, n), or ``None`` (adds to the last
        output's gradient).

    Returns
    -------
    FastGRUGradients
        The same gradients as
        :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward` of ``layer``.
    """
    _check_layer(layer)
    steps, batch, features = run.inputs.shape
    n = layer.units
    dtype = layer.dtype
    U = layer.recurrent_kernel
    Ut = np.ascontiguousarray(U.T)
    d_seq = None if d_outputs is None else d_outputs.transpose(1, 0, 2)  # (time, batch, n)
    # G_t = dL/d(h_{t-1} U + b') = [da_z | da_r | dq], kept for every step
    g = np.empty((steps, batch, 3 * n), dtype=dtype)
    da_h_all = np.empty((steps, batch, n), dtype=dtype)
    dh = np.zeros((batch, n), dtype=dtype) if d_last is None else d_last.astype(dtype, copy=True)
    tmp = np.empty((batch, n), dtype=dtype)
    back = np.empty((batch, n), dtype=dtype)
    for t in reversed(range(steps)):
        if d_seq is not None:
            dh += d_seq[t]
        h_prev, h_tilde, q = run.states[t], run.candidates[t], run.recurrent_h[t]
        z, r = run.gates[t, :, :n], run.gates[t, :, n:]
        da_z, da_r, dq = g[t, :, :n], g[t, :, n : 2 * n], g[t, :, 2 * n :]
        da_h = da_h_all[t]
        # da_h = dh (1 - z) (1 - h_tilde^2)
        np.multiply(h_tilde, h_tilde, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.subtract(1.0, z, out=da_h)
        da_h *= dh
        da_h *= tmp
        # da_z = dh (h_prev - h_tilde) z (1 - z)
        np.subtract(h_prev, h_tilde, out=da_z)
        da_z *= dh
        np.subtract(1.0, z, out=tmp)
        tmp *= z
        da_z *= tmp
        # dq = da_h r;  da_r = da_h q r (1 - r)
        np.multiply(da_h, r, out=dq)
        np.subtract(1.0, r, out=tmp)
        np.multiply(dq, q, out=da_r)
        da_r *= tmp
        # dh_prev = dh z + G_t U^T: one product for all three gates
        np.matmul(g[t], Ut, out=back)
        dh *= z
        dh += back
    # after the loop: dU, db' and the input projection's gradients, one product each
    h_all = run.states[:-1].reshape(steps * batch, n)
    g_flat = g.reshape(steps * batch, 3 * n)
    d_recurrent_kernel = h_all.T @ g_flat
    d_recurrent_bias = g_flat.sum(axis=0)
    g[:, :, 2 * n :] = da_h_all  # now G holds dL/d(x W + b) = [da_z | da_r | da_h]
    d_kernel = run.inputs.reshape(steps * batch, features).T @ g_flat
    d_input_bias = g_flat.sum(axis=0)
    d_inputs = (g_flat @ layer.kernel.T).reshape(steps, batch, features).transpose(1, 0, 2)
    return FastGRUGradients(
        inputs=d_inputs,
        initial_state=dh,
        kernel=d_kernel,
        recurrent_kernel=d_recurrent_kernel,
        bias=np.stack([d_input_bias, d_recurrent_bias]),
    )
