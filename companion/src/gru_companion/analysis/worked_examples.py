r"""A GRU worked by hand: one step as arithmetic, and a scalar backward pass path by path.

Two small computations a reader can redo on paper, each returned as numbers and rendered as
the lines of arithmetic that produce them. Both use Keras's form of the GRU
(``reset_after=True``, blocks :math:`z, r, h`, two bias rows), the form of
:func:`gru_companion.scratch.gru.gru_step`; they recompute everything by their own
formulas, so the companion's step and backward pass can confirm them.

* :func:`worked_gru_step`: one step of a small GRU, every pre-activation, gate, candidate and
  new state written out unit by unit (:class:`WorkedStep`).
* :func:`scalar_gru_bptt`: a GRU of one unit and one feature over a few steps, with the loss
  :math:`L = h_T`. Its gradient with respect to :math:`h_0` is a sum over *routes*, one
  path through each step, and a step has four paths from :math:`h_{t-1}` to :math:`h_t`
  (:data:`STATE_PATHS`):

  .. math::

      \frac{\partial h_t}{\partial h_{t-1}} =
        \underbrace{z_t}_{\text{additive}}
        + \underbrace{(h_{t-1} - \tilde h_t)\, z_t (1 - z_t)\, U_z}_{\text{update gate}}
        + \underbrace{(1 - z_t)(1 - \tilde h_t^2)\, r_t\, U_h}_{\text{candidate}}
        + \underbrace{(1 - z_t)(1 - \tilde h_t^2)\, q_t\, r_t (1 - r_t)\, U_r}_{\text{reset gate}}

  with :math:`q_t = h_{t-1} U_h + b'_h`. A weight's gradient is the sum over the steps of
  :math:`\delta_t = \partial L / \partial h_t` times the step's local derivative
  (:data:`WEIGHT_FACTORS`). The result is :class:`ScalarBPTT`.

Printed numbers are rounded to ``decimals`` places (4 by default); the arithmetic itself
runs in float64, so redoing a line with the rounded numbers may change its last digit.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from gru_companion.scratch.activations import sigmoid, tanh
from gru_companion.scratch.gru import NumpyGRU
from gru_companion.scratch.recurrent_layer import split_gates
from gru_companion.validation import check_int_at_least, check_ndarray, check_shape

#: The four paths from :math:`h_{t-1}` to :math:`h_t` in one step, in the order of
#: :attr:`ScalarBPTT.paths`, each with the factors whose product is its contribution to
#: :math:`\partial h_t / \partial h_{t-1}`.
STATE_PATHS: dict[str, tuple[str, ...]] = {
    "additive": ("z",),
    "update gate": ("h_prev - h~", "z(1 - z)", "U_z"),
    "candidate": ("1 - z", "1 - h~^2", "r", "U_h"),
    "reset gate": ("1 - z", "1 - h~^2", "q", "r(1 - r)", "U_r"),
}

#: The factors of one step's part of a weight's gradient, :math:`\delta_t` times the local
#: derivative of :math:`h_t` (``delta`` is :math:`\partial L / \partial h_t`).
WEIGHT_FACTORS: dict[str, tuple[str, ...]] = {
    "W_z": ("delta", "h_prev - h~", "z(1 - z)", "x"),
    "U_z": ("delta", "h_prev - h~", "z(1 - z)", "h_prev"),
    "W_r": ("delta", "1 - z", "1 - h~^2", "q", "r(1 - r)", "x"),
    "U_r": ("delta", "1 - z", "1 - h~^2", "q", "r(1 - r)", "h_prev"),
    "W_h": ("delta", "1 - z", "1 - h~^2", "x"),
    "U_h": ("delta", "1 - z", "1 - h~^2", "r", "h_prev"),
}


def format_number(value: float, decimals: int = 4) -> str:
    """A number as printed in the worked examples: rounded, trailing zeros dropped.

    Parameters
    ----------
    value
        A real number.
    decimals
        The number of decimals to round to (at least 1).

    Returns
    -------
    str
        At least one decimal (``"0.5"``, ``"-0.24"``, ``"0.4403"``), never ``"-0.0"``.

    Examples
    --------
    >>> format_number(0.5), format_number(-0.2400000001), format_number(0.44028, 4)
    ('0.5', '-0.24', '0.4403')
    """
    decimals = check_int_at_least("decimals", decimals, 1)
    text = f"{round(float(value), decimals):.{decimals}f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if text == "-0.0" else text


def format_factor(value: float, decimals: int = 4) -> str:
    """:func:`format_number`, with a negative number in parentheses: ``(-0.5)``."""
    text = format_number(value, decimals)
    return f"({text})" if text.startswith("-") else text


def _product(values: list[float], decimals: int) -> str:
    return " × ".join(format_factor(v, decimals) for v in values)


#: How :func:`_formula` writes each factor of a step ``t`` (``p`` is ``t - 1``).
_FACTOR_NAMES = {
    "z": "z_{t}",
    "1 - z": "(1 - z_{t})",
    "z(1 - z)": "z_{t}(1 - z_{t})",
    "r": "r_{t}",
    "r(1 - r)": "r_{t}(1 - r_{t})",
    "q": "q_{t}",
    "h_prev": "h_{p}",
    "h_prev - h~": "(h_{p} - h~_{t})",
    "1 - h~^2": "(1 - h~_{t}²)",
    "x": "x_{t}",
    "delta": "δ_{t}",
}


def _formula(factors: tuple[str, ...], t: int | str) -> str:
    p = t - 1 if isinstance(t, int) else f"{t}-1"
    return " ".join(_FACTOR_NAMES.get(k, k).format(t=t, p=p) for k in factors)


def format_blocks(
    array: np.ndarray,
    row_labels: list[str],
    blocks: tuple[str, ...] = ("z", "r", "h~"),
    decimals: int = 4,
) -> str:
    """A weight matrix or bias in Keras's layout, its columns labelled by gate block and unit.

    Parameters
    ----------
    array
        A 2-D array whose columns are ``len(blocks)`` blocks of ``units`` columns each
        (a kernel, a recurrent kernel, or a bias of two rows).
    row_labels
        One label per row (``["x1", "x2"]``, ``["b", "b'"]``).
    blocks
        One name per block, in the order of the columns (the candidate's block is
        labelled ``h~``, since :math:`W_h`, :math:`U_h`, :math:`b_h` feed :math:`\tilde h`).
    decimals
        Decimals of the printed numbers.

    Returns
    -------
    str
        One header line (``z1 z2 | r1 r2 | h~1 h~2``) and one line per row, blocks separated
        by ``|``.
    """
    array = check_ndarray("array", array, ndim=2, kinds="f")
    if len(row_labels) != array.shape[0]:
        raise ValueError(
            f"row_labels must name the {array.shape[0]} rows, got {len(row_labels)} labels"
        )
    parts = split_gates(array, len(blocks))
    units = parts[0].shape[1]
    cells = [[format_number(v, decimals) for v in row] for row in array]
    header = [f"{gate}{j + 1}" for gate in blocks for j in range(units)]
    width = max(len(text) for text in [*header, *itertools.chain(*cells)])
    label_width = max(len(label) for label in row_labels)

    def line(label: str, items: list[str]) -> str:
        groups = [items[k * units : (k + 1) * units] for k in range(len(blocks))]
        body = " | ".join(" ".join(item.rjust(width) for item in group) for group in groups)
        return f"{label.ljust(label_width)}  {body}"

    return "\n".join([line("", header), *(line(label, row) for label, row in zip(
        row_labels, cells, strict=True))])


def _check_keras_gru(gru: NumpyGRU) -> None:
    if not isinstance(gru, NumpyGRU):
        raise TypeError(f"gru must be a NumpyGRU, got {type(gru).__name__}")
    if not gru.reset_after or gru.bias is None:
        raise ValueError(
            "the worked examples use Keras's default GRU: reset_after=True with a bias of "
            "shape (2, 3 * units)"
        )
    if gru.dtype != np.float64:
        raise TypeError(f"the worked examples compute in float64, got a {gru.dtype} GRU")


# ------------------------------------------------------------------ one step by hand
@dataclass(frozen=True)
class WorkedStep:
    """One GRU step with every intermediate, unit by unit (from :func:`worked_gru_step`).

    All vectors have shape (units,): the pre-activations ``a_z``, ``a_r``, ``a_h``, the
    reset gate's operand ``q`` = :math:`h_{t-1} U_h + b'_h`, the gates ``z`` and ``r``,
    the candidate ``h_tilde`` and the new state ``h``.
    """

    gru: NumpyGRU
    x: np.ndarray
    h_prev: np.ndarray
    a_z: np.ndarray
    a_r: np.ndarray
    q: np.ndarray
    a_h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray

    def weights_text(self, decimals: int = 4) -> str:
        """The weights with their block labels, then the input and the previous state."""
        gru = self.gru
        xs = [f"x{i + 1}" for i in range(gru.features)]
        hs = [f"h_prev{j + 1}" for j in range(gru.units)]
        vector = ", ".join
        return "\n".join([
            f"kernel [W_z | W_r | W_h], shape {gru.kernel.shape}:",
            format_blocks(gru.kernel, xs, decimals=decimals),
            "",
            f"recurrent_kernel [U_z | U_r | U_h], shape {gru.recurrent_kernel.shape}:",
            format_blocks(gru.recurrent_kernel, hs, decimals=decimals),
            "",
            f"bias, shape {gru.bias.shape}: row b (input), row b' (recurrent):",
            format_blocks(gru.bias, ["b", "b'"], decimals=decimals),
            "",
            f"x      = [{vector(format_number(v, decimals) for v in self.x)}]",
            f"h_prev = [{vector(format_number(v, decimals) for v in self.h_prev)}]",
        ])  # fmt: skip

    def _affine(self, weights: np.ndarray, vector: np.ndarray, decimals: int) -> list[str]:
        return [
            f"{format_factor(v, decimals)}×{format_factor(w, decimals)}"
            for v, w in zip(vector, weights, strict=True)
        ]

    def lines(self, decimals: int = 4) -> list[str]:
        """The step as arithmetic: one line per pre-activation, gate, candidate and state."""
        f, g = (lambda v: format_number(v, decimals)), (lambda v: format_factor(v, decimals))
        W = split_gates(self.gru.kernel, 3)
        U = split_gates(self.gru.recurrent_kernel, 3)
        b, b_rec = (split_gates(row, 3) for row in self.gru.bias)
        out: list[str] = []
        for k, (gate, name, value, pre) in enumerate(
            (("z", "update gate", self.z, self.a_z), ("r", "reset gate", self.r, self.a_r))
        ):
            out.append(f"{name}: {gate} = σ(x W_{gate} + b_{gate} + h_prev U_{gate} + b'_{gate})")
            for j in range(self.gru.units):
                terms = [
                    *self._affine(W[k][:, j], self.x, decimals),
                    g(b[k][j]),
                    *self._affine(U[k][:, j], self.h_prev, decimals),
                    g(b_rec[k][j]),
                ]
                out.append(f"  a_{gate}{j + 1} = {' + '.join(terms)} = {f(pre[j])}")
                out.append(f"  {gate}{j + 1}   = σ({f(pre[j])}) = {f(value[j])}")
        out.append("candidate: h~ = tanh(x W_h + b_h + r ⊙ q),  q = h_prev U_h + b'_h")
        for j in range(self.gru.units):
            q_terms = [*self._affine(U[2][:, j], self.h_prev, decimals), g(b_rec[2][j])]
            out.append(f"  q{j + 1}   = {' + '.join(q_terms)} = {f(self.q[j])}")
            terms = [
                *self._affine(W[2][:, j], self.x, decimals),
                g(b[2][j]),
                f"{g(self.r[j])}×{g(self.q[j])}",
            ]
            out.append(f"  a_h{j + 1} = {' + '.join(terms)} = {f(self.a_h[j])}")
            out.append(f"  h~{j + 1}  = tanh({f(self.a_h[j])}) = {f(self.h_tilde[j])}")
        out.append("new state: h = z ⊙ h_prev + (1 - z) ⊙ h~")
        for j in range(self.gru.units):
            out.append(
                f"  h{j + 1}   = {g(self.z[j])}×{g(self.h_prev[j])} + "
                f"{g(1 - self.z[j])}×{g(self.h_tilde[j])} = {f(self.h[j])}"
            )
        return out

    def text(self, decimals: int = 4) -> str:
        """:meth:`lines` joined into one printable string."""
        return "\n".join(self.lines(decimals))


def worked_gru_step(gru: NumpyGRU, x: np.ndarray, h_prev: np.ndarray) -> WorkedStep:
    r"""One GRU step computed unit by unit, keeping every intermediate.

    .. math::

        a_z &= x W_z + b_z + h_{t-1} U_z + b'_z, & z &= \sigma(a_z) \\
        a_r &= x W_r + b_r + h_{t-1} U_r + b'_r, & r &= \sigma(a_r) \\
        q &= h_{t-1} U_h + b'_h, \quad a_h = x W_h + b_h + r \odot q,
          & \tilde h &= \tanh(a_h) \\
        h &= z \odot h_{t-1} + (1 - z) \odot \tilde h

    Each pre-activation is summed term by term, in the order in which
    :meth:`WorkedStep.lines` prints it, not with a matrix product, so that it is the
    computation a reader does on paper. :func:`gru_companion.scratch.gru.gru_step` must
    agree with it to float64 rounding.

    Parameters
    ----------
    gru
        A float64 :class:`~gru_companion.scratch.gru.NumpyGRU` with ``reset_after=True``
        and a bias.
    x
        One input, shape (features,).
    h_prev
        The previous state, shape (units,).

    Returns
    -------
    WorkedStep
        The step's intermediates; ``.weights_text()`` and ``.text()`` print it.
    """
    _check_keras_gru(gru)
    x = check_ndarray("x", x, ndim=1, kinds="f")
    h_prev = check_ndarray("h_prev", h_prev, ndim=1, kinds="f")
    check_shape("x", x, "(features,)", (gru.features,))
    check_shape("h_prev", h_prev, "(units,)", (gru.units,))
    W = split_gates(gru.kernel, 3)
    U = split_gates(gru.recurrent_kernel, 3)
    b, b_rec = (split_gates(row, 3) for row in gru.bias)

    def by_hand(weights: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return np.array([
            sum((float(v) * float(w) for v, w in zip(vector, weights[:, j], strict=True)), 0.0)
            for j in range(weights.shape[1])
        ])  # fmt: skip

    a_z = by_hand(W[0], x) + b[0] + by_hand(U[0], h_prev) + b_rec[0]
    a_r = by_hand(W[1], x) + b[1] + by_hand(U[1], h_prev) + b_rec[1]
    z, r = sigmoid(a_z), sigmoid(a_r)
    q = by_hand(U[2], h_prev) + b_rec[2]
    a_h = by_hand(W[2], x) + b[2] + r * q
    h_tilde = tanh(a_h)
    h = z * h_prev + (1 - z) * h_tilde
    return WorkedStep(gru, x.copy(), h_prev.copy(), a_z, a_r, q, a_h, z, r, h_tilde, h)


# -------------------------------------------------------- a scalar backward pass by hand
@dataclass(frozen=True)
class ScalarStep:
    """The forward values of one step of a one-unit GRU, as floats (see :func:`scalar_gru_bptt`)."""

    x: float
    h_prev: float
    a_z: float
    z: float
    a_r: float
    r: float
    q: float
    a_h: float
    h_tilde: float
    h: float

    def factors(self, weights: dict[str, float], delta: float = 1.0) -> dict[str, float]:
        """The values of the factors named in :data:`STATE_PATHS` and :data:`WEIGHT_FACTORS`."""
        return {
            "z": self.z,
            "1 - z": 1 - self.z,
            "z(1 - z)": self.z * (1 - self.z),
            "r": self.r,
            "r(1 - r)": self.r * (1 - self.r),
            "q": self.q,
            "h_prev": self.h_prev,
            "h_prev - h~": self.h_prev - self.h_tilde,
            "1 - h~^2": 1 - self.h_tilde**2,
            "x": self.x,
            "delta": delta,
            **weights,
        }


@dataclass(frozen=True)
class ScalarBPTT:
    r"""A one-unit GRU's forward pass and its gradient by paths (from :func:`scalar_gru_bptt`).

    Steps are numbered from 1; ``steps[t - 1]`` is step :math:`t`. The loss is
    :math:`L = h_T`.
    """

    #: The scalar weights by name (``W_z``, ``U_z``, ``b_z``, ``b'_z``, ... for z, r, h).
    weights: dict[str, float]
    #: The forward values of each step.
    steps: tuple[ScalarStep, ...]
    #: For each step, the contribution of each of :data:`STATE_PATHS` to
    #: :math:`\partial h_t / \partial h_{t-1}`.
    paths: tuple[dict[str, float], ...]
    #: :math:`\delta_t = \partial L / \partial h_t` for :math:`t = 1, \dots, T`
    #: (:math:`\delta_T = 1`).
    deltas: tuple[float, ...]
    #: :math:`\partial L / \partial h_0`, one term per route (one path name per step,
    #: step 1 first): the product of the paths' contributions.
    routes: dict[tuple[str, ...], float] = field(repr=False)

    @property
    def loss(self) -> float:
        """:math:`L = h_T`."""
        return self.steps[-1].h

    def jacobian(self, t: int) -> float:
        r""":math:`\partial h_t / \partial h_{t-1}`, the sum of step ``t``'s four paths."""
        return math.fsum(self.paths[t - 1].values())

    @property
    def d_h0(self) -> float:
        r""":math:`\partial L / \partial h_0 = \prod_t \partial h_t / \partial h_{t-1}`."""
        return math.prod(self.jacobian(t) for t in range(1, len(self.steps) + 1))

    def weight_terms(self, name: str) -> tuple[float, ...]:
        """Each step's part of the gradient of weight ``name`` (a key of :data:`WEIGHT_FACTORS`)."""
        if name not in WEIGHT_FACTORS:
            raise ValueError(f"name must be one of {sorted(WEIGHT_FACTORS)}, got {name!r}")
        return tuple(
            math.prod(step.factors(self.weights, delta)[k] for k in WEIGHT_FACTORS[name])
            for step, delta in zip(self.steps, self.deltas, strict=True)
        )

    def weight_gradient(self, name: str) -> float:
        """:math:`\\partial L / \\partial` ``name``: the sum of :meth:`weight_terms`."""
        return math.fsum(self.weight_terms(name))

    # ------------------------------------------------------------------------- printing
    def forward_text(self, decimals: int = 4) -> str:
        """The forward pass, step by step, as arithmetic."""
        f, g = (lambda v: format_number(v, decimals)), (lambda v: format_factor(v, decimals))
        w = self.weights
        out = [f"h_0 = {f(self.steps[0].h_prev)}"]
        for t, s in enumerate(self.steps, start=1):
            hp = f"h_{t - 1}"
            out += [
                f"step {t}: x_{t} = {f(s.x)}",
                f"  a_z = {g(s.x)}×{g(w['W_z'])} + {g(w['b_z'])} + {g(s.h_prev)}×{g(w['U_z'])}"
                f" + {g(w['b_z_rec'])} = {f(s.a_z)},  z_{t} = σ(a_z) = {f(s.z)}",
                f"  a_r = {g(s.x)}×{g(w['W_r'])} + {g(w['b_r'])} + {g(s.h_prev)}×{g(w['U_r'])}"
                f" + {g(w['b_r_rec'])} = {f(s.a_r)},  r_{t} = σ(a_r) = {f(s.r)}",
                f"  q   = {g(s.h_prev)}×{g(w['U_h'])} + {g(w['b_h_rec'])} = {f(s.q)}",
                f"  a_h = {g(s.x)}×{g(w['W_h'])} + {g(w['b_h'])} + {g(s.r)}×{g(s.q)}"
                f" = {f(s.a_h)},  h~_{t} = tanh(a_h) = {f(s.h_tilde)}",
                f"  h_{t} = z_{t}×{hp} + (1 - z_{t})×h~_{t} = {g(s.z)}×{g(s.h_prev)} + "
                f"{g(1 - s.z)}×{g(s.h_tilde)} = {f(s.h)}",
            ]
        out.append(f"L = h_{len(self.steps)} = {f(self.loss)}")
        return "\n".join(out)

    def paths_text(self, decimals: int = 4) -> str:
        """Each step's :math:`\\partial h_t / \\partial h_{t-1}` as the sum of its four paths."""
        out = []
        width = max(len(name) for name in STATE_PATHS)
        for t, (step, paths) in enumerate(zip(self.steps, self.paths, strict=True), start=1):
            values = step.factors(self.weights)
            out.append(f"dh_{t}/dh_{t - 1}, step {t}, by path:")
            for name, factors in STATE_PATHS.items():
                arithmetic = _product([values[k] for k in factors], decimals)
                out.append(f"  {name + ':':<{width + 1}}  {_formula(factors, t)}")
                out.append(
                    f"  {'':<{width + 1}}  = {arithmetic} = {format_number(paths[name], decimals)}"
                )
            out.append(f"  {'sum:':<{width + 1}}  {format_number(self.jacobian(t), decimals)}")
        return "\n".join(out)

    def routes_text(self, decimals: int = 4) -> str:
        """:math:`\\partial L / \\partial h_0` as a sum over routes, one path per step."""
        T = len(self.steps)
        chain = " × ".join(f"dh_{t}/dh_{t - 1}" for t in range(T, 0, -1))
        numbers = _product([self.jacobian(t) for t in range(T, 0, -1)], decimals)
        out = [f"dL/dh_0 = {chain} = {numbers} = {format_number(self.d_h0, decimals)}", ""]
        order = " -> ".join(f"step {t}" for t in range(1, T + 1))
        out.append(f"the same, route by route ({len(self.routes)} routes, one path per step):")
        width = max(len(order), *(len(" -> ".join(route)) for route in self.routes))
        out.append(f"  {order:<{width}}  product of the paths")
        for route, value in self.routes.items():
            factors = _product([self.paths[t][name] for t, name in enumerate(route)], decimals)
            label = " -> ".join(route)
            out.append(f"  {label:<{width}}  {factors} = {format_number(value, decimals)}")
        total = math.fsum(self.routes.values())
        out.append(f"  {'sum of the routes':<{width}}  = {format_number(total, decimals)}")
        return "\n".join(out)

    def weight_text(self, name: str, decimals: int = 4) -> str:
        """The gradient of weight ``name`` as each step's product of factors, summed."""
        terms = self.weight_terms(name)
        factors = WEIGHT_FACTORS[name]
        out = [f"dL/d{name} = sum over the steps t of {_formula(factors, 't')}"]
        for t, (step, delta, term) in enumerate(
            zip(self.steps, self.deltas, terms, strict=True), start=1
        ):
            values = step.factors(self.weights, delta)
            arithmetic = _product([values[k] for k in factors], decimals)
            out.append(f"  step {t}: {_formula(factors, t)}")
            out.append(f"        = {arithmetic} = {format_number(term, decimals)}")
        out.append(f"  sum: {format_number(self.weight_gradient(name), decimals)}")
        return "\n".join(out)


def scalar_weights(gru: NumpyGRU) -> dict[str, float]:
    """The twelve numbers of a one-unit, one-feature GRU, by name.

    ``W_z``, ``W_r``, ``W_h`` (kernel), ``U_z``, ``U_r``, ``U_h`` (recurrent kernel),
    ``b_z``, ``b_r``, ``b_h`` (bias row 0) and ``b_z_rec``, ``b_r_rec``, ``b_h_rec``
    (bias row 1, the :math:`b'`).
    """
    _check_keras_gru(gru)
    if gru.units != 1 or gru.features != 1:
        raise ValueError(
            f"a scalar GRU has one unit and one feature, got {gru.units} unit(s) and "
            f"{gru.features} feature(s)"
        )
    names = {}
    for k, gate in enumerate("zrh"):
        names[f"W_{gate}"] = float(gru.kernel[0, k])
        names[f"U_{gate}"] = float(gru.recurrent_kernel[0, k])
        names[f"b_{gate}"] = float(gru.bias[0, k])
        names[f"b_{gate}_rec"] = float(gru.bias[1, k])
    return names


def scalar_gru_bptt(gru: NumpyGRU, xs: np.ndarray, h0: float) -> ScalarBPTT:
    r"""The gradient of :math:`L = h_T` for a one-unit GRU, derived path by path.

    The forward pass is computed with scalars. Going back, :math:`\delta_T = 1` and
    :math:`\delta_{t-1} = \delta_t \, \partial h_t / \partial h_{t-1}`, where each step's
    derivative is the sum of its four paths (:data:`STATE_PATHS`), so

    .. math::

        \frac{\partial L}{\partial h_0} = \prod_{t=1}^{T}
            \frac{\partial h_t}{\partial h_{t-1}}
          = \sum_{\text{routes}} \prod_{t=1}^{T} (\text{path of step } t),

    :math:`4^T` routes, from the purely additive one, :math:`z_1 z_2 \cdots z_T`, to those
    through a gate or the candidate at every step. A weight's gradient sums
    :math:`\delta_t` times the step's local derivative over the steps
    (:meth:`ScalarBPTT.weight_terms`).

    Parameters
    ----------
    gru
        A float64 :class:`~gru_companion.scratch.gru.NumpyGRU` with one unit, one feature,
        ``reset_after=True`` and a bias.
    xs
        The inputs :math:`x_1, \dots, x_T`, shape (T,), at most 6 steps (:math:`4^6`
        routes).
    h0
        The initial state.

    Returns
    -------
    ScalarBPTT
        The forward values, the paths, the :math:`\delta_t` and the routes.
    """
    weights = scalar_weights(gru)
    xs = check_ndarray("xs", xs, ndim=1, kinds="f")
    check_int_at_least("the number of steps in xs", len(xs), 1)
    if len(xs) > 6:
        raise ValueError(f"xs must have at most 6 steps (4^T routes), got {len(xs)}")
    h0 = float(h0)
    if not (math.isfinite(h0) and np.all(np.isfinite(xs))):
        raise ValueError("xs and h0 must be finite")
    w = weights
    steps = []
    h = h0
    for x in map(float, xs):
        a_z = x * w["W_z"] + w["b_z"] + h * w["U_z"] + w["b_z_rec"]
        a_r = x * w["W_r"] + w["b_r"] + h * w["U_r"] + w["b_r_rec"]
        z, r = float(sigmoid(np.float64(a_z))), float(sigmoid(np.float64(a_r)))
        q = h * w["U_h"] + w["b_h_rec"]
        a_h = x * w["W_h"] + w["b_h"] + r * q
        h_tilde = math.tanh(a_h)
        h_new = z * h + (1 - z) * h_tilde
        steps.append(ScalarStep(x, h, a_z, z, a_r, r, q, a_h, h_tilde, h_new))
        h = h_new
    paths = tuple(
        {
            name: math.prod(step.factors(weights)[k] for k in factors)
            for name, factors in STATE_PATHS.items()
        }
        for step in steps
    )
    deltas = [1.0]
    for t in range(len(steps), 1, -1):  # delta_{t-1} = delta_t * dh_t/dh_{t-1}
        deltas.insert(0, deltas[0] * math.fsum(paths[t - 1].values()))
    routes = {
        route: math.prod(paths[t][name] for t, name in enumerate(route))
        for route in itertools.product(STATE_PATHS, repeat=len(steps))
    }
    return ScalarBPTT(weights, tuple(steps), paths, tuple(deltas), routes)
