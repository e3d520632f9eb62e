"""Bach chorales as piano rolls, built from the corpus that ships with music21.

Chung et al. (2014) compared GRU, LSTM and tanh RNNs on polyphonic music, among it the
*JSB Chorales* set of Boulanger-Lewandowski et al. (2012): 382 four-part chorales by
J. S. Bach as piano rolls of 88 keys at quarter-note resolution, split 229 / 76 / 77 into
training, validation and test pieces. That file is downloaded from the web; this module
builds a set of the same kind from the chorales bundled with ``music21``
(``music21.corpus.getComposer("bach")``, 433 files), with no network access.

How a piece becomes a piano roll:

* **Which pieces.** A piece is kept if it parses and has exactly four parts (the four
  voices, soprano, alto, tenor and bass; none of them holds chords). Skipped, with the
  reason recorded: Roman-numeral analyses (``.rntxt`` files, not scores), second
  encodings of the same chorale (``bwv277.krn`` next to ``bwv277.mxl``: the ``.mxl``
  is kept), pieces that fail to parse, pieces with instrumental parts besides the
  voices (five parts or more) or that are not chorales at all, and pieces whose
  transposed piano roll is identical to that of a piece kept before them (the same
  harmonisation under two BWV numbers, such as ``bwv62.6`` and ``bwv274``), so that
  no piece is in two splits. Files are visited in sorted order of their identifiers.
* **Time.** One step per quarter note (the JSB Chorales resolution): step ``t`` holds the
  notes sounding at the start of beat ``t``, that is at ``t`` quarter notes from the
  start of the piece. Shorter notes that start between beats (passing eighth notes) are
  therefore not seen, and at most four keys are on at a time. Repeats are not expanded.
* **Keys.** 88 binary columns, column ``j`` for MIDI note ``21 + j`` (A0 to C8).
* **Common key.** By default each piece is transposed so that its key becomes C major
  (major pieces) or A minor (minor pieces): the key found by music21's key analysis
  (``score.analyze("key")``: the Krumhansl-Schmuckler method with Aarden-Essen key
  profiles, music21's default), moved by the smaller interval (a tritone is moved down).
  The key signature is *not* used: in 61 of the 368 four-part files of music21 10.5 the
  signature and the analysis disagree, 42 times because the chorale is notated with one
  flat fewer than its key (old "Dorian" signatures, such as G minor with one flat), and
  the last bass note is the analysed tonic in 42 of the 61.
* **Split.** Each piece's split depends on its identifier alone, through a stable hash
  (SHA-256 of e.g. ``"bach/bwv10.7.mxl"``): about 60 % training, 20 % validation and
  20 % test, close to the JSB proportions. The split is the same on every machine, and a
  piece is in the same split in the small subset as in the full set.

With music21 10.5.1 the full set keeps 362 chorales, 224 for training, 69 for validation
and 69 for test (54 quarter notes long on average, 24 to 193), and skips 71 files: 45 that
are not four-voice chorales, 20 analyses, 3 second encodings and 3 identical rolls.

Building the full set parses every file (about 25 to 35 seconds); the result is
cached as a compressed ``.npz`` file (see :func:`default_cache_dir`) and later calls read
it in well under a second. ``subset="small"`` builds 12 chorales in a few seconds, for
tests and quick demonstrations.
"""

from __future__ import annotations

import hashlib
import math
import os
import pathlib
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from gru_companion.validation import check_bool, check_choice, check_ndarray

N_KEYS = 88
"""Number of piano keys, the width of a piano roll."""

LOWEST_MIDI = 21
"""MIDI number of the lowest key (A0), column 0 of a piano roll."""

SPLITS = ("train", "valid", "test")
"""Names of the three splits, in order."""

SPLIT_FRACTIONS = {"train": 0.6, "valid": 0.2, "test": 0.2}
"""Expected share of the pieces in each split (the hash makes the counts approximate)."""

