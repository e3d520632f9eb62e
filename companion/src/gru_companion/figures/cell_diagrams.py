r"""Drawings of a SimpleRNN, a GRU and an LSTM cell, labelled with the course's equations.

Every drawing uses the symbols of the equations in Keras's form (see :func:`cell_equations`)
and one visual vocabulary:

==================  ==========================================================================
shape               meaning
==================  ==========================================================================
yellow box          a layer: each of its inputs :math:`x_t` and :math:`h_{t-1}` multiplied by
                    the box's own matrix (:math:`W` or :math:`U`), the products and the box's
                    biases summed, then the activation named in the box (:math:`\sigma` or tanh)
                    applied element-wise
blue box            a matrix product alone (the GRU's :math:`U_h`, drawn apart because the
                    reset gate acts on its output, or on its input when ``reset_after=False``)
pink circle         an element-wise operation: :math:`\odot` (product), :math:`+` (sum),
                    :math:`1-` (one minus its input)
pink oval           an element-wise tanh (the LSTM's :math:`\tanh(c_t)`)
arrow               data flowing from one operation to the next
dot                 a wire that splits: the same values go both ways
==================  ==========================================================================

An input that enters a layer box from the side (the GRU's :math:`r_t \odot (\dots)` into its
tanh) is added inside the box as it is, with no matrix. Wires that cross without a dot do not
meet.

Each drawing function draws on a given ``matplotlib`` Axes, or on a new figure, and returns
the Axes. ``highlight`` colours one named path of the cell (the names of each cell are in
:data:`DRAWINGS`), e.g. ``"additive_path"``: the GRU's route from :math:`h_{t-1}` to
:math:`h_t` through :math:`z_t \odot h_{t-1}`, which passes no matrix and no squashing
function. The drawings are deterministic: the same arguments give the same artists.

``_cell_symbols`` maps every symbol drawn to the equation it stands for, and
:func:`cell_equations` lists the equations, so that a test can check that each symbol of the
equations is on the drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from gru_companion.kinds import kind_of
from gru_companion.validation import check_bool, check_choice


@dataclass(frozen=True)
class CellDrawing:
    """How this module draws one kind of cell, declared beside its drawing function.

    Attributes
    ----------
    kind
        The kind's key in :data:`gru_companion.kinds.KINDS`.
    draw
        The drawing function, ``draw(ax=None, *, highlight=None, show_parameters=False)``.
    width
        The drawing's width in the module's units (its height is the same for every cell).
    highlights
        The paths the drawing can colour, each with what it is.
    equations
        The equations of one step, as LaTeX, whose symbols the drawing uses.
    equations_reset_before
        For the GRU, the equations of its ``reset_after=False`` form; ``None`` otherwise.
    """

    kind: str
    draw: Callable[..., Axes]
    width: float
    highlights: Mapping[str, str]
    equations: tuple[str, ...]
    equations_reset_before: tuple[str, ...] | None = None


#: The drawing of each kind this module draws, registered by the decorator on its function.
DRAWINGS: dict[str, CellDrawing] = {}


def _draws(
    kind: str,
    *,
    width: float,
    highlights: Mapping[str, str],
    equations: tuple[str, ...],
    equations_reset_before: tuple[str, ...] | None = None,
) -> Callable[[Callable[..., Axes]], Callable[..., Axes]]:
    """Register the decorated function as the drawing of ``kind``."""

    def register(draw: Callable[..., Axes]) -> Callable[..., Axes]:
        key = kind_of(kind).key
        DRAWINGS[key] = CellDrawing(key, draw, width, highlights, equations,
                                    equations_reset_before)  # fmt: skip
        return draw

    return register


# --- style ---------------------------------------------------------------------------------

_INK = "#333333"
_HIGHLIGHT = "#d62728"
_LAYER_FACE, _LAYER_EDGE = "#fce8b2", "#a57c00"
_LINEAR_FACE, _LINEAR_EDGE = "#d6e6f7", "#3b6ea5"
_POINT_FACE, _POINT_EDGE = "#f9d5d3", "#b5443d"
_PARAM_INK = "#6b6b6b"

_LINE_WIDTH, _HIGHLIGHT_WIDTH = 1.4, 2.8
_SYMBOL_SIZE, _BOX_SIZE, _NODE_SIZE, _PARAM_SIZE = 14, 13, 12, 9
_BOX_W, _BOX_H = 0.9, 0.7
_NODE_R = 0.28
_INCHES_PER_UNIT = 0.6

#: Colour of a highlighted path (lines, shape edges and labels).
HIGHLIGHT_COLOR = _HIGHLIGHT

# Heights shared by the three drawings, so that they line up side by side.
_Y_TOP, _Y_INTERP, _Y_MID, _Y_BOX, _Y_H, _Y_X = 7.0, 5.55, 4.05, 2.6, 1.35, 0.6
_HEIGHT = 7.6
_TANH_W = 1.15
_X_START = 1.2  # where the wires of the inputs begin; their labels sit to the left


@dataclass(frozen=True)
class _Shape:
    """A drawn box or circle, with the points where wires attach to it."""

    x: float
    y: float
    half_w: float
    half_h: float

    def top(self, dx: float = 0.0) -> tuple[float, float]:
        return (self.x + dx, self.y + self.half_h)

    def bottom(self, dx: float = 0.0) -> tuple[float, float]:
        return (self.x + dx, self.y - self.half_h)

    def left(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x - self.half_w, self.y + dy)

    def right(self, dy: float = 0.0) -> tuple[float, float]:
        return (self.x + self.half_w, self.y + dy)


class _Canvas:
    """Draws the elements of a cell; those tagged with the highlighted path in colour."""

    def __init__(self, ax: Axes, width: float, highlight: str | None) -> None:
        self.ax = ax
        self.highlight = highlight
        ax.set_xlim(0, width)
        ax.set_ylim(0, _HEIGHT)
        ax.set_aspect("equal")
        ax.set_axis_off()

    def _lit(self, tags: Iterable[str]) -> bool:
        return self.highlight is not None and self.highlight in tags

    @staticmethod
    def _stroke(lit: bool) -> dict[str, Any]:
        """Colour, width and layer of a wire: a highlighted one drawn thicker, on top."""
        return {"color": _HIGHLIGHT if lit else _INK,
                "linewidth": _HIGHLIGHT_WIDTH if lit else _LINE_WIDTH, "zorder": 3 if lit else 1}

    @staticmethod
    def _outline(lit: bool, edge: str) -> dict[str, Any]:
        """Edge colour, width and layer of a box or a node."""
        return {"edgecolor": _HIGHLIGHT if lit else edge,
                "linewidth": _HIGHLIGHT_WIDTH if lit else _LINE_WIDTH, "zorder": 5}

    def wire(
        self, name: str, points: Sequence[tuple[float, float]], tags: Iterable[str] = ()
    ) -> None:
        lit = self._lit(tags)
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        arrow = FancyArrowPatch(
            path=Path(points, codes),
            arrowstyle="-|>",
            mutation_scale=13 if not lit else 16,
            joinstyle="miter",
            capstyle="butt",
            **self._stroke(lit),
        )
        arrow.set_gid(f"wire:{name}")
        self.ax.add_patch(arrow)

    def line(
        self, name: str, points: Sequence[tuple[float, float]], tags: Iterable[str] = ()
    ) -> None:
        """A wire without an arrow head (a wire that splits into others)."""
        lit = self._lit(tags)
        (artist,) = self.ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            solid_joinstyle="miter",
            solid_capstyle="butt",
            **self._stroke(lit),
        )
        artist.set_gid(f"wire:{name}")

    def dot(self, name: str, point: tuple[float, float], tags: Iterable[str] = ()) -> None:
        lit = self._lit(tags)
        artist = Circle(
            point, 0.075 if not lit else 0.1, color=_HIGHLIGHT if lit else _INK, zorder=4
        )
        artist.set_gid(f"dot:{name}")
        self.ax.add_patch(artist)

    def layer(
        self,
        name: str,
        center: tuple[float, float],
        text: str,
        tags: Iterable[str] = (),
        *,
        linear: bool = False,
        width: float = _BOX_W,
    ) -> _Shape:
        lit = self._lit(tags)
        face, edge = (_LINEAR_FACE, _LINEAR_EDGE) if linear else (_LAYER_FACE, _LAYER_EDGE)
        x, y = center
        box = FancyBboxPatch(
            (x - width / 2, y - _BOX_H / 2),
            width,
            _BOX_H,
            boxstyle="round,pad=0,rounding_size=0.12",
            facecolor=face,
            **self._outline(lit, edge),
        )
        self._labelled(box, f"box:{name}", center, text, lit, _BOX_SIZE, name)
        return _Shape(x, y, width / 2, _BOX_H / 2)

    def node(
        self,
        name: str,
        center: tuple[float, float],
        text: str,
        tags: Iterable[str] = (),
        *,
        oval: bool = False,
        size: float = _NODE_SIZE,
    ) -> _Shape:
        lit = self._lit(tags)
        style = {"facecolor": _POINT_FACE, **self._outline(lit, _POINT_EDGE)}
        if oval:
            half_w, half_h = 0.46, 0.26
            shape = Ellipse(center, 2 * half_w, 2 * half_h, **style)
        else:
            half_w = half_h = _NODE_R
            shape = Circle(center, _NODE_R, **style)
        self._labelled(shape, f"node:{name}", center, text, lit, size, name)
        return _Shape(center[0], center[1], half_w, half_h)

    def _labelled(
        self, patch: Any, gid: str, center: tuple[float, float], text: str, lit: bool,
        size: float, name: str,
    ) -> None:
        """Add a box or a node and the text written in its middle."""
        patch.set_gid(gid)
        self.ax.add_patch(patch)
        self.ax.text(
            center[0], center[1], text, ha="center", va="center", fontsize=size, zorder=6,
            color=_HIGHLIGHT if lit else "black", gid=f"text:{name}",
        )

    def params(self, name: str, shape: _Shape, text: str, *, side: str = "left") -> None:
        """Write a box's parameters beside it, in small grey type."""
        gap = 0.12
        if side == "left":
            point, ha = (shape.x - shape.half_w - gap, shape.y), "right"
        else:
            point, ha = (shape.x + shape.half_w + gap, shape.y), "left"
        self.ax.text(
            point[0], point[1], text, ha=ha, va="center", fontsize=_PARAM_SIZE,
            color=_PARAM_INK, linespacing=1.5, zorder=7, gid=f"params:{name}",
        )  # fmt: skip

    def label(
        self,
        name: str,
        point: tuple[float, float],
        text: str,
        tags: Iterable[str] = (),
        *,
        ha: str = "left",
        va: str = "center",
    ) -> None:
        lit = self._lit(tags)
        self.ax.text(
            point[0], point[1], text, ha=ha, va=va, fontsize=_SYMBOL_SIZE,
            color=_HIGHLIGHT if lit else "black", zorder=7, gid=f"label:{name}",
        )  # fmt: skip


