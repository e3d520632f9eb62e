"""The equality proofs on whichever backend Keras runs, JAX included: forward and backward.

Not collected by the normal run (its name does not start with ``test_``): Keras fixes its
backend when it is first imported, so ``test_other_backends.py`` runs this file in a
process of its own, ``python -m pytest <this file>`` with ``KERAS_BACKEND=jax`` and
``JAX_ENABLE_X64=1`` (without 64-bit mode JAX silently computes float64 as float32). It
reuses the random configurations and comparisons of the TensorFlow tests
(``test_keras_bridge.py`` forward, ``scratch/test_bptt.py`` backward against
``keras_gradients``: ``jax.grad`` on JAX), with fewer examples: every new shape compiles
anew on JAX.

Where the backend computes in float64 the float64 tolerances are TensorFlow's. Keras
3.15.1's ``keras.ops.tanh`` on JAX returns float32 for a float64 input
(``test_keras_tanh_keeps_float64_only_off_jax``): a float64 layer there computes every
tanh in float32, so it is held to the float32 tolerances, a float64 ``SimpleRNN`` fails
(``test_float64_simple_rnn_fails_here_because_of_tanh``), and with JAX's own ``jnp.tanh``
as activation the same layers meet the float64 tolerances again
(``test_with_a_float64_tanh_the_float64_tolerances_hold``): the cause is tanh's dtype.

On JAX float32 is checked with 64-bit mode off, as JAX runs by default
(``jax_precision("float32")``): with it on, a float32 ``GRU`` without biases fails
(``test_float32_gru_without_bias_fails_in_64_bit_mode``).
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
# The TensorFlow tests' generators and comparisons: test_keras_bridge.py (in this folder)
# and test_bptt.py (in scratch/).
for folder in (HERE, HERE.parent / "scratch"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_bptt import KINDS as GRADIENT_KINDS  # noqa: E402
from test_bptt import TOLERANCE as GRADIENT_TOLERANCE  # noqa: E402
from test_bptt import (  # noqa: E402
    assert_same_gradients,
    case_layer_and_inputs,
    gradient_cases,
    make,
    numpy_gradients,
)
from test_keras_bridge import KINDS as FORWARD_KINDS  # noqa: E402
from test_keras_bridge import TOLERANCE as FORWARD_TOLERANCE  # noqa: E402
from test_keras_bridge import (  # noqa: E402
    assert_twin_computes_what_keras_computes,
    case_layer,
    cases,
)

from gru_companion.keras.backends import (  # noqa: E402
    current_backend,
    jax_precision,
    keras_gradients,
    tanh_result_dtype,
)
from gru_companion.keras.bridge import to_keras  # noqa: E402
from gru_companion.learning.gradient_check import relative_error  # noqa: E402

BACKEND = current_backend()
#: Whether this backend's keras.ops.tanh keeps a float64 input in float64.
TANH_KEEPS_FLOAT64 = tanh_result_dtype("float64") == "float64"

#: Relative error of gradients when every tanh is rounded to float32 (2**-24, about 6e-8,
#: relative) and the rest is float64: float32-sized errors, which add up over the steps and
#: grow relative to small gradients (one unit, one step). Over 24 random configurations of
#: these tests the largest was 6.7e-7; 1e-5 leaves a margin of 15 and stays far below what a
#: wrong layer gives (for a 3-feature, 4-unit layer: its small biases dropped, 3e-2 to 6e-2;
#: its kernel's columns reversed, about 0.6).
FLOAT32_TANH_GRADIENT_TOLERANCE = 1e-5


def forward_tolerance(dtype: str) -> float:
    """The float64 tolerance where the backend computes in float64, else float32's.

    A float64 layer whose tanh returns float32 is only as exact as a float32 layer: it
    rounds every candidate (and an LSTM's cell output) to float32 precision, so it is
    held to the float32 tolerance, which float32 layers of the same configurations meet.
    """
    return FORWARD_TOLERANCE["float32" if not TANH_KEEPS_FLOAT64 else dtype]


def float64_tanh():
    """This backend's own tanh, which keeps float64 (``jnp.tanh`` on JAX)."""
    if BACKEND == "jax":
        import jax.numpy as jnp

        return jnp.tanh
    return keras.ops.tanh


def call_with_float64_tanh(layer, x, initial_state):
    """Call ``layer`` with the backend's float64 tanh as its activation, then restore it."""
    library = layer.cell.activation
    layer.cell.activation = float64_tanh()
    try:
        return layer(x, initial_state=initial_state)
    finally:
        layer.cell.activation = library


def test_this_process_runs_the_backend_it_was_asked_for():
    import os

    assert BACKEND == os.environ.get("KERAS_BACKEND", "tensorflow")
    if BACKEND == "jax":
        import jax

        assert jax.config.jax_enable_x64, "float64 checks need JAX_ENABLE_X64=1"


def test_keras_tanh_keeps_float64_only_off_jax():
    """The cause: Keras 3.15.1's tanh returns float32 for float64 on JAX; sigmoid does not.

    If a Keras release fixes it, this fails: the float64 tolerances then hold on JAX too,
    and the exceptions in this file can go.
    """
    sigmoid = keras.ops.sigmoid(np.zeros(2, dtype="float64"))
    assert str(np.dtype(sigmoid.dtype)) == "float64"
    assert tanh_result_dtype("float32") == "float32"
    assert tanh_result_dtype("float64") == ("float32" if BACKEND == "jax" else "float64")


@pytest.mark.parametrize("kind", list(FORWARD_KINDS))
@settings(max_examples=3)
@given(case=cases())
def test_twin_computes_what_keras_computes_here(kind, case):
    dtype = case["dtype"]
    with jax_precision(dtype):
        layer = case_layer(kind, case)
        if (
            FORWARD_KINDS[kind][0] is keras.layers.SimpleRNN
            and dtype == "float64"
            and (not TANH_KEEPS_FLOAT64)
        ):
            with pytest.raises(Exception, match="carry"):  # the next test shows why
                assert_twin_computes_what_keras_computes(kind, layer, case)
            return
        assert_twin_computes_what_keras_computes(kind, layer, case, forward_tolerance(dtype))


@pytest.mark.skipif(TANH_KEEPS_FLOAT64, reason="this backend's tanh keeps float64")
def test_float64_simple_rnn_fails_here_because_of_tanh():
    """Its state enters ``lax.scan`` as float64 and leaves it as float32, through tanh."""
    layer = keras.layers.SimpleRNN(3, dtype="float64")
    layer.build((None, None, 2))
    x = np.ones((1, 4, 2))
    with pytest.raises(Exception, match=r"(?s)carry.*float64.*float32"):
        layer(x)
    assert str(np.dtype(call_with_float64_tanh(layer, x, None).dtype)) == "float64"


@pytest.mark.skipif(TANH_KEEPS_FLOAT64, reason="this backend's tanh keeps float64")
@pytest.mark.parametrize("kind", list(FORWARD_KINDS))
@settings(max_examples=2)
@given(case=cases())
def test_with_a_float64_tanh_the_float64_tolerances_hold(kind, case):
    case = {**case, "dtype": "float64"}
    with jax_precision("float64"):
        layer = case_layer(kind, case, cached=False)
        assert_twin_computes_what_keras_computes(kind, layer, case, call=call_with_float64_tanh)


@pytest.mark.parametrize("kind", list(GRADIENT_KINDS))
@settings(max_examples=2)
@given(case=gradient_cases())
def test_gradients_equal_keras_gradients_here(kind, case):
    layer, x, initial_state = case_layer_and_inputs(kind, case)
    if TANH_KEEPS_FLOAT64:
        assert_same_gradients(layer, x, initial_state, case["seed"] + 2)
    elif kind == "simple_rnn":  # float64 fails: test_float64_simple_rnn_fails_here...
        with pytest.raises(Exception, match="carry"):
            assert_same_gradients(layer, x, initial_state, case["seed"] + 2)
    else:
        assert_same_gradients(layer, x, initial_state, case["seed"] + 2,
                              tolerance=FLOAT32_TANH_GRADIENT_TOLERANCE)  # fmt: skip


@pytest.mark.skipif(TANH_KEEPS_FLOAT64, reason="this backend's tanh keeps float64")
@pytest.mark.parametrize("kind", list(GRADIENT_KINDS))
@settings(max_examples=2)
@given(case=gradient_cases(), return_state=st.booleans())
def test_with_a_float64_tanh_gradients_agree_to_float64(kind, case, return_state):
    layer, x, initial_state = case_layer_and_inputs(kind, {**case, "return_state": return_state})
    keras_layer = to_keras(layer)
    keras_layer.cell.activation = float64_tanh()
    assert_same_gradients(layer, x, initial_state, case["seed"] + 2,
                          tolerance=GRADIENT_TOLERANCE, keras_layer=keras_layer)  # fmt: skip


def test_float32_gradients_agree_to_float32():
    """The backward pass in float32, one layer of each gated kind (the float32 SimpleRNN's
    forward pass is checked above), against the NumPy float64 gradients of the same weights
    (the TensorFlow tests check float64 only)."""
    rng = np.random.default_rng(3)
    for kind in ("lstm", "gru", "gru_reset_before"):
        layer = make(kind, 3, 4, seed=5, return_sequences=True, return_state=True)
        x = rng.normal(size=(2, 5, 3))
        initial_state = [rng.normal(size=(2, 4)) for _ in layer.state_names]
        d_output = rng.normal(size=(2, 5, 4))
        d_states = [rng.normal(size=(2, 4)) for _ in layer.state_names]
        ours = numpy_gradients(layer, x, initial_state, d_output, d_states)
        single = [a.astype("float32") for a in (x, d_output, *initial_state, *d_states)]
        n = len(initial_state)
        with jax_precision("float32"):
            theirs = keras_gradients(to_keras(layer.astype("float32")), single[0],
                                     single[2 : 2 + n], single[1], single[2 + n :])  # fmt: skip
        assert ours.keys() == theirs.keys()
        for name in ours:
            pairs = (
                zip(ours[name], theirs[name], strict=True)
                if name == "initial_states"
                else [(ours[name], theirs[name])]
            )
            for mine, reference in pairs:
                assert reference.dtype == np.float32, name
                assert relative_error(mine, reference) <= 1e-5, (kind, name)


@pytest.mark.skipif(BACKEND != "jax", reason="JAX's 64-bit mode")
def test_float32_gru_without_bias_fails_in_64_bit_mode():
    """Keras 3.15.1's JAX GRU makes missing biases with jnp.zeros: float64 in 64-bit mode."""
    layer = keras.layers.GRU(2, use_bias=False, dtype="float32")
    layer.build((None, None, 3))
    x = np.ones((1, 4, 3), dtype="float32")
    with jax_precision("float64"), pytest.raises(Exception, match=r"(?s)carry.*float32.*float64"):
        layer(x)
    with jax_precision("float32"):
        assert str(np.dtype(layer(x).dtype)) == "float32"