SMALL_SUBSET = (
    "bach/bwv1.6.mxl",
    "bach/bwv102.7.mxl",
    "bach/bwv103.6.mxl",
    "bach/bwv104.6.mxl",
    "bach/bwv110.7.mxl",
    "bach/bwv117.4.mxl",
    "bach/bwv125.6.mxl",
    "bach/bwv13.6.mxl",
    "bach/bwv139.6.mxl",
    "bach/bwv2.6.mxl",
    "bach/bwv254.mxl",
    "bach/bwv274.mxl",
    "bach/bwv281.krn",
    "bach/bwv281.mxl",
    "bach/bwv62.6.mxl",
)
"""The files of the small subset, 12 four-voice chorales (6 training, 3 validation, 3 test;
10 keys, 3 pieces with old "Dorian" key signatures) and 3 files that are skipped, one
for each reason met in the corpus: ``bwv1.6`` (five parts, with a horn), ``bwv62.6`` (the
same music as ``bwv274``, which comes first in sorted order) and ``bwv281.krn`` (a second
encoding of ``bwv281.mxl``)."""

CACHE_ENV_VAR = "GRU_COMPANION_CACHE"
"""Environment variable naming the cache directory (see :func:`default_cache_dir`)."""

_CACHE_FORMAT = 1
_EXTENSION_PREFERENCE = (".mxl", ".xml", ".musicxml", ".krn", ".mid", ".midi", ".abc")


@dataclass(frozen=True, eq=False)
class ChoraleRolls:
    """Piano rolls of the Bach chorales, split into training, validation and test pieces.

    Each roll is a ``bool`` array of shape ``(time_steps, 88)``: one row per quarter note,
    column ``j`` true when MIDI note ``21 + j`` sounds at the start of that beat.

    Attributes
    ----------
    subset
        ``"full"`` or ``"small"``.
    transposed
        Whether the pieces were transposed to C major / A minor.
    train, valid, test
        The rolls of each split, one array per piece, in the order of the identifiers.
    train_ids, valid_ids, test_ids
        The music21 corpus identifiers of the pieces, e.g. ``"bach/bwv10.7.mxl"``
        (``music21.corpus.parse`` accepts them).
    keys
        The key music21's analysis found for each kept piece, before transposition, e.g.
        ``{"bach/bwv10.7.mxl": "g minor"}``.
    skipped
        Each skipped file's identifier and the reason it was skipped.
    """

    subset: str
    transposed: bool
    train: tuple[np.ndarray, ...]
    valid: tuple[np.ndarray, ...]
    test: tuple[np.ndarray, ...]
    train_ids: tuple[str, ...]
    valid_ids: tuple[str, ...]
    test_ids: tuple[str, ...]
    keys: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def n_skipped(self) -> int:
        """Number of files of the subset that were skipped."""
        return len(self.skipped)

    @property
    def n_pieces(self) -> int:
        """Number of pieces kept, all splits together."""
        return len(self.train) + len(self.valid) + len(self.test)

    def rolls(self, split: str) -> tuple[np.ndarray, ...]:
        """The rolls of ``split`` (``"train"``, ``"valid"`` or ``"test"``)."""
        check_choice("split", split, SPLITS)
        return getattr(self, split)

    def ids(self, split: str) -> tuple[str, ...]:
        """The piece identifiers of ``split`` (``"train"``, ``"valid"`` or ``"test"``)."""
        check_choice("split", split, SPLITS)
        return getattr(self, f"{split}_ids")


