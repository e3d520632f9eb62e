"""The kinds of recurrent cell the course builds: one row per kind, the only place they are written.

A *kind* is a recurrent cell with its own equations: the tanh RNN (``SimpleRNN``), the
LSTM and the GRU that Keras ships, three simplified cells of the chapter on variants
(the minimal gated unit, the GRU without a reset gate and the coupled-gate LSTM), and the
LSTM with peephole connections that Chung et al. (2014) compare the GRU with. Every
module that needs to know something about a kind (how its weights are cut into blocks,
which blocks are sigmoid gates, which states it carries, how the book names it, which
Keras layer computes it) reads it from :data:`KINDS`; none keeps its own list. A new
kind is one new :class:`Kind` row here, a NumPy layer in :mod:`gru_companion.scratch`
and a Keras cell in :mod:`gru_companion.keras.cells`: parameter counts, budgets, costs,
gate probes, the Keras bridge and the experiments' model builder then accept it.

Weights are laid out as Keras lays them out: ``kernel`` (features, k·units),
``recurrent_kernel`` (units, k·units) and ``bias`` (k·units,) with one column block per
entry of :attr:`Kind.blocks`, in that order; a GRU with ``reset_after=True`` keeps two
bias rows, ``bias`` (2, k·units). A kind with peepholes (:attr:`Kind.peepholes`) keeps a
fourth weight, ``peephole`` (p, units): one row of diagonal weights per gate that peeks at
the cell state, in the order of :attr:`Kind.peepholes`.

This module is pure data: it imports nothing of the package and nothing of Keras.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What the course knows of one kind of recurrent cell.

    Attributes
    ----------
    key
        The short name every function takes (``"gru"``).
    name
        How tables and messages name the layer (``"GRU"``).
    book_name
        How the chapters' prose and plot legends name it (``"tanh RNN"`` for
        ``"simple_rnn"``).
    blocks
        The column blocks of its weights, in Keras's order; the number of blocks is the
        ``k`` of every parameter count (``("z", "r", "h")``).
    sigmoid_gates
        The blocks that pass through the logistic sigmoid: the gates. The other blocks are
        candidates (through tanh).
    states
        The states carried from step to step (``("h",)``, or ``("h", "c")`` for an LSTM).
    keras_layer
        The class of ``keras.layers`` that computes it, or ``None`` when the course's own
        cell in :mod:`gru_companion.keras.cells` does (run by ``keras.layers.RNN``).
    has_reset_after
        Whether it has Keras's ``reset_after`` option (the GRU): with
        ``reset_after=True`` it keeps an input and a recurrent bias per block.
    ties
        For a simplified cell, the full kind it equals with tied weights (``"gru"``
        or ``"lstm"``); ``None`` for the full cells.
    color
        The matplotlib colour every chapter draws it in, so a kind looks the same on
        every page.
    peepholes
        The gates that also read the cell state through a diagonal weight, a *peephole*
        (``("i", "f", "o")`` for the LSTM of Gers and Schmidhuber, 2000); each adds
        ``units`` parameters, kept as one row of the weight ``peephole``. Empty for the
        kinds without.
    """

    key: str
    name: str
    book_name: str
    blocks: tuple[str, ...]
    sigmoid_gates: tuple[str, ...]
    states: tuple[str, ...]
    keras_layer: str | None = None
    has_reset_after: bool = False
    ties: str | None = None
    color: str = "tab:gray"
    peepholes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not set(self.sigmoid_gates) <= set(self.blocks):
            raise ValueError(f"{self.key}: sigmoid gates {self.sigmoid_gates} are not all blocks")
        if len(set(self.blocks)) != len(self.blocks):
            raise ValueError(f"{self.key}: blocks {self.blocks} repeat a name")
        if not set(self.peepholes) <= set(self.sigmoid_gates):
            raise ValueError(f"{self.key}: peepholes {self.peepholes} are not all sigmoid gates")
        if len(set(self.peepholes)) != len(self.peepholes):
            raise ValueError(f"{self.key}: peepholes {self.peepholes} repeat a gate")
        if self.peepholes and "c" not in self.states:
            raise ValueError(
                f"{self.key}: peepholes read a cell state, but its states are {self.states}"
            )

    @property
    def gate_blocks(self) -> int:
        """The number k of column blocks in its weights."""
        return len(self.blocks)

    def bias_vectors(self, *, use_bias: bool = True, reset_after: bool = True) -> int:
        """Bias vectors per block: 0 without biases, 2 for a ``reset_after`` GRU, else 1."""
        if not use_bias:
            return 0
        return 2 if self.has_reset_after and reset_after else 1


def _table(*kinds: Kind) -> dict[str, Kind]:
    return {kind.key: kind for kind in kinds}


#: Every kind by key, in the order the book introduces them (a new kind goes last, since the
#: experiments derive seeds from a kind's position). Code reads it; only this module
#: writes it (a test may add a throw-away row with ``monkeypatch.setitem``).
KINDS: dict[str, Kind] = _table(
    Kind("simple_rnn", "SimpleRNN", "tanh RNN", ("h",), (), ("h",), keras_layer="SimpleRNN",
         color="tab:gray"),
    Kind("lstm", "LSTM", "LSTM", ("i", "f", "c", "o"), ("i", "f", "o"), ("h", "c"),
         keras_layer="LSTM", color="tab:blue"),
    Kind("gru", "GRU", "GRU", ("z", "r", "h"), ("z", "r"), ("h",), keras_layer="GRU",
         has_reset_after=True, color="tab:red"),
    Kind("mgu", "MGU", "MGU (one gate)", ("f", "h"), ("f",), ("h",), ties="gru",
         color="tab:green"),
    Kind("gru_no_reset", "GRU without reset gate", "GRU without reset gate", ("z", "h"),
         ("z",), ("h",), ties="gru", color="tab:purple"),
    Kind("cifg", "coupled-gate LSTM", "coupled-gate LSTM", ("f", "c", "o"), ("f", "o"),
         ("h", "c"), ties="lstm", color="tab:cyan"),
    Kind("peephole_lstm", "peephole LSTM", "peephole LSTM", ("i", "f", "c", "o"),
         ("i", "f", "o"), ("h", "c"), peepholes=("i", "f", "o"), color="tab:brown"),
)  # fmt: skip

#: The three kinds Keras ships, compared throughout the book.
CORE = ("simple_rnn", "lstm", "gru")

#: The kinds of the chapter on variants, the two full gated cells and their simplifications.
VARIANTS = ("gru", "mgu", "gru_no_reset", "lstm", "cifg")


def kind_of(key: object) -> Kind:
    """The row of ``key``.

    Parameters
    ----------
    key
        A key of :data:`KINDS`, e.g. ``"gru"``.

    Raises
    ------
    TypeError
        If ``key`` is not a string.
    ValueError
        If no kind has that key (the message lists the keys).

    Examples
    --------
    >>> kind_of("gru").blocks
    ('z', 'r', 'h')
    """
    if not isinstance(key, str):
        raise TypeError(f"kind must be a str, one of {list(KINDS)}; got {type(key).__name__}")
    if key not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {key!r}")
    return KINDS[key]


def by_keras_layer(class_name: str) -> Kind | None:
    """The kind a ``keras.layers`` class computes (``"GRU"`` → the GRU's row), or ``None``."""
    return next((kind for kind in KINDS.values() if kind.keras_layer == class_name), None)
