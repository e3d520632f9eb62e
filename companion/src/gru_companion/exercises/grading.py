"""The grader every exercise shares: seeded cases, a time limit, checks of the results, a diagnosis.

A checker (``check_gru_step``, ...) describes its exercise as an :class:`Exercise`: the
parameters the reader's function takes, the quantities it returns, the companion's proven
reference, the random seeded :class:`Case` s to run and the known :class:`Mistake` s.
:func:`grade` then runs the reader's function on every case and returns a
:class:`CheckResult`, whose ``passed`` is a bool and whose ``verdict`` explains it.

What :func:`grade` catches, in this order, on each case (the first problem ends the check
and its verdict names the case, so the reader can rerun it):

1. the function raises (the verdict gives the exception and the line of the reader's code),
   or runs longer than the time limit;
2. it changed one of its input arrays in place (the caller's arrays must stay as they were);
3. it returned the wrong type (a list, a tuple of the wrong length, a float for a count),
   the wrong shape (with a hint when it is the transpose of the expected one) or the wrong
   dtype (float64 for float32 inputs);
4. it returned NaN or infinity where the reference is finite.

Values that differ from the reference do not stop the check: every case runs, the verdict
names the quantities that differ and in how many cases, and reports the worst case found
(its shapes and the largest absolute difference, with the case's inputs and the expected
values in :attr:`CheckResult.worst_case`). The diagnosis then runs each known mistake as an
alternative reference on every case: a mistake whose outputs the reader's match in all
cases is named as the likeliest cause. When none matches, the verdict says which kinds of
case (zero state, saturated gates, ...) the function gets right and which it gets wrong.

Values agree when ``numpy.allclose`` holds with the tolerances of :data:`TOLERANCES`
(integers, such as parameter counts, must be equal).
"""

from __future__ import annotations

import inspect
import math
import numbers
import signal
import textwrap
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

#: Seconds a reader's function may take on one case before the check stops with a verdict.
DEFAULT_TIME_LIMIT = 5.0

#: The ``(rtol, atol)`` of ``numpy.allclose`` for each dtype; float32 keeps about 7 digits,
#: and a reader's products and sums may round in another order than the reference's.
TOLERANCES = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-7, 1e-9)}

#: The order in which the verdict lists the kinds of case it ran.
TAG_ORDER = (
    "float32",
    "float64",
    "batch 1",
    "one unit",
    "zero state",
    "saturated gates",
    "one time step",
    "return_sequences=True",
    "return_sequences=False",
    "use_bias=False",
    "reset_after=False",
)


@dataclass(frozen=True)
class Config:
    """The sizes and the kind of one case, before its arrays are drawn.

    Attributes
    ----------
    batch, features, units
        The batch size, the input width m and the state width n.
    dtype
        ``float32`` or ``float64``: the dtype of every array of the case.
    zero_state
        Whether the previous state(s) are zeros.
    saturated
        Whether the gates' biases are large (±30), so that every gate is 0 or 1 to
        float precision.
    """

    batch: int
    features: int
    units: int
    dtype: np.dtype
    zero_state: bool = False
    saturated: bool = False

    def tags(self) -> list[str]:
        """The kinds of case this configuration is, as the verdict lists them."""
        tags = [self.dtype.name]
        tags += ["batch 1"] if self.batch == 1 else []
        tags += ["one unit"] if self.units == 1 else []
        tags += ["zero state"] if self.zero_state else []
        tags += ["saturated gates"] if self.saturated else []
        return tags

    def describe(self) -> str:
        """``"batch 3, 2 features, 4 units, float32, zero state"``."""
        words = [
            f"batch {self.batch}",
            counted(self.features, "feature"),
            counted(self.units, "unit"),
        ]
        return ", ".join(words + [t for t in self.tags() if not t.startswith("batch")])


