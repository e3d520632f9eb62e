r"""The weights of a recurrent layer as Keras stores them, drawn with their gate blocks.

A Keras recurrent layer of any kind in :data:`gru_companion.kinds.KINDS` keeps three
arrays: ``kernel`` (features, k·units), ``recurrent_kernel`` (units, k·units) and ``bias``
(k·units,), or (2, k·units) for a GRU with ``reset_after=True``. Their columns are cut into
the k blocks of :attr:`~gru_companion.kinds.Kind.blocks`, ``units`` columns each, in the
same order in all three arrays: for a GRU, block ``z`` holds :math:`W_z`, :math:`U_z`,
:math:`b_z` and :math:`b'_z`, block ``r`` the reset gate's weights, block ``h`` the
candidate's.

:func:`weight_layout` describes the arrays (names, shapes, the symbols of their row bands),
:func:`block_slices` the columns of each block, and :func:`draw_weight_layout` draws the
three arrays stacked, one square per weight, so that a block's columns line up from the
kernel down to the bias. Each block is coloured by the part of the cell it computes, in the
colours of :data:`gru_companion.figures.cell_diagrams.ROLE_COLORS` (:func:`block_colors`).
The drawing is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import is_color_like
from matplotlib.patches import Rectangle

from gru_companion.figures.cell_diagrams import ROLE_COLORS
from gru_companion.kinds import KINDS, kind_of
from gru_companion.validation import check_bool, check_choice, check_positive_int

#: What the gate blocks of the kinds are called; a block that is not a gate is a candidate.
GATE_NAMES: dict[str, str] = {
    "z": "update gate",
    "r": "reset gate",
    "i": "input gate",
    "f": "forget gate",
    "o": "output gate",
}

#: The part of :data:`~gru_companion.figures.cell_diagrams.ROLES` each gate block computes
#: (a block that is not a gate computes the candidate).
BLOCK_ROLES: dict[str, str] = {"z": "keep", "f": "keep", "i": "write", "r": "reset",
                               "o": "output"}  # fmt: skip

#: The most columns (k·units) and rows :func:`draw_weight_layout` draws, one square a weight.
MAX_COLUMNS, MAX_ROWS = 48, 24

_INK, _GRID, _LABEL_INK = "#333333", "white", "#555555"
_SYMBOL_SIZE, _NAME_SIZE, _SMALL_SIZE = 12, 11, 9
_GAP = 0.9  # between two arrays, in squares
_LEFT = 6.2  # room for the arrays' names, in squares
_TOP, _BOTTOM = 2.6, 1.3  # room for the block headers and the column slices
_INCHES_PER_SQUARE = 0.4
_UNKNOWN = ("#7f7f7f", "#bcbd22", "#17becf", "#e377c2")  # gates of no known role


@dataclass(frozen=True)
class MatrixLayout:
    """One of a layer's weight arrays.

    Attributes
    ----------
    name
        Keras's name: ``"kernel"``, ``"recurrent_kernel"`` or ``"bias"``.
    shape
        Its shape, as ``layer.get_weights()`` returns it.
    bands
        Its rows, top to bottom, in bands of one symbol each: ``(symbol, rows)`` with the
        symbol of the equations without its block subscript, e.g. ``(("W", 3),)`` for a
        kernel of 3 features, ``(("b", 1), ("b'", 1))`` for a GRU's two bias rows.
    """

    name: str
    shape: tuple[int, ...]
    bands: tuple[tuple[str, int], ...]

    @property
    def rows(self) -> int:
        """The rows drawn (1 for a bias vector)."""
        return sum(rows for _, rows in self.bands)


def weight_layout(
    kind: str, features: int, units: int, *, reset_after: bool = True, use_bias: bool = True
) -> tuple[MatrixLayout, ...]:
    """Describe the weight arrays of a layer of ``kind``, in Keras's order.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`, e.g. ``"gru"`` or ``"lstm"``.
    features, units
        The layer's input features and units.
    reset_after
        For a kind with Keras's ``reset_after`` (the GRU): ``True`` keeps two bias rows,
        an input bias :math:`b` and a recurrent bias :math:`b'`. Ignored for other kinds.
    use_bias
        Whether the layer has a bias at all.

    Returns
    -------
    tuple of MatrixLayout
        ``kernel``, ``recurrent_kernel`` and, with ``use_bias``, ``bias``.

    Raises
    ------
    ValueError
        If ``kind`` has peepholes (:attr:`~gru_companion.kinds.Kind.peepholes`): their
        weight, one row per gate, is not cut into the column blocks this layout shows.

    Examples
    --------
    >>> [(m.name, m.shape) for m in weight_layout("gru", 3, 4)]
    [('kernel', (3, 12)), ('recurrent_kernel', (4, 12)), ('bias', (2, 12))]
    """
    row = kind_of(kind)
    if row.peepholes:
        raise ValueError(
            f"the {row.name} keeps a fourth weight, peephole ({len(row.peepholes)}, units), "
            "with one row per gate instead of column blocks; the layout draws the kinds "
            "without peepholes"
        )
    features = check_positive_int("features", features)
    units = check_positive_int("units", units)
    check_bool("reset_after", reset_after)
    check_bool("use_bias", use_bias)
    columns = row.gate_blocks * units
    arrays = [
        MatrixLayout("kernel", (features, columns), (("W", features),)),
        MatrixLayout("recurrent_kernel", (units, columns), (("U", units),)),
    ]
    vectors = row.bias_vectors(use_bias=use_bias, reset_after=reset_after)
    if vectors == 2:
        arrays.append(MatrixLayout("bias", (2, columns), (("b", 1), ("b'", 1))))
    elif vectors == 1:
        arrays.append(MatrixLayout("bias", (columns,), (("b", 1),)))
    return tuple(arrays)


def block_slices(kind: str, units: int) -> dict[str, slice]:
    """The columns of each block of ``kind``, the same in every weight array.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    units
        The layer's units: each block is ``units`` columns wide.

    Returns
    -------
    dict
        Block name to ``slice(k units, (k + 1) units)``, in the order of
        :attr:`~gru_companion.kinds.Kind.blocks`.

    Examples
    --------
    >>> block_slices("gru", 4)
    {'z': slice(0, 4, None), 'r': slice(4, 8, None), 'h': slice(8, 12, None)}
    """
    row = kind_of(kind)
    units = check_positive_int("units", units)
    return {block: slice(k * units, (k + 1) * units) for k, block in enumerate(row.blocks)}


def block_colors(kind: str) -> dict[str, str]:
    """The colour of each block of ``kind``: that of the part of the cell it computes.

    A gate block takes the colour of its part in
    :data:`~gru_companion.figures.cell_diagrams.ROLE_COLORS` (:data:`BLOCK_ROLES`: the GRU's
    ``z`` and the LSTM's ``f`` are ``"keep"``, ...), a candidate block the colour of
    ``"candidate"``; a gate of no known part gets a grey or another colour of its own.

    Examples
    --------
    >>> block_colors("gru") == {"z": ROLE_COLORS["keep"], "r": ROLE_COLORS["reset"],
    ...                         "h": ROLE_COLORS["candidate"]}
    True
    """
    row = kind_of(kind)
    colors, spare = {}, iter(_UNKNOWN)
    for block in row.blocks:
        if block not in row.sigmoid_gates:
            colors[block] = ROLE_COLORS["candidate"]
        elif block in BLOCK_ROLES:
            colors[block] = ROLE_COLORS[BLOCK_ROLES[block]]
        else:
            colors[block] = next(spare)
    return colors


def _block_name(kind: str, block: str) -> str:
    """How a block's header reads: ``"$z$\nupdate gate"``, ``"$h$\ncandidate"``."""
    row = kind_of(kind)
    if block not in row.sigmoid_gates:
        return f"${block}$\ncandidate"
    return f"${block}$\n{GATE_NAMES.get(block, 'gate')}"


def _symbol(symbol: str, block: str, blocks: int) -> str:
    """``"$W_z$"``; for a one-block kind (the SimpleRNN) ``"$W$"``, as its equation has it."""
    return f"${symbol}$" if blocks == 1 else f"${symbol}_{block}$"


def draw_weight_layout(
    kind: str = "gru",
    features: int = 3,
    units: int = 4,
    *,
    reset_after: bool = True,
    use_bias: bool = True,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
) -> Axes:
    r"""Draw a layer's ``kernel``, ``recurrent_kernel`` and ``bias``, one square per weight.

    The arrays are stacked, top to bottom, so that each block's columns line up through all
    three. Over the columns: each block's name (:math:`z`, update gate); in each block of each
    array: its symbol in the equations (:math:`W_z`, :math:`U_z`, :math:`b_z`,
    :math:`b'_z`); left of each array: its name and shape; under the bias: each block's
    columns as a Python slice (``0:4``), as
    :func:`gru_companion.analysis.gate_probes.block_columns` returns them.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS` (blocks from
        :attr:`~gru_companion.kinds.Kind.blocks`).
    features, units
        The layer's sizes; at most :data:`MAX_COLUMNS` columns (k·units) and
        :data:`MAX_ROWS` rows in all are drawn.
    reset_after, use_bias
        As in :func:`weight_layout`.
    ax
        The Axes to draw on; ``None`` draws on a new figure (``ax.figure``).
    colors
        A colour per block; ``None`` for :func:`block_colors`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden. Artists carry gids:
        ``"block:<array>:<band>:<block>"`` for each coloured rectangle (band 0 is the
        first band of rows, ``"block:bias:1:z"`` the GRU's :math:`b'_z`),
        ``"text:<array>:<band>:<block>"`` for its symbol, ``"name:<array>"``,
        ``"header:<block>"``, ``"slice:<block>"`` and ``"grid:<array>"``.
    """
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    check_choice("kind", kind, KINDS)
    arrays = weight_layout(kind, features, units, reset_after=reset_after, use_bias=use_bias)
    slices = block_slices(kind, units)
    if colors is None:
        colors = block_colors(kind)
    if not isinstance(colors, Mapping) or set(colors) != set(slices):
        raise ValueError(f"colors must give a colour to each block of {list(slices)}")
    for block, color in colors.items():
        if not is_color_like(color):
            raise ValueError(f"colors[{block!r}] is not a matplotlib colour: {color!r}")
    columns = len(slices) * units
    rows = sum(array.rows for array in arrays)
    if columns > MAX_COLUMNS or rows > MAX_ROWS:
        raise ValueError(
            f"{columns} columns and {rows} rows are too many to draw one square per weight "
            f"(at most {MAX_COLUMNS} columns and {MAX_ROWS} rows)"
        )

    height = _TOP + rows + _GAP * (len(arrays) - 1) + _BOTTOM
    width = _LEFT + columns + 0.3
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(width * _INCHES_PER_SQUARE, height * _INCHES_PER_SQUARE))
    ax.set_xlim(-_LEFT, columns + 0.3)
    ax.set_ylim(-height + _TOP, _TOP)  # y = 0 is the top of the kernel; rows go down
    ax.set_aspect("equal")
    ax.set_axis_off()

    blocks = len(slices)
    for block, columns_of in slices.items():
        middle = (columns_of.start + columns_of.stop) / 2
        ax.text(middle, 0.3, _block_name(kind, block), ha="center", va="bottom",
                fontsize=_SMALL_SIZE + 1, color=colors[block], fontweight="bold",
                linespacing=1.2, gid=f"header:{block}")  # fmt: skip

    top = 0.0
    for array in arrays:
        bottom = top - array.rows
        shape = ", ".join(str(n) for n in array.shape) + ("," if len(array.shape) == 1 else "")
        ax.text(-0.3, (top + bottom) / 2, f"{array.name}\n({shape})", ha="right",
                va="center", fontsize=_NAME_SIZE, color=_INK, linespacing=1.3,
                gid=f"name:{array.name}")  # fmt: skip
        band_top = top
        for band, (symbol, band_rows) in enumerate(array.bands):
            for block, columns_of in slices.items():
                corner = (columns_of.start, band_top - band_rows)
                rectangle = Rectangle(corner, units, band_rows, facecolor=colors[block],
                                      alpha=0.75, edgecolor="none", zorder=1)  # fmt: skip
                rectangle.set_gid(f"block:{array.name}:{band}:{block}")
                ax.add_patch(rectangle)
                size = _SYMBOL_SIZE if band_rows > 1 else _SMALL_SIZE + 1
                ax.text((columns_of.start + columns_of.stop) / 2, band_top - band_rows / 2,
                        _symbol(symbol, block, blocks), ha="center", va="center",
                        fontsize=size, color="white", fontweight="bold", zorder=4,
                        gid=f"text:{array.name}:{band}:{block}")  # fmt: skip
            band_top -= band_rows
        # One square per weight: thin white lines between rows and columns, a dark outline.
        lines = [[(0, y), (columns, y)] for y in range(int(bottom) + 1, int(top))]
        lines += [[(x, bottom), (x, top)] for x in range(1, columns)]
        grid = LineCollection(lines, colors=_GRID, linewidths=0.8, zorder=2)
        grid.set_gid(f"grid:{array.name}")
        ax.add_collection(grid)
        outline = Rectangle((0, bottom), columns, array.rows, facecolor="none",
                            edgecolor=_INK, linewidth=1.2, zorder=3)  # fmt: skip
        outline.set_gid(f"outline:{array.name}")
        ax.add_patch(outline)
        for block, columns_of in slices.items():  # block borders, heavier than the grid
            if columns_of.start > 0:
                ax.plot([columns_of.start] * 2, [bottom, top], color=_INK, linewidth=1.2,
                        zorder=3, gid=f"border:{array.name}:{block}")  # fmt: skip
        top = bottom - _GAP

    for block, columns_of in slices.items():
        ax.text((columns_of.start + columns_of.stop) / 2, top + _GAP - 0.25,
                f"{columns_of.start}:{columns_of.stop}", ha="center", va="top",
                fontsize=_SMALL_SIZE, color=_LABEL_INK, family="monospace",
                gid=f"slice:{block}")  # fmt: skip
    return ax

