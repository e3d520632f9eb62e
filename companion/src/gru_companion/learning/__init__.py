"""Learning: training the NumPy models as Keras trains its own, step for step (Keras-free).

In the order the book teaches them:

* :mod:`~gru_companion.learning.gradient_check`: the hand-written gradients checked against
  central differences.
* :mod:`~gru_companion.learning.losses`: mean squared error, Bernoulli and softmax
  cross-entropies, each with its gradient.
* :mod:`~gru_companion.learning.optimizers`: SGD and Adam with Keras's update formulas and
  global-norm clipping.
* :mod:`~gru_companion.learning.sequence_model`: a recurrent layer and its dense read-out,
  the smallest trainable model.
* :mod:`~gru_companion.learning.training`: the training loop (batches, loss, backward pass,
  optimizer step) and its history.
"""
