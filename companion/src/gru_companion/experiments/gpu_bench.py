"""The experiment ``gpu-bench``: GRU, LSTM and SimpleRNN on a GPU, fused kernels against loops.

What tutorials say about speed ("a GRU trains faster than an LSTM", "use the cuDNN
layer") is a claim about GPUs, where the fused cuDNN kernels run. :func:`run_gpu_bench`
measures, in float32 with TensorFloat-32 off (so that a GPU computes float32 products in
float32), each timing after warm-up calls as the median of repeats with the device
synchronised (:func:`~gru_companion.experiments.bench.timeit`):

1. **cuDNN through PyTorch** (``nn.GRU``, ``nn.LSTM``, ``nn.RNN`` with tanh): forward
   (without gradients) and forward + backward (the gradients of the weights of the sum of
   the outputs), for each size (batch, steps) and width, at equal width and at an equal
   parameter budget (:func:`gru_companion.experiments.memory.configurations`:
   :func:`~gru_companion.analysis.budgets.units_for_budget` of the reference kind's model);
   the same layers stepped by a Python loop over ``nn.GRUCell`` and its kin at the first
   size; the peak memory of one forward + backward step above what was allocated before
   it (``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``); and the
   outputs and final states against the NumPy twin
   (:mod:`gru_companion.scratch`) on the same weights (PyTorch's layout:
   :func:`~gru_companion.scratch.conventions.keras_to_pytorch`), in float32 and float64,
   as the largest absolute difference.
2. **Keras on the PyTorch backend and on JAX**, each in a fresh process of its own
   (:func:`~gru_companion.keras.backends.run_on_backend`): the layers Keras ships at one
   size, forward and forward + backward, on their default path (``use_cudnn="auto"``) and
   on the generic loop (``use_cudnn=False``); which code each path runs is
   :data:`gru_companion.keras.backends.EXECUTION_PATHS`. JAX runs with its float32
   matrix products at full precision (``jax_default_matmul_precision="highest"``).

Without PyTorch (CI, this course's CPU machines) part 1 and Keras on PyTorch are skipped
with a note saying so; without a GPU everything runs on the CPU, which is how the test
suite smoke-tests this module on a tiny grid. The result goes to
``book/data/bench/gpu-<machine>.json`` (``<machine>``: the GPU's name, or ``cpu``), with
the GPU, its driver, CUDA, cuDNN and library versions beside the command that made it.

**On a GPU machine**, from the repository root::

    python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt
    .venv/bin/python -m pip install torch          # a CUDA build (PyPI's Linux wheels)
    .venv/bin/python -m pip install "jax[cuda12]==0.10.2"   # optional: JAX on the GPU
    .venv/bin/python -m gru_companion.experiments gpu-bench

(a few minutes on one recent GPU; ``--help`` lists the grid's options). Check with
``--smoke`` first: a tiny grid, seconds. PyTorch is not in ``requirements.txt``: its
wheels bring several GB of CUDA libraries. :data:`COMMAND` is the subcommand;
:func:`gpu_summary` reads a stored result.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import pathlib
import re
import shutil
import statistics
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gru_companion.experiments.bench import timeit
from gru_companion.experiments.cli import Command, progress_argument
from gru_companion.experiments.memory import configurations
from gru_companion.experiments.result_files import (
    cpu_model,
    machine_description,
    package_versions,
    write_result,
)
from gru_companion.experiments.training import progress_bar
from gru_companion.kinds import CORE, kind_of
from gru_companion.scratch.conventions import keras_to_pytorch
from gru_companion.scratch.recurrent_layer import layer_class
from gru_companion.validation import check_positive_int, parse_size

#: Widths at equal width; the budget kinds are sized to the reference kind's model there.
DEFAULT_WIDTHS = (128, 256, 512, 1024)
#: Sizes as (batch, steps).
DEFAULT_SIZES = ((64, 100), (256, 500))
DEFAULT_FEATURES = 64
DEFAULT_REPEATS = 20
DEFAULT_WARMUP = 3
#: The kind whose model sets the budget, and the kinds sized to it.
DEFAULT_REFERENCE = "lstm"
DEFAULT_BUDGET_KINDS = ("gru", "simple_rnn")
#: Keras on other backends is timed at one width and one size.
DEFAULT_KERAS_UNITS = 256
DEFAULT_KERAS_SIZE = (64, 100)
#: The backends Keras is timed on, each in its own process.
KERAS_BACKENDS = ("torch", "jax")
#: The width and size (batch, steps) of the comparison with the NumPy twin.
EQUALITY_UNITS = 128
EQUALITY_SIZE = (8, 50)
#: ``--smoke``: a tiny grid that runs on a CPU in seconds.
SMOKE = {
    "widths": (8,),
    "sizes": ((2, 5),),
    "features": 4,
    "repeats": 2,
    "warmup": 1,
    "keras_units": 8,
    "keras_size": (2, 5),
    "equality_units": 8,
    "equality_size": (2, 5),
}
OUT_DIR = pathlib.Path(__file__).resolve().parents[4] / "book" / "data" / "bench"

_MIB = 2**20

#: How :func:`run_gpu_bench` measures, as stored in its result.
METHOD = (
    "float32, TensorFloat-32 off (PyTorch: torch.backends.cuda.matmul.allow_tf32 and "
    "torch.backends.cudnn.allow_tf32 False; JAX: jax_default_matmul_precision='highest'); "
    "each timing: warm-up calls, then the median of the repeats, the device synchronised "
    "after each call; forward without gradients; forward + backward: the gradients of the "
    "weights of the sum of all outputs; memory: torch.cuda.max_memory_allocated during one "
    "forward + backward step minus torch.cuda.memory_allocated just before it (the "
    "weights' gradients freed first)."
)


def torch_available() -> bool:
    """Whether PyTorch can be imported here."""
    return importlib.util.find_spec("torch") is not None


def jax_available() -> bool:
    """Whether JAX can be imported here."""
    return importlib.util.find_spec("jax") is not None


def _nvidia_smi() -> dict[str, str]:
    """The first GPU's name, driver and memory as ``nvidia-smi`` reports them, if it runs."""
    if shutil.which("nvidia-smi") is None:
        return {}
    query = "name,driver_version,memory.total"
    try:
        done = subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {}
    return dict(
        zip(("name", "driver", "memory"), (v.strip() for v in lines[0].split(",")), strict=False)
    )