@dataclass(frozen=True, eq=False)
class NextStepBatch:
    """Padded next-step prediction arrays for a list of piano rolls.

    Sequences are right-padded with zeros to the longest one (the layout cuDNN needs).

    Attributes
    ----------
    inputs
        ``float32`` array of shape ``(pieces, steps, 88)``: the frames a model reads.
    targets
        ``float32`` array of shape ``(pieces, steps, 88)``: the frame that follows each
        input frame.
    mask
        ``bool`` array of shape ``(pieces, steps)``: true at real steps, false at padding.
    lengths
        ``int64`` array of shape ``(pieces,)``: the number of real steps of each sequence.
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray


def default_cache_dir() -> Path:
    """The directory where built piano rolls are cached.

    The first of: the environment variable ``GRU_COMPANION_CACHE``;
    ``$XDG_CACHE_HOME/gru_companion``; ``~/.cache/gru_companion``. It is created when a
    cache file is first written, never inside the repository.
    """
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return pathlib.Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(xdg).expanduser() if xdg else pathlib.Path.home() / ".cache"
    return base / "gru_companion"


def chorale_split(piece_id: str) -> str:
    """The split (``"train"``, ``"valid"`` or ``"test"``) of a piece, from its identifier.

    The first 8 bytes of the SHA-256 digest of ``piece_id`` (UTF-8), read as an unsigned
    integer and divided by 2**64, give a number ``u`` in [0, 1): training if
    ``u < 0.6``, validation if ``u < 0.8``, test otherwise. It depends on nothing else,
    so it does not change when other pieces are added or skipped.

    Parameters
    ----------
    piece_id
        A corpus identifier such as ``"bach/bwv10.7.mxl"``.

    Raises
    ------
    TypeError
        If ``piece_id`` is not a string.
    ValueError
        If ``piece_id`` is empty.
    """
    if not isinstance(piece_id, str):
        raise TypeError(f"piece_id must be a str, got {type(piece_id).__name__}")
    if not piece_id:
        raise ValueError("piece_id must be a non-empty string, got ''")
    digest = hashlib.sha256(piece_id.encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    if u < SPLIT_FRACTIONS["train"]:
        return "train"
    if u < SPLIT_FRACTIONS["train"] + SPLIT_FRACTIONS["valid"]:
        return "valid"
    return "test"


def key_shift(key: Any) -> int:
    """Semitones that move a key to C major (major keys) or A minor (minor keys).

    The smaller of the two moves is taken, in -6..5 (a tritone is moved down).

    Parameters
    ----------
    key
        A ``music21.key.Key``, e.g. from ``score.analyze("key")``.

    Returns
    -------
    int
        Add this to every MIDI note number to transpose, e.g. 2 for B-flat major, -3 for
        C minor (to A minor).

    Raises
    ------
    TypeError
        If ``key`` is not a ``music21.key.Key``.
    ValueError
        If its mode is neither major nor minor.
    """
    from music21 import key as m21key

    if not isinstance(key, m21key.Key):
        raise TypeError(f"key must be a music21.key.Key, got {type(key).__name__}")
    check_choice("key.mode", key.mode, ("major", "minor"))
    target = 0 if key.mode == "major" else 9
    shift = (target - key.tonic.pitchClass) % 12
    return shift - 12 if shift >= 6 else shift


def load_chorales(
    subset: str = "full",
    *,
    transpose: bool = True,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> ChoraleRolls:
    """Bach chorales from music21's corpus as piano rolls, split by piece.

    See the module's description for how pieces are chosen, sampled, transposed and
    split. The first call for a given ``subset`` and ``transpose`` parses the files and
    writes a cache file; later calls read it (a new music21 version builds a new file).

    Parameters
    ----------
    subset
        ``"full"``: every Bach file of the corpus (433 files; building takes about 25 to
        35 seconds on the course's machines). ``"small"``: the files of
        :data:`SMALL_SUBSET` (12 chorales and 3 skipped files, one to three seconds).
    transpose
        Whether to transpose each piece to C major / A minor (see :func:`key_shift`).
    cache_dir
        Directory of the cache file; ``None`` for :func:`default_cache_dir`.
    use_cache
        Whether to read and write the cache file. ``False`` always parses and writes
        nothing.

    Returns
    -------
    ChoraleRolls
        The rolls and identifiers of each split, the analysed keys and the skipped files
        with their reasons.

    Raises
    ------
    TypeError
        If ``transpose`` or ``use_cache`` is not a bool, or ``cache_dir`` is not a
        string, path or ``None``.
    ValueError
        If ``subset`` is not ``"full"`` or ``"small"``.
    """
    check_choice("subset", subset, ("full", "small"))
    check_bool("transpose", transpose)
    check_bool("use_cache", use_cache)
    if cache_dir is not None and not isinstance(cache_dir, str | os.PathLike):
        raise TypeError(
            f"cache_dir must be a str, a path or None, got {type(cache_dir).__name__}"
        )
    cache_file = None
    if use_cache:
        directory = pathlib.Path(cache_dir) if cache_dir is not None else default_cache_dir()
        version = metadata.version("music21")
        variant = "transposed" if transpose else "original"
        if subset == "small":  # a changed list of files gets a new cache file
            listing = hashlib.sha256("\n".join(SMALL_SUBSET).encode()).hexdigest()[:8]
            subset_name = f"small-{listing}"
        else:
            subset_name = subset
        name = f"bach-chorales-{subset_name}-{variant}-music21-{version}-v{_CACHE_FORMAT}.npz"
        cache_file = directory / name
        if cache_file.exists():
            try:
                return _read_cache(cache_file, subset, transpose)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                pass  # unreadable, or from an older layout: build it again
    result = _build(subset, transpose)
    if cache_file is not None:
        _write_cache(cache_file, result)
    return result


def next_step_sequences(
    rolls: Sequence[np.ndarray], *, predict_first: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Next-step prediction pairs ``(inputs, targets)``, one per roll, not padded.

    For a roll ``x`` of ``T`` steps, ``inputs = x[:-1]`` and ``targets = x[1:]``
    (``T - 1`` steps: the model reads frame ``t`` and predicts frame ``t + 1``). With
    ``predict_first=True`` an all-zero frame is put before the inputs, so that all ``T``
    frames are predicted (the first from no context).

    Parameters
    ----------
    rolls
        Piano rolls, each a 2-D ``bool``, integer or float array of 0s and 1s of shape
        ``(steps, keys)``, all with the same number of keys.
    predict_first
        Whether to predict the first frame too (see above).

    Returns
    -------
    list of tuple of numpy.ndarray
        ``float32`` arrays ``(inputs, targets)``, each of shape ``(steps, keys)``.

    Raises
    ------
    TypeError
        If ``rolls`` is not a list or tuple of arrays, or ``predict_first`` not a bool.
    ValueError
        If ``rolls`` is empty, a roll is not 2-D, holds values other than 0 and 1, has
        too few steps (2 needed, 1 with ``predict_first``) or another number of keys.
    """
    check_bool("predict_first", predict_first)
    checked = _check_rolls(rolls, min_steps=1 if predict_first else 2)
    pairs = []
    for roll in checked:
        frames = roll.astype(np.float32)
        if predict_first:
            inputs = np.concatenate([np.zeros_like(frames[:1]), frames[:-1]])
            pairs.append((inputs, frames.copy()))
        else:
            pairs.append((frames[:-1].copy(), frames[1:].copy()))
    return pairs


def next_step_batch(
    rolls: Sequence[np.ndarray], *, predict_first: bool = False
) -> NextStepBatch:
    """Next-step prediction arrays for a list of rolls, right-padded with a mask.

    The pairs of :func:`next_step_sequences`, stacked after padding each with zeros at the
    end to the longest one.

    Parameters
    ----------
    rolls
        Piano rolls, as for :func:`next_step_sequences`.
    predict_first
        Whether to predict the first frame too (see :func:`next_step_sequences`).

    Returns
    -------
    NextStepBatch
        ``inputs`` and ``targets`` of shape ``(pieces, steps, keys)``, ``mask`` of shape
        ``(pieces, steps)`` and ``lengths``.

    Raises
    ------
    TypeError, ValueError
        As :func:`next_step_sequences`.
    """
    pairs = next_step_sequences(rolls, predict_first=predict_first)
    lengths = np.array([len(inputs) for inputs, _ in pairs], dtype=np.int64)
    n_keys = pairs[0][0].shape[1]
    steps = int(lengths.max())
    inputs = np.zeros((len(pairs), steps, n_keys), dtype=np.float32)
    targets = np.zeros_like(inputs)
    mask = np.zeros((len(pairs), steps), dtype=bool)
    for i, (x, y) in enumerate(pairs):
        inputs[i, : len(x)] = x
        targets[i, : len(y)] = y
        mask[i, : len(x)] = True
    return NextStepBatch(inputs=inputs, targets=targets, mask=mask, lengths=lengths)


def key_frequencies(rolls: Sequence[np.ndarray]) -> np.ndarray:
    """How often each key sounds: the share of the time steps of ``rolls`` in which it is on.

    Predicting these probabilities at every step, whatever came before, is the best a
    model *without memory* can do on the rolls they were counted on (the Bernoulli NLL of
    a constant prediction is smallest at the observed frequencies). Counted on the
    training pieces and scored on others with :func:`bernoulli_nll`, it is the baseline a
    sequence model must beat: the part of its score below that line is what it learned
    from the order of the notes.

    Parameters
    ----------
    rolls
        Piano rolls, as for :func:`next_step_sequences` (at least one, each at least one
        step long).

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(keys,)``, each value in [0, 1].

    Raises
    ------
    TypeError, ValueError
        As :func:`next_step_sequences`.
    """
    frames = np.concatenate(_check_rolls(rolls, min_steps=1))
    return frames.mean(axis=0, dtype=np.float64)


def bernoulli_nll(
    predictions: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    from_logits: bool = False,
    eps: float = 1e-7,
) -> float:
    r"""Negative log-likelihood per time step of binary frames (Chung et al., 2014).

    Each of the ``K`` keys (88 for piano rolls) is an independent Bernoulli variable with
    probability :math:`p_{t,k}` of being on. The loss of one step is the sum over the keys
    of the binary cross-entropy, in nats,

    .. math::

        \ell_t = -\sum_{k=1}^{K} \big[ y_{t,k} \log p_{t,k}
                 + (1 - y_{t,k}) \log (1 - p_{t,k}) \big],

    and the result is the mean of :math:`\ell_t` over all real steps of all sequences
    (the total over the steps the mask keeps, divided by their number): long pieces
    weigh more than short ones, as in a per-step average over a whole data set.

    Parameters
    ----------
    predictions
        Probabilities in [0, 1] (or logits, any real numbers, with ``from_logits``), a
        float array of shape ``(..., K)``, e.g. ``(pieces, steps, 88)`` or
        ``(steps, 88)``.
    targets
        The frames that occurred, 0s and 1s, of the same shape (bool, integer or float).
    mask
        ``bool`` array of shape ``predictions.shape[:-1]``, true at the steps to count;
        ``None`` counts every step. At least one step must be counted.
    from_logits
        Whether ``predictions`` are logits :math:`z`, with :math:`p = \sigma(z)`; the loss
        is then computed without forming :math:`p`, as
        :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`.
    eps
        With probabilities, they are clipped to ``[eps, 1 - eps]`` first (as Keras's
        binary cross-entropy does, with the same default 1e-7), so that a confident wrong
        prediction costs about 16 nats per key instead of infinity.

    Returns
    -------
    float
        The mean negative log-likelihood per counted step, in nats.

    Raises
    ------
    TypeError
        If an array is not a ``numpy.ndarray`` of a suitable dtype, ``from_logits`` is not
        a bool or ``eps`` not a number.
    ValueError
        If shapes disagree, an array has fewer than 2 dimensions, values are out of range
        (probabilities outside [0, 1], targets other than 0 and 1, non-finite values),
        ``eps`` is not in (0, 0.5), or the mask counts no step.
    """
    check_bool("from_logits", from_logits)
    predictions = check_ndarray("predictions", predictions, kinds="f")
    targets = check_ndarray("targets", targets, kinds="biuf")
    if predictions.ndim < 2:
        raise ValueError(
            "predictions must have at least 2 dimensions (..., keys), "
            f"got shape {predictions.shape}"
        )
    if targets.shape != predictions.shape:
        raise ValueError(
            f"targets must have the shape of predictions {predictions.shape}, "
            f"got {targets.shape}"
        )
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"eps must be a float, got {type(eps).__name__} {eps!r}")
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be strictly between 0 and 0.5, got {eps}")
    if not np.all(np.isfinite(predictions)):
        raise ValueError("predictions must be finite, got NaN or infinite values")
    if not from_logits and (predictions.min() < 0.0 or predictions.max() > 1.0):
        raise ValueError(
            "predictions must be probabilities in [0, 1] (pass from_logits=True for "
            f"logits), got values from {predictions.min()} to {predictions.max()}"
        )
    if not np.all((targets == 0) | (targets == 1)):
        raise ValueError("targets must hold only 0s and 1s")
    if mask is None:
        mask = np.ones(predictions.shape[:-1], dtype=bool)
    else:
        mask = check_ndarray("mask", mask, kinds="b")
        if mask.shape != predictions.shape[:-1]:
            raise ValueError(
                f"mask must have shape {predictions.shape[:-1]} (predictions' shape "
                f"without the last axis), got {mask.shape}"
            )
    n_steps = int(mask.sum())
    if n_steps == 0:
        raise ValueError("mask must keep at least one step, got none")
    y = targets.astype(np.float64)
    if from_logits:
        z = predictions.astype(np.float64)
        per_key = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    else:
        p = np.clip(predictions.astype(np.float64), eps, 1.0 - eps)
        per_key = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    per_step = per_key.sum(axis=-1)
    return float(per_step[mask].sum() / n_steps)


