"""Gate traces drawn as heatmaps: each gate, candidate and state of a sequence, one row per unit.

The traces come from :func:`gru_companion.analysis.gate_probes.gate_traces`, for a layer of
any kind; the gates (the kinds' :attr:`~gru_companion.kinds.Kind.sigmoid_gates`) are drawn
on their 0-to-1 scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from gru_companion.kinds import KINDS


def _sigmoid_gates() -> frozenset[str]:
    """The names drawn on the gates' scale, 0 to 1: every kind's sigmoid gates."""
    return frozenset(gate for kind in KINDS.values() for gate in kind.sigmoid_gates)


def _trace_label(name: str) -> str:
    """A traced quantity's label: ``z`` as z_t, ``h_tilde`` as h~_t, ``c_prev`` as c_{t-1}.

    A name of another form is its own label.
    """
    symbol, _, suffix = name.partition("_")
    if len(symbol) != 1 or not symbol.isalpha() or suffix not in ("", "tilde", "prev"):
        return name
    if suffix == "tilde":
        return rf"$\tilde {symbol}_t$"
    return f"${symbol}_{{t-1}}$" if suffix == "prev" else f"${symbol}_t$"


def draw_gate_traces(
    traces: Mapping[str, np.ndarray],
    names: Sequence[str],
    *,
    title: str | None = None,
) -> Figure:
    """Draw gate traces as heatmaps: one panel per name, units by steps.

    The traces come from :func:`~gru_companion.analysis.gate_probes.gate_traces`.

    Gates (the sigmoid gates of the kinds, ``z``, ``r``, ``i``, ``f``, ``o``, ...) are drawn
    on a 0-to-1 scale; every other quantity on a symmetric scale from -s to s, with s the
    larger of 1 and its largest absolute value. Each panel is labelled with the quantity's
    symbol at step t (``z`` as :math:`z_t`, ``h_tilde`` as :math:`\tilde h_t`, ``h_prev``
    as :math:`h_{t-1}`).

    Parameters
    ----------
    traces
        Arrays of shape (time, units) by name, e.g. the result of
        :func:`~gru_companion.analysis.gate_probes.gate_traces`.
    names
        The names to draw, top to bottom (each a key of ``traces``).
    title
        A title over the figure, or ``None``.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure, one Axes per name (with a colour bar each).

    Raises
    ------
    TypeError
        If ``names`` is a string or not a sequence, or a trace is not a 2-D array.
    ValueError
        If ``names`` is empty or names a missing trace, or the traces differ in shape.
    """
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of trace names, got {names!r}")
    if len(names) == 0:
        raise ValueError("names must name at least one trace, got an empty sequence")
    shapes = set()
    for name in names:
        if name not in traces:
            raise ValueError(f"no trace named {name!r}; traces hold {sorted(traces)}")
        values = traces[name]
        if not isinstance(values, np.ndarray) or values.ndim != 2:
            raise TypeError(f"trace {name!r} must be a 2-D numpy.ndarray (time, units)")
        shapes.add(values.shape)
    if len(shapes) != 1:
        raise ValueError(f"the traces must share one shape (time, units), got {sorted(shapes)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")

    import matplotlib.pyplot as plt

    gates = _sigmoid_gates()
    steps, units = shapes.pop()
    width = min(12.0, 3.0 + 0.25 * steps)
    height = 0.5 + (0.5 + 0.25 * units) * len(names)
    fig, axes = plt.subplots(
        len(names), 1, figsize=(width, height), squeeze=False, sharex=True, layout="constrained"
    )
    for name, ax in zip(names, axes[:, 0], strict=True):
        values = traces[name]
        if name in gates:
            low, high, cmap = 0.0, 1.0, "viridis"
        else:
            high = max(1.0, float(np.max(np.abs(values))))
            low, cmap = -high, "RdBu_r"
        image = ax.imshow(
            values.T,
            aspect="auto",
            cmap=cmap,
            vmin=low,
            vmax=high,
            interpolation="nearest",
            extent=(0.5, steps + 0.5, units - 0.5, -0.5),
        )
        ax.set_ylabel(
            _trace_label(name), rotation=0, ha="right", va="center", fontsize=12
        )
        ax.set_yticks(range(units))
        ax.set_yticklabels([str(unit + 1) for unit in range(units)], fontsize=7)
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    axes[-1, 0].set_xlabel("step $t$")
    if title is not None:
        fig.suptitle(title)
    return fig
