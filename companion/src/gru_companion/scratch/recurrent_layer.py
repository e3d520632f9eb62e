r"""The NumPy recurrent layer around any kind's cell: weights, checks, loop over time, BPTT.

A recurrent layer owns three weights, laid out exactly as in Keras (``k`` blocks of
:data:`gru_companion.kinds.KINDS`, ``n`` units, ``m`` input features):

=====================  ==========  ===================================================
weight                 shape       content
=====================  ==========  ===================================================
``kernel``             (m, k n)    input weights, one column block per gate
``recurrent_kernel``   (n, k n)    recurrent weights, the same column blocks
``bias``               (k n,)      one bias per gate (GRU with ``reset_after=True``:
                                   (2, k n), row 0 input biases, row 1 recurrent
                                   biases); ``None`` when the layer has no bias
=====================  ==========  ===================================================

A kind with more weights names them in :attr:`RecurrentLayer.extra_weights` and keeps
them after the bias, in Keras's order: the LSTM with peepholes
(:class:`~gru_companion.scratch.peephole_lstm.NumpyPeepholeLSTM`) keeps ``peephole``
(p, n). Its constructor takes them after ``bias``, ``get_weights`` returns them last, and
the backward pass returns their gradients by name
(:attr:`RecurrentGradients.extra_weights`).

Running a batch of sequences of shape (batch, time, m) takes two stages, the structure
fast implementations use:

1. **The input projection**, for all time steps at once: ``x W + b`` does not depend on
   the state, so the inputs are reshaped to (batch · time, m) and multiplied by the
   kernel in one matrix product (:func:`input_projection`).
2. **The recurrence**, one time step after the other: each step needs the state of the
   step before, so this loop cannot be batched over time. Each kind of layer supplies
   only its ``kind`` and its step (``simple_rnn_step``, ``lstm_step``, ``gru_step``, ...);
   the loop, the checks of inputs and initial states, ``go_backwards``,
   ``return_sequences`` and ``return_state`` live here, once, in :class:`RecurrentLayer`,
   and :func:`layer_class` finds each kind's layer.

Arrays are never converted or broadcast silently: inputs and initial states must be
NumPy arrays of the weights' dtype (float32 or float64) with exactly the expected shape,
and computations run in that dtype. :meth:`RecurrentLayer.astype` returns a copy of a
layer with its weights cast to another dtype.

**Backpropagation through time** runs the same two stages in reverse
(:meth:`RecurrentLayer.backward`): the recurrence backwards, from the last step to the
first, each kind supplying only the backward pass of its step (``simple_rnn_step_backward``,
``lstm_step_backward``, ``gru_step_backward``, beside the forward steps), then the
gradients of the input projection for all steps at once, in two matrix products
(:func:`input_projection_backward`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np

from gru_companion.kinds import kind_of
from gru_companion.scratch.initializers import glorot_uniform, orthogonal
from gru_companion.scratch.weights import KerasWeights
from gru_companion.validation import (
    check_bool,
    check_finite,
    check_float_array,
    check_float_dtype,
    check_shape,
    check_weight,
)

#: The NumPy layer class of each kind, filled as the classes are defined (see
#: ``RecurrentLayer.__init_subclass__``); read it with :func:`layer_class`.
_LAYER_CLASSES: dict[str, type[RecurrentLayer]] = {}


def layer_class(kind: str) -> type[RecurrentLayer]:
    """The NumPy layer class that computes ``kind`` (a key of :data:`gru_companion.kinds.KINDS`).

    Raises
    ------
    TypeError, ValueError
        If ``kind`` is not a key of ``KINDS``, or no NumPy layer computes it.

    Examples
    --------
    >>> import gru_companion.scratch  # defines the layers
    >>> layer_class("gru").__name__
    'NumpyGRU'
    """
    kind_of(kind)
    if kind not in _LAYER_CLASSES:
        import gru_companion.scratch  # noqa: F401  (defines every layer of the package)
    if kind not in _LAYER_CLASSES:
        raise ValueError(f"no NumPy layer computes the kind {kind!r}")
    return _LAYER_CLASSES[kind]


#: Half-width of the uniform distribution of the biases drawn by ``initialized``.
BIAS_SCALE = 0.1


def split_gates(a: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Split the last axis of ``a`` into ``k`` equal blocks, one per gate (views, no copy).

    Parameters
    ----------
    a
        An array whose last axis has ``k`` times ``units`` entries, such as a kernel
        (m, k n), a recurrent kernel (n, k n), a bias (k n,) or a projection (batch, k n).
    k
        The number of gates.

    Returns
    -------
    tuple of numpy.ndarray
        The ``k`` blocks, in the order of the columns (Keras's gate order).
    """
    return tuple(np.split(a, k, axis=-1))


