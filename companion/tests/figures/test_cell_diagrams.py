"""Cell drawings: every symbol of the equations is drawn, labels do not overlap, paths light up."""

from __future__ import annotations

import io
import itertools
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import same_color  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gru_companion.figures import cell_diagrams  # noqa: E402
from gru_companion.figures.cell_diagrams import (  # noqa: E402
    CELL_KINDS,
    FADED_COLOR,
    GRU_STAGES,
    HIGHLIGHT_COLOR,
    ROLE_COLORS,
    ROLES,
    _cell_symbols,
    cell_equations,
    draw_cell,
    draw_cells,
    draw_gru_cell,
    draw_gru_stages,
    draw_lstm_cell,
    draw_simple_rnn_cell,
    role_legend,
)

# (kind, options) for every distinct drawing, highlights included.
DRAWINGS = [
    (kind, {"reset_after": reset_after} if kind == "gru" else {})
    for kind in CELL_KINDS
    for reset_after in ((True, False) if kind == "gru" else (True,))
]

# A state or gate symbol in LaTeX: \tilde h_t, h_{t-1}, c_{t-1}, x_t, z_t, ...
SYMBOL = re.compile(r"\\tilde [a-z]_t|[a-z]_\{t-1\}|[a-z]_t")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def draw_quietly(kind, **options):
    """Draw (without rendering) and close a figure; any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = draw_cell(kind, **options)
        plt.close(ax.figure)
    return ax


@pytest.mark.parametrize("show_parameters", [False, True])
@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_every_symbol_of_the_equations_is_drawn(kind, options, show_parameters):
    """(A highlight changes no text: see test_a_highlight_changes_colours_only.)"""
    ax = draw_quietly(kind, **options, show_parameters=show_parameters)
    drawn = set(texts(ax))
    reset_after = options.get("reset_after", True)
    in_equations = {
        f"${token}$"
        for equation in cell_equations(kind, reset_after=reset_after)
        for token in SYMBOL.findall(equation)
    }
    assert in_equations <= drawn, in_equations - drawn
    assert set(_cell_symbols(kind, reset_after=reset_after)) <= drawn
    # and nothing is drawn that the equations do not define
    math = {text for text in drawn if text.startswith("$") and "_" in text and "\n" not in text}
    params = {text for text in math if re.match(r"^\$[WUb]", text)}
    assert math - params <= set(_cell_symbols(kind, reset_after=reset_after))


def test_symbols_by_kind():
    assert set(_cell_symbols("gru")) == {
        "$x_t$", "$h_{t-1}$", "$z_t$", "$r_t$", r"$\tilde h_t$", "$1-z_t$", "$h_t$",
    }  # fmt: skip
    assert set(_cell_symbols("lstm")) == {
        "$x_t$", "$h_{t-1}$", "$c_{t-1}$", "$i_t$", "$f_t$", r"$\tilde c_t$", "$o_t$",
        "$c_t$", "$h_t$",
    }  # fmt: skip
    assert set(_cell_symbols("simple_rnn")) == {"$x_t$", "$h_{t-1}$", "$h_t$"}
    gru = _cell_symbols("gru")
    assert gru["$z_t$"] == r"z_t = \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)"
    assert gru[r"$\tilde h_t$"] == cell_equations("gru")[2]
    assert "(r_t \\odot h_{t-1}) U_h" in _cell_symbols("gru", reset_after=False)[r"$\tilde h_t$"]
    assert _cell_symbols("lstm")["$h_t$"] == r"h_t = o_t \odot \tanh(c_t)"


@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_shapes_of_each_cell(kind, options):
    drawn = texts(draw_quietly(kind, **options))
    count = {symbol: drawn.count(symbol) for symbol in (r"$\sigma$", "tanh", r"$\odot$", "$+$",
                                                        "$1-$", "$U_h$")}  # fmt: skip
    expected = {
        "simple_rnn": {r"$\sigma$": 0, "tanh": 1, r"$\odot$": 0, "$+$": 0, "$1-$": 0},
        "gru": {r"$\sigma$": 2, "tanh": 1, r"$\odot$": 3, "$+$": 1, "$1-$": 1, "$U_h$": 1},
        "lstm": {r"$\sigma$": 3, "tanh": 2, r"$\odot$": 3, "$+$": 1, "$1-$": 0},
    }[kind]
    assert {k: count[k] for k in expected} == expected


@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_a_highlight_changes_colours_only(kind, options):
    def layout(ax):
        return [(t.get_text(), t.get_position()) for t in ax.texts], len(ax.patches)

    for show_parameters in (False, True):
        plain = layout(draw_quietly(kind, **options, show_parameters=show_parameters))
        for name in cell_diagrams.DRAWINGS[kind].highlights:
            lit = draw_quietly(kind, **options, show_parameters=show_parameters, highlight=name)
            assert layout(lit) == plain


@pytest.mark.parametrize("show_parameters", [False, True])
@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_no_text_overlaps_another_or_leaves_the_axes(kind, options, show_parameters):
    """Rendered (warnings fail the test): each text stays apart and inside its axes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = draw_cell(kind, **options, show_parameters=show_parameters)
        ax.figure.canvas.draw()  # applies the equal aspect ratio, which moves the axes
        renderer = ax.figure.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
        plt.close(ax.figure)
    for text, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, text
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, text
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)


