"""The experiment ``variants``: the GRU, the LSTM and three simplified cells on the adding problem.

:func:`compare_variants` trains every variant (:data:`gru_companion.kinds.VARIANTS`) on
the adding problem with the same data, settings and seeds; :func:`summarize_variants`
and :func:`mse_curves` tabulate the results that the chapter on variants reads. The full
comparison is ``python -m gru_companion.experiments variants`` (:data:`COMMAND`).
"""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gru_companion.analysis.param_counts import recurrent_params
from gru_companion.data.synthetic import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    adding_accuracy,
    adding_data,
)
from gru_companion.experiments.cli import Command, progress_argument, seeds_argument, seeds_of
from gru_companion.experiments.training import (
    History,
    build_model,
    first_epoch_reaching,
    progress_bar,
    train,
)
from gru_companion.kinds import KINDS, VARIANTS
from gru_companion.validation import (
    check_choice,
    check_int_at_least,
    check_positive_int,
    check_positive_number,
)

#: The test MSE counted as solved, a tenth of the baseline's 1/6.
SOLVED_MSE = ADDING_BASELINE_MSE / 10


def compare_variants(
    *,
    variants: Sequence[str] = VARIANTS,
    seeds: Sequence[int] = (0, 1, 2),
    seq_len: int = 50,
    units: int = 16,
    n_train: int = 3000,
    n_test: int = 1000,
    epochs: int = 15,
    batch_size: int = 64,
    learning_rate: float = 0.01,
    data_seed: int = 0,
    report: Callable[[str], None] | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Train each variant on the adding problem with the same data, settings and seeds.

    For every seed and variant: :func:`~gru_companion.reproducibility.seed_everything`
    with the seed, a model ``Input → keras_layer(variant, units) → Dense(1)``
    (:func:`~gru_companion.experiments.training.build_model`, Adam, mean squared error),
    trained for ``epochs`` epochs (:func:`~gru_companion.experiments.training.train`); the
    training loss and test MSE of every epoch, the final test accuracy (share of sums
    predicted within :data:`~gru_companion.data.synthetic.ADDING_TOLERANCE`) and the
    training time are recorded. The data (:func:`~gru_companion.data.synthetic.adding_data`
    drawn from ``data_seed``, training set then test set) are the same for every run; the
    seed changes the initial weights and the order of the batches.

    Parameters
    ----------
    variants
        Names from :data:`gru_companion.kinds.VARIANTS`, without repeats.
    seeds
        Non-negative integers, without repeats.
    seq_len, units, n_train, n_test, epochs, batch_size
        Positive integers (``seq_len`` at least 2).
    learning_rate
        Adam's learning rate.
    data_seed
        Seed of the data.
    report
        Called with a line of text after each run (e.g. ``print``), or ``None``.
    show_progress
        Whether to show a progress bar with an estimate of the time left.

    Returns
    -------
    dict
        ``{"config": {...}, "runs": [...]}``, one run per seed and variant with keys
        ``variant``, ``seed``, ``params``, ``loss``, ``test_mse`` (per epoch),
        ``test_accuracy`` and ``train_seconds``.

    Raises
    ------
    TypeError, ValueError
        If an argument is of the wrong type or out of range.
    """
    import keras

    from gru_companion.reproducibility import seed_everything

    if isinstance(variants, str) or not isinstance(variants, Sequence) or not variants:
        raise TypeError(f"variants must be a non-empty sequence of names, got {variants!r}")
    for variant in variants:
        check_choice("variant", variant, VARIANTS)
    if isinstance(seeds, str) or not isinstance(seeds, Sequence) or not seeds:
        raise TypeError(f"seeds must be a non-empty sequence of integers, got {seeds!r}")
    for seed in seeds:
        check_int_at_least("each seed", seed, 0, expected="a non-negative integer")
    if len(set(variants)) != len(variants) or len(set(seeds)) != len(seeds):
        raise ValueError("variants and seeds must not repeat")
    units = check_positive_int("units", units)
    epochs = check_positive_int("epochs", epochs)
    if report is not None and not callable(report):
        raise TypeError("report must be callable or None")
    data = adding_data(seq_len, n_train, n_test, seed=data_seed)
    runs = []
    with progress_bar(show_progress) as progress:
        bar = progress.add_task("variants", total=len(seeds) * len(variants) * epochs)
        for seed in seeds:
            for variant in variants:
                progress.update(bar, description=f"variants {variant} seed {seed}")
                seed_everything(seed)
                model = build_model(
                    variant, 2, units, 1, steps=data.seq_len, input_name="sequence",
                    output_name="sum", name=f"adding_{variant}", loss="mse",
                    learning_rate=learning_rate,
                )  # fmt: skip
                history = train(model, (data.x_train, data.y_train), epochs=epochs,
                                batch_size=batch_size, validation=(data.x_test, data.y_test),
                                progress=progress, task=bar)  # fmt: skip
                predictions = np.asarray(model(data.x_test, training=False))
                accuracy = adding_accuracy(predictions, data.y_test)
                seconds = history.final("train_seconds")
                runs.append(
                    {
                        "variant": variant,
                        "seed": seed,
                        "params": recurrent_params(variant, 2, units).count,
                        "loss": list(history.loss),
                        "test_mse": list(history.val_loss),
                        "test_accuracy": accuracy,
                        "train_seconds": seconds,
                    }
                )
                keras.backend.clear_session()
                if report is not None:
                    report(
                        f"{variant:>12} seed {seed}: test MSE {history.final('val_loss'):.4f}, "
                        f"accuracy {accuracy:.3f}, {seconds:.0f} s"
                    )
    config = {
        "task": "adding",
        "variants": list(variants),
        "seeds": list(seeds),
        "seq_len": data.seq_len,
        "units": units,
        "n_train": n_train,
        "n_test": n_test,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": "Adam",
        "learning_rate": learning_rate,
        "data_seed": data_seed,
        "baseline_mse": ADDING_BASELINE_MSE,
        "tolerance": ADDING_TOLERANCE,
    }
    return {"config": config, "runs": runs}


def summarize_variants(result: dict[str, Any], *, solved_mse: float = SOLVED_MSE) -> Any:
    """One row per variant: parameters, final test MSE and accuracy (mean and std over seeds).

    Parameters
    ----------
    result
        From :func:`compare_variants`, or read back from its JSON file.
    solved_mse
        The test MSE counted as solved; the column ``solved_epoch`` is the mean first
        epoch at or below it (:func:`~gru_companion.experiments.training.first_epoch_reaching`)
        over the seeds that reached it, ``solved`` how many seeds did.

    Returns
    -------
    pandas.DataFrame
        Indexed by variant (in the order of the runs), columns ``name``, ``params``,
        ``seeds``, ``test_mse_mean``, ``test_mse_std``, ``accuracy_mean``,
        ``accuracy_std``, ``solved``, ``solved_epoch``. Standard deviations are the
        sample standard deviation (``ddof=1``), NaN for a single seed.

    Raises
    ------
    TypeError
        If ``result`` is not a dict with a list of runs.
    ValueError
        If ``solved_mse`` is not positive.
    """
    import pandas as pd

    if not isinstance(result, dict) or not isinstance(result.get("runs"), list):
        raise TypeError("result must be a dict with a list of runs, from compare_variants")
    solved_mse = check_positive_number("solved_mse", solved_mse)
    rows = []
    for run in result["runs"]:
        solved = first_epoch_reaching(History.from_columns(test_mse=run["test_mse"]),
                                      "test_mse", solved_mse)  # fmt: skip
        rows.append(
            {
                "variant": run["variant"],
                "params": run["params"],
                "test_mse": run["test_mse"][-1],
                "accuracy": run["test_accuracy"],
                "solved_epoch": np.nan if solved is None else solved["epoch"],
            }
        )
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("variant", sort=False)
    summary = pd.DataFrame(
        {
            "name": [KINDS[variant].book_name for variant in grouped.groups],
            "params": grouped["params"].first(),
            "seeds": grouped.size(),
            "test_mse_mean": grouped["test_mse"].mean(),
            "test_mse_std": grouped["test_mse"].std(ddof=1),
            "accuracy_mean": grouped["accuracy"].mean(),
            "accuracy_std": grouped["accuracy"].std(ddof=1),
            "solved": grouped["solved_epoch"].count(),
            "solved_epoch": grouped["solved_epoch"].mean(),
        }
    )
    return summary


def mse_curves(result: dict[str, Any]) -> Any:
    """The test MSE after every epoch, per variant: mean, minimum and maximum over the seeds.

    Parameters
    ----------
    result
        From :func:`compare_variants`, or read back from its JSON file.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant``, ``epoch`` (from 1), ``mean``, ``min``, ``max``, one row per
        variant and epoch, variants in the order of the runs.

    Raises
    ------
    TypeError
        If ``result`` is not a dict with a list of runs.
    """
    import pandas as pd

    if not isinstance(result, dict) or not isinstance(result.get("runs"), list):
        raise TypeError("result must be a dict with a list of runs, from compare_variants")
    rows = [
        {"variant": run["variant"], "seed": run["seed"], "epoch": epoch, "test_mse": mse}
        for run in result["runs"]
        for epoch, mse in enumerate(run["test_mse"], start=1)
    ]
    frame = pd.DataFrame(rows)
    grouped = frame.groupby(["variant", "epoch"], sort=False)["test_mse"]
    return grouped.agg(["mean", "min", "max"]).reset_index()


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    seeds_argument(parser)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-test", type=int, default=1000)
    out = pathlib.Path("book/data/gru_variants.json")
    parser.add_argument(
        "--out", type=pathlib.Path, default=out, help="JSON file; default %(default)s"
    )
    progress_argument(parser)


def _run(args: argparse.Namespace) -> dict[str, Any]:
    return compare_variants(
        variants=tuple(args.variants),
        seeds=seeds_of(args),
        epochs=args.epochs,
        seq_len=args.seq_len,
        units=args.units,
        n_train=args.n_train,
        n_test=args.n_test,
        report=print,
        show_progress=not args.no_progress,
    )


#: The subcommand ``variants`` of ``python -m gru_companion.experiments``.
COMMAND = Command(
    "variants",
    "Train the GRU, the LSTM and three simplified cells on the adding problem.",
    _add_arguments,
    _run,
    digits=6,
)
