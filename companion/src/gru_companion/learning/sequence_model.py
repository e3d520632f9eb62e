r"""A recurrent layer followed by a dense read-out: the smallest trainable sequence model.

:class:`SequenceModel` is ``keras.Sequential([recurrent layer, Dense(k)])`` in NumPy: the
recurrent layer (:class:`~gru_companion.scratch.gru.NumpyGRU`, ``NumpyLSTM`` or
``NumpySimpleRNN``) reads the sequences, the read-out
(:class:`~gru_companion.scratch.dense.NumpyDense`) maps its last state (or, with
``return_sequences``, every step's state) to predictions. Its backward pass chains the
two: the read-out's gradient with respect to its inputs is the gradient of the recurrent
layer's output, from which :meth:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.backward`
runs backpropagation through time.

Its parameters are a dictionary of the arrays the layers compute with, named
``"recurrent/kernel"``, ``"recurrent/recurrent_kernel"``, ``"recurrent/bias"``, then the
recurrent layer's further weights (``"recurrent/peephole"`` for an LSTM with peepholes,
:attr:`~gru_companion.scratch.recurrent_layer.RecurrentLayer.extra_weights`),
``"readout/kernel"``, ``"readout/bias"``: an optimizer
(:mod:`gru_companion.learning.optimizers`) updates them in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.learning.losses import Loss
from gru_companion.scratch.dense import NumpyDense
from gru_companion.scratch.recurrent_layer import RecurrentLayer, RecurrentRun


@dataclass(frozen=True)
class ModelRun:
    """What a forward pass of a :class:`SequenceModel` keeps for its backward pass.

    Attributes
    ----------
    recurrent
        The recurrent layer's run, with its per-step caches.
    features
        What the read-out read: the recurrent layer's output.
    predictions
        The read-out's output.
    """

    recurrent: RecurrentRun
    features: np.ndarray
    predictions: np.ndarray


class SequenceModel:
    """A NumPy recurrent layer and a dense read-out, trained as one model.

    Parameters
    ----------
    recurrent
        A NumPy recurrent layer of any kind with a backward pass (``NumpySimpleRNN``,
        ``NumpyLSTM``, ``NumpyGRU``, ``NumpyPeepholeLSTM``, ...) with
        ``return_state=False``.
    readout
        A ``NumpyDense`` reading the recurrent layer's units, in the same dtype.

    Raises
    ------
    TypeError
        If a layer is of the wrong type, or the dtypes differ.
    ValueError
        If the recurrent layer returns its states, or the sizes do not fit.
    """

    def __init__(self, recurrent: RecurrentLayer, readout: NumpyDense) -> None:
        if not isinstance(recurrent, RecurrentLayer):
            raise TypeError(
                f"recurrent must be a NumPy recurrent layer, got {type(recurrent).__name__}"
            )
        if not isinstance(readout, NumpyDense):
            raise TypeError(f"readout must be a NumpyDense, got {type(readout).__name__}")
        if recurrent.return_state:
            raise ValueError(
                "the recurrent layer must have return_state=False: the read-out reads its "
                "output only"
            )
        if readout.features != recurrent.units:
            raise ValueError(
                f"the read-out reads {readout.features} features but the recurrent layer "
                f"has {recurrent.units} units"
            )
        if readout.dtype != recurrent.dtype:
            raise TypeError(
                f"both layers must have one dtype, got {recurrent.dtype} and {readout.dtype}"
            )
        self.recurrent = recurrent
        self.readout = readout

    @property
    def dtype(self) -> np.dtype:
        """The dtype the model computes in."""
        return self.recurrent.dtype

    def parameters(self) -> dict[str, np.ndarray]:
        """The arrays the layers compute with (not copies), by name, in Keras's order.

        The recurrent layer's ``kernel``, ``recurrent_kernel``, ``bias`` (if it has one)
        and further weights (its ``extra_weights``), then the read-out's; the names of its
        gradients in :meth:`backward`.
        """
        names = ("kernel", "recurrent_kernel", "bias", *self.recurrent.extra_weights)
        params = {
            f"recurrent/{name}": getattr(self.recurrent, name)
            for name in names
            if getattr(self.recurrent, name) is not None
        }
        params["readout/kernel"] = self.readout.kernel
        if self.readout.bias is not None:
            params["readout/bias"] = self.readout.bias
        return params

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights in the order of ``keras.Sequential.get_weights()``."""
        return [weight.copy() for weight in self.parameters().values()]

    def forward(self, inputs: np.ndarray) -> ModelRun:
        """Run the model and keep what the backward pass needs."""
        run = self.recurrent.run(inputs, keep_cache=True)
        features = run.outputs if self.recurrent.return_sequences else run.outputs[:, -1]
        return ModelRun(recurrent=run, features=features, predictions=self.readout(features))

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """The predictions for a batch of sequences (batch, time, features)."""
        return self.forward(inputs).predictions

    def backward(self, run: ModelRun, d_predictions: np.ndarray) -> dict[str, np.ndarray]:
        """The gradients of every parameter, from :math:`\\partial L / \\partial` predictions.

        Parameters
        ----------
        run
            The forward pass (:meth:`forward`).
        d_predictions
            :math:`\\partial L / \\partial` predictions, the predictions' shape and dtype.

        Returns
        -------
        dict
            The gradients, named as :meth:`parameters`.
        """
        if not isinstance(run, ModelRun):
            raise TypeError(f"run must be what forward() returned, got {type(run).__name__}")
        readout = self.readout.backward(run.features, d_predictions)
        recurrent = self.recurrent.backward(run.recurrent, readout.inputs)
        grads = {f"recurrent/{name}": g for name, g in recurrent.weights().items()}
        grads.update({f"readout/{name}": g for name, g in readout.weights().items()})
        return grads

    def loss_and_gradients(
        self, loss: Loss, inputs: np.ndarray, targets: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss on a batch and its gradient with respect to every parameter.

        Parameters
        ----------
        loss
            A loss from :mod:`gru_companion.learning.losses`.
        inputs
            Shape (batch, time, features).
        targets
            The targets the loss expects for the predictions.
        """
        if not isinstance(loss, Loss):
            raise TypeError(
                f"loss must be a gru_companion.learning.losses.Loss, got {type(loss).__name__}"
            )
        run = self.forward(inputs)
        value, d_predictions = loss.value_and_gradient(targets, run.predictions)
        return value, self.backward(run, d_predictions)

    def to_keras(self, *, name: str = "keras_twin") -> Any:
        """A ``keras.Sequential`` with the same layers, flags, dtype and weights.

        Its layers are named ``"recurrent"`` and ``"readout"``, its input takes
        sequences of any length.
        """
        import keras

        from gru_companion.keras.bridge import to_keras

        recurrent = to_keras(self.recurrent, name="recurrent")
        readout = keras.layers.Dense(
            self.readout.units,
            use_bias=self.readout.bias is not None,
            dtype=str(self.dtype),
            name="readout",
        )
        model = keras.Sequential(
            [keras.Input(shape=(None, self.recurrent.features), dtype=str(self.dtype)),
             recurrent, readout],
            name=name,
        )  # fmt: skip
        model.set_weights(self.get_weights())
        return model

    def __repr__(self) -> str:
        return f"SequenceModel({self.recurrent!r}, {self.readout!r})"
