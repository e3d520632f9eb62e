"""The experiment ``gradient-flow``: how far back gradients reach before and after training.

:func:`run_experiment` measures a tanh RNN, an LSTM and a GRU on the adding problem at
initialisation and after training them with the NumPy training stack
(:mod:`gru_companion.learning`), with the measurements of
:mod:`gru_companion.analysis.gradient_flow`, and writes the curves to a JSON file that the
chapter on vanishing gradients plots: ``python -m gru_companion.experiments gradient-flow``
(:data:`COMMAND`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from gru_companion.analysis.gradient_flow import (
    decay_per_step,
    keras_initialized,
    mean_log10_profile,
    path_statistics,
    state_jacobian_norms,
)
from gru_companion.data.synthetic import ADDING_BASELINE_MSE, AddingData, adding_data
from gru_companion.experiments.cli import Command, progress_argument
from gru_companion.kinds import CORE, KINDS, kind_of
from gru_companion.learning.losses import MeanSquaredError
from gru_companion.learning.optimizers import Adam
from gru_companion.learning.sequence_model import SequenceModel
from gru_companion.learning.training import fit
from gru_companion.scratch.dense import NumpyDense

#: Sequences held out for testing; the probes are the first ``probe_count`` of them.
HELD_OUT = 512

#: Added to the experiment's seed, with the kind's position in
#: :data:`gru_companion.kinds.KINDS`, to seed a kind's initial weights (the tanh RNN 10,
#: the LSTM 11, the GRU 12).
MODEL_SEED_OFFSET = 10


def experiment_data(steps: int, train_count: int, *, seed: int = 0) -> AddingData:
    """The experiment's adding data in float64: training set from ``seed``, test from ``seed + 1``.

    :func:`~gru_companion.data.synthetic.adding_data` with ``test_seed=seed + 1`` (the
    draws of the stored result); :data:`HELD_OUT` test sequences.
    """
    return adding_data(steps, train_count, HELD_OUT, seed=seed, test_seed=seed + 1,
                       dtype=np.float64)  # fmt: skip


def untrained_model(kind: str, *, units: int = 16, seed: int = 0) -> SequenceModel:
    """The experiment's model before training: a Keras-initialised layer and a read-out.

    The layer reads the adding problem's 2 features; its weights are drawn from the seed
    ``seed + MODEL_SEED_OFFSET`` plus the kind's position in
    :data:`gru_companion.kinds.KINDS`, as :func:`run_experiment` draws them.
    """
    kind_of(kind)
    rng = np.random.default_rng(seed + MODEL_SEED_OFFSET + list(KINDS).index(kind))
    return SequenceModel(
        keras_initialized(kind, 2, units, seed=rng), NumpyDense.initialized(units, 1, seed=rng)
    )


def held_out_set(steps: int = 100, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The experiment's 512 test sequences (its probes are the first ``probe_count``)."""
    data = experiment_data(steps, 1, seed=seed)
    return data.x_test, data.y_test


def run_experiment(
    *,
    steps: int = 100,
    units: int = 16,
    train_count: int = 2048,
    epochs: int = 30,
    batch_size: int = 32,
    learning_rate: float = 0.005,
    probe_count: int = 32,
    seed: int = 0,
    kinds: tuple[str, ...] = CORE,
    verbose: bool = False,
) -> dict[str, Any]:
    """Measure the gradient flow of untrained and trained layers on the adding problem.

    Each kind of layer (``units`` units, Keras's initialisation, a dense read-out) is
    measured on ``probe_count`` test sequences of ``steps`` steps, then trained with Adam
    (global norm clipped to 1) on ``train_count`` sequences for ``epochs`` epochs, then
    measured again.

    Returns
    -------
    dict
        The settings, and per kind: the mean log10 norm at every lag before and after
        training, the decay per step, the test mean squared error before and after, the
        loss of every epoch, and the training time.
    """
    data = experiment_data(steps, train_count, seed=seed)
    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    probes = x_test[:probe_count]
    loss = MeanSquaredError()
    results: dict[str, Any] = {}
    for kind in kinds:
        model = untrained_model(kind, units=units, seed=seed)
        before = state_jacobian_norms(model.recurrent, probes)
        paths_before = path_statistics(model.recurrent, probes)
        mse_before = loss(y_test, model(x_test))
        start = time.perf_counter()
        history = fit(model, loss, Adam(learning_rate, global_clipnorm=1.0), x_train, y_train,
                      epochs=epochs, batch_size=batch_size, shuffle=True, seed=seed,
                      verbose=verbose)  # fmt: skip
        seconds = time.perf_counter() - start
        after = state_jacobian_norms(model.recurrent, probes)
        results[kind] = {
            "log10_norm_by_lag_initial": mean_log10_profile(before),
            "log10_norm_by_lag_trained": mean_log10_profile(after),
            "decay_per_step_initial": decay_per_step(before),
            "decay_per_step_trained": decay_per_step(after),
            "path_statistics_initial": paths_before,
            "path_statistics_trained": path_statistics(model.recurrent, probes),
            "test_mse_initial": float(mse_before),
            "test_mse_trained": float(loss(y_test, model(x_test))),
            "epoch_losses": [float(v) for v in history.epoch_losses],
            "training_seconds": round(seconds, 1),
        }
    return {
        "task": "adding problem (gru_companion.data.synthetic.adding_problem)",
        "baseline_mse": ADDING_BASELINE_MSE,
        "settings": {
            "steps": steps,
            "units": units,
            "train_count": train_count,
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "probe_count": probe_count,
            "seed": seed,
            "optimizer": "Adam, global_clipnorm=1.0",
        },
        "results": results,
    }


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("book/data/gradient-flow.json"),
                        help="JSON file; default %(default)s")  # fmt: skip
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--train-count", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    progress_argument(parser, "--quiet")


def _run(args: argparse.Namespace) -> dict[str, Any]:
    return run_experiment(
        steps=args.steps, units=args.units, train_count=args.train_count,
        epochs=args.epochs, seed=args.seed, verbose=not args.no_progress,
    )  # fmt: skip


def _report(record: dict[str, Any]) -> None:
    for kind, result in record["results"].items():
        print(
            f"{kind:>10}: decay per step {result['decay_per_step_initial']:.3f} -> "
            f"{result['decay_per_step_trained']:.3f}, test MSE "
            f"{result['test_mse_initial']:.3f} -> {result['test_mse_trained']:.3f} "
            f"({result['training_seconds']} s)"
        )


#: The subcommand ``gradient-flow`` of ``python -m gru_companion.experiments``.
COMMAND = Command(
    "gradient-flow",
    "Measure ||dh_T/dh_t|| of a tanh RNN, an LSTM and a GRU on the adding problem, at "
    "initialisation and after training in NumPy.",
    _add_arguments,
    _run,
    report=_report,
)
