"""Every contact with Keras and TensorFlow: the rest of the companion computes without them.

The other rooms (:mod:`gru_companion.scratch`, :mod:`~gru_companion.learning`,
:mod:`~gru_companion.analysis`, :mod:`~gru_companion.data`) import neither Keras nor
TensorFlow; what builds, reads, runs or checks a Keras layer lives here. Its modules, in the
order the book meets them:

* :mod:`~gru_companion.keras.seed_model` and :mod:`~gru_companion.keras.summary`: the small
  model of *Getting started*, and its ``model.summary()`` as text of a fixed width.
* :mod:`~gru_companion.keras.bridge`: from Keras to NumPy and back for every kind
  (``from_keras``, ``to_keras``), seeded random Keras layers to compare with, and Keras's
  own gradients (``tape_gradients``) to check backpropagation through time against.
* :mod:`~gru_companion.keras.cells`: the course's cells written in ``keras.ops`` (one base,
  ``KerasOpsCell``: the GRU exactly as Keras computes it, the simplified cells of the
  chapter on variants and the LSTM with peepholes) and ``keras_layer(kind, units, ...)``, a
  Keras layer of any kind.
* :mod:`~gru_companion.keras.weight_noise`: a ``keras.Sequential`` trained with weight noise
  (Graves, 2011), as Chung et al. (2014) trained their models.
* :mod:`~gru_companion.keras.practice`: what ``keras.layers.GRU``'s flags do (masks and
  padding, stateful runs in chunks, copies with changed settings, dropout masks).
* :mod:`~gru_companion.keras.cudnn`: when ``keras.layers.GRU`` runs the fused cuDNN kernel.
* :mod:`~gru_companion.keras.backends`: one layer on TensorFlow, JAX and PyTorch: Keras's
  own gradients on each (``keras_gradients``), a fresh process per backend
  (``run_on_backend``), how far their outputs lie apart (``backend_comparisons`` for
  several layers and dtypes, ``backend_differences`` for one), and
  which code each runs (``EXECUTION_PATHS``).

Importing this package imports nothing; each module imports Keras itself.
"""
