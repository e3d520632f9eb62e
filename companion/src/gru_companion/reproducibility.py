"""Seeds and determinism, so that every printed number comes out the same on every run.

The book prints losses and accuracies of models it trains live. They are reproducible
when three things are fixed: the random seeds (Python, NumPy, TensorFlow), the order of
floating-point operations (TensorFlow's op determinism), and the kernels used (oneDNN off,
set when :mod:`gru_companion` is imported). Results are then printed rounded, since other
CPUs may still differ in the last bits.
"""

from __future__ import annotations

from gru_companion.validation import check_bool, check_choice, check_int_at_least


def seed_everything(seed: int, *, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's ops deterministic.

    Parameters
    ----------
    seed
        A non-negative integer.
    deterministic
        ``True``: TensorFlow's op determinism on, so a seeded run repeats to the last bit
        (what the chapters' cells need); Keras then trains without XLA. ``False``: off, so
        that ``jit_compile=True`` compiles the training step with XLA (several times
        faster for the long studies on a CPU); a run still starts from the same weights
        and batches, but its last digits may differ from one run to the next.
    """
    seed = check_int_at_least("seed", seed, 0)
    check_bool("deterministic", deterministic)
    import keras
    from tensorflow.python.framework import config

    keras.utils.set_random_seed(seed)
    if deterministic:
        config.enable_op_determinism()
    else:
        config.disable_op_determinism()


def rounded(value: float, digits: int = 4) -> str:
    """Format ``value`` with ``digits`` decimals, the precision the book prints results at.

    Parameters
    ----------
    value
        A finite real number.
    digits
        Decimals to keep: 0 to 8.
    """
    check_choice("digits", digits, range(9))
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"value must be finite, got {number}")
    text = f"{number:.{digits}f}"
    # -0.0000 and 0.0000 are the same result; print it one way.
    return text.lstrip("-") if float(text) == 0 else text