def input_projection(inputs: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """The input part of every gate at every time step, in one matrix product.

    Computes ``x_t W + b`` for all ``t`` at once: the inputs (batch, time, m) are reshaped
    to (batch · time, m), multiplied by the kernel (m, k n), the bias is added, and the
    result is reshaped back to (batch, time, k n).

    Parameters
    ----------
    inputs
        Sequences, shape (batch, time, m).
    kernel
        Input weights, shape (m, k n).
    bias
        The bias added to the input projection, shape (k n,), or ``None`` for none.

    Returns
    -------
    numpy.ndarray
        Shape (batch, time, k n), in the dtype of ``inputs`` and ``kernel``.
    """
    batch, steps, features = inputs.shape
    projection = inputs.reshape(batch * steps, features) @ kernel
    if bias is not None:
        projection = projection + bias
    return projection.reshape(batch, steps, kernel.shape[1])


def input_projection_backward(
    inputs: np.ndarray, kernel: np.ndarray, d_projection: np.ndarray, *, use_bias: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""The gradients of :func:`input_projection`, for all time steps in one product each.

    The projection is :math:`P = X W + b` with :math:`X` the inputs reshaped to
    (batch · time, m). Given :math:`\partial L / \partial P`, the gradients are
    :math:`\partial L / \partial X = (\partial L / \partial P)\, W^\top`,
    :math:`\partial L / \partial W = X^\top (\partial L / \partial P)` (the sum over all
    steps and sequences is inside this product) and :math:`\partial L / \partial b` the
    sum of :math:`\partial L / \partial P` over all steps and sequences.

    Parameters
    ----------
    inputs
        The inputs the projection was computed from, shape (batch, time, m).
    kernel
        Input weights, shape (m, k n).
    d_projection
        :math:`\partial L / \partial P`, shape (batch, time, k n).
    use_bias
        Whether a bias was added (``False``: no bias gradient).

    Returns
    -------
    tuple
        ``(d_inputs, d_kernel, d_bias)``: shapes (batch, time, m), (m, k n) and (k n,),
        ``d_bias`` ``None`` without a bias.
    """
    batch, steps, features = inputs.shape
    d_flat = d_projection.reshape(batch * steps, kernel.shape[1])
    d_kernel = inputs.reshape(batch * steps, features).T @ d_flat
    d_inputs = (d_flat @ kernel.T).reshape(batch, steps, features)
    d_bias = d_flat.sum(axis=0) if use_bias else None
    return d_inputs, d_kernel, d_bias


class StepGradients(NamedTuple):
    """What the backward pass of one time step returns (:meth:`RecurrentLayer.step_backward`)."""

    #: :math:`\partial L / \partial (x_t W + b)`, shape (batch, k n): the gradient of the
    #: step's input projection.
    x_proj: np.ndarray
    #: :math:`\partial L / \partial` each previous state (``h``, and ``c`` for an LSTM),
    #: each (batch, n).
    states: tuple[np.ndarray, ...]
    #: This step's contribution to :math:`\partial L / \partial U`, shape (n, k n).
    recurrent_kernel: np.ndarray
    #: This step's contribution to the gradient of the recurrent biases (a GRU with
    #: ``reset_after=True`` and a bias: shape (k n,)); ``None`` for the other layers.
    recurrent_bias: np.ndarray | None
    #: This step's contribution to the gradient of each weight of
    #: :attr:`RecurrentLayer.extra_weights` (a peephole LSTM's ``peephole``), in that
    #: order; empty for the layers without.
    extra_weights: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class RecurrentGradients:
    r"""The gradients of a loss with respect to everything a recurrent layer read.

    Returned by :meth:`RecurrentLayer.backward`. The weights' gradients have the names and
    shapes of the weights (Keras's layout).

    Attributes
    ----------
    inputs
        :math:`\partial L / \partial x`, shape (batch, time, m), in the order of the
        inputs as given (not reversed, also with ``go_backwards``).
    initial_states
        :math:`\partial L` with respect to each initial state (``h``, and ``c`` for an
        LSTM), each (batch, n).
    kernel
        :math:`\partial L / \partial` ``kernel``, shape (m, k n).
    recurrent_kernel
        :math:`\partial L / \partial` ``recurrent_kernel``, shape (n, k n).
    bias
        :math:`\partial L / \partial` ``bias``, the bias's shape; ``None`` without a bias.
    step_states
        With ``keep_state_gradients=True``: one array (batch, time + 1, n) per state, whose
        entry ``[:, t]`` is the gradient with respect to the state after ``t`` steps (``t =
        0``: the initial state), counted in the order the layer read the steps. ``None``
        otherwise.
    extra_weights
        The gradient of each weight of :attr:`RecurrentLayer.extra_weights` by name
        (``{"peephole": ...}`` for a peephole LSTM), each of its weight's shape; empty for
        the layers without.
    """

    inputs: np.ndarray
    initial_states: tuple[np.ndarray, ...]
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None
    step_states: tuple[np.ndarray, ...] | None = None
    extra_weights: dict[str, np.ndarray] = field(default_factory=dict)

    def weights(self) -> dict[str, np.ndarray]:
        """The weights' gradients by name, in Keras's order (``bias`` left out if ``None``)."""
        named = {"kernel": self.kernel, "recurrent_kernel": self.recurrent_kernel}
        if self.bias is not None:
            named["bias"] = self.bias
        named.update(self.extra_weights)
        return named


@dataclass(frozen=True)
class RecurrentRun:
    """Everything a forward pass over a batch of sequences computed.

    Attributes
    ----------
    inputs
        The inputs in the order the layer read them, shape (batch, time, m): reversed in
        time when the layer goes backwards.
    initial_states
        The states before the first step, one array (batch, n) per state (``h``, and
        ``c`` for an LSTM); zeros when no initial state was given.
    input_projection
        ``x_t W + b`` for every step, shape (batch, time, k n) (see
        :func:`input_projection`).
    outputs
        The output of every step, shape (batch, time, n), in the order of the steps
        (reversed in time when the layer goes backwards, as Keras returns them).
    states
        The states after the last step, one array (batch, n) per state.
    caches
        With ``keep_cache=True``: one dictionary per step, in the order of the steps,
        holding the step's gates, candidates and previous states by name (what a
        backward pass needs). ``None`` otherwise.
    """

    inputs: np.ndarray
    initial_states: tuple[np.ndarray, ...]
    input_projection: np.ndarray
    outputs: np.ndarray
    states: tuple[np.ndarray, ...]
    caches: list[dict[str, np.ndarray]] | None


class RecurrentLayer(KerasWeights):
    """A recurrent layer in NumPy: weights, flags, and the loop over time steps.

    Not used directly: each kind's layer (:class:`~gru_companion.scratch.gru.NumpyGRU`,
    ...; see :func:`layer_class`) sets its ``kind``, from whose row the gate and state
    names come, and its step (:attr:`step_function` or :meth:`step`).

    Parameters
    ----------
    kernel
        Input weights, shape (m, k n): m input features, k blocks, n units. float32 or
        float64; the layer computes in this dtype.
    recurrent_kernel
        Recurrent weights, shape (n, k n), same dtype. Its number of rows sets ``units``.
    bias
        Biases of the shape the kind of layer needs (see :meth:`bias_shape`), same dtype,
        or ``None`` for a layer without bias (Keras ``use_bias=False``).
    return_sequences
        ``True``: the output holds every step's output, shape (batch, time, n).
        ``False``: only the last step's, shape (batch, n).
    return_state
        ``True``: calling the layer returns a list ``[output, *final_states]``.
    go_backwards
        ``True``: read each sequence from its last step to its first. As in Keras, the
        returned sequence of outputs is then in that reversed order.

    Raises
    ------
    TypeError
        If a weight is not a float32 or float64 array, the weights' dtypes differ, or a
        flag is not a bool.
    ValueError
        If a weight has the wrong shape or holds NaN or infinity, or there are no units.
    """

    #: The key of the layer's row in :data:`gru_companion.kinds.KINDS` (``"gru"``); a
    #: subclass sets only this, and ``__init_subclass__`` reads the rest from the row.
    kind: ClassVar[str] = ""
    #: How tables and messages name the layer (``"GRU"``), from the kind's row.
    kind_name: ClassVar[str] = ""
    #: The blocks' names, in the order of the weights' column blocks, from the kind's row.
    gate_names: ClassVar[tuple[str, ...]] = ()
    #: The states' names, in the order Keras returns them, from the kind's row.
    state_names: ClassVar[tuple[str, ...]] = ("h",)
    #: The kind's step, ``(x_proj, *states, recurrent_kernel) -> (*new_states, cache)``,
    #: as a ``staticmethod``; :meth:`step` calls it.
    step_function: ClassVar[Callable[..., tuple[Any, ...]] | None] = None
    #: Its backward pass, ``(*d_states, cache, recurrent_kernel) -> (d_x_proj,
    #: *d_previous_states, d_recurrent_kernel)``; :meth:`step_backward` calls it.
    step_backward_function: ClassVar[Callable[..., tuple[Any, ...]] | None] = None
    #: The names of the weights a kind keeps beyond ``kernel``, ``recurrent_kernel`` and
    #: ``bias`` (``("peephole",)`` for the LSTM with peepholes), each an attribute of the
    #: layer, in Keras's order after the bias; such a kind's constructor takes them after
    #: ``bias``, and its ``_initial_extra_weights`` draws them for
    #: :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.initialized`.
    extra_weights: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Fill a subclass's names from its kind's row and register it as that kind's layer.

        Only a class that sets ``kind`` itself is registered: a subclass of ``NumpyGRU``
        that changes a method (a test's deliberate slip) does not replace ``NumpyGRU``.
        """
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("kind"):
            return
        row = kind_of(cls.kind)
        cls.kind_name, cls.gate_names, cls.state_names = row.name, row.blocks, row.states
        _LAYER_CLASSES[cls.kind] = cls

    def __init__(
        self,
        kernel: np.ndarray,
        recurrent_kernel: np.ndarray,
        bias: np.ndarray | None,
        *,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
    ) -> None:
        if not self.gate_names:
            raise TypeError(
                "RecurrentLayer is the shared machinery; use the layer of a kind, e.g. NumpyGRU"
            )
        self.return_sequences = check_bool("return_sequences", return_sequences)
        self.return_state = check_bool("return_state", return_state)
        self.go_backwards = check_bool("go_backwards", go_backwards)
        k = len(self.gate_names)
        recurrent_kernel = check_weight("recurrent_kernel", recurrent_kernel)
        kernel = check_weight("kernel", kernel)
        if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[0] < 1:
            raise ValueError(
                f"recurrent_kernel must have shape (units, {k} * units) with units >= 1, "
                f"got shape {recurrent_kernel.shape}"
            )
        units = recurrent_kernel.shape[0]
        expected = (units, k * units)
        check_shape("recurrent_kernel", recurrent_kernel, f"(units, {k} * units)", expected)
        if kernel.ndim != 2 or kernel.shape[0] < 1:
            raise ValueError(
                f"kernel must have shape (features, {k} * units) with features >= 1, "
                f"got shape {kernel.shape}"
            )
        check_shape("kernel", kernel, f"(features, {k} * units)", (kernel.shape[0], k * units))
        if bias is not None:
            bias = check_weight("bias", bias)
            check_shape("bias", bias, self._bias_labels(), self.bias_shape(units))
        for name, weight in (("recurrent_kernel", recurrent_kernel), ("bias", bias)):
            if weight is not None and weight.dtype != kernel.dtype:
                raise TypeError(
                    f"all weights must have one dtype: kernel is {kernel.dtype}, "
                    f"{name} is {weight.dtype}"
                )
        #: Input weights (m, k n), column blocks in the order of ``gate_names``.
        self.kernel = kernel
        #: Recurrent weights (n, k n), same blocks.
        self.recurrent_kernel = recurrent_kernel
        #: Biases, or ``None`` (no bias).
        self.bias = bias

    # ----------------------------------------------------------------- hooks of the kinds
    def bias_shape(self, units: int) -> tuple[int, ...]:
        """The shape of this layer's bias for ``units`` units: (k n,) by default."""
        return (len(self.gate_names) * units,)

    def _bias_labels(self) -> str:
        return f"({len(self.gate_names)} * units,)"

    @property
    def input_bias(self) -> np.ndarray | None:
        """The bias added to the input projection ``x W`` (the whole bias by default)."""
        return self.bias

    def step(
        self, x_proj: np.ndarray, states: tuple[np.ndarray, ...]
    ) -> tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]:
        """One time step: new states and the step's cache, from this step's projection.

        By default :attr:`step_function` ``(x_proj, *states, recurrent_kernel)``, which
        returns the new states and the cache; a kind whose step needs more overrides this.

        Parameters
        ----------
        x_proj
            This step's input projection ``x_t W + b``, shape (batch, k n).
        states
            The previous states, one array (batch, n) each.

        Returns
        -------
        tuple
            ``(new_states, cache)``: the new states (the first, ``h``, is the step's
            output) and a dictionary of the step's intermediate values.
        """
        if self.step_function is None:
            raise NotImplementedError("each kind of recurrent layer defines its step")
        *new_states, cache = self.step_function(x_proj, *states, self.recurrent_kernel)
        return tuple(new_states), cache

    def step_backward(
        self, d_states: tuple[np.ndarray, ...], cache: dict[str, np.ndarray]
    ) -> StepGradients:
        r"""The backward pass of one time step: from the gradients of its new states.

        By default :attr:`step_backward_function` ``(*d_states, cache,
        recurrent_kernel)``, which returns the gradients of the step's projection, of each
        previous state and of the recurrent kernel; a kind with recurrent biases overrides
        this.

        Parameters
        ----------
        d_states
            :math:`\partial L / \partial` each new state of the step (``h``, and ``c``
            for an LSTM), each (batch, n): the total gradient, from the step's output and
            from the steps after it.
        cache
            The step's cache, as :meth:`step` returned it.

        Returns
        -------
        StepGradients
            The gradients of the step's input projection, of the previous states and of
            the recurrent weights.
        """
        if self.step_backward_function is None:
            raise NotImplementedError(
                "each kind of recurrent layer defines its step's backward pass"
            )
        dx_proj, *d_prev, d_u = self.step_backward_function(*d_states, cache, self.recurrent_kernel)
        return StepGradients(dx_proj, tuple(d_prev), d_u, None)

    def _bias_gradient(
        self, d_input_bias: np.ndarray | None, d_recurrent_bias: np.ndarray | None
    ) -> np.ndarray | None:
        """The gradient of ``bias`` from those of the input and recurrent biases."""
        return d_input_bias

    def _options(self) -> dict[str, Any]:
        """The constructor's keyword arguments that describe this layer (flags)."""
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
        }

    # ------------------------------------------------------------------------ properties
    @property
    def units(self) -> int:
        """Number of units n (the width of each state)."""
        return self.recurrent_kernel.shape[0]

    def _weights(self) -> list[np.ndarray | None]:
        """``[kernel, recurrent_kernel, bias]``, Keras's order (``get_weights`` copies them)."""
        return [
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            *(getattr(self, name) for name in self.extra_weights),
        ]

    @classmethod
    def _initial_extra_weights(cls, rng: np.random.Generator, units: int) -> list[np.ndarray]:
        """Seeded float64 values of the weights of :attr:`extra_weights` (none by default)."""
        return []

    def get_config(self) -> dict[str, Any]:
        """The layer's settings, with Keras's names: ``units``, ``use_bias``, flags, dtype."""
        return {
            "units": self.units,
            "features": self.features,
            "use_bias": self.use_bias,
            "dtype": str(self.dtype),
            **self._options(),
        }

    def astype(self, dtype: Any) -> Self:
        """A copy of this layer with its weights cast to ``dtype`` (float32 or float64)."""
        dtype = check_float_dtype(dtype)
        cast = [None if w is None else w.astype(dtype) for w in self._weights()]
        return type(self)(*cast, **self._options())

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({settings})"

    @classmethod
    def initialized(
        cls,
        features: int,
        units: int,
        *,
        seed: int | np.random.Generator = 0,
        dtype: Any = "float64",
        use_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        **options: Any,
    ) -> Self:
        """A layer with seeded random weights.

        The kernel is drawn Glorot-uniform and the recurrent kernel orthogonal, as Keras
        initializes them; the biases are drawn uniformly from [-0.1, 0.1] (Keras starts
        them at zero; non-zero biases let a test see a bias in the wrong place), and so
        are a kind's further weights (:attr:`extra_weights`, drawn after the kernels).

        Parameters
        ----------
        features
            Number of input features m, a positive integer.
        units
            Number of units n, a positive integer.
        seed
            A non-negative integer seed or a ``numpy.random.Generator``.
        dtype
            ``"float32"`` or ``"float64"`` (default).
        use_bias
            ``False``: a layer without bias.
        return_sequences, return_state, go_backwards
            As in the constructor.
        **options
            Settings of the kind of layer (``reset_after`` for a GRU).

        Raises
        ------
        TypeError
            If ``features``, ``units`` or ``seed`` is not an integer, or a flag is not a
            bool.
        ValueError
            If ``features`` or ``units`` is smaller than 1, ``seed`` is negative, or
            ``dtype`` is not float32 or float64.
        """
        features, units, rng, dtype, use_bias = cls._initial_settings(
            features, units, seed, dtype, use_bias
        )
        k = len(cls.gate_names)
        kernel = glorot_uniform(rng, features, k * units)
        recurrent_kernel = orthogonal(rng, units, k * units)
        extra = cls._initial_extra_weights(rng, units)
        layer = cls(  # built once in float64 to learn the bias shape, then cast
            kernel,
            recurrent_kernel,
            None,
            *extra,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            **options,
        )
        bias = None
        if use_bias:
            bias = rng.uniform(-BIAS_SCALE, BIAS_SCALE, size=layer.bias_shape(units))
        weights = [
            w if w is None else w.astype(dtype) for w in (kernel, recurrent_kernel, bias, *extra)
        ]
        return cls(*weights, **layer._options())

    # ------------------------------------------------------------------------ the checks
    def check_inputs(self, inputs: Any) -> np.ndarray:
        """Return ``inputs`` if it is a batch of sequences this layer can read, else raise.

        Parameters
        ----------
        inputs
            Expected: a NumPy array of shape (batch, time, features), in the dtype of the
            weights, finite, with at least one sequence and one time step.

        Raises
        ------
        TypeError
            If ``inputs`` is not a NumPy array, not floating point, or not of the
            weights' dtype.
        ValueError
            If it does not have 3 dimensions, has the wrong number of features, no
            sequence, no time step, or holds NaN or infinity.
        """
        what = "of shape (batch, time, features)"
        inputs = check_float_array("inputs", inputs, what, self.dtype)
        if inputs.ndim != 3:
            raise ValueError(
                f"inputs must have 3 dimensions (batch, time, features), got {inputs.ndim} "
                f"(shape {inputs.shape})"
            )
        batch, steps, features = inputs.shape
        if features != self.features:
            raise ValueError(
                f"inputs must have {self.features} features (the kernel has "
                f"{self.features} rows), got {features} (shape {inputs.shape})"
            )
        if steps == 0:
            raise ValueError(
                f"inputs must have at least one time step, got 0 (shape {inputs.shape})"
            )
        if batch == 0:
            raise ValueError(f"inputs must hold at least one sequence, got shape {inputs.shape}")
        check_finite("inputs", inputs)
        return inputs

    def check_states(self, states: Any, batch: int, name: str = "initial_state") -> tuple:
        """Return the states as a tuple of arrays (batch, n) if they fit, else raise.

        Parameters
        ----------
        states
            ``None`` (zeros), or one array (batch, n) per state: a list ``[h, c]`` for an
            LSTM; an array ``h`` or a list ``[h]`` for the others. Each in the dtype of
            the weights and finite.
        batch
            The batch size of the inputs.
        name
            The argument's name, used in the messages.

        Raises
        ------
        TypeError
            If a state is not a NumPy array of the weights' dtype, or an LSTM gets a
            single array.
        ValueError
            If the number of states or a state's shape is wrong, or a state holds NaN or
            infinity.
        """
        count = len(self.state_names)
        labels = ", ".join(self.state_names)
        if states is None:
            return tuple(np.zeros((batch, self.units), dtype=self.dtype) for _ in range(count))
        if isinstance(states, np.ndarray) and count == 1:
            states = [states]
        if not isinstance(states, list | tuple):
            raise TypeError(
                f"{name} must be a list [{labels}] of {count} numpy.ndarray(s), "
                f"got {type(states).__name__}"
            )
        if len(states) != count:
            raise ValueError(
                f"{name} must hold {count} array(s) [{labels}] for a {self.kind_name}, "
                f"got {len(states)}"
            )
        for index, (state, state_name) in enumerate(zip(states, self.state_names, strict=True)):
            label = f"{name}[{index}] ({state_name})"
            check_float_array(label, state, "of shape (batch, units)", self.dtype)
            check_shape(label, state, "(batch, units)", (batch, self.units))
            check_finite(label, state)
        return tuple(states)

    # --------------------------------------------------------------------- forward pass
    def run(
        self, inputs: np.ndarray, initial_state: Any = None, *, keep_cache: bool = False
    ) -> RecurrentRun:
        """Run the layer over a batch of sequences and keep everything it computed.

        The input projection of all steps is one matrix product
        (:func:`input_projection`); then :meth:`step` runs once per time step, each step
        reading the states the step before left.

        Parameters
        ----------
        inputs
            Shape (batch, time, features), in the weights' dtype (see
            :meth:`check_inputs`).
        initial_state
            ``None`` for zeros, else the states before the first step (see
            :meth:`check_states`).
        keep_cache
            ``True``: also keep each step's intermediate values (gates, candidates,
            previous states) in :attr:`RecurrentRun.caches`.

        Returns
        -------
        RecurrentRun
            Inputs as read, initial states, projection, every step's output, final
            states, and the caches.
        """
        keep_cache = check_bool("keep_cache", keep_cache)
        inputs = self.check_inputs(inputs)
        batch, steps, _ = inputs.shape
        initial_states = self.check_states(initial_state, batch)
        seen = inputs[:, ::-1] if self.go_backwards else inputs
        x_proj = input_projection(seen, self.kernel, self.input_bias)
        outputs = np.empty((batch, steps, self.units), dtype=self.dtype)
        caches: list[dict[str, np.ndarray]] = []
        states = initial_states
        for t in range(steps):
            states, cache = self.step(x_proj[:, t], states)
            outputs[:, t] = states[0]  # a recurrent layer's output is its state h
            if keep_cache:
                caches.append(cache)
        return RecurrentRun(
            inputs=seen,
            initial_states=initial_states,
            input_projection=x_proj,
            outputs=outputs,
            states=states,
            caches=caches if keep_cache else None,
        )

    def __call__(
        self, inputs: np.ndarray, initial_state: Any = None
    ) -> np.ndarray | list[np.ndarray]:
        """Compute what the Keras layer with these weights and flags returns.

        Parameters
        ----------
        inputs
            Shape (batch, time, features), in the weights' dtype.
        initial_state
            ``None`` for zeros, else the states before the first step: an array ``h``
            (or ``[h]``), or ``[h, c]`` for an LSTM.

        Returns
        -------
        numpy.ndarray or list of numpy.ndarray
            The output, (batch, time, n) with ``return_sequences`` else (batch, n); with
            ``return_state`` the list ``[output, *final_states]``.
        """
        result = self.run(inputs, initial_state)
        output = result.outputs if self.return_sequences else result.outputs[:, -1].copy()
        if self.return_state:
            return [output, *result.states]
        return output

    def cell(self, x: np.ndarray, states: Any = None) -> tuple[np.ndarray, ...]:
        """One time step from an input ``x_t`` (what a Keras cell computes).

        Parameters
        ----------
        x
            The inputs of one time step, shape (batch, features), in the weights' dtype.
        states
            The previous states, as ``initial_state`` of :meth:`run` (``None``: zeros).

        Returns
        -------
        tuple of numpy.ndarray
            The new states, ``(h,)`` or ``(h, c)``; ``h`` is the step's output.
        """
        x = check_float_array("x", x, "of shape (batch, features)", self.dtype)
        if x.ndim != 2:
            raise ValueError(
                f"x must have 2 dimensions (batch, features), got {x.ndim} (shape {x.shape})"
            )
        if x.shape[1] != self.features or x.shape[0] == 0:
            raise ValueError(
                f"x must have shape (batch, features) with batch >= 1 and features = "
                f"{self.features}, got {x.shape}"
            )
        check_finite("x", x)
        states = self.check_states(states, x.shape[0], name="states")
        x_proj = x @ self.kernel
        if self.input_bias is not None:
            x_proj = x_proj + self.input_bias
        new_states, _ = self.step(x_proj, states)
        return new_states

    # -------------------------------------------------------------------- backward pass
    def _check_run(self, run: Any) -> RecurrentRun:
        """Return ``run`` if it is a cached forward pass of a layer of this shape, else raise."""
        if not isinstance(run, RecurrentRun):
            raise TypeError(
                "run must be the RecurrentRun that layer.run(inputs, initial_state, "
                f"keep_cache=True) returned, got {type(run).__name__}"
            )
        if run.caches is None:
            raise ValueError(
                "run holds no per-step caches: the backward pass needs them; call "
                "layer.run(inputs, initial_state, keep_cache=True)"
            )
        expected = (run.inputs.shape[0], run.inputs.shape[1], self.kernel.shape[1])
        if (
            run.inputs.shape[2] != self.features
            or run.input_projection.shape != expected
            or run.outputs.shape[2] != self.units
            or run.inputs.dtype != self.dtype
            or len(run.caches) != run.inputs.shape[1]
        ):
            raise ValueError(
                f"run does not come from this layer ({self.features} features, "
                f"{self.units} units, {self.dtype}): it read inputs of shape "
                f"{run.inputs.shape} and dtype {run.inputs.dtype} into {run.outputs.shape[2]} "
                "units"
            )
        return run

    def _check_gradient(self, name: str, value: Any, expected: tuple[int, ...], labels: str):
        """Raise unless ``value`` is a finite array of the weights' dtype and ``expected`` shape."""
        check_float_array(name, value, f"of shape {labels}", self.dtype)
        check_shape(name, value, labels, expected)
        check_finite(name, value)
        return value

    def backward(
        self,
        run: RecurrentRun,
        d_output: np.ndarray | None = None,
        d_states: Any = None,
        *,
        keep_state_gradients: bool = False,
    ) -> RecurrentGradients:
        r"""Backpropagation through time: the gradients of a loss from those of the outputs.

        Given :math:`\partial L / \partial` (what the layer returned), computes
        :math:`\partial L` with respect to the inputs, the initial states and each weight.
        The recurrence runs backwards, from the last step read to the first: at each step
        the gradient of the state :math:`h_t` is the sum of what reaches it from the
        output at step :math:`t` (with ``return_sequences``, or at the last step) and what
        flows back from step :math:`t + 1`; :meth:`step_backward` turns it into the
        gradients of the step's input projection, of the previous states and of the
        recurrent weights (summed over the steps). The kernel's, the input biases' and
        the inputs' gradients are then computed for all steps at once
        (:func:`input_projection_backward`), mirroring the forward pass.

        Parameters
        ----------
        run
            The forward pass, from :meth:`run` with ``keep_cache=True`` (the layer's
            weights must not have changed since).
        d_output
            :math:`\partial L / \partial` output: shape (batch, time, n) with
            ``return_sequences`` (in the order the layer returned the outputs, reversed
            in time with ``go_backwards``), else (batch, n). ``None``: the loss does not
            depend on the output.
        d_states
            With ``return_state``: :math:`\partial L / \partial` the returned final
            states, as ``initial_state`` of :meth:`run` (an array ``h`` or ``[h]``,
            ``[h, c]`` for an LSTM). ``None``: the loss does not depend on them.
        keep_state_gradients
            ``True``: also return the gradient with respect to the state after every step
            (:attr:`RecurrentGradients.step_states`).

        Returns
        -------
        RecurrentGradients
            The gradients, named and shaped like the inputs, initial states and weights.

        Raises
        ------
        TypeError
            If ``run`` is not a :class:`RecurrentRun`, or a gradient is not a NumPy array
            of the weights' dtype.
        ValueError
            If ``run`` has no caches or does not fit the layer, a gradient has the wrong
            shape or is not finite, ``d_states`` is given to a layer without
            ``return_state``, or neither gradient is given.
        """
        keep_state_gradients = check_bool("keep_state_gradients", keep_state_gradients)
        run = self._check_run(run)
        batch, steps, _ = run.inputs.shape
        n = self.units
        if d_output is None and d_states is None:
            raise ValueError(
                "nothing to backpropagate: give d_output (the gradient of the loss with "
                "respect to the output), d_states (with return_state=True), or both"
            )
        if d_output is not None:
            if self.return_sequences:
                expected, labels = (batch, steps, n), "(batch, time, units)"
            else:
                expected, labels = (batch, n), "(batch, units)"
            self._check_gradient("d_output", d_output, expected, labels)
        if d_states is not None and not self.return_state:
            raise ValueError(
                "d_states is the gradient of the final states the layer returns with "
                "return_state=True; this layer has return_state=False (pass the gradient "
                "of the last output as d_output)"
            )
        d_now = self.check_states(d_states, batch, name="d_states")  # zeros when None
        if d_output is not None and not self.return_sequences:
            d_now = (d_now[0] + d_output, *d_now[1:])  # the output is the last state h_T
        d_x_proj = np.empty_like(run.input_projection)
        d_recurrent_kernel = np.zeros_like(self.recurrent_kernel)
        d_recurrent_bias = None
        d_extra = [np.zeros_like(getattr(self, name)) for name in self.extra_weights]
        step_states = None
        if keep_state_gradients:
            step_states = tuple(
                np.empty((batch, steps + 1, n), dtype=self.dtype) for _ in self.state_names
            )
        for t in reversed(range(steps)):
            if d_output is not None and self.return_sequences:
                # h_t is the step's output and the next step's state: both gradients add
                d_now = (d_now[0] + d_output[:, t], *d_now[1:])
            if step_states is not None:
                for kept, d_state in zip(step_states, d_now, strict=True):
                    kept[:, t + 1] = d_state
            step = self.step_backward(d_now, run.caches[t])
            d_x_proj[:, t] = step.x_proj
            d_recurrent_kernel += step.recurrent_kernel  # U is shared by every step
            if step.recurrent_bias is not None:
                if d_recurrent_bias is None:
                    d_recurrent_bias = np.zeros_like(step.recurrent_bias)
                d_recurrent_bias += step.recurrent_bias
            for total, part in zip(d_extra, step.extra_weights, strict=True):
                total += part  # like U, a further weight is shared by every step
            d_now = step.states
        if step_states is not None:
            for kept, d_state in zip(step_states, d_now, strict=True):
                kept[:, 0] = d_state
        d_seen, d_kernel, d_input_bias = input_projection_backward(
            run.inputs, self.kernel, d_x_proj, use_bias=self.input_bias is not None
        )
        return RecurrentGradients(
            inputs=d_seen[:, ::-1] if self.go_backwards else d_seen,  # back to the given order
            initial_states=tuple(d_now),
            kernel=d_kernel,
            recurrent_kernel=d_recurrent_kernel,
            bias=self._bias_gradient(d_input_bias, d_recurrent_bias),
            step_states=step_states,
            extra_weights=dict(zip(self.extra_weights, d_extra, strict=True)),
        )