# --- building and caching -------------------------------------------------------------


def _four_voices(score: Any) -> list[Any]:
    """The four parts of a four-voice chorale, or a ``TypeError``/``ValueError`` why not."""
    from music21 import stream

    if not isinstance(score, stream.Score):
        raise TypeError(f"score must be a music21.stream.Score, got {type(score).__name__}")
    parts = list(score.parts)
    if len(parts) != 4:
        names = ", ".join(str(part.partName) for part in parts)
        raise ValueError(
            f"expected 4 parts (soprano, alto, tenor, bass), got {len(parts)}: {names}"
        )
    if math.ceil(float(score.highestTime)) == 0:
        raise ValueError("the score holds no notes (its length is 0 quarter notes)")
    for part in parts:
        notes = list(part.flatten().notes)
        if not notes:
            raise ValueError(f"part {part.partName!r} holds no notes")
        for element in notes:
            if element.isChord:
                raise ValueError(
                    f"part {part.partName!r} holds a chord at offset {element.offset}: "
                    "not a single voice"
                )
    return parts


def _fill_roll(score: Any, parts: list[Any], shift: int) -> np.ndarray:
    """The roll of the (checked) four parts, every note moved by ``shift`` semitones."""
    roll = np.zeros((math.ceil(float(score.highestTime)), N_KEYS), dtype=bool)
    for part in parts:
        for element in part.flatten().notes:
            start = float(element.offset)
            end = start + float(element.quarterLength)
            column = element.pitch.midi + shift - LOWEST_MIDI
            if not 0 <= column < N_KEYS:
                raise ValueError(
                    f"note {element.pitch.nameWithOctave} (MIDI {element.pitch.midi}, "
                    f"moved by {shift}) is outside the 88 keys (MIDI 21..108)"
                )
            # Steps t with start <= t < end (grace notes, of length 0, sound at none).
            roll[math.ceil(start) : math.ceil(end), column] = True
    return roll


