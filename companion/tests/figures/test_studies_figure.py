"""A study drawn: one line per kind in its colour, the reference lines, refusals."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from gru_companion.figures.studies import plot_study  # noqa: E402
from gru_companion.kinds import KINDS  # noqa: E402


def _table():
    rows = [{"setting": length, "kind": kind, "seed": seed, "selected": seed < 2,
             "test_mse": 0.1 * seed + length / 1000}
            for length in (50, 100) for kind in ("gru", "lstm") for seed in range(3)]  # fmt: skip
    return pd.DataFrame(rows)


def test_each_kind_is_one_line_of_medians_in_its_colour():
    fig, axes = plt.subplots()
    plot_study(axes, _table(), "test_mse", lines={"baseline": 0.167}, threshold=0.01)
    lines = {line.get_label(): line for line in axes.get_lines()}
    for kind in ("gru", "lstm"):
        line = lines[KINDS[kind].book_name]
        assert line.get_color() == KINDS[kind].color
        assert list(line.get_ydata()) == pytest.approx([0.05 + 0.05, 0.1 + 0.05])
    assert [t.get_text() for t in axes.get_xticklabels()] == ["50", "100"]
    assert len(axes.collections) == 2  # the dots of the selected seeds, per kind
    assert sum(len(c.get_offsets()) for c in axes.collections) == 8
    plt.close(fig)


def test_an_unknown_column_is_refused():
    fig, axes = plt.subplots()
    with pytest.raises(KeyError, match="no column 'test_nll'"):
        plot_study(axes, _table(), "test_nll")
    plt.close(fig)
