"""The adding problem and copy memory: shapes, dtypes, determinism, targets, bad arguments."""

import numpy as np
import pytest

from gru_companion.data.synthetic import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    adding_accuracy,
    adding_data,
    adding_problem,
    copy_memory,
    copy_memory_baseline,
)


def test_adding_shapes_and_dtypes():
    inputs, targets = adding_problem(16, 50, seed=1)
    assert inputs.shape == (16, 50, 2) and inputs.dtype == np.float32
    assert targets.shape == (16, 1) and targets.dtype == np.float32


def test_adding_markers_and_values():
    inputs, _ = adding_problem(200, 31, seed=2)
    values, markers = inputs[..., 0], inputs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert (markers.sum(axis=1) == 2).all()
    half = 31 // 2
    assert (markers[:, :half].sum(axis=1) == 1).all()
    assert (markers[:, half:].sum(axis=1) == 1).all()


def test_adding_target_is_the_sum_of_the_marked_values():
    inputs, targets = adding_problem(100, 20, seed=3)
    marked_sum = (inputs[..., 0] * inputs[..., 1]).sum(axis=1)
    np.testing.assert_allclose(targets[:, 0], marked_sum, rtol=0, atol=1e-6)


def test_adding_shortest_sequence():
    inputs, targets = adding_problem(5, 2, seed=0)
    assert (inputs[..., 1] == 1).all()  # both steps marked
    np.testing.assert_allclose(targets[:, 0], inputs[..., 0].sum(axis=1), atol=1e-6)


def test_adding_is_deterministic_given_the_seed():
    a = adding_problem(8, 40, seed=7)
    b = adding_problem(8, 40, seed=7)
    c = adding_problem(8, 40, seed=8)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_adding_accepts_a_generator_and_advances_it():
    rng = np.random.default_rng(5)
    first = adding_problem(4, 10, seed=rng)
    second = adding_problem(4, 10, seed=rng)
    assert not np.array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[0], adding_problem(4, 10, seed=5)[0])


def test_adding_baseline_is_the_variance_of_the_target():
    _, targets = adding_problem(20_000, 10, seed=4)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean((targets - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.03)


def test_adding_data_shapes_and_reproducibility():
    data = adding_data(6, 20, 10, seed=3)
    assert data.x_train.shape == (20, 6, 2) and data.y_test.shape == (10, 1)
    assert data.seq_len == 6 and data.x_train.dtype == np.float32
    assert data.test_markers.dtype == bool and np.all(data.test_markers.sum(axis=1) == 2)
    again = adding_data(6, 20, 10, seed=3)
    np.testing.assert_array_equal(data.x_test, again.x_test)
    assert not np.array_equal(data.x_train[:10], data.x_test)


def test_adding_data_draws_the_test_set_after_the_training_set_or_from_its_own_seed():
    rng = np.random.default_rng(3)
    x_train, _ = adding_problem(20, 6, seed=rng)
    x_test, _ = adding_problem(10, 6, seed=rng)
    one_seed = adding_data(6, 20, 10, seed=3)
    np.testing.assert_array_equal(one_seed.x_train, x_train)
    np.testing.assert_array_equal(one_seed.x_test, x_test)
    two_seeds = adding_data(6, 20, 10, seed=1000, test_seed=2000, dtype="float64")
    np.testing.assert_array_equal(two_seeds.x_train, adding_problem(20, 6, seed=1000)[0])
    np.testing.assert_array_equal(two_seeds.y_test, adding_problem(10, 6, seed=2000)[1])
    assert two_seeds.x_test.dtype == two_seeds.y_train.dtype == np.float64


def test_adding_data_refuses_bad_arguments():
    with pytest.raises(ValueError, match="seq_len must be an integer >= 2"):
        adding_data(1)
    with pytest.raises(TypeError, match="n_train must be a positive integer"):
        adding_data(5, 10.0)
    with pytest.raises(ValueError, match="non-negative integer seed"):
        adding_data(5, seed=-1)
    with pytest.raises(TypeError, match="test_seed must be a non-negative integer seed"):
        adding_data(5, test_seed="a")
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        adding_data(5, dtype="int32")


def test_adding_accuracy_counts_sums_within_the_tolerance():
    targets = np.array([[1.0], [0.5], [1.5], [0.2]])
    predictions = targets + np.array([[0.0], [ADDING_TOLERANCE / 2], [-0.039], [0.05]])
    assert adding_accuracy(predictions, targets) == 0.75
    assert adding_accuracy(predictions, targets, tolerance=0.1) == 1.0
    with pytest.raises(ValueError, match="same shape"):
        adding_accuracy(predictions[:, 0], targets)
    with pytest.raises(ValueError, match="tolerance must be a positive"):
        adding_accuracy(predictions, targets, tolerance=0)


def test_copy_shapes_and_dtypes():
    inputs, targets = copy_memory(6, delay=30, seed=0)
    assert inputs.shape == (6, 50, 10) and inputs.dtype == np.float32
    assert targets.shape == (6, 50) and targets.dtype == np.int32
    inputs, targets = copy_memory(3, delay=5, copy_len=4, n_symbols=3, seed=0)
    assert inputs.shape == (3, 13, 5) and targets.shape == (3, 13)


def test_copy_layout_and_targets_are_the_copied_symbols():
    copy_len, delay, n_symbols = 10, 25, 8
    inputs, targets = copy_memory(50, delay, copy_len=copy_len, n_symbols=n_symbols, seed=1)
    assert (inputs.sum(axis=-1) == 1).all()  # one-hot
    symbols = inputs.argmax(axis=-1)
    data = symbols[:, :copy_len]
    assert ((data >= 1) & (data <= n_symbols)).all()
    delimiter = copy_len + delay - 1
    assert (symbols[:, copy_len:delimiter] == 0).all()
    assert (symbols[:, delimiter] == n_symbols + 1).all()
    assert (symbols[:, delimiter + 1 :] == 0).all()
    assert (targets[:, : delay + copy_len] == 0).all()
    np.testing.assert_array_equal(targets[:, -copy_len:], data)
    assert targets.max() <= n_symbols  # the delimiter is never a target


def test_copy_with_delay_one():
    inputs, targets = copy_memory(2, 1, copy_len=3, n_symbols=4, seed=2)
    symbols = inputs.argmax(axis=-1)
    assert (symbols[:, 3] == 5).all()  # delimiter right after the data
    np.testing.assert_array_equal(targets[:, -3:], symbols[:, :3])


def test_copy_is_deterministic_given_the_seed():
    a = copy_memory(4, 12, seed=9)
    b = copy_memory(4, 12, seed=9)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], copy_memory(4, 12, seed=10)[1])