def _corpus_paths() -> dict[str, Path]:
    """Identifier (``"bach/<file name>"``) -> path of every Bach file in the corpus."""
    from music21 import corpus

    paths = corpus.getComposer("bach")
    return {f"{path.parent.name}/{path.name}": pathlib.Path(path) for path in paths}


def _parse(path: Path) -> Any:
    """Parse one corpus file (a separate function so that tests can replace it)."""
    from music21 import corpus

    return corpus.parse(path)


def _pre_parse_skips(piece_ids: Sequence[str]) -> dict[str, str]:
    """Files skipped without parsing: analyses and second encodings of a chorale."""
    skipped = {}
    by_stem: dict[str, list[str]] = {}
    for piece_id in piece_ids:
        by_stem.setdefault(_stem(piece_id), []).append(piece_id)
    for piece_id in piece_ids:
        suffix = pathlib.PurePosixPath(piece_id).suffix.lower()
        if suffix == ".rntxt":
            skipped[piece_id] = "a Roman-numeral analysis (.rntxt), not a score of voices"
            continue
        siblings = by_stem[_stem(piece_id)]
        if len(siblings) > 1:
            kept = min(siblings, key=_extension_rank)
            if kept != piece_id:
                skipped[piece_id] = f"a second encoding of the same chorale as {kept}"
    return skipped


