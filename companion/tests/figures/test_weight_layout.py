"""Weight layout: the arrays drawn have the layers' shapes, blocks line up and are labelled."""

from __future__ import annotations

import io
import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import same_color  # noqa: E402

from gru_companion.analysis.gate_probes import block_columns  # noqa: E402
from gru_companion.figures.cell_diagrams import ROLE_COLORS  # noqa: E402
from gru_companion.figures.weight_layout import (  # noqa: E402
    MAX_COLUMNS,
    block_colors,
    block_slices,
    draw_weight_layout,
    weight_layout,
)
from gru_companion.kinds import KINDS  # noqa: E402
from gru_companion.scratch.recurrent_layer import layer_class  # noqa: E402

# Every kind without peepholes, and the GRU in both of its bias layouts.
LAYOUTS = [(kind, True) for kind in KINDS if not KINDS[kind].peepholes] + [("gru", False)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def gids(ax) -> dict:
    artists = [*ax.patches, *ax.texts, *ax.lines, *ax.collections]
    return {artist.get_gid(): artist for artist in artists if artist.get_gid()}


@pytest.mark.parametrize("kind, reset_after", LAYOUTS)
def test_layout_has_the_shapes_of_the_layer(kind, reset_after):
    options = {"reset_after": reset_after} if KINDS[kind].has_reset_after else {}
    layer = layer_class(kind).initialized(features=3, units=4, seed=0, **options)
    arrays = weight_layout(kind, 3, 4, reset_after=reset_after)
    assert [array.name for array in arrays] == ["kernel", "recurrent_kernel", "bias"]
    assert [array.shape for array in arrays] == [w.shape for w in layer.get_weights()]
    slices = block_slices(kind, 4)
    assert list(slices) == list(KINDS[kind].blocks) == list(layer.gate_names)
    for block, columns in slices.items():
        assert columns == block_columns(layer, block)


def test_bias_bands_and_no_bias():
    gru = {array.name: array for array in weight_layout("gru", 2, 3)}
    assert gru["bias"].bands == (("b", 1), ("b'", 1)) and gru["bias"].rows == 2
    assert gru["kernel"].bands == (("W", 2),) and gru["recurrent_kernel"].rows == 3
    before = weight_layout("gru", 2, 3, reset_after=False)[-1]
    assert before.shape == (9,) and before.bands == (("b", 1),)
    assert [a.name for a in weight_layout("lstm", 2, 3, use_bias=False)] == [
        "kernel", "recurrent_kernel"
    ]  # fmt: skip
    assert weight_layout("lstm", 2, 3, reset_after=False)[-1].shape == (12,)  # no such option


@pytest.mark.parametrize("kind, reset_after", LAYOUTS)
def test_every_block_of_every_array_is_drawn_and_labelled(kind, reset_after):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = draw_weight_layout(kind, 3, 4, reset_after=reset_after)
    drawn = gids(ax)
    blocks = KINDS[kind].blocks
    colors = block_colors(kind)
    for array in weight_layout(kind, 3, 4, reset_after=reset_after):
        assert drawn[f"name:{array.name}"].get_text().startswith(array.name)
        shape = drawn[f"name:{array.name}"].get_text().split("\n")[1]
        assert shape == str(array.shape)
        for band, (symbol, rows) in enumerate(array.bands):
            for block in blocks:
                rectangle = drawn[f"block:{array.name}:{band}:{block}"]
                assert same_color(rectangle.get_facecolor()[:3], colors[block])
                assert rectangle.get_width() == 4 and rectangle.get_height() == rows
                text = drawn[f"text:{array.name}:{band}:{block}"].get_text()
                assert text == (f"${symbol}$" if len(blocks) == 1 else f"${symbol}_{block}$")
    for block, columns in block_slices(kind, 4).items():
        assert drawn[f"slice:{block}"].get_text() == f"{columns.start}:{columns.stop}"
        assert drawn[f"header:{block}"].get_text().startswith(f"${block}$\n")


def test_blocks_line_up_from_kernel_to_bias():
    drawn = gids(draw_weight_layout("gru", 2, 3))
    for block, columns in block_slices("gru", 3).items():
        lefts = {drawn[gid].get_x() for gid in drawn
                 if gid.startswith("block:") and gid.endswith(f":{block}")}  # fmt: skip
        assert lefts == {columns.start}
    tops = [drawn[f"block:{name}:0:z"].get_y() for name in ("kernel", "recurrent_kernel", "bias")]
    assert tops == sorted(tops, reverse=True)  # stacked, kernel on top


def test_gru_blocks_and_lstm_blocks_use_the_cell_diagrams_colours():
    gru, lstm = block_colors("gru"), block_colors("lstm")
    assert gru == {"z": ROLE_COLORS["keep"], "r": ROLE_COLORS["reset"],
                   "h": ROLE_COLORS["candidate"]}  # fmt: skip
    assert lstm == {"i": ROLE_COLORS["write"], "f": ROLE_COLORS["keep"],
                    "c": ROLE_COLORS["candidate"], "o": ROLE_COLORS["output"]}  # fmt: skip
    headers = {block: gids(draw_weight_layout("gru"))[f"header:{block}"].get_text()
               for block in "zrh"}  # fmt: skip
    assert headers == {"z": "$z$\nupdate gate", "r": "$r$\nreset gate", "h": "$h$\ncandidate"}


@pytest.mark.parametrize("kind", ["gru", "lstm", "simple_rnn", "cifg"])
def test_no_text_overlaps_another_or_leaves_the_figure(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = draw_weight_layout(kind, 3, 4)
        ax.figure.canvas.draw()
        renderer = ax.figure.canvas.get_renderer()
        frame = ax.figure.bbox
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    for text, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, text
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, text
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_draws_on_a_given_axes_deterministically():
    def png():
        fig, ax = plt.subplots(figsize=(6, 4))
        assert draw_weight_layout("lstm", 2, 3, ax=ax) is ax
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=40)
        plt.close(fig)
        return buffer.getvalue()

    assert png() == png()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: draw_weight_layout("rnn"), ValueError, "kind"),
        (lambda: draw_weight_layout("gru", 0, 4), ValueError, "features"),
        (lambda: draw_weight_layout("gru", 3, MAX_COLUMNS), ValueError, "too many"),
        (lambda: draw_weight_layout("gru", ax="axes"), TypeError, "ax must be"),
        (lambda: draw_weight_layout("gru", colors={"z": "red"}), ValueError, "each block"),
        (lambda: draw_weight_layout("gru", colors={"z": "red", "r": "red", "h": "nope"}),
         ValueError, "colour"),
        (lambda: weight_layout("gru", 3, 4, reset_after="yes"), TypeError, "reset_after"),
        (lambda: block_slices("gru", 0), ValueError, "units"),
    ],
)  # fmt: skip
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert plt.get_fignums() == []


def test_a_kind_with_peepholes_is_refused_by_name():
    kind = next(key for key, row in KINDS.items() if row.peepholes)
    with pytest.raises(ValueError, match=r"fourth weight, peephole \(3, units\)"):
        weight_layout(kind, 3, 4)
    with pytest.raises(ValueError, match="fourth weight"):
        draw_weight_layout(kind, 3, 4)