def test_copy_baseline():
    assert copy_memory_baseline(100) == pytest.approx(10 * np.log(8) / 120)
    assert copy_memory_baseline(5, copy_len=2, n_symbols=3) == pytest.approx(2 * np.log(3) / 9)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: adding_problem(0, 10), ValueError, "n_samples must be a positive integer"),
        (lambda: adding_problem(2.0, 10), TypeError, "n_samples must be a positive integer"),
        (lambda: adding_problem(2, 1), ValueError, "seq_len must be an integer >= 2, got 1"),
        (lambda: adding_problem(2, True), TypeError, "seq_len must be an integer >= 2"),
        (lambda: adding_problem(2, 10, seed=-1), ValueError, "non-negative integer seed"),
        (lambda: adding_problem(2, 10, seed="a"), TypeError, "numpy.random.Generator"),
        (lambda: adding_problem(2, 10, seed=1.5), TypeError, "got float 1.5"),
        (lambda: copy_memory(2, 0), ValueError, "delay must be a positive integer"),
        (lambda: copy_memory(2, 5, copy_len=0), ValueError, "copy_len must be"),
        (lambda: copy_memory(2, 5, n_symbols=0), ValueError, "n_symbols must be"),
        (lambda: copy_memory(2, "5"), TypeError, "delay must be a positive integer"),
        (lambda: copy_memory(2, 5, seed=None), TypeError, "got NoneType None"),
        (lambda: copy_memory_baseline(0), ValueError, "delay must be a positive integer"),
    ],
)
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_first_sign_labels_the_sign_of_the_first_step_and_draws_from_its_generator():
    import numpy as np

    from gru_companion.data.synthetic import first_sign

    inputs, labels = first_sign(200, 7, seed=3)
    assert inputs.shape == (200, 7, 1) and labels.shape == (200, 1)
    np.testing.assert_array_equal(labels[:, 0], (inputs[:, 0, 0] > 0).astype(float))
    assert 0.3 < labels.mean() < 0.7
    again, _ = first_sign(200, 7, seed=3)
    np.testing.assert_array_equal(inputs, again)
    rng = np.random.default_rng(0)
    first, _ = first_sign(5, 3, seed=rng)
    second, _ = first_sign(5, 3, seed=rng)  # the generator moved on
    assert not np.array_equal(first, second)


def test_first_sign_refuses_bad_arguments():
    import pytest

    from gru_companion.data.synthetic import first_sign

    with pytest.raises(ValueError, match="steps"):
        first_sign(3, 0)
    with pytest.raises(TypeError, match="n_samples"):
        first_sign(2.5, 3)


def test_counting_strings_mark_the_b_steps_and_the_end():
    from gru_companion.data.synthetic import counting_recognised, counting_strings

    inputs, targets, weights = counting_strings([3, 1], steps=7)
    assert inputs.shape == (2, 7, 2) and targets.shape == (2, 7, 1) and weights.shape == (2, 7)
    assert inputs[0].argmax(-1)[:6].tolist() == [0, 0, 0, 1, 1, 1] and not inputs[0, 6].any()
    assert targets[0, :, 0].tolist() == [0, 0, 0, 1, 1, 0, 0]
    assert weights[0].tolist() == [0, 0, 0, 1, 1, 1, 0]
    assert weights[1].tolist() == [0, 1, 0, 0, 0, 0, 0] and not targets[1].any()
    right = np.where(targets > 0.5, 2.0, -2.0)
    assert counting_recognised(right, targets, weights).tolist() == [True, True]
    wrong = right.copy()
    wrong[0, 4, 0] = -2.0  # says the string ends one b too early
    wrong[1, 3, 0] = 5.0  # a padded step: not scored
    assert counting_recognised(wrong, targets, weights).tolist() == [False, True]


def test_counting_strings_refuse_bad_counts():
    from gru_companion.data.synthetic import counting_recognised, counting_strings

    with pytest.raises(ValueError, match="non-empty sequence"):
        counting_strings([])
    with pytest.raises(ValueError, match="count must be a positive integer"):
        counting_strings([2, 0])
    with pytest.raises(ValueError, match=r"at least 2 \* max\(counts\) = 6"):
        counting_strings([3], steps=5)
    inputs, targets, weights = counting_strings([2])
    with pytest.raises(ValueError, match="must match weights"):
        counting_recognised(np.zeros((1, 3)), targets, weights)