def _stem(piece_id: str) -> str:
    """The identifier without its extension: ``"bach/bwv281.krn"`` -> ``"bach/bwv281"``."""
    return pathlib.PurePosixPath(piece_id).with_suffix("").as_posix()


def _extension_rank(piece_id: str) -> tuple[int, str]:
    suffix = pathlib.PurePosixPath(piece_id).suffix.lower()
    rank = (
        _EXTENSION_PREFERENCE.index(suffix)
        if suffix in _EXTENSION_PREFERENCE
        else len(_EXTENSION_PREFERENCE)
    )
    return rank, piece_id


def _build(subset: str, transpose: bool) -> ChoraleRolls:
    paths = _corpus_paths()
    piece_ids = sorted(paths) if subset == "full" else list(SMALL_SUBSET)
    missing = [piece_id for piece_id in piece_ids if piece_id not in paths]
    if missing:
        raise RuntimeError(
            f"music21's corpus lacks {len(missing)} expected file(s): {', '.join(missing)}"
        )
    skipped = _pre_parse_skips(piece_ids)
    rolls: dict[str, list[np.ndarray]] = {split: [] for split in SPLITS}
    ids: dict[str, list[str]] = {split: [] for split in SPLITS}
    keys: dict[str, str] = {}
    seen: dict[bytes, str] = {}  # transposed roll -> the piece kept with it
    for piece_id in piece_ids:
        if piece_id in skipped:
            continue
        try:
            score = _parse(paths[piece_id])
        except Exception as error:  # any failure of the parser skips the file
            skipped[piece_id] = f"failed to parse: {type(error).__name__}: {error}"
            continue
        try:
            parts = _four_voices(score)
            key = score.analyze("key")
            # Duplicates are found in the common key whether or not it is returned, so
            # that both variants keep the same pieces.
            common = _fill_roll(score, parts, key_shift(key))
            roll = common if transpose else _fill_roll(score, parts, 0)
        except (TypeError, ValueError) as error:
            skipped[piece_id] = f"not a four-voice chorale: {error}"
            continue
        fingerprint = str(common.shape).encode() + np.packbits(common).tobytes()
        if fingerprint in seen:
            skipped[piece_id] = f"the same piano roll as {seen[fingerprint]} (in C major / A minor)"
            continue
        seen[fingerprint] = piece_id
        split = chorale_split(piece_id)
        rolls[split].append(roll)
        ids[split].append(piece_id)
        keys[piece_id] = str(key)
    return ChoraleRolls(
        subset=subset,
        transposed=transpose,
        train=tuple(rolls["train"]),
        valid=tuple(rolls["valid"]),
        test=tuple(rolls["test"]),
        train_ids=tuple(ids["train"]),
        valid_ids=tuple(ids["valid"]),
        test_ids=tuple(ids["test"]),
        keys=keys,
        skipped=dict(sorted(skipped.items())),
    )


