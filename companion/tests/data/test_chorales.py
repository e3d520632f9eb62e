"""Bach chorales as piano rolls: the small subset, keys, split, cache, next-step arrays, NLL.

Only the small subset is built here (a few seconds), in a temporary cache directory.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from music21 import corpus, key
from music21.analysis import discrete

from gru_companion.data import chorales
from gru_companion.data.chorales import (
    N_KEYS,
    SMALL_SUBSET,
    SPLITS,
    ChoraleRolls,
    bernoulli_nll,
    chorale_split,
    default_cache_dir,
    key_frequencies,
    key_shift,
    load_chorales,
    next_step_batch,
    next_step_sequences,
)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chorale-cache")


@pytest.fixture(scope="module")
def small(cache_dir):
    return load_chorales("small", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def small_original(cache_dir):
    return load_chorales("small", transpose=False, cache_dir=cache_dir)


def all_rolls(data):
    return [roll for split in SPLITS for roll in data.rolls(split)]


def all_ids(data):
    return [piece_id for split in SPLITS for piece_id in data.ids(split)]


# --- the small subset ---------------------------------------------------------------------


def test_small_subset_contents(small):
    assert isinstance(small, ChoraleRolls)
    assert (small.subset, small.transposed) == ("small", True)
    assert (len(small.train), len(small.valid), len(small.test)) == (6, 3, 3)
    assert small.n_pieces == 12
    assert sorted(all_ids(small) + list(small.skipped)) == sorted(SMALL_SUBSET)
    assert set(small.keys) == set(all_ids(small))


def test_rolls_are_binary_88_key_quarter_note_frames(small):
    for roll in all_rolls(small):
        assert roll.dtype == bool and roll.ndim == 2 and roll.shape[1] == N_KEYS
        assert 24 <= len(roll) <= 200
        assert roll.sum(axis=1).max() <= 4  # four voices, sampled on the beat
        assert roll.sum(axis=1).mean() > 3.5  # almost always all four sound


def test_roll_samples_the_notes_sounding_on_each_beat(small_original):
    piece_id = "bach/bwv104.6.mxl"
    split = chorale_split(piece_id)
    roll = small_original.rolls(split)[small_original.ids(split).index(piece_id)]
    score = corpus.parse(piece_id)
    assert len(roll) == math.ceil(score.highestTime)
    expected = np.zeros_like(roll)
    for part in score.parts:
        for note in part.flatten().notes:
            for t in range(len(roll)):
                if note.offset <= t < note.offset + note.quarterLength:
                    expected[t, note.pitch.midi - 21] = True
    np.testing.assert_array_equal(roll, expected)


def test_skipped_files_are_counted_with_their_reasons(small):
    assert small.n_skipped == 3
    assert "got 5" in small.skipped["bach/bwv1.6.mxl"]
    assert "Horn" in small.skipped["bach/bwv1.6.mxl"]
    assert small.skipped["bach/bwv281.krn"] == (
        "a second encoding of the same chorale as bach/bwv281.mxl"
    )
    assert small.skipped["bach/bwv62.6.mxl"].startswith("the same piano roll as bach/bwv274")


def test_parse_failures_are_skipped_and_counted(monkeypatch):
    parse = chorales._parse

    def failing(path):
        if path.name == "bwv13.6.mxl":
            raise OSError("unreadable file")
        return parse(path)

    monkeypatch.setattr(chorales, "_parse", failing)
    data = load_chorales("small", use_cache=False)
    assert data.n_skipped == 4 and data.n_pieces == 11
    assert data.skipped["bach/bwv13.6.mxl"] == "failed to parse: OSError: unreadable file"


# --- keys ---------------------------------------------------------------------------------


def best_key(roll):
    """music21's default key finding (Aarden-Essen weights) on the roll's pitch classes."""
    histogram = np.zeros(12)
    steps, columns = np.nonzero(roll)
    np.add.at(histogram, (columns + 21) % 12, 1)
    weights = discrete.AardenEssen()
    scores = {}
    for mode in ("major", "minor"):
        profile = np.array(weights.getWeights(mode))
        for tonic in range(12):
            scores[(tonic, mode)] = float(histogram @ np.roll(profile, tonic))
    return max(scores, key=scores.get)


def test_transposed_pieces_are_in_c_major_or_a_minor(small):
    for piece_id, roll in zip(all_ids(small), all_rolls(small), strict=True):
        tonic, mode = best_key(roll)
        expected = (0, "major") if small.keys[piece_id].endswith("major") else (9, "minor")
        assert (tonic, mode) == expected, piece_id


def test_original_pieces_keep_their_keys(small, small_original):
    assert small_original.transposed is False
    assert all_ids(small_original) == all_ids(small)
    for piece_id, original, moved in zip(
        all_ids(small), all_rolls(small_original), all_rolls(small), strict=True
    ):
        analysed = key.Key(small.keys[piece_id].split()[0])
        tonic, mode = best_key(original)
        assert (tonic, mode) == (analysed.tonic.pitchClass, small.keys[piece_id].split()[1])
        shift = key_shift(key.Key(*small.keys[piece_id].split()))
        np.testing.assert_array_equal(np.roll(original, shift, axis=1), moved)


def test_dorian_signature_piece_goes_to_a_minor():
    # bwv102.7 is in C minor but notated with two flats, not three.
    score = corpus.parse("bach/bwv102.7.mxl")
    signature = next(iter(score.recurse().getElementsByClass(key.KeySignature)))
    assert signature.sharps == -2
    found = score.analyze("key")
    assert (found.tonic.name, found.mode) == ("C", "minor")
    moved = score.transpose(key_shift(found)).analyze("key")
    assert (moved.tonic.name, moved.mode) == ("A", "minor")


@pytest.mark.parametrize(
    "tonic, mode, shift",
    [("C", "major", 0), ("G", "major", 5), ("D", "major", -2), ("B-", "major", 2),
     ("F#", "major", -6), ("a", "minor", 0), ("c", "minor", -3), ("e", "minor", 5),
     ("f#", "minor", 3), ("g", "minor", 2), ("d#", "minor", -6)],
)
def test_key_shift(tonic, mode, shift):
    assert key_shift(key.Key(tonic, mode)) == shift


# --- split and identifiers ----------------------------------------------------------------


def test_split_is_disjoint_and_follows_the_hash(small):
    ids = {split: set(small.ids(split)) for split in SPLITS}
    assert not ids["train"] & ids["valid"]
    assert not ids["train"] & ids["test"]
    assert not ids["valid"] & ids["test"]
    for split in SPLITS:
        assert all(chorale_split(piece_id) == split for piece_id in small.ids(split))


def test_split_is_deterministic_and_close_to_60_20_20():
    assert chorale_split("bach/bwv10.7.mxl") == "train"
    assert chorale_split("bach/bwv13.6.mxl") == "valid"
    assert chorale_split("bach/bwv103.6.mxl") == "test"
    ids = [f"{path.parent.name}/{path.name}" for path in corpus.getComposer("bach")]
    assert len(ids) == len(set(ids)) == 433
    counts = {split: sum(chorale_split(i) == split for i in ids) for split in SPLITS}
    assert counts == {"train": 262, "valid": 85, "test": 86}


# --- cache --------------------------------------------------------------------------------


def test_second_load_reads_the_cache(small, cache_dir, monkeypatch):
    files = list(cache_dir.glob("bach-chorales-small-*-transposed-*.npz"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o644

    def no_parsing(path):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(chorales, "_parse", no_parsing)
    again = load_chorales("small", cache_dir=cache_dir)
    assert (again.subset, again.transposed) == ("small", True)
    assert all_ids(again) == all_ids(small)
    assert again.skipped == small.skipped and again.keys == small.keys
    for a, b in zip(all_rolls(again), all_rolls(small), strict=True):
        assert a.dtype == bool
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04 truncated"])
def test_unreadable_cache_is_rebuilt(tmp_path, monkeypatch, content):
    monkeypatch.setattr(chorales, "SMALL_SUBSET", ("bach/bwv104.6.mxl",))
    load_chorales("small", cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("*.npz")
    cache_file.write_bytes(content)
    data = load_chorales("small", cache_dir=tmp_path)
    assert data.train_ids == ("bach/bwv104.6.mxl",)
    assert cache_file.stat().st_size > 1000  # written again
    assert [p.name for p in tmp_path.iterdir()] == [cache_file.name]  # no temporary left


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("GRU_COMPANION_CACHE", str(tmp_path))
    monkeypatch.setattr(chorales, "SMALL_SUBSET", ("bach/bwv104.6.mxl",))
    data = load_chorales("small", use_cache=False)
    assert data.n_pieces == 1
    assert list(tmp_path.iterdir()) == []


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GRU_COMPANION_CACHE", str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("GRU_COMPANION_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "gru_companion"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir().parts[-2:] == (".cache", "gru_companion")


# --- next-step arrays ---------------------------------------------------------------------


def test_next_step_sequences(small):
    rolls = list(small.train[:3])
    pairs = next_step_sequences(rolls)
    for roll, (inputs, targets) in zip(rolls, pairs, strict=True):
        assert inputs.dtype == targets.dtype == np.float32
        assert inputs.shape == targets.shape == (len(roll) - 1, N_KEYS)
        np.testing.assert_array_equal(inputs, roll[:-1])
        np.testing.assert_array_equal(targets, roll[1:])
        np.testing.assert_array_equal(inputs[1:], targets[:-1])
    first = next_step_sequences(rolls, predict_first=True)
    for roll, (inputs, targets) in zip(rolls, first, strict=True):
        assert inputs.shape == (len(roll), N_KEYS)
        assert not inputs[0].any()
        np.testing.assert_array_equal(targets, roll)


def test_next_step_batch_pads_at_the_end(small):
    rolls = list(small.valid)
    batch = next_step_batch(rolls)
    steps = max(len(roll) for roll in rolls) - 1
    assert batch.inputs.shape == batch.targets.shape == (3, steps, N_KEYS)
    assert batch.inputs.dtype == np.float32 and batch.mask.dtype == bool
    np.testing.assert_array_equal(batch.lengths, [len(roll) - 1 for roll in rolls])
    for i, roll in enumerate(rolls):
        n = len(roll) - 1
        assert batch.mask[i, :n].all() and not batch.mask[i, n:].any()
        np.testing.assert_array_equal(batch.inputs[i, :n], roll[:-1])
        np.testing.assert_array_equal(batch.targets[i, :n], roll[1:])
        assert not batch.inputs[i, n:].any() and not batch.targets[i, n:].any()


@pytest.mark.parametrize(
    "rolls, error, words",
    [
        (np.zeros((5, 88)), TypeError, "rolls must be a list or tuple of numpy arrays"),
        ([], ValueError, "at least one roll"),
        ([[0, 1]], TypeError, r"rolls\[0\] must be a numpy.ndarray, got list"),
        ([np.zeros(5)], ValueError, r"rolls\[0\] must have 2 dimensions"),
        ([np.zeros((1, 88))], ValueError, "at least 2 time steps, got 1"),
        ([np.zeros((3, 88)), np.zeros((3, 12))], ValueError, "has 12 keys, but rolls"),
        ([np.full((3, 88), 0.5)], ValueError, "only 0s and 1s"),
        ([np.zeros((3, 88), dtype=complex)], TypeError, "dtype of kind"),
    ],
)
def test_next_step_bad_rolls(rolls, error, words):
    with pytest.raises(error, match=words):
        next_step_batch(rolls)


# --- the NLL metric -----------------------------------------------------------------------


def test_nll_by_hand():
    p = np.array([[[0.9, 0.2, 0.5], [0.1, 0.7, 0.5]]])  # one sequence, 2 steps, 3 keys
    y = np.array([[[1, 0, 1], [0, 0, 1]]])
    step1 = -(math.log(0.9) + math.log(0.8) + math.log(0.5))
    step2 = -(math.log(0.9) + math.log(0.3) + math.log(0.5))
    assert bernoulli_nll(p, y) == pytest.approx((step1 + step2) / 2, rel=1e-12)
    mask = np.array([[True, False]])
    assert bernoulli_nll(p, y, mask) == pytest.approx(step1, rel=1e-12)
    assert bernoulli_nll(p[0], y[0]) == pytest.approx((step1 + step2) / 2, rel=1e-12)


def test_nll_averages_over_all_counted_steps():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.99, size=(2, 4, 88))
    y = rng.integers(0, 2, size=(2, 4, 88))
    mask = np.array([[True] * 4, [True, False, False, False]])
    per_step = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=-1)
    assert bernoulli_nll(p, y, mask) == pytest.approx(per_step[mask].mean(), rel=1e-12)


def test_nll_of_a_coin_is_88_log_2():
    y = np.random.default_rng(1).integers(0, 2, size=(10, 88)).astype(bool)
    assert bernoulli_nll(np.full((10, 88), 0.5), y) == pytest.approx(88 * math.log(2))


def test_nll_from_logits_matches_probabilities():
    rng = np.random.default_rng(2)
    logits = rng.normal(scale=3.0, size=(3, 5, 88))
    y = rng.integers(0, 2, size=(3, 5, 88)).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-logits))
    assert bernoulli_nll(logits, y, from_logits=True) == pytest.approx(
        bernoulli_nll(p, y), rel=1e-9
    )
    # Large logits stay finite and exact where probabilities would be clipped.
    assert bernoulli_nll(np.array([[-800.0]]), np.array([[1]]), from_logits=True) == 800.0


def test_nll_clips_certain_mistakes():
    value = bernoulli_nll(np.array([[0.0, 1.0]]), np.array([[1, 1]]))
    assert value == pytest.approx(-math.log(1e-7), rel=1e-6)
    assert bernoulli_nll(np.array([[0.0]]), np.array([[1]]), eps=1e-3) == pytest.approx(
        -math.log(1e-3)
    )


@pytest.mark.parametrize(
    "predictions, targets, kwargs, error, words",
    [
        ([[0.5]], np.array([[1]]), {}, TypeError, "predictions must be a numpy.ndarray"),
        (np.array([[1]]), np.array([[1]]), {}, TypeError, "predictions must have a dtype"),
        (np.array([0.5]), np.array([1]), {}, ValueError, "at least 2 dimensions"),
        (np.full((2, 3), 0.5), np.ones((3, 2)), {}, ValueError, "the shape of predictions"),
        (np.array([[1.5]]), np.array([[1]]), {}, ValueError, "probabilities in \\[0, 1\\]"),
        (np.array([[np.nan]]), np.array([[1]]), {}, ValueError, "must be finite"),
        (np.array([[0.5]]), np.array([[2]]), {}, ValueError, "only 0s and 1s"),
        (np.array([[0.5]]), np.array([[1]]), {"mask": [True]}, TypeError, "mask must be"),
        (np.array([[0.5]]), np.array([[1]]), {"mask": np.array([1])}, TypeError, "bool"),
        (np.full((2, 3), 0.5), np.ones((2, 3)), {"mask": np.ones(3, bool)}, ValueError,
         "mask must have shape \\(2,\\)"),
        (np.full((2, 3), 0.5), np.ones((2, 3)), {"mask": np.zeros(2, bool)}, ValueError,
         "at least one step"),
        (np.array([[0.5]]), np.array([[1]]), {"eps": 0.0}, ValueError, "eps must be"),
        (np.array([[0.5]]), np.array([[1]]), {"eps": "1e-7"}, TypeError, "eps must be"),
        (np.array([[0.5]]), np.array([[1]]), {"from_logits": 1}, TypeError, "True or False"),
    ],
)
def test_nll_bad_arguments(predictions, targets, kwargs, error, words):
    with pytest.raises(error, match=words):
        bernoulli_nll(predictions, targets, **kwargs)


# --- other bad arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: load_chorales("medium"), ValueError, "subset must be one of 'full', 'small'"),
        (lambda: load_chorales("small", transpose="yes"), TypeError, "transpose must be True"),
        (lambda: load_chorales("small", use_cache=None), TypeError, "use_cache must be True"),
        (lambda: load_chorales("small", cache_dir=3), TypeError, "cache_dir must be a str"),
        (lambda: key_shift("C major"), TypeError, "key must be a music21.key.Key, got str"),
        (lambda: chorale_split(3), TypeError, "piece_id must be a str, got int"),
        (lambda: chorale_split(""), ValueError, "non-empty"),
        (lambda: next_step_sequences([np.zeros((3, 88))], predict_first="no"), TypeError,
         "predict_first must be True or False"),
    ],
)
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_split_names_are_checked(small):
    with pytest.raises(ValueError, match="split must be one of 'train', 'valid', 'test'"):
        small.rolls("training")
    with pytest.raises(ValueError, match="split must be one of"):
        small.ids("validation")


def test_not_a_chorale_is_skipped_saying_why(small):
    reason = small.skipped["bach/bwv1.6.mxl"]
    assert reason.startswith("not a four-voice chorale: expected 4 parts")
    assert "got 5: " in reason and "Horn 2" in reason


def test_key_frequencies_count_steps_on_over_all_rolls():
    first = np.zeros((3, 4), dtype=np.int8)
    first[:, 0] = 1
    second = np.zeros((1, 4), dtype=bool)
    second[0, 2] = True
    freq = key_frequencies([first, second])
    assert freq.dtype == np.float64 and freq.shape == (4,)
    np.testing.assert_array_equal(freq, [0.75, 0.0, 0.25, 0.0])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_key_frequencies_are_the_best_constant_prediction(seed):
    rng = np.random.default_rng(seed)
    rolls = [rng.random((int(rng.integers(1, 20)), 5)) < 0.3 for _ in range(3)]
    freq = key_frequencies(rolls)
    frames = np.concatenate(rolls)
    best = bernoulli_nll(np.broadcast_to(freq, frames.shape), frames)
    for _ in range(5):  # any other constant prediction scores worse (or equal)
        other = np.clip(freq + rng.normal(scale=0.05, size=freq.shape), 0.001, 0.999)
        assert bernoulli_nll(np.broadcast_to(other, frames.shape), frames) >= best - 1e-12


@pytest.mark.parametrize(
    "rolls, error, message",
    [
        (np.zeros((3, 88)), TypeError, "list or tuple"),
        ([], ValueError, "at least one roll"),
        ([np.full((2, 3), 2)], ValueError, "0s and 1s"),
        ([np.zeros((2, 3)), np.zeros((2, 4))], ValueError, "keys"),
    ],
)
def test_key_frequencies_reject_bad_rolls(rolls, error, message):
    with pytest.raises(error, match=message):
        key_frequencies(rolls)