def gpu_machine() -> dict[str, Any]:
    """The machine: platform, CPU, GPU, driver, CUDA, cuDNN and library versions."""
    described = machine_description()
    cpu = cpu_model()
    smi = _nvidia_smi()
    described.update(
        {
            "cpu_model": cpu,
            "gpu": smi.get("name"),
            "gpu_memory": smi.get("memory"),
            "driver": smi.get("driver"),
            "versions": package_versions(
                ("numpy", "keras", "jax", "jaxlib", "torch", "tensorflow", "gru_companion")
            ),
        }
    )
    if torch_available():
        import torch

        cuda = torch.cuda.is_available()
        described.update(
            {
                "torch_cuda": torch.version.cuda,
                "cudnn": torch.backends.cudnn.version() if cuda else None,
                "torch_device": torch.cuda.get_device_name(0) if cuda else "cpu",
            }
        )
        described["gpu"] = described["gpu"] or (described["torch_device"] if cuda else None)
    return described


def machine_slug(machine: dict[str, Any]) -> str:
    """A file-name word for the machine: its GPU's name (``"h200"``), or ``"cpu"``."""
    name = machine.get("gpu") or "cpu"
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    return re.sub(r"^nvidia-", "", slug) or "cpu"


def default_out(machine: dict[str, Any]) -> pathlib.Path:
    """``book/data/bench/gpu-<machine>.json``."""
    return OUT_DIR / f"gpu-{machine_slug(machine)}.json"


def _median_ms(
    call: Callable[[], Any], synchronise: Callable[[], Any], *, warmup: int, repeats: int
) -> float:
    """Median milliseconds of ``call`` after ``warmup`` calls, synchronised after each."""

    def synchronised() -> None:
        call()
        synchronise()

    for _ in range(warmup):
        synchronised()
    timing = timeit(synchronised, min_repeats=repeats, max_repeats=repeats, budget_s=0.0)
    return 1000 * timing["median_s"]


# --- PyTorch: cuDNN, its cells in a loop, memory, the NumPy twin -----------------------


def _torch_class_name(kind: str, *, cell: bool = False) -> str:
    """PyTorch's class for a kind Keras ships: ``GRU``, ``LSTM``, ``RNN`` (tanh)."""
    row = kind_of(kind)
    if row.keras_layer is None:
        raise ValueError(f"PyTorch has no layer of the kind {kind!r}; it has {CORE}")
    name = "RNN" if row.keras_layer == "SimpleRNN" else row.keras_layer
    return name + ("Cell" if cell else "")


