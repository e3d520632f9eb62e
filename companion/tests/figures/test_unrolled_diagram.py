"""The unrolled drawing: one box per step and layer, every input and state labelled once."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from gru_companion.figures.unrolled import MAX_LAYERS, MAX_STEPS, draw_unrolled  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


@pytest.mark.parametrize("steps", [1, 3, MAX_STEPS])
def test_one_layer_shows_every_input_state_and_shared_weights(steps):
    ax = draw_unrolled(steps)
    drawn = texts(ax)
    boxes = [patch for patch in ax.patches if isinstance(patch, FancyBboxPatch)]
    assert len(boxes) == steps
    assert {f"$x_{{{t}}}$" for t in range(1, steps + 1)} <= set(drawn)
    assert {f"$h_{{{t}}}$" for t in range(steps + 1)} <= set(drawn)
    assert drawn.count("$W,\\,U,\\,b$") == steps  # the same weights in every copy
    assert drawn.count("cell") == steps


def test_outputs_sequence_or_last():
    every = texts(draw_unrolled(3))
    last = texts(draw_unrolled(3, outputs="last"))
    # h_t appears as output above the box and as a state between boxes (or at the end)
    assert every.count("$h_{1}$") == 2 and last.count("$h_{1}$") == 1
    assert every.count("$h_{3}$") == 2 and last.count("$h_{3}$") == 2


def test_stacked_layers_have_their_own_weights():
    ax = draw_unrolled(2, layers=2, cell_label="GRU", show_weights=True)
    drawn = texts(ax)
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 4
    assert drawn.count("$W^{(1)},U^{(1)},b^{(1)}$") == 2
    assert drawn.count("$W^{(2)},U^{(2)},b^{(2)}$") == 2
    assert "$h^{(1)}_{0}$" in drawn and "$h^{(2)}_{2}$" in drawn
    assert "$x_{1}$" in drawn and "$x_{2}$" in drawn


def test_without_weights_and_on_a_given_axes():
    _, ax = plt.subplots()
    assert draw_unrolled(2, show_weights=False, ax=ax) is ax
    assert not any("W" in text for text in texts(ax))


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"steps": 0}, ValueError, "positive"),
        ({"steps": MAX_STEPS + 1}, ValueError, "at most"),
        ({"steps": 2.0}, TypeError, "integer"),
        ({"layers": MAX_LAYERS + 1}, ValueError, "at most"),
        ({"outputs": "all"}, ValueError, "outputs must be one of"),
        ({"cell_label": 3}, TypeError, "cell_label"),
        ({"show_weights": 1}, TypeError, "show_weights"),
        ({"ax": "axes"}, TypeError, "Axes"),
    ],
)
def test_bad_arguments_get_clear_errors(options, error, message):
    with pytest.raises(error, match=message):
        draw_unrolled(**options)