def lit_gids(ax) -> set[str]:
    """The gids of every artist drawn in the highlight colour."""
    lit = set()
    for patch in ax.patches:
        if same_color(patch.get_edgecolor(), HIGHLIGHT_COLOR) or same_color(
            patch.get_facecolor(), HIGHLIGHT_COLOR
        ):
            lit.add(patch.get_gid())
    for artist in [*ax.lines, *ax.texts]:
        if same_color(artist.get_color(), HIGHLIGHT_COLOR):
            lit.add(artist.get_gid())
    return lit


@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_nothing_is_lit_without_a_highlight(kind, options):
    assert lit_gids(draw_quietly(kind, **options)) == set()


@pytest.mark.parametrize("kind, options", DRAWINGS)
def test_each_highlight_lights_something(kind, options):
    seen = []
    for name in cell_diagrams.DRAWINGS[kind].highlights:
        lit = lit_gids(draw_quietly(kind, **options, highlight=name))
        assert any(gid.startswith("wire:") for gid in lit), name
        seen.append(frozenset(lit))
    assert len(set(seen)) == len(seen)  # each name lights a different part


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_additive_path_passes_no_layer(reset_after):
    lit = lit_gids(draw_gru_cell(reset_after=reset_after, highlight="additive_path"))
    assert {g for g in lit if g.startswith("wire:")} == {"wire:h_prev", "wire:kept", "wire:h"}
    assert {g for g in lit if g.startswith("node:")} == {"node:keep", "node:sum"}
    assert not any(g.startswith("box:") for g in lit)
    assert {"label:h_prev", "label:h"} <= lit


def test_lstm_additive_path_is_the_cell_state():
    lit = lit_gids(draw_lstm_cell(highlight="additive_path"))
    assert {g for g in lit if g.startswith("wire:")} == {"wire:c_prev", "wire:kept", "wire:c"}
    assert {g for g in lit if g.startswith("node:")} == {"node:forget", "node:sum"}
    assert not any(g.startswith("box:") for g in lit)


def test_simple_rnn_recurrent_path_goes_through_the_layer():
    lit = lit_gids(draw_simple_rnn_cell(highlight="recurrent_path"))
    assert "box:tanh" in lit and {"wire:h_prev", "wire:h"} <= lit
    assert "wire:x" not in lit


def test_reset_after_changes_the_order_of_U_h_and_the_reset_product():
    def heights(ax):
        patches = {p.get_gid(): p for p in ax.patches}
        box = patches["box:U_h"].get_bbox()
        return (box.y0 + box.y1) / 2, patches["node:reset"].center[1]

    box_after, node_after = heights(draw_gru_cell(reset_after=True))
    box_before, node_before = heights(draw_gru_cell(reset_after=False))
    assert box_after < node_after  # U_h first, then r_t ⊙ (·)
    assert node_before < box_before  # r_t ⊙ h_{t-1} first, then U_h


def test_parameters_are_shown_on_request():
    plain = texts(draw_gru_cell())
    shown = texts(draw_gru_cell(show_parameters=True))
    assert "$W_z,U_z$\n$b_z,b'_z$" in shown and "$W_z,U_z$\n$b_z,b'_z$" not in plain
    assert "$W_z,U_z$\n$b_z$" in texts(draw_gru_cell(reset_after=False, show_parameters=True))
    assert "$W_o,U_o$\n$b_o$" in texts(draw_lstm_cell(show_parameters=True))


def test_draws_on_a_given_axes_and_is_deterministic():
    def png(kind):
        fig, ax = plt.subplots(figsize=(4, 3))
        assert draw_cell(kind, ax, highlight="additive_path") is ax
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=40)
        plt.close(fig)
        return buffer.getvalue()

    gru = png("gru")
    assert png("gru") == gru
    assert png("lstm") != gru


