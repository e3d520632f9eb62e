"""The experiments room: the long Keras and NumPy runs behind ``book/data`` and their command line.

One command line runs every long experiment and writes its JSON result (with the command,
the versions and the machine) under ``book/data``; a study writes each run as it finishes
and, run again, continues where it stopped::

    python -m gru_companion.experiments adding     # the fair study of the adding problem
    python -m gru_companion.experiments copy       # ... of copy memory at several delays
    python -m gru_companion.experiments counting   # ... of counting (a^n b^n, longer at test)
    python -m gru_companion.experiments sunspots   # ... of yearly sunspot forecasts
    python -m gru_companion.experiments chorales --conventions chung  # Chung et al.'s models
    python -m gru_companion.experiments variants   # the GRU, the LSTM and simplified cells
    python -m gru_companion.experiments gradient-flow  # gradients before and after training
    python -m gru_companion.experiments bench      # NumPy layers against Keras, the matmul peak
    python -m gru_companion.experiments memory     # the memory of a Keras training step
    python -m gru_companion.experiments gpu-bench  # cuDNN, PyTorch and JAX on a CUDA GPU

``python -m gru_companion.experiments <experiment> --help`` lists an experiment's options.

* :mod:`~gru_companion.experiments.training`: the one model builder
  (``Input → recurrent layer of any kind → Dense``), the one training loop with early
  stopping and its :class:`~gru_companion.experiments.training.History`.
* :mod:`~gru_companion.experiments.tasks`: the table of tasks a study compares kinds on.
* :mod:`~gru_companion.experiments.study`: the fair study (the same rate search, early
  stopping and seeds for every kind), resumable, and how its results are read.
* :mod:`~gru_companion.experiments.replication`: Chung et al. (2014) beside the course's
  chorale studies.
* :mod:`~gru_companion.experiments.variants`, :mod:`~gru_companion.experiments.gradient_flow`,
  :mod:`~gru_companion.experiments.bench`, :mod:`~gru_companion.experiments.memory`,
  :mod:`~gru_companion.experiments.gpu_bench`: the other experiments.
* :mod:`~gru_companion.experiments.digits`: the test-set evaluation of the digit classifier.
* :mod:`~gru_companion.experiments.result_files`: writing and reading the results.
* :mod:`~gru_companion.experiments.cli`: the command line.
"""
