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
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import is_color_like, to_rgb
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
    roles
        The parts of :data:`ROLES` the cell has, each with its symbol as drawn (the GRU's
        ``"keep"`` is ``"$z_t$"``, the LSTM's ``"$f_t$"``).
    """

    kind: str
    draw: Callable[..., Axes]
    width: float
    highlights: Mapping[str, str]
    equations: tuple[str, ...]
    equations_reset_before: tuple[str, ...] | None = None
    roles: Mapping[str, str] = field(default_factory=dict)


#: The drawing of each kind this module draws, registered by the decorator on its function.
DRAWINGS: dict[str, CellDrawing] = {}


def _draws(
    kind: str,
    *,
    width: float,
    highlights: Mapping[str, str],
    equations: tuple[str, ...],
    equations_reset_before: tuple[str, ...] | None = None,
    roles: Mapping[str, str] | None = None,
) -> Callable[[Callable[..., Axes]], Callable[..., Axes]]:
    """Register the decorated function as the drawing of ``kind``."""

    def register(draw: Callable[..., Axes]) -> Callable[..., Axes]:
        key = kind_of(kind).key
        DRAWINGS[key] = CellDrawing(key, draw, width, highlights, equations,
                                    equations_reset_before, dict(roles or {}))  # fmt: skip
        return draw

    return register


# --- style ---------------------------------------------------------------------------------

_INK = "#333333"
_HIGHLIGHT = "#d62728"
_LAYER_FACE, _LAYER_EDGE = "#fce8b2", "#a57c00"
_LINEAR_FACE, _LINEAR_EDGE = "#d6e6f7", "#3b6ea5"
_POINT_FACE, _POINT_EDGE = "#f9d5d3", "#b5443d"
_PARAM_INK = "#6b6b6b"
_FADED, _FADED_FACE = "#c4c4c4", "#f3f3f3"
_TINT = 0.2  # how much of a part's colour tints its face (the rest is white)

_LINE_WIDTH, _HIGHLIGHT_WIDTH = 1.4, 2.8
_SYMBOL_SIZE, _BOX_SIZE, _NODE_SIZE, _PARAM_SIZE = 14, 13, 12, 9
_BOX_W, _BOX_H = 0.9, 0.7
_NODE_R = 0.28
_INCHES_PER_UNIT = 0.6

#: Colour of a highlighted path (lines, shape edges and labels).
HIGHLIGHT_COLOR = _HIGHLIGHT

#: Colour of the parts of a later stage in :func:`draw_gru_stages` (lines, edges, text).
FADED_COLOR = _FADED

#: The parts a GRU and an LSTM share, or do not, and what each is; ``colors`` of the
#: drawing functions paints them (the symbols of each cell are in :attr:`CellDrawing.roles`).
ROLES: dict[str, str] = {
    "keep": "the fraction of the old memory kept: the GRU's z_t, the LSTM's forget gate f_t",
    "write": "the fraction of the candidate written: the GRU's 1 - z_t, the LSTM's input "
    "gate i_t",
    "candidate": "the new content proposed: the GRU's h~_t, the LSTM's c~_t",
    "reset": "how much of the previous state the candidate uses: the GRU's r_t (no LSTM "
    "counterpart)",
    "output": "how much of the memory is shown: the LSTM's o_t and tanh(c_t) (no GRU "
    "counterpart: the GRU shows all of its memory)",
}

#: One colour per part of :data:`ROLES`, the same in every drawing (and in
#: :mod:`~gru_companion.figures.weight_layout`).
ROLE_COLORS: dict[str, str] = {
    "keep": "#1f77b4",
    "write": "#2ca02c",
    "candidate": "#9467bd",
    "reset": "#8c564b",
    "output": "#ff7f0e",
}

#: The three stages in which :func:`draw_gru_stages` builds the GRU, as panel titles.
GRU_STAGES: tuple[str, ...] = (
    r"1. The gates: $z_t$ and $r_t$, from $x_t$ and $h_{t-1}$",
    r"2. The candidate $\tilde h_t$: $r_t$ scales the recurrent term",
    r"3. The new state $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$",
)


def _mix(color: str, amount: float) -> tuple[float, float, float]:
    """``amount`` of ``color`` mixed into white."""
    red, green, blue = to_rgb(color)
    return (1 - amount * (1 - red), 1 - amount * (1 - green), 1 - amount * (1 - blue))


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
    """Draws the elements of a cell, each in the style its tags ask for.

    Every element carries tags: the paths of :attr:`CellDrawing.highlights`, the parts of
    :data:`ROLES` (``"role:keep"``, ...) and, for the GRU, its stage (``"stage_1"`` to
    ``"stage_3"``). ``paint`` maps tags to colours: an element with a painted tag is drawn
    in that colour, thicker and on top. With ``stage`` set, elements of later stages are
    drawn faded. ``tint`` also tints the faces of painted boxes and nodes (the parts of
    :data:`ROLES`).
    """

    def __init__(
        self,
        ax: Axes,
        width: float,
        highlight: str | None = None,
        *,
        colors: Mapping[str, str] | None = None,
        stage: int | None = None,
    ) -> None:
        self.ax = ax
        self.paint = {f"role:{role}": color for role, color in (colors or {}).items()}
        if highlight is not None:
            self.paint[highlight] = _HIGHLIGHT
        if stage is not None:
            self.paint[f"stage_{stage}"] = _HIGHLIGHT
        self.stage = stage
        self.tint = colors is not None
        ax.set_xlim(0, width)
        ax.set_ylim(0, _HEIGHT)
        ax.set_aspect("equal")
        ax.set_axis_off()

    def _look(self, tags: Iterable[str]) -> tuple[str | None, bool]:
        """The colour an element is painted in (or ``None``) and whether it is faded."""
        tags = tuple(tags)
        for tag in tags:
            if tag in self.paint:
                return self.paint[tag], False
        later = self.stage is not None and any(
            tag.startswith("stage_") and int(tag[len("stage_"):]) > self.stage for tag in tags
        )
        return None, later

    @staticmethod
    def _stroke(color: str | None, faded: bool) -> dict[str, Any]:
        """Colour, width and layer of a wire: a painted one drawn thicker, on top."""
        if color is not None:
            return {"color": color, "linewidth": _HIGHLIGHT_WIDTH, "zorder": 3}
        return {"color": _FADED if faded else _INK, "linewidth": _LINE_WIDTH, "zorder": 1}

    def _outline(self, color: str | None, faded: bool, face: str, edge: str) -> dict[str, Any]:
        """Face and edge colour, width and layer of a box or a node."""
        if color is not None:
            face = _mix(color, _TINT) if self.tint else face
            return {"facecolor": face, "edgecolor": color, "linewidth": _HIGHLIGHT_WIDTH,
                    "zorder": 5}  # fmt: skip
        if faded:
            face, edge = _FADED_FACE, _FADED
        return {"facecolor": face, "edgecolor": edge, "linewidth": _LINE_WIDTH, "zorder": 5}

    @staticmethod
    def _ink(color: str | None, faded: bool, plain: str = "black") -> str:
        return color if color is not None else _FADED if faded else plain

    def wire(
        self, name: str, points: Sequence[tuple[float, float]], tags: Iterable[str] = ()
    ) -> None:
        color, faded = self._look(tags)
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        arrow = FancyArrowPatch(
            path=Path(points, codes),
            arrowstyle="-|>",
            mutation_scale=13 if color is None else 16,
            joinstyle="miter",
            capstyle="butt",
            **self._stroke(color, faded),
        )
        arrow.set_gid(f"wire:{name}")
        self.ax.add_patch(arrow)

    def line(
        self, name: str, points: Sequence[tuple[float, float]], tags: Iterable[str] = ()
    ) -> None:
        """A wire without an arrow head (a wire that splits into others)."""
        color, faded = self._look(tags)
        (artist,) = self.ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            solid_joinstyle="miter",
            solid_capstyle="butt",
            **self._stroke(color, faded),
        )
        artist.set_gid(f"wire:{name}")

    def dot(self, name: str, point: tuple[float, float], tags: Iterable[str] = ()) -> None:
        color, faded = self._look(tags)
        artist = Circle(
            point, 0.075 if color is None else 0.1, color=self._ink(color, faded, _INK),
            zorder=4,
        )  # fmt: skip
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
        color, faded = self._look(tags)
        face, edge = (_LINEAR_FACE, _LINEAR_EDGE) if linear else (_LAYER_FACE, _LAYER_EDGE)
        x, y = center
        box = FancyBboxPatch(
            (x - width / 2, y - _BOX_H / 2),
            width,
            _BOX_H,
            boxstyle="round,pad=0,rounding_size=0.12",
            **self._outline(color, faded, face, edge),
        )
        self._labelled(box, f"box:{name}", center, text, self._ink(color, faded), _BOX_SIZE,
                       name)  # fmt: skip
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
        color, faded = self._look(tags)
        style = self._outline(color, faded, _POINT_FACE, _POINT_EDGE)
        if oval:
            half_w, half_h = 0.46, 0.26
            shape = Ellipse(center, 2 * half_w, 2 * half_h, **style)
        else:
            half_w = half_h = _NODE_R
            shape = Circle(center, _NODE_R, **style)
        self._labelled(shape, f"node:{name}", center, text, self._ink(color, faded), size, name)
        return _Shape(center[0], center[1], half_w, half_h)

    def _labelled(
        self, patch: Any, gid: str, center: tuple[float, float], text: str, ink: str,
        size: float, name: str,
    ) -> None:
        """Add a box or a node and the text written in its middle."""
        patch.set_gid(gid)
        self.ax.add_patch(patch)
        self.ax.text(
            center[0], center[1], text, ha="center", va="center", fontsize=size, zorder=6,
            color=ink, gid=f"text:{name}",
        )

    def params(
        self, name: str, shape: _Shape, text: str, *, side: str = "left",
        tags: Iterable[str] = (),
    ) -> None:
        """Write a box's parameters beside it, in small grey type (faded with its box)."""
        _, faded = self._look(tags)
        gap = 0.12
        if side == "left":
            point, ha = (shape.x - shape.half_w - gap, shape.y), "right"
        else:
            point, ha = (shape.x + shape.half_w + gap, shape.y), "left"
        self.ax.text(
            point[0], point[1], text, ha=ha, va="center", fontsize=_PARAM_SIZE,
            color=_FADED if faded else _PARAM_INK, linespacing=1.5, zorder=7,
            gid=f"params:{name}",
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
        color, faded = self._look(tags)
        self.ax.text(
            point[0], point[1], text, ha=ha, va=va, fontsize=_SYMBOL_SIZE,
            color=self._ink(color, faded), zorder=7, gid=f"label:{name}",
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


def _check_colors(colors: Any) -> None:
    """``colors`` is ``None`` or maps parts of :data:`ROLES` to matplotlib colours."""
    if colors is None:
        return
    if not isinstance(colors, Mapping):
        raise TypeError(f"colors must be a mapping of parts to colours or None, got {colors!r}")
    for role, color in colors.items():
        check_choice("part in colors", role, ROLES)
        if not is_color_like(color):
            raise ValueError(f"colors[{role!r}] is not a matplotlib colour: {color!r}")


def _check_one_style(**styles: Any) -> None:
    """At most one of ``highlight``, ``colors`` and ``stage`` is given."""
    given = [name for name, value in styles.items() if value is not None]
    if len(given) > 1:
        raise ValueError(f"give at most one of {', '.join(styles)}, got {' and '.join(given)}")


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
    colors: Mapping[str, str] | None = None,
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
    colors
        ``None``, or colours for parts of :data:`ROLES` (e.g. :data:`ROLE_COLORS`): each part
        the cell has is drawn in its colour, boxes and nodes tinted with it. A SimpleRNN
        has none of them (its one layer proposes and replaces at once): nothing is painted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    _check_highlight("simple_rnn", highlight)
    check_bool("show_parameters", show_parameters)
    _check_colors(colors)
    _check_one_style(highlight=highlight, colors=colors)
    width = DRAWINGS["simple_rnn"].width
    canvas = _Canvas(_axes(ax, width), width, highlight, colors=colors)
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
    roles={"keep": "$z_t$", "write": "$1-z_t$", "candidate": r"$\tilde h_t$", "reset": "$r_t$"},
)
def draw_gru_cell(
    ax: Axes | None = None,
    *,
    reset_after: bool = True,
    highlight: str | None = None,
    show_parameters: bool = False,
    colors: Mapping[str, str] | None = None,
    stage: int | None = None,
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
    colors
        ``None``, or colours for parts of :data:`ROLES` (e.g. :data:`ROLE_COLORS`): each part
        the cell has is drawn in its colour, boxes and nodes tinted with it. The GRU has
        ``"keep"`` (:math:`z_t`), ``"write"`` (:math:`1 - z_t`), ``"candidate"`` and
        ``"reset"``.
    stage
        ``None`` for the whole cell, or 1, 2 or 3 (:data:`GRU_STAGES`) to build it in
        stages: the parts the stage adds are drawn in :data:`HIGHLIGHT_COLOR`, those of
        earlier stages as usual, those of later stages faded (:data:`FADED_COLOR`). Stage 1
        adds the gates, stage 2 the candidate, stage 3 the interpolation into :math:`h_t`.
        The inputs :math:`x_t`, :math:`h_{t-1}` and their buses belong to no stage.
        Not with ``highlight`` or ``colors``.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    check_bool("reset_after", reset_after)
    _check_highlight("gru", highlight)
    check_bool("show_parameters", show_parameters)
    _check_colors(colors)
    if stage is not None:
        check_choice("stage", stage, range(1, len(GRU_STAGES) + 1))
    _check_one_style(highlight=highlight, colors=colors, stage=stage)
    width = DRAWINGS["gru"].width
    canvas = _Canvas(_axes(ax, width), width, highlight, colors=colors, stage=stage)
    x_branch, x_z, x_r, x_c, x_t, x_one, x_end = 1.7, 3.45, 5.65, 7.7, 9.75, 6.65, 11.7
    add, upd, rst, cand = ("additive_path",), ("update_gate",), ("reset_gate",), ("candidate",)
    s1, s2, s3 = ("stage_1",), ("stage_2",), ("stage_3",)
    keep, write, new = ("role:keep",), ("role:write",), ("role:candidate",)
    reset_role = ("role:reset",)

    # The state along the top: h_{t-1} -> z ⊙ h_{t-1} -> + -> h_t.
    kept = canvas.node("keep", (x_z, _Y_TOP), r"$\odot$", add + upd + keep + s3)
    total = canvas.node("sum", (x_t, _Y_TOP), "$+$", add + s3)
    canvas.label("h_prev", (_X_START - 0.08, _Y_TOP), "$h_{t-1}$", add, ha="right")
    canvas.wire("h_prev", [(_X_START, _Y_TOP), kept.left()], add + s3)
    canvas.wire("kept", [kept.right(), total.left()], add + s3)
    canvas.wire("h", [total.right(), (x_end, _Y_TOP)], add + s3)
    canvas.label("h", (x_end + 0.08, _Y_TOP), "$h_t$", add + s3)

    # The gates.
    gate_z = canvas.layer("sigma_z", (x_z, _Y_BOX), r"$\sigma$", upd + keep + s1)
    gate_r = canvas.layer("sigma_r", (x_r, _Y_BOX), r"$\sigma$", rst + reset_role + s1)
    if reset_after:
        linear = canvas.layer("U_h", (x_c, _Y_BOX), "$U_h$", cand + new + s2, linear=True)
        reset = canvas.node("reset", (x_c, _Y_MID), r"$\odot$", rst + cand + reset_role + s2)
        h_target = linear.bottom()
        canvas.wire("r", [gate_r.top(), (x_r, _Y_MID), reset.left()], rst + reset_role + s1)
        canvas.wire("recurrent", [linear.top(), reset.bottom()], cand + new + s2)
        into_tanh = reset
    else:
        reset = canvas.node("reset", (x_c, _Y_BOX), r"$\odot$", rst + cand + reset_role + s2)
        linear = canvas.layer("U_h", (x_c, _Y_MID), "$U_h$", cand + new + s2, linear=True)
        h_target = reset.bottom()
        canvas.wire("r", [gate_r.right(), reset.left()], rst + reset_role + s1)
        canvas.wire("reset_state", [reset.top(), linear.bottom()], cand + s2)
        into_tanh = linear
    tanh = canvas.layer("tanh", (x_t, _Y_MID), "tanh", cand + new + s2, width=_TANH_W)
    canvas.wire("reset_term", [into_tanh.right(), tanh.left()], cand + new + s2)
    if reset_after:
        canvas.label("r", (x_r + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$r_t$",
                     rst + reset_role + s1)  # fmt: skip
    else:
        r_label = ((gate_r.x + gate_r.half_w + x_c - _NODE_R) / 2, _Y_BOX + 0.1)
        canvas.label("r", r_label, "$r_t$", rst + reset_role + s1, ha="center", va="bottom")

    # Interpolation: z_t weights h_{t-1}, 1 - z_t weights the candidate.
    one_minus = canvas.node("one_minus", (x_one, _Y_INTERP), "$1-$", upd + write + s3, size=9)
    blend = canvas.node("blend", (x_t, _Y_INTERP), r"$\odot$", upd + cand + write + s3)
    canvas.wire("z", [gate_z.top(), kept.bottom()], upd + keep + s1)
    canvas.dot("z", (x_z, _Y_INTERP), upd + keep + s1)
    canvas.label("z", (x_z + 0.12, (_Y_BOX + _Y_INTERP) / 2 + 0.1), "$z_t$", upd + keep + s1)
    canvas.wire("z_branch", [(x_z, _Y_INTERP), one_minus.left()], upd + keep + s3)
    canvas.wire("one_minus_z", [one_minus.right(), blend.left()], upd + write + s3)
    canvas.label(
        "one_minus_z", ((x_one + x_t) / 2, _Y_INTERP + 0.12), "$1-z_t$", upd + write + s3,
        ha="center", va="bottom",
    )  # fmt: skip
    canvas.wire("candidate", [tanh.top(), blend.bottom()], cand + new + s2)
    canvas.label("candidate", (x_t + 0.12, (_Y_MID + _Y_INTERP) / 2), r"$\tilde h_t$",
                 cand + new + s2)  # fmt: skip
    canvas.wire("blended", [blend.top(), total.bottom()], cand + write + s3)

    # The inputs: h_{t-1} drops from the top to a bus under the gates, x_t runs below it.
    canvas.dot("h_prev", (x_branch, _Y_TOP), add)
    canvas.wire(
        "h_prev_bus", [(x_branch, _Y_TOP), (x_branch, _Y_H), (x_c, _Y_H), h_target]
    )
    for name, gate in (("z", gate_z), ("r", gate_r)):
        canvas.dot(f"h_prev_{name}", (gate.x - 0.2, _Y_H), s1)
        canvas.wire(f"h_prev_{name}", [(gate.x - 0.2, _Y_H), gate.bottom(-0.2)], s1)
        canvas.dot(f"x_{name}", (gate.x + 0.2, _Y_X), s1)
        canvas.wire(f"x_{name}", [(gate.x + 0.2, _Y_X), gate.bottom(0.2)], s1)
    canvas.label("x", (_X_START - 0.08, _Y_X), "$x_t$", ha="right")
    canvas.wire("x", [(_X_START, _Y_X), (x_t, _Y_X), tanh.bottom()])

    if show_parameters:
        for letter, gate in (("z", gate_z), ("r", gate_r)):
            biases = f"$b_{letter},b'_{letter}$" if reset_after else f"$b_{letter}$"
            canvas.params(f"sigma_{letter}", gate, f"$W_{letter},U_{letter}$\n{biases}", tags=s1)
        if reset_after:
            canvas.params("U_h", linear, "$b'_h$", side="right", tags=s2)
        canvas.params("tanh", tanh, "$W_h$\n$b_h$", side="right", tags=s2)
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
    roles={"keep": "$f_t$", "write": "$i_t$", "candidate": r"$\tilde c_t$", "output": "$o_t$"},
)
def draw_lstm_cell(
    ax: Axes | None = None,
    *,
    highlight: str | None = None,
    show_parameters: bool = False,
    colors: Mapping[str, str] | None = None,
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
    colors
        ``None``, or colours for parts of :data:`ROLES` (e.g. :data:`ROLE_COLORS`): each part
        the cell has is drawn in its colour, boxes and nodes tinted with it. The LSTM has
        ``"keep"`` (:math:`f_t`), ``"write"`` (:math:`i_t`), ``"candidate"`` and
        ``"output"`` (:math:`o_t` and :math:`\tanh(c_t)`, with :math:`h_t`). Not with
        ``highlight``.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.
    """
    _check_ax(ax)
    _check_highlight("lstm", highlight)
    check_bool("show_parameters", show_parameters)
    _check_colors(colors)
    _check_one_style(highlight=highlight, colors=colors)
    width = DRAWINGS["lstm"].width
    canvas = _Canvas(_axes(ax, width), width, highlight, colors=colors)
    x_f, x_i, x_c, x_o, x_out, x_end = 3.15, 5.25, 7.35, 9.45, 11.05, 12.6
    add, fgt, inp = ("additive_path",), ("forget_gate",), ("input_gate",)
    cand, out = ("candidate",), ("output_gate",)
    keep, write, new = ("role:keep",), ("role:write",), ("role:candidate",)
    shown = ("role:output",)

    # The cell state along the top: c_{t-1} -> f ⊙ c_{t-1} -> + -> c_t.
    forget = canvas.node("forget", (x_f, _Y_TOP), r"$\odot$", add + fgt + keep)
    total = canvas.node("sum", (x_c, _Y_TOP), "$+$", add + cand)
    canvas.label("c_prev", (_X_START - 0.08, _Y_TOP), "$c_{t-1}$", add, ha="right")
    canvas.wire("c_prev", [(_X_START, _Y_TOP), forget.left()], add)
    canvas.wire("kept", [forget.right(), total.left()], add)
    canvas.line("c", [total.right(), (x_out, _Y_TOP)], add)
    canvas.wire("c", [(x_out, _Y_TOP), (x_end, _Y_TOP)], add)
    canvas.label("c", (x_end + 0.08, _Y_TOP), "$c_t$", add)

    # The gates and the candidate.
    gate_f = canvas.layer("sigma_f", (x_f, _Y_BOX), r"$\sigma$", fgt + keep)
    gate_i = canvas.layer("sigma_i", (x_i, _Y_BOX), r"$\sigma$", inp + write)
    tanh_c = canvas.layer("tanh_c", (x_c, _Y_BOX), "tanh", cand + new, width=_TANH_W)
    gate_o = canvas.layer("sigma_o", (x_o, _Y_BOX), r"$\sigma$", out + shown)
    written = canvas.node("write", (x_c, _Y_MID), r"$\odot$", inp + cand + write)
    show = canvas.node("show", (x_out, _Y_MID), r"$\odot$", out + shown)

    canvas.wire("f", [gate_f.top(), forget.bottom()], fgt + keep)
    canvas.label("f", (x_f + 0.12, (_Y_BOX + _Y_TOP) / 2), "$f_t$", fgt + keep)
    canvas.wire("i", [gate_i.top(), (x_i, _Y_MID), written.left()], inp + write)
    canvas.label("i", (x_i + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$i_t$", inp + write)
    canvas.wire("candidate", [tanh_c.top(), written.bottom()], cand + new)
    canvas.label("candidate", (x_c + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.05), r"$\tilde c_t$",
                 cand + new)  # fmt: skip
    canvas.wire("written", [written.top(), total.bottom()], cand + write)
    canvas.wire("o", [gate_o.top(), (x_o, _Y_MID), show.left()], out + shown)
    canvas.label("o", (x_o + 0.12, (_Y_BOX + _Y_MID) / 2 + 0.12), "$o_t$", out + shown)

    # h_t = o_t ⊙ tanh(c_t).
    squash = canvas.node("tanh_of_c", (x_out, _Y_INTERP), "tanh", out + shown, oval=True,
                         size=10)  # fmt: skip
    canvas.dot("c", (x_out, _Y_TOP), add + out)
    canvas.wire("c_down", [(x_out, _Y_TOP), squash.top()], out + shown)
    canvas.wire("tanh_of_c", [squash.bottom(), show.top()], out + shown)
    canvas.wire("h", [show.right(), (x_end, _Y_MID)], out + shown)
    canvas.label("h", (x_end + 0.08, _Y_MID), "$h_t$", out + shown)

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
    colors: Mapping[str, str] | None = None,
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
    colors
        ``None``, or colours for parts of :data:`ROLES` (e.g. :data:`ROLE_COLORS`): the
        corresponding parts of the cells are drawn in the same colour, and a legend under
        the drawings names each part in every cell, e.g. "keep: GRU $z_t$, LSTM $f_t$", or
        "none" where a cell lacks it. Not with ``highlight``.

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
    _check_colors(colors)
    _check_one_style(highlight=highlight, colors=colors)

    import matplotlib.pyplot as plt

    legend = role_legend(kinds, colors) if colors is not None else []
    columns = min(len(legend), 3)
    rows = -(-len(legend) // columns) if legend else 0
    widths = [DRAWINGS[kind].width for kind in kinds]
    extra = 0.6 + 0.6 * rows
    fig, axes = plt.subplots(
        1,
        len(kinds),
        figsize=(sum(widths) * _INCHES_PER_UNIT, (_HEIGHT + extra) * _INCHES_PER_UNIT),
        gridspec_kw={"width_ratios": widths, "wspace": 0.02},
        squeeze=False,
    )
    for kind, ax in zip(kinds, axes[0], strict=True):
        lit = highlight if highlight in DRAWINGS[kind].highlights else None
        draw_cell(kind, ax, highlight=lit, show_parameters=show_parameters, colors=colors)
        if titles:
            ax.set_title(kind_of(kind).name, fontsize=_SYMBOL_SIZE)
    if legend:
        from matplotlib.patches import Patch

        handles = [
            Patch(facecolor=_mix(color, _TINT), edgecolor=color, linewidth=_HIGHLIGHT_WIDTH,
                  label=text)
            for text, color in legend
        ]  # fmt: skip
        fig.subplots_adjust(bottom=0.6 * rows / (_HEIGHT + extra))
        fig.legend(handles=handles, loc="lower center", ncol=columns, frameon=False,
                   fontsize=_PARAM_SIZE + 2)  # fmt: skip
    return fig


def role_legend(kinds: Sequence[str], colors: Mapping[str, str]) -> list[tuple[str, str]]:
    """The legend of :func:`draw_cells` with ``colors``: one line per part some cell has.

    Parameters
    ----------
    kinds
        The cells drawn, e.g. ``("gru", "lstm")``.
    colors
        Colours for parts of :data:`ROLES`, in the order of the legend.

    Returns
    -------
    list of (str, str)
        ``(text, colour)`` per part, e.g. ``("keep: GRU $z_t$, LSTM $f_t$", "#1f77b4")``;
        a cell without the part reads "none". Parts no cell has are left out.

    Examples
    --------
    >>> role_legend(("gru", "lstm"), {"reset": "brown"})
    [('reset: GRU $r_t$, LSTM none', 'brown')]
    """
    for kind in kinds:
        check_choice("kind", kind, CELL_KINDS)
    _check_colors(colors)
    lines = []
    for role, color in colors.items():
        symbols = [DRAWINGS[kind].roles.get(role) for kind in kinds]
        if any(symbols):
            cells = ", ".join(
                f"{kind_of(kind).name} {symbol or 'none'}"
                for kind, symbol in zip(kinds, symbols, strict=True)
            )
            lines.append((f"{role}: {cells}", color))
    return lines


def draw_gru_stages(*, reset_after: bool = True, show_parameters: bool = False) -> Figure:
    r"""Build the GRU cell in three stages, one panel each, top to bottom (:data:`GRU_STAGES`).

    1. The gates: :math:`z_t` and :math:`r_t`, sigmoids of :math:`x_t` and :math:`h_{t-1}`.
    2. The candidate :math:`\tilde h_t`: the tanh of the input term plus :math:`r_t` times
       the recurrent term.
    3. The new state: :math:`h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t`.

    Each panel is :func:`draw_gru_cell` with ``stage`` set: what the stage adds in
    :data:`HIGHLIGHT_COLOR`, what earlier stages built as usual, the rest faded.

    Parameters
    ----------
    reset_after
        As in :func:`draw_gru_cell`.
    show_parameters
        Whether to write each layer box's weights and biases beside it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with one Axes per stage, titled from :data:`GRU_STAGES`.
    """
    check_bool("reset_after", reset_after)
    check_bool("show_parameters", show_parameters)

    import matplotlib.pyplot as plt

    width = DRAWINGS["gru"].width
    panel = _HEIGHT + 0.9
    fig, axes = plt.subplots(
        len(GRU_STAGES), 1,
        figsize=(width * _INCHES_PER_UNIT, len(GRU_STAGES) * panel * _INCHES_PER_UNIT),
        gridspec_kw={"hspace": 0.12},
    )  # fmt: skip
    for stage, (title, ax) in enumerate(zip(GRU_STAGES, axes, strict=True), start=1):
        draw_gru_cell(ax, reset_after=reset_after, show_parameters=show_parameters, stage=stage)
        ax.set_title(title, fontsize=_SYMBOL_SIZE - 1, loc="left")
    return fig
