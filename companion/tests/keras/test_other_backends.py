"""The equality proofs hold on the JAX backend too; one layer computes alike on every backend.

Keras fixes its backend at import, so the proofs on JAX (``equality_on_backend.py``) run in
a process of their own. ``jax`` comes with ``requirements.txt``; where it is missing the
JAX tests are skipped with a message, and under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from gru_companion.keras.backends import (
    BACKENDS,
    EXECUTION_PATHS,
    backend_comparisons,
    backend_differences,
    current_backend,
    jax_precision,
    keras_gradients,
    run_on_backend,
    tanh_result_dtype,
)
from gru_companion.keras.bridge import random_keras_layer, tape_gradients

CHECKS = Path(__file__).with_name("equality_on_backend.py")
REPOSITORY = Path(__file__).resolve().parents[3]


def test_the_equality_proofs_hold_on_jax(needs_jax):
    environment = {**os.environ, "KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(CHECKS), "-n", "0", "-q", "-p", "no:cacheprovider",
         "-W", "ignore::DeprecationWarning", "--durations=5"],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip
    report = done.stdout[-8000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    summary = re.search(r"(\d+) passed", done.stdout)
    assert summary and int(summary.group(1)) >= 20, report
    assert not re.search(r"\d+ (skipped|xfailed|deselected)", done.stdout), report


def test_this_process_runs_tensorflow_and_its_tanh_keeps_float64():
    assert current_backend() == "tensorflow"
    assert tanh_result_dtype("float64") == "float64"
    assert tanh_result_dtype("float32") == "float32"
    with pytest.raises(ValueError, match="dtype must be one of"):
        tanh_result_dtype("float16")


def test_keras_gradients_are_the_tape_gradients_on_tensorflow():
    layer = random_keras_layer(keras.layers.LSTM, 3, 2, return_state=True, seed=4)
    rng = np.random.default_rng(0)
    x, states = rng.normal(size=(2, 5, 2)), [rng.normal(size=(2, 3)) for _ in range(2)]
    d_output, d_states = rng.normal(size=(2, 3)), [rng.normal(size=(2, 3)) for _ in range(2)]
    ours = keras_gradients(layer, x, states, d_output, d_states)
    tape = tape_gradients(layer, x, states, d_output, d_states)
    assert ours.keys() == tape.keys() == {"kernel", "recurrent_kernel", "bias", "inputs",
                                          "initial_states"}  # fmt: skip
    for name in ("kernel", "recurrent_kernel", "bias", "inputs"):
        assert np.array_equal(ours[name], tape[name])
    with jax_precision("float64"):  # nothing to do off JAX
        again = keras_gradients(layer, x, states, d_output, d_states)
    assert np.array_equal(again["kernel"], ours["kernel"])


def test_execution_paths_name_every_backend_for_gru_and_lstm():
    assert set(EXECUTION_PATHS) == set(BACKENDS)
    for backend, paths in EXECUTION_PATHS.items():
        assert set(paths) == {"gru", "lstm"}, backend
    assert "never cuDNN" in EXECUTION_PATHS["jax"]["gru"]
    assert "torch._VF.gru" in EXECUTION_PATHS["torch"]["gru"]


def test_run_on_backend_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="backend must be one of"):
        run_on_backend("theano", tanh_result_dtype)
    with pytest.raises(TypeError, match="top level of an importable module"):
        run_on_backend("jax", lambda: 1)


def test_one_gru_on_tensorflow_and_jax(needs_jax):
    """TensorFlow equals the NumPy twin to float64 rounding; JAX's float32 tanh shows."""
    found = backend_differences("gru", units=3, features=2, batch=2, steps=6, seed=1,
                                return_sequences=True)  # fmt: skip
    assert found["output_dtypes"] == {"tensorflow": "float64", "jax": "float64"}
    assert found["versus_numpy"]["tensorflow"] <= 1e-12
    assert 1e-12 < found["versus_numpy"]["jax"] <= 1e-5
    assert 1e-12 < found["pairs"]["tensorflow-jax"] <= 1e-5
    assert found["tanh_dtypes"] == {"tensorflow": "float64", "jax": "float32"}


def test_several_layers_and_dtypes_in_one_process_per_backend(needs_jax):
    """Every row in its dtype; float32 rows agree to float32 rounding, float64 on TensorFlow
    to float64 rounding, float64 on JAX only to float32 rounding (its tanh)."""
    rows = backend_comparisons(["lstm", ("gru", {"reset_after": False, "return_state": True})],
                               units=3, features=2, batch=2, steps=5, seed=2)  # fmt: skip
    assert [(r["kind"], r["dtype"], r["flags"]) for r in rows] == [
        ("lstm", "float32", {}), ("lstm", "float64", {}),
        ("gru", "float32", {"reset_after": False, "return_state": True}),
        ("gru", "float64", {"reset_after": False, "return_state": True}),
    ]  # fmt: skip
    for row in rows:
        assert row["output_dtypes"] == {"tensorflow": row["dtype"], "jax": row["dtype"]}
        float64 = row["dtype"] == "float64"
        assert row["tanh_dtypes"] == {"tensorflow": row["dtype"], "jax": "float32"}
        assert row["versus_numpy"]["tensorflow"] <= (1e-12 if float64 else 1e-5)
        assert row["versus_numpy"]["jax"] <= 1e-5 and row["pairs"]["tensorflow-jax"] <= 1e-5
        if float64:
            assert row["versus_numpy"]["jax"] > 1e-12


@pytest.mark.parametrize(
    "layers, options, error, match",
    [([], {}, ValueError, "at least one layer"),
     ([("gru", ["reset_after"])], {}, TypeError, "a pair"),
     (["no_such_kind"], {}, ValueError, "no_such_kind"),
     (["gru"], {"dtypes": ("float16",)}, ValueError, "dtype must be one of"),
     (["gru"], {"backends": ("tensorflow",)}, ValueError, "two or more backends")],
)  # fmt: skip
def test_backend_comparisons_refuses_what_it_cannot_compare(layers, options, error, match):
    with pytest.raises(error, match=match):
        backend_comparisons(layers, **options)


def test_a_failure_on_the_other_backend_is_reported(needs_jax):
    with pytest.raises(RuntimeError, match=r"(?s)tanh_result_dtype on the jax backend.*float16"):
        run_on_backend("jax", tanh_result_dtype, dtype="float16")