def cell_equations(kind: str, *, reset_after: bool = True) -> tuple[str, ...]:
    r"""Return the equations of one step of a cell, as LaTeX (without ``$`` delimiters).

    Parameters
    ----------
    kind
        ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.
    reset_after
        GRU only: ``True`` for Keras's default form (the reset gate scales
        :math:`h_{t-1} U_h + b'_h`), ``False`` for the form that resets :math:`h_{t-1}`
        before the product. Ignored for the other kinds.

    Returns
    -------
    tuple of str
        One equation per line, e.g. ``r"z_t = \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)"``.
    """
    check_choice("kind", kind, CELL_KINDS)
    check_bool("reset_after", reset_after)
    drawing = DRAWINGS[kind]
    if not reset_after and drawing.equations_reset_before is not None:
        return drawing.equations_reset_before
    return drawing.equations


def _cell_symbols(kind: str, *, reset_after: bool = True) -> dict[str, str]:
    r"""Map each symbol drawn for a cell to the equation that defines it.

    Parameters
    ----------
    kind
        ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.
    reset_after
        GRU only, as in :func:`cell_equations`.

    Returns
    -------
    dict
        Keys are the labels exactly as drawn (matplotlib mathtext, e.g. ``"$\\tilde h_t$"``);
        values are the defining equation from :func:`cell_equations` (LaTeX), or what the
        symbol is for the inputs of the step.
    """
    equations = cell_equations(kind, reset_after=reset_after)
    defined = {equation.split(" = ")[0]: equation for equation in equations}
    symbols = {"$x_t$": "input at step t", "$h_{t-1}$": "state after step t - 1"}
    if kind == "lstm":
        symbols["$c_{t-1}$"] = "cell state after step t - 1"
        for name in ("i_t", "f_t", r"\tilde c_t", "o_t", "c_t"):
            symbols[f"${name}$"] = defined[name]
    if kind == "gru":
        for name in ("z_t", "r_t", r"\tilde h_t"):
            symbols[f"${name}$"] = defined[name]
        symbols["$1-z_t$"] = r"1 - z_t, the weight of \tilde h_t in h_t"
    symbols["$h_t$"] = defined["h_t"]
    return symbols