def counted(number: int, noun: str) -> str:
    """``"1 unit"``, ``"4 units"``: a number and its noun, as the verdicts write them."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def standard_configs(seed: int = 0, *, random_cases: int = 6) -> list[Config]:
    """The configurations every array exercise runs: edge cases first, then random sizes.

    Parameters
    ----------
    seed
        Seeds the random sizes (the edge cases are always the same).
    random_cases
        How many configurations with random sizes (1 to 6 each) follow the edge cases.

    Returns
    -------
    list of Config
        One unit and batch 1; features = 3·units; zero states and saturated gates in
        float32 and float64; then the random ones, float32 and float64 in turn.
    """
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    configs = [
        Config(1, 1, 1, f64),
        Config(2, 3, 2, f32),
        Config(3, 6, 2, f64),  # features = 3·units: a transposed kernel has the right shape
        Config(4, 3, 5, f64, zero_state=True),
        Config(2, 2, 3, f32, zero_state=True),
        Config(3, 4, 4, f64, saturated=True),
        Config(2, 3, 3, f32, saturated=True),
    ]
    rng = np.random.default_rng(seed)
    for i in range(random_cases):
        batch, features, units = (int(v) for v in rng.integers(1, 7, size=3))
        configs.append(Config(batch, features, units, f32 if i % 2 else f64))
    return configs


@dataclass(frozen=True)
class Case:
    """One set of arguments the reader's function is called with.

    Attributes
    ----------
    number
        Its position among the exercise's cases, from 1.
    description
        What the verdict says of it (``"batch 3, 2 features, 4 units, float32"``).
    inputs
        The arguments by parameter name, in the order of the function's parameters.
    tags
        The kinds of case it is (``"float32"``, ``"zero state"``, ...).
    """

    number: int
    description: str
    inputs: dict[str, Any]
    tags: tuple[str, ...] = ()

    @property
    def args(self) -> tuple[Any, ...]:
        """Fresh copies of the arguments, in order; ``fn(*case.args)`` reruns the case."""
        return tuple(_copy(value) for value in self.inputs.values())


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


@dataclass(frozen=True)
class Mistake:
    """A known mistake, run as an alternative reference to diagnose a wrong answer.

    Attributes
    ----------
    key
        Its short name, kept in :attr:`CheckResult.cause` (``"z_swapped"``).
    cause
        What the verdict says after "likeliest cause:" (``"z and 1 - z swapped: ..."``).
    compute
        The exercise's reference with the mistake made: same arguments, and the tuple of
        the quantities it would return.
    """

    key: str
    cause: str
    compute: Callable[..., tuple[Any, ...]]

    @classmethod
    def table(
        cls, rows: Sequence[tuple[str, str, dict[str, Any]]], compute: Callable[..., Any]
    ) -> tuple[Mistake, ...]:
        """The mistakes of ``rows`` (key, cause, options), each computed by
        ``compute(options, *args)``: the reference run with those options."""
        return tuple(cls(key, cause, partial(compute, options)) for key, cause, options in rows)


@dataclass(frozen=True)
class Exercise:
    """What a checker grades: the function's form, its reference, its cases, its mistakes.

    Attributes
    ----------
    checker
        The checker's name, which opens every verdict (``"check_gru_step"``).
    task
        What the reference computes, for verdicts (``"the companion's GRU step"``).
    parameters
        The names of the reader's function's parameters, in order.
    outputs
        The names of the quantities it returns: one name, the function returns that one
        value; several, it returns a tuple of them in this order (a dict by these names
        is accepted too).
    output_shapes
        How each output's shape is written (``"(batch, units)"``), for verdicts.
    reference
        The companion's proven code, called with a case's arguments; returns the tuple of
        the expected quantities.
    cases
        Builds the cases from a seed.
    mistakes
        The known mistakes, likeliest first.
    unpack
        Turns a value the reader may return into the tuple of quantities (for instance a
        dataclass of weights), or returns it unchanged.
    """

    checker: str
    task: str
    parameters: tuple[str, ...]
    outputs: tuple[str, ...]
    output_shapes: tuple[str, ...]
    reference: Callable[..., tuple[Any, ...]]
    cases: Callable[[int], list[Case]]
    mistakes: tuple[Mistake, ...] = ()
    unpack: Callable[[Any], Any] = field(default=lambda value: value)

    def signature(self) -> str:
        """``"fn(x, h, kernel, recurrent_kernel, bias)"``."""
        return f"fn({', '.join(self.parameters)})"


@dataclass(frozen=True)
class WorstCase:
    """The case with the largest difference found, to rerun it.

    Attributes
    ----------
    case
        The case: ``fn(*worst.case.args)`` reruns it.
    quantity
        The returned quantity that differs most (``"h_new"``).
    max_abs_difference
        The largest absolute difference between that quantity and the reference's.
    index
        Where it is, in the quantity's array (``()`` for a number).
    actual, expected
        What the function returned for that quantity, and what the reference computes.
    """

    case: Case
    quantity: str
    max_abs_difference: float
    index: tuple[int, ...]
    actual: Any
    expected: Any

    @property
    def args(self) -> tuple[Any, ...]:
        """Fresh copies of the case's arguments."""
        return self.case.args


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict of a checker on one function.

    ``repr`` and ``str`` are the verdict, so a notebook cell that ends with a checker call
    shows it.

    Attributes
    ----------
    checker
        The checker's name.
    passed
        ``True`` when the function agreed with the reference on every case.
    verdict
        The explanation, in words.
    cases
        How many cases ran (fewer than the exercise's when a problem stopped the check).
    problem
        ``None`` when passed; else what went wrong: ``"exception"``, ``"time limit"``,
        ``"mutation"``, ``"type"``, ``"shape"``, ``"dtype"``, ``"nan"`` or ``"values"``.
    quantities
        The returned quantities that are wrong (``("h_new",)``).
    cause
        The key of the diagnosed :class:`Mistake`, or ``None``.
    case
        The case on which a problem other than ``"values"`` showed.
    worst_case
        With ``"values"``: the case and quantity with the largest difference.
    max_abs_difference
        The largest absolute difference over all cases and quantities (0 when all agree
        exactly); ``nan`` when the check stopped before comparing.
    """

    checker: str
    passed: bool
    verdict: str
    cases: int
    problem: str | None = None
    quantities: tuple[str, ...] = ()
    cause: str | None = None
    case: Case | None = None
    worst_case: WorstCase | None = None
    max_abs_difference: float = math.nan

    def __repr__(self) -> str:
        return self.verdict

    __str__ = __repr__


# ------------------------------------------------------------------------------ arguments
def check_function(exercise: Exercise, fn: Any) -> None:
    """Raise ``TypeError`` unless ``fn`` is callable with the exercise's parameters.

    Functions whose signature Python cannot read (some built-ins) are accepted as they are.
    """
    if not callable(fn):
        raise TypeError(
            f"{exercise.checker} takes your function, {exercise.signature()}; got "
            f"{type(fn).__name__} {_short(fn)}"
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*exercise.parameters)
    except TypeError as error:
        name = getattr(fn, "__name__", type(fn).__name__)
        count = len(exercise.parameters)
        raise TypeError(
            f"{exercise.checker} calls your function with {count} arguments, "
            f"{exercise.signature()}; {name}{signature} cannot take them ({error})"
        ) from None


def check_time_limit(time_limit: Any) -> float:
    """Return ``time_limit`` as a float if it is a positive number of seconds, else raise."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real):
        raise TypeError(f"time_limit must be a number of seconds, got {type(time_limit).__name__}")
    if not time_limit > 0 or math.isinf(time_limit):
        raise ValueError(
            f"time_limit must be a positive, finite number of seconds, got {time_limit}"
        )
    return float(time_limit)


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


# ------------------------------------------------------------------------ calling safely
class _TimeUp(BaseException):
    """Raised inside the reader's function when its time is up (not an ``Exception``, so a
    bare ``except Exception`` in the reader's code does not swallow it)."""


def _raise_time_up(signum: int, frame: Any) -> None:
    raise _TimeUp


@dataclass
class _Call:
    value: Any = None
    error: Exception | None = None
    timed_out: bool = False


def _call_in_main_thread(fn: Callable[..., Any], args: tuple, limit: float) -> _Call:
    """Run ``fn`` with a ``SIGALRM`` timer that interrupts it when the time is up."""
    previous_handler = signal.signal(signal.SIGALRM, _raise_time_up)
    started = time.monotonic()
    previous_timer = signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return _Call(value=fn(*args))
    except _TimeUp:
        return _Call(timed_out=True)
    except Exception as error:
        return _Call(error=error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:  # someone else's timer was running: give back what is left
            left = previous_timer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_timer[1])


def _call_in_thread(fn: Callable[..., Any], args: tuple, limit: float) -> _Call:
    """Run ``fn`` in a daemon thread and stop waiting after ``limit`` seconds.

    Used outside the main thread, where no signal can interrupt the function: a function
    past its time is left running in the background, and its result is ignored.
    """
    call = _Call()

    def target() -> None:
        try:
            call.value = fn(*args)
        except Exception as error:
            call.error = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        return _Call(timed_out=True)
    return call


def _call(fn: Callable[..., Any], args: tuple, limit: float) -> _Call:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        main = threading.current_thread() is threading.main_thread()
        if main and hasattr(signal, "setitimer"):
            return _call_in_main_thread(fn, args, limit)
        return _call_in_thread(fn, args, limit)


_HERE = str(Path(__file__).resolve())
_NUMPY = str(Path(np.__file__).resolve().parent)


def _where(error: BaseException) -> str:
    """``" (line 7 of gru_step: `z = ...`)"``: the deepest line of the reader's code."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if str(Path(frame.filename).resolve()) != _HERE
        and not str(Path(frame.filename).resolve()).startswith(_NUMPY)
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = f": `{frame.line.strip()}`" if frame.line else ""
    return f" (line {frame.lineno} of {frame.name}{line})"


# ----------------------------------------------------------------------- checking values
def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _describe_type(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{type(value).__name__} {_short(value, 40)}"


def _unchanged(before: Any, after: Any) -> bool:
    if not isinstance(before, np.ndarray):
        return True
    return (
        isinstance(after, np.ndarray)
        and before.shape == after.shape
        and before.dtype == after.dtype
        and np.array_equal(before, after, equal_nan=True)
    )


def _as_tuple(exercise: Exercise, value: Any) -> tuple[tuple[Any, ...] | None, str]:
    """The reader's quantities as a tuple, or ``None`` and why not."""
    value = exercise.unpack(value)
    names = exercise.outputs
    if len(names) == 1:
        return (value,), ""
    if isinstance(value, dict) and set(value) == set(names):
        return tuple(value[name] for name in names), ""
    if not isinstance(value, tuple | list) or len(value) != len(names):
        return None, (
            f"returned {_describe_type(value)}; expected a tuple of {len(names)}: "
            f"({', '.join(names)})"
        )
    return tuple(value), ""


def _structure_problem(
    name: str, shape_label: str, actual: Any, expected: Any
) -> tuple[str, str] | None:
    """``(problem, message)`` when ``actual`` has the wrong type, shape, dtype or NaN."""
    if _is_int(expected):
        if not _is_int(actual):
            hint = " (a count is an integer: use // rather than /, or int(...))"
            hint = hint if isinstance(actual, float | np.floating) else ""
            return "type", f"{name} is {_describe_type(actual)}; expected an int{hint}"
        return None
    if not isinstance(actual, np.ndarray):
        hint = " (np.array(...) turns a list into an array)" if isinstance(actual, list) else ""
        return "type", (
            f"{name} is {_describe_type(actual)}; expected a NumPy array of shape "
            f"{shape_label} = {expected.shape}{hint}"
        )
    if actual.shape != expected.shape:
        hint = ""
        if actual.ndim == 2 and actual.shape == expected.shape[::-1]:
            hint = " - the transpose of the expected shape: a weight or a result not transposed?"
        elif actual.size == expected.size:
            hint = " - the right number of entries in another shape: a reshape or an axis?"
        return "shape", (
            f"{name} has shape {actual.shape}; expected {shape_label} = {expected.shape}{hint}"
        )
    if actual.dtype != expected.dtype:
        hint = ""
        if expected.dtype == np.float32 and actual.dtype == np.float64:
            hint = (
                " (a float64 array such as np.zeros(shape) without dtype=, or a float64 "
                "constant, promotes the result)"
            )
        return "dtype", (
            f"{name} has dtype {actual.dtype} for {expected.dtype} inputs; expected "
            f"{expected.dtype}{hint}"
        )
    bad = ~np.isfinite(actual) & np.isfinite(expected)
    if bad.any():
        return "nan", (
            f"{name} holds {int(bad.sum())} NaN or infinite value(s) where the reference "
            "is finite (np.exp of a large number overflows; 0/0 and inf - inf give NaN)"
        )
    return None


def _difference(actual: Any, expected: Any) -> tuple[bool, float, tuple[int, ...]]:
    """``(agree, max_abs_difference, index)`` of two values of the same structure."""
    if _is_int(expected):
        diff = abs(int(actual) - int(expected))
        return diff == 0, float(diff), ()
    if actual.size == 0:
        return True, 0.0, ()
    rtol, atol = TOLERANCES.get(expected.dtype, TOLERANCES[np.dtype(np.float64)])
    with np.errstate(all="ignore"):
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    agree = bool(np.allclose(actual, expected, rtol=rtol, atol=atol))
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return agree, float(diff.max()), index


def _same(outputs: tuple[Any, ...], others: tuple[Any, ...]) -> bool:
    """Whether two tuples of quantities agree (the same shapes, values within tolerance)."""
    if len(outputs) != len(others):
        return False
    for a, b in zip(outputs, others, strict=True):
        if _is_int(b) != _is_int(a):
            return False
        if not _is_int(b) and (not isinstance(a, np.ndarray) or a.shape != b.shape):
            return False
        if not _difference(a, b)[0]:
            return False
    return True


# -------------------------------------------------------------------------------- grading
def grade(exercise: Exercise, fn: Any, *, time_limit: Any = DEFAULT_TIME_LIMIT, seed: int = 0):
    """Run ``fn`` on every case of ``exercise`` and return its :class:`CheckResult`.

    Parameters
    ----------
    exercise
        What to check.
    fn
        The reader's function, taking the exercise's parameters.
    time_limit
        Seconds ``fn`` may take on one case.
    seed
        Seeds the cases (the same seed, the same cases).

    Raises
    ------
    TypeError
        If ``fn`` is not callable or cannot take the exercise's parameters, or
        ``time_limit`` is not a number.
    ValueError
        If ``time_limit`` is not positive and finite.
    """
    check_function(exercise, fn)
    limit = check_time_limit(time_limit)
    cases = exercise.cases(seed)
    answers: list[tuple[Case, tuple[Any, ...], tuple[Any, ...]]] = []
    for case in cases:
        expected = exercise.reference(*case.args)
        args = case.args
        call = _call(fn, args, limit)
        stop = _problem_of_call(exercise, case, call, limit, args, expected)
        if stop is not None:
            problem, quantities, message = stop
            verdict = (
                f"{exercise.checker}: not yet. On case {case.number} of {len(cases)} "
                f"({case.description}) your function {message}.\n"
                f"Rerun that case: result.case.args are its arguments, {exercise.signature()}."
            )
            return CheckResult(
                exercise.checker, False, verdict, case.number, problem, quantities, case=case
            )
        answers.append((case, call.value, expected))
    return _judge_values(exercise, answers)


def _problem_of_call(
    exercise: Exercise, case: Case, call: _Call, limit: float, args: tuple, expected: tuple
) -> tuple[str, tuple[str, ...], str] | None:
    """``(problem, quantities, message)`` for a call that failed other than by its values.

    On success, ``call.value`` is replaced by the tuple of the reader's quantities.
    """
    if call.timed_out:
        return "time limit", (), f"took longer than the time limit of {limit:g} s"
    if call.error is not None:
        error = call.error
        return "exception", (), f"raised {type(error).__name__}: {error}{_where(error)}"
    changed = [
        name
        for name, before, after in zip(exercise.parameters, case.args, args, strict=True)
        if not _unchanged(before, after)
    ]
    if changed:
        names = ", ".join(f"`{name}`" for name in changed)
        return "mutation", tuple(changed), (
            f"changed its input {names} in place (an in-place operation on an argument, "
            "such as `h *= z`, `h += ...` or `h[...] = ...`); the caller's arrays must stay "
            "as they were: compute into new arrays"
        )
    actual, why = _as_tuple(exercise, call.value)
    if actual is None:
        return "type", (), why
    for name, label, a, e in zip(
        exercise.outputs, exercise.output_shapes, actual, expected, strict=True
    ):
        found = _structure_problem(name, label, a, e)
        if found is not None:
            return found[0], (name,), f"returned {found[1]}"
    call.value = actual
    return None


def _judge_values(
    exercise: Exercise, answers: list[tuple[Case, tuple[Any, ...], tuple[Any, ...]]]
) -> CheckResult:
    total = len(answers)
    wrong: dict[str, int] = {}
    worst: WorstCase | None = None
    largest = 0.0
    bad_cases: set[int] = set()
    for case, actual, expected in answers:
        for name, a, e in zip(exercise.outputs, actual, expected, strict=True):
            agree, diff, index = _difference(a, e)
            largest = max(largest, diff)
            if agree:
                continue
            wrong[name] = wrong.get(name, 0) + 1
            bad_cases.add(case.number)
            if worst is None or diff > worst.max_abs_difference:
                worst = WorstCase(case, name, diff, index, a, e)
    tags = [t for t in TAG_ORDER if any(t in case.tags for case, _, _ in answers)]
    if not wrong:
        verdict = (
            f"{exercise.checker}: passed. Your function agrees with {exercise.task} in all "
            f"{total} cases ({', '.join(tags)})."
        )
        return CheckResult(exercise.checker, True, verdict, total, max_abs_difference=largest)
    assert worst is not None
    differing = tuple(name for name in exercise.outputs if name in wrong)
    cause = _diagnose(exercise, answers)
    lines = [f"{exercise.checker}: not yet. {_which_differ(exercise, wrong, total)}"]
    if cause is not None:
        lines.append(f"Likeliest cause: {cause.cause}.")
    else:
        lines.append(
            "No mistake the checker knows explains it"
            + _where_it_differs(answers, bad_cases)
            + "."
        )
    shapes = ", ".join(
        f"{name} {np.shape(value)}" for name, value in worst.case.inputs.items()
        if isinstance(value, np.ndarray)
    )
    where = f"{worst.case.description}; {shapes}" if shapes else worst.case.description
    if _is_int(worst.expected):
        found = f"{worst.quantity} = {worst.actual}, expected {worst.expected}"
    else:
        at = f" at index {worst.index}" if worst.index else ""
        found = f"max |{worst.quantity} - expected| = {worst.max_abs_difference:.2g}{at}"
    lines.append(f"Worst case: case {worst.case.number} of {total} ({where}): {found}.")
    lines.append(
        "Rerun it: result.worst_case.args are its arguments, "
        f"{exercise.signature()}; result.worst_case.expected is the right {worst.quantity}."
    )
    return CheckResult(
        exercise.checker,
        False,
        "\n".join(lines),
        total,
        "values",
        differing,
        None if cause is None else cause.key,
        worst_case=worst,
        max_abs_difference=largest,
    )


def _which_differ(exercise: Exercise, wrong: dict[str, int], total: int) -> str:
    names = [name for name in exercise.outputs if name in wrong]
    counts = {wrong[name] for name in names}
    if len(counts) == 1:
        verb = "differs" if len(names) == 1 else "differ"
        text = f"{_join(names)} {verb} from {exercise.task} in {counts.pop()} of {total} cases"
    else:
        text = "; ".join(
            f"{name} differs from {exercise.task} in {wrong[name]} of {total} cases"
            for name in names
        )
    right = [name for name in exercise.outputs if name not in wrong]
    if right:
        text += f"; {_join(right)} {'agrees' if len(right) == 1 else 'agree'}"
    return text + "."


def _join(names: Sequence[str], word: str = "and") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def _diagnose(
    exercise: Exercise, answers: list[tuple[Case, tuple[Any, ...], tuple[Any, ...]]]
) -> Mistake | None:
    """The first known mistake whose outputs the reader's match on every case."""
    for mistake in exercise.mistakes:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if all(_same(actual, mistake.compute(*case.args)) for case, actual, _ in answers):
                    return mistake
        except Exception:  # a mistake that cannot run on some case explains nothing
            continue
    return None


def _where_it_differs(
    answers: list[tuple[Case, tuple[Any, ...], tuple[Any, ...]]], bad_cases: set[int]
) -> str:
    """``": it is right exactly in the cases with zero state or saturated gates"``, or ``""``.

    Names the kinds of case that hold every right case and no wrong one (or every wrong
    case and no right one).
    """
    good = [set(case.tags) for case, _, _ in answers if case.number not in bad_cases]
    bad = [set(case.tags) for case, _, _ in answers if case.number in bad_cases]

    def covering(inside: list[set[str]], outside: list[set[str]]) -> list[str]:
        tags = [t for t in TAG_ORDER if any(t in s for s in inside)]
        tags = [t for t in tags if not any(t in s for s in outside)]
        return tags if inside and tags and all(s & set(tags) for s in inside) else []

    if right := covering(good, bad):
        return f": it is right exactly in the cases with {_join(right, 'or')}"
    if wrong := covering(bad, good):
        return f": it is wrong exactly in the cases with {_join(wrong, 'or')}"
    if good:
        return f": it is right in {len(good)} of {len(answers)} cases"
    return ""


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")


def make_checker(
    exercise: Exercise, module: str, summary: str, function: str
) -> Callable[..., CheckResult]:
    """The checker of ``exercise``, ``checker(fn, *, time_limit, seed) -> CheckResult``.

    Every checker grades with :func:`grade`; what differs between them is the exercise
    and the description of the reader's function, which its docstring shows.

    Parameters
    ----------
    exercise
        What the checker grades; ``exercise.checker`` becomes the function's name.
    module
        The module the checker belongs to (``__name__`` of the caller), where its worked
        solution ``solution_<name>`` lives too.
    summary
        The docstring's first line.
    function
        What the reader's function takes and returns (one paragraph).
    """
    arity = _NUMBER_WORDS[len(exercise.parameters)]
    solution = "solution_" + exercise.checker.removeprefix("check_")
    described = "\n        ".join(textwrap.wrap(function, 80))

    def checker(
        fn: Callable[..., Any], *, time_limit: float = DEFAULT_TIME_LIMIT, seed: int = 0
    ) -> CheckResult:
        return grade(exercise, fn, time_limit=time_limit, seed=seed)

    checker.__name__ = checker.__qualname__ = exercise.checker
    checker.__module__ = module
    checker.__doc__ = f"""{summary}

    Parameters
    ----------
    fn
        {described}
    time_limit
        Seconds ``fn`` may take on one case.
    seed
        Seeds the cases.

    Returns
    -------
    CheckResult
        ``passed`` and the verdict; on a wrong answer what differs, the likeliest cause
        and the worst case.

    Raises
    ------
    TypeError
        If ``fn`` is not callable or cannot take {arity} arguments.

    Examples
    --------
    >>> from {module} import {exercise.checker}, {solution}
    >>> {exercise.checker}({solution}).passed
    True
    """
    return checker
