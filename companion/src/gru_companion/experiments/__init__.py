"""The experiments room: the long Keras and NumPy runs behind ``book/data`` and their command line.

One command line runs every long experiment and writes its JSON result (with the command,
the versions and the machine) under ``book/data``::

    python -m gru_companion.experiments chorales   # the Bach chorales, budget-matched
    python -m gru_companion.experiments adding     # the adding problem at several lengths
    python -m gru_companion.experiments copy       # copy memory at several delays
    python -m gru_companion.experiments sunspots   # yearly sunspot forecasts
    python -m gru_companion.experiments variants   # the GRU, the LSTM and three simplified cells
    python -m gru_companion.experiments gradient-flow  # gradients before and after training
    python -m gru_companion.experiments bench      # NumPy layers against Keras, and the matmul peak

``python -m gru_companion.experiments <experiment> --help`` lists an experiment's options.

* :mod:`~gru_companion.experiments.training`: the one model builder
  (``Input → recurrent layer of any kind → Dense``), the one training loop and its
  :class:`~gru_companion.experiments.training.History`.
* :mod:`~gru_companion.experiments.tasks`: the table of budget-matched tasks (chorales,
  adding, copy, sunspots) and :func:`~gru_companion.experiments.tasks.run_task`.
* :mod:`~gru_companion.experiments.variants`, :mod:`~gru_companion.experiments.gradient_flow`,
  :mod:`~gru_companion.experiments.bench`: the other experiments.
* :mod:`~gru_companion.experiments.digits`: the test-set evaluation of the digit classifier.
* :mod:`~gru_companion.experiments.result_files`: writing and reading the results.
* :mod:`~gru_companion.experiments.cli`: the command line.
"""