def _check_ax(ax: Any) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")


def _check_highlight(kind: str, highlight: Any) -> None:
    if highlight is not None:
        names = DRAWINGS[kind].highlights
        check_choice(f"highlight for the {kind_of(kind).name} cell", highlight, names)


def _axes(ax: Axes | None, width: float) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=(width * _INCHES_PER_UNIT, _HEIGHT * _INCHES_PER_UNIT))
    return new_ax


@_draws(
    "simple_rnn",
    width=6.6,
    highlights={
    "recurrent_path": "h_{t-1} -> U -> tanh -> h_t: the only route from one state to "
    "the next, through a matrix and a squashing function",
},
    equations=(r"h_t = \tanh(x_t W + h_{t-1} U + b)",),
)
def draw_simple_rnn_cell(
    ax: Axes | None = None,
    *,
    highlight: str | None = None,
    show_parameters: bool = False,
) -> Axes:
    r"""Draw a SimpleRNN cell: :math:`h_t = \tanh(x_t W + h_{t-1} U + b)`.

    Parameters
    ----------
    ax
        The Axes to draw on; ``None`` draws on a new figure (``ax.figure``).
    highlight
        ``None``, or ``"recurrent_path"`` to colour the route from :math:`h_{t-1}` to
        :math:`h_t`.
    show_parameters
        Whether to write the parameters (:math:`W, U, b`) beside the layer box.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    _check_highlight("simple_rnn", highlight)
    check_bool("show_parameters", show_parameters)
    width = DRAWINGS["simple_rnn"].width
    canvas = _Canvas(_axes(ax, width), width, highlight)
    path = ("recurrent_path",)
    x_box, x_turn, x_end = 3.65, 1.75, 5.8

    box = canvas.layer("tanh", (x_box, _Y_BOX), "tanh", path, width=_TANH_W)
    canvas.label("h_prev", (_X_START - 0.08, _Y_TOP), "$h_{t-1}$", path, ha="right")
    canvas.wire(
        "h_prev",
        [(_X_START, _Y_TOP), (x_turn, _Y_TOP), (x_turn, _Y_H), (x_box - 0.2, _Y_H),
         box.bottom(-0.2)],
        path,
    )  # fmt: skip
    canvas.label("x", (_X_START - 0.08, _Y_X), "$x_t$", ha="right")
    canvas.wire("x", [(_X_START, _Y_X), (x_box + 0.2, _Y_X), box.bottom(0.2)])
    canvas.wire("h", [box.top(), (x_box, _Y_TOP), (x_end, _Y_TOP)], path)
    canvas.label("h", (x_end + 0.08, _Y_TOP), "$h_t$", path)
    if show_parameters:
        canvas.params("tanh", box, r"$W,\,U,\,b$", side="right")
    return canvas.ax


@_draws(
    "gru",
    width=12.4,
    highlights={
    "additive_path": "h_{t-1} -> z_t ⊙ h_{t-1} -> + -> h_t: no matrix, no squashing; "
    "along it dh_t/dh_{t-1} = diag(z_t)",
    "update_gate": "z_t: how much of h_{t-1} is kept, and 1 - z_t: how much of the "
    "candidate is let in",
    "reset_gate": "r_t: how much of the recurrent term reaches the candidate",
    "candidate": "the candidate state h~_t and its way into h_t",
},
    equations=(
    r"z_t = \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)",
    r"r_t = \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)",
    r"\tilde h_t = \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h))",
    r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t",
),
    equations_reset_before=(
    r"z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z)",
    r"r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r)",
    r"\tilde h_t = \tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h)",
    r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t",
),
)
def draw_gru_cell(
    ax: Axes | None = None,
    *,
    reset_after: bool = True,
    highlight: str | None = None,
    show_parameters: bool = False,
) -> Axes:
    r"""Draw a GRU cell in Keras's form, labelled as in :func:`cell_equations`.

    The state :math:`h_{t-1}` runs along the top. The update gate's :math:`z_t` weights it
    (:math:`z_t \odot h_{t-1}`), :math:`1 - z_t` weights the candidate :math:`\tilde h_t`,
    and the two products are added into :math:`h_t`.

    Parameters
    ----------
    ax
        The Axes to draw on; ``None`` draws on a new figure (``ax.figure``).
    reset_after
        ``True`` (Keras's default): the reset gate scales :math:`h_{t-1} U_h + b'_h`, so the
        blue box :math:`U_h` comes before the product with :math:`r_t`. ``False``: the reset
        gate scales :math:`h_{t-1}` before :math:`U_h`.
    highlight
        ``None`` or one of the GRU's names in :data:`DRAWINGS`: ``"additive_path"``,
        ``"update_gate"``, ``"reset_gate"``, ``"candidate"``.
    show_parameters
        Whether to write each layer box's weights and biases beside it.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    check_bool("reset_after", reset_after)
    _check_highlight("gru", highlight)
    check_bool("show_parameters", show_parameters)
    width = DRAWINGS["gru"].width
    canvas = _Canvas(_axes(ax, width), width, highlight)
    x_branch, x_z, x_r, x_c, x_t, x_one, x_end = 1.7, 3.45, 5.65, 7.7, 9.75, 6.65, 11.7
    add, upd, rst, cand = ("additive_path",), ("update_gate",), ("reset_gate",), ("candidate",)

    # The state along the top: h_{t-1} -> z ⊙ h_{t-1} -> + -> h_t.
    keep = canvas.node("keep", (x_z, _Y_TOP), r"$\odot$", add + upd)
    total = canvas.node("sum", (x_t, _Y_TOP), "$+$", add)
    canvas.label("h_prev", (_X_START - 0.08, _Y_TOP), "$h_{t-1}$", add, ha="right")
    canvas.wire("h_prev", [(_X_START, _Y_TOP), keep.left()], add)
    canvas.wire("kept", [keep.right(), total.left()], add)
    canvas.wire("h", [total.right(), (x_end, _Y_TOP)], add)
    canvas.label("h", (x_end + 0.08, _Y_TOP), "$h_t$", add)

    # The gates.
    gate_z = canvas.layer("sigma_z", (x_z, _Y_BOX), r"$\sigma$", upd)
    gate_r = canvas.layer("sigma_r", (x_r, _Y_BOX), r"$\sigma$", rst)
    if reset_after:
        linear = canvas.layer("U_h", (x_c, _Y_BOX), "$U_h$", cand, linear=True)
        reset = canvas.node("reset", (x_c, _Y_MID), r"$\odot$", rst + cand)
        h_target = linear.bottom()
        canvas.wire("r", [gate_r.top(), (x_r, _Y_MID), reset.left()], rst)
        canvas.wire("recurrent", [linear.top(), reset.bottom()], cand)
        into_tanh = reset
    else:
        reset = canvas.node("reset", (x_c, _Y_BOX), r"$\odot$", rst + cand)
        linear = canvas.layer("U_h", (x_c, _Y_MID), "$U_h$", cand, linear=True)
        h_target = reset.bottom()
        canvas.wire("r", [gate_r.right(), reset.left()], rst)
        canvas.wire("reset_state", [reset.top(), linear.bottom()], cand)
        into_tanh = linear
    tanh = canvas.layer("tanh", (x_t, _Y_MID), "tanh", cand, width=_TANH_W)
    canvas.wire("reset_term", [into_tanh.right(), tanh.left()], cand)
    if reset_after:
        canvas.label("r", (x_r + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$r_t$", rst)
    else:
        r_label = ((gate_r.x + gate_r.half_w + x_c - _NODE_R) / 2, _Y_BOX + 0.1)
        canvas.label("r", r_label, "$r_t$", rst, ha="center", va="bottom")

    # Interpolation: z_t weights h_{t-1}, 1 - z_t weights the candidate.
    one_minus = canvas.node("one_minus", (x_one, _Y_INTERP), "$1-$", upd, size=9)
    blend = canvas.node("blend", (x_t, _Y_INTERP), r"$\odot$", upd + cand)
    canvas.wire("z", [gate_z.top(), keep.bottom()], upd)
    canvas.dot("z", (x_z, _Y_INTERP), upd)
    canvas.label("z", (x_z + 0.12, (_Y_BOX + _Y_INTERP) / 2 + 0.1), "$z_t$", upd)
    canvas.wire("z_branch", [(x_z, _Y_INTERP), one_minus.left()], upd)
    canvas.wire("one_minus_z", [one_minus.right(), blend.left()], upd)
    canvas.label(
        "one_minus_z", ((x_one + x_t) / 2, _Y_INTERP + 0.12), "$1-z_t$", upd, ha="center",
        va="bottom",
    )  # fmt: skip
    canvas.wire("candidate", [tanh.top(), blend.bottom()], cand)
    canvas.label("candidate", (x_t + 0.12, (_Y_MID + _Y_INTERP) / 2), r"$\tilde h_t$", cand)
    canvas.wire("blended", [blend.top(), total.bottom()], cand)

    # The inputs: h_{t-1} drops from the top to a bus under the gates, x_t runs below it.
    canvas.dot("h_prev", (x_branch, _Y_TOP), add)
    canvas.wire(
        "h_prev_bus", [(x_branch, _Y_TOP), (x_branch, _Y_H), (x_c, _Y_H), h_target]
    )
    for name, gate in (("z", gate_z), ("r", gate_r)):
        canvas.dot(f"h_prev_{name}", (gate.x - 0.2, _Y_H))
        canvas.wire(f"h_prev_{name}", [(gate.x - 0.2, _Y_H), gate.bottom(-0.2)])
        canvas.dot(f"x_{name}", (gate.x + 0.2, _Y_X))
        canvas.wire(f"x_{name}", [(gate.x + 0.2, _Y_X), gate.bottom(0.2)])
    canvas.label("x", (_X_START - 0.08, _Y_X), "$x_t$", ha="right")
    canvas.wire("x", [(_X_START, _Y_X), (x_t, _Y_X), tanh.bottom()])

    if show_parameters:
        for letter, gate in (("z", gate_z), ("r", gate_r)):
            biases = f"$b_{letter},b'_{letter}$" if reset_after else f"$b_{letter}$"
            canvas.params(f"sigma_{letter}", gate, f"$W_{letter},U_{letter}$\n{biases}")
        if reset_after:
            canvas.params("U_h", linear, "$b'_h$", side="right")
        canvas.params("tanh", tanh, "$W_h$\n$b_h$", side="right")
    return canvas.ax


@_draws(
    "lstm",
    width=13.3,
    highlights={
    "additive_path": "c_{t-1} -> f_t ⊙ c_{t-1} -> + -> c_t: the cell state's route, "
    "no matrix, no squashing; along it dc_t/dc_{t-1} = diag(f_t)",
    "forget_gate": "f_t: how much of c_{t-1} is kept",
    "input_gate": "i_t: how much of the candidate is written into the cell",
    "candidate": "the candidate cell c~_t and its way into c_t",
    "output_gate": "o_t and tanh(c_t): what the cell shows as h_t",
},
    equations=(
    r"i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)",
    r"f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)",
    r"\tilde c_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)",
    r"o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)",
    r"c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t",
    r"h_t = o_t \odot \tanh(c_t)",
),
)
def draw_lstm_cell(
    ax: Axes | None = None,
    *,
    highlight: str | None = None,
    show_parameters: bool = False,
) -> Axes:
    r"""Draw an LSTM cell in Keras's form, labelled as in :func:`cell_equations`.

    The cell state runs along the top: :math:`c_{t-1}` is scaled by the forget gate, the
    gated candidate :math:`i_t \odot \tilde c_t` is added, and the result :math:`c_t` leaves
    to the right. :math:`h_t = o_t \odot \tanh(c_t)` leaves below it.

    Parameters
    ----------
    ax
        The Axes to draw on; ``None`` draws on a new figure (``ax.figure``).
    highlight
        ``None`` or one of the LSTM's names in :data:`DRAWINGS`: ``"additive_path"``,
        ``"forget_gate"``, ``"input_gate"``, ``"candidate"``, ``"output_gate"``.
    show_parameters
        Whether to write each layer box's weights and bias beside it.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    _check_highlight("lstm", highlight)
    check_bool("show_parameters", show_parameters)
    width = DRAWINGS["lstm"].width
    canvas = _Canvas(_axes(ax, width), width, highlight)
    x_f, x_i, x_c, x_o, x_out, x_end = 3.15, 5.25, 7.35, 9.45, 11.05, 12.6
    add, fgt, inp = ("additive_path",), ("forget_gate",), ("input_gate",)
    cand, out = ("candidate",), ("output_gate",)

    # The cell state along the top: c_{t-1} -> f ⊙ c_{t-1} -> + -> c_t.
    forget = canvas.node("forget", (x_f, _Y_TOP), r"$\odot$", add + fgt)
    total = canvas.node("sum", (x_c, _Y_TOP), "$+$", add + cand)
    canvas.label("c_prev", (_X_START - 0.08, _Y_TOP), "$c_{t-1}$", add, ha="right")
    canvas.wire("c_prev", [(_X_START, _Y_TOP), forget.left()], add)
    canvas.wire("kept", [forget.right(), total.left()], add)
    canvas.line("c", [total.right(), (x_out, _Y_TOP)], add)
    canvas.wire("c", [(x_out, _Y_TOP), (x_end, _Y_TOP)], add)
    canvas.label("c", (x_end + 0.08, _Y_TOP), "$c_t$", add)

    # The gates and the candidate.
    gate_f = canvas.layer("sigma_f", (x_f, _Y_BOX), r"$\sigma$", fgt)
    gate_i = canvas.layer("sigma_i", (x_i, _Y_BOX), r"$\sigma$", inp)
    tanh_c = canvas.layer("tanh_c", (x_c, _Y_BOX), "tanh", cand, width=_TANH_W)
    gate_o = canvas.layer("sigma_o", (x_o, _Y_BOX), r"$\sigma$", out)
    write = canvas.node("write", (x_c, _Y_MID), r"$\odot$", inp + cand)
    show = canvas.node("show", (x_out, _Y_MID), r"$\odot$", out)

    canvas.wire("f", [gate_f.top(), forget.bottom()], fgt)
    canvas.label("f", (x_f + 0.12, (_Y_BOX + _Y_TOP) / 2), "$f_t$", fgt)
    canvas.wire("i", [gate_i.top(), (x_i, _Y_MID), write.left()], inp)
    canvas.label("i", (x_i + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$i_t$", inp)
    canvas.wire("candidate", [tanh_c.top(), write.bottom()], cand)
    canvas.label("candidate", (x_c + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.05), r"$\tilde c_t$",
                 cand)  # fmt: skip
    canvas.wire("written", [write.top(), total.bottom()], cand)
    canvas.wire("o", [gate_o.top(), (x_o, _Y_MID), show.left()], out)
    canvas.label("o", (x_o + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$o_t$", out)

    # h_t = o_t ⊙ tanh(c_t).
    squash = canvas.node("tanh_of_c", (x_out, _Y_INTERP), "tanh", out, oval=True, size=10)
    canvas.dot("c", (x_out, _Y_TOP), add + out)
    canvas.wire("c_down", [(x_out, _Y_TOP), squash.top()], out)
    canvas.wire("tanh_of_c", [squash.bottom(), show.top()], out)
    canvas.wire("h", [show.right(), (x_end, _Y_MID)], out)
    canvas.label("h", (x_end + 0.08, _Y_MID), "$h_t$", out)

    # The inputs: two buses under the four layer boxes.
    boxes = (gate_f, gate_i, tanh_c)
    canvas.label("h_prev", (_X_START - 0.08, _Y_H), "$h_{t-1}$", ha="right")
    canvas.wire("h_prev", [(_X_START, _Y_H), (x_o - 0.2, _Y_H), gate_o.bottom(-0.2)])
    canvas.label("x", (_X_START - 0.08, _Y_X), "$x_t$", ha="right")
    canvas.wire("x", [(_X_START, _Y_X), (x_o + 0.2, _Y_X), gate_o.bottom(0.2)])
    for number, box in enumerate(boxes):
        canvas.dot(f"h_prev_{number}", (box.x - 0.2, _Y_H))
        canvas.wire(f"h_prev_{number}", [(box.x - 0.2, _Y_H), box.bottom(-0.2)])
        canvas.dot(f"x_{number}", (box.x + 0.2, _Y_X))
        canvas.wire(f"x_{number}", [(box.x + 0.2, _Y_X), box.bottom(0.2)])

    if show_parameters:
        for gate, letter in ((gate_f, "f"), (gate_i, "i"), (tanh_c, "c"), (gate_o, "o")):
            canvas.params(letter, gate, f"$W_{letter},U_{letter}$\n$b_{letter}$")
    return canvas.ax


#: The kinds that can be drawn (those with a drawing here), in the order of :func:`draw_cells`.
CELL_KINDS = tuple(DRAWINGS)


def draw_cell(kind: str, ax: Axes | None = None, **options: Any) -> Axes:
    """Draw the cell of ``kind``: ``"simple_rnn"``, ``"gru"`` or ``"lstm"``.

    Parameters
    ----------
    kind
        Which cell to draw.
    ax
        The Axes to draw on; ``None`` draws on a new figure.
    **options
        Passed on to :func:`draw_simple_rnn_cell`, :func:`draw_gru_cell` or
        :func:`draw_lstm_cell` (e.g. ``highlight``, ``show_parameters``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    check_choice("kind", kind, CELL_KINDS)
    return DRAWINGS[kind].draw(ax, **options)


def draw_cells(
    kinds: Sequence[str] = CELL_KINDS,
    *,
    highlight: str | None = None,
    show_parameters: bool = False,
    titles: bool = True,
) -> Figure:
    """Draw several cells side by side, at one scale, on a new figure.

    Parameters
    ----------
    kinds
        The cells to draw, left to right (each at most once).
    highlight
        A path name to colour in every cell that has a path of that name (see
        :data:`DRAWINGS`; ``"additive_path"`` exists for the GRU and the LSTM), or ``None``.
    show_parameters
        Whether to write each layer box's parameters beside it.
    titles
        Whether to put the layer's name (its kind's :attr:`~gru_companion.kinds.Kind.name`:
        SimpleRNN, GRU, LSTM) over each drawing.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with one Axes per cell.
    """
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or len(kinds) == 0:
        raise TypeError(f"kinds must be a non-empty sequence of cell kinds, got {kinds!r}")
    for kind in kinds:
        check_choice("kind", kind, CELL_KINDS)
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must not repeat a kind, got {list(kinds)}")
    known = {name for kind in kinds for name in DRAWINGS[kind].highlights}
    if highlight is not None:
        check_choice("highlight", highlight, sorted(known))
    check_bool("show_parameters", show_parameters)
    check_bool("titles", titles)

    import matplotlib.pyplot as plt

    widths = [DRAWINGS[kind].width for kind in kinds]
    fig, axes = plt.subplots(
        1,
        len(kinds),
        figsize=(sum(widths) * _INCHES_PER_UNIT, (_HEIGHT + 0.6) * _INCHES_PER_UNIT),
        gridspec_kw={"width_ratios": widths, "wspace": 0.02},
        squeeze=False,
    )
    for kind, ax in zip(kinds, axes[0], strict=True):
        lit = highlight if highlight in DRAWINGS[kind].highlights else None
        draw_cell(kind, ax, highlight=lit, show_parameters=show_parameters)
        if titles:
            ax.set_title(kind_of(kind).name, fontsize=_SYMBOL_SIZE)
    return fig
