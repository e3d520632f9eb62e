r"""The GRU in NumPy, computing what ``keras.layers.GRU`` does, in both of its variants.

One state :math:`h`, three blocks of weights in Keras's order z, r, h (``kernel`` (m, 3n),
``recurrent_kernel`` (n, 3n)):

.. math::

    z &= \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)
        && \text{update gate} \\
    r &= \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)
        && \text{reset gate} \\
    \tilde h &= \tanh(x_t W_h + b_h + r \odot (h_{t-1} U_h + b'_h))
        && \text{reset\_after=True} \\
    \tilde h &= \tanh(x_t W_h + b_h + (r \odot h_{t-1}) U_h)
        && \text{reset\_after=False} \\
    h_t &= z \odot h_{t-1} + (1 - z) \odot \tilde h

``reset_after=True`` (the Keras default, the first version of Cho et al. 2014, also
PyTorch's ``nn.GRU``) applies the reset gate after the product with :math:`U_h` and has
two biases per gate: ``bias`` has shape (2, 3n), row 0 the input biases :math:`b`,
row 1 the recurrent biases :math:`b'`. ``reset_after=False`` (the third version of the
paper) applies it to the state before the product, and has one bias per gate: ``bias``
has shape (3n,) and there is no :math:`b'`.

Note that :math:`z` weighs the *old* state here (Keras, Cho et al.); Chung et al. 2014
write the same cell with :math:`z` and :math:`1 - z` swapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.recurrent_layer import RecurrentLayer, StepGradients, split_gates
from gru_companion.validation import check_bool


def gru_step(
    x_proj: np.ndarray,
    h_prev: np.ndarray,
    recurrent_kernel: np.ndarray,
    recurrent_bias: np.ndarray | None = None,
    *,
    reset_after: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""One GRU time step.

    Parameters
    ----------
    x_proj
        This step's input projection :math:`x_t W + b`, shape (batch, 3n), blocks
        [z | r | h].
    h_prev
        The previous state :math:`h_{t-1}`, shape (batch, n).
    recurrent_kernel
        :math:`[U_z | U_r | U_h]`, shape (n, 3n).
    recurrent_bias
        :math:`[b'_z | b'_r | b'_h]`, shape (3n,): row 1 of the bias when
        ``reset_after=True``; ``None`` for none (always with ``reset_after=False``).
    reset_after
        ``True``: :math:`\tilde h = \tanh(x_t W_h + b_h + r \odot (h_{t-1} U_h + b'_h))`.
        ``False``: :math:`\tilde h = \tanh(x_t W_h + b_h + (r \odot h_{t-1}) U_h)`.

    Returns
    -------
    tuple
        ``(h, cache)``: the new state (batch, n), also the step's output, and the step's
        values by name (``h_prev``, ``z``, ``r``, ``h_tilde``, ``h``).
    """
    x_z, x_r, x_h = split_gates(x_proj, 3)
    U_z, U_r, U_h = split_gates(recurrent_kernel, 3)
    b_z, b_r, b_h = (0, 0, 0) if recurrent_bias is None else split_gates(recurrent_bias, 3)
    z = sigmoid(x_z + (h_prev @ U_z + b_z))  # update gate: how much of h_prev to keep
    r = sigmoid(x_r + (h_prev @ U_r + b_r))  # reset gate: how much of h_prev the candidate sees
    if reset_after:
        h_tilde = tanh(x_h + r * (h_prev @ U_h + b_h))  # candidate, reset after the product
    else:
        h_tilde = tanh(x_h + (r * h_prev) @ U_h)  # candidate, reset before the product
    h = z * h_prev + (1 - z) * h_tilde
    return h, {"h_prev": h_prev, "z": z, "r": r, "h_tilde": h_tilde, "h": h}


