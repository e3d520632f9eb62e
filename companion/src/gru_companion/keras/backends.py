"""One Keras layer on every backend: its gradients there, a process per backend, the differences.

Keras 3 runs the same layer on TensorFlow, JAX or PyTorch. The backend is fixed when
``keras`` is first imported (the environment variable ``KERAS_BACKEND``), so one Python
process runs one backend; :func:`run_on_backend` runs a function of the package in a fresh
process on another one and returns its result. :func:`keras_gradients` is Keras's own
gradient of a linear loss of a recurrent layer on whichever backend runs: a
``tf.GradientTape`` on TensorFlow (:func:`~gru_companion.keras.bridge.tape_gradients`),
``jax.grad`` of the layer's ``stateless_call`` on JAX. :func:`backend_differences` builds
one layer with one set of weights on several backends and returns how far their outputs
lie from each other and from the NumPy twin; :func:`backend_comparisons` does it for
several layers and dtypes with one process per backend.

**Float64 on JAX (Keras 3.15.1).** ``keras.ops.tanh`` on the JAX backend returns float32
for a float64 input (``keras/src/backend/jax/numpy.py`` computes its result dtype as
``result_type(x.dtype, float)``), while ``keras.ops.sigmoid`` keeps float64
(:func:`tanh_result_dtype` shows it). So a ``keras.layers.SimpleRNN(dtype="float64")``
fails on JAX inside ``lax.scan`` (its state goes in as float64 and comes out as float32),
and a float64 GRU or LSTM computes every tanh in float32: it agrees with an exact float64
twin only to about 1e-7, where on TensorFlow it agrees to about 1e-15. Given ``jnp.tanh``
as its activation, the same layer computes in float64 again (Keras accepts ``jnp.tanh``
as the library tanh on JAX).

**Execution paths (Keras 3.15.1 source).** :data:`EXECUTION_PATHS` says, per backend,
which code runs a ``GRU`` and an ``LSTM``; the fused paths need the library tanh and
sigmoid, ``use_bias=True``, ``unroll=False`` and no mask (TensorFlow also takes a strictly
right-padded mask; :mod:`gru_companion.keras.cudnn` checks it). ``use_cudnn=False`` sends
every backend to Keras's generic step-by-step loop. TensorFloat-32 is on by default on
recent NVIDIA GPUs in TensorFlow and PyTorch: turn it off before comparing outputs.

Nothing here imports JAX or PyTorch at import time: the package works without them.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gru_companion.validation import FLOAT_DTYPES, check_choice, check_positive_int

#: The backends Keras 3 runs on, as ``KERAS_BACKEND`` names them.
BACKENDS = ("tensorflow", "jax", "torch")

#: The backends :func:`keras_gradients` differentiates on.
GRADIENT_BACKENDS = ("tensorflow", "jax")

#: Which code runs ``keras.layers.GRU`` and ``keras.layers.LSTM`` on each backend, read in
#: the Keras 3.15.1 source (``keras/src/backend/<backend>/rnn.py``); "fused conditions":
#: library tanh and sigmoid, ``use_bias=True``, ``unroll=False``, ``use_cudnn`` not False.
EXECUTION_PATHS: dict[str, dict[str, str]] = {
    "tensorflow": {
        "gru": "cuDNN on a GPU under the fused conditions, reset_after=True, "
        "recurrent_dropout=0 and no mask or a strictly right-padded one; "
        "otherwise the generic tf.while_loop over the cell (always on a CPU)",
        "lstm": "cuDNN on a GPU under the fused conditions, recurrent_dropout=0 and no "
        "mask or a strictly right-padded one; otherwise the generic tf.while_loop",
    },
    "torch": {
        "gru": "cuDNN through torch._VF.gru for inputs on a CUDA device under the fused "
        "conditions, reset_after=True and no mask; otherwise, for reset_after=True without "
        "mask, a torch loop with the input projection hoisted; else the generic loop",
        "lstm": "cuDNN through torch._VF.lstm for inputs on a CUDA device under the fused "
        "conditions and no mask; otherwise a torch loop, or the generic loop with a mask",
    },
    "jax": {
        "gru": "never cuDNN: for reset_after=True without mask or unroll, a lax.scan with "
        "the input projection hoisted (on any device); otherwise the generic lax.scan",
        "lstm": "cuDNN through jax.experimental.rnn.lstm on a GPU under the fused "
        "conditions and no mask; otherwise the generic lax.scan over the cell",
    },
}


def current_backend() -> str:
    """The backend Keras runs in this process (``keras.backend.backend()``)."""
    import keras

    return keras.backend.backend()


def tanh_result_dtype(dtype: str = "float64") -> str:
    """The dtype ``keras.ops.tanh`` returns for an input of ``dtype`` on this backend.

    On TensorFlow it is ``dtype``; on JAX with Keras 3.15.1 it is ``"float32"`` for a
    float64 input: the cause of the float64 differences described in this module.

    Parameters
    ----------
    dtype
        ``"float32"`` or ``"float64"``.
    """
    check_choice("dtype", dtype, ("float32", "float64"))
    import keras

    _check_float64_possible(np.dtype(dtype))
    return keras.backend.standardize_dtype(keras.ops.tanh(np.zeros(2, dtype=dtype)).dtype)


@contextlib.contextmanager
def jax_precision(dtype: str) -> Iterator[None]:
    """On JAX, 64-bit mode on for ``"float64"`` and off for ``"float32"``; elsewhere nothing.

    A JAX user who computes in float32 runs with 64-bit mode off (JAX's default). With it
    on, Keras 3.15.1's JAX ``GRU`` without biases fails in float32: it makes the missing
    biases with ``jnp.zeros``, which is float64 in 64-bit mode, and its ``lax.scan``
    state turns float64. Wrap float32 work in ``jax_precision("float32")``.

    Parameters
    ----------
    dtype
        ``"float32"`` or ``"float64"``.
    """
    check_choice("dtype", dtype, ("float32", "float64"))
    if current_backend() != "jax":
        yield
        return
    import jax

    with jax.enable_x64(dtype == "float64"):
        yield


def _check_float64_possible(dtype: np.dtype) -> None:
    """``ValueError`` if ``dtype`` is float64 but this JAX process computes in float32."""
    if dtype == np.float64 and current_backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            raise ValueError(
                "float64 on the JAX backend needs JAX's 64-bit mode, which is off: JAX would "
                "compute in float32. Set JAX_ENABLE_X64=1 before importing jax, or call "
                'jax.config.update("jax_enable_x64", True) first'
            )


def _check_gradient_arguments(keras_layer: Any, initial_states: Any, d_states: Any) -> None:
    if not isinstance(initial_states, list | tuple):
        raise TypeError(
            f"initial_states must be a list of arrays, got {type(initial_states).__name__}"
        )
    if keras_layer.return_state and d_states is None:
        raise ValueError("the layer returns its state: d_states must be given")


def keras_gradients(
    keras_layer: Any,
    inputs: np.ndarray,
    initial_states: list[np.ndarray],
    d_outputs: np.ndarray,
    d_states: list[np.ndarray] | None = None,
) -> dict[str, Any]:
    """Keras's own gradients of a linear loss of a recurrent layer, on the running backend.

    The loss and the result are those of
    :func:`~gru_companion.keras.bridge.tape_gradients`:
    :math:`L = \\sum d_{out} \\odot \\text{outputs}` (plus
    :math:`\\sum_i d_{state,i} \\odot \\text{state}_i` when the layer returns its state), so
    the gradients compare name by name with
    :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward`. On TensorFlow
    they come from ``tf.GradientTape`` (:func:`~gru_companion.keras.bridge.tape_gradients`);
    on JAX from ``jax.grad`` of the layer's ``stateless_call`` with respect to its
    trainable weights, the inputs and the initial states.

    Parameters
    ----------
    keras_layer, inputs, initial_states, d_outputs, d_states
        As for :func:`~gru_companion.keras.bridge.tape_gradients`.

    Returns
    -------
    dict
        The gradient of each trainable weight by its name (``kernel``,
        ``recurrent_kernel``, ``bias``, ...), ``inputs`` and ``initial_states`` (a list),
        as NumPy arrays.

    Raises
    ------
    TypeError
        If ``initial_states`` is not a list or tuple of arrays.
    ValueError
        If the layer returns its state but ``d_states`` is missing, if the backend is
        not one of :data:`GRADIENT_BACKENDS`, or if float64 inputs meet JAX with its
        64-bit mode off.
    """
    backend = current_backend()
    if backend == "tensorflow":
        from gru_companion.keras.bridge import tape_gradients

        return tape_gradients(keras_layer, inputs, initial_states, d_outputs, d_states)
    if backend != "jax":
        raise ValueError(
            f"keras_gradients differentiates on the backends {', '.join(GRADIENT_BACKENDS)}; "
            f"this process runs Keras on {backend!r}"
        )
    _check_gradient_arguments(keras_layer, initial_states, d_states)
    _check_float64_possible(np.asarray(inputs).dtype)
    import jax
    import jax.numpy as jnp

    trainable = [weight.value for weight in keras_layer.trainable_variables]
    frozen = [weight.value for weight in keras_layer.non_trainable_variables]
    returns_state = keras_layer.return_state

    def loss(weights: list[Any], x: Any, states: list[Any]) -> Any:
        initial = states if len(states) > 1 else states[0]
        returned, _ = keras_layer.stateless_call(weights, frozen, x, initial_state=initial)
        output, *final = returned if returns_state else [returned]
        total = jnp.sum(jnp.asarray(d_outputs) * output)
        if returns_state:
            for d, state in zip(d_states, final, strict=True):
                total = total + jnp.sum(jnp.asarray(d) * state)
        return total

    grads = jax.grad(loss, argnums=(0, 1, 2))(
        trainable, jnp.asarray(inputs), [jnp.asarray(state) for state in initial_states]
    )
    names = [weight.name for weight in keras_layer.trainable_variables]
    named: dict[str, Any] = {name: np.asarray(g) for name, g in zip(names, grads[0], strict=True)}
    named["inputs"] = np.asarray(grads[1])
    named["initial_states"] = [np.asarray(g) for g in grads[2]]
    return named


#: The program a backend's process runs: the pickled (module, function, keyword arguments)
#: of its first argument, the result pickled to its second.
_CHILD_PROGRAM = (
    "import importlib, pickle, sys\n"
    "import gru_companion\n"
    "import keras\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    module, name, backend, kwargs = pickle.load(f)\n"
    "if keras.backend.backend() != backend:\n"
    "    sys.exit(f'asked for the backend {backend}, keras runs {keras.backend.backend()}')\n"
    "result = getattr(importlib.import_module(module), name)(**kwargs)\n"
    "with open(sys.argv[2], 'wb') as f:\n"
    "    pickle.dump(result, f)\n"
)


def run_on_backend(
    backend: str,
    function: Callable[..., Any],
    /,
    *,
    x64: bool = True,
    timeout_s: float = 600.0,
    environment: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """Call ``function(**kwargs)`` in a fresh Python process running Keras on ``backend``.

    The process imports :mod:`gru_companion` and ``keras`` with ``KERAS_BACKEND`` set to
    ``backend`` (and, with ``x64``, ``JAX_ENABLE_X64=1``, so that JAX computes float64 as
    float64), checks that Keras runs that backend, calls the function and sends its
    result back. Arguments and result travel pickled: NumPy arrays, numbers, strings,
    lists and dicts.

    Parameters
    ----------
    backend
        One of :data:`BACKENDS`.
    function
        A function defined at the top level of an importable module (the child imports
        it by its module and name).
    x64
        Turn on JAX's 64-bit mode in the child (ignored by the other backends).
    timeout_s
        Bounds the child process.
    environment
        More environment variables for the child.
    **kwargs
        The function's keyword arguments.

    Returns
    -------
    Any
        What the function returned.

    Raises
    ------
    TypeError
        If ``function`` is not a top-level function of a module.
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    RuntimeError
        If the child fails (the end of its standard error is in the message).
    """
    check_choice("backend", backend, BACKENDS)
    module = getattr(function, "__module__", None)
    name = getattr(function, "__qualname__", "")
    if not callable(function) or module in (None, "__main__") or "." in name or "<" in name:
        raise TypeError(
            "function must be a function defined at the top level of an importable module, "
            f"got {function!r}"
        )
    child_environment = {**os.environ, "KERAS_BACKEND": backend, **(environment or {})}
    if x64:
        child_environment["JAX_ENABLE_X64"] = "1"
    with tempfile.TemporaryDirectory(prefix="gru-backend-") as folder:
        arguments, result = Path(folder) / "arguments.pickle", Path(folder) / "result.pickle"
        arguments.write_bytes(pickle.dumps((module, name, backend, kwargs)))
        done = subprocess.run(
            [sys.executable, "-c", _CHILD_PROGRAM, str(arguments), str(result)],
            env=child_environment,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if done.returncode != 0 or not result.exists():
            raise RuntimeError(
                f"{module}.{name} on the {backend} backend failed (exit {done.returncode}): "
                f"{done.stderr[-3000:]}"
            )
        return pickle.loads(result.read_bytes())


def layer_outputs(
    kind: str,
    weights: Sequence[np.ndarray],
    inputs: np.ndarray,
    **flags: Any,
) -> list[np.ndarray]:
    """What the Keras layer of ``kind`` with ``weights`` returns for ``inputs``, in this process.

    The layer is :func:`~gru_companion.keras.cells.keras_layer` of the kind, in the
    inputs' dtype, built for their features, with ``flags`` (``return_sequences``,
    ``reset_after``, ...) and the given weights (in Keras's order); it is called in
    inference mode, on JAX in the precision of the inputs (:func:`jax_precision`).
    :func:`backend_differences` runs it on each backend.

    Returns
    -------
    list of numpy.ndarray
        The output, then the final states when ``return_state`` is set.
    """
    import keras

    from gru_companion.keras.cells import keras_layer

    x = np.asarray(inputs)
    if x.dtype not in FLOAT_DTYPES or x.ndim != 3:
        raise ValueError(
            f"inputs must be a float32 or float64 array (batch, steps, features), got "
            f"{x.dtype} of shape {x.shape}"
        )
    _check_float64_possible(x.dtype)
    units = np.asarray(weights[1]).shape[0]
    with jax_precision(str(x.dtype)):
        layer = keras_layer(kind, units, dtype=str(x.dtype), **flags)
        layer.build((None, None, x.shape[-1]))
        layer.set_weights([np.asarray(w, dtype=x.dtype) for w in weights])
        returned = layer(x, training=False)
    items = returned if isinstance(returned, list | tuple) else [returned]
    return [np.asarray(keras.ops.convert_to_numpy(item)) for item in items]


def _outputs_or_error(**arguments: Any) -> list[np.ndarray] | str:
    """:func:`layer_outputs`, or the first lines of the error it raised (ANSI codes removed)."""
    try:
        return layer_outputs(**arguments)
    except Exception as error:  # noqa: BLE001  (the message is the result)
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
        lines = [line.strip() for line in text.split("Arguments received")[0].splitlines()]
        return f"{type(error).__name__}: " + " ".join(line for line in lines if line)


def _cases_on_this_backend(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each case's :func:`layer_outputs` (or its error) and tanh's result dtype, here."""
    dtypes = sorted({str(np.asarray(case["inputs"]).dtype) for case in cases})
    tanh_dtypes = {}
    for dtype in dtypes:
        with jax_precision(dtype):
            tanh_dtypes[dtype] = tanh_result_dtype(dtype)
    return {"outputs": [_outputs_or_error(**case) for case in cases], "tanh_dtypes": tanh_dtypes}


def _layer_spec(layer: Any) -> tuple[str, dict[str, Any]]:
    """A layer of :func:`backend_comparisons` as (kind, flags), checked."""
    from gru_companion.kinds import kind_of

    kind, flags = (layer, {}) if isinstance(layer, str) else tuple(layer)
    if not isinstance(kind, str) or not isinstance(flags, dict):
        raise TypeError(f"a layer is a kind or a pair (kind, flags dict), got {layer!r}")
    kind_of(kind)
    return kind, dict(flags)


def backend_comparisons(
    layers: Sequence[str | tuple[str, dict[str, Any]]],
    *,
    dtypes: Sequence[str] = ("float32", "float64"),
    backends: Sequence[str] = ("tensorflow", "jax"),
    units: int = 8,
    features: int = 4,
    batch: int = 4,
    steps: int = 20,
    seed: int = 0,
    timeout_s: float = 600.0,
) -> list[dict[str, Any]]:
    """Several layers in several dtypes on several backends, one process per backend.

    For each layer and dtype, the weights are those of the NumPy layer of its kind
    initialized with ``seed``
    (:meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.initialized`, biases
    included) and the inputs are drawn from ``seed + 1``; each backend computes
    the Keras layer with them (:func:`layer_outputs`), all layers in one process of its
    own (:func:`run_on_backend`; the backend of this process computes here), and the
    NumPy twin computes the same layer here. Every output array counts (the sequence or
    last output, and the final states with ``return_state``).

    Parameters
    ----------
    layers
        Each a key of :data:`gru_companion.kinds.KINDS`, or a pair (key, flags) whose
        flags the Keras layer and its NumPy twin both take (``return_sequences``,
        ``reset_after``, ``return_state``, ...).
    dtypes
        Among ``"float32"`` and ``"float64"``.
    backends
        Two or more of :data:`BACKENDS`, each installed.
    units, features, batch, steps
        The layers' width and the batch's shape, positive integers.
    seed
        Seeds the weights and the inputs.
    timeout_s
        Bounds each backend's process.

    Returns
    -------
    list of dict
        One per layer and dtype (the layers in order, each in every dtype), as
        :func:`backend_differences` returns it.
    """
    from gru_companion.scratch.recurrent_layer import layer_class

    specs = [_layer_spec(layer) for layer in layers]
    if not specs:
        raise ValueError("layers must name at least one layer, got none")
    dtypes = tuple(dtypes)
    for dtype in dtypes:
        check_choice("dtype", dtype, ("float32", "float64"))
    for backend in backends:
        check_choice("backends", backend, BACKENDS)
    if len(set(backends)) < 2:
        raise ValueError(f"backends must name two or more backends, got {backends!r}")
    units, features = check_positive_int("units", units), check_positive_int("features", features)
    batch, steps = check_positive_int("batch", batch), check_positive_int("steps", steps)
    cases, expected = [], []
    for kind, flags in specs:
        for dtype in dtypes:
            twin = layer_class(kind).initialized(features, units, seed=seed, dtype=dtype, **flags)
            x = np.random.default_rng(seed + 1).normal(size=(batch, steps, features)).astype(dtype)
            returned = twin(x)
            expected.append([np.asarray(a) for a in (returned if isinstance(returned, list | tuple)
                                                     else [returned])])  # fmt: skip
            cases.append({"kind": kind, "weights": twin.get_weights(), "inputs": x, **flags})
    found = {}
    for backend in backends:
        if backend == current_backend():
            found[backend] = _cases_on_this_backend(cases)
        else:
            found[backend] = run_on_backend(backend, _cases_on_this_backend, cases=cases,
                                            timeout_s=timeout_s)  # fmt: skip
    rows = []
    for index, case in enumerate(cases):
        dtype = str(case["inputs"].dtype)
        outputs, versus_numpy = {}, {}
        for backend in backends:
            returned = found[backend]["outputs"][index]
            if isinstance(returned, str):
                versus_numpy[backend] = returned
                continue
            outputs[backend] = returned
            versus_numpy[backend] = _largest_difference(returned, expected[index])
        done = [backend for backend in backends if backend in outputs]
        pairs = {
            f"{first}-{second}": _largest_difference(outputs[first], outputs[second])
            for i, first in enumerate(done)
            for second in done[i + 1 :]
        }
        rows.append(
            {
                "kind": case["kind"],
                "dtype": dtype,
                "flags": {k: v for k, v in case.items() if k not in ("kind", "weights", "inputs")},
                "versus_numpy": versus_numpy,
                "pairs": pairs,
                "output_dtypes": {b: str(outputs[b][0].dtype) for b in done},
                "tanh_dtypes": {b: found[b]["tanh_dtypes"][dtype] for b in backends},
            }
        )
    return rows


def backend_differences(
    kind: str,
    *,
    backends: Sequence[str] = ("tensorflow", "jax"),
    units: int = 8,
    features: int = 4,
    batch: int = 4,
    steps: int = 20,
    dtype: str = "float64",
    seed: int = 0,
    timeout_s: float = 600.0,
    **flags: Any,
) -> dict[str, Any]:
    """One layer, one set of weights, one batch, on several backends: how far apart they are.

    The weights are those of the NumPy layer of ``kind`` initialized with ``seed``
    (:meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.initialized`, biases
    included); each backend computes the Keras layer of the kind with them
    (:func:`layer_outputs`) in its own process (:func:`run_on_backend`; the backend of
    this process computes here), and the NumPy twin computes the same layer here. Every
    output array counts (the sequence or last output, and the final states with
    ``return_state``). :func:`backend_comparisons` does the same for several layers and
    dtypes with one process per backend.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    backends
        Two or more of :data:`BACKENDS`, each installed.
    units, features, batch, steps
        The layer's width and the batch's shape, positive integers.
    dtype
        ``"float32"`` or ``"float64"``.
    seed
        Seeds the weights and the inputs.
    timeout_s
        Bounds each backend's process.
    **flags
        Flags of the layer and its NumPy twin (``return_sequences``, ``reset_after``, ...).

    Returns
    -------
    dict
        ``kind``, ``dtype``, ``flags``; ``versus_numpy``: for each backend, the largest
        absolute difference from the NumPy twin, or the error the layer raised there (its
        type and message) when the backend could not compute it (float64 ``SimpleRNN``
        on JAX); ``pairs``: for each
        two backends that both computed it (``"tensorflow-jax"``), their largest absolute
        difference; ``output_dtypes``: the dtype each backend returned; ``tanh_dtypes``:
        the dtype ``keras.ops.tanh`` returns there for ``dtype``
        (:func:`tanh_result_dtype`).
    """
    check_choice("dtype", dtype, ("float32", "float64"))
    (row,) = backend_comparisons(
        [(kind, flags)],
        dtypes=(dtype,),
        backends=backends,
        units=units,
        features=features,
        batch=batch,
        steps=steps,
        seed=seed,
        timeout_s=timeout_s,
    )
    return row


def _largest_difference(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> float:
    """The largest absolute difference between two lists of arrays, in float64."""
    return max(
        float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
        for a, b in zip(first, second, strict=True)
    )