def _write_cache(path: Path, data: ChoraleRolls) -> None:
    """Write ``data`` to ``path`` atomically (parallel test workers may race)."""
    all_ids = [*data.train_ids, *data.valid_ids, *data.test_ids]
    all_rolls = [*data.train, *data.valid, *data.test]
    splits = [split for split in SPLITS for _ in data.ids(split)]
    arrays = {
        "format": np.array(_CACHE_FORMAT),
        "rolls": np.concatenate(all_rolls) if all_rolls else np.zeros((0, N_KEYS), bool),
        "lengths": np.array([len(roll) for roll in all_rolls], dtype=np.int64),
        "ids": np.array(all_ids, dtype=str),
        "splits": np.array(splits, dtype=str),
        "keys": np.array([data.keys[piece_id] for piece_id in all_ids], dtype=str),
        "skipped_ids": np.array(list(data.skipped), dtype=str),
        "skipped_reasons": np.array(list(data.skipped.values()), dtype=str),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a cache may be shared
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def _read_cache(path: Path, subset: str, transpose: bool) -> ChoraleRolls:
    with np.load(path, allow_pickle=False) as stored:
        if int(stored["format"]) != _CACHE_FORMAT:
            raise ValueError(f"{path} has cache format {int(stored['format'])}")
        rolls = np.split(stored["rolls"].astype(bool), np.cumsum(stored["lengths"])[:-1])
        ids = [str(piece_id) for piece_id in stored["ids"]]
        splits = [str(split) for split in stored["splits"]]
        keys = dict(zip(ids, (str(key) for key in stored["keys"]), strict=True))
        skipped = dict(
            zip(
                (str(piece_id) for piece_id in stored["skipped_ids"]),
                (str(reason) for reason in stored["skipped_reasons"]),
                strict=True,
            )
        )
    if len(rolls) != len(ids) or len(ids) == 0:
        raise ValueError(f"{path} is inconsistent")
    by_split = {split: [i for i, s in enumerate(splits) if s == split] for split in SPLITS}
    return ChoraleRolls(
        subset=subset,
        transposed=transpose,
        train=tuple(rolls[i] for i in by_split["train"]),
        valid=tuple(rolls[i] for i in by_split["valid"]),
        test=tuple(rolls[i] for i in by_split["test"]),
        train_ids=tuple(ids[i] for i in by_split["train"]),
        valid_ids=tuple(ids[i] for i in by_split["valid"]),
        test_ids=tuple(ids[i] for i in by_split["test"]),
        keys=keys,
        skipped=skipped,
    )


def _check_rolls(rolls: Any, *, min_steps: int) -> list[np.ndarray]:
    """Validate a list or tuple of 2-D 0/1 rolls with a common number of keys."""
    if not isinstance(rolls, list | tuple):
        raise TypeError(
            f"rolls must be a list or tuple of numpy arrays, got {type(rolls).__name__}"
        )
    if not rolls:
        raise ValueError("rolls must hold at least one roll, got none")
    checked = []
    for i, roll in enumerate(rolls):
        roll = check_ndarray(f"rolls[{i}]", roll, ndim=2, kinds="biuf")
        if roll.shape[0] < min_steps:
            raise ValueError(
                f"rolls[{i}] must have at least {min_steps} time steps, got {roll.shape[0]}"
            )
        if checked and roll.shape[1] != checked[0].shape[1]:
            raise ValueError(
                f"rolls[{i}] has {roll.shape[1]} keys, but rolls[0] has {checked[0].shape[1]}"
            )
        if not np.all((roll == 0) | (roll == 1)):
            raise ValueError(f"rolls[{i}] must hold only 0s and 1s")
        checked.append(roll)
    return checked