def gru_step_backward(
    dh: np.ndarray,
    cache: dict[str, np.ndarray],
    recurrent_kernel: np.ndarray,
    recurrent_bias: np.ndarray | None = None,
    *,
    reset_after: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    r"""The backward pass of :func:`gru_step`.

    With :math:`a_z, a_r, a_h` the pre-activations of the update gate, the reset gate and
    the candidate, and :math:`\delta = \partial L / \partial h_t`, the chain rule through
    :math:`h_t = z \odot h_{t-1} + (1 - z) \odot \tilde h` gives

    .. math::

        \delta a_h = \delta \odot (1 - z) \odot (1 - \tilde h^2), \qquad
        \delta a_z = \delta \odot (h_{t-1} - \tilde h) \odot z (1 - z),

    and with ``reset_after=True`` (:math:`q = h_{t-1} U_h + b'_h`)
    :math:`\delta a_r = \delta a_h \odot q \odot r (1 - r)` and

    .. math::

        \frac{\partial L}{\partial h_{t-1}} = \delta \odot z
            + \delta a_z U_z^\top + \delta a_r U_r^\top + (\delta a_h \odot r) U_h^\top.

    With ``reset_after=False``, :math:`g = \delta a_h U_h^\top` is the gradient of
    :math:`r \odot h_{t-1}`: :math:`\delta a_r = g \odot h_{t-1} \odot r(1 - r)` and the
    last term is :math:`g \odot r`. The first term, :math:`\delta \odot z`, is the
    additive path: no weight matrix and no activation's derivative on it.

    Parameters
    ----------
    dh
        :math:`\partial L / \partial h_t`, shape (batch, n), total (output and next step).
    cache
        The step's cache from :func:`gru_step` (``h_prev``, ``z``, ``r``, ``h_tilde``).
    recurrent_kernel
        :math:`[U_z | U_r | U_h]`, shape (n, 3n).
    recurrent_bias
        :math:`[b'_z | b'_r | b'_h]`, shape (3n,), or ``None``, as given to :func:`gru_step`.
    reset_after
        As given to :func:`gru_step`.

    Returns
    -------
    tuple
        ``(dx_proj, dh_prev, d_recurrent_kernel, d_recurrent_bias)``: the gradients of the
        step's input projection (batch, 3n), of :math:`h_{t-1}` (batch, n), and this step's
        parts of the gradients of :math:`U` (n, 3n) and of :math:`b'` (3n,) (``None``
        when there is no recurrent bias).
    """
    h_prev, z, r, h_tilde = cache["h_prev"], cache["z"], cache["r"], cache["h_tilde"]
    U_z, U_r, U_h = split_gates(recurrent_kernel, 3)
    # h_t = z * h_prev + (1 - z) * h_tilde: three paths leave h_t
    dh_prev = dh * z  # 1. straight to h_prev, scaled by z: the additive path
    dz = dh * (h_prev - h_tilde)  # 2. into the update gate
    dh_tilde = dh * (1 - z)  # 3. into the candidate
    da_h = dh_tilde * (1 - h_tilde**2)  # through tanh
    da_z = dz * z * (1 - z)  # through the sigmoid
    if reset_after:
        # a_h = x_h + r * q with q = h_prev U_h + b'_h; gru_step's cache does not keep q,
        # so it is recomputed here (one (batch, n) x (n, n) product)
        b_h = 0 if recurrent_bias is None else split_gates(recurrent_bias, 3)[2]
        q = h_prev @ U_h + b_h
        da_r = da_h * q * r * (1 - r)
        dq = da_h * r
        d_recurrent = np.concatenate([da_z, da_r, dq], axis=1)  # gradient of h_prev U + b'
        d_recurrent_kernel = h_prev.T @ d_recurrent
        dh_prev = dh_prev + d_recurrent @ recurrent_kernel.T  # 4. through z, r and q
        d_recurrent_bias = None if recurrent_bias is None else d_recurrent.sum(axis=0)
    else:
        # a_h = x_h + (r * h_prev) U_h
        d_reset_state = da_h @ U_h.T  # gradient of r * h_prev
        da_r = d_reset_state * h_prev * r * (1 - r)
        d_recurrent_kernel = np.concatenate(
            [h_prev.T @ da_z, h_prev.T @ da_r, (r * h_prev).T @ da_h], axis=1
        )
        dh_prev = dh_prev + da_z @ U_z.T + da_r @ U_r.T + d_reset_state * r  # 4.
        d_recurrent_bias = None
    dx_proj = np.concatenate([da_z, da_r, da_h], axis=1)  # gradient of x_t W + b
    return dx_proj, dh_prev, d_recurrent_kernel, d_recurrent_bias


class NumpyGRU(RecurrentLayer):
    """``keras.layers.GRU`` (tanh and sigmoid activations) in NumPy.

    Parameters
    ----------
    kernel
        :math:`[W_z | W_r | W_h]`, shape (features, 3 units), float32 or float64.
    recurrent_kernel
        :math:`[U_z | U_r | U_h]`, shape (units, 3 units), same dtype.
    bias
        Same dtype. With ``reset_after=True``: shape (2, 3 units), row 0 the input
        biases, row 1 the recurrent biases. With ``reset_after=False``: shape
        (3 units,). ``None`` for a GRU without bias (``use_bias=False``).
    reset_after
        Where the reset gate acts: after the product with :math:`U_h` (``True``, the
        Keras default) or before it (``False``).
    return_sequences, return_state, go_backwards
        As in Keras (see :class:`~gru_companion.scratch.recurrent_layer.RecurrentLayer`).

    Examples
    --------
    >>> import numpy as np
    >>> gru = NumpyGRU.initialized(features=2, units=3, seed=0, return_sequences=True)
    >>> gru(np.ones((4, 5, 2))).shape
    (4, 5, 3)
    >>> gru.bias.shape, NumpyGRU.initialized(2, 3, reset_after=False).bias.shape
    ((2, 9), (9,))
    """

    kind = "gru"

    def __init__(
        self,
        kernel: np.ndarray,
        recurrent_kernel: np.ndarray,
        bias: np.ndarray | None,
        *,
        reset_after: bool = True,
        **flags: bool,
    ) -> None:
        #: Where the reset gate acts (before the base class checks the bias's shape).
        self.reset_after = check_bool("reset_after", reset_after)
        super().__init__(kernel, recurrent_kernel, bias, **flags)

    def bias_shape(self, units: int) -> tuple[int, ...]:
        """(2, 3 units) with ``reset_after=True``, else (3 units,)."""
        return (2, 3 * units) if self.reset_after else (3 * units,)

    def _bias_labels(self) -> str:
        return "(2, 3 * units)" if self.reset_after else "(3 * units,)"

    @property
    def input_bias(self) -> np.ndarray | None:
        """The biases added to ``x W``: row 0 of the bias with ``reset_after=True``."""
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    @property
    def recurrent_bias(self) -> np.ndarray | None:
        """The biases added to ``h U`` (row 1 with ``reset_after=True``), else ``None``."""
        if self.bias is None or not self.reset_after:
            return None
        return self.bias[1]

    def _options(self) -> dict[str, Any]:
        return {"reset_after": self.reset_after, **super()._options()}

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
        """One step of :func:`gru_step` with this layer's recurrent weights."""
        h, cache = gru_step(
            x_proj,
            states[0],
            self.recurrent_kernel,
            self.recurrent_bias,
            reset_after=self.reset_after,
        )
        return (h,), cache

    def step_backward(
        self, d_states: tuple[np.ndarray, ...], cache: dict[str, np.ndarray]
    ) -> StepGradients:
        """The backward pass of one step: :func:`gru_step_backward`."""
        dx_proj, dh_prev, d_u, d_b = gru_step_backward(
            d_states[0],
            cache,
            self.recurrent_kernel,
            self.recurrent_bias,
            reset_after=self.reset_after,
        )
        return StepGradients(dx_proj, (dh_prev,), d_u, d_b)

    def _bias_gradient(
        self, d_input_bias: np.ndarray | None, d_recurrent_bias: np.ndarray | None
    ) -> np.ndarray | None:
        """Rows [input biases, recurrent biases] with ``reset_after=True``, else one row."""
        if d_input_bias is None or not self.reset_after:
            return d_input_bias
        return np.stack([d_input_bias, d_recurrent_bias])