def torch_weights(kind: str, weights: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Keras-layout weights (kernel, recurrent kernel, bias) in PyTorch's, by parameter name.

    A GRU's (``reset_after=True``) go through
    :func:`~gru_companion.scratch.conventions.keras_to_pytorch`; an LSTM's blocks are in
    the same order in both ([i | f | c | o] and [i | f | g | o]) and a SimpleRNN has one
    block, so theirs are transposed, with their one bias as ``bias_ih`` and zeros as
    ``bias_hh``.
    """
    kernel, recurrent_kernel, bias = (np.asarray(w) for w in weights[:3])
    if kind_of(kind).has_reset_after:
        converted = keras_to_pytorch(kernel, recurrent_kernel, bias)
        parts = (converted.weight_ih, converted.weight_hh, converted.bias_ih, converted.bias_hh)
    else:
        parts = (kernel.T, recurrent_kernel.T, bias, np.zeros_like(bias))
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    return {name: np.ascontiguousarray(part) for name, part in zip(names, parts, strict=True)}


def _torch_setup() -> tuple[Any, Any, Callable[[], None]]:
    """PyTorch with TensorFloat-32 off, its device and a synchronising function."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if torch.cuda.is_available():
        return torch, torch.device("cuda"), torch.cuda.synchronize
    return torch, torch.device("cpu"), lambda: None


def _torch_layer(torch: Any, kind: str, features: int, units: int, device: Any) -> Any:
    cls = getattr(torch.nn, _torch_class_name(kind))
    return cls(features, units, batch_first=True).to(device)


def torch_times(
    kind: str,
    units: int,
    batch: int,
    steps: int,
    features: int,
    *,
    warmup: int,
    repeats: int,
    seed: int = 0,
) -> dict[str, float]:
    """Forward and forward + backward milliseconds of PyTorch's layer (cuDNN on a GPU)."""
    torch, device, synchronise = _torch_setup()
    torch.manual_seed(seed)
    layer = _torch_layer(torch, kind, features, units, device)
    x = torch.randn(batch, steps, features, device=device)

    return _torch_pass_times(torch, layer, lambda: layer(x)[0], synchronise, warmup, repeats)


def torch_cell_loop_times(
    kind: str,
    units: int,
    batch: int,
    steps: int,
    features: int,
    *,
    warmup: int,
    repeats: int,
    seed: int = 0,
) -> dict[str, float]:
    """The same as :func:`torch_times` for a Python loop over PyTorch's cell (``GRUCell``)."""
    torch, device, synchronise = _torch_setup()
    torch.manual_seed(seed)
    cell = getattr(torch.nn, _torch_class_name(kind, cell=True))(features, units).to(device)
    x = torch.randn(batch, steps, features, device=device)
    two_states = len(kind_of(kind).states) == 2

    def run() -> Any:
        h = torch.zeros(batch, units, device=device)
        state = (h, torch.zeros_like(h)) if two_states else h
        outputs = []
        for t in range(steps):
            state = cell(x[:, t], state)
            outputs.append(state[0] if two_states else state)
        return torch.stack(outputs, dim=1)

    return _torch_pass_times(torch, cell, run, synchronise, warmup, repeats)


def _torch_pass_times(
    torch: Any, module: Any, outputs: Any, synchronise: Any, warmup: int, repeats: int
) -> dict[str, float]:
    """Median milliseconds of ``outputs()`` without gradients, and with a backward pass."""

    def forward() -> None:
        with torch.no_grad():
            outputs()

    def forward_backward() -> None:
        module.zero_grad(set_to_none=True)
        outputs().sum().backward()

    return {
        "forward_ms": _median_ms(forward, synchronise, warmup=warmup, repeats=repeats),
        "forward_backward_ms": _median_ms(
            forward_backward, synchronise, warmup=warmup, repeats=repeats
        ),
    }


def torch_step_memory(
    kind: str, units: int, batch: int, steps: int, features: int, seed: int = 0
) -> dict[str, float] | None:
    """MiB allocated by one forward + backward step above those allocated before it.

    ``None`` without a CUDA GPU (PyTorch counts only the GPU's allocations).
    """
    torch, device, synchronise = _torch_setup()
    if device.type != "cuda":
        return None
    torch.manual_seed(seed)
    layer = _torch_layer(torch, kind, features, units, device)
    x = torch.randn(batch, steps, features, device=device)

    def step() -> None:
        layer.zero_grad(set_to_none=True)
        layer(x)[0].sum().backward()

    step()  # cuDNN's workspace and plans
    layer.zero_grad(set_to_none=True)
    synchronise()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    step()
    synchronise()
    peak = torch.cuda.max_memory_allocated()
    result = {"step_mib": (peak - before) / _MIB, "before_mib": before / _MIB}
    return result


def torch_equality(
    kind: str, units: int, batch: int, steps: int, features: int, seed: int = 0
) -> list[dict[str, Any]]:
    """PyTorch's layer (cuDNN on a GPU) against the NumPy twin, on the same weights.

    Returns
    -------
    list of dict
        One per dtype (float32, float64): ``output`` and ``state`` (the largest absolute
        differences of the outputs of every step and of the final states from the float64
        twin), ``device``.
    """
    torch, device, _ = _torch_setup()
    options = {"reset_after": True} if kind_of(kind).has_reset_after else {}
    twin = layer_class(kind).initialized(
        features,
        units,
        seed=seed,
        dtype="float64",
        return_sequences=True,
        return_state=True,
        **options,
    )
    x = np.random.default_rng(seed + 1).normal(size=(batch, steps, features))
    expected_output, *expected_states = twin(x)
    rows = []
    for dtype in ("float32", "float64"):
        torch_dtype = getattr(torch, dtype)
        layer = _torch_layer(torch, kind, features, units, device).to(torch_dtype)
        state = {
            name: torch.tensor(value, dtype=torch_dtype)
            for name, value in torch_weights(kind, twin.get_weights()).items()
        }
        layer.load_state_dict(state)
        with torch.no_grad():
            output, final = layer(torch.tensor(x, dtype=torch_dtype, device=device))
        finals = final if isinstance(final, tuple) else (final,)
        rows.append(
            {
                "kind": kind,
                "dtype": dtype,
                "device": str(device),
                "output": float(np.max(np.abs(output.cpu().double().numpy() - expected_output))),
                "state": max(
                    float(np.max(np.abs(f[0].cpu().double().numpy() - e)))
                    for f, e in zip(finals, expected_states, strict=True)
                ),
            }
        )
    return rows


# --- Keras on the PyTorch and JAX backends ---------------------------------------------


def _takes_use_cudnn(kind: str) -> bool:
    import keras

    row = kind_of(kind)
    cls = getattr(keras.layers, row.keras_layer or "", None)
    return cls is not None and "use_cudnn" in inspect.signature(cls).parameters


def keras_times(
    kinds: Sequence[str],
    units: int,
    batch: int,
    steps: int,
    features: int,
    *,
    warmup: int,
    repeats: int,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Time the Keras layers of ``kinds`` on this process's backend (PyTorch or JAX).

    Run it in a process of the backend (:func:`~gru_companion.keras.backends.run_on_backend`).
    For each kind, with ``use_cudnn="auto"`` (the default path) and ``use_cudnn=False``
    (the generic loop) where the layer takes that setting, else once: forward (JAX: a
    jitted ``stateless_call``; PyTorch: the layer called without gradients) and forward +
    backward (the gradients of the weights of the sum of the outputs: ``jax.grad``, or
    ``torch.autograd.grad``), and the largest absolute difference of the outputs from the
    float64 NumPy twin on the same weights.

    Returns
    -------
    list of dict
        One per kind and path: ``backend``, ``device``, ``kind``, ``units``, ``use_cudnn``,
        ``forward_ms``, ``forward_backward_ms``, ``max_abs_difference``.

    Raises
    ------
    ValueError
        If the backend is neither PyTorch nor JAX.
    """
    import keras

    from gru_companion.keras.backends import current_backend
    from gru_companion.keras.bridge import from_keras
    from gru_companion.keras.cells import keras_layer

    backend = current_backend()
    if backend not in KERAS_BACKENDS:
        raise ValueError(f"keras_times runs on {KERAS_BACKENDS}; this process runs {backend!r}")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    rows = []
    for kind in kinds:
        for use_cudnn in ("auto", False) if _takes_use_cudnn(kind) else (None,):
            keras.utils.set_random_seed(seed)
            flags = {} if use_cudnn is None else {"use_cudnn": use_cudnn}
            layer = keras_layer(kind, units, return_sequences=True, dtype="float32", **flags)
            layer.build((None, None, features))
            twin = from_keras(layer).astype("float64")
            expected = twin(x.astype("float64"))
            timed = (_jax_keras_times if backend == "jax" else _torch_keras_times)(
                layer, x, warmup=warmup, repeats=repeats
            )
            output = timed.pop("output")
            rows.append(
                {
                    "backend": backend,
                    "kind": kind,
                    "units": units,
                    "batch": batch,
                    "steps": steps,
                    "features": features,
                    "use_cudnn": "not a setting" if use_cudnn is None else use_cudnn,
                    **timed,
                    "max_abs_difference": float(
                        np.max(np.abs(output.astype("float64") - expected))
                    ),
                }
            )
    return rows


def _jax_keras_times(layer: Any, x: np.ndarray, *, warmup: int, repeats: int) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_default_matmul_precision", "highest")
    trainable = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]
    inputs = jnp.asarray(x)

    def outputs(weights: list[Any], inputs: Any) -> Any:
        return layer.stateless_call(weights, frozen, inputs)[0]

    forward = jax.jit(outputs)
    gradient = jax.jit(jax.grad(lambda weights, inputs: jnp.sum(outputs(weights, inputs))))

    def synchronise() -> None:  # each call blocks until its result is ready
        return None

    return {
        "device": f"{jax.devices()[0].platform}: {jax.devices()[0].device_kind}",
        "forward_ms": _median_ms(
            lambda: jax.block_until_ready(forward(trainable, inputs)),
            synchronise,
            warmup=warmup,
            repeats=repeats,
        ),
        "forward_backward_ms": _median_ms(
            lambda: jax.block_until_ready(gradient(trainable, inputs)),
            synchronise,
            warmup=warmup,
            repeats=repeats,
        ),
        "output": np.asarray(forward(trainable, inputs)),
    }


def _torch_keras_times(layer: Any, x: np.ndarray, *, warmup: int, repeats: int) -> dict[str, Any]:
    import keras

    torch, _, synchronise = _torch_setup()
    inputs = keras.ops.convert_to_tensor(x)
    weights = [v.value for v in layer.trainable_variables]

    def forward() -> Any:
        with torch.no_grad():
            return layer(inputs)

    def forward_backward() -> None:
        torch.autograd.grad(layer(inputs).sum(), weights)

    return {
        "device": str(inputs.device)
        + (f": {torch.cuda.get_device_name(0)}" if inputs.device.type == "cuda" else ""),
        "forward_ms": _median_ms(forward, synchronise, warmup=warmup, repeats=repeats),
        "forward_backward_ms": _median_ms(
            forward_backward, synchronise, warmup=warmup, repeats=repeats
        ),
        "output": forward().detach().cpu().numpy(),
    }


# --- The run ---------------------------------------------------------------------------


def _check_pairs(name: str, pairs: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(pairs, list | tuple) or not pairs:
        raise TypeError(f"{name} must be a non-empty sequence of (batch, steps), got {pairs!r}")
    checked = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TypeError(f"each of {name} must be a pair (batch, steps), got {pair!r}")
        checked.append((check_positive_int("batch", pair[0]), check_positive_int("steps", pair[1])))
    return tuple(checked)


def run_gpu_bench(
    *,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    sizes: Sequence[tuple[int, int]] = DEFAULT_SIZES,
    features: int = DEFAULT_FEATURES,
    kinds: Sequence[str] = CORE,
    reference: str = DEFAULT_REFERENCE,
    budget_kinds: Sequence[str] = DEFAULT_BUDGET_KINDS,
    repeats: int = DEFAULT_REPEATS,
    warmup: int = DEFAULT_WARMUP,
    keras_backends: Sequence[str] = KERAS_BACKENDS,
    keras_units: int = DEFAULT_KERAS_UNITS,
    keras_size: tuple[int, int] = DEFAULT_KERAS_SIZE,
    equality_units: int = EQUALITY_UNITS,
    equality_size: tuple[int, int] = EQUALITY_SIZE,
    seed: int = 0,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Measure what the module describes, with what this machine has.

    Parameters
    ----------
    widths
        Units at equal width.
    sizes
        Pairs (batch, steps).
    features
        Features per step.
    kinds
        Kinds Keras and PyTorch ship (keys of :data:`gru_companion.kinds.KINDS` with a
        ``keras_layer``).
    reference, budget_kinds
        The kinds of ``budget_kinds`` are also measured with the units whose model comes
        closest to the reference kind's model at each width
        (:func:`~gru_companion.experiments.memory.configurations`).
    repeats, warmup
        Timed calls (their median is kept) and calls before them.
    keras_backends
        Backends Keras is timed on, each in its own process; those not installed are
        skipped with a note.
    keras_units, keras_size
        Width and (batch, steps) of the Keras timings.
    equality_units, equality_size
        Width and (batch, steps) of the comparison with the NumPy twin.
    seed
        Seeds weights and inputs.
    show_progress
        Show a progress bar.

    Returns
    -------
    dict
        ``method``, ``config``, ``machine`` (:func:`gpu_machine`); ``torch``: ``times``
        (one row per size and configuration: ``kind``, ``units``, ``width``,
        ``comparison``, ``params``, ``batch``, ``steps``, ``forward_ms``,
        ``forward_backward_ms``), ``cell_loop`` (the same for the cells in a Python loop,
        first size, equal width), ``memory`` (``step_mib``, ``before_mib`` per
        configuration; GPU only), ``equality`` (:func:`torch_equality`), ``device``, or
        ``skipped`` (why); ``keras``: per backend, its rows (:func:`keras_times`) or
        ``skipped``; ``summary`` (:func:`gpu_summary`).
    """
    from gru_companion.keras.backends import BACKENDS, run_on_backend

    widths = tuple(check_positive_int("width", w) for w in widths)
    sizes = _check_pairs("sizes", sizes)
    keras_size = _check_pairs("keras_size", [keras_size])[0]
    equality_size = _check_pairs("equality_size", [equality_size])[0]
    features = check_positive_int("features", features)
    repeats, warmup = check_positive_int("repeats", repeats), int(warmup)
    if warmup < 0:
        raise ValueError(f"warmup must be a non-negative integer, got {warmup}")
    for kind in kinds:
        _torch_class_name(kind)
    for backend in keras_backends:
        if backend not in BACKENDS or backend == "tensorflow":
            raise ValueError(f"keras_backends must be among {KERAS_BACKENDS}, got {backend!r}")
    plans = [
        (
            batch,
            configurations(
                [(w, steps) for w in widths],
                kinds=tuple(kinds),
                budget_kinds=tuple(budget_kinds),
                reference=reference,
                features=features,
            ),
        )
        for batch, steps in sizes
    ]
    timing = {"warmup": warmup, "repeats": repeats, "seed": seed}
    result: dict[str, Any] = {
        "method": METHOD,
        "config": {
            "widths": list(widths),
            "sizes": [list(s) for s in sizes],
            "features": features,
            "kinds": list(kinds),
            "reference": reference,
            "budget_kinds": list(budget_kinds),
            "repeats": repeats,
            "warmup": warmup,
            "seed": seed,
            "keras_backends": list(keras_backends),
            "keras_units": keras_units,
            "keras_size": list(keras_size),
            "equality_units": equality_units,
            "equality_size": list(equality_size),
            "dtype": "float32",
        },
        "machine": gpu_machine(),
    }
    total = sum(len(plan) for _, plan in plans) * 2 + len(kinds) * 2 + len(keras_backends)
    with progress_bar(show_progress) as progress:
        bar = progress.add_task("gpu-bench", total=total)
        result["torch"] = _torch_part(
            plans, kinds, features, equality_units, equality_size, timing, progress, bar
        )
        result["keras"] = {}
        for backend in keras_backends:
            progress.update(bar, description=f"Keras on {backend}")
            result["keras"][backend] = _keras_part(
                backend, kinds, keras_units, keras_size, features, timing, run_on_backend
            )
            progress.advance(bar)
    result["summary"] = gpu_summary(result)
    return result


def _torch_part(
    plans: list[tuple[int, list[dict[str, Any]]]],
    kinds: Sequence[str],
    features: int,
    equality_units: int,
    equality_size: tuple[int, int],
    timing: dict[str, int],
    progress: Any,
    bar: Any,
) -> dict[str, Any]:
    if not torch_available():
        progress.advance(bar, sum(len(plan) for _, plan in plans) * 2 + len(kinds) * 2)
        return {
            "skipped": "PyTorch is not installed: no cuDNN timings, cell loops, memory "
            "or comparison with the NumPy twin (install a CUDA build of torch on a GPU "
            "machine; it is not in requirements.txt)"
        }
    _, device, _ = _torch_setup()
    part: dict[str, Any] = {
        "device": str(device),
        "times": [],
        "cell_loop": [],
        "memory": [],
        "equality": [],
    }
    first_batch, first_plan = plans[0]
    for batch, plan in plans:
        for config in plan:
            progress.update(
                bar,
                description=f"cuDNN {config['kind']} {config['units']} {batch}x{config['steps']}",
            )
            size = (config["kind"], config["units"], batch, config["steps"], features)
            row = {**config, "batch": batch}
            row.update(torch_times(*size, **timing))
            part["times"].append(row)
            memory = torch_step_memory(*size, seed=timing["seed"])
            if memory is not None:
                part["memory"].append({**config, "batch": batch, **memory})
            progress.advance(bar, 2)
    for config in first_plan:
        if config["comparison"] == "equal width":
            progress.update(bar, description=f"cell loop {config['kind']} {config['units']}")
            size = (config["kind"], config["units"], first_batch, config["steps"], features)
            part["cell_loop"].append(
                {**config, "batch": first_batch, **torch_cell_loop_times(*size, **timing)}
            )
    if part["memory"] == []:
        part["memory_skipped"] = "no CUDA GPU: PyTorch counts only a GPU's allocations"
    for kind in kinds:
        part["equality"].extend(
            torch_equality(kind, equality_units, *equality_size, features, seed=timing["seed"])
        )
        progress.advance(bar, 2)
    return part


def _keras_part(
    backend: str,
    kinds: Sequence[str],
    units: int,
    size: tuple[int, int],
    features: int,
    timing: dict[str, int],
    run: Callable[..., Any],
) -> Any:
    if not importlib.util.find_spec(backend):
        return {"skipped": f"{backend} is not installed: Keras not timed on it"}
    rows = run(
        backend,
        keras_times,
        kinds=list(kinds),
        units=units,
        batch=size[0],
        steps=size[1],
        features=features,
        x64=False,
        **timing,
    )
    return {"rows": rows}


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def gpu_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The findings: GRU / LSTM ratios of time and memory, loops and generic paths against fused.

    Returns
    -------
    dict
        ``gru_lstm`` (per size and width: ``time_forward``, ``time_forward_backward``,
        ``memory`` at equal width, and the same at the budget, where measured),
        ``cell_loop_over_cudnn`` (per kind and width: the loop's forward + backward time
        over cuDNN's), ``keras_generic_over_default`` (per backend and kind: the
        ``use_cudnn=False`` time over the default path's, forward + backward), and
        ``largest_difference_from_twin`` (per dtype, over the kinds, PyTorch's layers;
        per backend, Keras's float32 layers).
    """
    summary: dict[str, Any] = {}
    torch_part = result.get("torch", {})
    times = torch_part.get("times", [])
    memory = {
        (m["kind"], m["units"], m["batch"], m["steps"]): m["step_mib"]
        for m in torch_part.get("memory", [])
    }

    def find(kind: str, comparison: str, width: int, batch: int, steps: int) -> Any:
        for row in times:
            if (row["kind"], row["comparison"], row["width"], row["batch"], row["steps"]) == (
                kind,
                comparison,
                width,
                batch,
                steps,
            ):
                return row
        return None

    ratios = []
    for row in times:
        if row["kind"] != "lstm" or row["comparison"] != "equal width":
            continue
        key = (row["width"], row["batch"], row["steps"])
        entry: dict[str, Any] = {"width": key[0], "batch": key[1], "steps": key[2]}
        for label, comparison in (("width", "equal width"), ("budget", "equal budget")):
            gru = find("gru", comparison, *key)
            if gru is None:
                continue
            entry[f"gru_units_{label}"] = gru["units"]
            for name in ("forward_ms", "forward_backward_ms"):
                entry[f"time_{name[:-3]}_{label}"] = gru[name] / row[name]
            lstm_mib = memory.get(("lstm", row["units"], key[1], key[2]))
            gru_mib = memory.get(("gru", gru["units"], key[1], key[2]))
            if lstm_mib and gru_mib:
                entry[f"memory_{label}"] = gru_mib / lstm_mib
        ratios.append(entry)
    summary["gru_lstm"] = ratios
    loops = []
    for row in torch_part.get("cell_loop", []):
        fused = find(row["kind"], "equal width", row["width"], row["batch"], row["steps"])
        if fused is not None:
            loops.append(
                {
                    "kind": row["kind"],
                    "units": row["units"],
                    "forward_backward": row["forward_backward_ms"] / fused["forward_backward_ms"],
                }
            )
    summary["cell_loop_over_cudnn"] = loops
    generic = []
    largest: dict[str, float] = {}
    for backend, part in result.get("keras", {}).items():
        rows = part.get("rows", [])
        for row in rows:
            if row["use_cudnn"] is False:
                default = next(
                    r for r in rows if r["kind"] == row["kind"] and r["use_cudnn"] == "auto"
                )
                generic.append(
                    {
                        "backend": backend,
                        "kind": row["kind"],
                        "forward_backward": row["forward_backward_ms"]
                        / default["forward_backward_ms"],
                        "forward": row["forward_ms"] / default["forward_ms"],
                    }
                )
        if rows:
            largest[f"keras_{backend}_float32"] = max(r["max_abs_difference"] for r in rows)
    for row in torch_part.get("equality", []):
        key = f"torch_{row['dtype']}"
        largest[key] = max(largest.get(key, 0.0), row["output"], row["state"])
    summary["keras_generic_over_default"] = generic
    summary["largest_difference_from_twin"] = largest
    return summary


# --- The command line ------------------------------------------------------------------


def parse_batch_steps(text: str) -> tuple[int, int]:
    """A size written ``BATCHxSTEPS`` (``"64x100"``) as the pair (64, 100)."""
    return parse_size(text, "BATCHxSTEPS", "64x100")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    sizes = " ".join(f"{b}x{s}" for b, s in DEFAULT_SIZES)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny grid that runs on a CPU in seconds (overrides the sizes)",
    )
    parser.add_argument(
        "--widths",
        type=int,
        nargs="+",
        default=list(DEFAULT_WIDTHS),
        help="units at equal width; default %(default)s",
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=parse_batch_steps,
        default=list(DEFAULT_SIZES),
        metavar="BATCHxSTEPS",
        help=f"default {sizes}",
    )
    parser.add_argument(
        "--features",
        type=int,
        default=DEFAULT_FEATURES,
        help="features per step; default %(default)s",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=DEFAULT_REPEATS,
        help="timed calls, their median kept; default %(default)s",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help="calls before the timed ones; default %(default)s",
    )
    parser.add_argument(
        "--keras-backends",
        nargs="*",
        default=list(KERAS_BACKENDS),
        choices=KERAS_BACKENDS,
        help="default %(default)s",
    )
    parser.add_argument(
        "--keras-units",
        type=int,
        default=DEFAULT_KERAS_UNITS,
        help="width of the Keras timings; default %(default)s",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=None,
        help="JSON file to write; default book/data/bench/gpu-<machine>.json",
    )
    progress_argument(parser)


def _run(args: argparse.Namespace) -> dict[str, Any]:
    grid = (
        dict(SMOKE)
        if args.smoke
        else {
            "widths": tuple(args.widths),
            "sizes": tuple(args.sizes),
            "features": args.features,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "keras_units": args.keras_units,
        }
    )
    return run_gpu_bench(
        keras_backends=tuple(args.keras_backends), show_progress=not args.no_progress, **grid
    )


def _write(record: dict[str, Any], args: argparse.Namespace) -> list[pathlib.Path]:
    return [write_result(args.out or default_out(record["machine"]), record)]


def _report(record: dict[str, Any]) -> None:
    summary = record["summary"]
    for entry in summary["gru_lstm"]:
        ratios = ", ".join(
            f"{k} {v:.2f}" for k, v in entry.items() if k.startswith(("time", "memory"))
        )
        print(f"GRU/LSTM {entry['batch']}x{entry['steps']}, {entry['width']} units: {ratios}")
    for entry in summary["cell_loop_over_cudnn"]:
        print(
            f"{entry['kind']} {entry['units']}: cell loop / cuDNN {entry['forward_backward']:.1f}"
        )
    for entry in summary["keras_generic_over_default"]:
        print(
            f"Keras on {entry['backend']}, {entry['kind']}: use_cudnn=False / default "
            f"{entry['forward_backward']:.1f}"
        )
    for key, value in summary["largest_difference_from_twin"].items():
        print(f"largest difference from the NumPy twin, {key}: {value:.1e}")
    for part in (record["torch"], *record["keras"].values()):
        if "skipped" in part:
            print("skipped:", part["skipped"])


#: The subcommand ``gpu-bench`` of ``python -m gru_companion.experiments``.
COMMAND = Command(
    "gpu-bench",
    "Time GRU, LSTM and SimpleRNN on a GPU: cuDNN, cell loops, Keras on PyTorch and JAX.",
    _add_arguments,
    _run,
    write=_write,
    report=_report,
)