def test_draw_cells_side_by_side():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = draw_cells(highlight="additive_path")
        fig.canvas.draw()
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["SimpleRNN", "GRU", "LSTM"]
    lit = [bool(lit_gids(ax)) for ax in fig.axes]
    assert lit == [False, True, True]  # a SimpleRNN has no additive path
    two = draw_cells(["lstm", "gru"], titles=False, show_parameters=True)
    assert [ax.get_title() for ax in two.axes] == ["", ""]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: draw_gru_cell(ax="axes"), TypeError, "ax must be a matplotlib Axes"),
        (lambda: draw_gru_cell(reset_after=1), TypeError, "reset_after"),
        (lambda: draw_gru_cell(highlight="cell_state"), ValueError, "highlight for the GRU cell"),
        (lambda: draw_lstm_cell(highlight="reset_gate"), ValueError, "highlight for the LSTM cell"),
        (lambda: draw_simple_rnn_cell(highlight="additive_path"), ValueError, "highlight"),
        (lambda: draw_lstm_cell(show_parameters="yes"), TypeError, "show_parameters"),
        (lambda: draw_cell("rnn"), ValueError, "kind must be one of"),
        (lambda: draw_cells("gru"), TypeError, "kinds"),
        (lambda: draw_cells([]), TypeError, "kinds"),
        (lambda: draw_cells(["gru", "gru"]), ValueError, "repeat"),
        (lambda: draw_cells(["gru"], highlight="forget_gate"), ValueError, "highlight"),
        (lambda: draw_cells(titles=None), TypeError, "titles"),
        (lambda: cell_equations("GRU"), ValueError, "kind"),
        (lambda: _cell_symbols("gru", reset_after="no"), TypeError, "reset_after"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert plt.get_fignums() == []  # no figure is left half drawn


# --- the GRU built in three stages ------------------------------------------------------------


def styled_gids(ax, color) -> set[str]:
    """The gids of the lines, patch edges and texts drawn in ``color``."""
    found = set()
    for patch in ax.patches:
        if same_color(patch.get_edgecolor(), color) or (
            patch.get_gid().startswith("dot:") and same_color(patch.get_facecolor(), color)
        ):
            found.add(patch.get_gid())
    for artist in [*ax.lines, *ax.texts]:
        if same_color(artist.get_color(), color):
            found.add(artist.get_gid())
    return found


def all_gids(ax) -> set[str]:
    return {artist.get_gid() for artist in [*ax.patches, *ax.lines, *ax.texts]}


@pytest.mark.parametrize("reset_after", [True, False])
def test_each_stage_adds_its_parts_and_fades_the_later_ones(reset_after):
    stages = [
        draw_gru_cell(reset_after=reset_after, show_parameters=True, stage=stage)
        for stage in (1, 2, 3)
    ]
    added = [styled_gids(ax, HIGHLIGHT_COLOR) for ax in stages]
    faded = [styled_gids(ax, FADED_COLOR) for ax in stages]
    # stage 1: the two gates, their inputs and outputs
    assert {"box:sigma_z", "box:sigma_r", "wire:z", "wire:r", "label:z", "label:r",
            "wire:h_prev_z", "wire:x_r"} <= added[0]  # fmt: skip
    assert not any(g.startswith(("node:", "box:U_h", "box:tanh")) for g in added[0])
    # stage 2: the candidate, through U_h, the product with r_t and the tanh
    assert {"box:U_h", "node:reset", "box:tanh", "wire:candidate", "label:candidate",
            "wire:reset_term"} <= added[1]  # fmt: skip
    # stage 3: the interpolation into h_t along the top
    assert {"node:keep", "node:sum", "node:one_minus", "node:blend", "wire:kept", "wire:h",
            "label:h", "label:one_minus_z", "wire:blended"} <= added[2]  # fmt: skip
    # each part is added once; later stages are faded, earlier ones plain
    assert not (added[0] & added[1] or added[1] & added[2] or added[0] & added[2])
    parts = [{g for g in gids if not g.startswith("params:")} for gids in faded]
    assert parts == [added[1] | added[2], added[2], set()]
    # the inputs belong to no stage: plain in every panel
    for ax in stages:
        assert {"label:x", "label:h_prev", "wire:x", "wire:h_prev_bus"}.isdisjoint(
            styled_gids(ax, HIGHLIGHT_COLOR) | styled_gids(ax, FADED_COLOR)
        )
    # a stage changes colours only
    plain = draw_gru_cell(reset_after=reset_after, show_parameters=True)
    assert [(t.get_text(), t.get_position()) for t in stages[0].texts] == [
        (t.get_text(), t.get_position()) for t in plain.texts
    ]


def test_stage_parameters_fade_with_their_boxes():
    ax = draw_gru_cell(show_parameters=True, stage=1)
    faded = {t.get_gid() for t in ax.texts if same_color(t.get_color(), FADED_COLOR)}
    assert {"params:U_h", "params:tanh"} <= faded and "params:sigma_z" not in faded


def test_draw_gru_stages():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = draw_gru_stages()
        fig.canvas.draw()
    assert [ax.get_title(loc="left") for ax in fig.axes] == list(GRU_STAGES)
    assert "z_t" in GRU_STAGES[0] and r"\tilde h_t" in GRU_STAGES[1] and "odot" in GRU_STAGES[2]
    lit = [styled_gids(ax, HIGHLIGHT_COLOR) for ax in fig.axes]
    assert "box:sigma_z" in lit[0] and "box:tanh" in lit[1] and "node:sum" in lit[2]
    assert styled_gids(fig.axes[2], FADED_COLOR) == set()


# --- the GRU and the LSTM with their corresponding parts in the same colours ------------------


def test_corresponding_parts_share_a_colour():
    fig = draw_cells(("gru", "lstm"), colors=ROLE_COLORS)
    gru, lstm = fig.axes
    expected = {
        "keep": ({"box:sigma_z", "wire:z", "label:z", "node:keep"},
                 {"box:sigma_f", "wire:f", "label:f", "node:forget"}),
        "write": ({"node:one_minus", "wire:one_minus_z", "label:one_minus_z", "node:blend"},
                  {"box:sigma_i", "wire:i", "label:i", "node:write"}),
        "candidate": ({"box:tanh", "wire:candidate", "label:candidate"},
                      {"box:tanh_c", "wire:candidate", "label:candidate"}),
        "reset": ({"box:sigma_r", "wire:r", "label:r", "node:reset"}, set()),
        "output": (set(), {"box:sigma_o", "wire:o", "label:o", "node:show", "node:tanh_of_c",
                           "label:h"}),
    }  # fmt: skip
    for role, (in_gru, in_lstm) in expected.items():
        color = ROLE_COLORS[role]
        assert in_gru <= styled_gids(gru, color), role
        assert in_lstm <= styled_gids(lstm, color), role
        assert bool(styled_gids(gru, color)) == bool(in_gru), role  # a missing part: no colour
        assert bool(styled_gids(lstm, color)) == bool(in_lstm), role
    # the memory along the top is in neither colour
    for ax, gid in ((gru, "wire:kept"), (lstm, "wire:kept")):
        assert not any(gid in styled_gids(ax, color) for color in ROLE_COLORS.values())
    # boxes are tinted with their part's colour
    face = {p.get_gid(): p.get_facecolor() for p in gru.patches}["box:sigma_z"]
    assert face[2] > face[0]  # bluish
    assert set(DRAWINGS_ROLES["gru"]) | set(DRAWINGS_ROLES["lstm"]) == set(ROLES)


DRAWINGS_ROLES = {kind: drawing.roles for kind, drawing in cell_diagrams.DRAWINGS.items()}


def test_the_legend_names_each_part_in_each_cell():
    fig = draw_cells(("gru", "lstm"), colors=ROLE_COLORS)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "keep: GRU $z_t$, LSTM $f_t$",
        "write: GRU $1-z_t$, LSTM $i_t$",
        r"candidate: GRU $\tilde h_t$, LSTM $\tilde c_t$",
        "reset: GRU $r_t$, LSTM none",
        "output: GRU none, LSTM $o_t$",
    ]
    assert role_legend(("simple_rnn",), ROLE_COLORS) == []
    assert not draw_cells(("gru", "lstm")).legends
    # a SimpleRNN has no such parts: nothing painted
    ax = draw_simple_rnn_cell(colors=ROLE_COLORS)
    assert all(not styled_gids(ax, color) for color in ROLE_COLORS.values())


def test_colored_drawing_is_deterministic():
    def png():
        fig = draw_cells(("gru", "lstm"), colors=ROLE_COLORS)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=30)
        plt.close(fig)
        return buffer.getvalue()

    assert png() == png()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: draw_gru_cell(stage=4), ValueError, "stage"),
        (lambda: draw_gru_cell(stage=1, highlight="candidate"), ValueError, "at most one"),
        (lambda: draw_gru_cell(colors={"memory": "red"}), ValueError, "part in colors"),
        (lambda: draw_lstm_cell(colors={"keep": "not-a-colour"}), ValueError, "colour"),
        (lambda: draw_lstm_cell(colors=["keep"]), TypeError, "mapping"),
        (lambda: draw_cells(colors=ROLE_COLORS, highlight="additive_path"), ValueError,
         "at most one"),
        (lambda: draw_gru_stages(reset_after=None), TypeError, "reset_after"),
        (lambda: role_legend(("rnn",), ROLE_COLORS), ValueError, "kind"),
    ],
)  # fmt: skip
def test_bad_style_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert plt.get_fignums() == []
