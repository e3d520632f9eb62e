r"""A recurrent layer drawn unrolled in time: one copy of its cell per step, shared weights.

:func:`draw_unrolled` draws ``steps`` copies of a cell side by side. Each copy reads the
input :math:`x_t` from below and the previous state from the left, and passes its new state
to the right; every copy is labelled with the *same* weights :math:`W, U, b`, which is what
makes it one layer (parameter sharing). With ``layers`` > 1 the copies are stacked: the
outputs of one layer, one per step, are the inputs of the layer above. The top layer's
outputs are drawn for every step (``return_sequences=True``) or for the last step only.

The states are labelled :math:`h_0, h_1, \dots, h_T` (with a superscript :math:`(l)` for the
layer when there are several), the inputs :math:`x_1, \dots, x_T`.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from gru_companion.validation import check_bool, check_choice, check_positive_int

#: What the top layer can output, every step's state or only the last one.
OUTPUT_MODES = ("sequence", "last")

#: The most steps and layers :func:`draw_unrolled` draws (beyond that it is unreadable).
MAX_STEPS, MAX_LAYERS = 8, 4

_INK = "#333333"
_BOX_FACE, _BOX_EDGE = "#fce8b2", "#a57c00"
_WEIGHT_INK = "#6b6b6b"
_BOX_H, _DY = 0.9, 2.1
_BOX_W = {False: 1.3, True: 1.75}  # one layer, or several (longer weight labels)
_GAP = 1.0  # between two copies of a cell
_X0, _Y0 = 1.6, 1.5
_INCHES_PER_UNIT = 0.62


def _state(layer: int, step: int, layers: int) -> str:
    return f"$h^{{({layer})}}_{{{step}}}$" if layers > 1 else f"$h_{{{step}}}$"


def _weights(layer: int, layers: int) -> str:
    if layers == 1:
        return "$W,\\,U,\\,b$"
    return f"$W^{{({layer})}},U^{{({layer})}},b^{{({layer})}}$"


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=12, color=_INK, linewidth=1.3,
            shrinkA=0, shrinkB=0,
        )
    )  # fmt: skip


def draw_unrolled(
    steps: int = 4,
    *,
    layers: int = 1,
    outputs: str = "sequence",
    cell_label: str = "cell",
    show_weights: bool = True,
    ax: Axes | None = None,
) -> Axes:
    r"""Draw a (stack of) recurrent layer(s) unrolled over ``steps`` time steps.

    Parameters
    ----------
    steps
        The number of time steps T drawn, 1 to :data:`MAX_STEPS`.
    layers
        How many recurrent layers are stacked, 1 to :data:`MAX_LAYERS`.
    outputs
        ``"sequence"``: the top layer outputs its state at every step
        (``return_sequences=True``); ``"last"``: only at the last step.
    cell_label
        The text in each cell box, e.g. ``"GRU cell"``.
    show_weights
        Whether to write the layer's weights (:math:`W, U, b`) in every copy of its cell.
    ax
        The Axes to draw on; ``None`` draws on a new figure (``ax.figure``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, its axis lines hidden.

    Raises
    ------
    TypeError
        If ``steps`` or ``layers`` is not an integer, ``cell_label`` not a string,
        ``show_weights`` not a bool, or ``ax`` not a matplotlib Axes.
    ValueError
        If ``steps`` or ``layers`` is out of range, or ``outputs`` is not one of
        :data:`OUTPUT_MODES`.
    """
    steps = check_positive_int("steps", steps)
    layers = check_positive_int("layers", layers)
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS}, got {steps}")
    if layers > MAX_LAYERS:
        raise ValueError(f"layers must be at most {MAX_LAYERS}, got {layers}")
    check_choice("outputs", outputs, OUTPUT_MODES)
    if not isinstance(cell_label, str):
        raise TypeError(f"cell_label must be a string, got {type(cell_label).__name__}")
    check_bool("show_weights", show_weights)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")

    box_w = _BOX_W[layers > 1]
    dx = box_w + _GAP
    width = _X0 + (steps - 1) * dx + 1.9
    height = _Y0 + (layers - 1) * _DY + 2.0
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(width * _INCHES_PER_UNIT, height * _INCHES_PER_UNIT))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")

    half_w, half_h = box_w / 2, _BOX_H / 2
    for layer in range(1, layers + 1):
        y = _Y0 + (layer - 1) * _DY
        for step in range(1, steps + 1):
            x = _X0 + (step - 1) * dx
            ax.add_patch(
                FancyBboxPatch(
                    (x - half_w, y - half_h), box_w, _BOX_H,
                    boxstyle="round,pad=0.02,rounding_size=0.12",
                    facecolor=_BOX_FACE, edgecolor=_BOX_EDGE, linewidth=1.3,
                )
            )  # fmt: skip
            if show_weights:
                ax.text(x, y + 0.14, cell_label, ha="center", va="center", fontsize=10)
                ax.text(x, y - 0.2, _weights(layer, layers), ha="center", va="center",
                        fontsize=8, color=_WEIGHT_INK)  # fmt: skip
            else:
                ax.text(x, y, cell_label, ha="center", va="center", fontsize=10)
            # the state from the previous step (or the initial state) comes in from the left
            if step == 1:
                start = x - half_w - 0.75
                ax.text(start - 0.05, y, _state(layer, 0, layers), ha="right", va="center",
                        fontsize=11)  # fmt: skip
                _arrow(ax, (start, y), (x - half_w, y))
            else:
                _arrow(ax, (x - dx + half_w, y), (x - half_w, y))
                ax.text(x - dx / 2, y + 0.1, _state(layer, step - 1, layers), ha="center",
                        va="bottom", fontsize=11)  # fmt: skip
            if step == steps:
                ax.text(x + half_w + 0.8, y, _state(layer, step, layers), ha="left",
                        va="center", fontsize=11)  # fmt: skip
                _arrow(ax, (x + half_w, y), (x + half_w + 0.75, y))
            # the input comes from below: x_t, or the output of the layer underneath
            if layer == 1:
                ax.text(x, 0.25, f"$x_{{{step}}}$", ha="center", va="center", fontsize=11)
                _arrow(ax, (x, 0.45), (x, y - half_h))
            else:
                _arrow(ax, (x, y - _DY + half_h), (x, y - half_h))
            # the top layer's outputs go up
            if layer == layers and (outputs == "sequence" or step == steps):
                _arrow(ax, (x, y + half_h), (x, y + half_h + 0.6))
                ax.text(x, y + half_h + 0.75, _state(layer, step, layers), ha="center",
                        va="bottom", fontsize=11)  # fmt: skip
    return ax
