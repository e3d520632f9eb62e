"""Weight noise (Graves, 2011): a ``keras.Sequential`` whose training steps see noisy weights.

Chung et al. (2014) trained their music models with *weight noise*: at every update, each
weight gets fresh Gaussian noise (standard deviation 0.075), the gradient is taken at the
noisy weights, and the update is applied to the clean ones. The noise is a regulariser:
a model whose loss stays low when its weights are jiggled has found a flat region of the
loss, which tends to generalise better.

:class:`WeightNoiseSequential` is a ``keras.Sequential`` with exactly that training step.
Its ``train_step`` is Keras's own (TensorFlow backend: ``sample_weight``, the loss
tracker, the compiled metrics and the optimizer's loss scaling all behave as in a plain
``keras.Sequential``) with three more moves around the forward pass:

1. draw noise :math:`\\varepsilon \\sim N(0, \\sigma^2)` for every trainable weight, from a
   ``keras.random.SeedGenerator`` (so ``keras.utils.set_random_seed`` makes runs
   repeat), and add it to the weight;
2. compute the loss and its gradient at the noisy weights :math:`w + \\varepsilon`;
3. put the clean weights :math:`w` back, exactly (they are copied, not re-subtracted),
   and let the optimizer apply the gradient to them.

The training metrics are those of the noisy forward pass. Evaluation and prediction
(``evaluate``, ``predict``, calling the model) use the clean weights; non-trainable
weights get no noise. ``stddev=0`` trains exactly as ``keras.Sequential`` does. It works
with ``jit_compile=True`` (XLA) and ``jit_compile=False``, and saves to and loads from
``.keras`` files (registered as ``"gru_companion>WeightNoiseSequential"``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import keras

from gru_companion.validation import check_int_at_least, check_real


def _check_stddev(value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number >= 0, else raise."""
    number = check_real("stddev", value, expected="a non-negative number")
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"stddev must be a non-negative finite number, got {value}")
    return number


@keras.saving.register_keras_serializable(package="gru_companion")
class WeightNoiseSequential(keras.Sequential):
    """A ``keras.Sequential`` trained with weight noise: gradients at noisy weights.

    At every training step each trainable weight gets fresh noise from
    :math:`N(0, \\text{stddev}^2)`; the loss and its gradients are computed at the noisy
    weights, the clean weights are restored and the optimizer updates them (see the
    module's description). Everything else is ``keras.Sequential``.

    Parameters
    ----------
    layers
        The layers, as for ``keras.Sequential`` (a ``keras.Input`` first builds the model
        at once); ``None`` for an empty model to ``add`` layers to.
    stddev
        The standard deviation of the noise, a non-negative finite number (Chung et al.,
        2014: 0.075). ``0`` trains as a plain ``keras.Sequential``.
    seed
        A non-negative integer seeding the noise, or ``None``: the seed is then drawn
        from Python's global random state, which ``keras.utils.set_random_seed`` sets.
    name
        The model's name; ``None`` lets Keras choose one.
    trainable
        As for ``keras.Sequential``.

    Raises
    ------
    TypeError
        If ``stddev`` is not a real number or ``seed`` not an integer.
    ValueError
        If ``stddev`` is negative, infinite or NaN, or ``seed`` is negative.
    RuntimeError
        If Keras runs on a backend other than TensorFlow (the training step is
        TensorFlow's).

    Examples
    --------
    >>> import keras
    >>> model = WeightNoiseSequential(
    ...     [keras.Input((5, 3)), keras.layers.GRU(4), keras.layers.Dense(1)],
    ...     stddev=0.075, seed=0,
    ... )
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.stddev, model.count_params()
    (0.075, 113)
    """

    def __init__(
        self,
        layers: Any = None,
        *,
        stddev: float,
        seed: int | None = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        stddev = _check_stddev(stddev)
        if seed is not None:
            seed = check_int_at_least("seed", seed, 0, expected="a non-negative integer or None")
        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(
                "WeightNoiseSequential's training step is written for the TensorFlow "
                f"backend; Keras runs on {keras.backend.backend()!r}"
            )
        super().__init__(layers, trainable=trainable, name=name)
        #: The standard deviation of the weight noise.
        self.stddev = stddev
        #: The seed of the noise as given (``None``: drawn from Python's random state).
        self.seed = seed
        #: The source of the noise's random draws; its state advances with every step.
        self.noise_seed_generator = keras.random.SeedGenerator(seed, name="weight_noise_seed")

    def train_step(self, data: Any) -> dict[str, Any]:
        """One training step on a batch, with the gradient taken at noisy weights.

        Keras's own ``train_step`` of the TensorFlow backend, with the noise added to
        every trainable weight before the forward pass and the clean weights restored
        before the optimizer applies the gradients.

        Parameters
        ----------
        data
            A batch: ``(x, y)`` or ``(x, y, sample_weight)``, as ``fit`` and
            ``train_on_batch`` pass it.

        Returns
        -------
        dict
            The loss and the compiled metrics, as Keras's ``train_step`` returns them.
        """
        import tensorflow as tf
        from keras.src.losses.loss import unscale_loss_for_distribution

        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        weights = self.trainable_weights
        if not weights:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        clean = [tf.identity(weight.value) for weight in weights]  # exact copies
        for weight in weights:
            weight.assign_add(
                keras.random.normal(
                    weight.shape,
                    stddev=self.stddev,
                    dtype=weight.dtype,
                    seed=self.noise_seed_generator,
                )
            )
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True) if self._call_has_training_arg else self(x)
            loss = self._compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
            batch = tf.shape(next(i for i in keras.tree.flatten(x) if i is not None))[0]
            self._loss_tracker.update_state(
                unscale_loss_for_distribution(loss), sample_weight=batch
            )
            if self.optimizer is not None:
                loss = self.optimizer.scale_loss(loss)
        if weights:
            gradients = tape.gradient(loss, weights)  # at the noisy weights
            for weight, value in zip(weights, clean, strict=True):
                weight.assign(value)  # the update goes to the clean weights
            self.optimizer.apply_gradients(zip(gradients, weights, strict=True))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        """``keras.Sequential``'s config with ``stddev`` and ``seed``."""
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> WeightNoiseSequential:
        """Rebuild a model from :meth:`get_config`: its layers, noise and input shape."""
        model = cls(stddev=config["stddev"], seed=config.get("seed"), name=config["name"])
        for layer_config in config["layers"]:
            model.add(
                keras.saving.deserialize_keras_object(layer_config, custom_objects=custom_objects)
            )
        build_input_shape = config.get("build_input_shape")
        if not model.built and isinstance(build_input_shape, tuple | list) and build_input_shape:
            model.build(build_input_shape)
        return model
