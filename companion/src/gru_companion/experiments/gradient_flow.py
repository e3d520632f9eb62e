"""The experiment ``gradient-flow``: how far back gradients reach before and after training.

:func:`run_experiment` measures a tanh RNN, an LSTM and a GRU on the adding problem at
initialisation and after training them with the NumPy training stack
(:mod:`gru_companion.learning`), with the measurements of
:mod:`gru_companion.analysis.gradient_flow`, and writes the curves to a JSON file that the
chapter on vanishing gradients plots.
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
from gru_companion.data.synthetic import ADDING_BASELINE_MSE, adding_problem
from gru_companion.experiments.result_files import (
    command_line,
    machine_description,
    package_versions,
    write_result,
)
from gru_companion.kinds import CORE as KINDS
from gru_companion.learning.losses import MeanSquaredError
from gru_companion.learning.optimizers import Adam
from gru_companion.learning.sequence_model import SequenceModel
from gru_companion.learning.training import fit
from gru_companion.scratch.dense import NumpyDense
from gru_companion.validation import check_choice


def adding_data(count: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Adding-problem inputs and targets in float64 (from :mod:`gru_companion.data.synthetic`)."""
    inputs, targets = adding_problem(count, steps, seed=seed)
    return inputs.astype(np.float64), targets.astype(np.float64)



#: Each kind's offset to the experiment's seed, for its initial weights.
MODEL_SEED_OFFSETS = {"simple_rnn": 10, "lstm": 11, "gru": 12}



def untrained_model(kind: str, *, units: int = 16, seed: int = 0) -> SequenceModel:
    """The experiment's model before training: a Keras-initialised layer and a read-out.

    The layer reads the adding problem's 2 features; its weights are drawn from the seed
    ``seed + MODEL_SEED_OFFSETS[kind]``, as :func:`run_experiment` draws them.
    """
    check_choice("kind", kind, KINDS)
    rng = np.random.default_rng(seed + MODEL_SEED_OFFSETS[kind])
    return SequenceModel(
        keras_initialized(kind, 2, units, seed=rng), NumpyDense.initialized(units, 1, seed=rng)
    )



def held_out_set(steps: int = 100, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The experiment's 512 test sequences (its probes are the first ``probe_count``)."""
    return adding_data(512, steps, seed + 1)



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
    kinds: tuple[str, ...] = ("simple_rnn", "lstm", "gru"),
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
    x_train, y_train = adding_data(train_count, steps, seed)
    x_test, y_test = held_out_set(steps, seed=seed)
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



def main(argv: list[str] | None = None) -> int:
    """Command line: run :func:`run_experiment` and write its JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m gru_companion.analysis.gradient_flow",
        description="Measure ||dh_T/dh_t|| of a tanh RNN, an LSTM and a GRU on the adding "
        "problem, at initialisation and after training in NumPy; write JSON.",
    )
    parser.add_argument("--out", type=Path, default=Path("book/data/gradient-flow.json"))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--train-count", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    record = run_experiment(
        steps=args.steps, units=args.units, train_count=args.train_count,
        epochs=args.epochs, seed=args.seed, verbose=not args.quiet,
    )  # fmt: skip
    record["command"] = command_line("python -m gru_companion.analysis.gradient_flow", argv)
    record["wall_seconds"] = round(time.perf_counter() - start, 1)
    record["versions"] = package_versions()
    record["machine"] = machine_description()
    write_result(args.out, record)
    for kind, result in record["results"].items():
        print(
            f"{kind:>10}: decay per step {result['decay_per_step_initial']:.3f} -> "
            f"{result['decay_per_step_trained']:.3f}, test MSE "
            f"{result['test_mse_initial']:.3f} -> {result['test_mse_trained']:.3f} "
            f"({result['training_seconds']} s)"
        )
    print(f"wrote {args.out}")
    return 0
