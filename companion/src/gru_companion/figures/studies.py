"""A study's results drawn: every seed as a dot, the median as a line, the lines to beat.

The results come from :func:`gru_companion.experiments.study.study_table` (one row per
run, at its best validation epoch); only the runs at each kind's chosen learning rate
are drawn. Each kind keeps its colour of :data:`gru_companion.kinds.KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gru_companion.kinds import kind_of

#: How far apart the kinds' dots are drawn at one setting, as a share of the setting.
_SPREAD = 0.06


def plot_study(
    axes: Any,
    table: Any,
    metric: str,
    *,
    lines: Mapping[str, float] | None = None,
    threshold: float | None = None,
    xlabel: str = "sequence length",
    ylabel: str | None = None,
    title: str | None = None,
) -> Any:
    """Draw ``metric`` against the setting, one colour per kind, on ``axes``.

    Parameters
    ----------
    axes
        A matplotlib ``Axes``.
    table
        A :func:`~gru_companion.experiments.study.study_table`.
    metric
        The column drawn (``"test_mse"``).
    lines
        Horizontal reference lines by label (a baseline, chance), drawn dashed grey.
    threshold
        The value that counts as solving the task, drawn dotted, or ``None``.
    xlabel, ylabel, title
        Labels (``ylabel`` defaults to ``metric``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    KeyError
        If the table has no column ``metric``.
    """
    if metric not in table:
        raise KeyError(f"no column {metric!r}; the table has {list(table.columns)}")
    chosen = table[table["selected"]]
    settings = sorted(chosen["setting"].dropna().unique())
    kinds = list(dict.fromkeys(chosen["kind"]))
    positions = {value: index for index, value in enumerate(settings)} if settings else {}
    for offset, kind in zip(np.linspace(-1, 1, len(kinds)) * _SPREAD * 3, kinds, strict=True):
        row = kind_of(kind)
        runs = chosen[chosen["kind"] == kind]
        x = np.array([positions.get(value, 0) for value in runs["setting"]]) + offset
        axes.scatter(x, runs[metric], s=14, color=row.color, alpha=0.7)
        medians = runs.groupby("setting", dropna=False)[metric].median()
        xs = [positions.get(value, 0) + offset for value in medians.index]
        axes.plot(xs, medians.values, "-o", color=row.color, label=row.book_name, ms=5)
    for label, value in (lines or {}).items():
        axes.axhline(value, color="0.4", ls="--", lw=1)
        axes.annotate(label, (1.0, value), xycoords=("axes fraction", "data"), fontsize=8,
                      ha="right", va="bottom", color="0.3")  # fmt: skip
    if threshold is not None:
        axes.axhline(threshold, color="0.4", ls=":", lw=1)
    if settings:
        axes.set_xticks(range(len(settings)), [str(value) for value in settings])
    else:
        axes.set_xticks([])
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel or metric)
    if title:
        axes.set_title(title)
    return axes
